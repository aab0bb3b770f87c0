"""Assemble the batch outputs from the per-submission records: results.json and grades.csv."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections import defaultdict
from pathlib import Path

from .store import write_json_atomic

__all__ = ["grade_table", "write_grades_csv", "write_results_json"]


def write_results_json(path: Path, records: list[dict], *, run: dict) -> None:
    """Write every record plus the run's description (seed, limits, assignments)."""
    write_json_atomic(Path(path), {"run": run, "records": records})


def grade_table(records: list[dict], assignments: list[str]) -> list[dict]:
    """Return one row per student: score per assignment and the total.

    Examples
    --------
    >>> rows = grade_table([{"student": "a", "assignment": "01", "score": 1.5},
    ...                     {"student": "a", "assignment": "01", "score": 2.0}], ["01"])
    >>> rows
    [{'student': 'a', '01': 3.5, 'total': 3.5}]
    """
    scores: dict = defaultdict(lambda: defaultdict(float))
    for record in records:
        scores[record["student"]][record["assignment"]] += float(record["score"])
    rows = []
    for student in sorted(scores):
        row = {"student": student}
        row.update({a: round(scores[student].get(a, 0.0), 2) for a in assignments})
        row["total"] = round(sum(row[a] for a in assignments), 2)
        rows.append(row)
    return rows


def write_grades_csv(path: Path, records: list[dict], assignments: list[str]) -> None:
    """Write grades.csv (student, one column per assignment, total) atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["student", *assignments, "total"])
    writer.writeheader()
    writer.writerows(grade_table(records, assignments))
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
        stream.write(buffer.getvalue())
    os.replace(temporary, path)
