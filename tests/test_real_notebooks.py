"""Notebooks as students and their tools really leave them: one grade on every route, and a
feedback page for everyone who handed one in.

Each row starts from the released 01 notebook answered with the master's solutions (and a
line saying whose it is), then does to it what an editor, a student or a machine does.
Every row is graded by `course grade`, by plain `nbgrader autograde` with the course's
configuration, by `course validate`, and by Run All in a real kernel of nbgrader's
autograded copy (the notebook's own check cells, hidden tests restored), and must get the
same points in every test cell; its feedback page must show the student's own code and
score, and say what was put back.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys

import pytest
import routes

from sample_class import answer_released, master_answers

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]

NAME = "01_convolution"
COURSE = routes.COURSE
FULL = {"output_size_visible": 1.0, "output_size_hidden": 2.0, "convolve_visible": 2.0,
        "convolve_hidden": 3.0}
NO_CONVOLVE = {**FULL, "convolve_visible": 0.0, "convolve_hidden": 0.0}


def _grade_id(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _answered(student: str) -> dict:
    released = json.loads(COURSE.student(NAME).read_text())
    answers = master_answers(json.loads(COURSE.master(NAME).read_text()))
    answers["convolve"] += f"\n# handed in by {student}\n"
    return answer_released(released, answers)


def _cell(notebook, grade_id) -> dict:
    return next(c for c in notebook["cells"] if _grade_id(c) == grade_id)


def markdown_answer(nb):
    cell = _cell(nb, "convolve_answer")
    cell["cell_type"] = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)


def help_line(nb):
    cell = _cell(nb, "convolve_answer")
    cell["source"] = "np.zeros?\n" + cell["source"]


def annotation_typo(nb):
    cell = _cell(nb, "convolve_answer")
    cell["source"] = cell["source"].replace("def convolve(image, kernel):",
                                            "def convolve(image: np.ndarry, kernel):")


def delete_test_cell(nb):
    nb["cells"].remove(_cell(nb, "convolve_visible"))


def delete_test_cells(nb):
    nb["cells"] = [c for c in nb["cells"] if _grade_id(c) not in ("convolve_visible",
                                                                  "convolve_hidden")]


def metadata_stripped(nb):
    for cell in nb["cells"]:
        cell["metadata"] = {}


def nbformat_44(nb):
    nb["nbformat_minor"] = 4


def nbformat_44_without_ids(nb):
    """As an older Jupyter saves it: nbformat 4.4, whose cells have no ids."""
    nb["nbformat_minor"] = 4
    for cell in nb["cells"]:
        del cell["id"]


def colab_widgets(nb):
    """As Colab saves a notebook that showed a slider: the widget's view in an output, and
    its state without the schema's nesting (no "state", no version)."""
    view = {"model_id": "0f3c", "version_major": 2, "version_minor": 0}
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code" and not _grade_id(c))
    cell["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {
        "application/vnd.jupyter.widget-view+json": view, "text/plain": "IntSlider(value=3)"}}]
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"0f3c": {
        "model_module": "@jupyter-widgets/controls", "model_name": "IntSliderModel",
        "model_module_version": "1.5.0", "state": {"value": 3}}}}
    nb["metadata"]["colab"] = {"provenance": []}


ROWS = {
    "markdown_answer": (markdown_answer, FULL,
                        "convolve_answer was a markdown cell: graded as the code cell"),
    "help_line": (help_line, FULL, None),
    "annotation_typo": (annotation_typo, NO_CONVOLVE, None),
    "test_cell_deleted": (delete_test_cell, FULL, "convolve_visible was missing"),
    "test_cells_deleted": (delete_test_cells, FULL,
                           "convolve_visible, convolve_hidden were missing"),
    "metadata_stripped": (metadata_stripped, FULL, "nbgrader's cell metadata was missing"),
    "nbformat_44": (nbformat_44, FULL, "says nbformat 4.4 but has cell ids"),
    "nbformat_44_without_ids": (nbformat_44_without_ids, FULL, None),
    "colab_widgets": (colab_widgets, FULL, "saved widget state"),
}
"""student (the row) -> (what is done to the notebook, points per test cell, the note the
feedback page must carry or None)."""


@pytest.fixture(scope="module")
def graded(tmp_path_factory, course_config):
    """Every row graded by every route."""
    base = tmp_path_factory.mktemp("real-notebooks")
    submitted = base / "submitted"
    for student, (change, _, _) in ROWS.items():
        notebook = _answered(student)
        change(notebook)
        target = submitted / student / NAME / f"{NAME}.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(notebook, indent=1))
    config = course_config(base / "grade_config.py")
    done, ours = routes.course_grade(submitted, base / "out", config, [NAME])
    plain = routes.plain_course(base / "plain", course_config)
    gradebook = routes.plain_nbgrader(submitted, plain, [NAME],
                                      steps=("generate_assignment", "autograde",
                                             "generate_feedback"))
    for student in ROWS:
        copy_ = base / "validate" / student / f"{NAME}.ipynb"
        copy_.parent.mkdir(parents=True)
        shutil.copyfile(submitted / student / NAME / f"{NAME}.ipynb", copy_)
    validated = dict(zip(ROWS, routes.two_at_a_time(
        lambda student: routes.validate_points(base / "validate" / student / f"{NAME}.ipynb"),
        list(ROWS)), strict=True))
    kernel = dict(zip(ROWS, routes.two_at_a_time(
        lambda student: routes.run_all_of_autograded(plain, student, NAME), list(ROWS)),
        strict=True))
    return {"done": done, "ours": ours, "gradebook": gradebook, "validated": validated,
            "kernel": kernel, "out": base / "out", "plain": plain}


@pytest.mark.parametrize("student", list(ROWS))
def test_every_route_gives_the_same_points_in_every_test_cell(graded, student):
    """course grade, plain nbgrader, course validate and the notebook's own check cells."""
    expected = ROWS[student][1]
    ours = {g: r["score"] for (s, a, g), r in graded["ours"].items() if s == student}
    plain = {g: p for (s, a, g), p in graded["gradebook"].items() if s == student}
    done, validated = graded["validated"][student]
    assert ours == expected, graded["done"].stderr[-2000:]
    assert plain == expected
    assert validated == expected, done.stdout[-3000:]
    assert graded["kernel"][student] == expected
    assert done.returncode == (0 if expected == FULL else 1)


@pytest.mark.parametrize("student", list(ROWS))
def test_every_student_gets_a_feedback_page_with_their_own_code(graded, student):
    """Both routes write a page with the student's answer and score, saying what was put
    back; none is the released notebook standing in for an unreadable one."""
    expected, note = sum(ROWS[student][1].values()), ROWS[student][2]
    pages = [graded["out"] / "feedback" / student / f"{NAME}.html",
             graded["plain"] / "feedback" / student / NAME / f"{NAME}.html"]
    for page in pages:
        assert page.is_file(), page
        html = page.read_text(encoding="utf-8")
        assert f"handed in by {student}" in html, page
        assert f"Score: {expected:.1f} / 8.0" in html, page
        assert "could not be read" not in html and "could not process" not in html
        if note:
            assert note in html, page


def test_course_grade_exits_cleanly_with_everything_written(graded):
    """Exit status 0, every row in grades.csv, nothing to report as failed."""
    assert graded["done"].returncode == 0, graded["done"].stderr[-3000:]
    rows = {r["student"]: float(r[NAME]) for r in
            csv.DictReader((graded["out"] / "grades.csv").read_text().splitlines())}
    assert rows == {s: sum(points.values()) for s, (_, points, _) in ROWS.items()}
    results = json.loads((graded["out"] / "results.json").read_text())
    assert results["run"]["nbgrader_failures"] == {}


def test_run_all_of_the_notebook_as_handed_in_says_why_the_markdown_answer_fails(tmp_path):
    """The student's own Run All (the answer cell still Markdown) fails in the test cell, and
    says that the cell is not a code cell, how to fix it, and how grading treats it."""
    import nbformat
    from nbclient import NotebookClient

    notebook = _answered("markdown_answer")
    markdown_answer(notebook)
    path = tmp_path / f"{NAME}.ipynb"
    path.write_text(json.dumps(notebook))
    run = nbformat.read(str(path), as_version=4)
    NotebookClient(run, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute(
        env={**os.environ, "JPY_SESSION_NAME": str(path)})
    test = next(c for c in run.cells if _grade_id(c) == "convolve_visible")
    said = "".join(o.get("text", "") for o in test.outputs if o.get("name") == "stderr")
    assert any(o.output_type == "error" and o.ename == "NameError" for o in test.outputs)
    assert "convolve is not defined because the cell that defines it is a markdown cell" in said
    assert "graded as the code cell it was released as" in said


# --- the machine and the command line ----------------------------------------------------

NON_UTF8 = {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
"""A machine whose locale (and so Python's file-system encoding) is ASCII, not UTF-8."""


def test_a_non_ascii_student_id_on_a_machine_that_is_not_utf8(tmp_path, course_config):
    """`course grade` on an ASCII-locale machine: the student "zoë" and a classmate are
    graded, and grades.csv, results.json, the report and both pages carry the name right."""
    submitted = tmp_path / "submitted"
    for student in ("zoë", "ann"):
        target = submitted / student / NAME / f"{NAME}.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(_answered(student), indent=1), encoding="utf-8")
    env = {**os.environ, **NON_UTF8}
    check = subprocess.run([sys.executable, "-c", "import sys; print(sys.getfilesystemencoding())"],
                           env=env, capture_output=True, text=True)
    assert check.stdout.strip() == "ascii"  # the machine this test stands for
    out = tmp_path / "out"
    done, ours = routes.course_grade(submitted, out, course_config(tmp_path / "c.py"), [NAME],
                                     env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    grades = (out / "grades.csv").read_text(encoding="utf-8")
    assert "zoë,8.0,8.0" in grades and "ann,8.0,8.0" in grades
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert {r["student"] for r in results["records"]} == {"zoë", "ann"}
    assert "zoë" in (out / "report.html").read_text(encoding="utf-8")
    page = (out / "feedback" / "zoë" / f"{NAME}.html").read_text(encoding="utf-8")
    assert "handed in by zoë" in page and "Score: 8.0 / 8.0" in page


def test_relative_out_and_submitted_work_like_absolute_ones(tmp_path, course_config):
    """`--submitted sub --out out`, typed in the folder that holds them: gradebook, pages and
    grades exactly as with absolute paths."""
    submitted = tmp_path / "sub"
    target = submitted / "ann" / NAME / f"{NAME}.ipynb"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(_answered("ann"), indent=1))
    config = course_config(tmp_path / "c.py")
    done = subprocess.run(
        [sys.executable, "-m", "course_lib.cli", "grade", NAME, "--submitted", "sub",
         "--out", "out", "--config", str(config), "--quiet", "--jobs", "1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / "out"
    assert (out / "course" / "gradebook.db").is_file()
    assert "Score: 8.0 / 8.0" in (out / "feedback" / "ann" / f"{NAME}.html").read_text()
    assert "ann,8.0,8.0" in (out / "grades.csv").read_text()
    assert "db upgrade" not in done.stderr
