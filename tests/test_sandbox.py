"""Tests for course_lib.sandbox: hostile programs run through the real bubblewrap sandbox.

Every hostile program gets its limits before it starts; network tests only
ever talk to 127.0.0.1.
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import socket
import sys
import textwrap
import threading
import tracemalloc
from pathlib import Path

import pytest
from traitlets import TraitError

from course_lib.sandbox import (
    RESULT_STATUSES,
    UNSAFE_REFUSAL,
    Result,
    Sandbox,
    SandboxUnavailable,
)
from course_lib.sandbox.environment import THREAD_POOLS
from course_lib.sandbox.identity import DEFAULT_UID, DEFAULT_UID_POOL

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parent.parent


def run_python(sandbox: Sandbox, code: str, **options) -> Result:
    """Run a Python snippet in ``sandbox``."""
    return sandbox.run([PYTHON, "-c", textwrap.dedent(code)], **options)


def json_of(result: Result):
    """The JSON document a probe printed as its last stdout line."""
    assert result.status == "ok" and result.returncode == 0, (result, result.stderr.decode())
    return json.loads(result.stdout.decode().strip().splitlines()[-1])


@pytest.fixture
def secrets(tmp_path):
    """A fake course layout: solutions and gradebook (secret) next to a submission (readable)."""
    course = tmp_path / "course"
    (course / "solutions" / "01_convolution").mkdir(parents=True)
    (course / "solutions" / "01_convolution" / "01_convolution.ipynb").write_text("SOLUTION")
    (course / "autograde" / "submitted" / "bob").mkdir(parents=True)
    (course / "autograde" / "gradebook.db").write_text("GRADES")
    (course / "autograde" / "submitted" / "bob" / "answer.py").write_text("BOB")
    submission = course / "autograde" / "submitted" / "alice"
    submission.mkdir(parents=True)
    (submission / "answer.py").write_text("ALICE")
    for path in course.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return course, submission


@pytest.fixture
def sandbox(secrets):
    """A sandbox that may read only Alice's submission."""
    _, submission = secrets
    return Sandbox(wall_seconds=60, readable=[submission])


def test_check_available_on_this_machine():
    """The grading machine has a working bubblewrap (the probe really runs it)."""
    assert Sandbox.check_available() is None


def test_missing_bubblewrap_is_reported(tmp_path):
    """check_available and run refuse with the reason and the fix when bwrap is not there."""
    missing = str(tmp_path / "bwrap")
    with pytest.raises(SandboxUnavailable, match="bwrap not found") as refused:
        Sandbox.check_available(bwrap=missing)
    assert "apt-get install bubblewrap" in refused.value.how_to_fix
    assert "set by c.Sandbox.bwrap" in str(refused.value)  # the configured path is named
    assert "correct c.Sandbox.bwrap" in refused.value.how_to_fix
    with pytest.raises(SandboxUnavailable, match="bwrap not found"):
        Sandbox(bwrap=missing).run(["true"])
    assert Sandbox(bwrap=missing, unsafe=True).run(["true"]).status == "ok"


def test_a_configured_bubblewrap_that_fails_is_named_with_the_setting(tmp_path):
    """A c.Sandbox.bwrap that runs but fails is named as the setting, with its own words."""
    failing = tmp_path / "bwrap"
    failing.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\n"
                       "exit 1\n")
    failing.chmod(0o755)
    with pytest.raises(SandboxUnavailable) as refused:
        Sandbox(bwrap=str(failing)).check()
    assert f"the bubblewrap set by c.Sandbox.bwrap, {failing} failed a test run: bwrap: " \
        "setting up uid map: Permission denied" in str(refused.value)
    assert refused.value.how_to_fix.startswith("correct c.Sandbox.bwrap")


FORBID_NAMESPACES_THEN_CHECK = """
import ctypes, json
from course_lib.sandbox import Sandbox, SandboxUnavailable
from course_lib.sandbox.seccomp import filter_program

class Program(ctypes.Structure):
    _fields_ = [("length", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

code = filter_program()
buffer = ctypes.create_string_buffer(code, len(code))
program = Program(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
libc = ctypes.CDLL(None, use_errno=True)
# PR_SET_NO_NEW_PRIVS, then PR_SET_SECCOMP with SECCOMP_MODE_FILTER: like a locked-down container.
assert libc.prctl(38, 1, 0, 0, 0) == 0
assert libc.prctl(22, 2, ctypes.byref(program), 0, 0) == 0
try:
    Sandbox.check_available()
    print(json.dumps("available"))
except SandboxUnavailable as error:
    print(json.dumps([error.reason, error.how_to_fix]))
"""


def test_forbidden_namespaces_are_reported():
    """Where namespaces are forbidden (as in a locked-down container) the real bwrap's error and
    the fix are reported."""
    import subprocess

    done = subprocess.run(
        [PYTHON, "-c", FORBID_NAMESPACES_THEN_CHECK], capture_output=True, timeout=60, check=True
    )
    reason, how_to_fix = json.loads(done.stdout)
    assert "bubblewrap failed a test run" in reason and "bwrap:" in reason
    assert "unprivileged_userns_clone" in how_to_fix and "seccomp" in how_to_fix


def test_unavailable_error_says_how_to_fix():
    """The refusal text names the reason, the fix and the --unsafe escape hatch."""
    error = SandboxUnavailable("bwrap not found", "apt-get install bubblewrap")
    assert "bwrap not found" in str(error) and "apt-get install bubblewrap" in str(error)
    assert error.reason == "bwrap not found" and error.how_to_fix == "apt-get install bubblewrap"
    assert "--unsafe" in UNSAFE_REFUSAL


def test_runs_as_unprivileged_uid_with_process_limit(sandbox):
    """Code runs as a pooled uid that is not root, with RLIMIT_NPROC and the other limits set."""
    probe = json_of(
        run_python(
            sandbox,
            """
            import getpass, json, os, resource
            print(json.dumps({
                "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
                "groups": os.getgroups(),
                "nproc": resource.getrlimit(resource.RLIMIT_NPROC),
                "as": resource.getrlimit(resource.RLIMIT_AS),
                "cpu": resource.getrlimit(resource.RLIMIT_CPU),
                "caps": [line for line in open("/proc/self/status") if line.startswith("CapEff")],
                "user": getpass.getuser(),
                "etc": sorted(os.listdir("/etc")),
            }))
            """,
        )
    )
    assert probe["uid"] != 0 and probe["euid"] != 0 and probe["gid"] != 0
    assert DEFAULT_UID <= probe["uid"] < DEFAULT_UID + DEFAULT_UID_POOL
    assert probe["groups"] in ([], [probe["gid"]])
    assert probe["nproc"] == [64, 64]
    assert probe["as"] == [2 * 1024**3] * 2
    assert probe["cpu"] == [20, 21]
    assert probe["caps"] == ["CapEff:\t0000000000000000\n"]
    assert probe["user"] == "student"
    assert "passwd" in probe["etc"] and "ld.so.cache" in probe["etc"]
    assert not {"shadow", "ssh", "sudoers", "hostname"} & set(probe["etc"])


def test_submission_is_readable_but_secrets_are_not(sandbox, secrets):
    """Solutions, the gradebook and other students' files are invisible; the submission is not."""
    course, submission = secrets
    paths = {
        "own": submission / "answer.py",
        "solution": course / "solutions" / "01_convolution" / "01_convolution.ipynb",
        "gradebook": course / "autograde" / "gradebook.db",
        "other_student": course / "autograde" / "submitted" / "bob" / "answer.py",
        "repo_solutions": ROOT / "solutions",
        "repo_autograde": ROOT / "autograde",
        "root_ssh": Path("/root/.ssh"),
        "home": Path("/home"),
    }
    probe = json_of(
        run_python(
            sandbox,
            f"""
            import json, os
            paths = {json.dumps({k: str(v) for k, v in paths.items()})}
            seen = {{}}
            for name, path in paths.items():
                try:
                    with open(path) as handle:
                        seen[name] = handle.read()
                except OSError as error:
                    seen[name] = type(error).__name__
            seen["repo_listing"] = sorted(os.listdir({str(ROOT)!r}))
            print(json.dumps(seen))
            """,
        )
    )
    assert probe["own"] == "ALICE"
    for name in ("solution", "gradebook", "other_student", "repo_solutions", "repo_autograde"):
        assert probe[name] == "FileNotFoundError", name
    assert probe["root_ssh"] in ("FileNotFoundError", "PermissionError")
    assert probe["home"] == "FileNotFoundError"
    assert set(probe["repo_listing"]) <= {"course_lib", "data", ".venv"}
    assert "course_lib" in probe["repo_listing"]


def test_cannot_write_outside_scratch(sandbox, secrets):
    """Writes into the submission, the course package, /usr or / fail; scratch works."""
    _, submission = secrets
    targets = [submission / "answer.py", ROOT / "course_lib" / "evil.py", "/usr/evil", "/evil"]
    probe = json_of(
        run_python(
            sandbox,
            f"""
            import json, os
            outcome = {{}}
            for path in {json.dumps([str(t) for t in targets])}:
                try:
                    with open(path, "w") as handle:
                        handle.write("pwned")
                    outcome[path] = "written"
                except OSError as error:
                    outcome[path] = type(error).__name__
            with open(os.path.join(os.environ["HOME"], "note.txt"), "w") as handle:
                handle.write("fine")
            outcome["scratch"] = "written"
            print(json.dumps(outcome))
            """,
        )
    )
    assert probe.pop("scratch") == "written"
    assert all(value != "written" for value in probe.values()), probe
    assert (submission / "answer.py").read_text() == "ALICE"
    assert not (ROOT / "course_lib" / "evil.py").exists()


@pytest.fixture
def local_server():
    """A TCP server on 127.0.0.1 that answers b'hello' to every connection."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                connection.sendall(b"hello")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def greeting_from(port: int) -> str:
    """What the 127.0.0.1 server says, or the name of the error connecting raised."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as connection:
            return connection.recv(5).decode()
    except OSError as error:
        return type(error).__name__


def test_cannot_reach_a_server_on_the_host_loopback(sandbox, local_server):
    """The sandbox has its own network namespace: the host's 127.0.0.1 server is unreachable."""
    assert greeting_from(local_server) == "hello", "control: the server answers outside"
    code = f"""
        import json, socket
        {textwrap.indent(inspect.getsource(greeting_from), " " * 8).strip()}
        print(json.dumps(greeting_from({local_server})))
        """
    assert json_of(run_python(sandbox, code)) == "ConnectionRefusedError"


def test_only_loopback_interface_and_no_routes(sandbox):
    """Inside, the only network interface is lo: no IPv4 routes, IPv6 routes only via lo."""
    probe = json_of(
        run_python(
            sandbox,
            """
            import json, socket
            lines = open("/proc/net/dev").read().splitlines()[2:]
            print(json.dumps({
                "dev": sorted(line.split(":")[0].strip() for line in lines),
                "names": sorted(name for _, name in socket.if_nameindex()),
                "route": open("/proc/net/route").read().splitlines()[1:],
                "route6": open("/proc/net/ipv6_route").read().splitlines(),
            }))
            """,
        )
    )
    assert probe["dev"] == ["lo"]
    assert probe["names"] == ["lo"]
    assert probe["route"] == []
    assert all(line.split()[-1] == "lo" for line in probe["route6"]), probe["route6"]


def _processes_of(uids: range) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.slow
def test_fork_bomb_is_contained(tmp_path):
    """A fork bomb hits RLIMIT_NPROC, is killed at the wall limit and leaves nothing behind."""
    # Own uids, so that sandboxes other tests run at the same time are not counted.
    uids = range(61900, 61904)
    sandbox = Sandbox(processes=16, wall_seconds=4, cpu_seconds=4, uid=uids[0], uid_pool=len(uids)
    )
    probe = json_of(
        run_python(
            sandbox,
            """
            import json, os, resource
            print(json.dumps([os.getuid(), resource.getrlimit(resource.RLIMIT_NPROC)]))
            """,
        )
    )
    assert probe[0] in uids and probe[1] == [16, 16], "limits must hold before the bomb runs"
    counted = run_python(
        sandbox,
        """
        import os, time
        children = 0
        try:
            while True:
                if os.fork() == 0:
                    time.sleep(2)
                    os._exit(0)
                children += 1
        except OSError as error:
            print(children, error.errno, flush=True)
        """,
    )
    children, errno_value = map(int, counted.stdout.split())
    assert children < 16 and errno_value == 11
    bomb = run_python(
        sandbox,
        """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
        """,
    )
    assert bomb.status == "timeout"
    assert bomb.seconds < 30
    left = _processes_of(uids)
    assert left == [], [open(f"/proc/{pid}/status").read()[:400] for pid in left]


def test_memory_bomb_ends_with_status_memory():
    """Allocating past RLIMIT_AS gives status 'memory' (plain Python and numpy)."""
    sandbox = Sandbox(memory_bytes=512 * 1024**2, wall_seconds=30)
    plain = run_python(sandbox, "data = bytearray(2 * 1024**3)")
    assert plain.status == "memory", plain
    array = run_python(sandbox, "import numpy as np; data = np.ones((1 << 14, 1 << 14))")
    assert array.status == "memory", array
    growing = run_python(sandbox, "chunks = []\nwhile True: chunks.append(bytearray(1 << 24))")
    assert growing.status == "memory", growing


@pytest.mark.slow
def test_infinite_loop_ends_with_timeout_at_the_wall_limit():
    """A busy loop is killed at the wall limit, long before the CPU limit."""
    sandbox = Sandbox(wall_seconds=2, cpu_seconds=60)
    result = run_python(sandbox, "while True: pass")
    assert result.status == "timeout"
    assert 2 <= result.seconds < 10


@pytest.mark.slow
def test_cpu_limit_ends_with_timeout():
    """RLIMIT_CPU stops a busy loop (SIGXCPU) even when the wall clock has time left."""
    sandbox = Sandbox(wall_seconds=60, cpu_seconds=1)
    result = run_python(sandbox, "while True: pass")
    assert result.status == "timeout"
    assert result.returncode == -signal.SIGXCPU
    assert result.seconds < 30


def test_sleeping_program_ends_with_timeout():
    """A program that blocks without using CPU is stopped by the wall clock."""
    sandbox = Sandbox(wall_seconds=1)
    result = run_python(sandbox, "import time; time.sleep(60)")
    assert result.status == "timeout" and result.seconds < 10


def test_huge_output_is_capped_and_stopped():
    """100 MB of output stops the program at the cap; the parent never holds it all."""
    cap = 1024 * 1024
    sandbox = Sandbox(output_bytes=cap, wall_seconds=60)
    tracemalloc.start()
    try:
        result = run_python(
            sandbox,
            """
            import sys
            block = "x" * (1 << 20)
            for _ in range(100):
                sys.stdout.write(block)
            sys.stdout.flush()
            print("finished", file=sys.stderr, flush=True)
            """,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.status == "output-limit"
    assert result.stdout == b"x" * cap
    assert b"finished" not in result.stderr
    assert peak < 8 * cap


def test_stderr_is_capped_too():
    """Flooding stderr is stopped just like stdout."""
    sandbox = Sandbox(output_bytes=1000, wall_seconds=30)
    result = run_python(sandbox, "import sys\nwhile True: sys.stderr.write('e' * 4096)")
    assert result.status == "output-limit" and len(result.stderr) == 1000


def test_segfault_is_crashed():
    """A program killed by SIGSEGV ends with status 'crashed' and returncode -11."""
    sandbox = Sandbox(wall_seconds=30)
    result = run_python(sandbox, "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert result.status == "crashed" and result.returncode == -signal.SIGSEGV


def test_exit_code_and_stdin_pass_through(sandbox):
    """Input reaches the program, output and a non-zero exit code come back unchanged."""
    result = run_python(
        sandbox,
        "import sys; data = sys.stdin.buffer.read(); print(len(data)); sys.exit(3)",
        stdin=b"a" * 300_000,
    )
    assert result.status == "ok" and result.returncode == 3
    assert result.stdout == b"300000\n" and not result.succeeded


def test_unread_input_does_not_block(sandbox):
    """A program that ignores a large stdin still ends normally (the parent stops feeding it)."""
    result = run_python(sandbox, "print('ignored')", stdin=b"x" * 10_000_000)
    assert (result.status, result.returncode, result.stdout) == ("ok", 0, b"ignored\n")


def test_killing_the_parent_fails(sandbox):
    """kill(getppid()), kill(1), kill of the test's pid and killpg reach nothing outside."""
    result = run_python(
        sandbox,
        f"""
        import os, signal
        for pid in (os.getppid(), 1, {os.getpid()}):
            try:
                os.kill(pid, signal.SIGKILL)
                print("killed", pid, flush=True)
            except OSError as error:
                print(type(error).__name__, pid, flush=True)
        for group in ({os.getpgrp()}, 1):
            try:
                os.killpg(group, signal.SIGKILL)
                print("killed group", group, flush=True)
            except OSError as error:
                print(type(error).__name__, "group", group, flush=True)
        print("alive", os.getpid(), os.getppid(), flush=True)
        """,
    )
    lines = result.stdout.decode().splitlines()
    assert not any(line.startswith("killed") for line in lines), lines
    assert lines[-1].startswith("alive 2 1"), "own pid namespace: pid 2 under the zygote, pid 1"
    assert os.getpid() > 0


def test_nothing_persists_between_runs(sandbox, monkeypatch):
    """Files in HOME, /tmp and environment changes of one run are gone in the next."""
    monkeypatch.setenv("COURSE_TEST_SECRET", "instructor-token")
    first = run_python(
        sandbox,
        """
        import json, os
        open(os.path.join(os.environ["HOME"], "left.txt"), "w").write("x")
        open("/tmp/left.txt", "w").write("x")
        os.environ["PATH"] = "/evil"
        print(json.dumps(os.environ.get("COURSE_TEST_SECRET")))
        """,
        env={"RUN": "first"},
    )
    assert json_of(first) is None
    second = json_of(
        run_python(
            sandbox,
            """
            import json, os
            print(json.dumps({
                "home": os.listdir(os.environ["HOME"]),
                "tmp": [name for name, _, files in os.walk("/tmp") if "left.txt" in files],
                "env": dict(os.environ),
            }))
            """,
        )
    )
    assert second["home"] == [] and second["tmp"] == []
    assert "RUN" not in second["env"] and not second["env"]["PATH"].startswith("/evil")
    assert set(second["env"]) <= {
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "PYTHONNOUSERSITE",
        "MPLBACKEND",
        "PWD",
        "COURSE_DATA_DIR",
        *THREAD_POOLS,
    }
    assert second["env"]["PYTHONNOUSERSITE"] == "1" and second["env"]["MPLBACKEND"] == "Agg"


def test_caller_managed_scratch_keeps_results(tmp_path):
    """A scratch folder passed by the caller receives the program's files for the caller."""
    scratch = tmp_path / "scratch"
    sandbox = Sandbox(wall_seconds=30, scratch=scratch)
    code = "import os; open('result.bin', 'wb').write(b'42'); print(os.getcwd())"
    result = run_python(sandbox, code)
    assert result.stdout.decode().strip() == str(scratch)
    assert (scratch / "result.bin").read_bytes() == b"42"


def test_course_library_and_data_work_inside(sandbox):
    """Student programs can import numpy and course_lib and load the bundled data."""
    probe = json_of(
        run_python(
            sandbox,
            """
            import json
            import numpy as np
            from course_lib import data, reference
            out = reference.correlate2d(np.arange(20.0).reshape(4, 5), np.ones((2, 3)))
            print(json.dumps([out.shape, data.cat().shape]))
            """,
        )
    )
    assert probe[0] == [3, 3]
    assert len(probe[1]) >= 2


def test_unsafe_mode_keeps_limits_and_scrubbed_environment(monkeypatch):
    """unsafe=True runs without bubblewrap but still applies rlimits, timeouts and env scrubbing."""
    monkeypatch.setenv("COURSE_TEST_SECRET", "instructor-token")
    sandbox = Sandbox(memory_bytes=512 * 1024**2, wall_seconds=2, unsafe=True)
    probe = run_python(
        sandbox,
        """
        import json, os, resource
        print(json.dumps({
            "as": resource.getrlimit(resource.RLIMIT_AS),
            "env": sorted(os.environ),
        }))
        """,
    )
    assert probe.sandboxed is False and "unsafe mode" in probe.message
    values = json_of(probe)
    assert values["as"] == [512 * 1024**2] * 2
    assert "COURSE_TEST_SECRET" not in values["env"]
    assert run_python(sandbox, "data = bytearray(2 * 1024**3)").status == "memory"
    assert run_python(sandbox, "import time; time.sleep(30)").status == "timeout"
    assert "unsafe" in repr(sandbox)


def test_bad_arguments_are_named():
    """Bad constructor and run arguments raise errors naming the parameter."""
    with pytest.raises(ValueError, match="readable path .* contains the course repository"):
        Sandbox(readable=[ROOT])
    with pytest.raises(FileNotFoundError, match="readable path .* does not exist"):
        Sandbox(readable=["/no/such/submission"])
    with pytest.raises(TypeError, match="readable must be a list of paths"):
        Sandbox(readable="/tmp")
    with pytest.raises(ValueError, match="scratch .* would hand a system, home or course"):
        Sandbox(scratch=ROOT)
    with pytest.raises(ValueError, match="scratch .* would hand"):
        Sandbox(scratch="/tmp")
    with pytest.raises(TraitError, match="cpu_seconds must be an integer >= 1"):
        Sandbox(cpu_seconds=0)
    with pytest.raises(TraitError, match="uid must be >= 1000"):
        Sandbox(uid=500)
    with pytest.raises(TypeError, match="argv must be a non-empty list"):
        Sandbox().run("python -c 1")
    with pytest.raises(TypeError, match="stdin must be bytes"):
        Sandbox().run(["true"], stdin="text")
    with pytest.raises(ValueError, match="wall_seconds must be > 0"):
        Sandbox().run(["true"], timeout=0)
    with pytest.raises(ValueError, match="env names"):
        Sandbox().run(["true"], env={"A=B": "1"})


def test_statuses_are_the_contract():
    """The statuses are exactly those the grading contract names."""
    assert set(RESULT_STATUSES) == {"ok", "timeout", "memory", "crashed", "output-limit"}


def test_kernel_keyrings_cannot_carry_data_between_runs():
    """The seccomp filter refuses keyrings, which belong to the uid and outlive a run."""
    sandbox = Sandbox(wall_seconds=30, uid=61920, uid_pool=1)
    add_key = """
        import ctypes, json
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        # add_key("user", "leak", "secret", 6, KEY_SPEC_USER_KEYRING) is system call 248.
        key = libc.syscall(248, b"user", b"leak", b"secret", 6, ctypes.c_int(-4))
        print(json.dumps([key, ctypes.get_errno()]))
        """
    assert json_of(run_python(sandbox, add_key)) == [-1, 1]


def test_new_namespaces_and_ptrace_are_refused_but_threads_and_processes_work(sandbox):
    """unshare and ptrace get EPERM; threads, subprocesses and multiprocessing still work."""
    probe = json_of(
        run_python(
            sandbox,
            """
            import ctypes, json, multiprocessing, subprocess, threading
            libc = ctypes.CDLL(None, use_errno=True)
            seen = {"unshare": [libc.unshare(0x10000000), ctypes.get_errno()]}
            seen["ptrace"] = [libc.ptrace(0, 0, 0, 0), ctypes.get_errno()]
            thread = threading.Thread(target=seen.setdefault, args=("thread", True))
            thread.start()
            thread.join()
            seen["child"] = subprocess.run(["/bin/echo", "hi"], capture_output=True).stdout.decode()
            with multiprocessing.Pool(2) as pool:
                seen["pool"] = pool.map(abs, [-1, -2])
            print(json.dumps(seen))
            """,
        )
    )
    assert probe == {
        "unshare": [-1, 1], "ptrace": [-1, 1], "thread": True, "child": "hi\n", "pool": [1, 2]
    }


def test_temporary_space_is_bounded():
    """Filling HOME, /tmp or /dev/shm stops at disk_bytes ("No space left on device")."""
    sandbox = Sandbox(disk_bytes=8 * 1024**2, wall_seconds=30)
    probe = json_of(
        run_python(
            sandbox,
            """
            import errno, json, os
            written = {}
            for folder in (os.environ["HOME"], "/tmp", "/dev/shm"):
                total = 0
                try:
                    with open(os.path.join(folder, "fill"), "wb") as handle:
                        for _ in range(64):
                            handle.write(b"x" * (1 << 20))
                            handle.flush()
                            total += 1 << 20
                except OSError as error:
                    total = [total, error.errno == errno.ENOSPC]
                written[folder] = total
            print(json.dumps(written))
            """,
        )
    )
    for folder, outcome in probe.items():
        assert isinstance(outcome, list) and outcome[1], (folder, outcome)
        assert outcome[0] <= 8 * 1024**2


def test_concurrent_runs_get_their_own_uids():
    """Runs at the same time (several grading jobs) never share a process count: as root each
    leases its own uid; an ordinary caller's runs each count in their own user namespace."""
    from concurrent.futures import ThreadPoolExecutor

    uids = range(61930, 61934)
    sandbox = Sandbox(wall_seconds=30, uid=uids[0], uid_pool=len(uids))
    code = "import os, time; time.sleep(1.5); print(os.getuid())"
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: run_python(sandbox, code), range(3)))
    seen = [int(result.stdout) for result in results]
    if os.geteuid() == 0:
        assert len(set(seen)) == 3 and set(seen) <= set(uids)
    else:
        assert seen == [uids[0]] * 3


def test_stop_all_ends_a_run_at_once():
    """Ctrl-C's stop_all ends a run in progress as crashed, long before its wall clock."""
    import time

    from course_lib.sandbox.supervise import stop_all

    uids = range(61950, 61952)
    sandbox = Sandbox(wall_seconds=60, uid=uids[0], uid_pool=len(uids))
    ended = {}
    thread = threading.Thread(target=lambda: ended.update(
        result=run_python(sandbox, "import time; time.sleep(60)")))
    thread.start()
    deadline = time.monotonic() + 30
    # The program runs once a process has its uid (as root); an ordinary caller waits a while.
    while time.monotonic() < deadline and not (_processes_of(uids) if os.geteuid() == 0
                                               else time.monotonic() > deadline - 25):
        time.sleep(0.05)
    assert stop_all() >= 1
    thread.join(30)
    assert ended["result"].status == "crashed" and ended["result"].seconds < 30


def test_orphans_are_reaped_as_they_end():
    """Processes a run orphans are reaped when they end, so they never use up its process
    limit while it runs."""
    sandbox = Sandbox(processes=12, wall_seconds=60)
    result = run_python(
        sandbox,
        """
        import subprocess
        for _ in range(60):
            subprocess.run(["/bin/sh", "-c", "/bin/true &"], check=True)
        print("done")
        """,
    )
    assert (result.status, result.stdout) == ("ok", b"done\n"), result.stderr.decode()
