"""Whether bubblewrap can sandbox code on this machine, tested by really running it."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import SandboxUnavailable
from .identity import DEFAULT_UID, DEFAULT_UID_POOL, hand_over, lease_uid
from .layout import bwrap_argv, write_identity_files
from .limits import Limits
from .seccomp import filter_fd

__all__ = ["check_available", "find_tool", "require_tool"]

INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install "
    "bubblewrap) and util-linux (setpriv, prlimit)"
)
CONFIGURED_HINT = (
    "correct c.Sandbox.bwrap in the course's nbgrader_config.py, or remove it to use the "
    "bwrap on the PATH"
)
USERNS_HINT = (
    "allow unprivileged user namespaces: sysctl kernel.unprivileged_userns_clone=1 (Debian), "
    "sysctl kernel.apparmor_restrict_unprivileged_userns=0 (Ubuntu 24.04+), "
    "sysctl user.max_user_namespaces=15000 (if it is 0); in a container, allow namespaces "
    "(e.g. docker run --security-opt seccomp=unconfined) or grade on the host"
)


def find_tool(name: str) -> str | None:
    """Absolute path of a system program, or None."""
    for candidate in (shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin"), f"/usr/bin/{name}"):
        if candidate and os.access(candidate, os.X_OK):
            return str(Path(candidate).resolve())
    return None


def require_tool(name: str) -> str:
    """Absolute path of a system program; SandboxUnavailable if it is missing."""
    path = find_tool(name)
    if path is None:
        raise SandboxUnavailable(f"{name} not found", INSTALL_HINT)
    return path


_PROBE_LIMITS = Limits(
    cpu_seconds=10,
    wall_seconds=30.0,
    memory_bytes=512 * 1024**2,
    processes=16,
    output_bytes=64 * 1024,
    file_bytes=1024**2,
    open_files=64,
    disk_bytes=1024**2,
)
"""Enough for the probe's one shell command."""

_SAME_UID = 'test "$(id -u)" = {uid} || {{ echo "the test ran as uid $(id -u)" >&2; exit 1; }}'
"""The probe's program: it fails unless it really runs as the unprivileged uid."""


@functools.cache
def _probe(as_root: bool, bwrap: str | None, uid: int, uid_pool: int) -> None:
    """Run ``true`` in the real sandbox once per process; raise SandboxUnavailable if it fails."""
    tools = {name: find_tool(name) for name in ("bwrap", "setpriv", "prlimit")}
    if bwrap is not None:
        tools["bwrap"] = bwrap if os.access(bwrap, os.X_OK) and Path(bwrap).is_file() else None
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        named = [_named(bwrap) if name == "bwrap" and bwrap else name for name in missing]
        hint = INSTALL_HINT if bwrap is None else f"{CONFIGURED_HINT} (or {INSTALL_HINT})"
        raise SandboxUnavailable(f"{', '.join(named)} not found", hint)
    with tempfile.TemporaryDirectory(prefix="course-sandbox-probe-") as folder:
        scratch = Path(folder) / "scratch"
        scratch.mkdir()
        ids = Path(folder) / "ids"
        ids.mkdir()
        seccomp_fd = filter_fd()
        with lease_uid(first=uid, count=uid_pool) as lease:
            hand_over(scratch, lease.uid)
            argv = bwrap_argv(
                ["/bin/sh", "-c", _SAME_UID.format(uid=lease.uid)],
                bwrap=tools["bwrap"],
                setpriv=tools["setpriv"],
                prlimit=tools["prlimit"],
                uid=lease.uid,
                as_root=as_root,
                limits=_PROBE_LIMITS,
                scratch=scratch,
                identity_files=write_identity_files(ids, uids=[lease.uid], home=str(scratch)),
                seccomp_fd=seccomp_fd,
            )
            try:
                done = subprocess.run(
                    argv,
                    capture_output=True,
                    timeout=30,
                    env={},
                    check=False,
                    pass_fds=() if seccomp_fd is None else (seccomp_fd,),
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                raise SandboxUnavailable(
                    f"bubblewrap could not start: {error}", INSTALL_HINT
                ) from None
            finally:
                if seccomp_fd is not None:
                    os.close(seccomp_fd)
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip() or f"exit code {done.returncode}"
        hint = USERNS_HINT if not as_root or "namespace" in said.lower() else INSTALL_HINT
        if bwrap is not None:  # the configured program, not the system's, failed
            hint = f"{CONFIGURED_HINT} (or {hint})"
        raise SandboxUnavailable(f"{_named(bwrap)} failed a test run: {said}", hint)


def _named(bwrap: str | None) -> str:
    return "bubblewrap" if bwrap is None else f"the bubblewrap set by c.Sandbox.bwrap, {bwrap}"


def check_available(
    *, bwrap: str | None = None, uid: int = DEFAULT_UID, uid_pool: int = DEFAULT_UID_POOL
) -> None:
    """Raise :class:`SandboxUnavailable` unless a test program runs in the sandbox.

    The test runs as a uid leased from ``uid .. uid + uid_pool - 1``, as real
    runs do. The answer is remembered for the rest of the process.
    """
    _probe(os.geteuid() == 0, None if bwrap is None else str(bwrap), int(uid), int(uid_pool))
