"""Plain-data records shared by the in-notebook checks and the out-of-process grader.

A graded function is called on a list of :class:`Case` objects. Each call is
summarised as an :class:`Outcome` that holds only plain data (a plain
``numpy.ndarray`` or a Python scalar/tuple, never the student's own objects),
so the same judging code works whether the call ran in the student's kernel
(visible checks) or in a separate, sandboxed process whose results came back
as raw bytes (authoritative grading). Judging a list of outcomes gives a
:class:`Report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["STATUSES", "Case", "Outcome", "Report", "describe_value"]

STATUSES = ("passed", "failed", "error", "timeout", "crashed", "memory", "rejected", "missing",
            "not-submitted", "wrong-file", "ungraded")
"""Every status a graded exercise can end with (see :class:`Report`): ``missing`` means the
notebook has no definition of the function, ``not-submitted`` that there is no notebook,
``wrong-file`` that the notebook is another assignment's, ``ungraded`` that the grader
itself failed (no verdict, so no grade: the cell waits to be graded again)."""


@dataclass(frozen=True)
class Case:
    """One call of a graded function: positional and keyword arguments, a label, a group.

    Arguments are numpy arrays or plain Python values (ints, floats, tuples),
    so a case can be sent to another process. ``group`` names the property
    the case tests (``"non-square images"``).
    """

    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = ""
    group: str = ""


@dataclass
class Outcome:
    """What one call produced, reduced to plain data.

    Attributes
    ----------
    value : numpy.ndarray or int or float or tuple or None
        The result as a plain ndarray (a copy of the data, never a subclass)
        when the function returned something array-like, a plain Python value
        for scalar results, or None.
    kind : str
        What the function really returned: 'ndarray', 'subclass', 'list',
        'tuple', 'scalar', 'none' or 'other'.
    type_name : str
        The returned object's type name, for messages.
    error : str or None
        ``"ExceptionType: message"`` when the call raised.
    inputs_after : tuple
        The array arguments as they were after the call (to detect mutation).
    output : str
        What the call printed (truncated).
    seconds : float
        Wall time of the call.
    shares_input : bool
        The returned array is (a view of) one of the arguments, not a new array.
    """

    value: Any = None
    kind: str = "none"
    type_name: str = "NoneType"
    error: str | None = None
    inputs_after: tuple = ()
    output: str = ""
    seconds: float = 0.0
    shares_input: bool = False


@dataclass
class Report:
    """The verdict on one graded function over a battery of cases.

    Attributes
    ----------
    exercise : str
        The graded function's name, e.g. ``"convolve"``.
    fraction : float
        Earned share of the points, 0.0 to 1.0.
    status : str
        One of :data:`STATUSES`.
    diagnoses : list of str
        Stable mistake codes such as ``"flipped-kernel"``.
    message : str
        Plain-language explanation for the student, with a small failing
        input when there is one. Never contains hidden test code.
    passed, total : int
        Cases passed and cases run.
    groups_passed, groups_total : int
        Groups of cases (each testing one property) passed, and in the battery;
        the fraction is their share.
    examples : dict
        Diagnosis code -> index of the case shown as its example.
    """

    exercise: str
    fraction: float
    status: str
    diagnoses: list[str] = field(default_factory=list)
    message: str = ""
    passed: int = 0
    total: int = 0
    groups_passed: int = 0
    groups_total: int = 0
    examples: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; choose one of {STATUSES}")
        self.fraction = float(min(max(self.fraction, 0.0), 1.0))


def describe_value(value) -> str:
    """Return a short, safe description of a value for feedback messages.

    Examples
    --------
    >>> describe_value(np.zeros((2, 3)))
    'float64 array of shape (2, 3)'
    >>> describe_value(None)
    'None'
    """
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    if value is None:
        return "None"
    return f"{type(value).__name__} {value!r}"[:200]
