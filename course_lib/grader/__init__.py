"""The out-of-process grader: authoritative scores computed outside the student's process.

For each graded function, a program made of the master notebook's setup cell
and the submission's answer cells runs in a fresh sandboxed child; only plain
outputs come back (raw bytes), and the verdict is made here with
``exercise.assess``. :func:`grade_class` grades a whole class and feeds
nbgrader's gradebook and feedback; :func:`validate` checks one notebook.
See ``docs/grading.md``.
"""

from .batch import BatchResult, grade_class
from .settings import GraderSettings, load_settings
from .validate import validate

__all__ = ["BatchResult", "GraderSettings", "grade_class", "load_settings", "validate"]
