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
- :func:`validate`: grade a saved notebook file out of process, exactly as
  the instructor's grader does, and print the report (a student's self-check).
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

__all__ = ["Case", "Outcome", "Report", "batteries", "check", "exercises", "validate"]


def validate(notebook, **options):
    """Check a saved notebook with the grader's out-of-process diagnostics.

    Runs each graded function of ``notebook`` in a fresh process, exactly as
    ``course grade`` does, and prints a per-exercise report. Save the
    notebook first: the file is read, not the running kernel. Options are
    those of :func:`course_lib.grader.validate.validate`.

    Returns
    -------
    list of course_lib.grader.records.GradeRecord
        One per graded test cell, as in ``results.json``.
    """
    from course_lib.grader.validate import validate as validate_file

    return validate_file(notebook, **options)
