"""End-to-end tests of ``course grade``: every failure mode, nbgrader outputs, resuming."""

from __future__ import annotations

import copy
import csv
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from answers import named
from leftovers import pool_processes

from sample_class import student_notebook

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01_convolution"
MASTER = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
# A uid pool of this module's own: "no child left" can only mean this module's children,
# whatever other tests run in the sandbox beside it.
FIRST_UID = 61100
LIMITS = {"wall_seconds": 10, "cpu_seconds": 10, "memory_bytes": 2**30, "uid": FIRST_UID}

FLIPPED = named("convolve: flips the kernel").source
TAMPERING = {
    "t_allclose": "np.allclose = lambda *args, **kwargs: True\n",
    "t_testing": "np.testing.assert_allclose = lambda *args, **kwargs: None\n"
    "np.testing.assert_array_equal = lambda *args, **kwargs: None\n",
    "t_course_lib": "import course_lib\nfrom course_lib import grading, reference\n"
    "grading.check = lambda function, name, *, points, hidden=False: points\n"
    "course_lib.grading.check = grading.check\n"
    "reference.correlate2d = lambda image, kernel, **kwargs: convolve(image, kernel)\n",
    "t_import": "import builtins\n_real_import = builtins.__import__\n"
    "builtins.__import__ = lambda name, *args, **kwargs: _real_import(name, *args, **kwargs)\n",
    "t_subclass": "class Agreeable(np.ndarray):\n"
    "    def __eq__(self, other):\n        return True\n"
    "    def __ne__(self, other):\n        return False\n\n\n_flipped = convolve\n\n\n"
    "def convolve(image, kernel):\n    return _flipped(image, kernel).view(Agreeable)\n",
}
HOSTILE = {
    "h_hang": "def convolve(image, kernel):\n    while True:\n        pass\n",
    "h_exit": "import os\n\n\ndef convolve(image, kernel):\n    os._exit(0)\n",
    "h_segfault": "import ctypes\n\n\ndef convolve(image, kernel):\n"
    "    return ctypes.string_at(0)\n",
    "h_memory": "def convolve(image, kernel):\n    block = np.ones(50 * 2**30, dtype=np.uint8)\n"
    "    return block[:1].reshape(1, 1)\n",
}
EXPECTED_HOSTILE = {
    "h_hang": "timeout",
    "h_exit": "crashed",
    "h_segfault": "crashed",
    "h_memory": "memory",
}


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _write(folder: Path, notebook, name=f"{ASSIGNMENT}.ipynb") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(notebook, indent=1))


def build_class(submitted: Path) -> None:
    """Write one crafted submission per failure mode."""
    master = json.loads(MASTER.read_text())
    correct = student_notebook(master, {})
    folder = submitted.joinpath
    _write(folder("good", ASSIGNMENT), correct)
    _write(folder("renamed", ASSIGNMENT), correct, name="01_Convolution (1).ipynb")
    _write(folder("flipped", ASSIGNMENT), student_notebook(master, {"convolve": FLIPPED}))
    for student, extra in TAMPERING.items():
        _write(folder(student, ASSIGNMENT), student_notebook(master, {"convolve": FLIPPED + extra}))
    for student, answer in HOSTILE.items():
        _write(folder(student, ASSIGNMENT), student_notebook(master, {"convolve": answer}))
    text = json.dumps(correct)
    folder("broken_json", ASSIGNMENT).mkdir(parents=True)
    folder("broken_json", ASSIGNMENT, f"{ASSIGNMENT}.ipynb").write_text(text[: len(text) // 3])
    folder("empty", ASSIGNMENT).mkdir(parents=True)
    folder("empty", ASSIGNMENT, f"{ASSIGNMENT}.ipynb").write_text("")
    folder("missing", ASSIGNMENT).mkdir(parents=True)
    deleted = copy.deepcopy(correct)
    deleted["cells"] = [c for c in deleted["cells"] if _grade_id(c) != "convolve_answer"]
    _write(folder("deleted", ASSIGNMENT), deleted)
    shuffled = student_notebook(master, {"convolve": FLIPPED})
    cells = shuffled["cells"]
    answer = next(c for c in cells if _grade_id(c) == "convolve_answer")
    fixed = copy.deepcopy(next(c for c in correct["cells"] if _grade_id(c) == "convolve_answer"))
    output_size = next(c for c in cells if _grade_id(c) == "output_size_answer")
    cells.remove(output_size)
    cells.insert(cells.index(answer) + 1, fixed)
    setup = next(c for c in cells if _grade_id(c) == "setup")
    cells.insert(cells.index(setup) + 1, output_size)
    _write(folder("dup_reorder", ASSIGNMENT), shuffled)
    below = copy.deepcopy(correct)
    moved = next(c for c in below["cells"] if _grade_id(c) == "output_size_answer")
    below["cells"].remove(moved)
    below["cells"].append(moved)
    _write(folder("answer_below", ASSIGNMENT), below)
    edited = student_notebook(master, {"convolve": FLIPPED})
    for cell in edited["cells"]:
        if _grade_id(cell) in ("convolve_visible", "convolve_hidden"):
            cell["source"] = "print('all tests passed')\n3"
            cell["metadata"]["nbgrader"]["points"] = 100
    _write(folder("edited_test", ASSIGNMENT), edited)


def run_grade(submitted: Path, out: Path, config: Path, *extra, wait=True):
    """Run ``course grade`` in a subprocess (its own session, so it can be killed as a group)."""
    argv = [
        sys.executable,
        "-m",
        "course_lib.cli",
        "grade",
        ASSIGNMENT,
        "--submitted",
        str(submitted),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--config",
        str(config),
        "--quiet",
        *extra,
    ]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if not wait:
        return subprocess.Popen(
            argv,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,  # --quiet: a few lines at most, read by communicate()
            text=True,
        )
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def records_of(out: Path) -> dict:
    records = json.loads((out / "results.json").read_text())["records"]
    return {(r["student"], r["grade_id"]): r for r in records}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, course_config):
    """A crafted class graded once with small limits (10 s, 1 GiB) set before running."""
    base = tmp_path_factory.mktemp("grading")
    submitted = base / "submitted"
    build_class(submitted)
    config = course_config(base / "nbgrader_config.py", **LIMITS)
    out = base / "out"
    run_grade(submitted, out, config)
    return {
        "base": base,
        "submitted": submitted,
        "config": config,
        "out": out,
        "records": records_of(out),
    }


def _score(records, student, grade_id):
    return records[(student, grade_id)]["score"]


@pytest.mark.slow
def test_correct_renamed_and_reordered_submissions_get_full_marks(graded):
    """Correct answers score fully, also under a wrong file name, with duplicated cells (the
    last one above the test wins) or with an answer moved further up."""
    records = graded["records"]
    for student in ("good", "renamed", "dup_reorder"):
        mine = [r for (s, _), r in records.items() if s == student]
        assert len(mine) == 4
        assert all(r["status"] == "passed" and r["score"] == r["max_score"] for r in mine)
    assert "01_Convolution (1).ipynb" in records[("renamed", "convolve_visible")]["notes"][0]


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(TAMPERING))
def test_tampering_cannot_raise_the_score(graded, student):
    """Patching numpy, course_lib, __import__ or lying subclasses scores like the plain mistake."""
    records = graded["records"]
    for battery in ("convolve_visible", "convolve_hidden"):
        mine, plain = records[(student, battery)], records[("flipped", battery)]
        assert mine["score"] <= plain["score"] < mine["max_score"]
        assert mine["status"] == "failed"
        # The lying subclass is named as what it is (not a plain array).
        assert {"flipped-kernel", "not-an-array"} & set(mine["diagnoses"])
        assert "tampering" in mine["diagnoses"]
    assert _score(records, student, "output_size_hidden") == 2


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_hang_crash_and_memory_cost_only_that_exercise(graded, student):
    """A hang, os._exit, a segfault or a 50 GB allocation zeroes convolve, nothing else."""
    records = graded["records"]
    for battery in ("convolve_visible", "convolve_hidden"):
        assert records[(student, battery)]["status"] == EXPECTED_HOSTILE[student]
        assert records[(student, battery)]["score"] == 0
    assert records[(student, "output_size_visible")]["status"] == "passed"
    assert _score(records, student, "output_size_hidden") == 2


@pytest.mark.slow
def test_unreadable_missing_and_deleted_get_clear_statuses(graded):
    """Broken JSON and empty files are errors, no notebook is missing, a deleted cell misses."""
    records = graded["records"]
    for student, status, words in (
        ("broken_json", "error", "not valid notebook JSON"),
        ("empty", "error", "is empty"),
        ("missing", "not-submitted", "no notebook submitted"),
    ):
        for grade_id in ("output_size_visible", "convolve_hidden"):
            assert records[(student, grade_id)]["status"] == status
            assert words in records[(student, grade_id)]["message"]
            assert records[(student, grade_id)]["score"] == 0
    assert records[("deleted", "convolve_visible")]["status"] == "missing"
    assert "convolve_answer" in records[("deleted", "convolve_visible")]["message"]
    # Run All: an answer moved below its test is not defined when the test runs.
    below = records[("answer_below", "output_size_visible")]
    assert below["status"] == "missing" and below["score"] == 0
    assert "below the test cell" in below["message"]
    assert records[("deleted", "output_size_hidden")]["status"] == "passed"


@pytest.mark.slow
def test_gradebook_and_autograded_notebook_hold_authoritative_scores(graded):
    """nbgrader's gradebook auto_score equals points x fraction, even for edited test cells."""
    from nbgrader.api import Gradebook

    records = graded["records"]
    assert records[("edited_test", "convolve_visible")]["score"] == 0
    assert records[("edited_test", "convolve_visible")]["max_score"] == 2
    course = graded["out"] / "course"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "course") as gradebook:
            staged = {s.student_id for s in gradebook.assignment_submissions(ASSIGNMENT)}
            assert "missing" not in staged, "no notebook, no nbgrader submission"
            for (student, grade_id), record in records.items():
                if record["status"] == "not-submitted":
                    continue
                grade = gradebook.find_grade(grade_id, ASSIGNMENT, ASSIGNMENT, student)
                assert grade.auto_score == pytest.approx(record["auto_score"]), (student, grade_id)
                assert grade.max_score == record["max_score"]
    autograded = course / "autograded" / "flipped" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    cell = next(
        c for c in json.loads(autograded.read_text())["cells"] if _grade_id(c) == "convolve_visible"
    )
    assert "flipped-kernel" in "".join(cell["outputs"][0]["text"])


@pytest.mark.slow
def test_feedback_explains_failures_and_hides_hidden_tests(graded):
    """Every student gets feedback with the diagnosis, and no feedback shows hidden test code."""
    feedback = graded["out"] / "feedback"
    students = {s for s, _ in graded["records"]} - {"missing"}
    files = sorted(feedback.glob(f"*/{ASSIGNMENT}.html"))
    assert {f.parent.name for f in files} == students
    for path in files:
        text = path.read_text()
        assert "hidden=True" not in text and "BEGIN HIDDEN TESTS" not in text
    assert "flipped-kernel" in (feedback / "flipped" / f"{ASSIGNMENT}.html").read_text()
    broken = (feedback / "broken_json" / f"{ASSIGNMENT}.html").read_text()
    assert "not valid notebook JSON" in broken


@pytest.mark.slow
def test_grades_csv_and_report(graded):
    """grades.csv sums each student's scores; report.html embeds plots and flags hostile runs."""
    with (graded["out"] / "grades.csv").open() as stream:
        rows = list(csv.DictReader(stream))
    totals = {row["student"]: float(row["total"]) for row in rows}
    assert totals["good"] == 8 and totals["missing"] == 0
    assert set(totals) == {s for s, _ in graded["records"]}
    report = (graded["out"] / "report.html").read_text()
    assert 'src="data:image/png;base64,' in report
    for student in ("h_hang", "h_exit", "h_memory", "t_allclose"):
        assert student in report


@pytest.mark.slow
@pytest.mark.browser
def test_report_opens_in_a_browser_with_its_plots(graded, artifacts_dir, chromium_options):
    """Headless Chromium renders report.html: every plot decodes and the page names the flagged."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_options)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto((graded["out"] / "report.html").as_uri())
            widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
            text = page.inner_text("body")
            page.screenshot(path=str(artifacts_dir / "class_report.png"), full_page=True)
        finally:
            browser.close()
    assert len(widths) >= 3 and all(width > 100 for width in widths), widths
    assert "h_hang" in text and "t_allclose" in text


@pytest.mark.slow
def test_rerun_is_idempotent(graded):
    """Running again on the same output folder gives identical records (timings aside:
    stored results are reused, but a change to the grading code regrades everything)."""
    run_grade(graded["submitted"], graded["out"], graded["config"])
    again = records_of(graded["out"])
    assert again.keys() == graded["records"].keys()
    for key, record in again.items():
        assert _without_timing(record) == _without_timing(graded["records"][key]), key


def _without_timing(record):
    return {k: v for k, v in record.items() if k != "seconds"}


def _verdict(record):
    return {k: record[k] for k in ("score", "status", "diagnoses", "message", "max_score")}


@pytest.mark.slow
def test_killed_run_resumes_without_losing_or_duplicating(graded):
    """A run killed mid-way and started again completes with the same verdicts."""
    submitted = graded["base"] / "subset"
    for student in ("good", "flipped", "h_exit", "deleted", "empty", "t_import"):
        target = submitted / student
        target.mkdir(parents=True)
        source = graded["submitted"] / student / ASSIGNMENT
        (target / ASSIGNMENT).symlink_to(source, target_is_directory=True)
    out = graded["base"] / "killed"
    process = run_grade(submitted, out, graded["config"], wait=False)
    results = out / "work" / "results" / ASSIGNMENT
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(results.glob("*.json"))) < 2:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    assert not (out / "results.json").exists()
    run_grade(submitted, out, graded["config"])
    resumed = records_of(out)
    assert len(resumed) == 6 * 4
    for key, record in resumed.items():
        assert _verdict(record) == _verdict(graded["records"][key]), key


def _subset(graded, name: str, students) -> Path:
    submitted = graded["base"] / name
    for student in students:
        target = submitted / student
        target.mkdir(parents=True)
        (target / ASSIGNMENT).symlink_to(graded["submitted"] / student / ASSIGNMENT,
                                         target_is_directory=True)
    return submitted


@pytest.mark.slow
def test_results_graded_without_the_sandbox_are_never_reused_by_a_sandboxed_run(graded):
    """`--unsafe` then a normal run into the same folder grades again and says sandboxed."""
    submitted = _subset(graded, "unsafe_subset", ("good", "flipped"))
    out = graded["base"] / "unsafe_then_safe"
    run_grade(submitted, out, graded["config"], "--unsafe")
    assert json.loads((out / "results.json").read_text())["run"]["sandbox"]["unsafe"] is True
    done = run_grade(submitted, out, graded["config"])
    assert "2 graded now, 0 reused" in done.stdout
    assert json.loads((out / "results.json").read_text())["run"]["sandbox"]["unsafe"] is False
    again = run_grade(submitted, out, graded["config"])
    assert "0 graded now, 2 reused" in again.stdout


@pytest.mark.slow
def test_ctrl_c_stops_at_once_leaves_nothing_half_written_and_the_next_run_resumes(graded):
    """The first Ctrl-C ends the run with status 130 within seconds: children killed, no
    feedback page replaced by a stand-in, no outputs; the same command then finishes."""
    students = ("good", "flipped", "h_hang", "t_import", "deleted", "dup_reorder", "renamed")
    submitted = _subset(graded, "interrupted_subset", students)
    out = graded["base"] / "interrupted"
    process = run_grade(submitted, out, graded["config"], "--jobs", "1", wait=False)
    results = out / "work" / "results" / ASSIGNMENT
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(results.glob("*.json"))) < 2:
        time.sleep(0.1)
    sent = time.monotonic()
    os.kill(process.pid, signal.SIGINT)
    _, said = process.communicate(timeout=60)
    assert process.returncode == 130
    assert time.monotonic() - sent < 15, "the first Ctrl-C must stop grading promptly"
    # A clean stop: what it did and how to resume, no fault reported and no traceback.
    assert "interrupted" in said and "Run the same command again" in said
    assert "Traceback" not in said and "failed" not in said, said
    assert not (out / "results.json").exists() and not (out / "report.html").exists()
    kept = sorted(p.stem for p in results.glob("*.json"))
    assert 2 <= len(kept) < len(students)
    stand_in = "could not process your notebook"
    for page in (out / "feedback").glob(f"*/{ASSIGNMENT}.html"):
        text = page.read_text()
        assert text.rstrip().endswith("</html>"), page
        uninterrupted = graded["out"] / "feedback" / page.parent.name / page.name
        assert (stand_in in text) == (stand_in in uninterrupted.read_text()), page
    assert not pool_processes(FIRST_UID), "children left running"
    done = run_grade(submitted, out, graded["config"], "--jobs", "1")
    assert f"{len(kept)} reused" in done.stdout
    resumed = records_of(out)
    for key, record in resumed.items():
        assert _verdict(record) == _verdict(graded["records"][key]), key
