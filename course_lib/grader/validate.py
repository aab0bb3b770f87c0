"""Check one notebook file with the same out-of-process grading as ``course grade``.

Used by ``course validate NOTEBOOK`` and, from a notebook cell, by
``validate("01_convolution.ipynb")`` after
``from course_lib.grader.validate import validate``.
"""

from __future__ import annotations

from pathlib import Path

from course_lib.assignments import Assignment, load_assignment
from course_lib.config import LoadedCourse, load_course
from course_lib.grading.batteries import hidden_available

from .locate import Located, _normalise
from .records import GradeRecord
from .submission import battery_seed, cell_ids, grade_located

__all__ = ["format_records", "self_check_sandbox", "trusted_assignment", "validate"]


def _assignment_of(path: Path, known: list[str]) -> str:
    for candidate in (_normalise(path.stem), path.parent.name.lower()):
        if candidate in known:
            return candidate
    raise ValueError(
        f"cannot tell which assignment {path.name} is; name it like one of: {', '.join(known)} "
        "or pass assignment="
    )


def format_records(records: list[GradeRecord]) -> str:
    """Return the per-test-cell reports and the total.

    A note every record carries (the notebook was put back in shape, it was graded
    unsandboxed) is printed once, after the total, instead of under every test cell.

    Examples
    --------
    >>> r = GradeRecord("you", "01", "01.ipynb", "f_visible", "f", "visible", 1.0, 1.0,
    ...                 "passed", message="f: all 3 checks passed.")
    >>> print(format_records([r]))
    f (visible tests): passed, 1 / 1 points
    f: all 3 checks passed.
    total: 1 / 1
    """
    shared = [n for n in records[0].notes if all(n in r.notes for r in records)] if records else []
    lines = [r.replace(notes=tuple(n for n in r.notes if n not in shared)).report()
             for r in records]
    total = sum(r.score for r in records)
    most = sum(r.max_score for r in records)
    lines.append(f"total: {total:g} / {most:g}")
    lines += [f"note: {note}" for note in shared]
    return "\n".join(lines)


def trusted_assignment(name: str | None, path: Path, course: LoadedCourse) -> Assignment:
    """The assignment ``path`` belongs to, read from its master notebook; in a student
    bundle (no masters) from the released notebook, whose setup cell and points are
    the same."""
    candidates = [
        n for n in course.assignments if course.master(n).is_file() or course.student(n).is_file()
    ]
    name = name or _assignment_of(path, candidates)
    master = course.master(name)
    trusted = master if master.is_file() else course.student(name)
    return load_assignment(name, course=course, notebook=trusted)


def self_check_sandbox(course: LoadedCourse, *, unsafe: bool | None = None):
    """The sandbox for checking one's own work, and a note for the student or None.

    Sandboxed when bubblewrap works here; otherwise unsandboxed with a note
    instead of a refusal (a student's own code on their own machine needs
    no protection from itself). ``unsafe=True`` asks for no sandbox.
    """
    from course_lib.sandbox import SandboxUnavailable

    sandbox = course.sandbox() if unsafe is None else course.sandbox(unsafe=unsafe)
    try:
        sandbox.check()
    except SandboxUnavailable as error:
        note = (
            f"(the sandbox is not available here: {error.reason}; your code ran "
            "unsandboxed, which is fine for checking your own work)"
        )
        return sandbox.with_options(unsafe=True), note
    return sandbox, None


def validate(
    notebook: str | Path,
    *,
    assignment: str | None = None,
    course: LoadedCourse | None = None,
    sandbox=None,
    show: bool = True,
) -> list[GradeRecord]:
    """Grade one notebook file out of process and print a per-test-cell report.

    Parameters
    ----------
    notebook : str or Path
        The ``.ipynb`` file (saved: the file is read, not the running kernel).
    assignment : str, optional
        Which assignment it is; default: guessed from the file name.
    course : LoadedCourse, optional
        The course (default: :func:`course_lib.config.load_course`).
    sandbox : course_lib.sandbox.Sandbox, optional
        Where the code runs; by default the configured sandbox when bubblewrap
        works here, and unsandboxed (with a note) otherwise.
    show : bool
        Print the report.

    Returns
    -------
    list of GradeRecord
        One per graded test cell, as in results.json.

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
    course = course or load_course()
    spec = trusted_assignment(assignment, path, course)
    note = None
    if sandbox is None:
        sandbox, note = self_check_sandbox(course)
    hidden = hidden_available()
    others = cell_ids(course) if hidden else {}
    records = grade_located(Located("you", spec.name, path), spec, seed=battery_seed(spec),
                            sandbox=sandbox, hidden=hidden, others=others)
    if show:
        print(format_records(records))
        if not hidden:
            points = sum(cell.points for cell in spec.test_cells if cell.hidden)
            print(f"The hidden tests ({points:g} more points) run when your notebook is graded.")
        if note:
            print(note)
    return records
