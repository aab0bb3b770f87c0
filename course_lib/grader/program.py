"""Read a submitted notebook as JSON and build the program graded for one exercise.

Nothing here runs student code: the submitted file is parsed as JSON, its cells
are matched by nbgrader ``grade_id`` (so deleted, duplicated or reordered cells
are handled), and the program is the MASTER notebook's trusted ``setup`` cell
followed by every ``*_answer`` cell of the submission in notebook order, so
later definitions win exactly as when the student runs the notebook top to
bottom.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "NotebookUnreadable",
    "SubmittedNotebook",
    "cell_source",
    "read_master_setup",
    "read_notebook",
]


class NotebookUnreadable(ValueError):
    """A submitted file that cannot be read as a notebook (empty, not JSON, no cells)."""


def cell_source(cell: dict) -> str:
    """Return a cell's source as one string (nbformat allows a list of lines).

    Examples
    --------
    >>> cell_source({"source": ["a = 1\\n", "b = 2"]})
    'a = 1\\nb = 2'
    """
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(str(line) for line in source)
    return str(source)


def _grade_id(cell: dict) -> str | None:
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        return None
    nbgrader = metadata.get("nbgrader")
    if not isinstance(nbgrader, dict):
        return None
    grade_id = nbgrader.get("grade_id")
    return grade_id if isinstance(grade_id, str) else None


def _to_python(source: str) -> str:
    """Turn IPython syntax (``%magic``, ``!shell``) into plain Python calls."""
    if "%" not in source and "!" not in source:
        return source
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - leave odd syntax for the child to report
        return source


def _defines(source: str, name: str) -> bool:
    try:
        tree = ast.parse(_to_python(source))
    except SyntaxError:
        return f"def {name}(" in source
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name
        for node in ast.walk(tree)
    )


@dataclass
class SubmittedNotebook:
    """The code cells of a submission that matter for grading.

    Attributes
    ----------
    answers : list of (str, str)
        ``(grade_id, source)`` of every ``*_answer`` code cell, in notebook order
        (duplicates kept).
    other_code : list of str
        Sources of code cells without an answer grade_id (used only to find a
        function whose answer cell lost its metadata).
    """

    answers: list[tuple[str, str]] = field(default_factory=list)
    other_code: list[str] = field(default_factory=list)

    def program_cells(self, function: str) -> tuple[list[tuple[str, str]], list[str]]:
        """Return the answer cells to run for ``function`` and notes for the student.

        When no answer cell defines ``function`` (cell deleted or its metadata
        edited), a plain code cell that defines it is used instead, with a note.

        Examples
        --------
        >>> nb = SubmittedNotebook(answers=[("f_answer", "def f(x):\\n    return x")])
        >>> nb.program_cells("f")
        ([('f_answer', 'def f(x):\\n    return x')], [])
        >>> SubmittedNotebook(other_code=["def g():\\n    pass"]).program_cells("g")[1]
        ['no cell with grade_id g_answer: graded the code cell that defines g instead']
        """
        cells = [(grade_id, _to_python(source)) for grade_id, source in self.answers]
        notes: list[str] = []
        if not any(_defines(source, function) for _, source in cells):
            found = [source for source in self.other_code if _defines(source, function)]
            if found:
                cells.append((f"{function}_found", _to_python(found[-1])))
                notes.append(
                    f"no cell with grade_id {function}_answer: graded the code cell that "
                    f"defines {function} instead"
                )
        return cells, notes

    def has_answer(self, function: str) -> bool:
        """Whether some cell of the submission defines ``function``."""
        return any(_defines(s, function) for _, s in self.answers) or any(
            _defines(s, function) for s in self.other_code
        )

    @property
    def answer_source(self) -> str:
        """All answer cells joined, as given to the static loop-only rule."""
        return "\n\n".join(_to_python(source) for _, source in self.answers)


def _load_json(path: Path) -> dict:
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise NotebookUnreadable(f"cannot read {Path(path).name}: {error.strerror}") from None
    if not raw.strip():
        raise NotebookUnreadable(f"{Path(path).name} is empty (0 bytes of notebook JSON)")
    try:
        notebook = json.loads(raw.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as error:
        raise NotebookUnreadable(
            f"{Path(path).name} is not valid notebook JSON (line {error.lineno}, "
            f"column {error.colno}: {error.msg}); was it edited outside Jupyter?"
        ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookUnreadable(f"{Path(path).name} is JSON but not a notebook (no cell list)")
    return notebook


def read_notebook(path: str | Path) -> SubmittedNotebook:
    """Parse a submitted ``.ipynb`` file without running anything.

    Parameters
    ----------
    path : str or Path
        The submitted file.

    Returns
    -------
    SubmittedNotebook

    Raises
    ------
    NotebookUnreadable
        If the file is empty, is not JSON, or has no list of cells.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> cell = {"cell_type": "code", "source": "def f(x):\\n    return x",
    ...         "metadata": {"nbgrader": {"grade_id": "f_answer"}}}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "nb.ipynb"
    >>> _ = path.write_text(json.dumps({"cells": [cell]}))
    >>> read_notebook(path).answers
    [('f_answer', 'def f(x):\\n    return x')]
    """
    notebook = _load_json(Path(path))
    submitted = SubmittedNotebook()
    for cell in notebook["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        grade_id = _grade_id(cell)
        source = cell_source(cell)
        if grade_id is not None and grade_id.endswith("_answer"):
            submitted.answers.append((grade_id, source))
        elif grade_id is None:
            submitted.other_code.append(source)
    return submitted


def read_master_setup(master: str | Path) -> str:
    """Return the source of the master notebook's ``setup`` cell (trusted).

    Raises
    ------
    ValueError
        If the master notebook has no code cell with grade_id ``setup``.
    """
    notebook = _load_json(Path(master))
    for cell in notebook["cells"]:
        is_code = isinstance(cell, dict) and cell.get("cell_type") == "code"
        if is_code and _grade_id(cell) == "setup":
            return cell_source(cell)
    raise ValueError(f"master notebook {master} has no code cell with grade_id 'setup'")
