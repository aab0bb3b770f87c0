"""How a sandboxed run ended (:class:`Result`), and :func:`stop_all` for Ctrl-C."""

from __future__ import annotations

import re
import signal
import threading
from dataclasses import dataclass

__all__ = ["RESULT_STATUSES", "Result", "stop_all"]

RESULT_STATUSES = ("ok", "timeout", "memory", "crashed", "output-limit")
"""How a sandboxed run can end (see :class:`Result`)."""

_MEMORY_ERROR = re.compile(
    rb"(MemoryError|Unable to allocate|std::bad_alloc|Cannot allocate memory)"
)


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

    @classmethod
    def of_exit(cls, returncode: int, *, stopped_for: str | None, cpu_seconds: float,
                stdout: bytes, stderr: bytes, seconds: float, sandboxed: bool) -> Result:
        """The result of a program that ended with ``returncode``.

        Parameters
        ----------
        returncode : int
            The exit code, or ``-N`` when signal ``N`` ended the program.
        stopped_for : {"timeout", "output-limit"} or None
            The limit the program was stopped for, if it was.
        cpu_seconds : float
            The CPU-time limit in force (to recognise a kill by ``RLIMIT_CPU``).
        stdout, stderr, seconds, sandboxed
            As in :class:`Result`.

        Returns
        -------
        Result

        Examples
        --------
        >>> Result.of_exit(-11, stopped_for=None, cpu_seconds=5, stdout=b"", stderr=b"",
        ...                seconds=0.1, sandboxed=True).message
        'the program died from signal SIGSEGV'
        """
        status, message = _classify(returncode, stopped_for=stopped_for, stderr=stderr,
                                    seconds=seconds, cpu_seconds=cpu_seconds)
        if not sandboxed:
            message += " (unsafe mode: resource limits only, no sandbox)"
        return cls(status=status, returncode=returncode, stdout=stdout, stderr=stderr,
                   seconds=seconds, sandboxed=sandboxed, message=message)


def _classify(returncode: int, *, stopped_for, stderr: bytes, seconds: float,
              cpu_seconds: float) -> tuple[str, str]:
    if stopped_for == "timeout":
        return "timeout", "stopped: the wall-clock time limit ran out"
    if stopped_for == "output-limit":
        return "output-limit", "stopped: the program wrote more than the output limit"
    if returncode < 0:
        number = -returncode
        # The CPU time used is not known here, but the CPU limit cannot be reached sooner
        # than that much wall-clock time.
        if number == signal.SIGXCPU or (number == signal.SIGKILL and seconds >= cpu_seconds):
            return "timeout", "stopped: the CPU-time limit ran out"
        if number == signal.SIGKILL:
            return "memory", ("killed by SIGKILL, most likely by the kernel for using too much "
                              "memory")
        if number == signal.SIGXFSZ:
            return "output-limit", "stopped: a file grew over the file-size limit"
        return "crashed", f"the program died from signal {signal.Signals(number).name}"
    if returncode != 0 and _MEMORY_ERROR.search(stderr[-4096:]):
        return "memory", "the program ran out of its memory limit"
    return "ok", f"the program exited with code {returncode}"


_RUNNING: set = set()
_RUNNING_LOCK = threading.Lock()


def stop_all() -> int:
    """Stop every sandbox that is running (e.g. on Ctrl-C); return how many.

    A run in progress ends as ``crashed``; a fork server starts a new zygote
    for its next run.
    """
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for sandbox in running:
        sandbox.stop()
    return len(running)


def _register(sandbox) -> None:
    """Count ``sandbox`` (anything with a ``stop()`` method) among those :func:`stop_all` stops."""
    with _RUNNING_LOCK:
        _RUNNING.add(sandbox)


def _unregister(sandbox) -> None:
    """Forget ``sandbox``: it has stopped."""
    with _RUNNING_LOCK:
        _RUNNING.discard(sandbox)
