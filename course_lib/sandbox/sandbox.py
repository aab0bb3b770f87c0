"""The :class:`Sandbox`: run untrusted student code with bubblewrap and resource limits."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from traitlets import Bool, Float, Integer, TraitError, Unicode, validate
from traitlets.config import LoggingConfigurable

from .availability import check_available as _check_available
from .availability import require_tool
from .forkserver import ForkServer
from .identity import DEFAULT_UID, DEFAULT_UID_POOL, process_uids
from .layout import bwrap_argv, course_paths, limit_argv, write_identity_files
from .limits import LIMIT_NAMES, Limits
from .supervise import Result
from .zygote import ARGV_VARIABLE, CWD_VARIABLE

__all__ = ["Sandbox"]

def _check_paths(paths, *, name: str) -> list[Path]:
    """Absolute existing paths that do not expose the course repository as a whole."""
    if isinstance(paths, str | os.PathLike):
        raise TypeError(f"{name} must be a list of paths, got the single path {paths!r}")
    checked = []
    protected = [p.parent for p in course_paths()[:1]]
    for item in paths:
        if not isinstance(item, str | os.PathLike):
            raise TypeError(f"{name} must hold paths, got {item!r}")
        path = Path(item).absolute()
        if not path.exists():
            raise FileNotFoundError(f"{name} path {path} does not exist")
        real = path.resolve()
        for folder in protected:
            if real == folder or real in folder.parents:
                raise ValueError(
                    f"{name} path {path} contains the course repository {folder}, which holds "
                    "solutions/ and autograde/; pass the submission's own folder instead"
                )
        if real == Path("/"):
            raise ValueError(f"{name} must not contain the root folder /")
        checked.append(path)
    return checked


_NEVER_SCRATCH = tuple(
    Path(p) for p in ("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/opt", "/proc",
                      "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var")
)


def _check_scratch(scratch) -> Path:
    """A scratch folder that may safely be handed to the sandbox user (recursively chowned)."""
    if not isinstance(scratch, str | os.PathLike):
        raise TypeError(f"scratch must be a path or None, got {scratch!r}")
    path = Path(scratch).absolute()
    real = path.resolve()
    guarded = [*course_paths(), course_paths()[0].parent, Path(sys.prefix).resolve(),
               Path(sys.base_prefix).resolve(), Path.home().resolve()]
    if real in _NEVER_SCRATCH or any(real == g or real in g.parents for g in guarded):
        raise ValueError(
            f"scratch {path} would hand a system, home or course folder to the sandbox user; "
            "use a dedicated empty folder"
        )
    return path


class Sandbox(LoggingConfigurable):
    """Runs untrusted programs with no network, a minimal file system and resource limits.

    Every limit and the identity options are traitlets options, declared here
    once with their defaults (the limits of one graded function's run) and set
    in the course's ``nbgrader_config.py`` as ``c.Sandbox.<option>``; see
    :mod:`course_lib.config`. Any of them can also be passed as a keyword.

    Parameters
    ----------
    readable : sequence of path, optional
        Extra files or folders the program may read (e.g. the submission),
        bound read-only at the same path.
    writable : sequence of path, optional
        Extra folders the program may write (e.g. a kernel's socket folder).
    scratch : path, optional
        The program's private writable folder, also its ``HOME``, ``TMPDIR``
        and default working directory. When given, the caller manages it
        (reads results from it, empties it between runs); it is handed to the
        sandbox user at each run. When omitted, every run gets a fresh empty
        file system of ``disk_bytes`` (a folder on the host in unsafe
        mode) that is gone afterwards, so nothing persists between runs.
    **options
        Trait values (``cpu_seconds=5``, ``unsafe=True``), ``config`` or ``parent``.

    Notes
    -----
    See ``docs/sandbox.md`` for what is and is not protected.

    Examples
    --------
    >>> import sys
    >>> sandbox = Sandbox(wall_seconds=30)
    >>> result = sandbox.run([sys.executable, "-c", "import os; print(os.getuid() != 0)"])
    >>> result.status, result.stdout
    ('ok', b'True\\n')
    >>> Sandbox(uid=500)
    Traceback (most recent call last):
    ...
    traitlets.traitlets.TraitError: uid must be >= 1000 (not a system account), got 500
    """

    cpu_seconds = Integer(
        20, help="CPU time of one run in seconds (RLIMIT_CPU); then status 'timeout'."
    ).tag(config=True)
    wall_seconds = Float(
        20.0, help="Wall-clock seconds of one run; then the whole sandbox is killed ('timeout')."
    ).tag(config=True)
    memory_bytes = Integer(
        2 * 1024**3, help="Address space of one run (RLIMIT_AS); then status 'memory'."
    ).tag(config=True)
    processes = Integer(
        64, help="Processes and threads of the sandbox uid (RLIMIT_NPROC); stops fork bombs."
    ).tag(config=True)
    output_bytes = Integer(
        64 * 1024**2,
        help="Bytes kept of stdout and of stderr (room for result arrays); then 'output-limit'.",
    ).tag(config=True)
    file_bytes = Integer(
        64 * 1024**2, help="Largest file a run may write (RLIMIT_FSIZE)."
    ).tag(config=True)
    open_files = Integer(256, help="Open file descriptors (RLIMIT_NOFILE).").tag(config=True)
    disk_bytes = Integer(
        256 * 1024**2, help="Size of each of the run's own /tmp, /dev/shm and scratch."
    ).tag(config=True)
    uid = Integer(
        DEFAULT_UID,
        help="When grading as root, runs use uids uid .. uid + uid_pool - 1; none of them may "
        "be in /etc/passwd or used by anything else (RLIMIT_NPROC counts every process of a "
        "uid). An ordinary caller appears as this uid inside its user namespace.",
    ).tag(config=True)
    uid_pool = Integer(
        DEFAULT_UID_POOL, help="How many uids root callers lease at once (concurrent runs)."
    ).tag(config=True)
    bwrap = Unicode(
        None, allow_none=True, help="Path of the bubblewrap program (default: bwrap on PATH)."
    ).tag(config=True)
    unsafe = Bool(
        False,
        help="Run without bubblewrap: resource limits and a scrubbed environment only. "
        "Only for code you trust (docs/sandbox.md).",
    ).tag(config=True)

    @validate(*LIMIT_NAMES)
    def _check_limit(self, proposal):
        try:
            Limits(**{**self._limit_values(), proposal.trait.name: proposal.value})
        except (TypeError, ValueError) as error:
            raise TraitError(str(error)) from None
        return proposal.value

    @validate("uid", "uid_pool")
    def _check_identity(self, proposal):
        name, value = proposal.trait.name, proposal.value
        if value < 1:
            raise TraitError(f"{name} must be a positive integer, got {value!r}")
        if name == "uid" and value < 1000:
            raise TraitError(f"uid must be >= 1000 (not a system account), got {value}")
        return value

    def __init__(self, *, readable: Sequence = (), writable: Sequence = (), scratch=None,
                 **options) -> None:
        super().__init__(**options)
        self.readable = _check_paths(readable, name="readable")
        self.writable = _check_paths(writable, name="writable")
        self.scratch = None if scratch is None else _check_scratch(scratch)

    def _limit_values(self) -> dict:
        return {name: getattr(self, name) for name in LIMIT_NAMES}

    @property
    def limits(self) -> Limits:
        """The limits of every run, as a checked :class:`Limits` value."""
        return Limits(**self._limit_values())

    def settings(self) -> dict:
        """Every option of this sandbox (limits, identity, unsafe): what can change a result."""
        return {**self.limits.as_dict(), "uid": self.uid, "uid_pool": self.uid_pool,
                "bwrap": self.bwrap, "unsafe": self.unsafe}

    def with_options(self, **changes) -> Sandbox:
        """A sandbox with the same options and paths, some of them changed."""
        options = {name: getattr(self, name) for name in self.class_trait_names(config=True)}
        return Sandbox(readable=self.readable, writable=self.writable, scratch=self.scratch,
                       **{**options, **changes})

    def __repr__(self) -> str:
        mode = "unsafe (limits only)" if self.unsafe else "bubblewrap"
        return f"Sandbox({mode}, {self.limits}, readable={[str(p) for p in self.readable]})"

    @classmethod
    def check_available(
        cls, *, bwrap: str | None = None, uid: int = DEFAULT_UID, uid_pool: int = DEFAULT_UID_POOL
    ) -> None:
        """Raise :class:`SandboxUnavailable` unless a test program runs in the sandbox.

        The test really starts bubblewrap with the same namespaces and mounts
        as :meth:`run`, as a uid of the pool (once per process; the answer is
        remembered). :meth:`check` tests a configured sandbox.

        Parameters
        ----------
        bwrap : str, optional
            Path of the bubblewrap program (default: ``bwrap`` on the system path).
        uid, uid_pool : int, optional
            The uids the test may run as (see the options of the same names).

        Raises
        ------
        SandboxUnavailable
            With the reason (e.g. bubblewrap's own error) and how to fix it.

        Examples
        --------
        >>> Sandbox.check_available()
        """
        _check_available(bwrap=bwrap, uid=uid, uid_pool=uid_pool)

    def check(self) -> None:
        """Raise :class:`SandboxUnavailable` unless this sandbox can run (always fine if unsafe)."""
        if not self.unsafe:
            self.check_available(bwrap=self.bwrap, uid=self.uid, uid_pool=self.uid_pool)

    def command(
        self,
        argv: Sequence[str],
        *,
        uid: int,
        scratch: Path,
        identity_files: Path,
        cwd: Path | None = None,
        seccomp_fd: int | None = None,
        scratch_on_host: bool = True,
        fork_server: bool = False,
    ) -> list[str]:
        """The complete command line that runs ``argv`` in this sandbox (used by the kernel
        and the fork server).

        ``seccomp_fd`` (from :func:`.seccomp.filter_fd`) must be passed to the
        launched process (``pass_fds``). ``fork_server``: see :func:`.layout.bwrap_argv`.
        A caller-managed ``scratch`` of this sandbox other than ``scratch`` is bound too.
        """
        argv = _check_argv(argv)
        if self.unsafe:
            return limit_argv(require_tool("prlimit"), self.run_limits()) + argv
        self.check()
        pool = range(self.uid, self.uid + self.uid_pool) if fork_server else ()
        writable = list(self.writable)
        if self.scratch not in (None, scratch):
            writable.append(self.scratch)
        return bwrap_argv(
            argv,
            bwrap=self.bwrap or require_tool("bwrap"),
            setpriv=require_tool("setpriv"),
            prlimit=require_tool("prlimit"),
            uid=uid,
            as_root=os.geteuid() == 0,
            limits=self.limits,
            scratch=scratch,
            identity_files=write_identity_files(identity_files, uids=[uid, *pool],
                                                home=str(scratch)),
            readable=self.readable,
            writable=writable,
            cwd=cwd,
            seccomp_fd=seccomp_fd,
            scratch_on_host=scratch_on_host,
            fork_server=fork_server,
        )

    def run_limits(self) -> Limits:
        """The limits a run gets: :attr:`limits`, with more processes in unsafe mode.

        Without a user namespace ``RLIMIT_NPROC`` counts all the caller's
        processes, so the allowance is added to what the caller already runs
        (root is not bound by it at all; docs/sandbox.md says so).

        Returns
        -------
        Limits
        """
        if not self.unsafe:
            return self.limits
        running = process_uids().count(os.getuid())
        return self.limits.replace(processes=self.limits.processes + running)

    def run(
        self,
        argv: Sequence[str],
        *,
        stdin: bytes = b"",
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
        cwd=None,
    ) -> Result:
        """Run ``argv`` in the sandbox and return how it ended.

        The run is the one run of a :class:`~.forkserver.ForkServer` without
        preloads, whose child becomes the program: it gets the limits, uid and
        isolation of every fork server run.

        Parameters
        ----------
        argv : sequence of str
            The program (found on the sandbox's ``PATH`` unless it is a path) and
            its arguments; paths as seen inside the sandbox, which are the same
            as outside for everything bound.
        stdin : bytes, optional
            Data for the program's standard input.
        timeout : float, optional
            Wall-clock limit for this run (default: ``limits.wall_seconds``).
        env : mapping of str to str, optional
            Variables added to the scrubbed environment (with ``argv``, at most
            64 KiB as JSON).
        cwd : path, optional
            Working directory (default: the scratch folder); it must be
            visible in the sandbox.

        Returns
        -------
        Result

        Raises
        ------
        SandboxUnavailable
            If bubblewrap cannot run here (and ``unsafe`` is False).
        ForkServerError
            If the sandbox did not start.
        """
        argv = _check_argv(argv)
        if cwd is not None:
            cwd = Path(cwd)
            if not cwd.is_absolute() or not cwd.is_dir():
                raise ValueError(f"cwd must be an absolute path to a folder, got {cwd}")
        env = {**(env or {}), ARGV_VARIABLE: json.dumps(argv), CWD_VARIABLE: str(cwd or "")}
        with ForkServer(self, entry="course_lib.sandbox.zygote:_exec_argv") as server:
            return server.run(stdin=stdin, timeout=timeout, env=env)


def _check_argv(argv) -> list[str]:
    if isinstance(argv, str | bytes) or not isinstance(argv, Sequence) or not argv:
        raise TypeError(f"argv must be a non-empty list of strings, got {argv!r}")
    if not all(isinstance(part, str) for part in argv):
        raise TypeError(f"argv must hold only strings, got {argv!r}")
    return list(argv)
