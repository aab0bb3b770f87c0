"""The :class:`Sandbox`: run untrusted student code with bubblewrap and resource limits."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from traitlets import Bool, Float, Integer, TraitError, Unicode, validate
from traitlets.config import LoggingConfigurable

from .availability import check_available as _check_available
from .availability import require_tool
from .environment import scrubbed_environment
from .identity import DEFAULT_UID, DEFAULT_UID_POOL, hand_over, lease_uid, wait_until_gone
from .layout import bwrap_argv, course_paths, limit_argv, write_identity_files
from .limits import LIMIT_NAMES, Limits
from .seccomp import filter_fd
from .supervise import Result, supervise

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
        """
        argv = _check_argv(argv)
        if self.unsafe:
            return limit_argv(require_tool("prlimit"), self._unsafe_limits()) + argv
        self.check()
        return bwrap_argv(
            argv,
            bwrap=self.bwrap or require_tool("bwrap"),
            setpriv=require_tool("setpriv"),
            prlimit=require_tool("prlimit"),
            uid=uid,
            as_root=os.geteuid() == 0,
            limits=self.limits,
            scratch=scratch,
            identity_files=write_identity_files(
                identity_files, uid=uid, home=str(scratch),
                more_uids=range(self.uid, self.uid + self.uid_pool) if fork_server else (),
            ),
            readable=self.readable,
            writable=self.writable,
            cwd=cwd,
            seccomp_fd=seccomp_fd,
            scratch_on_host=scratch_on_host,
            fork_server=fork_server,
        )

    def _unsafe_limits(self) -> Limits:
        """Limits for a run without namespaces.

        Without a user namespace RLIMIT_NPROC counts all the caller's processes,
        so the allowance is added to what the caller already runs. (Root is not
        bound by RLIMIT_NPROC at all; docs/sandbox.md says so.)
        """
        uid = os.getuid()
        running = 0
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    running += entry.stat().st_uid == uid
                except OSError:
                    continue
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

        Parameters
        ----------
        argv : sequence of str
            The program and its arguments (paths as seen inside the sandbox,
            which are the same as outside for everything bound).
        stdin : bytes, optional
            Data for the program's standard input.
        timeout : float, optional
            Wall-clock limit for this run (default: ``limits.wall_seconds``).
        env : mapping of str to str, optional
            Variables added to the scrubbed environment.
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
        """
        argv = _check_argv(argv)
        if not isinstance(stdin, bytes | bytearray | memoryview):
            raise TypeError(f"stdin must be bytes, got {type(stdin).__name__}")
        wall = self.limits.wall_seconds if timeout is None else timeout
        wall = self.limits.replace(wall_seconds=wall).wall_seconds
        if cwd is not None:
            cwd = Path(cwd)
            if not cwd.is_absolute() or not cwd.is_dir():
                raise ValueError(f"cwd must be an absolute path to a folder, got {cwd}")
        self.check()
        with tempfile.TemporaryDirectory(prefix="course-sandbox-") as private:
            private = Path(private)
            os.chmod(private, 0o755)
            scratch = self.scratch if self.scratch is not None else private / "scratch"
            scratch.mkdir(parents=True, exist_ok=True)
            identity_files = private / "ids"
            identity_files.mkdir()
            seccomp_fd = None if self.unsafe else filter_fd()
            with lease_uid(first=self.uid, count=self.uid_pool) as lease:
                if not self.unsafe:
                    hand_over(scratch, lease.uid)
                try:
                    full = self.command(
                        argv,
                        uid=lease.uid,
                        scratch=scratch,
                        identity_files=identity_files,
                        cwd=cwd,
                        seccomp_fd=seccomp_fd,
                        scratch_on_host=self.scratch is not None,
                    )
                    return supervise(
                        full,
                        stdin=bytes(stdin),
                        env=scrubbed_environment(home=str(scratch), extra=env),
                        cwd=str(cwd if (self.unsafe and cwd is not None) else scratch),
                        wall_seconds=wall,
                        output_bytes=self.limits.output_bytes,
                        cpu_limit=self.limits.cpu_seconds,
                        sandboxed=not self.unsafe,
                        pass_fds=() if seccomp_fd is None else (seccomp_fd,),
                    )
                finally:
                    if seccomp_fd is not None:
                        os.close(seccomp_fd)
                    if not self.unsafe and os.geteuid() == 0:
                        wait_until_gone(lease.uid)
                    if self.scratch is None:
                        _remove_tree(scratch)


def _check_argv(argv) -> list[str]:
    if isinstance(argv, str | bytes) or not isinstance(argv, Sequence) or not argv:
        raise TypeError(f"argv must be a non-empty list of strings, got {argv!r}")
    if not all(isinstance(part, str) for part in argv):
        raise TypeError(f"argv must hold only strings, got {argv!r}")
    return list(argv)


def _remove_tree(folder: Path) -> None:
    """Delete a scratch folder even if the program made parts of it read-only."""

    def make_writable_and_retry(function, path, _):
        os.chmod(os.path.dirname(path), 0o700)
        function(path)

    if not folder.exists():
        return
    if sys.version_info >= (3, 12):
        shutil.rmtree(folder, onexc=make_writable_and_retry)
    else:
        shutil.rmtree(folder, onerror=make_writable_and_retry)
