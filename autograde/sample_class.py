"""Generate the sample class (``Course.sample_class``, ``autograde/samples/``) from the masters.

The sample class is the grading demo (``course grade`` without collected
submissions), the class the benchmarks grade, and a fixture of the tests. It
is instructor tooling, deliberately outside ``course_lib``: its answers are
one edit away from the solutions, and nothing students receive may hold them.

A student's submission is the master notebook as a student would hand it in:
hidden tests removed, and each answer cell holding either the master solution
or one of the corpus's sample answers (``answers.SAMPLES``: typical mistakes,
hostile code), as :data:`HANDED_IN` says. Some students instead submit a broken
file (:data:`BROKEN`). The tables are data: to add samples for another
assignment, add the answers to ``answers.SAMPLES`` (each with the verdict and
codes it must get), name them under the assignment in ``HANDED_IN``, run
``python autograde/sample_class.py``, then ``python tests/test_sample_class.py``
to put the new records on record.

Examples
--------
>>> sorted(VARIANTS["01_convolution"])[:3]
['alice', 'bob', 'carol']
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
from pathlib import Path

from answers import SAMPLES

__all__ = ["BROKEN", "HANDED_IN", "UNREADABLE", "VARIANTS", "answer_released", "generate",
           "master_answers", "student_notebook", "write_unreadable"]

HANDED_IN: dict[str, dict[str, tuple[str, ...]]] = {
    "01_convolution": {
        "alice": (),
        "bob": ("convolve: flips the kernel",),
        "carol": ("convolve: transposed indexing",),
        "dave": ("convolve: keeps the uint8 dtype",),
        "erin": ("convolve: output one row and column short",
                 "output_size: forgets the + 1, no check below 1"),
        "frank": ("convolve: a loop that never ends",),
        "grace": ("convolve: ends the process",),
        "heidi": ("convolve: patches the checks",),
    },
    "02_padding": {
        "alice": (),
        "bob": ("pad_width: extra pixel before",),
        "carol": ("zero_pad: out[p:-p] slicing",),
        "dave": ("conv_output_size: padding added once",),
        "erin": ("convolve_same: forgets to pad",),
        "frank": ("zero_pad: a loop that never ends",),
        "grace": ("conv_output_size: reads address 0",),
        "heidi": ("pad_width: patches the reference",),
    },
    "03_filters": {
        "alice": (),
        "bob": ("normalize_kernel: divides when the weights sum to 0",),
        "carol": ("sobel_magnitude: |gx| + |gy|",),
        "dave": ("clamp: np.clip",),
        "erin": ("sobel_magnitude: the course's reference",),
        "frank": ("sobel_magnitude: a loop that never ends",),
        "grace": ("normalize_kernel: divides the caller's kernel in place",),
    },
    "04_pooling": {
        "alice": (),
        "bob": ("max_pool: the first element of each window",),
        "carol": ("max_pool: a reshape instead of loops",),
        "dave": ("avg_pool: forgets to divide",),
        "erin": ("max_pool: ignores the stride", "avg_pool: keeps partial windows (ceil)"),
        "grace": ("max_pool: running maximum from 0",),
    },
    "05_tensorflow": {
        "alice": (),
        "bob": ("to_nhwc: PyTorch's NCHW layout",),
        "carol": ("to_hwio: flips the kernel",),
        "dave": ("tf_same_padding: odd pixel before",),
        "erin": ("tf_same_padding: ignores the stride", "to_nhwc: float64"),
    },
}
"""Per assignment: student -> the names of the sample answers (``answers.SAMPLES``) they
hand in; functions not listed get the master solution."""

VARIANTS: dict[str, dict[str, dict[str, str]]] = {
    assignment: {
        student: {SAMPLES[name].function: SAMPLES[name].source for name in names}
        for student, names in students.items()
    }
    for assignment, students in HANDED_IN.items()
}


BROKEN: dict[str, dict[str, str]] = {
    "01_convolution": {"ivan": "invalid-json", "judy": "missing", "erin": "renamed"},
    "02_padding": {"ivan": "empty", "judy": "missing"},
    "04_pooling": {"judy": "missing"},
}
"""Per assignment: student -> how the submission is broken ('invalid-json', 'empty',
'missing', 'renamed' = graded under a wrong file name)."""

UNREADABLE = ("invalid-json", "empty")
"""The kinds of :data:`BROKEN` whose file is not notebook JSON. Those files are not
committed (``.gitignore`` names them), so that every notebook in the repository reads:
:func:`write_unreadable` makes them wherever the sample class is graded (the test
suite's start, ``make grade``, the sandbox benchmark)."""

CUT_OFF = (
    '{\n "cells": [\n  {\n   "cell_type": "markdown",\n   "metadata": {},\n'
    '   "source": [\n    "# '
)
"""The 'invalid-json' submission: a save cut off inside its first cell. It is fixed text,
not a part of the master, so that the error the grader reports (and the records on
record) stay the same when the master's prose changes."""

_SOLUTION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def student_notebook(master: dict, answers: dict[str, str]) -> dict:
    """Return the notebook a student would submit: solutions or ``answers``, no hidden tests.

    Parameters
    ----------
    master : dict
        The master notebook (JSON).
    answers : dict
        Function name -> answer cell source replacing the master solution.

    Examples
    --------
    >>> cell = {"cell_type": "code", "source": "def f():\\n    ### BEGIN SOLUTION\\n    return 1\\n"
    ...         "    ### END SOLUTION\\n", "metadata": {"nbgrader": {"grade_id": "f_answer"}},
    ...         "outputs": [], "execution_count": None}
    >>> student_notebook({"cells": [cell]}, {})["cells"][0]["source"]
    'def f():\\n    return 1\\n'
    """
    notebook = copy.deepcopy(master)
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_answer"):
            function = grade_id[: -len("_answer")]
            cell["source"] = answers.get(function, _SOLUTION.sub("", _source(cell)))
        elif "BEGIN HIDDEN TESTS" in _source(cell):
            cell["source"] = _HIDDEN.sub("", _source(cell)).rstrip("\n")
    return notebook


def master_answers(master: dict) -> dict[str, str]:
    """Function name -> the master's solution as a student would write it (no markers)."""
    answers = {}
    for cell in master["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_answer"):
            answers[grade_id[: -len("_answer")]] = _SOLUTION.sub("", _source(cell))
    return answers


def answer_released(notebook: dict, answers: dict[str, str]) -> dict:
    """The released (student) notebook with some answer cells filled in, as a student who
    fetched it would save it: ``answers`` maps a function to its answer cell's source;
    the other cells stay as released.

    Examples
    --------
    >>> cell = {"cell_type": "code", "source": "raise NotImplementedError()",
    ...         "metadata": {"nbgrader": {"grade_id": "f_answer"}}}
    >>> answered = answer_released({"cells": [cell]}, {"f": "def f():\\n    return 1\\n"})
    >>> answered["cells"][0]["source"]
    'def f():\\n    return 1\\n'
    """
    notebook = copy.deepcopy(notebook)
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        function = grade_id[: -len("_answer")] if grade_id.endswith("_answer") else None
        if function in answers:
            cell["source"] = answers[function]
    return notebook


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def generate(*, course=None, out: Path | None = None, assignments=None) -> list[Path]:
    """Write the sample submissions for every assignment that has a master and variants.

    Parameters
    ----------
    course : course_lib.config.LoadedCourse, optional
        The course (default: the repository's); its masters are the source.
    out : Path, optional
        Where the class goes (default: ``Course.sample_class``).
    assignments : list of str, optional
        Only these assignments.

    Returns
    -------
    list of Path
        The files written (missing notebooks leave an empty assignment folder).
    """
    from course_lib.config import load_course

    course = course or load_course()
    out = Path(out) if out is not None else course.path("sample_class")
    written = []
    for assignment, students in VARIANTS.items():
        master_path = course.master(assignment)
        if (assignments and assignment not in assignments) or not master_path.is_file():
            continue
        master = json.loads(master_path.read_text(encoding="utf-8"))
        broken = BROKEN.get(assignment, {})
        for student in sorted({*students, *broken}):
            folder = out / student / assignment
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            kind = broken.get(student)
            target = folder / f"{assignment}.ipynb"
            if kind == "missing":
                (folder / "README.txt").write_text("forgot to upload the notebook\n")
                written.append(folder / "README.txt")
                continue
            if kind == "renamed":
                target = folder / f"{assignment.title()}(1).ipynb"
            _write(target, _submission_text(master, students.get(student, {}), kind))
            written.append(target)
    return written


def _submission_text(master: dict, answers: dict[str, str], kind: str | None) -> str:
    """The file a student hands in: the notebook as JSON, or, for an :data:`UNREADABLE`
    kind, :data:`CUT_OFF` ('invalid-json') or nothing ('empty')."""
    if kind == "invalid-json":
        return CUT_OFF + "\n"
    if kind == "empty":
        return ""
    return json.dumps(student_notebook(master, answers), indent=1) + "\n"


def write_unreadable(*, course=None, out: Path | None = None) -> list[Path]:
    """Write the sample class's :data:`UNREADABLE` submissions, the ones not committed.

    Each file is written only when it is missing or differs, and atomically, so that
    processes starting at once (the test suite's workers) may all call it.

    Parameters
    ----------
    course : course_lib.config.LoadedCourse, optional
        The course (default: the repository's); its masters are the source.
    out : Path, optional
        Where the class is (default: ``Course.sample_class``).

    Returns
    -------
    list of Path
        Every unreadable submission of the class, written now or already there.
    """
    import os
    import tempfile

    from course_lib.config import load_course

    course = course or load_course()
    out = Path(out) if out is not None else course.path("sample_class")
    paths = []
    for assignment, students in BROKEN.items():
        master_path = course.master(assignment)
        for student, kind in sorted(students.items()):
            if kind not in UNREADABLE or not master_path.is_file():
                continue
            master = json.loads(master_path.read_text(encoding="utf-8"))
            text = _submission_text(master, VARIANTS.get(assignment, {}).get(student, {}), kind)
            target = out / student / assignment / f"{assignment}.ipynb"
            paths.append(target)
            if target.is_file() and target.read_text(encoding="utf-8") == text:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, target)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python autograde/sample_class.py [--out DIR] [--unreadable] [NAME ...]``."""
    parser = argparse.ArgumentParser(description="Generate the sample class of submissions.")
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the class goes (default: Course.sample_class)")
    parser.add_argument("--unreadable", action="store_true",
                        help="only the unreadable submissions, which are not committed")
    args = parser.parse_args(argv)
    if args.unreadable:
        files = write_unreadable(out=args.out)
        print(f"{len(files)} unreadable submissions in place")
        return 0
    files = generate(out=args.out, assignments=args.assignments or None)
    print(f"wrote {len(files)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
