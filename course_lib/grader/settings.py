"""Limits and options of the out-of-process grader, with defaults and config loading.

The limits of one grading child are a :class:`course_lib.sandbox.Limits`; its
``wall_seconds`` is the time limit of one exercise (program plus visible and
hidden batteries). Instructors change them in ``autograde/nbgrader_config.py``
(``c.Sandbox.wall_seconds = 60``, ``c.Sandbox.memory_bytes = 2**31``; the
``CourseGrader`` section is read too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from course_lib.sandbox.limits import Limits, limits_from_config

__all__ = ["GRADER_LIMITS", "GraderSettings", "load_settings"]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO_ROOT / "autograde" / "nbgrader_config.py"

GRADER_LIMITS = Limits(
    cpu_seconds=20, wall_seconds=20.0, memory_bytes=2048 << 20, output_bytes=64 << 20
)
"""Default limits of one grading child: generous for loop-based answers on small inputs,
and room for the returned arrays (frames are binary, on stdout)."""


@dataclass(frozen=True)
class GraderSettings:
    """How grading children are run.

    Attributes
    ----------
    limits : course_lib.sandbox.Limits
        Limits of one child; ``limits.wall_seconds`` is the per-exercise timeout.
    unsafe : bool
        Run children without bubblewrap (resource limits only).

    Examples
    --------
    >>> GraderSettings().timeout
    20.0
    >>> GraderSettings(limits=None)
    Traceback (most recent call last):
    ...
    TypeError: limits must be a course_lib.sandbox.Limits, got None
    """

    limits: Limits = field(default_factory=lambda: GRADER_LIMITS)
    unsafe: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.limits, Limits):
            raise TypeError(f"limits must be a course_lib.sandbox.Limits, got {self.limits!r}")

    @property
    def timeout(self) -> float:
        """Seconds one exercise may take (wall clock)."""
        return float(self.limits.wall_seconds)

    @property
    def memory_mb(self) -> int:
        """Memory limit of one child, in MiB."""
        return self.limits.memory_bytes >> 20


def load_settings(config_file: str | Path | None = None, *, unsafe: bool = False) -> GraderSettings:
    """Return grader settings, reading limits from an nbgrader config file when it exists.

    Parameters
    ----------
    config_file : str or Path, optional
        Defaults to ``autograde/nbgrader_config.py``; a missing file means defaults.
    unsafe : bool
        Run children without bubblewrap.

    Examples
    --------
    >>> load_settings("/nonexistent/nbgrader_config.py").timeout
    20.0
    """
    path = Path(config_file) if config_file is not None else DEFAULT_CONFIG
    limits = GRADER_LIMITS
    if path.is_file():
        limits = limits_from_config(path, base=GRADER_LIMITS)
    return GraderSettings(limits=limits, unsafe=unsafe)
