"""Build the student bundle: what students get when the repository stays private.

The bundle holds the student notebooks, ``course_lib``, the data and the
set-up files. It never holds ``solutions/``, the sample submissions, the
tests or anything else that contains solution code or hidden tests, and the
build refuses to finish if a solution or hidden-test marker slipped in.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

__all__ = ["INCLUDED", "SECRET_MARKERS", "build_bundle", "bundle_files"]

INCLUDED = (
    "notebooks",
    "course_lib",
    "data",
    "jupyter-config",
    "README.md",
    "pyproject.toml",
    "environment.yml",
)
"""Top-level paths copied into the bundle (tracked files only)."""

SECRET_MARKERS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS", "hidden=True")
"""Text that must never appear in a student notebook."""

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


def project_root() -> Path:
    """Return the repository folder that holds course_lib."""
    return Path(__file__).resolve().parent.parent


def bundle_files(root: Path | None = None) -> list[Path]:
    """Return the repository-relative paths that go into the bundle.

    Uses git's list of tracked files when the folder is a git checkout, so
    caches, virtual environments and grading state never leak in.

    Examples
    --------
    >>> files = bundle_files()
    >>> any(p.parts[0] == "solutions" for p in files)
    False
    >>> Path("data/ascent.png") in files
    True
    """
    root = project_root() if root is None else Path(root)
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
    return [
        p
        for p in candidates
        if "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
    ]


def build_bundle(destination, *, root: Path | None = None) -> Path:
    """Write the student bundle as a zip file and return its path.

    Parameters
    ----------
    destination : str or os.PathLike
        The zip file to write (its folder is created).
    root : pathlib.Path, optional
        The repository; defaults to the one this package lives in.

    Raises
    ------
    ValueError
        If a student notebook contains a solution or hidden-test marker.
    """
    root = project_root() if root is None else Path(root)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    files = bundle_files(root)
    for path in files:
        if path.suffix == ".ipynb":
            text = (root / path).read_text(encoding="utf-8")
            leaked = [marker for marker in SECRET_MARKERS if marker in text]
            if leaked:
                raise ValueError(
                    f"{path} contains {leaked[0]!r}: regenerate it with `course release`"
                )
    partial = destination.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(root / path, Path("convolution-course") / path)
        archive.writestr("convolution-course/Makefile", _STUDENT_MAKEFILE)
    partial.replace(destination)
    return destination
