"""What a sandboxed program sees: the bubblewrap command line.

The sandbox's root is an empty tmpfs. Into it go, at their usual paths:

- ``/usr`` and the ``/bin``, ``/lib*`` links (read-only), plus the few files
  of ``/etc`` the dynamic loader and Python need and a two-line
  ``/etc/passwd`` naming the sandbox user;
- the Python installation: the venv (``sys.prefix``) and the interpreter it
  was made from (``sys.base_prefix``), read-only;
- ``course_lib/`` and the data folder, read-only, each on its own: the
  repository around them (``solutions/``, ``autograde/``) stays invisible;
- the caller's ``readable`` paths (read-only) and ``writable`` paths;
- a private scratch folder (read-write; also ``HOME`` and ``TMPDIR``), an
  empty size-limited file system unless the caller manages it;
- a new ``/proc`` (own pid namespace), a minimal ``/dev``, and empty
  size-limited ``/tmp`` and ``/dev/shm``.

Namespaces: own network (only a loopback interface, no routes), pid, ipc,
uts and cgroup namespaces, and a new session (no access to the caller's
terminal). The program starts under :mod:`.seccomp`'s filter, as an
unprivileged uid, with the :class:`~.limits.Limits` applied by ``prlimit``
(a fork server's zygote gives each run its uid and limits itself).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from .limits import Limits

__all__ = [
    "ZYGOTE_CAPABILITIES",
    "bwrap_argv",
    "course_paths",
    "limit_argv",
    "python_paths",
    "system_binds",
    "write_identity_files",
]

_SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/fonts",
    "/etc/nsswitch.conf",
    "/etc/matplotlibrc",
)


ZYGOTE_CAPABILITIES = ("CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_DAC_OVERRIDE",
                       "CAP_FOWNER", "CAP_DAC_READ_SEARCH")
"""What a root caller's zygote keeps inside the sandbox: switch each child to its uid, kill
what a child left behind, and empty the shared temporary folders after it."""


def _outermost(paths: Iterable[Path]) -> list[Path]:
    """Drop every path that lies inside another one of ``paths``."""
    unique = sorted({Path(p) for p in paths}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in unique:
        if not any(path == k or k in path.parents for k in kept):
            kept.append(path)
    return kept


def python_paths() -> list[Path]:
    """Folders holding the running Python: the venv and its base interpreter.

    Examples
    --------
    >>> import sys
    >>> any(Path(sys.executable).resolve().is_relative_to(p) for p in python_paths())
    True
    """
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    found = set()
    for prefix in prefixes:
        found.add(Path(prefix))
        found.add(Path(prefix).resolve())
    return _outermost(found)


def course_paths() -> list[Path]:
    """The course_lib package folder and the data folder (never the repository root).

    Examples
    --------
    >>> [path.name for path in course_paths()]
    ['course_lib', 'data']
    """
    import course_lib
    from course_lib import data

    package = Path(course_lib.__file__).resolve().parent
    paths = [package]
    folder = data.data_dir().resolve()
    if folder.is_dir():
        paths.append(folder)
    return paths


def system_binds() -> list[str]:
    """bubblewrap arguments for the read-only system files every program needs."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in _SYSTEM_LINKS:
        path = Path(name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            args += ["--ro-bind", name, name]
    # Made explicitly: bubblewrap would create it with mode 0700 for root callers.
    args += ["--perms", "0755", "--dir", "/etc"]
    for name in _ETC_FILES:
        args += ["--ro-bind-try", name, name]
    return args


def write_identity_files(folder: Path, *, uids: Iterable[int], home: str) -> Path:
    """Write the sandbox's ``passwd`` and ``group``, so that ``getpass`` and the like work.

    Parameters
    ----------
    folder : Path
        An existing folder to write the two files into.
    uids : iterable of int
        The uids runs may have; each is named ``student``.
    home : str
        Their home folder.

    Returns
    -------
    Path
        ``folder``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     print(write_identity_files(Path(folder), uids=[61001], home="/h").joinpath(
    ...         "group").read_text(), end="")
    root:x:0:
    student:x:61001:
    """
    uids = sorted(set(uids))
    users = "".join(f"student:x:{uid}:{uid}:sandboxed student code:{home}:/usr/sbin/nologin\n"
                    for uid in uids)
    (folder / "passwd").write_text("root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n" + users)
    (folder / "group").write_text("root:x:0:\n" + "".join(f"student:x:{uid}:\n" for uid in uids))
    for path in (folder, folder / "passwd", folder / "group"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return folder


class _MountPlan:
    """Bind arguments, with the folders leading to each mount point created world-readable.

    bubblewrap creates missing parents of a mount point with mode 0700; the
    sandbox user could then not reach e.g. an interpreter under ``/root``.
    """

    def __init__(self, *, bound: set[Path], empty: set[Path]) -> None:
        self.bound = set(bound)
        self.created: set[Path] = set(empty)

    def _covered(self, path: Path) -> bool:
        """Whether ``path`` is an existing folder: a mount point or inside a bound folder."""
        return path in self.created or any(path == m or m in path.parents for m in self.bound)

    def _parents(self, destination: Path) -> list[str]:
        args = []
        for parent in reversed(destination.parents):
            if parent == Path("/") or self._covered(parent):
                continue
            args += ["--perms", "0755", "--dir", str(parent)]
            self.created.add(parent)
        return args

    def tmpfs(self, path: Path, *, size: int) -> list[str]:
        """An empty, size-limited, world-writable file system at ``path``."""
        path = Path(os.path.abspath(path))
        args = self._parents(path)
        args += ["--perms", "1777", "--size", str(size), "--tmpfs", str(path)]
        self.bound.add(path)
        return args

    def bind(self, kind: str, path: Path) -> list[str]:
        """Bind ``path`` at the same place, also under its unresolved name if that differs."""
        real = Path(path).resolve()
        destinations = [real]
        if Path(os.path.abspath(path)) != real:
            destinations.append(Path(os.path.abspath(path)))
        args = []
        for destination in destinations:
            args += self._parents(destination)
            args += [kind, str(real), str(destination)]
            self.bound.add(destination)
        return args


def limit_argv(prlimit: str, limits: Limits) -> list[str]:
    """``prlimit`` arguments that set ``limits`` and then run the command.

    The CPU hard limit is one second above the soft one: SIGXCPU first (a
    clean, recognisable end), SIGKILL if the program ignores it.

    Examples
    --------
    >>> from course_lib.sandbox import Sandbox
    >>> limit_argv("/usr/bin/prlimit", Sandbox(cpu_seconds=3).limits)[:2]
    ['/usr/bin/prlimit', '--cpu=3:4']
    """
    return [
        prlimit,
        f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 1}",
        f"--as={limits.memory_bytes}",
        f"--nproc={limits.processes}",
        f"--fsize={limits.file_bytes}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
    ]


def bwrap_argv(
    command: Sequence[str],
    *,
    bwrap: str,
    setpriv: str,
    prlimit: str,
    uid: int,
    as_root: bool,
    limits: Limits,
    scratch: Path,
    identity_files: Path,
    readable: Sequence[Path] = (),
    writable: Sequence[Path] = (),
    cwd: Path | None = None,
    seccomp_fd: int | None = None,
    scratch_on_host: bool = True,
    fork_server: bool = False,
) -> list[str]:
    """The full command line that runs ``command`` in the sandbox.

    Parameters
    ----------
    command : sequence of str
        The program and its arguments, as seen inside the sandbox.
    bwrap, setpriv, prlimit : str
        Paths of the helper programs (``setpriv`` is only used when ``as_root``).
    uid : int
        The uid (and gid) the program runs as.
    as_root : bool
        Whether the caller is root. Then bubblewrap sets up the mounts with
        root's rights but without a user namespace, and ``setpriv`` switches to
        ``uid`` (dropping every capability) before the program starts, so the
        process limits count a real unprivileged uid. Otherwise bubblewrap runs
        unprivileged in a new user namespace where the caller appears as ``uid``.
    limits : Limits
        Applied by ``prlimit`` just before the program starts.
    scratch : Path
        The writable private folder (also HOME and TMPDIR).
    identity_files : Path
        A folder holding ``passwd`` and ``group`` files for the sandbox user.
    readable, writable : sequence of Path
        Extra paths to bind read-only / read-write at the same place.
    cwd : Path, optional
        Working directory inside the sandbox (default: ``scratch``).
    seccomp_fd : int, optional
        A file descriptor holding a seccomp filter (see :mod:`.seccomp`),
        which the launched bubblewrap must inherit.
    scratch_on_host : bool, optional
        True: bind the host folder ``scratch`` (the caller reads results from
        it). False: mount an empty file system of ``limits.disk_bytes`` at
        that path instead, which disappears with the sandbox.
    fork_server : bool, optional
        ``command`` is a fork server's zygote (:mod:`.zygote`), which applies
        ``limits`` and the identity to each child it forks: no ``prlimit``,
        the zygote is the sandbox's pid 1 (it reaps what its runs leave), and
        a root caller's zygote stays root inside the sandbox with only
        :data:`ZYGOTE_CAPABILITIES`, so that it can switch each child to its
        own uid and clean up after it.
    """
    args = [
        bwrap,
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--hostname",
        "sandbox",
        "--die-with-parent",
        "--new-session",
        *(["--as-pid-1"] if fork_server else []),
    ]
    if as_root:
        # setpriv needs the first three to switch user, and bubblewrap the last to enter the
        # scratch folder (owned by the sandbox user, mode 0700); setpriv drops them all.
        # A zygote keeps its own set: its children drop every capability when they switch.
        args += ["--cap-drop", "ALL"]
        capabilities = ZYGOTE_CAPABILITIES if fork_server else (
            "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_DAC_READ_SEARCH")
        for capability in capabilities:
            args += ["--cap-add", capability]
    else:
        args += ["--unshare-user", "--disable-userns", "--uid", str(uid), "--gid", str(uid)]
    args += system_binds()
    args += ["--ro-bind", str(identity_files / "passwd"), "/etc/passwd"]
    args += ["--ro-bind", str(identity_files / "group"), "/etc/group"]
    size = str(limits.disk_bytes)
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777", "--size", size, "--tmpfs", "/tmp"]
    # POSIX semaphores (multiprocessing locks) live in /dev/shm.
    args += ["--perms", "1777", "--size", size, "--tmpfs", "/dev/shm"]
    mounts = _MountPlan(
        bound={Path("/usr")}, empty={Path("/proc"), Path("/dev"), Path("/dev/shm"), Path("/tmp")}
    )
    for path in _outermost(python_paths() + course_paths()):
        args += mounts.bind("--ro-bind", path)
    for path in readable:
        args += mounts.bind("--ro-bind", path)
    for path in writable:
        args += mounts.bind("--bind", path)
    if scratch_on_host:
        args += mounts.bind("--bind", scratch)
    else:
        args += mounts.tmpfs(scratch, size=limits.disk_bytes)
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    args += ["--chdir", str(cwd if cwd is not None else scratch), "--"]
    if fork_server:
        return args + list(command)
    if as_root:
        args += [
            setpriv,
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]
    return args + limit_argv(prlimit, limits) + list(command)
