"""Grade one student's notebook for one assignment: one record per graded test cell.

Every failure stays inside this submission: an unreadable file, a missing
notebook or a grader fault becomes records with a status and a message, and
one function's hang or crash costs that function only.
"""

from __future__ import annotations

import logging
from pathlib import Path

from course_lib.assignments import Assignment, available_assignments, load_assignment
from course_lib.config import LoadedCourse
from course_lib.grading.battery import seed_or_default
from course_lib.grading.outcome import Report
from course_lib.sandbox.forkserver import ForkServerError

from .locate import Located
from .processes import GradingProcesses, GradingStopped, preload_modules, shared_processes
from .program import NotebookUnreadable, load_notebook, read_notebook, submitted_notebook
from .records import GradeRecord
from .restore import restore
from .runner import BatteryVerdict, run_function

__all__ = [
    "battery_seed",
    "cell_ids",
    "fault_message",
    "grade_located",
    "grade_notebook_bytes",
    "records_for_all",
    "wrong_assignment",
]

log = logging.getLogger(__name__)

NOT_GRADED = "not graded"
"""How the message of a cell the grader could not grade begins."""


def _record(assignment: Assignment, located: Located, cell, seed, verdict: BatteryVerdict,
            restored=()):
    report = verdict.report
    return GradeRecord(
        student=located.student,
        assignment=assignment.name,
        notebook=located.path.name if located.path else f"{assignment.name}.ipynb",
        grade_id=cell.grade_id,
        function=cell.function,
        battery=cell.battery,
        auto_score=round(cell.points * report.fraction, 2),
        max_score=cell.points,
        status=report.status,
        diagnoses=tuple(report.diagnoses),
        message=report.message,
        passed=int(report.passed),
        total=int(report.total),
        notes=tuple(n for n in [located.note, *restored, *verdict.notes] if n),
        seed=seed,
        seconds=round(verdict.seconds, 3),
    )


def records_for_all(
    assignment: Assignment, located: Located, seed, status: str, message: str, *, cells=None
) -> list[GradeRecord]:
    """The same verdict for every test cell (nothing submitted, unreadable, grader fault)."""
    return [
        _record(assignment, located, cell, seed,
                BatteryVerdict(cell.hidden, Report(cell.function, 0.0, status, message=message)))
        for cell in (assignment.test_cells if cells is None else cells)
    ]


def wrong_assignment(submitted, assignment: Assignment, others: dict) -> str | None:
    """The assignment a notebook really belongs to, when its cells are another's.

    Parameters
    ----------
    submitted : SubmittedNotebook
    assignment : Assignment
        The assignment it was handed in as.
    others : dict
        Assignment name -> the grade ids of its trusted notebook.

    Returns
    -------
    str or None
        The other assignment, or None when the notebook is this one's (or
        has no nbgrader cell ids at all, so nothing can be told).
    """
    present = submitted.grade_ids

    def share(ids) -> float:
        return len(present & set(ids)) / len(ids) if ids else 0.0

    mine = share(assignment.cell_ids)
    if not present or mine >= 0.5:
        return None
    rivals = {name: share(ids) for name, ids in others.items() if name != assignment.name}
    best = max(rivals, key=rivals.get, default=None)
    return best if best is not None and rivals[best] > mine else None


def grade_located(
    located: Located,
    assignment: Assignment,
    *,
    seed: int,
    sandbox,
    hidden: bool = True,
    others: dict | None = None,
    processes=None,
    batteries=None,
    raw: bytes | None = None,
) -> list[GradeRecord]:
    """Grade a located submission; never raises for anything the submission does.

    Parameters
    ----------
    located : Located
        Where the notebook was found (``path`` None when missing).
    assignment : Assignment
        The assignment, read from its trusted notebook.
    seed : int
        The hidden battery's seed.
    sandbox : course_lib.sandbox.Sandbox
        Where each function's child runs, with its limits.
    hidden : bool
        Grade the hidden test cells too (a student bundle has only the visible ones).
    others : dict, optional
        Other assignments' grade ids, to recognise a notebook handed in as the
        wrong assignment (see :func:`wrong_assignment`).
    processes : course_lib.grader.processes.GradingProcesses, optional
        The fork servers to run children in (a batch shares them); by default
        one is started for this submission and stopped afterwards.
    batteries : mapping, optional
        ``(function, hidden) -> Battery``; by default the course's batteries.
    raw : bytes, optional
        The notebook, when it does not come from a file here (a cluster worker, plain
        nbgrader); ``located.path`` then only names it.

    Returns
    -------
    list of GradeRecord
        One per graded test cell (visible ones only when ``hidden`` is False),
        in the trusted notebook's order.
    """
    cells = [c for c in assignment.test_cells if hidden or not c.hidden]
    if located.path is None:
        message = f"no notebook submitted for {assignment.name} ({located.note})."
        return records_for_all(assignment, located, seed, "not-submitted", message, cells=cells)
    try:
        if raw is None:
            data = read_notebook(located.path)
        else:
            data = load_notebook(raw, name=located.path.name)
    except NotebookUnreadable as error:
        return records_for_all(
            assignment, located, seed, "error", f"{error}; nothing was graded.", cells=cells
        )
    actual = wrong_assignment(submitted_notebook(data), assignment, others or {})
    if actual is not None:
        message = (
            f"this is a {actual} notebook (its cells are those of {actual}), handed in as "
            f"{assignment.name}: nothing was graded. Hand in your {assignment.name} notebook."
        )
        return records_for_all(assignment, located, seed, "wrong-file", message, cells=cells)
    data, restored = restore(data, assignment.released)
    submitted = submitted_notebook(data)
    if processes is None:
        with GradingProcesses(sandbox, preload=preload_modules([assignment.setup_source])) as own:
            return grade_located(located, assignment, seed=seed, sandbox=sandbox, hidden=hidden,
                                 others=others, processes=own, batteries=batteries, raw=raw)
    verdicts: dict[tuple[str, bool], BatteryVerdict] = {}
    for function in assignment.functions:
        try:
            found = run_function(function, submitted, assignment=assignment, seed=seed,
                                 processes=processes, hidden=hidden, batteries=batteries)
        except GradingStopped:
            raise  # Ctrl-C: no verdict, and no fault to report
        except Exception as error:  # noqa: BLE001 - a grader fault must not sink the batch
            if isinstance(error, ForkServerError):
                log.error("grading %s of %s failed: %s", function, located.student, error)
            else:
                log.exception("grading %s of %s failed", function, located.student)
            message = fault_message(error, function=function)
            found = [BatteryVerdict(is_hidden, Report(function, 0.0, "ungraded", message=message))
                     for is_hidden in (False, True)]
        for verdict in found:
            verdicts[(function, verdict.hidden)] = verdict
    return [
        _record(assignment, located, cell, seed, verdicts[(cell.function, cell.hidden)], restored)
        for cell in cells
    ]


def cell_ids(course: LoadedCourse) -> dict:
    """Every assignment's grade ids, to recognise a notebook handed in as the wrong one."""
    return {name: load_assignment(name, course=course).cell_ids
            for name in available_assignments(course)}


def fault_message(error: BaseException, *, function: str | None = None) -> str:
    """What the record of a cell the grader could not grade says: the error, and that no point
    was taken (for the instructor's outputs; students read ``records.FAULT_FOR_STUDENTS``)."""
    not_run = f", so {function} was not run" if function else ""
    return (f"{NOT_GRADED}: the grader itself failed ({type(error).__name__}: {error}){not_run}. "
            "This is not a mistake in the notebook and no points were taken: it is graded again "
            "once the grader is fixed.")


def battery_seed(assignment: Assignment, override: int | None = None) -> int:
    """The hidden battery's seed: the one released with the assignment, unless overridden."""
    if override is not None:
        return int(override)
    return seed_or_default(assignment.battery_seed)


def grade_notebook_bytes(
    raw: bytes, *, assignment: str, student: str, course: LoadedCourse, seed: int | None = None
) -> list[GradeRecord]:
    """Grade one notebook given as bytes, in the configured sandbox (plain nbgrader's route).

    The sandbox's zygotes are kept for the next notebook this process grades
    (:func:`~.processes.shared_processes`): nbgrader autogrades a class one notebook at a time.
    """
    spec = load_assignment(assignment, course=course)
    located = Located(student, assignment, Path(f"{assignment}.ipynb"))
    sandbox = course.sandbox()
    processes = shared_processes(sandbox.settings(), preload_modules([spec.setup_source]))
    return grade_located(located, spec, seed=battery_seed(spec, seed), sandbox=sandbox,
                         others=cell_ids(course), raw=raw, processes=processes)
