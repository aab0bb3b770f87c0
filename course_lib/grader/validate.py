"""Check one notebook file with the same out-of-process diagnostics as grading.

Used by ``course validate NOTEBOOK`` and, from a notebook cell, by
``course_lib.grading.validate("01_convolution.ipynb")``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from pathlib import Path

from .assignment import SOLUTIONS_DIR, available_assignments, load_assignment
from .settings import GraderSettings, load_settings
from .submission import grade_notebook_file

__all__ = [
    "RELEASE_DIR",
    "format_records",
    "self_check_settings",
    "trusted_notebooks",
    "validate",
]

RELEASE_DIR = SOLUTIONS_DIR.parent / "notebooks"
"""The released student notebooks: the trusted cells when solutions/ is not shipped."""

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


def trusted_notebooks() -> Path:
    """Return the folder whose notebooks supply the trusted setup and test cells.

    The master notebooks when this is the instructor's repository; in a
    student bundle (no ``solutions/``) the released notebooks, whose setup
    cells and points are the same.

    Examples
    --------
    >>> trusted_notebooks().name in ("solutions", "notebooks")
    True
    """
    return SOLUTIONS_DIR if SOLUTIONS_DIR.is_dir() else RELEASE_DIR


def self_check_settings(
    settings: GraderSettings | None = None, *, bwrap: str | None = None
) -> tuple[GraderSettings, str | None]:
    """Return settings for checking one's own work, and a note for the student or None.

    Sandboxed when bubblewrap works here; otherwise unsandboxed with a note
    instead of a refusal (a student's own code on their own machine needs
    no protection from itself). ``bwrap`` names the bubblewrap program to
    probe (default: the system's).
    """
    if settings is not None:
        return settings, None
    from course_lib.sandbox import Sandbox, SandboxUnavailable

    settings = load_settings()
    try:
        Sandbox.check_available(bwrap=bwrap)
    except SandboxUnavailable as error:
        note = (
            f"(the sandbox is not available here: {error.reason}; your code ran "
            "unsandboxed, which is fine for checking your own work)"
        )
        return replace(settings, unsafe=True), note
    return settings, None


def validate(
    notebook: str | Path,
    *,
    assignment: str | None = None,
    settings: GraderSettings | None = None,
    show: bool = True,
    solutions: Path | None = None,
) -> list[dict]:
    """Grade one notebook file out of process and print a per-exercise report.

    Parameters
    ----------
    notebook : str or Path
        The ``.ipynb`` file (saved: the file is read, not the running kernel).
    assignment : str, optional
        Which assignment it is; default: guessed from the file name.
    show : bool
        Print the report.
    settings : GraderSettings, optional
        Limits and sandbox choice; by default the configured limits, sandboxed
        when bubblewrap works here and unsandboxed (with a note) otherwise.
    solutions : Path, optional
        Folder of the trusted notebooks; default :func:`trusted_notebooks`.

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
    solutions = Path(solutions) if solutions is not None else trusted_notebooks()
    name = assignment or _assignment_of(path, solutions)
    spec = load_assignment(name, solutions=solutions)
    settings, note = self_check_settings(settings)
    records = grade_notebook_file(path, spec, seed=secrets.randbelow(2**31), settings=settings)
    if show:
        print(format_records(records))
        if note:
            print(note)
    return records
