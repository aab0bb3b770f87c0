"""Find each student's notebook in an nbgrader-style submitted tree.

``SUBMITTED/<student>/<assignment>/<assignment>.ipynb`` is the expected place.
Students rename files by accident (``01_convolution (1).ipynb``,
``01_Convolution.ipynb``, ``Copy of 01_convolution.ipynb``) or put the folder
in the wrong case; such files are still found and graded, with a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Located", "find_students", "locate"]

_DECORATIONS = re.compile(r"(^copy of |[ _-]*\(\d+\)$|[ _-]*copy\d*$|[ _-]*-checkpoint$)")


@dataclass(frozen=True)
class Located:
    """Where a student's notebook for one assignment was found.

    ``path`` is None when nothing was found; ``note`` explains any guess;
    ``folder`` is the student's folder for the assignment (where nbgrader's
    exchange leaves the submission's timestamp), when there is one.
    """

    student: str
    assignment: str
    path: Path | None
    note: str = ""
    folder: Path | None = None


def _normalise(name: str) -> str:
    stem = name.lower().strip()
    previous = None
    while previous != stem:
        previous = stem
        stem = _DECORATIONS.sub("", stem).strip()
    return stem.replace(" ", "_")


def _visible_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def find_students(submitted: Path) -> list[str]:
    """Return the student ids (sub-folders) of a submitted tree, sorted.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("bob", "alice", ".cache"):
    ...     (root / name).mkdir()
    >>> find_students(root)
    ['alice', 'bob']
    """
    return [p.name for p in _visible_dirs(Path(submitted))]


def locate(submitted: Path, student: str, assignment: str) -> Located:
    """Find ``student``'s notebook for ``assignment``, tolerating renamed files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> folder = root / "ann" / "01_convolution"
    >>> folder.mkdir(parents=True)
    >>> _ = (folder / "01_Convolution (1).ipynb").write_text("{}")
    >>> found = locate(root, "ann", "01_convolution")
    >>> found.note
    "graded '01_Convolution (1).ipynb' (expected '01_convolution.ipynb')"
    >>> locate(root, "ann", "02_padding").note
    'no folder 02_padding in the submission'
    """
    expected = f"{assignment}.ipynb"
    student_dir = Path(submitted) / student
    folders = [p for p in _visible_dirs(student_dir) if p.name.lower() == assignment.lower()]
    if not folders:
        return Located(student, assignment, None, f"no folder {assignment} in the submission")
    exact = [p for p in folders if p.name == assignment]
    folder = (exact or folders)[0]
    notebooks = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    for candidate in notebooks:
        if candidate.parent == folder and candidate.name == expected:
            return Located(student, assignment, candidate, folder=folder)
    matching = [p for p in notebooks if _normalise(p.stem) == assignment.lower()]
    chosen = matching or (notebooks if len(notebooks) == 1 else [])
    if not chosen:
        if not notebooks:
            return Located(student, assignment, None,
                           f"the folder {folder.name} holds no notebook", folder)
        names = ", ".join(p.name for p in notebooks)
        return Located(student, assignment, None,
                       f"no {expected} in the folder {folder.name}, only {names}", folder)
    picked = max(chosen, key=lambda p: (p.stat().st_mtime, p.name))
    note = f"graded {str(picked.relative_to(folder))!r} (expected {expected!r})"
    if folder.name != assignment:
        note += f" in folder {folder.name!r}"
    return Located(student, assignment, picked, note, folder)
