"""A grader fault is never a grade: cells stay ungraded, the run says so, a rerun grades them.

The fault is real: bubblewrap is replaced by a program that refuses to start the grading
sandbox's fork server (and runs everything else, so the sandbox check still passes), as a
broken or misconfigured bubblewrap would. Every route then leaves each cell without a grade
(nbgrader's "needs manual grade"), exits non-zero, and grades everything once bubblewrap
works again.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from routes import NBGRADER, course_grade, plain_course

from course_lib.config import load_course

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "autograde" / "samples"
ASSIGNMENT = "01_convolution"
COURSE = load_course()
BROKEN_BWRAP = """#!/bin/sh
case "$*" in
  *course_lib.sandbox.zygote*) echo "bwrap: cannot set up the grading sandbox" >&2; exit 1;;
esac
exec {bwrap} "$@"
"""


def _broken_bwrap(folder: Path) -> Path:
    path = folder / "bwrap"
    path.write_text(BROKEN_BWRAP.format(bwrap=shutil.which("bwrap")))
    path.chmod(0o755)
    return path


def _submitted(folder: Path, students=("alice", "bob")) -> Path:
    for student in students:
        shutil.copytree(SAMPLES / student / ASSIGNMENT, folder / student / ASSIGNMENT)
    return folder


def _gradebook(db: Path) -> dict:
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(f"sqlite:///{db}") as book:
        for submission in book.assignment_submissions(ASSIGNMENT):
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    found[(submission.student_id, grade.name)] = (grade.auto_score,
                                                                  grade.needs_manual_grade)
    return found


def test_course_grade_leaves_every_cell_ungraded_and_a_fixed_rerun_grades_them(
        tmp_path, course_config):
    submitted = _submitted(tmp_path / "submitted")
    broken = course_config(tmp_path / "broken.py", bwrap=str(_broken_bwrap(tmp_path)))
    fixed = course_config(tmp_path / "fixed.py")
    out = tmp_path / "out"

    done, records = course_grade(submitted, out, broken, [ASSIGNMENT])
    assert done.returncode == 1, done.stderr[-2000:]
    assert "the grader failed on 2 submissions; no student lost a point" in done.stderr
    assert "(0 graded now, 0 reused" in done.stdout and "NOT GRADED: 2" in done.stdout
    assert records and {r["status"] for r in records.values()} == {"ungraded"}
    assert {(r["score"], r["auto_score"]) for r in records.values()} == {(None, None)}
    assert all("did not start: bwrap: cannot set up the grading sandbox"
               in r["message"] for r in records.values())
    run = json.loads((out / "results.json").read_text())["run"]
    assert sorted((e["student"], e["cells"]) for e in run["not_graded"]) == [
        ("alice", 4), ("bob", 4)]
    with (out / "grades.csv").open() as stream:
        rows = list(csv.DictReader(stream))
    assert [(r[ASSIGNMENT], r["total"]) for r in rows] == [("", ""), ("", "")]
    report = (out / "report.html").read_text()
    assert "Not graded: the grader failed" in report
    assert "no notebook graded" in report  # no average made of the zeros of ungraded cells
    book = _gradebook(out / "course" / "gradebook.db")
    assert len(book) == 8 and set(book.values()) == {(None, True)}
    page = (out / "feedback" / "alice" / f"{ASSIGNMENT}.html").read_text()
    assert "Not graded yet: 4 of this notebook" in page  # nbgrader's 0 points are not a grade
    assert "nothing was taken off" in page and 'class="alert alert-danger"' in page
    assert "bwrap" not in page and "ForkServerError" not in page  # the cause is the instructor's

    done, records = course_grade(submitted, out, fixed, [ASSIGNMENT])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2 graded now, 0 reused" in done.stdout
    assert "ungraded" not in {r["status"] for r in records.values()}
    book = _gradebook(out / "course" / "gradebook.db")
    assert all(score is not None and not needs for score, needs in book.values())
    assert "Not graded yet" not in (out / "feedback" / "alice" / f"{ASSIGNMENT}.html").read_text()
    assert book[("alice", "convolve_hidden")][0] == records[
        ("alice", ASSIGNMENT, "convolve_hidden")]["auto_score"]


def test_plain_nbgrader_autograde_fails_leaves_cells_ungraded_and_regrades_once_fixed(
        tmp_path, course_config):
    plain = plain_course(tmp_path / "plain", course_config)
    config = plain / "nbgrader_config.py"
    working = config.read_text()
    config.write_text(working + f"c.Sandbox.bwrap = {str(_broken_bwrap(tmp_path))!r}\n")
    _submitted(plain / "submitted", students=("alice",))
    shutil.copytree(COURSE.master(ASSIGNMENT).parent, plain / "source" / ASSIGNMENT)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}

    def nbgrader(*args):
        return subprocess.run([NBGRADER, *args], cwd=plain, env=env, capture_output=True,
                              text=True, timeout=900)

    assert nbgrader("generate_assignment", ASSIGNMENT, "--force").returncode == 0
    failed = nbgrader("autograde", ASSIGNMENT)
    assert failed.returncode != 0
    assert "4 cells of alice's notebook were not graded" in failed.stderr
    assert "nothing was taken from the student" in failed.stderr
    book = _gradebook(plain / "gradebook.db")
    assert len(book) == 4 and set(book.values()) == {(None, True)}

    config.write_text(working)
    again = nbgrader("autograde", ASSIGNMENT)
    assert again.returncode == 0, again.stderr[-2000:]
    book = _gradebook(plain / "gradebook.db")
    assert book[("alice", "output_size_visible")] == (1.0, False)
    assert all(score is not None and not needs for score, needs in book.values())


PROBE = """
import sys
from pathlib import Path
from course_lib.sandbox import Sandbox
from course_lib.sandbox.forkserver import ForkServer, ForkServerError
import course_lib
print("grader", Path(course_lib.__file__).resolve().parent)
with ForkServer(Sandbox(wall_seconds=20), entry="course_lib.grader.child:main") as server:
    server.start()
    print("sandbox agrees")
with ForkServer(Sandbox(wall_seconds=20), entry="course_lib.grader.child:main") as server:
    server.expected_course_lib = Path(sys.argv[1])
    try:
        server.start()
    except ForkServerError as error:
        print("refused", error)
"""


def test_a_memory_limit_below_the_grading_process_is_a_fault_not_a_grade(
        tmp_path, course_config):
    """A memory limit the grading process itself does not fit in would charge correct answers
    with running out of memory, or not, depending on what happens to be free: it is refused
    when the sandbox starts, so the cells stay ungraded with the limit to set, and the run
    with a working limit grades them."""
    submitted = _submitted(tmp_path / "submitted", students=("alice",))
    low = course_config(tmp_path / "low.py", memory_bytes=48 * 1024**2)
    out = tmp_path / "out"

    done, records = course_grade(submitted, out, low, [ASSIGNMENT])
    assert done.returncode == 1, done.stderr[-2000:]
    assert records and {r["status"] for r in records.values()} == {"ungraded"}
    message = next(iter(records.values()))["message"]
    assert "memory limit (c.Sandbox.memory_bytes, 48 MiB) leaves the graded code no room" \
        in message and "Set it to at least" in message
    assert "memory" not in {r["status"] for r in records.values()}
    assert "the grader failed on 1 submission; no student lost a point" in done.stderr

    done, records = course_grade(submitted, out, course_config(tmp_path / "fixed.py"),
                                 [ASSIGNMENT])
    assert done.returncode == 0, done.stderr[-2000:]
    assert sum(r["score"] for r in records.values()) == 8.0  # alice's answers are correct


def test_the_sandbox_imports_the_graders_course_lib_and_refuses_another(tmp_path):
    """With course_lib copied to a folder of its own (not installed, not the repository),
    the sandbox imports that copy; one that imported another would be refused naming both."""
    copy = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "course_lib", copy / "course_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    pretend = tmp_path / "somewhere" / "course_lib"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(pretend)], cwd=tmp_path, capture_output=True,
        text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(copy)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0] == f"grader {copy / 'course_lib'}"
    assert lines[1] == "sandbox agrees"
    assert lines[2].startswith(f"refused the sandbox imports course_lib from {copy / 'course_lib'}"
                               f", but the grader runs the one in {pretend}")
