"""Plain nbgrader with the course's config grades exactly as `course grade` does.

An instructor types ``nbgrader generate_assignment`` and ``nbgrader autograde``
in a course folder whose nbgrader_config.py is the course's. Its autograde
step is the out-of-process grader (course_lib.grader.nbgrader_plugins), so the
gradebook gets the scores ``course grade`` computes, whatever the submission
does in its own process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from course_lib import assignments
from course_lib.config import load_course

pytestmark = [
    pytest.mark.slow,
    # nbgrader 0.9's gradebook code triggers SQLAlchemy's "not in session" warning on
    # every autograde; it is nbgrader's internal affair and does not affect the scores.
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]

COURSE = load_course()
ROOT = COURSE.root
MASTERS = assignments.available_assignments(COURSE)
SAMPLES = ROOT / "autograde" / "samples"
NBGRADER = str(Path(sys.executable).parent / "nbgrader")


def _nbgrader_course(root: Path, names, course_config, **sandbox) -> Path:
    """A course folder as an instructor sets one up: the course's config, masters, nothing else."""
    root.mkdir(parents=True, exist_ok=True)
    config = course_config(root / "nbgrader_config.py", **sandbox)
    config.write_text(
        config.read_text()
        + f"c.CourseDirectory.root = {str(root)!r}\n"
        + "c.CourseDirectory.source_directory = 'source'\n"
        + "c.CourseDirectory.submitted_directory = 'submitted'\n"
        + "c.CourseDirectory.autograded_directory = 'autograded'\n"
        + "c.CourseDirectory.feedback_directory = 'feedback'\n"
        + "c.CourseDirectory.release_directory = 'release'\n"
        + f"c.CourseDirectory.db_url = {'sqlite:///' + str(root / 'gradebook.db')!r}\n"
        + f"c.Exchange.root = {str(root / 'exchange')!r}\n"
    )
    (root / "exchange").mkdir()
    for name in names:
        shutil.copytree(COURSE.master(name).parent, root / "source" / name)
    return root


def _nbgrader(root: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run([NBGRADER, *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def _submit(root: Path, name: str, student: str, notebook: Path) -> None:
    target = root / "submitted" / student / name / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(notebook, target)


def _gradebook(root: Path, name: str) -> dict:
    """(student, grade_id) -> score, as formgrader and `nbgrader export` see them."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {
            (submission.student_id, grade.name): grade.score
            for submission in gradebook.assignment_submissions(name)
            for notebook in submission.notebooks
            for grade in notebook.grades
        }


@pytest.mark.parametrize("name", MASTERS)
def test_master_gets_every_point_and_the_untouched_copy_none(name, tmp_path, course_config):
    """Through plain nbgrader: the master as a submission earns every point, the released
    notebook handed in unchanged earns 0 everywhere, and hidden tests are restored."""
    root = _nbgrader_course(tmp_path / "course", [name], course_config)
    _submit(root, name, "master", COURSE.master(name))
    _submit(root, name, "untouched", COURSE.student(name))
    _nbgrader(root, "generate_assignment", name, "--force")
    _nbgrader(root, "autograde", name, "--force")
    grades = _gradebook(root, name)
    spec = assignments.load_assignment(name, course=COURSE)
    for cell in spec.test_cells:
        assert grades[("master", cell.grade_id)] == cell.points > 0
        assert grades[("untouched", cell.grade_id)] == 0
    autograded = nbformat.read(
        str(root / "autograded" / "untouched" / name / f"{name}.ipynb"), as_version=4
    )
    hidden = [c for c in autograded.cells
              if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_hidden")]
    assert hidden and all("hidden=True" in c.source for c in hidden)


ROUTE_NAMES = ["01_convolution", "04_pooling"]


@pytest.fixture(scope="module")
def two_routes(tmp_path_factory, course_config):
    """The sample class (a tamperer and a hang included) through plain nbgrader (autograde
    and generate_feedback in a course folder) and through ``course grade``; returns
    ``(course folder, course grade's output folder, plain autograde's seconds)``."""
    tmp_path = tmp_path_factory.mktemp("two_routes")
    limits = {"wall_seconds": 10, "cpu_seconds": 10}
    root = _nbgrader_course(tmp_path / "course", ROUTE_NAMES, course_config, **limits)
    for name in ROUTE_NAMES:
        for notebook in sorted(SAMPLES.glob(f"*/{name}/{name}.ipynb")):
            try:
                nbformat.read(str(notebook), as_version=4)
            except Exception:  # noqa: BLE001 - nbgrader itself cannot read a broken file
                continue
            _submit(root, name, notebook.parents[1].name, notebook)
        _nbgrader(root, "generate_assignment", name, "--force")
    start = time.perf_counter()
    for name in ROUTE_NAMES:
        _nbgrader(root, "autograde", name, "--force")
    plain_seconds = time.perf_counter() - start
    for name in ROUTE_NAMES:
        _nbgrader(root, "generate_feedback", name, "--force")
    out = tmp_path / "out"
    config = course_config(tmp_path / "grade_config.py", **limits)
    done = subprocess.run(
        [sys.executable, "-m", "course_lib.cli", "grade", *ROUTE_NAMES, "--submitted",
         str(root / "submitted"), "--out", str(out), "--config", str(config), "--quiet",
         "--jobs", "2"],
        capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return root, out, plain_seconds


def test_plain_nbgrader_and_course_grade_record_the_same_scores(two_routes):
    """The sample class (a tamperer and a hang included) gets one grade by either route."""
    root, out, plain_seconds = two_routes
    records = json.loads((out / "results.json").read_text())["records"]
    for name in ROUTE_NAMES:
        plain = _gradebook(root, name)
        ours = {(r["student"], r["grade_id"]): r["score"] for r in records
                if r["assignment"] == name and r["status"] != "not-submitted"}
        assert plain == ours, name
    heidi = {k: v for k, v in _gradebook(root, "01_convolution").items() if k[0] == "heidi"}
    assert heidi[("heidi", "convolve_hidden")] == 0, "tampering must not earn points"
    # frank's endless loop costs its wall-clock limit, not nbgrader's 7 x 120 s cell timeouts.
    assert plain_seconds < 600


def _gradebook_rows(db: Path, name: str) -> dict:
    """Everything nbgrader's autograde writes for ``name``, keyed by what it is about (not by
    nbgrader's random ids): each submission, notebook, grade and comment."""
    rows = {}
    with Gradebook(f"sqlite:///{db}") as gradebook:
        assignment = gradebook.find_assignment(name)
        for notebook in assignment.notebooks:
            for cell in (*notebook.grade_cells, *notebook.solution_cells, *notebook.task_cells,
                         *notebook.source_cells):
                rows[("cell", notebook.name, type(cell).__name__, cell.name)] = {
                    key: getattr(cell, key, None) for key in (
                        "max_score", "cell_type", "checksum", "source", "locked")}
        for submission in gradebook.assignment_submissions(name):
            student = submission.student_id
            rows[("submission", student)] = {
                "timestamp": submission.timestamp, "extension": submission.extension,
                "late_penalty": submission.late_submission_penalty,
                "needs_manual_grade": submission.needs_manual_grade,
                "score": submission.score, "max_score": submission.max_score,
            }
            for notebook in submission.notebooks:
                rows[("notebook", student, notebook.name)] = {
                    "flagged": notebook.flagged, "late_penalty": notebook.late_submission_penalty,
                    "needs_manual_grade": notebook.needs_manual_grade,
                    "failed_tests": notebook.failed_tests, "score": notebook.score,
                }
                for grade in notebook.grades:
                    rows[("grade", student, notebook.name, grade.name)] = {
                        key: getattr(grade, key) for key in (
                            "auto_score", "manual_score", "extra_credit", "score", "max_score",
                            "needs_manual_grade", "failed_tests")}
                for comment in notebook.comments:
                    rows[("comment", student, notebook.name, comment.name)] = {
                        "auto_comment": comment.auto_comment,
                        "manual_comment": comment.manual_comment}
    return rows


def test_course_grade_writes_the_gradebook_and_pages_nbgrader_writes(two_routes):
    """Row by row, ``course grade``'s gradebook is the one plain nbgrader's autograde writes
    (every grade, score, comment and checksum), and each student's feedback page is the page
    nbgrader's generate_feedback writes, but readable offline."""
    from course_lib.grader.feedback_pages import offline_page

    root, out, _ = two_routes
    for name in ROUTE_NAMES:
        plain = _gradebook_rows(root / "gradebook.db", name)
        ours = _gradebook_rows(out / "course" / "gradebook.db", name)
        assert plain.keys() == ours.keys(), name
        differing = {key: (plain[key], ours[key]) for key in plain if plain[key] != ours[key]}
        assert not differing, differing
        students = sorted(key[1] for key in plain if key[0] == "submission")
        assert len(students) >= 5, students
        for student in students:
            theirs = root / "feedback" / student / name / f"{name}.html"
            page = out / "feedback" / student / f"{name}.html"
            assert page.read_text() == offline_page(theirs.read_text()), (student, name)
            autograded = Path("autograded", student, name, f"{name}.ipynb")
            assert (out / "course" / autograded).read_bytes() == (root / autograded).read_bytes()


NBGRADERS_OWN_STEPS = """
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests,
                                    ClearOutput, DeduplicateIds, GetGrades, IgnorePattern,
                                    LimitOutput, OverwriteCells, OverwriteKernelspec,
                                    SaveAutoGrades)
from course_lib.grader.nbgrader_plugins import (FeedbackStyle, GradeOutOfProcess,
                                                KeepFirstGradeIds, RestoreFromRelease)
c.GradeOutOfProcess.results_dir = {results!r}
c.Autograde.sanitize_preprocessors = [
    RestoreFromRelease, KeepFirstGradeIds, ClearOutput, DeduplicateIds, OverwriteKernelspec,
    OverwriteCells, CheckCellMetadata]
c.Autograde.autograde_preprocessors = [
    GradeOutOfProcess, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata]
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor,
                                    FeedbackStyle]
"""


def test_the_course_steps_write_what_nbgraders_own_steps_write(two_routes, tmp_path):
    """``course grade`` records a class in batches (one gradebook transaction per notebook,
    nbgrader's autograde taking each notebook through its steps once): nbgrader's own
    converters and its own SaveAutoGrades and GetGrades, given the same verdicts, write the
    same gradebook rows, autograded notebooks and feedback pages."""
    from course_lib.grader.feedback_pages import offline_page

    root, out, _ = two_routes
    own = tmp_path / "own"
    shutil.copytree(root, own, ignore=shutil.ignore_patterns("autograded", "feedback", "*.db"))
    config = own / "nbgrader_config.py"
    config.write_text(config.read_text().replace(str(root), str(own))
                      + NBGRADERS_OWN_STEPS.format(results=str(out / "work" / "results")))
    for name in ROUTE_NAMES:
        for step in ("generate_assignment", "autograde", "generate_feedback"):
            _nbgrader(own, step, name, "--force")
        theirs = _gradebook_rows(own / "gradebook.db", name)
        ours = _gradebook_rows(out / "course" / "gradebook.db", name)
        assert theirs == ours, name
        students = sorted(key[1] for key in theirs if key[0] == "submission")
        for student in students:
            autograded = Path("autograded", student, name, f"{name}.ipynb")
            assert (out / "course" / autograded).read_bytes() == (own / autograded).read_bytes()
            page = (own / "feedback" / student / name / f"{name}.html").read_text()
            assert (out / "feedback" / student / f"{name}.html").read_text() == offline_page(
                page), (student, name)
