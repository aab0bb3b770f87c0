"""A class through nbgrader's exchange with real Linux accounts: release, fetch, submit,
collect, grade, feedback; and what one account can and cannot do to another's work.

The accounts (an instructor and five students) are created by the module's fixture
and removed again, also when a test fails. Every command runs as its account, with
the environment that account's JupyterHub server has (``Classroom.run_as``): the
students import course_lib from the classroom's installed wheel; the instructor
from their course directory, a copy of this repository in their home.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import provision
import pytest
from answers import SAMPLES
from conftest import TEST_ACCOUNTS

from sample_class import answer_released, master_answers

pytestmark = pytest.mark.slow

FLIPPED = SAMPLES["convolve: flips the kernel"].source
"""The sample class's answer that flips the kernel (loses points, keeps some)."""

ASSIGNMENT = "01_convolution"
TAG = f"c{os.getpid() % 100000}"
NAMES = {role: f"{TAG}{role}" for role in ("inst", "right", "flip", "none", "late", "mall")}
"""Account names: the instructor; students who answer right, flip the kernel, hand in
the notebook as fetched, hand in after the due date, and one who tries to pass off a
submission as a classmate's."""


@pytest.fixture(scope="module")
def classroom(classroom_env):
    """A classroom with the module's accounts; removed afterwards whatever happened."""
    # Not under pytest's own temporary folder: that is private to root, and every
    # account must reach the exchange.
    state = Path(tempfile.mkdtemp(prefix="classroom-test-"))
    state.chmod(0o755)
    room = provision.Classroom(
        prefix=state, env=classroom_env, instructor=NAMES["inst"],
        students=[NAMES[r] for r in ("right", "flip", "none", "late", "mall")],
        exchange=str(state / "exchange"), group=f"{TAG}-instructors", comment=TEST_ACCOUNTS)
    try:
        room.up()
        config = room.course_dir / "nbgrader_config.py"
        with config.open("a") as handle:  # late work gets no points (nbgrader's own plugin)
            handle.write('c.LateSubmissionPlugin.penalty_method = "zero"\n')
        yield room
    finally:
        room.down()
        shutil.rmtree(state, ignore_errors=True)


def _ok(done):
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done


def _write_as(room, user: str, path: Path, notebook: dict) -> None:
    """Save a notebook in a student's folder as that student (their editor would)."""
    text = json.dumps(notebook, indent=1)
    _ok(room.run_as(user, "python", "-c",
                    "import sys, pathlib; pathlib.Path(sys.argv[1]).write_text(sys.stdin.read())",
                    path, input=text))


def _answers(room):
    master = json.loads((room.course_dir / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
                        .read_text())
    right = master_answers(master)
    return {"right": right, "flip": {**right, "convolve": FLIPPED},
            "late": right, "mall": {**right, "convolve": FLIPPED}}


@pytest.fixture(scope="module")
def handed_in(classroom):
    """Release 01 and 02, then every student fetches 01 and hands it in as their role says."""
    room = classroom
    inst = NAMES["inst"]
    due = datetime.now(UTC) + timedelta(hours=1)
    _ok(room.run_as(inst, "course", "release", ASSIGNMENT, "02_padding", "--exchange",
                    "--duedate", due.strftime("%Y-%m-%d %H:%M:%S UTC"), cwd=room.course_dir))
    answers = _answers(room)
    for role in ("right", "flip", "none", "late", "mall"):
        user = NAMES[role]
        _ok(room.run_as(user, "nbgrader", "fetch_assignment", ASSIGNMENT))
        path = Path(f"/home/{user}") / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        if role in answers:
            released = json.loads(path.read_text())
            _write_as(room, user, path, answer_released(released, answers[role]))
    submitted = {}
    for role in ("right", "flip", "none"):
        _ok(room.run_as(NAMES[role], "nbgrader", "submit", ASSIGNMENT))
    time.sleep(1.1)  # the second submission of "right" is a later one
    _ok(room.run_as(NAMES["right"], "nbgrader", "submit", ASSIGNMENT))
    # The instructor moves the due date to now: what comes in after it is late. (A second
    # apart from either side: the due date is given to the second.)
    time.sleep(1.1)
    _ok(room.run_as(inst, "nbgrader", "db", "assignment", "add", ASSIGNMENT,
                    f"--duedate={datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC", cwd=room.course_dir))
    time.sleep(1.1)
    _ok(room.run_as(NAMES["late"], "nbgrader", "submit", ASSIGNMENT))
    # A wrong answer handed in under the name of the student who answered right.
    _ok(room.run_as(NAMES["mall"], "nbgrader", "submit", ASSIGNMENT,
                    f"--student={NAMES['right']}"))
    inbound = Path(room.exchange) / room.course_id / "inbound"
    for entry in sorted(inbound.iterdir()):
        submitted.setdefault(entry.name.split("+")[0], []).append(entry)
    return submitted


@pytest.fixture(scope="module")
def graded(classroom, handed_in):
    """The instructor collects with nbgrader and grades with `course grade`."""
    room = classroom
    inst = NAMES["inst"]
    collected = _ok(room.run_as(inst, "nbgrader", "collect", "--update", ASSIGNMENT,
                                cwd=room.course_dir))
    grading = _ok(room.run_as(inst, "course", "grade", ASSIGNMENT, "--jobs", "2", "--quiet",
                              cwd=room.course_dir))
    out = room.course_dir / "grading-output"
    return {"collect": collected.stdout + collected.stderr, "grade": grading.stdout,
            "out": out, "results": json.loads((out / "results.json").read_text())}


def _scores(results) -> dict[str, float]:
    totals: dict[str, float] = {}
    for record in results["records"]:
        totals[record["student"]] = totals.get(record["student"], 0.0) + record["score"]
    return totals


def test_a_second_submission_is_kept_and_the_latest_is_collected(classroom, handed_in, graded):
    """Both submissions of a student stay in the exchange; collect takes the later one."""
    right = NAMES["right"]
    kept = [p for p in handed_in[right] if p.stat().st_uid == os.stat(f"/home/{right}").st_uid]
    assert len(kept) == 2
    latest = max(p.name.split("+")[2] for p in kept)
    stamp = (classroom.course_dir / "autograde" / "submitted" / right / ASSIGNMENT
             / "timestamp.txt").read_text()
    assert stamp == latest


def test_a_submission_handed_in_under_a_classmates_name_is_not_collected(classroom, graded):
    """The impostor's submission stays out; the named student's own work is graded."""
    assert f"handed in by {NAMES['mall']}" in graded["collect"]
    collected = (classroom.course_dir / "autograde" / "submitted" / NAMES["right"] / ASSIGNMENT
                 / f"{ASSIGNMENT}.ipynb").read_text()
    assert "kernel = kernel[::-1, ::-1]" not in collected
    assert _scores(graded["results"])[NAMES["right"]] == 8.0


def test_course_grade_scores_the_collected_class(graded):
    """Right 8/8, flipped kernel 3/8 with its diagnosis, untouched 0/8, late per the plugin."""
    scores = _scores(graded["results"])
    assert scores[NAMES["right"]] == 8.0
    assert scores[NAMES["flip"]] == 3.0
    assert scores[NAMES["none"]] == 0.0
    assert scores[NAMES["late"]] == 8.0  # the work itself is right ...
    flipped = [r for r in graded["results"]["records"] if r["student"] == NAMES["flip"]
               and r["function"] == "convolve"]
    assert all("flipped-kernel" in r["diagnoses"] for r in flipped)
    late = {s["student"]: s for s in graded["results"]["submissions"]}
    assert late[NAMES["late"]]["seconds_late"] > 0
    assert late[NAMES["late"]]["late_penalty"] == 8.0  # ... and the penalty takes it all
    assert late[NAMES["right"]]["seconds_late"] == 0


def test_grades_csv_agrees_with_the_gradebook(classroom, graded):
    """grades.csv has nbgrader's score for every student: `nbgrader export` says the same."""
    room = classroom
    grades = {row["student"]: float(row[ASSIGNMENT]) for row in
              csv.DictReader((graded["out"] / "grades.csv").read_text().splitlines())}
    _ok(room.run_as(NAMES["inst"], "nbgrader", "export", "--to=exported.csv",
                    cwd=room.course_dir))
    exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(
        io.StringIO((room.course_dir / "exported.csv").read_text()))
        if row["assignment"] == ASSIGNMENT and row["timestamp"]}
    assert grades == exported
    assert grades[NAMES["late"]] == 0.0 and grades[NAMES["right"]] == 8.0


def test_plain_nbgrader_autograde_in_the_course_directory_gives_the_same_grades(
        classroom, graded):
    """`nbgrader autograde` on the same collected class writes the same scores."""
    from nbgrader.api import Gradebook

    room = classroom
    gradebook = f"sqlite:///{room.course_dir / 'autograde' / 'gradebook.db'}"

    def scores():
        with Gradebook(gradebook, room.course_id) as book:
            return {(s.student_id, g.name): g.score for s in book.assignment_submissions(
                ASSIGNMENT) for n in s.notebooks for g in n.grades}

    before = scores()
    _ok(room.run_as(NAMES["inst"], "nbgrader", "autograde", ASSIGNMENT, "--force",
                    cwd=room.course_dir, timeout=900))
    assert scores() == before


@pytest.fixture(scope="module")
def feedback(classroom, graded):
    """The instructor releases feedback; each student fetches theirs. role -> page text."""
    room = classroom
    _ok(room.run_as(NAMES["inst"], "nbgrader", "release_feedback", ASSIGNMENT,
                    cwd=room.course_dir))
    pages = {}
    for role in ("right", "flip", "none", "late"):
        user = NAMES[role]
        done = _ok(room.run_as(user, "nbgrader", "fetch_feedback", ASSIGNMENT))
        fetched = sorted((Path(f"/home/{user}") / ASSIGNMENT / "feedback").glob("*/*.html"))
        assert len(fetched) == 1, done.stderr[-2000:]
        pages[role] = fetched[0].read_text()
    return pages


def test_each_student_fetches_exactly_their_own_feedback(feedback):
    """release_feedback, then fetch_feedback: each page shows that student's score and
    diagnosis (found by the submission's secret, as nbgrader looks it up)."""
    expected = {"right": "Score: 8.0 / 8.0", "flip": "Score: 3.0 / 8.0",
                "none": "Score: 0.0 / 8.0"}
    for role, score in expected.items():
        assert score in feedback[role], role
        assert ("flipped-kernel" in feedback[role]) == (role == "flip")


# --- between accounts ---------------------------------------------------------------------

PROBE = """
import json, os, sys
what, path = sys.argv[1], sys.argv[2]
try:
    if what == "read":
        open(path, "rb").read(1)
    elif what == "list":
        os.listdir(path)
    elif what == "write":
        open(path, "ab").close()
    elif what == "delete":
        os.unlink(path)
    elif what == "rename":
        os.rename(path, path + ".mine")
    elif what == "create":
        open(os.path.join(path, "planted.txt"), "w").close()
    elif what == "import":
        __import__(path)
    print(json.dumps("allowed"))
except PermissionError:
    print(json.dumps("PermissionError"))
except ImportError:
    print(json.dumps("ImportError"))
"""


def _attempt(room, user: str, what: str, path) -> str:
    done = _ok(room.run_as(user, "python", "-c", PROBE, what, str(path)))
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_student_cannot_touch_another_students_submission(classroom, handed_in):
    """Even knowing the exact path, another student cannot list, read, change, rename or
    delete a submission in the exchange."""
    room = classroom
    victim = next(p for p in handed_in[NAMES["flip"]])
    notebook = victim / f"{ASSIGNMENT}.ipynb"
    intruder = NAMES["none"]
    inbound = victim.parent
    assert _attempt(room, intruder, "list", inbound) == "PermissionError"
    assert _attempt(room, intruder, "list", victim) == "PermissionError"
    for what, path in (("read", notebook), ("read", victim / "submission_secret.txt"),
                       ("write", notebook), ("delete", notebook), ("create", victim),
                       ("rename", victim)):
        assert _attempt(room, intruder, what, path) == "PermissionError", (what, path)
    assert notebook.is_file() and victim.is_dir()
    # The instructor can read it (collect does).
    assert _attempt(room, NAMES["inst"], "read", notebook) == "allowed"


def test_a_student_cannot_read_another_students_feedback(classroom, feedback):
    """Released feedback pages: the exchange's folder cannot be listed, and a classmate's
    page cannot be read even by its file name; its own student reads it."""
    room = classroom
    folder = Path(room.exchange) / room.course_id / "feedback"
    assert _attempt(room, NAMES["none"], "list", folder) == "PermissionError"
    from nbgrader.utils import notebook_hash

    own = room.course_dir / "autograde" / "feedback" / NAMES["flip"] / ASSIGNMENT
    page = folder / (notebook_hash(secret=(own / "submission_secret.txt").read_text(),
                                   notebook_id=ASSIGNMENT) + ".html")
    assert page.is_file()
    assert _attempt(room, NAMES["none"], "read", page) == "PermissionError"
    assert _attempt(room, NAMES["flip"], "read", page) == "allowed"


def test_a_student_cannot_reach_the_instructors_side(classroom, graded):
    """Masters, exercise definitions (hidden batteries), gradebook and the instructor's home
    are out of reach; the installed course has no exercise definitions to import."""
    room = classroom
    student = NAMES["right"]
    course = room.course_dir
    for path in (course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                 course / "course_lib" / "grading" / "exercises" / "convolution.py",
                 course / "autograde" / "gradebook.db",
                 course / "grading-output" / "results.json"):
        assert path.is_file(), path
        assert _attempt(room, student, "read", path) == "PermissionError", path
    assert _attempt(room, student, "list", Path(f"/home/{NAMES['inst']}")) == "PermissionError"
    assert _attempt(room, student, "list", Path(f"/home/{NAMES['flip']}")) == "PermissionError"
    assert _attempt(room, student, "import", "course_lib.grading.exercises") == "ImportError"
    # ... while the instructor's own server imports them from the course directory.
    assert _attempt(room, NAMES["inst"], "import", "course_lib.grading.exercises") == "allowed"
