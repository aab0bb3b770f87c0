"""The sandboxed processes grading runs in: a few fork servers, shared by a whole class.

Every graded function of every submission is run by its own child process
(see :mod:`course_lib.grader.runner`). The children are forked by
:class:`~course_lib.sandbox.forkserver.ForkServer` zygotes that imported, once,
everything a grading program imports: numpy, matplotlib, the grading child
and the modules the assignments' trusted setup cells import. So a run costs a
fork, not a Python start and a second and a half of imports.

:class:`GradingProcesses` keeps one zygote per concurrent slot (``--jobs``,
or a Dask worker's threads) and lends them out one run at a time.
"""

from __future__ import annotations

import ast
import atexit
import json
import queue
import threading
from collections.abc import Iterable
from contextlib import contextmanager

from course_lib.grading.calling import CALL_SECONDS
from course_lib.sandbox.forkserver import ForkServer

__all__ = ["CHILD_ENTRY", "GradingProcesses", "GradingStopped", "preload_modules",
           "shared_processes"]

CHILD_ENTRY = "course_lib.grader.child:main"
"""What each grading child runs (it reads a request on stdin, writes frames to stdout)."""

_ALWAYS = ("numpy", "matplotlib", "course_lib.grader.child", "course_lib.grading.calling",
           "course_lib.grading.outcome", "course_lib.grading.wire")


def preload_modules(setup_sources: Iterable[str]) -> list[str]:
    """The modules a zygote imports: the grading child's, and those the setup cells import.

    Setup cells are trusted (they come from the master notebooks). For
    ``from package import name`` both ``package`` and ``package.name`` are
    listed (the zygote skips names that are not modules).

    Examples
    --------
    >>> preload_modules(["import numpy as np\\nfrom course_lib import kernels"])[-2:]
    ['course_lib', 'course_lib.kernels']
    """
    found = list(_ALWAYS)
    for source in setup_sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                found += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append(node.module)
                found += [f"{node.module}.{alias.name}" for alias in node.names
                          if alias.name != "*"]
    return list(dict.fromkeys(found))


class GradingStopped(RuntimeError):
    """The grading processes were closed (Ctrl-C): a run has no verdict."""


class GradingProcesses:
    """Fork servers that run grading children, at most ``size`` at a time.

    Parameters
    ----------
    sandbox : course_lib.sandbox.Sandbox
        Where every child runs, with its limits.
    preload : iterable of str
        Modules the zygotes import (see :func:`preload_modules`).
    size : int
        How many children may run at once (one zygote each, started when first needed).

    Raises
    ------
    ValueError
        ``size`` is not a positive integer, or the sandbox's wall-clock or CPU limit is
        shorter than the time one call may take (:data:`~course_lib.grading.calling.CALL_SECONDS`).

    Examples
    --------
    >>> from course_lib.sandbox import Sandbox
    >>> with GradingProcesses(Sandbox(), preload=["numpy"], size=1) as processes:
    ...     processes.size, processes.sandbox.limits.wall_seconds
    (1, 20.0)
    """

    def __init__(self, sandbox, *, preload: Iterable[str] = (), size: int = 1) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"size must be an integer >= 1, got {size!r}")
        limits = sandbox.limits
        if min(limits.wall_seconds, limits.cpu_seconds) < CALL_SECONDS:
            raise ValueError(
                f"the sandbox allows {limits.wall_seconds:g} s of wall clock and "
                f"{limits.cpu_seconds:g} s of CPU per run, less than the {CALL_SECONDS:g} s "
                "one call may take in the notebook's own check: a function the notebook "
                "accepts would time out in the grader. Give Sandbox.wall_seconds and "
                f"Sandbox.cpu_seconds at least {CALL_SECONDS:g}."
            )
        self.sandbox = sandbox
        self.preload = list(preload)
        self.size = size
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._servers: list[ForkServer] = []
        self._lock = threading.Lock()
        self._closed = False
        self.runs = 0
        """Children run so far."""
        self.run_seconds = 0.0
        """Their wall-clock seconds, summed (fork, student code, clean-up)."""

    def __enter__(self) -> GradingProcesses:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def limits(self):
        """The limits of every run (the sandbox's)."""
        return self.sandbox.limits

    @contextmanager
    def _server(self):
        try:
            server = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                if self._closed:
                    raise GradingStopped("these grading processes are closed") from None
                if len(self._servers) < self.size:
                    server = ForkServer(self.sandbox, entry=CHILD_ENTRY, preload=self.preload)
                    self._servers.append(server)
                else:
                    server = None
            if server is None:
                server = self._idle.get()
        try:
            yield server
        finally:
            self._idle.put(server)

    @property
    def start_seconds(self) -> float:
        """Wall-clock seconds spent starting zygotes (bubblewrap, Python, the preloads)."""
        with self._lock:
            return sum(server.start_seconds for server in self._servers)

    def run(self, request: bytes):
        """Run one grading child on ``request``; return its :class:`~course_lib.sandbox.Result`.

        Raises
        ------
        GradingStopped
            When :meth:`close` was called before or while the child ran (Ctrl-C):
            there is no verdict, and nothing to report as a fault.
        """
        try:
            with self._server() as server:
                result = server.run(stdin=request)
        except Exception as error:
            if self._closed:
                raise GradingStopped("grading was stopped") from error
            raise
        with self._lock:
            self.runs += 1
            self.run_seconds += result.seconds
        return result

    def close(self) -> None:
        """Stop every zygote."""
        with self._lock:
            self._closed = True
            servers = list(self._servers)
        for server in servers:
            server.close()


_SHARED: dict = {}
_SHARED_LOCK = threading.Lock()


def shared_processes(settings: dict, preload: Iterable[str], *, size: int = 1
                     ) -> GradingProcesses:
    """Grading processes kept for the rest of this process, one set per sandbox settings,
    preloads and size.

    For callers that get one submission at a time and would otherwise start
    zygotes for each: plain ``nbgrader autograde`` grading a class notebook by
    notebook, a Dask worker taking one submission per task. They are closed
    when this process exits.

    Parameters
    ----------
    settings : dict
        The sandbox's options (:meth:`~course_lib.sandbox.Sandbox.settings`).
    preload : iterable of str
        Modules the zygotes import (:func:`preload_modules`).
    size : int
        How many children may run at once.
    """
    from course_lib.sandbox import Sandbox

    preload = list(preload)
    key = json.dumps([settings, preload, size], sort_keys=True)
    with _SHARED_LOCK:
        if key not in _SHARED:
            if not _SHARED:
                atexit.register(_close_shared)
            _SHARED[key] = GradingProcesses(Sandbox(**settings), preload=preload, size=size)
        return _SHARED[key]


def _close_shared() -> None:
    with _SHARED_LOCK:
        shared = list(_SHARED.values())
        _SHARED.clear()
    for processes in shared:
        processes.close()

