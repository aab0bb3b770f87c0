"""Read a submitted notebook and build, for each test cell, the program Run All would run.

For a test cell, the graded program is what a fresh kernel running the notebook
from the top would have defined when that cell runs: the student's code in every
code cell above it, never the test cells, with the trusted setup cell in the
setup cell's place. Only the top-level statements the graded function depends on
are kept (a *slice*, with name scopes from :mod:`symtable`), in notebook order,
so a later definition wins as in Run All; docs/grading.md ("What is graded")
says what a slice can and cannot reproduce.

Nothing here runs student code: the file is parsed with :mod:`nbformat` (any
nbformat 4.x, and nbformat 3, which is upgraded) and :mod:`ast`.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
import symtable
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.assignments import cell_nbgrader, cell_source

__all__ = [
    "NotebookUnreadable",
    "Program",
    "SubmittedNotebook",
    "load_notebook",
    "read_notebook",
    "submitted_notebook",
]

_CELL_MAGIC = re.compile(r"^\s*%%(\w+)[^\n]*\n?")
_PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun", "debug")
"""Cell magics whose body is ordinary Python that Run All executes."""


class NotebookUnreadable(ValueError):
    """A submitted file that cannot be read as a notebook (empty, not JSON, no cells)."""


def _to_python(source: str) -> str | None:
    """Plain Python for a cell, as IPython runs it (``%magic``, ``!shell`` and ``np.zeros?``
    turned into calls by IPython's own transformer, a ``%%time`` cell's body); None for a
    cell that is not Python. Source that already parses is left as it is, as IPython does.
    """
    magic = _CELL_MAGIC.match(source)
    if magic:
        if magic.group(1) not in _PYTHON_CELL_MAGICS:
            return None
        source = source[magic.end():]
    try:
        ast.parse(source)
    except SyntaxError:
        pass
    else:
        return source
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - odd syntax stays as it is; parsing will say
        return source


def _global_reads(table: symtable.SymbolTable, *, top: bool) -> set[str]:
    names = set()
    for symbol in table.get_symbols():
        if not symbol.is_referenced():
            continue
        if top or symbol.is_global():
            names.add(symbol.get_name())
    for child in table.get_children():
        names |= _global_reads(child, top=False)
    return names


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


@dataclass(frozen=True)
class Statement:
    """One top-level statement of a cell and the global names it binds, reads and changes."""

    cell: int
    source: str
    binds: frozenset
    reads: frozenset
    changes: frozenset
    imports: bool
    line: int = 1
    """The statement's first line in its cell (a decorator's, if it has one)."""


def _statements(cell: int, source: str) -> list[Statement]:
    tree = ast.parse(source)
    found = []
    for node in tree.body:
        text = ast.get_source_segment(source, node) or ast.unparse(node)
        try:
            table = symtable.symtable(ast.unparse(node), f"<cell {cell}>", "exec")
        except SyntaxError:
            continue
        binds = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
        changed = []  # what the statement may change in place: K[0] = 1, K.append(2)
        if isinstance(node, ast.Assign):
            changed = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            changed = [node.target]
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            changed = [node.value.func] if isinstance(node.value.func, ast.Attribute) else []
        changes = {_root_name(t) for t in changed if isinstance(t, ast.Attribute | ast.Subscript)}
        changes.discard(None)
        found.append(
            Statement(
                cell=cell,
                source=text,
                binds=frozenset(binds),
                reads=frozenset(_global_reads(table, top=True)),
                changes=frozenset(changes),
                imports=isinstance(node, ast.Import | ast.ImportFrom),
                line=min([node.lineno, *(d.lineno for d in
                                          getattr(node, "decorator_list", ()))]),
            )
        )
    return found


def _on_their_lines(statements: list[Statement]) -> str:
    """The kept statements of one cell, each on the line it has in the cell, so that
    tracebacks and the static checks name the lines the student sees."""
    lines: list[str] = []
    for statement in statements:
        if len(lines) < statement.line - 1:
            lines += [""] * (statement.line - 1 - len(lines))
        lines += statement.source.split("\n")
    return "\n".join(lines)


@dataclass(frozen=True)
class Program:
    """The code a grading child runs for one test cell: labelled chunks, in order.

    Attributes
    ----------
    chunks : tuple of (str, str)
        ``(label, source)``: the trusted setup cell, then the kept statements
        of each cell (``"cell 12"``), in notebook order.
    notes : tuple of str
        What the student should know about how the notebook was read.
    defines : frozenset of str
        The names the student's kept statements bind.
    """

    chunks: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = ()
    defines: frozenset = frozenset()

    @property
    def student_cells(self) -> tuple[tuple[str, str], ...]:
        """The student's kept code, cell by cell (for the static checks, which name cells)."""
        return tuple(chunk for chunk in self.chunks if chunk[0] != "setup")


@dataclass
class _Cell:
    index: int
    grade_id: str | None
    source: str
    python: str | None


@dataclass
class SubmittedNotebook:
    """The code cells of a submission, in notebook order.

    Attributes
    ----------
    cells : list
        Every code cell: its position, nbgrader grade id (or None) and source.
    """

    cells: list = field(default_factory=list)

    @property
    def grade_ids(self) -> set[str]:
        """The nbgrader grade ids present in the submission."""
        return {c.grade_id for c in self.cells if c.grade_id}

    def student_code(self, test_ids) -> str:
        """Every code cell but the setup and test cells, as Python (for the tampering scan)."""
        return "\n\n".join(
            c.python for c in self.cells
            if c.python is not None and c.grade_id != "setup" and c.grade_id not in test_ids
        )

    def answer_cell_definitions(self, function: str) -> list[str]:
        """The names the cell(s) with grade id ``<function>_answer`` define with ``def``."""
        names = []
        for cell in self.cells:
            if cell.grade_id == f"{function}_answer" and cell.python is not None:
                try:
                    tree = ast.parse(cell.python)
                except SyntaxError:
                    continue
                names += [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
        return names

    def position(self, test_grade_id: str, function: str) -> tuple[int, str | None]:
        """Where test cell ``test_grade_id`` is (a cell index), and a note if it is missing."""
        for cell in self.cells:
            if cell.grade_id == test_grade_id:
                return cell.index, None
        answers = [c.index for c in self.cells if c.grade_id == f"{function}_answer"]
        if answers:
            return answers[-1] + 1, (
                f"the test cell {test_grade_id} is missing: graded with everything down to the "
                f"cell with grade_id {function}_answer"
            )
        return max((c.index for c in self.cells), default=0) + 1, (
            f"the test cell {test_grade_id} is missing: graded with the whole notebook"
        )

    def program(
        self,
        test_grade_id: str,
        *,
        function: str,
        setup_source: str,
        test_ids,
    ) -> Program:
        """The program Run All would have run when test cell ``test_grade_id`` runs.

        Parameters
        ----------
        test_grade_id : str
            The test cell, e.g. ``"convolve_visible"``.
        function : str
            The graded function.
        setup_source : str
            The trusted setup cell, which replaces the submission's.
        test_ids : collection of str
            Every test cell's grade id (their code is never part of a program).
        """
        position, note = self.position(test_grade_id, function)
        notes = [note] if note else []
        above = [c for c in self.cells if c.index < position and c.grade_id not in test_ids]
        statements: list[Statement] = []
        for cell in above:
            if cell.grade_id == "setup" or cell.python is None:
                continue
            try:
                statements += _statements(cell.index, cell.python)
            except SyntaxError as error:
                notes.append(f"cell {cell.index + 1} is not valid Python ({error.msg}, line "
                             f"{error.lineno}): as in Run All, it defines nothing")
        provided = {name for s in _statements(-1, setup_source) for name in s.binds}
        by_cell: dict[int, list[Statement]] = {}
        kept = _slice(statements, function, modules=provided)
        for statement in kept:
            by_cell.setdefault(statement.cell, []).append(statement)
        chunks: list[tuple[str, str]] = []
        if not any(c.grade_id == "setup" for c in above):
            chunks.append(("setup", setup_source))
        for cell in above:
            if cell.grade_id == "setup":
                chunks.append(("setup", setup_source))
            elif cell.index in by_cell:
                chunks.append((f"cell {cell.index + 1}", _on_their_lines(by_cell[cell.index])))
        defines = frozenset(name for statement in kept for name in statement.binds)
        notes += self._defined_below(position, kept, provided | defines, test_ids)
        return Program(tuple(chunks), tuple(notes), defines)

    def _defined_below(self, position: int, kept, bound, test_ids) -> list[str]:
        """Notes for names the kept code reads that only a cell below the test defines."""
        unbound = {n for s in kept for n in s.reads} - bound - set(dir(builtins))
        notes = []
        for cell in self.cells:
            if not unbound or cell.index < position or cell.python is None:
                continue
            if cell.grade_id in test_ids or cell.grade_id == "setup":
                continue
            try:
                below = {n for s in _statements(cell.index, cell.python) for n in s.binds}
            except SyntaxError:
                continue
            for name in sorted(unbound & below):
                notes.append(f"{name} is defined in cell {cell.index + 1}, below this test "
                             f"cell: Run All has not run that cell when the test runs. Move "
                             f"it above the test")
            unbound -= below
        return notes


def _slice(statements: list[Statement], function: str, *, modules=()) -> list[Statement]:
    """The statements the function depends on, in their order.

    Starting from ``function``, a statement that binds a needed name is kept and the
    global names it reads become needed; so is one that changes a needed value in place
    (``K[0] = 1``, ``K.append(2)``), except through ``modules``, the names bound to
    modules (calling ``np.random.seed`` changes no value the function reads).
    """
    modules = set(modules)
    for statement in statements:
        if statement.imports:
            modules |= statement.binds
    needed = {function}
    kept: set[int] = set()
    grew = True
    while grew:
        grew = False
        for number, statement in enumerate(statements):
            if number in kept:
                continue
            changes = statement.changes - modules
            if statement.binds & needed or changes & needed:
                kept.add(number)
                needed |= statement.reads
                grew = True
    return [s for n, s in enumerate(statements) if n in kept]


def _grade_id(cell: dict) -> str | None:
    grade_id = (cell_nbgrader(cell) or {}).get("grade_id")
    return grade_id if isinstance(grade_id, str) else None


def load_notebook(raw: bytes, *, name: str = "notebook") -> dict:
    """A submitted notebook's bytes as nbformat 4 JSON data, without running anything.

    Any nbformat 4.x is read as it is and nbformat 3 is upgraded with
    :mod:`nbformat` (grade ids survive); a notebook that fails nbformat's
    schema but has a list of cells is read anyway.

    Raises
    ------
    NotebookUnreadable
        If the bytes are empty, not JSON, or have no list of cells.
    """
    import nbformat

    if not raw.strip():
        raise NotebookUnreadable(f"{name} is empty (0 bytes of notebook JSON)")
    try:
        data = json.loads(raw.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as error:
        raise NotebookUnreadable(
            f"{name} is not valid notebook JSON ({error.msg.removesuffix(' at')} at line "
            f"{error.lineno}, column {error.colno}); was it edited outside Jupyter?"
        ) from None
    if not isinstance(data, dict):
        raise NotebookUnreadable(f"{name} is JSON but not a notebook (no cell list)")
    if data.get("nbformat") == 3 or "worksheets" in data:
        try:
            data = nbformat.convert(nbformat.from_dict(data), 4)
        except Exception as error:  # noqa: BLE001 - any failure is reported with the name
            raise NotebookUnreadable(f"{name} is an nbformat 3 notebook that cannot be "
                                     f"upgraded ({error})") from None
    if not isinstance(data.get("cells"), list):
        raise NotebookUnreadable(f"{name} is JSON but not a notebook (no cell list)")
    return data


def submitted_notebook(data: dict) -> SubmittedNotebook:
    """The code cells of notebook JSON data (see :func:`load_notebook`), in order."""
    submitted = SubmittedNotebook()
    for index, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        submitted.cells.append(_Cell(index, _grade_id(cell), source, _to_python(source)))
    return submitted


def read_notebook(path: str | Path) -> dict:
    """A submitted ``.ipynb`` file as nbformat 4 JSON data (see :func:`load_notebook`).

    Raises
    ------
    NotebookUnreadable
        If the file cannot be read, is empty, is not JSON, or has no list of cells.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> cell = {"cell_type": "code", "source": "def f(x):\\n    return x",
    ...         "metadata": {"nbgrader": {"grade_id": "f_answer"}}}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "nb.ipynb"
    >>> _ = path.write_text(json.dumps({"cells": [cell]}))
    >>> submitted_notebook(read_notebook(path)).grade_ids
    {'f_answer'}
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NotebookUnreadable(f"cannot read {path.name}: {error.strerror}") from None
    return load_notebook(raw, name=path.name)
