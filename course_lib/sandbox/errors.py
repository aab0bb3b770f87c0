"""The error raised when code cannot be sandboxed on this machine."""

from __future__ import annotations

__all__ = ["SandboxUnavailable"]


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create the namespaces it needs.

    Parameters
    ----------
    reason : str
        What went wrong, e.g. the error bubblewrap printed.
    how_to_fix : str
        What an administrator can do about it.

    Examples
    --------
    >>> error = SandboxUnavailable("bwrap not found", "apt-get install bubblewrap")
    >>> error.reason
    'bwrap not found'
    >>> print(error)
    cannot sandbox student code: bwrap not found
    To fix: apt-get install bubblewrap
    """

    def __init__(self, reason: str, how_to_fix: str) -> None:
        self.reason = reason
        self.how_to_fix = how_to_fix
        super().__init__(f"cannot sandbox student code: {reason}\nTo fix: {how_to_fix}")


UNSAFE_REFUSAL = (
    "Grading runs students' code. Without the sandbox a submission could read the "
    "solutions, the gradebook and other students' work, use the network, and act with "
    "your rights. Fix the problem above, or pass --unsafe to grade anyway with resource "
    "limits only (for example on a throw-away machine or container)."
)
"""Text for a grading command that refuses to run without the sandbox."""
