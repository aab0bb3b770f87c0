"""Check one notebook file with the same out-of-process diagnostics as grading.

Used by ``course validate NOTEBOOK`` and, from a notebook cell, by
``course_lib.grading.validate("01_convolution.ipynb")``.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from .assignment import SOLUTIONS_DIR, available_assignments, load_assignment
from .settings import GraderSettings, load_settings
from .submission import grade_notebook_file

__all__ = ["format_records", "validate"]

_NUMBERED = re.compile(r"^(\d\d_[a-z_]+?)(?:[ _-]*\(\d+\)|[ _-]*copy\d*)?$")


def _assignment_of(path: Path, solutions: Path) -> str:
    known = available_assignments(solutions)
    stem = path.stem.lower().strip()
    match = _NUMBERED.match(stem)
    for candidate in (stem, match.group(1) if match else None, path.parent.name.lower()):
        if candidate in known:
            return candidate
    raise ValueError(
        f"cannot tell which assignment {path.name} is; name it like one of: {', '.join(known)} "
        "or pass assignment="
    )


def format_records(records: list[dict]) -> str:
    """Return a per-exercise text report.

    Examples
    --------
    >>> print(format_records([{"grade_id": "f_visible", "status": "passed", "score": 1.0,
    ...     "max_score": 1.0, "diagnoses": [], "message": "all 3 cases passed", "notes": []}]))
    f_visible: passed (1 / 1)
      all 3 cases passed
    total: 1 / 1
    """
    lines = []
    for record in records:
        lines.append(
            f"{record['grade_id']}: {record['status']} "
            f"({record['score']:g} / {record['max_score']:g})"
        )
        if record.get("diagnoses"):
            lines.append("  diagnosis: " + ", ".join(record["diagnoses"]))
        for text in [record.get("message", ""), *record.get("notes", [])]:
            lines.extend(f"  {line}" for line in str(text).splitlines() if line.strip())
    total = sum(r["score"] for r in records)
    most = sum(r["max_score"] for r in records)
    lines.append(f"total: {total:g} / {most:g}")
    return "\n".join(lines)


def validate(
    notebook: str | Path,
    *,
    assignment: str | None = None,
    settings: GraderSettings | None = None,
    show: bool = True,
    solutions: Path = SOLUTIONS_DIR,
) -> list[dict]:
    """Grade one notebook file out of process and print a per-exercise report.

    Parameters
    ----------
    notebook : str or Path
        The ``.ipynb`` file (saved: the file is read, not the running kernel).
    assignment : str, optional
        Which assignment it is; default: guessed from the file name.
    settings : GraderSettings, optional
        Limits; default from ``autograde/nbgrader_config.py``.
    show : bool
        Print the report.
    solutions : Path
        Folder of the master notebooks.

    Returns
    -------
    list of dict
        One record per graded test cell, as in results.json.

    Raises
    ------
    FileNotFoundError
        If ``notebook`` does not exist.
    ValueError
        If the assignment cannot be determined.
    """
    path = Path(notebook)
    if not path.is_file():
        raise FileNotFoundError(f"notebook {path} does not exist")
    name = assignment or _assignment_of(path, Path(solutions))
    spec = load_assignment(name, solutions=Path(solutions))
    settings = settings or load_settings()
    records = grade_notebook_file(path, spec, seed=secrets.randbelow(2**31), settings=settings)
    if show:
        print(format_records(records))
    return records
