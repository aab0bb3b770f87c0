"""Grade one student's notebook for one assignment: one record per graded test cell.

Every failure stays inside this submission: an unreadable file, a missing
notebook or a grader fault becomes records with a status and a message, and
one exercise's hang or crash costs that exercise only.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from .assignment import AssignmentSpec
from .launch import make_sandbox
from .locate import Located
from .program import NotebookUnreadable, read_notebook
from .runner import BatteryVerdict, run_exercise

__all__ = ["grade_notebook_file", "grade_located"]

log = logging.getLogger(__name__)


def _record(spec, located, grade_id, exercise, hidden, verdict: BatteryVerdict, seed) -> dict:
    report = verdict.report
    points = spec.points.get(grade_id, 0.0)
    return {
        "student": located.student,
        "assignment": spec.name,
        "notebook": located.path.name if located.path else f"{spec.name}.ipynb",
        "grade_id": grade_id,
        "function": exercise.name,
        "battery": "hidden" if hidden else "visible",
        "score": round(points * report.fraction, 2),
        "max_score": points,
        "status": report.status,
        "diagnoses": list(report.diagnoses),
        "message": report.message,
        "passed": int(report.passed),
        "total": int(report.total),
        "notes": [n for n in [located.note, *verdict.notes] if n],
        "seed": seed,
        "seconds": round(verdict.seconds, 3),
    }


def _everything(spec, located, seed, status, message) -> list[dict]:
    from course_lib.grading.outcome import Report

    records = []
    for grade_id, exercise, hidden in spec.cells():
        report = Report(exercise=exercise.name, fraction=0.0, status=status, message=message)
        verdict = BatteryVerdict(hidden, report)
        records.append(_record(spec, located, grade_id, exercise, hidden, verdict, seed))
    return records


def grade_located(
    located: Located, spec: AssignmentSpec, *, seed: int, settings
) -> list[dict]:
    """Grade a located submission; never raises for anything the submission does.

    Parameters
    ----------
    located : Located
        Where the notebook was found (``path`` None when missing).
    spec : AssignmentSpec
        The assignment.
    seed : int
        This grading run's hidden-battery seed.
    settings : GraderSettings
        Child limits.

    Returns
    -------
    list of dict
        One record per graded test cell (see ``results.json``).
    """
    if located.path is None:
        message = f"no notebook submitted for {spec.name} ({located.note})."
        return _everything(spec, located, seed, "missing", message)
    try:
        submitted = read_notebook(located.path)
    except NotebookUnreadable as error:
        return _everything(spec, located, seed, "error", f"{error}; nothing could be graded.")
    records = []
    for exercise in spec.exercises:
        started = time.perf_counter()
        try:
            verdicts = run_exercise(
                exercise,
                submitted,
                setup_source=spec.setup_source,
                seed=seed,
                sandbox=make_sandbox(settings),
                settings=settings,
            )
        except Exception as error:  # noqa: BLE001 - a grader fault must not sink the batch
            log.exception("grading %s of %s failed", exercise.name, located.student)
            from course_lib.grading.outcome import Report

            message = f"the grader failed on this exercise ({type(error).__name__}: {error})"
            verdicts = [
                BatteryVerdict(hidden, Report(exercise.name, 0.0, "error", message=message))
                for hidden in (False, True)
            ]
        seconds = time.perf_counter() - started
        for verdict in verdicts:
            verdict.seconds = round(seconds / len(verdicts), 3)
            grade_id = f"{exercise.name}_{'hidden' if verdict.hidden else 'visible'}"
            records.append(
                _record(spec, located, grade_id, exercise, verdict.hidden, verdict, seed)
            )
    return records


def grade_notebook_file(
    path: str | Path, spec: AssignmentSpec, *, seed: int, settings, student: str = "you"
) -> list[dict]:
    """Grade a single notebook file (``course validate``); same records as a batch."""
    located = Located(student, spec.name, Path(path))
    return grade_located(located, spec, seed=seed, settings=settings)
