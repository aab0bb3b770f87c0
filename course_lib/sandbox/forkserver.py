"""Sandboxed runs without paying for a new interpreter each time.

A :class:`ForkServer` starts one long-lived process, the *zygote*
(:mod:`course_lib.sandbox.zygote`), inside a :class:`~.sandbox.Sandbox` and
has it import the modules every run needs (numpy, matplotlib, course_lib).
Each :meth:`ForkServer.run` then costs a ``fork`` instead of a Python start
and those imports (about 1.5 s for the grading programs' imports).
:meth:`Sandbox.run` is a fork server without preloads, run once, whose child
replaces itself with the program (``exec``).

Every run is still its own process with the limits of one sandboxed run:

- its own session, resource limits (CPU time, address space, processes,
  file size, open files) and, when the caller is root, its own unprivileged
  uid leased from the pool, so runs cannot signal or read one another or the
  zygote, and a fork bomb counts against that uid only;
- a wall clock: the zygote kills the run when it runs out, and the host kills
  the whole sandbox if the zygote does not answer in time;
- stdin, stdout and stderr are fresh pipes created here and passed to the
  zygote over a Unix socket, so the host reads the run's output directly and
  keeps at most ``output_bytes`` of each;
- after each run the zygote kills every process it left behind and empties
  ``/tmp`` and ``/dev/shm``, so nothing carries over to the next run.

The zygote never runs submitted code itself. A run that kills the zygote ends
as ``crashed``, and the next run starts a new zygote.

Examples
--------
>>> from course_lib.sandbox import Sandbox
>>> with ForkServer(Sandbox(), entry=PYTHON_SOURCE) as server:
...     server.run(stdin=b"print('hello')").stdout
b'hello\\n'
"""

from __future__ import annotations

import json
import math
import os
import select
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from .environment import scrubbed_environment
from .identity import hand_over, lease_uid, wait_until_gone
from .seccomp import filter_fd
from .supervise import Result, _register, _unregister
from .zygote import MESSAGE_BYTES

__all__ = ["MEMORY_HEADROOM", "PYTHON_SOURCE", "ForkServer", "ForkServerError", "run_source"]

ZYGOTE_HOME = Path("/zygote")
"""The zygote's own folder inside the sandbox (HOME, working directory)."""
_CHUNK = 64 * 1024
"""Bytes moved per read or write of a run's pipes."""
_START_SECONDS = 120.0
"""How long the zygote may take to import its modules."""
MEMORY_HEADROOM = 64 * 1024**2
"""Address space a run needs above the zygote's own (bytes): a memory limit lower than the
zygote's size plus this is refused when the zygote starts."""
_ANSWER_GRACE_SECONDS = 5.0
"""How long past a run's wall clock the host waits for the zygote's answer."""


_COURSE = Path(__file__).resolve().parents[1]
"""The folder of the course_lib package this process imported."""


class ForkServerError(RuntimeError):
    """The zygote could not be started (the sandbox failed, or a preload crashed it)."""


class _Gone(Exception):
    """The zygote ended before or during a run (``result``: what the run did until then)."""

    def __init__(self, message: str, result: Result | None = None) -> None:
        super().__init__(message)
        self.result = result


def run_source() -> int:
    """Entry point that runs its stdin as a Python program, like ``python -``."""
    source = sys.stdin.read()
    exec(compile(source, "<stdin>", "exec", dont_inherit=True),  # noqa: S102
         {"__name__": "__main__"})
    return 0


PYTHON_SOURCE = "course_lib.sandbox.forkserver:run_source"
"""The entry of a fork server whose runs are Python programs given on stdin."""


class ForkServer:
    """A sandboxed zygote that forks one limited child per :meth:`run`.

    Parameters
    ----------
    sandbox : course_lib.sandbox.Sandbox
        The sandbox the zygote lives in; its limits apply to every run. Its
        ``scratch`` folder, when it has one, is every run's ``HOME``.
    entry : str
        ``"module:function"`` each child calls (it reads stdin, writes
        stdout, and its return value is the exit code).
    preload : sequence of str, optional
        Modules the zygote imports before the first run.

    Notes
    -----
    One run at a time per server; use several servers for parallel runs.
    Thread-safe in the sense that :meth:`run` calls are serialised.
    The zygote is started on the first :meth:`run` (or :meth:`start`) and
    ends with :meth:`close`, with the ``with`` block, or when the thread that
    started it ends (bubblewrap's ``--die-with-parent``).
    """

    def __init__(self, sandbox, *, entry: str, preload: Sequence[str] = ()) -> None:
        module, _, function = str(entry).partition(":")
        if not module or not function:
            raise ValueError(f"entry must be 'module:function', got {entry!r}")
        self.sandbox = sandbox
        self.entry = entry
        self.preload = [str(m) for m in preload]
        self.expected_course_lib = _COURSE
        """The course_lib folder the zygote must import (this process's own)."""
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._folder: Path | None = None
        self._runs = 0
        self._closed = False
        self._stopped = False
        self.starts = 0
        """How many times the zygote was started (again after one died)."""
        self.start_seconds = 0.0
        """Wall-clock seconds those starts took (bubblewrap, Python, the preloads)."""

    # -- life cycle ---------------------------------------------------------------------

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self._process is not None else "stopped"
        return f"ForkServer({self.entry}, {state}, runs={self._runs}, {self.sandbox!r})"

    @property
    def _as_root(self) -> bool:
        return os.geteuid() == 0 and not self.sandbox.unsafe

    def start(self) -> None:
        """Start the zygote and wait until it has imported its modules.

        Raises
        ------
        SandboxUnavailable
            If bubblewrap cannot run here (and the sandbox is not unsafe).
        ForkServerError
            If the zygote did not come up.
        """
        with self._lock:
            self._start()

    def _start(self) -> None:
        if self._closed:
            raise ForkServerError("this fork server is closed")
        if self._process is not None:
            if self._process.poll() is None:
                return
            self._teardown()  # it died between runs (or with the thread that started it)
        begin = time.perf_counter()
        try:
            self._launch()
        except BaseException:
            self._teardown()
            raise
        finally:
            self.start_seconds += time.perf_counter() - begin

    def _launch(self) -> None:
        sandbox = self.sandbox
        sandbox.check()
        self._folder = Path(tempfile.mkdtemp(prefix="course-forkserver-"))
        os.chmod(self._folder, 0o755)
        if sandbox.scratch is not None:
            sandbox.scratch.mkdir(parents=True, exist_ok=True)
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # In the sandbox the zygote's own folder is a file system of its own outside /tmp,
        # which is emptied after every run.
        home = self._folder / "zygote" if sandbox.unsafe else ZYGOTE_HOME
        command = [sys.executable, "-m", "course_lib.sandbox.zygote", str(theirs.fileno()),
                   *self.preload]
        # The zygote imports course_lib from where this process did (an editable install, a
        # wheel or a course folder of its own): that folder is bound at the same path.
        env = scrubbed_environment(home=str(home), extra={"PYTHONPATH": str(_COURSE.parent)})
        seccomp_fd = None
        with tempfile.TemporaryFile(prefix="course-forkserver-log-") as log:
            try:
                if sandbox.unsafe:
                    home.mkdir()
                else:
                    # The zygote's own identity: root keeps root (it switches each child to a
                    # leased uid, _run_as); an ordinary caller appears as the configured uid in
                    # its user namespace.
                    ids = self._folder / "ids"
                    ids.mkdir()
                    seccomp_fd = filter_fd()
                    command = sandbox.command(
                        command, uid=sandbox.uid,
                        scratch=home, identity_files=ids, seccomp_fd=seccomp_fd,
                        scratch_on_host=False, fork_server=True,
                    )
                self._process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                    cwd=str(self._folder), start_new_session=True, close_fds=True,
                    pass_fds=(theirs.fileno(), *(() if seccomp_fd is None else (seccomp_fd,))),
                )
            finally:
                theirs.close()  # the zygote holds the only other copy: EOF means it is gone
                if seccomp_fd is not None:
                    os.close(seccomp_fd)
            _register(self)
            self.starts += 1
            ready = self._receive(timeout=_START_SECONDS)
            if ready is None or ready.get("op") != "ready":
                log.seek(0)
                said = log.read()[-4000:].decode(errors="replace").strip()
                raise ForkServerError(f"the grading sandbox (bubblewrap, then the fork server "
                                      f"in it) did not start: {said or 'no output'}")
        theirs_at = str(ready.get("course_lib", ""))
        if theirs_at != str(self.expected_course_lib):
            raise ForkServerError(
                f"the sandbox imports course_lib from {theirs_at or 'nowhere'}, but the grader "
                f"runs the one in {self.expected_course_lib}: no submission can be graded with "
                "a grading package other than the grader's. Install the course once (make "
                "setup, or pip install the course's wheel) and run the grader from it."
            )
        # A child starts with the zygote's address space; under a limit below it, whether
        # the graded code runs depends on what happens to be free, and a correct answer
        # could be charged with running out of memory.
        memory = self.sandbox.run_limits().memory_bytes
        needed = int(ready.get("address_space", 0)) + MEMORY_HEADROOM
        if memory < needed:
            raise ForkServerError(
                f"the sandbox's memory limit (c.Sandbox.memory_bytes, {memory >> 20} MiB) "
                f"leaves the graded code no room: the grading process starts with "
                f"{(needed - MEMORY_HEADROOM) >> 20} MiB of address space (Python and the "
                f"modules it preloads). Set it to at least {math.ceil(needed / 2**20)} MiB."
            )

    def stop(self) -> None:
        """Kill the zygote now (Ctrl-C, :func:`~.supervise.stop_all`).

        A run in progress ends as ``crashed``; the next run starts a new zygote.
        """
        self._stopped = True
        self._kill()

    def close(self) -> None:
        """Stop the zygote (and anything still running in its sandbox); no run starts after."""
        self._closed = True
        self._kill()  # at once, even while a run holds the lock (Ctrl-C)
        with self._lock:
            self._teardown()

    def _kill(self) -> None:
        process = self._process
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _teardown(self) -> None:
        self._kill()
        process, self._process = self._process, None
        if process is not None:
            process.wait()
        _unregister(self)
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    # -- messages -----------------------------------------------------------------------

    def _receive(self, *, timeout: float) -> dict | None:
        """The zygote's next message, or None if it is gone or silent for ``timeout``."""
        control = self._control
        if control is None or not select.select([control], [], [], max(timeout, 0.0))[0]:
            return None
        try:
            message = json.loads(control.recv(MESSAGE_BYTES) or b"null")
        except (OSError, ValueError):
            return None
        return message if isinstance(message, dict) else None

    def _send_stop(self, reason: str) -> None:
        try:
            self._control.send(json.dumps({"op": "stop", "reason": reason}).encode())
        except OSError:
            pass

    # -- runs ---------------------------------------------------------------------------

    def run(self, *, stdin: bytes = b"", timeout: float | None = None,
            env: dict | None = None) -> Result:
        """Run the entry point once in a fresh child.

        Parameters
        ----------
        stdin : bytes
            The child's standard input.
        timeout : float, optional
            Wall-clock limit of this run (default: the sandbox's ``wall_seconds``).
        env : dict, optional
            Variables added to the scrubbed environment (at most 64 KiB of JSON).

        Returns
        -------
        Result
            Status ``ok``, ``timeout``, ``memory``, ``crashed`` or ``output-limit``.

        Raises
        ------
        SandboxUnavailable, ForkServerError
            If the zygote could not be started.
        """
        if not isinstance(stdin, bytes | bytearray | memoryview):
            raise TypeError(f"stdin must be bytes, got {type(stdin).__name__}")
        limits = self.sandbox.limits
        wall = limits.wall_seconds if timeout is None else timeout
        wall = limits.replace(wall_seconds=wall).wall_seconds
        with self._lock:
            self._stopped = False
            # A zygote that ends during a run (it should not: a run cannot signal it) gets one
            # more try in a new zygote; ending again, or stopped on purpose, the run crashed.
            for attempt in (1, 2):
                self._start()
                try:
                    return self._run_as(bytes(stdin), wall, env)
                except _Gone as error:
                    if attempt == 2 or self._stopped:
                        return error.result or self._lost(time.monotonic(), str(error))
            raise AssertionError("unreachable")

    def _run_as(self, stdin: bytes, wall: float, env) -> Result:
        if not self._as_root:
            return self._run(stdin, wall, env, uid=None)
        with lease_uid(first=self.sandbox.uid, count=self.sandbox.uid_pool) as lease:
            if self.sandbox.scratch is not None:
                hand_over(self.sandbox.scratch, lease.uid)
            try:
                return self._run(stdin, wall, env, uid=lease.uid)
            finally:
                wait_until_gone(lease.uid)

    def _run(self, stdin: bytes, wall: float, env, *, uid: int | None) -> Result:
        self._runs += 1
        scratch = self.sandbox.scratch
        folder = self._folder if self.sandbox.unsafe else Path("/tmp")
        home = str(scratch or folder / f"run-{self._runs}")
        limits = self.sandbox.run_limits()
        message = json.dumps({
            "op": "run", "entry": self.entry, "uid": uid, "home": home,
            "fresh_home": scratch is None, "wall_seconds": wall, "limits": limits.as_dict(),
            "env": scrubbed_environment(home=home, extra=env),
        }).encode()
        if len(message) > MESSAGE_BYTES:
            raise ValueError(f"env (and Sandbox.run's argv) must take at most {MESSAGE_BYTES} "
                             f"bytes as JSON with the run's other settings, got {len(message)}")
        pipes = [os.pipe() for _ in range(3)]
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1]]
        ours = [pipes[0][1], pipes[1][0], pipes[2][0]]
        start = time.monotonic()
        try:
            socket.send_fds(self._control, [message], theirs)
        except OSError as error:
            for fd in ours:
                os.close(fd)
            self._teardown()
            raise _Gone(str(error)) from None
        finally:
            for fd in theirs:
                os.close(fd)
        out, err, answer, over = self._pump(stdin, ours, output_bytes=limits.output_bytes,
                                            deadline=start + wall + _ANSWER_GRACE_SECONDS)
        seconds = time.monotonic() - start
        if answer is None:
            # The zygote died or did not answer in time: everything in its sandbox goes, and
            # the next run starts a new one.
            self._teardown()
            if over is None and seconds < wall:
                why = "the fork server stopped during the run"
                raise _Gone(why, self._lost(start, why, out, err))
            returncode, stopped_for = -signal.SIGKILL, over or "timeout"
        else:
            returncode, stopped_for = int(answer["returncode"]), over or answer["stopped_for"]
        if stopped_for not in ("timeout", "output-limit"):
            stopped_for = None
        return Result.of_exit(returncode, stopped_for=stopped_for, cpu_seconds=limits.cpu_seconds,
                              stdout=out, stderr=err, seconds=seconds,
                              sandboxed=not self.sandbox.unsafe)

    def _lost(self, start: float, why: str, out=b"", err=b"") -> Result:
        return Result(status="crashed", returncode=None, stdout=bytes(out), stderr=bytes(err),
                      seconds=time.monotonic() - start, sandboxed=not self.sandbox.unsafe,
                      message=why)

    def _pump(self, stdin: bytes, ours: list[int], *, deadline: float, output_bytes: int):
        """Feed stdin and read stdout and stderr until the zygote's ``ended`` and the end of
        the output, or ``deadline``; return ``(stdout, stderr, ended or None, over)``.

        Past ``output_bytes`` a stream is no longer read (its writer blocks) and the zygote is
        told to stop the run; ``over`` is then ``"output-limit"``. At most ``output_bytes``
        plus one chunk of each stream is ever held.
        """
        ours, stdin_fd = list(ours), ours[0]
        kept = {fd: bytearray() for fd in ours[1:]}
        pending = memoryview(stdin)
        selector = selectors.DefaultSelector()
        selector.register(self._control, selectors.EVENT_READ)
        selector.register(stdin_fd, selectors.EVENT_WRITE)
        for fd in ours:
            os.set_blocking(fd, False)
        for fd in kept:
            selector.register(fd, selectors.EVENT_READ)
        reading, answer, over = set(kept), None, None
        try:
            while answer is None or reading:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                for key, _ in selector.select(left):
                    if key.fd == stdin_fd:
                        try:
                            pending = pending[os.write(stdin_fd, pending[:_CHUNK]):]
                        except BlockingIOError:
                            continue
                        except BrokenPipeError:  # the child closed its stdin: nobody reads on
                            pending = pending[:0]
                        if not pending:
                            selector.unregister(stdin_fd)
                            os.close(stdin_fd)
                            ours.remove(stdin_fd)
                    elif key.fd in kept:
                        try:
                            chunk = os.read(key.fd, _CHUNK)
                        except BlockingIOError:
                            continue
                        buffer = kept[key.fd]
                        buffer += chunk
                        if not chunk or len(buffer) > output_bytes:
                            selector.unregister(key.fd)
                            reading.discard(key.fd)
                        if len(buffer) > output_bytes:
                            del buffer[output_bytes:]
                            if over is None:
                                over = "output-limit"
                                self._send_stop(over)
                    else:
                        message = self._receive(timeout=0)
                        if message is None:  # the zygote is gone: nothing more to wait for
                            deadline = 0.0
                        elif message.get("op") == "ended":
                            answer = message
                            selector.unregister(self._control)
        finally:
            selector.close()
            for fd in ours:
                os.close(fd)
        return *(bytes(buffer) for buffer in kept.values()), answer, over
