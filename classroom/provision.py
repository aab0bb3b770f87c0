"""Set up, run and take down the course's JupyterHub classroom on one machine (make classroom).

What ``up`` makes, and ``down`` takes away again (only what it made):

- **a Python environment every account can run** (``PREFIX/env``), made from
  Debian's ``/usr/bin/python3`` (a Python under ``/root`` or a home folder is
  not reachable by other accounts): the course's wheel (images, digits,
  visible batteries; no solutions, exercise definitions or hidden tests),
  JupyterHub and nbgrader. It is kept by ``down`` (it takes minutes to build)
  and brought up to date by the next ``up``;
- **configurable-http-proxy** from npm (``PREFIX/proxy``, pinned by
  ``classroom/package-lock.json``);
- **real Linux accounts**: an instructor and N students, each with a private
  home (mode 0700) and a password printed once; the instructor is in the
  course's instructors group;
- **the instructor's course directory**: a copy of this repository in the
  instructor's home (masters, exercise definitions, sample class, gradebook),
  readable by the instructor alone;
- **nbgrader's exchange** at the course's ``c.Exchange.root`` with the course's
  folder made as nbgrader makes it, except that the inbound folder carries the
  instructors' group (setgid, sticky), so a submission is readable by its
  student and the instructors only (``course_lib/exchange.py``);
- **the servers' Jupyter configuration** (``PREFIX/hub/jupyter``): the
  exchange, the course id and the private exchange classes for everyone;
  formgrader and the assignment-creation tools switched off for students;
- **the hub's state** (``PREFIX/hub``): ``classroom.json`` (who is who, ports,
  paths), read by ``classroom/jupyterhub_config.py``; JupyterHub's database
  and cookie secret.

``start`` runs JupyterHub in the foreground on 127.0.0.1 (``--port``, 8000 by
default), as root: PAM checks the passwords and the local process spawner
starts each server as its own account.

Run as root: ``python classroom/provision.py up --students 3``, then ``start``;
``down`` removes the accounts, their homes, the course's exchange folder and
the hub's state.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import grp
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
CLASSROOM = Path(__file__).resolve().parent
DEFAULT_PREFIX = Path("/opt/convolution-classroom")
ACCOUNT_COMMENT = "convolution course classroom"
"""The comment (GECOS) of every account ``up`` creates: ``down`` removes only those."""
JUPYTERHUB = "jupyterhub>=5,<7"
INTERPRETERS = ("/usr/bin/python3",)
STATE_FILE = "classroom.json"
STUDENT_EXTENSIONS_OFF = {
    "server": ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"],
    "lab": ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
            "@jupyter/nbgrader:course-list"],
}
"""What a student's server does not load: the instructor's nbgrader tools."""


class ProvisionError(RuntimeError):
    """The classroom cannot be set up as asked (not root, a name taken, a tool missing)."""


_ACCOUNT_TOOLS = frozenset({"useradd", "userdel", "usermod", "groupadd", "groupdel", "chpasswd"})
"""Commands that change /etc/passwd and /etc/group: one at a time on this machine (two
set-ups side by side, say two test workers, would otherwise fail on the files' lock)."""
_ACCOUNTS_LOCK = Path(tempfile.gettempdir()) / "convolution-classroom-accounts.lock"


def _command(command, **kwargs) -> subprocess.CompletedProcess:
    """``subprocess.run`` of ``command``; account tools hold :data:`_ACCOUNTS_LOCK`."""
    command = [str(c) for c in command]
    if command[0] not in _ACCOUNT_TOOLS:
        return subprocess.run(command, capture_output=True, text=True, **kwargs)
    with open(_ACCOUNTS_LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            return subprocess.run(command, capture_output=True, text=True, **kwargs)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command, **kwargs) -> subprocess.CompletedProcess:
    done = _command(command, **kwargs)
    if done.returncode != 0:
        raise ProvisionError(f"{' '.join(map(str, command))} failed:\n"
                             f"{(done.stdout + done.stderr).strip()[-3000:]}")
    return done


def say(*lines: str) -> None:
    """Progress for the person running ``up``."""
    for line in lines:
        print(line, flush=True)


# --- the course's own settings -------------------------------------------------------


def course_settings(config_file: Path | None = None) -> dict:
    """The course id and exchange root named in the course's ``nbgrader_config.py``."""
    sys.path.insert(0, str(REPOSITORY))
    from course_lib.config import load_course

    course = load_course(config_file)
    return {
        "course_id": course.coursedir.course_id,
        "exchange": str(course.config.Exchange.get("root", "/srv/nbgrader/exchange")),
    }


def _dependencies() -> list[str]:
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]
    return list(project["dependencies"])


# --- the shared environment ----------------------------------------------------------


def _reachable_by_everyone(path: Path) -> bool:
    """Whether any account can run ``path``: every folder above it searchable by others."""
    resolved = path.resolve()
    if not resolved.is_file() or not resolved.stat().st_mode & stat.S_IXOTH:
        return False
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in resolved.parents)


def interpreter(*, retry: bool = True) -> Path:
    """A Python 3.11+ every account can run (Debian's, installed when missing)."""
    for candidate in INTERPRETERS:
        path = Path(candidate)
        if path.is_file() and _reachable_by_everyone(path):
            version = _run([path, "-c", "import sys; print(sys.version_info >= (3, 11))"])
            if version.stdout.strip() == "True":
                venv = subprocess.run([path, "-c", "import ensurepip, venv"], capture_output=True)
                if venv.returncode == 0:
                    return path
    if retry:
        say("Installing Debian's python3 and python3-venv (an interpreter every account can run)")
        _apt(["python3", "python3-venv"])
        return interpreter(retry=False)
    raise ProvisionError(f"no Python 3.11+ every account can run at {', '.join(INTERPRETERS)}")


def _apt(packages: list[str]) -> None:
    if shutil.which("apt-get") is None:
        raise ProvisionError(f"please install {' '.join(packages)} with your package manager")
    _run(["apt-get", "update", "-qq"])
    _run(["apt-get", "install", "-y", "-qq", *packages],
         env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def build_wheel(destination: Path) -> Path:
    """The course's wheel, built from a source distribution (no stale build folder)."""
    destination.mkdir(parents=True, exist_ok=True)
    for old in destination.glob("course_lib-*"):
        old.unlink()
    # The source distribution is made in the checkout (its egg-info): one build at a time.
    with _locked(Path(tempfile.gettempdir()) / "convolution-course-wheel"):
        _run([sys.executable, "-m", "build", "--outdir", destination, REPOSITORY])
    (wheel,) = destination.glob("course_lib-*.whl")
    return wheel


@contextlib.contextmanager
def _locked(folder: Path):
    """One set-up of a shared folder at a time (two test processes, a demo and a test)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _source_digest() -> str:
    """A digest of what goes into the wheel: the package's files as they are now."""
    digest = hashlib.sha256((REPOSITORY / "pyproject.toml").read_bytes())
    # The wheel's data files are data/ behind a link that a recursive glob does not follow.
    for folder in (REPOSITORY / "course_lib", REPOSITORY / "data"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPOSITORY)).encode() + b"\0"
                              + path.read_bytes())
    return digest.hexdigest()


def ensure_environment(env: Path) -> Path:
    """Create or update the shared environment at ``env``; return its ``bin`` folder.

    The course's dependencies and JupyterHub are installed when the
    environment is new or the dependency list changed; the course's own wheel
    is built and installed again whenever this checkout's course_lib differs
    from the one installed (and only then: servers and tests may be using the
    environment while it is checked).
    """
    env = Path(env)
    with _locked(env.parent):
        return _ensure_environment(env)


def _ensure_environment(env: Path) -> Path:
    wanted = hashlib.sha256(json.dumps([*_dependencies(), JUPYTERHUB]).encode()).hexdigest()
    stamp = env / ".dependencies"
    python = env / "bin" / "python"
    fresh = not (python.is_file() and stamp.is_file() and stamp.read_text() == wanted)
    if fresh:
        say(f"Creating the classroom's Python environment in {env} (a few minutes the first time)")
        shutil.rmtree(env, ignore_errors=True)
        env.parent.chmod(0o755)
        _run([interpreter(), "-m", "venv", env])
        _run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    course = env / ".course_lib"
    source = _source_digest()
    if fresh or not course.is_file() or course.read_text() != source:
        with tempfile.TemporaryDirectory(prefix="wheel-", dir=env.parent) as scratch:
            wheel = build_wheel(Path(scratch))
            if fresh:
                _run([python, "-m", "pip", "install", "--quiet", str(wheel), JUPYTERHUB])
                stamp.write_text(wanted)
            else:
                _run([python, "-m", "pip", "install", "--quiet", "--no-deps",
                      "--force-reinstall", str(wheel)])
        course.write_text(source)
    # A classroom has no news feed and no update check: nothing to fetch, nothing to ask.
    settings = env / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps(
        {"@jupyterlab/apputils-extension:notification":
         {"fetchNews": "false", "checkForUpdates": False}}, indent=2) + "\n")
    _run(["chmod", "-R", "a+rX", env])
    return env / "bin"


def ensure_proxy(folder: Path) -> Path:
    """configurable-http-proxy from npm in ``folder``; return the program."""
    with _locked(folder):
        return _ensure_proxy(folder)


def _ensure_proxy(folder: Path) -> Path:
    program = folder / "node_modules" / ".bin" / "configurable-http-proxy"
    lock = (CLASSROOM / "package-lock.json").read_bytes()
    if program.exists() and (folder / "package-lock.json").is_file() and (
            folder / "package-lock.json").read_bytes() == lock:
        return program
    if shutil.which("npm") is None:
        say("Installing Debian's nodejs and npm (for configurable-http-proxy)")
        _apt(["nodejs", "npm"])
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(CLASSROOM / name, folder / name)
    say(f"Installing configurable-http-proxy in {folder}")
    _run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", folder])
    return program


# --- accounts ------------------------------------------------------------------------


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def ours(name: str, *, comment: str = ACCOUNT_COMMENT) -> bool:
    """Whether ``name`` is an account this tool created (with ``comment``)."""
    try:
        return pwd.getpwnam(name).pw_gecos == comment
    except KeyError:
        return False


def accounts_with_comment(comment: str) -> list[str]:
    """Every account whose comment is ``comment`` (left behind by a run that was killed)."""
    return sorted(entry.pw_name for entry in pwd.getpwall() if entry.pw_gecos == comment)


def create_account(name: str, password: str | None, *, comment: str = ACCOUNT_COMMENT) -> bool:
    """A Linux account with a private home; ``password`` is set when given.

    Returns whether the account was created (False: it was made here before).
    """
    created = not _exists(name)
    if created:
        _run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment", comment, name])
    elif not ours(name, comment=comment):
        raise ProvisionError(f"the account {name} exists and was not made by this tool")
    Path(pwd.getpwnam(name).pw_dir).chmod(0o700)
    if password is not None:
        _run(["chpasswd"], input=f"{name}:{password}\n")
    return created


def remove_account(name: str, *, comment: str = ACCOUNT_COMMENT) -> None:
    """Stop the account's processes and remove it with its home (only accounts made here)."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if entry.pw_gecos != comment:
        return
    subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
    for _ in range(50):
        if subprocess.run(["pgrep", "-u", name], capture_output=True).returncode != 0:
            break
        time.sleep(0.1)
    _command(["userdel", "--remove", name])
    if entry.pw_dir.startswith("/home/") and Path(entry.pw_dir).exists():
        shutil.rmtree(entry.pw_dir, ignore_errors=True)


def _account(name: str) -> pwd.struct_passwd:
    return pwd.getpwnam(name)


def _chown_tree(path: Path, user: str, group: str | None = None) -> None:
    _run(["chown", "-R", f"{user}:{group or user}", path])


# --- the classroom -------------------------------------------------------------------


@dataclass
class Classroom:
    """One course's classroom on this machine: who, where, which ports.

    Attributes
    ----------
    prefix : Path
        Folder of the hub's state (``hub/``), the environment (``env/``) and
        the proxy (``proxy/``).
    instructor : str
    students : list of str
    course_id : str
        The course's id (``c.CourseDirectory.course_id``).
    exchange : str
        nbgrader's exchange root (``c.Exchange.root``).
    group : str
        The Linux group of the course's instructors.
    port : int
        Where the hub listens, on 127.0.0.1.
    env : Path
        The shared environment (default ``prefix/env``).
    """

    prefix: Path = DEFAULT_PREFIX
    instructor: str = "instructor"
    students: list[str] = field(default_factory=lambda: ["student1", "student2", "student3"])
    course_id: str = "convolution"
    exchange: str = "/srv/nbgrader/exchange"
    group: str = ""
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    env: Path | None = None
    course_folder: str = "convolution-course"
    comment: str = ACCOUNT_COMMENT

    def __post_init__(self) -> None:
        self.prefix = Path(self.prefix)
        self.env = Path(self.env) if self.env else self.prefix / "env"
        self.group = self.group or f"{self.course_id}-instructors"

    # where things are
    @property
    def hub(self) -> Path:
        return self.prefix / "hub"

    @property
    def state_file(self) -> Path:
        return self.hub / STATE_FILE

    @property
    def tools(self) -> Path:
        """Where the shared environment's proxy lives (beside the environment)."""
        return self.env.parent / "proxy"

    @property
    def proxy(self) -> Path:
        return self.tools / "node_modules" / ".bin" / "configurable-http-proxy"

    @property
    def course_dir(self) -> Path:
        """The instructor's course directory (a copy of this repository)."""
        return Path(f"/home/{self.instructor}") / self.course_folder

    @property
    def jupyter_config(self) -> Path:
        """The servers' Jupyter configuration: ``common`` for all, ``student`` on top."""
        return self.hub / "jupyter"

    @property
    def users(self) -> list[str]:
        return [self.instructor, *self.students]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def server_environment(self, user: str) -> dict[str, str]:
        """The environment of ``user``'s server (and of commands run as them, in tests)."""
        config_path = [str(self.jupyter_config / "common")]
        env = {
            "PATH": f"{self.env}/bin:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
        }
        if user == self.instructor:
            # The grader needs the course's exercise definitions, which the wheel leaves out:
            # the instructor's server imports course_lib from the course directory.
            env["PYTHONPATH"] = str(self.course_dir)
        else:
            config_path.insert(0, str(self.jupyter_config / "student"))
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(config_path)
        return env

    def run_as(self, user: str, *command, cwd: str | os.PathLike | None = None,
               timeout: float = 600, check: bool = False,
               input: str | None = None) -> subprocess.CompletedProcess:
        """Run ``command`` as ``user``, with the environment their server has (as a terminal
        in their JupyterLab would), in ``cwd`` (default: their home)."""
        home = Path(_account(user).pw_dir)
        env = {"HOME": str(home), "USER": user, "LOGNAME": user, **self.server_environment(user)}
        done = subprocess.run(
            ["runuser", "-u", user, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()),
             *map(str, command)],
            cwd=cwd or home, capture_output=True, text=True, timeout=timeout, input=input)
        if check and done.returncode != 0:
            raise ProvisionError(f"{' '.join(map(str, command))} as {user} failed:\n"
                                 f"{(done.stdout + done.stderr)[-3000:]}")
        return done

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data.update(prefix=str(self.prefix), env=str(self.env), proxy=str(self.proxy),
                    course_dir=str(self.course_dir), hub=str(self.hub),
                    environments={u: self.server_environment(u) for u in self.users})
        return data

    @classmethod
    def load(cls, prefix: Path = DEFAULT_PREFIX) -> Classroom:
        """The classroom ``up`` made in ``prefix``."""
        state = Path(prefix) / "hub" / STATE_FILE
        if not state.is_file():
            raise ProvisionError(f"no classroom in {prefix}: run `up` first")
        data = json.loads(state.read_text())
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    # setting up
    def up(self, *, passwords: dict[str, str] | None = None) -> dict[str, str | None]:
        """Make everything (see the module docstring), or bring it up to date.

        Returns each account's password: a new one for a new account (or the one
        given in ``passwords``), None for an account made by an earlier ``up``
        (its password is unchanged). The instructor's course directory is
        copied only the first time: it holds their gradebook.
        """
        if os.geteuid() != 0:
            raise ProvisionError("setting up a classroom needs root (accounts, exchange, hub)")
        for tool in ("bwrap", "setfacl"):
            if shutil.which(tool) is None:
                _apt({"bwrap": ["bubblewrap"], "setfacl": ["acl"]}[tool])
        taken = [u for u in self.users if _exists(u) and not ours(u, comment=self.comment)]
        if taken:
            raise ProvisionError(f"accounts already exist and were not made here: {taken}")
        ensure_environment(self.env)
        ensure_proxy(self.tools)
        given = dict(passwords or {})
        passwords = {}
        for user in self.users:
            password = given.get(user)
            if password is None and not _exists(user):
                password = secrets.token_urlsafe(9)
            create_account(user, password, comment=self.comment)
            passwords[user] = password
        self._instructors_group()
        if not self.course_dir.is_dir():
            self._course_directory()
        self._exchange()
        self._jupyter_config()
        self.state_file.write_text(json.dumps(self.to_json(), indent=2) + "\n")
        self.state_file.chmod(0o600)
        return passwords

    def _instructors_group(self) -> None:
        try:
            grp.getgrnam(self.group)
        except KeyError:
            _run(["groupadd", self.group])
        _run(["usermod", "--append", "--groups", self.group, self.instructor])

    def _course_directory(self) -> None:
        """A copy of this repository's tracked files in the instructor's home."""
        listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                      cwd=REPOSITORY).stdout.split("\0")
        target = self.course_dir
        shutil.rmtree(target, ignore_errors=True)
        for name in filter(None, listed):
            source = REPOSITORY / name
            if not source.exists() and not source.is_symlink():
                continue
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.is_symlink():
                destination.symlink_to(os.readlink(source))
            else:
                shutil.copy2(source, destination)
        config = target / "nbgrader_config.py"
        if course_settings()["exchange"] != self.exchange:
            with config.open("a") as handle:
                handle.write(f"\n# Set by classroom/provision.py for this classroom.\n"
                             f"c.Exchange.root = {self.exchange!r}\n")
        home = Path(_account(self.instructor).pw_dir)
        (home / ".jupyter").mkdir(exist_ok=True)
        # nbgrader's formgrader in the instructor's server finds the course here.
        (home / ".jupyter" / "nbgrader_config.py").write_text(
            "c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.root = {str(target)!r}\n")
        _chown_tree(home, self.instructor)

    def _exchange(self) -> None:
        """The exchange root and the course's folder, made as nbgrader makes them, except
        the inbound folder: the instructors' group, setgid (submissions inherit the
        group) and sticky (nobody renames or removes another's submission)."""
        root = Path(self.exchange)
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o1777)
        course = root / self.course_id
        instructor = _account(self.instructor)
        group = grp.getgrnam(self.group).gr_gid
        modes = {"": 0o755, "outbound": 0o755, "inbound": 0o3733, "feedback": 0o711}
        for name, mode in modes.items():
            folder = course / name
            folder.mkdir(parents=True, exist_ok=True)
            os.chown(folder, instructor.pw_uid, group if name == "inbound" else instructor.pw_gid)
            folder.chmod(mode)

    def _jupyter_config(self) -> None:
        common = self.jupyter_config / "common"
        student = self.jupyter_config / "student"
        for folder in (common, student / "jupyter_server_config.d", student / "labconfig"):
            folder.mkdir(parents=True, exist_ok=True)
        (common / "nbgrader_config.py").write_text(
            '"""nbgrader settings of every server in the classroom (written by '
            'classroom/provision.py)."""\n\n'
            "from course_lib.exchange import use_course_exchange\n\n"
            "c = get_config()  # noqa: F821\n"
            f"c.Exchange.root = {self.exchange!r}\n"
            f"c.CourseDirectory.course_id = {self.course_id!r}\n"
            "use_course_exchange(c)\n")
        server = json.loads((REPOSITORY / "jupyter-config" / "jupyter_server_config.json")
                            .read_text())
        # JupyterLab shows formgrader in a frame of its own page: allow framing by the same
        # origin only (JupyterHub's servers forbid any framing by default).
        server["ServerApp"]["tornado_settings"]["headers"] = {
            "Content-Security-Policy": "frame-ancestors 'self'"}
        # Terminals as interactive, not login, shells: a login shell reads /etc/profile,
        # which on Debian resets PATH and so hides the environment's `course` and `nbgrader`.
        server["ServerApp"]["terminado_settings"] = {"shell_command": ["/bin/bash"]}
        (common / "jupyter_server_config.json").write_text(json.dumps(server, indent=2) + "\n")
        off = {"ServerApp": {"jpserver_extensions": {
            name: False for name in STUDENT_EXTENSIONS_OFF["server"]}}}
        (student / "jupyter_server_config.d" / "classroom-student.json").write_text(
            json.dumps(off, indent=2) + "\n")
        (student / "labconfig" / "page_config.json").write_text(json.dumps(
            {"disabledExtensions": {name: True for name in STUDENT_EXTENSIONS_OFF["lab"]}},
            indent=2) + "\n")
        _run(["chmod", "-R", "a+rX", self.jupyter_config])
        # The servers read their configuration below; nobody else lists the hub's state.
        self.hub.chmod(0o711)

    # running
    def hub_command(self) -> list[str]:
        return [str(self.env / "bin" / "jupyterhub"), "-f", str(CLASSROOM / "jupyterhub_config.py")]

    def hub_environment(self) -> dict[str, str]:
        return {
            "PATH": f"{self.env}/bin:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "CLASSROOM_STATE": str(self.state_file),
        }

    def start_hub(self, *, log: Path | None = None) -> subprocess.Popen:
        """Start JupyterHub in the background (its own process group); see :meth:`stop_hub`."""
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed by stop_hub
        try:
            process = subprocess.Popen(self.hub_command(), cwd=self.hub,
                                       env=self.hub_environment(), stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            if log:
                out.close()  # the hub has its own copy of the descriptor
        return process

    @staticmethod
    def stop_hub(process: subprocess.Popen) -> None:
        """Stop the hub, its proxy and every server it started."""
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)

    # taking down
    def down(self, *, environment: bool = False) -> None:
        """Remove the accounts, the course's exchange folder and the hub's state."""
        for user in self.users:
            remove_account(user, comment=self.comment)
        try:
            grp.getgrnam(self.group)
        except KeyError:
            pass
        else:
            _command(["groupdel", self.group])
        shutil.rmtree(Path(self.exchange) / self.course_id, ignore_errors=True)
        shutil.rmtree(self.hub, ignore_errors=True)
        if environment:
            shutil.rmtree(self.env, ignore_errors=True)
            shutil.rmtree(self.tools, ignore_errors=True)


# --- command line --------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", type=Path, default=DEFAULT_PREFIX,
                        help=f"where the hub's state, environment and proxy go ({DEFAULT_PREFIX})")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="create the environment, accounts, course and exchange")
    up.add_argument("--students", type=int, default=3, help="number of student accounts")
    up.add_argument("--instructor", default="instructor", help="the instructor's account name")
    up.add_argument("--port", type=int, default=8000, help="the hub's port on 127.0.0.1")
    up.add_argument("--exchange", default=None,
                    help="nbgrader's exchange root (default: the course's c.Exchange.root)")
    sub.add_parser("start", help="run the hub in the foreground (Ctrl-C stops it)")
    down = sub.add_parser("down", help="remove the accounts, exchange folder and hub state")
    down.add_argument("--all", action="store_true", help="remove the environment and proxy too")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "up":
            settings = course_settings()
            classroom = Classroom(prefix=args.prefix, instructor=args.instructor,
                                  students=[f"student{i}" for i in range(1, args.students + 1)],
                                  course_id=settings["course_id"],
                                  exchange=args.exchange or settings["exchange"], port=args.port)
            passwords = classroom.up()
            say("", f"The classroom is ready; `{Path(__file__).name} start` (the second half of "
                f"`make classroom`) runs its hub on {classroom.url}/",
                "Accounts (passwords are shown this once; `down` removes the accounts):")
            for user in classroom.users:
                role = "instructor" if user == classroom.instructor else "student"
                shown = passwords[user] or "(unchanged)"
                say(f"  {user:12s} {shown:14s} {role}")
            say(f"The instructor's course directory: {classroom.course_dir}",
                f"The exchange: {classroom.exchange}/{classroom.course_id}")
        elif args.command == "start":
            classroom = Classroom.load(args.prefix)
            say(f"JupyterHub on {classroom.url}/ (listening on 127.0.0.1 only); Ctrl-C stops it")
            os.chdir(classroom.hub)
            os.execve(classroom.hub_command()[0], classroom.hub_command(),
                      classroom.hub_environment())
        elif args.command == "down":
            Classroom.load(args.prefix).down(environment=args.all)
            say(f"Removed the classroom in {args.prefix}")
    except ProvisionError as error:
        print(f"classroom: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
