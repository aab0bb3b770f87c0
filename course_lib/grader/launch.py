"""Start grading children through :mod:`course_lib.sandbox`.

One place knows how a child is started: the argv (``python -m
course_lib.grader.child``), what it may read (the installed course_lib and
Python, never solutions/ or other submissions) and its limits.
"""

from __future__ import annotations

import sys

from .settings import GraderSettings

__all__ = ["CHILD_ARGV", "check_available", "make_sandbox"]

CHILD_ARGV = (sys.executable, "-m", "course_lib.grader.child")
"""The command every grading child runs."""


def check_available() -> None:
    """Raise :class:`course_lib.sandbox.SandboxUnavailable` when bubblewrap cannot be used."""
    from course_lib.sandbox import Sandbox

    Sandbox.check_available()


def make_sandbox(settings: GraderSettings):
    """Return a Sandbox for grading children with ``settings``' limits.

    The sandbox binds the Python installation, course_lib and the data folder
    read-only, and gives every run a fresh private scratch folder; nothing else
    (no solutions/, no gradebook, no other submission) is visible.
    """
    from course_lib.sandbox import Sandbox

    return Sandbox(limits=settings.limits, unsafe=settings.unsafe)
