"""Which unprivileged user a sandboxed program runs as.

``RLIMIT_NPROC`` counts every process of a user, system-wide. When the caller
is root, the program runs as a real, otherwise unused uid (61000 and up by
default; none of them may be in ``/etc/passwd``), and each concurrent run
leases its own uid from a small pool, so two runs never share a process count
and nothing else on the machine is counted against a submission.

When the caller is an ordinary user, bubblewrap maps the caller's uid to the
same number inside a new user namespace; processes are then counted per
namespace, so no pool is needed.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_UID",
    "DEFAULT_UID_POOL",
    "UidLease",
    "hand_over",
    "lease_uid",
    "process_uids",
    "wait_until_gone",
]

DEFAULT_UID = 61000
"""First uid of the pool (and the uid seen inside the sandbox for ordinary callers)."""

DEFAULT_UID_POOL = 32
"""How many uids root callers may use at once (concurrent runs)."""


@dataclass
class UidLease:
    """A uid reserved for one run; ``release()`` (or leaving a ``with``) frees it.

    Examples
    --------
    >>> with UidLease(uid=61000, lock=None) as lease:
    ...     lease.uid
    61000
    """

    uid: int
    lock: int | None

    def release(self) -> None:
        """Free the uid for other runs."""
        if self.lock is not None:
            os.close(self.lock)
            self.lock = None

    def __enter__(self) -> UidLease:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


def _lock_dir() -> Path:
    """A root-only folder for the pool's lock files."""
    base = Path("/run") if os.access("/run", os.W_OK) else Path(tempfile.gettempdir())
    folder = base / "course-sandbox-uids"
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.lstat()
    # Another user could have created the folder first to interfere with the pool.
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o077:
        raise RuntimeError(f"{folder} must be a directory owned by root with mode 0700")
    return folder


def process_uids() -> list[int]:
    """The real uid of every running process (from ``/proc``), one entry per process.

    Returns
    -------
    list of int

    Examples
    --------
    >>> os.getuid() in process_uids()
    True
    """
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                found.append(entry.stat().st_uid)
            except OSError:
                continue
    return found


def _in_passwd(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def lease_uid(*, first: int = DEFAULT_UID, count: int = DEFAULT_UID_POOL) -> UidLease:
    """Reserve a uid for one sandboxed run.

    For an ordinary caller this returns ``first`` without locking (the uid
    only names the caller inside its own user namespace). For root it locks
    the first uid of ``first .. first + count - 1`` that no other run holds,
    that no running process uses and that ``/etc/passwd`` does not list.

    Raises
    ------
    RuntimeError
        If every uid of the pool is busy.

    Examples
    --------
    >>> with lease_uid(first=61000, count=4) as lease:
    ...     61000 <= lease.uid < 61004
    True
    """
    if os.geteuid() != 0:
        return UidLease(uid=first, lock=None)
    folder = _lock_dir()
    busy = set(process_uids())
    for uid in range(first, first + count):
        if uid in busy or _in_passwd(uid):
            continue
        handle = os.open(folder / f"{uid}.lock", os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            continue
        return UidLease(uid=uid, lock=handle)
    raise RuntimeError(
        f"no free sandbox uid in {first}..{first + count - 1}: every one is leased, running "
        "processes or listed in /etc/passwd; raise c.Sandbox.uid_pool or pick another c.Sandbox.uid"
    )


def hand_over(folder: Path, uid: int) -> None:
    """Make ``folder`` and everything in it owned by ``uid`` (root only) and private.

    Symbolic links are changed themselves, never followed: a previous run may
    have left a link to a file elsewhere.
    """
    folder = Path(folder)
    os.chmod(folder, 0o700)
    if os.geteuid() != 0:
        return
    os.chown(folder, uid, uid, follow_symlinks=False)
    for parent, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in dirnames + filenames:
            os.chown(os.path.join(parent, name), uid, uid, follow_symlinks=False)


def wait_until_gone(uid: int, *, seconds: float = 5.0) -> bool:
    """Wait until no process runs as ``uid``; True if none is left.

    Killing a sandbox's pid namespace is asynchronous: its processes may
    linger for a few milliseconds. A uid goes back to the pool only once they
    are gone, so the next run is not counted against their processes.
    """
    deadline = time.monotonic() + seconds
    while uid in process_uids():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
