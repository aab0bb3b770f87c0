"""The course's assignments: which there are, their notebooks, and how copies are made.

The list of assignments is ``c.Course.assignments`` in the course's
``nbgrader_config.py`` (see :mod:`course_lib.config`); nothing else lists
them. Each assignment is one notebook. The master, with solutions and hidden
tests, is ``<source>/<name>/<name>.ipynb`` (``solutions/``); the student copy is
generated from it into ``<release>/<name>/<name>.ipynb`` (``notebooks/``) by
nbgrader's ``generate_assignment`` (solutions replaced by ``raise
NotImplementedError()``, hidden tests removed, locked cells marked read-only).

The master is also what grading trusts: :func:`load_assignment` reads its
``setup`` cell, which starts every grading program, and its test cells,
``<function>_visible`` and ``<function>_hidden``, which say what is graded,
where, and for how many points.

Examples
--------
>>> from course_lib import assignments
>>> from course_lib.config import load_course
>>> course = load_course()
>>> assignments.available_assignments(course)[:2]
['01_convolution', '02_padding']
>>> spec = assignments.load_assignment("01_convolution", course=course)
>>> [(cell.grade_id, cell.points) for cell in spec.test_cells][:2]
[('output_size_visible', 1.0), ('output_size_hidden', 2.0)]
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .config import (
    LoadedCourse,
    check_assignment_name,
    load_course,
    nbgrader_scripts_on_path,
    nearest_config_file,
)
from .grading.batteries import BATTERY_SEED_KEY, stored_seed

__all__ = [
    "CELL_NOISE",
    "NOTEBOOK_NOISE",
    "Assignment",
    "ReleaseError",
    "Released",
    "ReleasedCell",
    "TestCell",
    "available_assignments",
    "batteries_folder",
    "cell_nbgrader",
    "cell_source",
    "fix_battery_seed",
    "layout_of",
    "load_assignment",
    "release",
    "seed_of_master",
    "test_cell_role",
    "tidy_notebook",
]

CELL_NOISE = ("execution", "trusted")
"""Cell metadata that editors add on every run (timings, trust): never stored."""

NOTEBOOK_NOISE = ("widgets",)
"""Notebook metadata that records a session's state (saved widget views): never stored."""

TEST_ROLES = ("visible", "hidden")
"""The two test cells of a graded function: ``<function>_visible``, ``<function>_hidden``."""


class ReleaseError(RuntimeError):
    """An assignment could not be turned into a student notebook."""


def available_assignments(course: LoadedCourse | None = None) -> list[str]:
    """Return the configured assignments that have a master notebook, in release order.

    Parameters
    ----------
    course : LoadedCourse, optional
        The course; by default :func:`course_lib.config.load_course`.
    """
    course = course or load_course()
    return [name for name in course.assignments if course.master(name).is_file()]


def _checked_selection(names, course: LoadedCourse) -> list[str]:
    available = available_assignments(course)
    selected = list(available if names is None else names)
    for name in selected:
        check_assignment_name(name)
        if name not in available:
            listed = ", ".join(available) or "none"
            raise ValueError(
                f"assignment {name!r} has no master notebook {course.master(name)} or is not "
                f"listed in c.Course.assignments; available: {listed}"
            )
    return selected


# --- what grading trusts --------------------------------------------------------------


def test_cell_role(grade_id: str) -> tuple[str, bool] | None:
    """``(function, hidden)`` for a test cell's grade id, None for any other id.

    Examples
    --------
    >>> test_cell_role("convolve_hidden"), test_cell_role("convolve_answer")
    (('convolve', True), None)
    """
    function, _, role = str(grade_id).rpartition("_")
    if role not in TEST_ROLES or not function:
        return None
    return function, role == "hidden"


@dataclass(frozen=True)
class TestCell:
    """A graded test cell of the master: which function, which battery, how many points."""

    grade_id: str
    function: str
    hidden: bool
    points: float

    @property
    def battery(self) -> str:
        """``"hidden"`` or ``"visible"``."""
        return "hidden" if self.hidden else "visible"


@dataclass(frozen=True)
class ReleasedCell:
    """One cell of the released notebook, as far as restoring a submission needs it.

    Plain data (it travels to cluster workers). See :mod:`course_lib.grader.restore`.

    Attributes
    ----------
    cell_id : str or None
        nbformat 4.5 cell id.
    cell_type : str
        ``"code"``, ``"markdown"`` or ``"raw"``.
    source : str
    nbgrader : dict or None
        The cell's nbgrader metadata (``grade_id``, ``solution``, ``grade``, ...).
    """

    cell_id: str | None
    cell_type: str
    source: str
    nbgrader: dict | None = None

    @property
    def grade_id(self) -> str | None:
        """The cell's nbgrader grade id, if any."""
        grade_id = (self.nbgrader or {}).get("grade_id")
        return grade_id if isinstance(grade_id, str) else None

    @property
    def is_answer(self) -> bool:
        """An answer (nbgrader solution) cell."""
        return bool((self.nbgrader or {}).get("solution"))

    @property
    def is_test(self) -> bool:
        """A test (graded, not solution) cell."""
        nbgrader = self.nbgrader or {}
        return bool(nbgrader.get("grade")) and not nbgrader.get("solution")

    def to_json(self) -> list:
        """``[cell_id, cell_type, source, nbgrader]``."""
        return [self.cell_id, self.cell_type, self.source, self.nbgrader]

    @classmethod
    def from_json(cls, data) -> ReleasedCell:
        """Rebuild from :meth:`to_json`'s form."""
        cell_id, cell_type, source, nbgrader = data
        return cls(cell_id, cell_type, source, nbgrader)


def cell_source(cell: dict) -> str:
    """A notebook cell's source as one string (nbformat stores a string or a list of lines)."""
    source = cell.get("source", "")
    return "".join(str(s) for s in source) if isinstance(source, list) else str(source)


def cell_nbgrader(cell: dict) -> dict | None:
    """A cell's nbgrader metadata, or None when it has none (or not a mapping)."""
    metadata = cell.get("metadata")
    found = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return found if isinstance(found, dict) else None


def layout_of(notebook: dict) -> tuple[ReleasedCell, ...]:
    """A notebook's cells as :class:`ReleasedCell` data (any nbformat 4 dict)."""
    import copy

    return tuple(
        ReleasedCell(cell.get("id"), str(cell.get("cell_type", "code")), cell_source(cell),
                     copy.deepcopy(cell_nbgrader(cell)))
        for cell in notebook.get("cells", [])
        if isinstance(cell, dict)
    )


@dataclass(frozen=True)
class Assignment:
    """An assignment as grading sees it, read from its trusted notebook.

    Attributes
    ----------
    name : str
        e.g. ``"01_convolution"``.
    notebook : Path
        The trusted notebook: the master, or in a student bundle the released copy.
    setup_source : str
        Its ``setup`` cell, which starts every grading program.
    test_cells : tuple of TestCell
        Every graded test cell, in notebook order.
    cell_ids : frozenset of str
        Every nbgrader grade id of the notebook (tells this assignment's
        notebooks from another's).
    digest : str
        sha256 of the trusted notebook.
    battery_seed : int or None
        The seed of the hidden battery fixed when the assignment was released.
    released : tuple of ReleasedCell
        The released student notebook's cells (what a submission is restored
        from, :mod:`course_lib.grader.restore`).
    """

    name: str
    notebook: Path
    setup_source: str
    test_cells: tuple[TestCell, ...]
    cell_ids: frozenset = field(default_factory=frozenset)
    digest: str = ""
    battery_seed: int | None = None
    released: tuple = ()

    @property
    def functions(self) -> list[str]:
        """The graded functions, in notebook order."""
        return list(dict.fromkeys(cell.function for cell in self.test_cells))

    @property
    def max_score(self) -> float:
        """Total points of the graded test cells."""
        return float(sum(cell.points for cell in self.test_cells))

    def points(self, grade_id: str) -> float:
        """The points of one test cell (0 for an unknown id)."""
        return next((c.points for c in self.test_cells if c.grade_id == grade_id), 0.0)


def load_assignment(
    name: str, *, course: LoadedCourse | None = None, notebook: Path | None = None
) -> Assignment:
    """Read an assignment's trusted notebook.

    Parameters
    ----------
    name : str
        The assignment.
    course : LoadedCourse, optional
        The course (default: :func:`course_lib.config.load_course`).
    notebook : Path, optional
        The trusted notebook; default the master (``course.master(name)``).

    Raises
    ------
    ValueError
        If the notebook does not exist, has no ``setup`` cell or no graded test cell.
    """
    import nbformat

    course = course or load_course()
    path = Path(notebook) if notebook is not None else course.master(check_assignment_name(name))
    if not path.is_file():
        known = ", ".join(available_assignments(course)) or "none"
        raise ValueError(f"unknown assignment {name!r}: no {path}; known: {known}")
    raw = path.read_bytes()
    parsed = nbformat.reads(raw.decode("utf-8"), as_version=4)
    setup = None
    tests = []
    ids = set()
    for cell in parsed.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if not isinstance(grade_id, str):
            continue
        ids.add(grade_id)
        if cell.cell_type == "code" and grade_id == "setup":
            setup = cell.source
        role = test_cell_role(grade_id)
        if cell.cell_type == "code" and role and meta.get("grade") and not meta.get("solution"):
            tests.append(TestCell(grade_id, role[0], role[1], float(meta.get("points", 0))))
    if setup is None:
        raise ValueError(f"{path} has no code cell with grade_id 'setup'")
    if not tests:
        raise ValueError(f"{path} has no graded test cell (<function>_visible/_hidden)")
    seed = stored_seed(parsed)
    student = course.student(name) if notebook is None else None
    if student is not None and student.is_file():
        released = layout_of(json.loads(student.read_text(encoding="utf-8")))
    else:  # a bundle's trusted notebook is the released one
        released = layout_of(parsed)
    return Assignment(
        name=name,
        notebook=path,
        setup_source=setup,
        test_cells=tuple(tests),
        cell_ids=frozenset(ids),
        digest=hashlib.sha256(raw).hexdigest(),
        battery_seed=seed,
        released=released,
    )


# --- student copies -----------------------------------------------------------------


@dataclass
class Released:
    """What :func:`release` did for one assignment.

    Attributes
    ----------
    assignment : str
    written : list of Path
        Files whose content changed (or that did not exist).
    unchanged : list of Path
        Files that already had exactly the generated bytes (left untouched).
    batteries_written, batteries_unchanged : list of Path
        The same for the compiled visible batteries.
    """

    assignment: str
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    batteries_written: list[Path] = field(default_factory=list)
    batteries_unchanged: list[Path] = field(default_factory=list)


def tidy_notebook(notebook):
    """Strip outputs, execution counts, editor noise and instructor metadata, in place.

    Parameters
    ----------
    notebook : nbformat.NotebookNode

    Returns
    -------
    nbformat.NotebookNode
        The same object, for chaining.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", execution_count=3)])
    >>> nb.cells[0].metadata["execution"] = {"iopub.status.idle": "2026-01-01"}
    >>> nb.metadata["course"] = {"battery_seed": 7}
    >>> tidy = tidy_notebook(nb)
    >>> tidy.cells[0].execution_count, tidy.cells[0].outputs, dict(tidy.cells[0].metadata)
    (None, [], {})
    >>> "course" in tidy.metadata
    False
    """
    for key in (*NOTEBOOK_NOISE, "course"):
        notebook.metadata.pop(key, None)
    for cell in notebook.cells:
        for key in CELL_NOISE:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return notebook


def seed_of_master(assignment: str) -> int | None:
    """The hidden battery's seed stored in ``assignment``'s master, or None.

    The course is the one the current folder belongs to: the nearest
    ``nbgrader_config.py`` in it or above it (a kernel running
    ``solutions/01_convolution/01_convolution.ipynb`` or an autograded copy
    is inside its course directory), else :func:`~course_lib.config.load_course`'s
    default. None where no course is found, the master cannot be read or it has
    no seed yet. Declared in the entry-point group
    :data:`course_lib.grading.batteries.SEED_LOOKUPS`, so that a hidden test cell
    run in a kernel draws the cases ``course grade`` draws.
    """
    try:
        master = load_course(nearest_config_file(Path.cwd())).master(assignment)
        return stored_seed(json.loads(master.read_text(encoding="utf-8")))
    except (OSError, ValueError):  # a ConfigError is a ValueError
        return None


def fix_battery_seed(master: Path) -> int:
    """The seed of the master's hidden battery, drawn and written into it the first time.

    The seed lives in the master's notebook metadata (``course.battery_seed``),
    so the in-notebook check, plain nbgrader, ``course validate`` and ``course
    grade`` draw the very same hidden cases; the student copy never carries it.
    """
    import secrets

    import nbformat

    from course_lib.files import write_atomic

    notebook = nbformat.read(str(master), as_version=4)
    metadata = notebook.metadata.setdefault("course", {})
    seed = metadata.get(BATTERY_SEED_KEY)
    if isinstance(seed, int) and not isinstance(seed, bool):
        return seed
    metadata[BATTERY_SEED_KEY] = seed = secrets.randbelow(2**31)
    write_atomic(master, nbformat.writes(notebook) + "\n")
    return seed


def _generate(name: str, master_folder: Path, workdir: Path) -> Path:
    """Run nbgrader generate_assignment on a copy of ``master_folder``; return the output."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    shutil.copytree(
        master_folder,
        workdir / "source" / name,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc"),
    )
    config = Config()
    config.CourseDirectory.root = str(workdir)
    config.CourseDirectory.source_directory = "source"
    config.CourseDirectory.release_directory = "release"
    config.CourseDirectory.db_url = f"sqlite:///{workdir / 'unused.db'}"
    # nbgrader's API sets up an exchange even when it does not use one; a private,
    # existing folder keeps it from complaining about the system-wide default.
    (workdir / "exchange").mkdir()
    config.Exchange.root = str(workdir / "exchange")
    # The student copy does not depend on any gradebook: nothing is recorded.
    config.GenerateAssignment.no_database = True
    config.SaveCells.enabled = False
    api = NbGraderAPI(config=config)
    api.log.setLevel("ERROR")
    with nbgrader_scripts_on_path():
        result = api.generate_assignment(name, force=True, create=False)
    if not result.get("success"):
        details = (result.get("log") or "") + (result.get("error") or "")
        raise ReleaseError(f"nbgrader could not generate the student version of {name}:\n{details}")
    return workdir / "release" / name


def _tidy_bytes(path: Path) -> bytes:
    import nbformat

    notebook = tidy_notebook(nbformat.read(str(path), as_version=4))
    text = nbformat.writes(notebook)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def release(
    names: Iterable[str] | None = None,
    *,
    course: LoadedCourse | None = None,
    destination: Path | str | None = None,
    fix_seeds: bool = True,
    batteries: Path | str | None = None,
) -> list[Released]:
    """Generate the student notebooks of the named assignments (default: all).

    Runs nbgrader in a throw-away course folder, so it never needs (or
    touches) the instructor's gradebook, and writes tidy notebooks: no
    outputs, no execution counts, no editor noise, no instructor metadata,
    so running it twice gives identical bytes.

    Parameters
    ----------
    names : iterable of str, optional
        Assignments to release; by default every configured one with a master.
    course : LoadedCourse, optional
        The course (default: :func:`course_lib.config.load_course`).
    destination : path, optional
        Where the student folders go; defaults to the release directory.
    fix_seeds : bool
        Fix the hidden battery's seed in masters that have none (False writes
        nothing but the student copies).
    batteries : path, optional
        Where the compiled visible batteries go (what a wheel or a bundle runs
        the visible checks with); by default :func:`batteries_folder`.

    Returns
    -------
    list of Released
        One entry per assignment, saying which files changed.

    Raises
    ------
    ValueError
        For a malformed name or one without a master notebook.
    ReleaseError
        When nbgrader rejects a master (e.g. duplicate grade ids, bad metadata).
    """
    from course_lib.grading.batteries import compile_visible

    course = course or load_course()
    if batteries is None:
        batteries = batteries_folder(course, destination)
    destination = Path(destination) if destination is not None else course.release
    selected = _checked_selection(names, course)
    results = []
    for name in selected:
        if fix_seeds:
            fix_battery_seed(course.master(name))
        with tempfile.TemporaryDirectory(prefix=f"release-{name}-") as scratch:
            generated = _generate(name, course.master(name).parent, Path(scratch))
            outcome = _copy_release(name, generated, destination / name)
        if batteries is not None:
            for filename, content in compile_visible(name).items():
                changed = _write_if_changed(Path(batteries) / filename, content)
                (outcome.batteries_written if changed else outcome.batteries_unchanged).append(
                    Path(batteries) / filename)
        results.append(outcome)
    return results


def batteries_folder(course: LoadedCourse, destination: Path | str | None = None) -> Path | None:
    """Where :func:`release` puts the compiled visible batteries by default.

    ``<destination>/released`` when a destination is given; otherwise the
    package's own ``course_lib/grading/released`` if ``course`` is the
    repository this package comes from (what its wheel carries), and None
    (nowhere) for another course folder.
    """
    from course_lib.grading.batteries import RELEASED

    if destination is not None:
        return Path(destination) / "released"
    return RELEASED if course.root.resolve() == RELEASED.parents[2] else None


def _write_if_changed(path: Path, content: bytes) -> bool:
    """Write ``content`` unless ``path`` already holds exactly it; whether it wrote."""
    if path.is_file() and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return True


def _copy_release(name: str, generated: Path, target: Path) -> Released:
    outcome = Released(name)
    for source in sorted(p for p in generated.rglob("*") if p.is_file()):
        relative = source.relative_to(generated)
        content = _tidy_bytes(source) if source.suffix == ".ipynb" else source.read_bytes()
        changed = _write_if_changed(target / relative, content)
        (outcome.written if changed else outcome.unchanged).append(target / relative)
    return outcome
