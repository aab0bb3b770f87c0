"""The process inside a fork server's sandbox: preload once, fork one limited child per run.

``python -m course_lib.sandbox.zygote CONTROL_FD MODULE ...`` is started by
:class:`~course_lib.sandbox.forkserver.ForkServer` inside the sandbox, as its
pid 1. It imports the given modules (numpy, matplotlib, course_lib: what every
grading program needs), then serves runs over the control socket, one at a time:

1. a ``run`` message arrives with three file descriptors (the child's stdin,
   stdout and stderr) and the run's limits, uid, environment and entry point;
2. the zygote forks. The child starts its own session, takes the three
   descriptors as 0, 1 and 2 and closes every other one, lowers its resource
   limits to the run's, switches to the run's unprivileged uid when the zygote is root
   (which drops every capability), forbids new privileges, makes its own
   private folder (``HOME``, ``TMPDIR`` and working directory) unless the
   caller manages one, reseeds numpy's global random state and calls the
   entry point (for :meth:`Sandbox.run`, :func:`_exec_argv`);
3. the zygote waits for the child, killing it at the wall-clock limit or when
   the host sends ``stop`` and reaping what it orphans, then kills every other
   process left in the sandbox, empties ``/tmp`` and ``/dev/shm``, and answers
   ``ended`` with the child's return code.

The zygote itself never runs submitted code, and nothing a child does reaches
it: a child has its own copy of the zygote's memory, the zygote is not
dumpable, so no child can read or write it through ``/proc``, and as pid 1 of
the sandbox it takes no signal from a child but SIGCHLD. Messages are JSON;
nothing is unpickled.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import resource
import select
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

MESSAGE_BYTES = 64 * 1024
"""Largest control message (JSON) in either direction."""

_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_NO_NEW_PRIVS = 38
_LIMITS = {
    "memory_bytes": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,
    "file_bytes": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
}
_SHARED_FOLDERS = ("/tmp", "/dev/shm")
ARGV_VARIABLE, CWD_VARIABLE = "COURSE_SANDBOX_ARGV", "COURSE_SANDBOX_CWD"
"""The environment variables that carry a one-shot run's program (JSON) and working folder."""


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def _lower(number: int, soft: int, hard: int) -> None:
    """Set a resource limit, never above the hard limit the zygote itself has."""
    _, current = resource.getrlimit(number)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(number, (soft, hard))


def _address_space() -> int:
    """Bytes of address space this process holds (``VmSize``): every child starts with it."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _send(control: socket.socket, message: dict) -> None:
    control.send(json.dumps(message).encode())


def _child(message: dict, fds: list[int], control: socket.socket) -> None:
    """Become the run's process and call its entry point; never returns."""
    code = 70
    try:
        signal.set_wakeup_fd(-1)
        control.close()
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        limits = message["limits"]
        cpu = int(limits["cpu_seconds"])
        _lower(resource.RLIMIT_CPU, cpu, cpu + 1)
        _lower(resource.RLIMIT_CORE, 0, 0)
        for name, number in _LIMITS.items():
            _lower(number, int(limits[name]), int(limits[name]))
        uid = message.get("uid")
        if uid is not None and os.geteuid() == 0:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        _prctl(_PR_SET_NO_NEW_PRIVS, 1)
        # Set after the uid switch, which clears it: without a sandbox to end with the zygote
        # (unsafe mode), the run must.
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if message["fresh_home"]:
            os.mkdir(message["home"], mode=0o700)
        os.chdir(message["home"])
        os.environ.clear()
        os.environ.update(message["env"])
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        module, _, function = message["entry"].partition(":")
        result = getattr(importlib.import_module(module), function)()
        code = result if isinstance(result, int) else 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException as error:  # noqa: BLE001 - report anything, then leave
        try:
            os.write(2, f"{type(error).__name__}: {error}\n".encode(errors="replace"))
        except OSError:
            pass
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - the streams may be gone
            pass
        os._exit(code)


def _exec_argv() -> int:
    """The entry point of :meth:`Sandbox.run`: become the program the environment names."""
    argv = json.loads(os.environ.pop(ARGV_VARIABLE))
    os.chdir(os.environ.pop(CWD_VARIABLE, "") or ".")
    # Python ignores SIGXFSZ so that writes fail instead; the program gets the usual default.
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    try:
        os.execvp(argv[0], argv)
    except OSError as error:  # the shell's exit codes for "not found" and "cannot run"
        os.write(2, f"cannot run {argv[0]}: {error.strerror}\n".encode(errors="replace"))
        return 127 if isinstance(error, FileNotFoundError) else 126


def _reap(keep: int = 0) -> None:
    """Reap every child of the zygote that ended, but ``keep`` (left to its pidfd).

    A run's orphans are the zygote's (it is pid 1): unreaped, they would count
    against the run's process limit.
    """
    while True:
        try:
            found = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if found is None or found.si_pid == keep:
            return
        os.waitpid(found.si_pid, 0)


def _kill_the_rest(child: int, *, namespace: bool) -> None:
    """Kill what a run left behind: its session, and in a sandbox every other process."""
    try:
        os.killpg(child, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if not namespace:
        return
    me = os.getpid()
    for _ in range(50):
        others = [int(e.name) for e in os.scandir("/proc")
                  if e.name.isdigit() and int(e.name) not in (1, me)]
        if not others:
            return
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        _reap()
        time.sleep(0.002)


_KEEP: set[str] = set()
"""The sandbox's mount points and the folders above them (filled when the zygote starts)."""


def _mount_holders() -> set[str]:
    """Every mount point of this sandbox and every folder above one.

    The sandbox's ``/tmp`` can hold the sandbox's own read-only binds (a course
    or a virtual environment installed under ``/tmp``, bound at its usual
    path): the folders bubblewrap made to hold them belong to the sandbox, not
    to a run, and :func:`_empty` must neither remove nor ``chmod`` them.
    """
    holders = set()
    with open("/proc/self/mountinfo", encoding="utf-8") as table:
        for line in table:
            point = line.split()[4].replace("\\040", " ")
            while point not in holders and point != "/":
                holders.add(point)
                point = os.path.dirname(point)
    return holders


def _empty(folder: str, *, keep: set[str] = frozenset(), top: bool = True) -> None:
    """Remove everything a run left in a shared folder, which stays world-writable.

    A run may have made parts of its files read-only: folders below ``folder``
    are made writable again and retried. Entries in ``keep`` (mount points and
    the folders that hold them, :func:`_mount_holders`) are the sandbox's own:
    they are emptied around, never removed.
    """

    def writable_then_retry(function, path, _):
        parent = os.path.dirname(path)
        if os.path.normpath(parent) == os.path.normpath(folder):
            return
        try:
            os.chmod(parent, 0o700)
            function(path)
        except OSError:
            pass

    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.path in keep:
                if entry.is_dir(follow_symlinks=False) and not os.path.ismount(entry.path):
                    _empty(entry.path, keep=keep, top=False)
                continue
            if os.path.ismount(entry.path):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, onerror=writable_then_retry)
            else:
                os.unlink(entry.path)
        except OSError:
            pass
    if top:  # the shared folder itself stays world-writable with the sticky bit
        try:
            os.chmod(folder, 0o1777)
        except OSError:
            pass


def _serve_one(message: dict, fds: list[int], control: socket.socket, *, woken: int,
               namespace: bool) -> dict:
    """Fork the run, supervise it, clean up; return the ``ended`` message.

    ``woken`` becomes readable when a child of the zygote ends (SIGCHLD).
    """
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(message, fds, control)
    for fd in fds:
        os.close(fd)
    pidfd = os.pidfd_open(pid)
    deadline = started + float(message["wall_seconds"])
    stopped_for = None
    wait_status = None
    try:
        while wait_status is None:
            left = deadline - time.monotonic()
            if left <= 0:
                stopped_for = "timeout"
                break
            ready, _, _ = select.select([pidfd, control, woken], [], [], left)
            if woken in ready:
                os.read(woken, 4096)
                _reap(keep=pid)
            if control in ready:
                data = control.recv(MESSAGE_BYTES)
                if not data:  # the host is gone
                    stopped_for = "host"
                    break
                request = json.loads(data)
                if request.get("op") == "stop":
                    stopped_for = str(request.get("reason", "stopped"))
                    break
            if pidfd in ready:
                _, wait_status = os.waitpid(pid, 0)
    finally:
        if wait_status is None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            _, wait_status = os.waitpid(pid, 0)
        os.close(pidfd)
        seconds = time.monotonic() - started
        _kill_the_rest(pid, namespace=namespace)
        if namespace:
            for folder in _SHARED_FOLDERS:
                _empty(folder, keep=_KEEP)
        elif message["fresh_home"]:
            shutil.rmtree(message["home"], ignore_errors=True)
    return {"op": "ended", "returncode": os.waitstatus_to_exitcode(wait_status),
            "stopped_for": stopped_for, "seconds": seconds}


def main(argv: list[str]) -> int:
    control = socket.socket(fileno=int(argv[0]))
    namespace = os.getpid() == 1  # in the sandbox; else unsafe mode, with no namespace at all
    for module in argv[1:]:
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a run will report the real error
            pass
    if "numpy" in sys.modules:
        # Each child reseeds numpy's global generator: loaded here, not lazily in every child.
        importlib.import_module("numpy.random")
    _KEEP.update(_mount_holders())
    _prctl(_PR_SET_DUMPABLE, 0)
    woken, wake = os.pipe()
    os.set_blocking(wake, False)
    signal.set_wakeup_fd(wake, warn_on_full_buffer=False)
    # As pid 1, the zygote gets from its children only the signals it handles: SIGCHLD, which
    # wakes it, and not SIGINT, which Python would turn into KeyboardInterrupt.
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    here = str(Path(sys.modules["course_lib"].__file__).resolve().parent)
    _send(control, {"op": "ready", "pid": os.getpid(), "course_lib": here,
                    "address_space": _address_space()})
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, MESSAGE_BYTES, 3)
        except OSError:
            return 0
        if not data:
            return 0
        message = json.loads(data)
        if message.get("op") != "run" or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            _send(control, {"op": "error", "error": "expected a run message with 3 fds"})
            continue
        _send(control, _serve_one(message, fds, control, woken=woken, namespace=namespace))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
