"""One graded test cell of one student: the :class:`GradeRecord` every output is made of.

The grader makes records; the result files, results.json, grades.csv, the
report, nbgrader's gradebook and feedback, and ``course validate`` all read
them through this class: its JSON form (:meth:`GradeRecord.to_json`,
:meth:`GradeRecord.from_json`), its one-line text (:meth:`GradeRecord.line`)
and the full report shown to the student (:meth:`GradeRecord.report`).
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass

from course_lib.grading.outcome import STATUSES

__all__ = ["FAULT_FOR_STUDENTS", "FLAGGED_STATUSES", "NOTEBOOK_DIAGNOSES", "GradeRecord",
           "RecordError"]


class RecordError(ValueError):
    """A stored record that does not have the fields and types of a :class:`GradeRecord`."""


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise RecordError(f"record field {name} must be a number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class GradeRecord:
    """The verdict on one graded test cell (``convolve_hidden``) of one student's notebook.

    Attributes
    ----------
    student, assignment : str
    notebook : str
        The file that was graded (its name as submitted).
    grade_id : str
        The test cell, ``<function>_visible`` or ``<function>_hidden``.
    function : str
        The graded function.
    battery : {'visible', 'hidden'}
    auto_score : float
        Points earned automatically (nbgrader's ``Grade.auto_score``).
    max_score : float
        The test cell's points.
    status : str
        One of :data:`course_lib.grading.outcome.STATUSES`.
    diagnoses : tuple of str
        Mistake codes (``flipped-kernel``), each counted once.
    message : str
        The explanation for the student.
    passed, total : int
        Cases passed and cases in the battery.
    notes : tuple of str
        How the notebook was read (a renamed file, an added cell, ...).
    seed : int or None
        The hidden battery's seed.
    seconds : float
        Time the function spent on this battery's cases.
    manual_score : float or None
        A grade the instructor entered in formgrader (nbgrader's ``Grade.manual_score``);
        it replaces the automatic one.
    score : float
        The grade that counts, as nbgrader's ``Grade.score`` defines it: ``manual_score``
        where one was given, ``auto_score`` otherwise. Derived, so it cannot disagree;
        results.json stores it beside the two it comes from.
    """

    student: str
    assignment: str
    notebook: str
    grade_id: str
    function: str
    battery: str
    auto_score: float
    max_score: float
    status: str
    diagnoses: tuple[str, ...] = ()
    message: str = ""
    passed: int = 0
    total: int = 0
    notes: tuple[str, ...] = ()
    seed: int | None = None
    seconds: float = 0.0
    manual_score: float | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise RecordError(f"record status must be one of {STATUSES}, got {self.status!r}")
        if self.battery not in ("visible", "hidden"):
            raise RecordError(f"record battery must be 'visible' or 'hidden', got {self.battery!r}")
        object.__setattr__(self, "diagnoses", tuple(dict.fromkeys(self.diagnoses)))
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def score(self) -> float:
        """The grade that counts: the manual one when the instructor set it."""
        return self.auto_score if self.manual_score is None else self.manual_score

    @property
    def graded(self) -> bool:
        """False when the grader itself failed on this cell: its points are no grade (nbgrader's
        gradebook leaves the cell to grade, and the next run grades it again)."""
        return self.status != "ungraded"

    @property
    def flagged(self) -> bool:
        """Whether an instructor should look at this record (limits hit, tampering, ...).

        A function simply not written yet (only ``not-implemented``) is not: it is the
        students' to finish, not something that went wrong.
        """
        if self.diagnoses == ("not-implemented",) and self.status == "error":
            return False
        return self.status in FLAGGED_STATUSES or "tampering" in self.diagnoses

    def replace(self, **changes) -> GradeRecord:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict:
        """The record as JSON-ready data (lists for the tuples), with the grade that counts
        as ``score`` beside ``auto_score`` and ``manual_score``.

        A cell the grader could not grade has no automatic score: ``auto_score`` is null,
        and so is ``score`` unless the instructor set one (as nbgrader's gradebook leaves
        it), so that no one adds up a zero that is not a grade.
        """
        data = dataclasses.asdict(self)
        data["diagnoses"] = list(self.diagnoses)
        data["notes"] = list(self.notes)
        score = self.score
        if not self.graded:
            data["auto_score"], score = None, self.manual_score
        position = list(data).index("auto_score")
        items = list(data.items())
        items.insert(position, ("score", score))
        return dict(items)

    @classmethod
    def from_json(cls, data) -> GradeRecord:
        """Rebuild a record from :meth:`to_json`'s form, checking every field.

        A record written before ``auto_score`` had its own name has only ``score``, which
        was then the automatic score; it is read as such.

        Raises
        ------
        RecordError
            If a field is missing, unknown or of the wrong type, or ``score`` is not the
            grade that ``auto_score`` and ``manual_score`` give.
        """
        if not isinstance(data, dict):
            raise RecordError(f"a record must be a JSON object, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)} | {"score"}
        unknown = set(data) - names
        if unknown:
            raise RecordError(f"unknown record fields: {', '.join(sorted(unknown))}")
        try:
            values = dict(data)
            stated = values.pop("score", None)
            if "auto_score" not in values and stated is not None:
                values["auto_score"], stated = stated, None
            if values.get("status") == "ungraded" and values.get("auto_score") is None:
                values["auto_score"] = 0.0  # no grade (see to_json); nothing to add up
            for name in ("auto_score", "max_score", "seconds"):
                values[name] = _number(values.get(name, 0.0), name)
            if values.get("manual_score") is not None:
                values["manual_score"] = _number(values["manual_score"], "manual_score")
            for name in ("diagnoses", "notes"):
                items = values.get(name, [])
                if not isinstance(items, list | tuple) or not all(
                    isinstance(i, str) for i in items
                ):
                    raise RecordError(f"record field {name} must be a list of strings")
                values[name] = tuple(items)
            record = cls(**values)
        except TypeError as error:
            raise RecordError(f"incomplete record: {error}") from None
        if stated is not None and _number(stated, "score") != record.score:
            raise RecordError(
                f"record score {stated!r} is not the grade that counts ({record.score:g}: "
                "the manual score where one was given, else the automatic one)"
            )
        return record

    def line(self) -> str:
        """The record in one line.

        Examples
        --------
        >>> record = GradeRecord("ann", "01_convolution", "01_convolution.ipynb",
        ...     "convolve_hidden", "convolve", "hidden", 1.5, 3.0, "failed", ("transposed",))
        >>> record.line()
        'convolve (hidden tests): failed, 1.5 / 3 points [transposed]'
        """
        if not self.graded:
            return (f"{self.function} ({self.battery} tests): not graded yet, no score (nothing "
                    "was taken off)")
        text = (
            f"{self.function} ({self.battery} tests): {self.status}, "
            f"{self.score:g} / {self.max_score:g} points"
        )
        if self.manual_score is not None:
            text += f" (set by the instructor; automatic {self.auto_score:g})"
        if self.diagnoses:
            text += f" [{', '.join(self.diagnoses)}]"
        return text

    def report(self) -> str:
        """The full report a student reads: the line, the explanation and the notes.

        For a cell the grader could not grade the explanation is :data:`FAULT_FOR_STUDENTS`:
        what failed (the sandbox, its settings, its paths) is in :attr:`message`, for the
        instructor's outputs, not on the student's page.
        """
        lines = [self.line()]
        if not self.graded:
            lines.append(FAULT_FOR_STUDENTS)
        else:
            lines += [line for line in self.message.splitlines() if line.strip()]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


FAULT_FOR_STUDENTS = (
    "The grader failed before it could run this test. That is not a mistake in your notebook; "
    "your instructor has been told, and it is graded again once the grader is fixed."
)
"""What a student reads in a test cell the grader could not grade."""

FLAGGED_STATUSES = ("timeout", "crashed", "memory", "rejected", "missing", "error", "wrong-file")
"""Statuses an instructor should look at (see :attr:`GradeRecord.flagged`)."""

NOTEBOOK_DIAGNOSES = ("tampering",)
"""Diagnoses about a whole notebook rather than one function (reported on each function)."""

