"""The grading policies students are told about hold in the notebook's check and the grader
alike: no free points from the course's own library, one policy for hangs, any notebook
format, the right message for the wrong file or a renamed function, manual grades kept."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import warnings

import nbformat
import numpy as np
import pytest
from answers import edit

from course_lib import grading, kernels, reference
from course_lib.config import load_course
from course_lib.grader.validate import validate
from sample_class import master_answers, student_notebook

COURSE = load_course()

SHORTCUTS = {
    ("01_convolution", "output_size"):
        "def output_size(image_size, kernel_size):\n"
        "    return reference.output_size(image_size, kernel_size)\n",
    ("02_padding", "pad_width"):
        "def pad_width(kernel_size):\n"
        "    return reference.same_padding(kernel_size, kernel_size)\n",
    ("02_padding", "zero_pad"):
        "def zero_pad(image, pad):\n    return reference.pad(image, pad)\n",
    ("02_padding", "conv_output_size"):
        "def conv_output_size(n, k, padding=0, stride=1):\n"
        "    return reference.output_size(n, k, padding=padding, stride=stride)\n",
    ("03_filters", "normalize_kernel"):
        "def normalize_kernel(kernel):\n    return kernels.normalize(kernel)\n",
    ("03_filters", "sobel_magnitude"):
        "def sobel_magnitude(image):\n"
        "    gx = reference.correlate2d(image, kernels.get('sobel_right'), padding='same')\n"
        "    gy = reference.correlate2d(image, kernels.get('sobel_bottom'), padding='same')\n"
        "    return np.sqrt(gx ** 2 + gy ** 2)\n",
    ("05_tensorflow", "to_nhwc"):
        "def to_nhwc(image):\n"
        "    return reference.pad(image, 0).astype(np.float32)[None, :, :, None]\n",
    ("05_tensorflow", "to_hwio"):
        "import importlib\n\ndef to_hwio(kernel):\n"
        "    ref = importlib.import_module('course_lib.reference')\n"
        "    return ref.pad(kernel, 0).astype(np.float32)[:, :, None, None]\n",
    ("05_tensorflow", "tf_same_padding"):
        "def tf_same_padding(n, k, stride):\n"
        "    return getattr(reference, 'same_' + 'padding')(n, k, stride=stride)\n",
}
"""For every exercise that is not loop-only and has a shortcut in the course's library
(clamp has none): an answer that lets the library do the work, directly, through
import_module or through getattr."""


def _with_answer(assignment: str, function: str, source: str, tmp_path):
    master = json.loads(COURSE.master(assignment).read_text())
    path = tmp_path / f"{assignment}.ipynb"
    path.write_text(json.dumps(student_notebook(master, {function: source})))
    return path


@pytest.mark.parametrize(("assignment", "function"), sorted(SHORTCUTS))
def test_the_course_library_earns_nothing_in_the_check(assignment, function, capsys):
    """No free points in the notebook: the check refuses the shortcut with course-library."""
    namespace = {"np": np, "reference": reference, "kernels": kernels}
    source = SHORTCUTS[(assignment, function)]
    exec(compile(source, "<answer>", "exec"), namespace)
    assert grading.check(namespace[function], function, points=2, source=source) == 0.0
    assert "course-library" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize(("assignment", "function"), sorted(SHORTCUTS))
def test_the_course_library_earns_nothing_in_the_grader(assignment, function, tmp_path):
    """No free points in the grader either: both test cells rejected, with the same code."""
    path = _with_answer(assignment, function, SHORTCUTS[(assignment, function)], tmp_path)
    records = {r.grade_id: r for r in validate(path, show=False)}
    for battery in ("visible", "hidden"):
        record = records[f"{function}_{battery}"]
        assert (record.score, record.status) == (0, "rejected"), record.message
        assert record.diagnoses == ("course-library",)


def _cell_number(assignment: str, grade_id: str) -> int:
    master = json.loads(COURSE.master(assignment).read_text())
    ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in master["cells"]]
    return ids.index(grade_id) + 1


def test_a_helper_shortcut_costs_only_the_helper_in_the_check(capsys):
    """In the notebook: convolve calling an output_size that calls the reference keeps its
    points; output_size loses its own."""
    namespace = {"np": np, "reference": reference}
    master = master_answers(json.loads(COURSE.master("01_convolution").read_text()))
    assert "output_size(" in master["convolve"]
    source = SHORTCUTS[("01_convolution", "output_size")] + "\n" + master["convolve"]
    exec(compile(source, "<answers>", "exec"), namespace)
    assert grading.check(namespace["convolve"], "convolve", points=2) == 2.0
    assert grading.check(namespace["output_size"], "output_size", points=1) == 0.0
    said = capsys.readouterr()
    assert "convolve: all 7 checks passed" in said.out
    assert "output_size: rejected" in said.err and "convolve" not in said.err


@pytest.mark.slow
def test_a_helper_shortcut_costs_only_the_helper_in_the_grader(tmp_path):
    """One mistake, one penalty, told where it is: output_size is rejected with a message
    naming it and the cell where the call stands; the loop convolve that calls it passes."""
    path = _with_answer("01_convolution", "output_size",
                        SHORTCUTS[("01_convolution", "output_size")], tmp_path)
    records = {r.grade_id: r for r in validate(path, show=False)}
    cell = _cell_number("01_convolution", "output_size_answer")
    for battery in ("visible", "hidden"):
        helper = records[f"output_size_{battery}"]
        assert (helper.auto_score, helper.diagnoses) == (0, ("course-library",))
        assert (f"output_size uses course_lib.reference.output_size, the course's reference "
                f"implementations (cell {cell}, line 2)") in helper.message
        caller = records[f"convolve_{battery}"]
        assert (caller.status, caller.auto_score) == ("passed", caller.max_score), caller.message


@pytest.mark.slow
def test_the_exercises_own_reference_through_a_helper_stays_refused(tmp_path):
    """convolve reaching the reference's correlation through output_size earns nothing."""
    helper = ("def output_size(image_size, kernel_size):\n"
              "    ones = np.ones((image_size, 1)), np.ones((kernel_size, 1))\n"
              "    return reference.correlate2d(*ones).shape[0]\n")
    path = _with_answer("01_convolution", "output_size", helper, tmp_path)
    records = {r.grade_id: r for r in validate(path, show=False)}
    for grade_id in ("output_size_visible", "convolve_visible", "convolve_hidden"):
        assert records[grade_id].auto_score == 0, grade_id
        assert "course-library" in records[grade_id].diagnoses, grade_id


HANGS_ON_UINT8 = edit(
    "convolve",
    ("    image = np.asarray(image, dtype=np.float64)\n",
     "    image_dtype = np.asarray(image).dtype\n"
     "    image = np.asarray(image, dtype=np.float64)\n"),
    ("    return out", "    while image_dtype == np.uint8:\n        pass\n    return out"),
)
"""A correct convolve that never returns for uint8 input."""


@pytest.mark.slow
def test_one_policy_for_a_hang_in_the_check_and_the_grader(tmp_path):
    """A function that hangs on one kind of input keeps the points of the groups it finished
    before, in the notebook's check and in the grader alike; both say it timed out."""
    namespace = {"np": np}
    exec(HANGS_ON_UINT8, namespace)
    in_notebook = grading.check(namespace["convolve"], "convolve", points=2, time_limit=10)
    path = _with_answer("01_convolution", "convolve", HANGS_ON_UINT8, tmp_path)
    record = next(r for r in validate(path, show=False) if r.grade_id == "convolve_visible")
    assert 0 < in_notebook < 2
    assert record.score == in_notebook
    assert record.status == "timeout" and "too-slow" in record.diagnoses


@pytest.mark.slow
def test_nbformat_3_notebooks_are_upgraded_and_graded(tmp_path):
    """A correct notebook saved as nbformat 3 keeps every grade id and gets full marks."""
    master = json.loads(COURSE.master("01_convolution").read_text())
    current = nbformat.reads(json.dumps(student_notebook(master, {})), as_version=4)
    path = tmp_path / "01_convolution.ipynb"
    path.write_text(nbformat.writes(nbformat.convert(current, 3), version=3))
    assert json.loads(path.read_text())["nbformat"] == 3
    records = validate(path, show=False)
    assert [r.status for r in records] == ["passed"] * 4
    assert sum(r.score for r in records) == sum(r.max_score for r in records)


@pytest.mark.slow
def test_the_wrong_notebook_and_a_renamed_function_are_named(tmp_path):
    """A 02 notebook handed in as 01 is reported as such, not graded; a function renamed in
    its answer cell is named in the message."""
    padding = json.loads(COURSE.master("02_padding").read_text())
    wrong = tmp_path / "wrong" / "01_convolution.ipynb"
    wrong.parent.mkdir()
    wrong.write_text(json.dumps(student_notebook(padding, {})))
    records = validate(wrong, assignment="01_convolution", show=False)
    assert {r.status for r in records} == {"wrong-file"}
    assert "this is a 02_padding notebook" in records[0].message
    assert sum(r.score for r in records) == 0

    renamed = '''def my_convolve(image, kernel):
    return np.zeros((1, 1))
'''
    path = _with_answer("01_convolution", "convolve", renamed, tmp_path)
    record = next(r for r in validate(path, show=False) if r.grade_id == "convolve_visible")
    assert "convolve is not defined; the answer cell defines my_convolve" in record.message
    assert "deleted" not in record.message


@pytest.mark.slow
def test_manual_grades_reach_every_output_and_survive_a_rerun(tmp_path, course_config):
    """A grade set in formgrader (the gradebook) appears in grades.csv, results.json and the
    report after `course report`; grading again keeps it."""
    from nbgrader.api import Gradebook

    submitted = tmp_path / "submitted"
    master = json.loads(COURSE.master("01_convolution").read_text())
    for student, answers in (("ann", {}), ("ben", {"convolve": "def convolve(i, k):\n"
                                                               "    return None\n"})):
        folder = submitted / student / "01_convolution"
        folder.mkdir(parents=True)
        (folder / "01_convolution.ipynb").write_text(
            json.dumps(student_notebook(master, answers)))
    config = course_config(tmp_path / "nbgrader_config.py")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "course_lib.cli", "grade", "01_convolution", "--submitted",
               str(submitted), "--out", str(out), "--config", str(config), "--quiet"]
    assert subprocess.run(command, capture_output=True, timeout=600).returncode == 0

    def ben(name):
        with (out / "grades.csv").open() as stream:
            rows = {row["student"]: row for row in csv.DictReader(stream)}
        record = next(r for r in json.loads((out / "results.json").read_text())["records"]
                      if r["student"] == "ben" and r["grade_id"] == name)
        return float(rows["ben"]["total"]), record

    total, record = ben("convolve_hidden")
    assert record["score"] == 0 and record["manual_score"] is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{out / 'course' / 'gradebook.db'}", "course") as gradebook:
            grade = gradebook.find_grade("convolve_hidden", "01_convolution", "01_convolution",
                                         "ben")
            grade.manual_score = 1.5
            gradebook.db.commit()
    report = subprocess.run([sys.executable, "-m", "course_lib.cli", "report", "--out", str(out),
                             "--config", str(config)], capture_output=True, text=True, timeout=600)
    assert report.returncode == 0, report.stderr
    assert "1 graded by hand" in report.stdout
    new_total, record = ben("convolve_hidden")
    assert record["manual_score"] == 1.5 and new_total == total + 1.5
    # nbgrader's rule: the grade that counts is the manual one; the automatic 0 stays beside it.
    assert (record["score"], record["auto_score"]) == (1.5, 0)
    assert "graded by hand" in (out / "report.html").read_text()
    assert subprocess.run(command, capture_output=True, timeout=600).returncode == 0
    again, record = ben("convolve_hidden")
    assert record["manual_score"] == 1.5 and again == new_total
