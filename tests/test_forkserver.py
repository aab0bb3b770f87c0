"""Tests for course_lib.sandbox.forkserver: many runs through one sandboxed zygote, each
still isolated and limited like a run of its own.

Every hostile run gets its limits before it starts (the fixture's sandbox; the
fork bomb only after a probe has shown the process limit in force); nothing
here touches the network.
"""

from __future__ import annotations

import json
import os
import signal
import textwrap
import time

import pytest

from course_lib.sandbox import Sandbox
from course_lib.sandbox.forkserver import PYTHON_SOURCE, ForkServer
from course_lib.sandbox.supervise import stop_all

UIDS = range(61940, 61944)
"""uids of their own, so that sandboxes other tests run at the same time are not counted."""


def _processes_of(uids) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def server():
    sandbox = Sandbox(wall_seconds=8, cpu_seconds=8, memory_bytes=1024**3, processes=16,
                      uid=UIDS[0], uid_pool=len(UIDS))
    with ForkServer(sandbox, entry=PYTHON_SOURCE, preload=["numpy"]) as started:
        yield started


def run(server, code: str, **options):
    return server.run(stdin=textwrap.dedent(code).encode(), **options)


def answer(result):
    assert result.status == "ok" and result.returncode == 0, (result, result.stderr.decode())
    return json.loads(result.stdout.decode().strip().splitlines()[-1])


PROBE = """
import json, os, resource, sys
print(json.dumps({
    "uid": os.getuid(), "euid": os.geteuid(), "pid": os.getpid(), "ppid": os.getppid(),
    "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
    "memory": resource.getrlimit(resource.RLIMIT_AS)[0],
    "cpu": resource.getrlimit(resource.RLIMIT_CPU)[0],
    "caps": open("/proc/self/status").read().split("CapEff:")[1].split()[0],
    "home": os.environ["HOME"], "cwd": os.getcwd(),
    "numpy_preloaded": "numpy" in sys.modules,
}))
"""


def test_each_run_is_a_fresh_limited_process_with_the_preloads(server):
    """Every run: its own pid, the run's limits, no capability, numpy already imported."""
    first, second = answer(run(server, PROBE)), answer(run(server, PROBE))
    assert first["pid"] != second["pid"]
    for probe in (first, second):
        assert probe["nproc"] == 16 and probe["memory"] == 1024**3 and probe["cpu"] == 8
        assert probe["caps"] == "0000000000000000"
        assert probe["numpy_preloaded"] is True
        assert probe["cwd"] == probe["home"]
        assert probe["uid"] != 0 and probe["uid"] == probe["euid"]
    if os.geteuid() == 0:
        assert first["uid"] in UIDS and second["uid"] in UIDS
    assert server.starts == 1


def test_nothing_a_run_leaves_reaches_the_next(server):
    """Files in HOME, /tmp and /dev/shm, environment variables and processes left running by
    one run are gone when the next starts."""
    left = run(server, """
        import os, subprocess
        for folder in (os.environ["HOME"], "/tmp", "/dev/shm"):
            with open(os.path.join(folder, "trace"), "w") as handle:
                handle.write("left behind")
        os.makedirs("/tmp/locked/inner")
        os.chmod("/tmp/locked", 0o500)
        os.environ["COURSE_TRACE"] = "left behind"
        subprocess.Popen(["sleep", "60"], start_new_session=True)
        print(os.getpid())
    """)
    assert left.status == "ok", left.stderr
    found = answer(run(server, """
        import glob, json, os
        print(json.dumps({
            "files": glob.glob("/tmp/**/trace", recursive=True) + glob.glob("/dev/shm/*")
                     + glob.glob("/tmp/locked"),
            "env": "COURSE_TRACE" in os.environ,
            "others": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()
                             and int(p) not in (1, os.getpid(), os.getppid())),
        }))
    """))
    assert found == {"files": [], "env": False, "others": []}


def test_a_run_cannot_reach_the_zygote(server):
    """The zygote's memory is not readable through /proc, and as root a run cannot signal it."""
    probe = answer(run(server, PROBE))
    attempt = answer(run(server, f"""
        import json, os, signal
        result = {{}}
        try:
            open("/proc/{probe['ppid']}/mem", "rb").read(1)
            result["mem"] = "read"
        except OSError as error:
            result["mem"] = error.errno
        try:
            os.kill({probe['ppid']}, 0)
            result["signal"] = "allowed"
        except OSError as error:
            result["signal"] = error.errno
        print(json.dumps(result))
    """))
    assert attempt["mem"] != "read"
    if os.geteuid() == 0:
        assert attempt["signal"] != "allowed"
    assert answer(run(server, "print(42)")) == 42
    assert server.starts == 1


def test_hangs_crashes_floods_and_memory_end_their_run_only(server):
    """Each ending has its status, and the next run works in the same zygote."""
    assert run(server, "while True: pass", timeout=2).status == "timeout"
    assert run(server, "import time; time.sleep(60)", timeout=2).status == "timeout"
    assert run(server, "import ctypes; ctypes.string_at(0)").status == "crashed"
    assert run(server, "import os; os._exit(3)").returncode == 3
    assert run(server, "data = bytearray(4 * 1024**3)").status == "memory"
    flood = run(server, "import os\nwhile True: os.write(1, b'x' * 65536)")
    assert flood.status == "output-limit"
    assert len(flood.stdout) == server.sandbox.limits.output_bytes
    assert answer(run(server, "print(7)")) == 7
    assert server.starts == 1


@pytest.mark.slow
def test_a_fork_bomb_is_bounded_and_leaves_no_process(server):
    """The process limit holds before the bomb runs; afterwards no process of the pool is left."""
    assert answer(run(server, PROBE))["nproc"] == 16
    bomb = run(server, """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """, timeout=3)
    assert bomb.status == "timeout"
    assert answer(run(server, "print(1)")) == 1
    if os.geteuid() == 0:
        # Killed processes of a pid namespace take a moment to be reaped on a busy machine;
        # one left running never goes.
        deadline = time.monotonic() + 10
        while _processes_of(UIDS) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_of(UIDS) == []


def test_a_zygote_that_died_is_started_again(server):
    """Killed between runs (or by Ctrl-C's stop_all), the zygote comes back for the next run."""
    assert answer(run(server, "print(1)")) == 1
    os.killpg(server._process.pid, signal.SIGKILL)
    assert answer(run(server, "print(2)")) == 2
    assert server.starts == 2
    assert stop_all() >= 1
    assert answer(run(server, "print(3)")) == 3
    assert server.starts == 3


def test_unsafe_mode_keeps_the_limits():
    """Without bubblewrap the children still get the run's resource limits."""
    sandbox = Sandbox(unsafe=True, wall_seconds=5, memory_bytes=1024**3, processes=4096)
    with ForkServer(sandbox, entry=PYTHON_SOURCE) as server:
        probe = answer(run(server, PROBE))
        assert probe["memory"] == 1024**3 and probe["cpu"] == sandbox.limits.cpu_seconds
        assert run(server, "while True: pass", timeout=1).status == "timeout"
        assert not os.path.exists(probe["home"])
        assert answer(run(server, "print(5)")) == 5


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="module:function"):
        ForkServer(Sandbox(), entry="no_colon")
    with ForkServer(Sandbox(), entry=PYTHON_SOURCE) as server, pytest.raises(TypeError):
        server.run(stdin="text")


def test_emptying_tmp_spares_the_folders_that_hold_the_sandboxs_own_mounts(tmp_path):
    """A course or virtual environment installed under /tmp is bound inside the sandbox's
    /tmp; cleaning up after a run removes what the run left there, never those folders
    (nor makes them unreadable to the next run's uid)."""
    from course_lib.sandbox.zygote import _empty

    shared = tmp_path / "tmp"
    (shared / "course" / "venv").mkdir(parents=True)
    (shared / "course").chmod(0o755)
    (shared / "course" / "left-by-a-run").write_text("x")
    (shared / "trace").write_text("x")
    (shared / "locked" / "inner").mkdir(parents=True)
    (shared / "locked").chmod(0o500)
    _empty(str(shared), keep={str(shared / "course"), str(shared / "course" / "venv")})
    assert sorted(p.name for p in shared.iterdir()) == ["course"]
    assert sorted(p.name for p in (shared / "course").iterdir()) == ["venv"]
    assert (shared / "course").stat().st_mode & 0o777 == 0o755
