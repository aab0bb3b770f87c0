"""A child's standard streams, moved without blocking: one pump for every way code is run.

Both the one-shot run (:mod:`.supervise`) and a run forked by the fork server
(:mod:`.forkserver`) feed the child's stdin and collect its stdout and stderr
while they wait for their own end event (the child's exit, the zygote's
answer). :class:`Pipes` does the feeding and collecting; the caller keeps its
selector loop, its deadline and its own events.
"""

from __future__ import annotations

import os
import selectors
from collections.abc import Callable

__all__ = ["CHUNK", "Pipes"]

CHUNK = 64 * 1024
"""Bytes moved per read or write."""


class Pipes:
    """stdin written as the child takes it; stdout and stderr kept to ``output_bytes`` each.

    Parameters
    ----------
    stdin : bytes
        Everything the child gets on its standard input.
    stdin_fd, stdout_fd, stderr_fd : int
        Our ends of the three pipes. Output descriptors are never closed here
        (their owner closes them); stdin is closed with ``close_stdin`` once
        everything is written or the child is gone.
    output_bytes : int
        The most kept of each output stream; what comes after is read and dropped.
    close_stdin : callable
        Closes our end of stdin (``os.close(fd)``, or ``file.close()`` for a
        :class:`subprocess.Popen` stream).
    """

    def __init__(self, *, stdin: bytes, stdin_fd: int, stdout_fd: int, stderr_fd: int,
                 output_bytes: int, close_stdin: Callable[[], None]) -> None:
        self._pending = memoryview(stdin)
        self._stdin_fd = stdin_fd
        self._close_stdin = close_stdin
        self._stdout_fd, self._stderr_fd = stdout_fd, stderr_fd
        self._buffers = {stdout_fd: bytearray(), stderr_fd: bytearray()}
        self._open = set(self._buffers)
        self._output_bytes = output_bytes
        self._selector: selectors.BaseSelector | None = None
        self.over_limit = False
        """Whether an output stream went past ``output_bytes``."""

    @property
    def stdout(self) -> bytearray:
        return self._buffers[self._stdout_fd]

    @property
    def stderr(self) -> bytearray:
        return self._buffers[self._stderr_fd]

    @property
    def outputs_open(self) -> bool:
        """Whether the child (or anything it left behind) may still write output."""
        return bool(self._open)

    def register(self, selector: selectors.BaseSelector) -> None:
        """Watch the pipes with ``selector`` (its keys' data are ``"input"`` and ``"output"``)."""
        self._selector = selector
        for fd in self._buffers:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ, "output")
        if self._pending:
            os.set_blocking(self._stdin_fd, False)
            selector.register(self._stdin_fd, selectors.EVENT_WRITE, "input")
        else:
            self._finish_input(registered=False)

    def handle(self, key: selectors.SelectorKey) -> bool:
        """Move data for a ready ``key``; False if the key is not one of the pipes'."""
        if key.data == "input":
            try:
                written = os.write(self._stdin_fd, self._pending[:CHUNK])
            except BlockingIOError:
                written = 0
            except BrokenPipeError:  # the child closed its stdin: the rest has no reader
                written = len(self._pending)
            self._pending = self._pending[written:]
            if not self._pending:
                self._finish_input(registered=True)
            return True
        if key.data != "output":
            return False
        try:
            chunk = os.read(key.fd, CHUNK)
        except BlockingIOError:
            return True
        if not chunk:
            self._selector.unregister(key.fd)
            self._open.discard(key.fd)
            return True
        buffer = self._buffers[key.fd]
        buffer += chunk
        if len(buffer) > self._output_bytes:
            del buffer[self._output_bytes:]
            self.over_limit = True
        return True

    def drop_input(self) -> None:
        """Stop feeding stdin (the child is gone: nobody is left to read the rest)."""
        if self._stdin_fd >= 0:
            self._finish_input(registered=True)

    def _finish_input(self, *, registered: bool) -> None:
        if registered:
            try:
                self._selector.unregister(self._stdin_fd)
            except (KeyError, ValueError):  # the selector is already closed
                pass
        self._stdin_fd = -1
        self._close_stdin()
