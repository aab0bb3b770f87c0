"""Build the student bundle: what students get when the repository stays private.

The bundle holds the student notebooks, ``course_lib``, the data and the
set-up files, and nothing one edit away from an answer:

- no ``solutions/``, sample submissions or tests;
- no exercise definitions (``course_lib/grading/exercises/``: their
  references and mistake models are answers with one change) and no hidden
  battery: the student-side checks run the *visible* batteries, compiled to
  data files (``course_lib/grading/released/<function>.visible.battery``,
  committed and kept fresh by ``course release``, as the wheel has them);
- a small ``nbgrader_config.py`` naming the assignments, so ``course
  validate`` knows them.

The build refuses to finish if a solution or hidden-test marker, or a
loop-based definition of a graded function, slipped in (:func:`scan`).
"""

from __future__ import annotations

import ast
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

__all__ = ["EXCLUDED", "INCLUDED", "SECRET_MARKERS", "build_bundle", "bundle_files", "scan"]

INCLUDED = (
    "notebooks",
    "course_lib",
    "jupyter-config",
    "README.md",
    "pyproject.toml",
    "environment.yml",
)
"""Top-level paths copied into the bundle (tracked files only). The data comes with
``course_lib``: its ``data_files`` link to ``data/`` is replaced by the files, as in a wheel."""

EXCLUDED = ("course_lib/grading/exercises",)
"""Paths under INCLUDED that never go into the bundle (the exercise definitions)."""

SECRET_MARKERS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS", "hidden=True")
"""Text that must never appear in a bundled notebook."""

TOP = "convolution-course"
"""The folder everything in the zip lives in."""

_STUDENT_MAKEFILE = """\
# Set up and open the course:  make lab
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab setup
$(STAMP): pyproject.toml
\t$(PYTHON) -m venv $(VENV)
\t$(VENV)/bin/python -m pip install --quiet --upgrade pip
\t$(VENV)/bin/python -m pip install --quiet -e .
\ttouch $(STAMP)

setup: $(STAMP)

lab: setup
\tJUPYTER_CONFIG_PATH="$(CURDIR)/jupyter-config$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \\
\t\t$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG)
"""


def _student_config(assignments: list[str]) -> str:
    listed = "".join(f"    {name!r},\n" for name in assignments)
    return (
        '"""The student version of the course: its folders and assignments."""\n\n'
        "from pathlib import Path\n\n"
        "c = get_config()  # noqa: F821\n"
        "c.CourseDirectory.root = str(Path(__file__).resolve().parent)\n"
        'c.CourseDirectory.release_directory = "notebooks"\n'
        f"c.Course.assignments = [\n{listed}]\n"
    )


def _course_root() -> Path:
    from course_lib.config import load_course

    return load_course().root


def bundle_files(root: Path | None = None) -> list[Path]:
    """Return the repository-relative paths that go into the bundle.

    Uses git's list of tracked files when the folder is a git checkout, so
    caches, virtual environments and grading state never leak in.

    Examples
    --------
    >>> files = bundle_files()
    >>> any(p.parts[0] == "solutions" for p in files)
    False
    >>> data = Path("course_lib/data_files/ascent.png")
    >>> data in files, Path("course_lib/grading/exercises/pooling.py") in files
    (True, False)
    """
    root = _course_root() if root is None else Path(root)
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", *INCLUDED],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
        candidates = [Path(p) for p in listed.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        candidates = []
        for name in INCLUDED:
            path = root / name
            if path.is_file():
                candidates.append(Path(name))
            elif path.is_dir():
                candidates += [p.relative_to(root) for p in sorted(path.rglob("*")) if p.is_file()]
    files = []
    for path in candidates:  # a link to a folder (the data) stands for the files in it
        if (root / path).is_dir():
            files += [path / p.relative_to(root / path)
                      for p in sorted((root / path).rglob("*")) if p.is_file()]
        else:
            files.append(path)
    return [
        p
        for p in files
        if "__pycache__" not in p.parts
        and ".ipynb_checkpoints" not in p.parts
        and not any(p.as_posix() == e or p.as_posix().startswith(e + "/") for e in EXCLUDED)
    ]


def _graded_names() -> set[str]:
    from course_lib.grading import exercises

    return set(exercises.names())


def _defines_loop(node: ast.AST) -> bool:
    return any(isinstance(n, ast.For | ast.While | ast.comprehension) for n in ast.walk(node))


def scan(entries: dict[str, bytes], *, graded: set[str]) -> list[str]:
    """What in a bundle would give answers away (empty when nothing does).

    Parameters
    ----------
    entries : dict
        Path in the bundle -> content.
    graded : set of str
        The names of the graded functions.

    Returns
    -------
    list of str
        One line per problem: a solution or hidden-test marker in a notebook,
        an exercise definition, or a loop-based function named like a graded
        function anywhere in the code.

    Examples
    --------
    >>> scan({"x/a.py": b"def convolve(i, k):\\n    for r in i:\\n        pass\\n"},
    ...      graded={"convolve"})
    ['x/a.py: loop-based definition of graded function convolve (line 1)']
    """
    problems = []
    for name, content in sorted(entries.items()):
        path = PurePosixPath(name)
        if "grading/exercises" in path.as_posix():
            problems.append(f"{name}: exercise definitions (references and mistake models)")
        if path.suffix not in (".py", ".ipynb"):
            continue
        text = content.decode("utf-8", errors="replace")
        if path.suffix == ".ipynb":
            problems += [f"{name}: contains {m!r}" for m in SECRET_MARKERS if m in text]
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in graded and _defines_loop(node):
                problems.append(
                    f"{name}: loop-based definition of graded function {node.name} "
                    f"(line {node.lineno})"
                )
    return problems


def build_bundle(destination, *, root: Path | None = None) -> Path:
    """Write the student bundle as a zip file and return its path.

    Parameters
    ----------
    destination : str or os.PathLike
        The zip file to write (its folder is created).
    root : pathlib.Path, optional
        The repository; defaults to the course's root.

    Raises
    ------
    ValueError
        If anything in the bundle would give an answer away (see :func:`scan`).
    """
    from course_lib.config import load_course

    root = _course_root() if root is None else Path(root)
    assignments = [n for n in load_course().assignments if (root / "notebooks" / n).is_dir()]
    entries = {path.as_posix(): (root / path).read_bytes() for path in bundle_files(root)}
    entries["nbgrader_config.py"] = _student_config(assignments).encode()
    entries["Makefile"] = _STUDENT_MAKEFILE.encode()
    problems = scan(entries, graded=_graded_names())
    if problems:
        raise ValueError(
            "the bundle would give answers away: " + "; ".join(problems[:5])
            + (" (regenerate the student notebooks with `course release`)" if any(
                ".ipynb" in p for p in problems) else "")
        )
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(entries.items()):
            archive.writestr(f"{TOP}/{name}", content)
    partial.replace(destination)
    return destination
