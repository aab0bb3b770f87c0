"""JupyterHub configuration of the course's classroom (JupyterHub 5 or 6).

Everything about the particular classroom (accounts, ports, paths) is read
from the ``classroom.json`` that ``classroom/provision.py up`` wrote; the
file named by ``CLASSROOM_STATE``, else the one in the current folder.

- Listens on 127.0.0.1 only (the hub, its API and the proxy's API); put a
  TLS-terminating proxy in front of it to open it to a network.
- Real Linux accounts: PAM checks passwords; each user's server runs as that
  user (the local process spawner), from the classroom's shared environment.
- nbgrader's groups for one course: ``formgrade-<course>`` (the instructors)
  and ``nbgrader-<course>`` (everyone enrolled). The instructor's server
  gets formgrader and imports course_lib from the course directory (the
  grader needs its exercise definitions); a student's server gets the
  Assignments tab and no instructor tools.
"""

import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

state = json.loads(Path(os.environ.get("CLASSROOM_STATE", "classroom.json")).read_text())
hub = Path(state["hub"])
instructors = [state["instructor"]]
students = list(state["students"])
course = state["course_id"]

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = state["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = state["hub_port"]
c.ConfigurableHTTPProxy.command = [state["proxy"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{state['proxy_api_port']}"
c.JupyterHub.db_url = f"sqlite:///{hub / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(hub / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(hub / "jupyterhub.pid")

c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(instructors + students)
c.PAMAuthenticator.open_sessions = False

c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(Path(state["env"]) / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def _server_environment(spawner):
    """Each account's server environment, as classroom/provision.py computed it."""
    spawner.environment.update(state["environments"][spawner.user.name])


c.Spawner.pre_spawn_hook = _server_environment

c.JupyterHub.load_groups = {
    f"formgrade-{course}": {"users": instructors},
    f"nbgrader-{course}": {"users": instructors + students},
}
c.JupyterHub.load_roles = [
    # Instructors may see who is logged in and start or stop a student's server.
    {"name": f"instructor-{course}", "groups": [f"formgrade-{course}"],
     "scopes": ["admin-ui", f"admin:servers!group=nbgrader-{course}",
                f"read:users!group=nbgrader-{course}"]},
]
