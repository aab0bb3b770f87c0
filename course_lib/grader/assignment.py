"""What the grader needs to know about one assignment, read from its master notebook.

The master (``solutions/<assignment>/<assignment>.ipynb``) is trusted: its
``setup`` cell starts every grading program, and its test cells give the points
of each ``<fn>_visible`` and ``<fn>_hidden`` cell.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .program import read_master_setup

__all__ = ["AssignmentSpec", "SOLUTIONS_DIR", "available_assignments", "load_assignment"]

SOLUTIONS_DIR = Path(__file__).resolve().parents[2] / "solutions"


@dataclass(frozen=True)
class AssignmentSpec:
    """An assignment ready to grade.

    Attributes
    ----------
    name : str
        e.g. ``"01_convolution"``.
    master : Path
        The master notebook.
    setup_source : str
        The master's setup cell.
    exercises : tuple
        ``course_lib.grading`` exercises in notebook order.
    points : dict
        grade_id -> points of every test cell in the master.
    digest : str
        sha256 of the master notebook (part of each result's fingerprint).
    """

    name: str
    master: Path
    setup_source: str
    exercises: tuple
    points: dict
    digest: str

    def cells(self) -> list[tuple[str, object, bool]]:
        """Return ``(grade_id, exercise, hidden)`` for every graded test cell, in order."""
        return [
            (f"{exercise.name}_{'hidden' if hidden else 'visible'}", exercise, hidden)
            for exercise in self.exercises
            for hidden in (False, True)
        ]

    @property
    def max_score(self) -> float:
        """Total points of the graded test cells."""
        return float(sum(self.points.get(grade_id, 0.0) for grade_id, _, _ in self.cells()))


def available_assignments(solutions: Path = SOLUTIONS_DIR) -> list[str]:
    """Return assignments that have a master notebook and graded exercises, sorted."""
    from course_lib.grading import exercises

    names = []
    for folder in sorted(Path(solutions).glob("*/")):
        if (folder / f"{folder.name}.ipynb").is_file():
            try:
                if exercises.for_assignment(folder.name):
                    names.append(folder.name)
            except KeyError:
                continue
    return names


def _test_points(master: Path) -> dict:
    notebook = json.loads(master.read_text(encoding="utf-8"))
    points = {}
    for cell in notebook.get("cells", []):
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if nbgrader.get("grade") and not nbgrader.get("solution") and "grade_id" in nbgrader:
            points[nbgrader["grade_id"]] = float(nbgrader.get("points", 0))
    return points


def load_assignment(name: str, *, solutions: Path = SOLUTIONS_DIR) -> AssignmentSpec:
    """Read ``name``'s master notebook and its exercises.

    Raises
    ------
    ValueError
        If there is no master notebook, or a graded function has no test cells.
    """
    from course_lib.grading import exercises

    master = Path(solutions) / name / f"{name}.ipynb"
    if not master.is_file():
        known = ", ".join(available_assignments(solutions)) or "none"
        raise ValueError(f"unknown assignment {name!r}: no {master}; known: {known}")
    found = tuple(exercises.for_assignment(name))
    points = _test_points(master)
    spec = AssignmentSpec(
        name=name,
        master=master,
        setup_source=read_master_setup(master),
        exercises=found,
        points=points,
        digest=hashlib.sha256(master.read_bytes()).hexdigest(),
    )
    missing = [grade_id for grade_id, _, _ in spec.cells() if grade_id not in points]
    if missing:
        raise ValueError(f"master notebook {master} has no test cells {', '.join(missing)}")
    return spec

