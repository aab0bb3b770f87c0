"""Run one command under a wall clock and an output cap, and say how it ended.

The parent feeds stdin, reads stdout and stderr in chunks (never more than
the cap plus one chunk is held in memory) and stops the whole process group
at the first limit reached.
"""

from __future__ import annotations

import errno
import os
import re
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .pipes import Pipes

__all__ = ["RESULT_STATUSES", "Result", "stop_all", "supervise"]

RESULT_STATUSES = ("ok", "timeout", "memory", "crashed", "output-limit")
"""How a sandboxed run can end (see :class:`Result`)."""

_MEMORY_ERROR = re.compile(
    rb"(MemoryError|Unable to allocate|std::bad_alloc|Cannot allocate memory)"
)
_EXIT_GRACE_SECONDS = 0.5


@dataclass(frozen=True)
class Result:
    """How a sandboxed run ended.

    Attributes
    ----------
    status : str
        ``"ok"``: the program ended by itself within every limit (look at
        ``returncode`` to see whether it succeeded); ``"timeout"``: the wall
        clock or the CPU-time limit ran out; ``"memory"``: the program ran out
        of its memory limit (a ``MemoryError``, or killed by the kernel's OOM
        killer); ``"crashed"``: it died from a signal (e.g. a segmentation
        fault); ``"output-limit"``: it wrote more than the output cap.
    returncode : int or None
        The exit code, or ``-N`` when signal ``N`` ended the program.
    stdout, stderr : bytes
        What the program wrote, at most ``Limits.output_bytes`` each.
    seconds : float
        Wall-clock time of the run.
    sandboxed : bool
        False when the run used ``unsafe=True`` (resource limits only).
    message : str
        One sentence explaining the status, for logs and feedback.
    """

    status: str
    returncode: int | None
    stdout: bytes
    stderr: bytes
    seconds: float
    sandboxed: bool
    message: str

    @property
    def succeeded(self) -> bool:
        """True when the program ended by itself within the limits with exit code 0."""
        return self.status == "ok" and self.returncode == 0


@dataclass
class _Ending:
    """What the supervisor saw; turned into a :class:`Result` by :func:`_classify`."""

    wait_status: int
    stopped_for: str | None
    seconds: float


_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()


def stop_all() -> int:
    """Kill every supervised program that is still running (e.g. on Ctrl-C); return how many.

    Each run then ends as if killed, and its :func:`supervise` call returns.
    """
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for process in running:
        _kill_group(process)
    return len(running)


def _register(process: subprocess.Popen) -> None:
    """Count ``process`` among the running programs :func:`stop_all` stops."""
    with _RUNNING_LOCK:
        _RUNNING.add(process)


def _unregister(process: subprocess.Popen) -> None:
    with _RUNNING_LOCK:
        _RUNNING.discard(process)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _pump(
    process: subprocess.Popen,
    stdin: bytes,
    *,
    start: float,
    wall_seconds: float,
    output_bytes: int,
) -> tuple[bytearray, bytearray, _Ending]:
    """Move data through the pipes until the process ends or a limit is hit."""
    deadline = start + wall_seconds
    pipes = Pipes(stdin=stdin, stdin_fd=process.stdin.fileno(),
                  stdout_fd=process.stdout.fileno(), stderr_fd=process.stderr.fileno(),
                  output_bytes=output_bytes, close_stdin=process.stdin.close)
    selector = selectors.DefaultSelector()
    pidfd = os.pidfd_open(process.pid)
    selector.register(pidfd, selectors.EVENT_READ, "exit")
    pipes.register(selector)
    stopped_for = None
    exited_at = None
    try:
        while True:
            now = time.monotonic()
            if exited_at is not None and (
                not pipes.outputs_open or now - exited_at > _EXIT_GRACE_SECONDS
            ):
                break
            if now >= deadline:
                stopped_for = "timeout"
                break
            limit = deadline - now
            if exited_at is not None:
                limit = min(limit, exited_at + _EXIT_GRACE_SECONDS - now)
            for key, _ in selector.select(timeout=max(limit, 0.0)):
                if not pipes.handle(key):  # the process exited
                    exited_at = time.monotonic()
                    selector.unregister(pidfd)
                    pipes.drop_input()
            if pipes.over_limit:
                stopped_for = "output-limit"
                break
    finally:
        selector.close()
        # Also ends what the program left running in its process group (unsafe mode).
        _kill_group(process)
        _, wait_status = os.waitpid(process.pid, 0)
        os.close(pidfd)
        process.returncode = os.waitstatus_to_exitcode(wait_status)
        for stream in (process.stdin, process.stdout, process.stderr):
            if not stream.closed:
                stream.close()
    ending = _Ending(
        wait_status=wait_status,
        stopped_for=stopped_for,
        seconds=time.monotonic() - start,
    )
    return pipes.stdout, pipes.stderr, ending


def _classify(
    ending: _Ending, stderr: bytes, *, signal_from_exit_code: bool, cpu_limit: float
) -> tuple[str, int, str]:
    """Status, return code and message from how the process ended."""
    returncode = os.waitstatus_to_exitcode(ending.wait_status)
    if signal_from_exit_code and returncode > 128 and (returncode - 128) in signal.valid_signals():
        # bubblewrap reports a program killed by signal N as exit code 128 + N.
        returncode = -(returncode - 128)
    if ending.stopped_for == "timeout":
        return "timeout", returncode, "stopped: the wall-clock time limit ran out"
    if ending.stopped_for == "output-limit":
        return "output-limit", returncode, "stopped: the program wrote more than the output limit"
    if returncode < 0:
        number = -returncode
        name = signal.Signals(number).name
        # bubblewrap does not let us see the CPU time used, but the CPU limit cannot be
        # reached sooner than that much wall-clock time.
        if number == signal.SIGXCPU or (
            number == signal.SIGKILL and ending.seconds >= cpu_limit
        ):
            return "timeout", returncode, "stopped: the CPU-time limit ran out"
        if number == signal.SIGKILL:
            return "memory", returncode, (
                "killed by SIGKILL, most likely by the kernel for using too much memory"
            )
        if number == signal.SIGXFSZ:
            return "output-limit", returncode, "stopped: a file grew over the file-size limit"
        return "crashed", returncode, f"the program died from signal {name}"
    if returncode != 0 and _MEMORY_ERROR.search(stderr[-4096:]):
        return "memory", returncode, "the program ran out of its memory limit"
    return "ok", returncode, f"the program exited with code {returncode}"


def supervise(
    argv: Sequence[str],
    *,
    stdin: bytes,
    env: Mapping[str, str],
    cwd: str,
    wall_seconds: float,
    output_bytes: int,
    cpu_limit: float,
    sandboxed: bool,
    pass_fds: Sequence[int] = (),
) -> Result:
    """Run ``argv`` to completion or to its first limit and describe the ending.

    Parameters
    ----------
    argv : sequence of str
        The complete command (already wrapped in the sandbox and ``prlimit``).
    stdin : bytes
        Fed to the program's standard input, which is then closed.
    env : mapping
        The program's complete environment.
    cwd : str
        Working directory of the launched command (on the host).
    wall_seconds : float
        Wall-clock limit; the process group is killed when it runs out.
    output_bytes : int
        Cap for each of stdout and stderr.
    cpu_limit : float
        The CPU-time limit in force (to recognise a kill by ``RLIMIT_CPU``).
    sandboxed : bool
        Whether ``argv`` starts with bubblewrap (it reports signals as 128 + N).
    pass_fds : sequence of int, optional
        File descriptors the command inherits (e.g. the seccomp filter).

    Examples
    --------
    >>> result = supervise(["echo", "hi"], stdin=b"", env={"PATH": "/usr/bin:/bin"},
    ...                    cwd="/", wall_seconds=5, output_bytes=100, cpu_limit=5,
    ...                    sandboxed=False)
    >>> result.status, result.returncode, result.stdout
    ('ok', 0, b'hi\\n')
    """
    start = time.monotonic()
    try:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
            pass_fds=tuple(pass_fds),
        )
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.EACCES):
            raise FileNotFoundError(f"cannot start {argv[0]!r}: {error.strerror}") from None
        raise
    _register(process)
    try:
        out, err, ending = _pump(
            process, bytes(stdin), start=start, wall_seconds=wall_seconds, output_bytes=output_bytes
        )
    finally:
        _unregister(process)
    status, returncode, message = _classify(
        ending, bytes(err), signal_from_exit_code=sandboxed, cpu_limit=cpu_limit
    )
    if not sandboxed:
        message += " (unsafe mode: resource limits only, no sandbox)"
    return Result(
        status=status,
        returncode=returncode,
        stdout=bytes(out),
        stderr=bytes(err),
        seconds=ending.seconds,
        sandboxed=sandboxed,
        message=message,
    )
