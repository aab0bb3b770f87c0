"""Grading: the checks test cells call, mistake diagnosis and the loop-only rule.

- :func:`check` (in :mod:`.checks`): run an exercise's battery on a
  student's function, print friendly feedback, return the points earned.
- :mod:`.battery`, :mod:`.batteries`: a test battery as plain data, and where
  it comes from; :mod:`.assess`: judging outcomes against it (shared by the
  in-notebook check and the out-of-process grader); :mod:`.detectors`.
- :mod:`.exercises` (the instructor's side, absent from a student bundle): the
  exercise definitions (``exercises.get("convolve")``) that batteries are
  compiled from.
- :mod:`.calling`: calling a function on a case and keeping only plain data.
- :mod:`.static` and :mod:`.guard`: the loop-only rule, on the source and at
  run time.
- A student's self-check of a saved notebook is the grader's, one layer up:
  ``from course_lib.grader.validate import validate``.
- :mod:`.outcome`: the plain records (:class:`Case`, :class:`Outcome`,
  :class:`Report`) shared with the out-of-process grader.
- :mod:`.hints`: in a notebook, what a ``NameError`` means when the answer
  cell that defines the name is not a code cell.

Examples
--------
>>> from course_lib import grading
>>> grading.batteries.battery("output_size", hidden=False).info.signature
'output_size(image_size, kernel_size)'
"""

from . import batteries, hints
from .checks import check
from .outcome import Case, Outcome, Report

# In a notebook: a test cell failing because its answer cell is not a code cell says so.
hints.install()

try:
    # The exercise definitions, imported with the notebook's setup cell, before any
    # student code runs, so the references they keep are the genuine ones.
    from . import exercises
except ImportError:  # a student bundle: compiled visible batteries only
    exercises = None

__all__ = ["Case", "Outcome", "Report", "batteries", "check", "exercises"]

