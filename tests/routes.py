"""The routes a grade can take, for tests that compare them: `course grade`, plain nbgrader
with the course's config, Run All in a real kernel, and `course validate`.

Each takes an nbgrader submitted tree (``SUBMITTED/<student>/<assignment>/<notebook>``) or
one notebook and returns ``(student, assignment, grade_id) -> points``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course_lib.config import load_course

COURSE = load_course()
NBGRADER = str(Path(sys.executable).parent / "nbgrader")
_LINE = re.compile(r"^(\w+) \((visible|hidden) tests\): [\w-]+, ([0-9.]+) / [0-9.]+ points",
                   re.MULTILINE)


def two_at_a_time(function, items) -> list:
    """``function`` of each item, two running at once (a Run All in a kernel, or a `course
    validate`, keeps about one core busy), in the items' order."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(function, items))


def _grade_id(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def course_grade(submitted: Path, out: Path, config: Path, names, *, env=None,
                 extra=()) -> tuple[subprocess.CompletedProcess, dict]:
    """Run `course grade`; return the finished process and its records by key."""
    done = subprocess.run(
        [sys.executable, "-m", "course_lib.cli", "grade", *names, "--submitted", str(submitted),
         "--out", str(out), "--config", str(config), "--quiet", "--jobs", "2", *extra],
        capture_output=True, text=True, timeout=1800, env=env,
    )
    records = {}
    if (Path(out) / "results.json").is_file():
        for r in json.loads((Path(out) / "results.json").read_text())["records"]:
            records[(r["student"], r["assignment"], r["grade_id"])] = r
    return done, records


def plain_course(base: Path, course_config) -> Path:
    """A scratch nbgrader course directory with the course's configuration."""
    plain = Path(base)
    plain.mkdir(parents=True, exist_ok=True)
    config = course_config(plain / "nbgrader_config.py")
    config.write_text(
        config.read_text()
        + f"c.CourseDirectory.root = {str(plain)!r}\n"
        + "c.CourseDirectory.source_directory = 'source'\n"
        + "c.CourseDirectory.submitted_directory = 'submitted'\n"
        + "c.CourseDirectory.autograded_directory = 'autograded'\n"
        + "c.CourseDirectory.feedback_directory = 'feedback'\n"
        + "c.CourseDirectory.release_directory = 'release'\n"
        + f"c.CourseDirectory.db_url = {'sqlite:///' + str(plain / 'gradebook.db')!r}\n"
        + f"c.Exchange.root = {str(plain / 'exchange')!r}\n"
    )
    (plain / "exchange").mkdir(exist_ok=True)
    return plain


def plain_nbgrader(submitted: Path, plain: Path, names, *, steps=("generate_assignment",
                                                                   "autograde")) -> dict:
    """Plain `nbgrader` (typed at the course directory ``plain``) on a submitted tree; the
    gradebook's score of every graded cell."""
    from nbgrader.api import Gradebook

    shutil.copytree(submitted, plain / "submitted", dirs_exist_ok=True)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for name in names:
        if not (plain / "source" / name).exists():
            shutil.copytree(COURSE.master(name).parent, plain / "source" / name)
        for step in steps:
            run = subprocess.run([NBGRADER, step, name, "--force"], cwd=plain, env=env,
                                 capture_output=True, text=True, timeout=1800)
            assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    scores = {}
    with Gradebook(f"sqlite:///{plain / 'gradebook.db'}") as book:
        for name in names:
            for submission in book.assignment_submissions(name):
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        scores[(submission.student_id, name, grade.name)] = grade.score
    return scores


def kernel_points(notebook_path: Path, cwd: Path) -> dict[str, float]:
    """Run All in a fresh kernel; the points each test cell returned as its result."""
    notebook = nbformat.read(str(notebook_path), as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(cwd)}})
    # An event loop of its own, closed when done: the synchronous execute() leaves an
    # unclosed loop behind in each thread it runs in (see two_at_a_time).
    asyncio.run(client.async_execute())
    points = {}
    for cell in notebook.cells:
        grade_id = _grade_id(cell)
        if not grade_id.endswith(("_visible", "_hidden")):
            continue
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        points[grade_id] = float(results[-1].data["text/plain"]) if results else 0.0
    return points


def run_all_of_autograded(plain: Path, student: str, name: str) -> dict[str, float]:
    """Run All of nbgrader's autograded copy (hidden tests restored, graded cells as
    released): the points of the notebook's own check cells, visible and hidden."""
    autograded = plain / "autograded" / student / name / f"{name}.ipynb"
    return kernel_points(autograded, autograded.parent)


def validate_points(notebook: Path, *, env=None) -> tuple[subprocess.CompletedProcess, dict]:
    """`course validate NOTEBOOK`: the finished process and ``grade_id -> points``."""
    done = subprocess.run([sys.executable, "-m", "course_lib.cli", "validate", str(notebook)],
                          capture_output=True, text=True, timeout=900, env=env)
    points = {f"{f}_{battery}": float(p) for f, battery, p in _LINE.findall(done.stdout)}
    return done, points
