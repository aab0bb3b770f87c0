"""One grade everywhere: Run All in a real kernel, `course grade`, plain nbgrader and the
gradebook give every notebook the same points, whatever its cell layout, seed or format.

The corpus is the sample class's honest students (alice to erin: correct answers and typical
mistakes, in all five assignments) and notebooks laid out as students really do: a helper in
a new cell, an import added to the imports cell, constants in a cell of their own, an answer
split over two cells, a wrong and a right version, a copy pasted after the tests, a helper
defined only below its test. Students who hang, crash the kernel or tamper with the checks are
graded by the other tests: their Run All in a kernel is not a grade by design.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from routes import course_grade, plain_course, plain_nbgrader, run_all_of_autograded, two_at_a_time

from course_lib.config import load_course
from sample_class import student_notebook

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]

COURSE = load_course()
ROOT = COURSE.root
SAMPLES = ROOT / "autograde" / "samples"
HONEST = ("alice", "bob", "carol", "dave", "erin")


def _grade_id(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _code(source: str, grade_id: str | None = None) -> dict:
    cell = nbformat.v4.new_code_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id}
    return json.loads(json.dumps(cell))


def _index(notebook, grade_id) -> int:
    return next(i for i, c in enumerate(notebook["cells"]) if _grade_id(c) == grade_id)


def _set(notebook, grade_id, source) -> None:
    notebook["cells"][_index(notebook, grade_id)]["source"] = source


LOOP_CONVOLVE = '''def convolve(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    out = np.zeros((output_size(image.shape[ROWS], kh), output_size(image.shape[COLS], kw)))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = window_sum(image[i:i + kh, j:j + kw], kernel)
    return out
'''
WINDOW_SUM = "def window_sum(window, kernel):\n    return np.sum(np.multiply(window, kernel))\n"
FLIPPED = LOOP_CONVOLVE.replace("window_sum(image[i:i + kh, j:j + kw], kernel)",
                                "window_sum(image[i:i + kh, j:j + kw], kernel[::-1, ::-1])")
MATH_SIZE = '''def output_size(image_size, kernel_size):
    if image_size < 1 or kernel_size < 1 or kernel_size > image_size:
        raise ValueError("sizes must be at least 1 and the kernel must fit")
    return math.floor(image_size - kernel_size) + 1
'''


def _layouts() -> dict[str, dict]:
    """01_convolution notebooks, correct, laid out in the ways students do."""
    master = json.loads(COURSE.master("01_convolution").read_text())
    base = student_notebook(master, {})
    setup, imports = _index(base, "setup"), _index(base, "setup") + 1
    layouts = {}

    def variant(name):
        notebook = json.loads(json.dumps(base))
        layouts[name] = notebook
        return notebook

    notebook = variant("helper cell above the answer")
    _set(notebook, "convolve_answer", LOOP_CONVOLVE.replace("ROWS", "0").replace("COLS", "1"))
    notebook["cells"].insert(_index(notebook, "convolve_answer"), _code(WINDOW_SUM))

    notebook = variant("helper right after the setup cell")
    _set(notebook, "convolve_answer", LOOP_CONVOLVE.replace("ROWS", "0").replace("COLS", "1"))
    notebook["cells"].insert(setup + 1, _code(WINDOW_SUM))

    notebook = variant("an import added to the imports cell")
    notebook["cells"][imports]["source"] = "import math\n" + "".join(
        notebook["cells"][imports]["source"])
    _set(notebook, "output_size_answer", MATH_SIZE)

    notebook = variant("constants in a new cell")
    notebook["cells"].insert(imports + 1, _code("ROWS, COLS = 0, 1\n\n" + WINDOW_SUM))
    _set(notebook, "convolve_answer", LOOP_CONVOLVE)

    notebook = variant("an answer split over two cells")
    _set(notebook, "convolve_answer", LOOP_CONVOLVE.replace("ROWS", "0").replace("COLS", "1"))
    notebook["cells"].insert(_index(notebook, "convolve_answer") + 1, _code(WINDOW_SUM))

    notebook = variant("a wrong version, then a right one above the test")
    _set(notebook, "convolve_answer", FLIPPED.replace("ROWS", "0").replace("COLS", "1")
         + "\n\n" + WINDOW_SUM)
    notebook["cells"].insert(_index(notebook, "convolve_visible"), _code(
        LOOP_CONVOLVE.replace("ROWS", "0").replace("COLS", "1")))

    notebook = variant("a right version, then a wrong one below it")
    _set(notebook, "convolve_answer", LOOP_CONVOLVE.replace("ROWS", "0").replace("COLS", "1")
         + "\n\n" + WINDOW_SUM)
    notebook["cells"].insert(_index(notebook, "convolve_answer") + 1, _code(
        FLIPPED.replace("ROWS", "0").replace("COLS", "1")))

    notebook = variant("a copy pasted after the tests")
    _set(notebook, "convolve_answer", LOOP_CONVOLVE.replace("ROWS", "0").replace("COLS", "1")
         + "\n\n" + WINDOW_SUM)
    copy = json.loads(json.dumps(notebook["cells"][_index(notebook, "convolve_answer")]))
    copy["source"] = FLIPPED.replace("ROWS", "0").replace("COLS", "1")
    copy.pop("id", None)
    notebook["cells"].append(copy)

    notebook = variant("a helper defined only below its test")
    _set(notebook, "convolve_answer", LOOP_CONVOLVE.replace("ROWS", "0").replace("COLS", "1"))
    notebook["cells"].insert(_index(notebook, "convolve_hidden") + 1, _code(WINDOW_SUM))
    return layouts


def _corpus(folder: Path) -> dict[tuple[str, str], Path]:
    """Write the corpus as an nbgrader submitted tree; return (student, assignment) -> file."""
    written = {}
    for student in HONEST:
        for path in sorted((SAMPLES / student).glob("*/*.ipynb")):
            assignment = path.parent.name
            target = folder / student / assignment / f"{assignment}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            written[(student, assignment)] = target
    for number, (label, notebook) in enumerate(_layouts().items()):
        student = f"layout{number}"
        target = folder / student / "01_convolution" / "01_convolution.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(notebook, indent=1))
        (target.parent / "LAYOUT.txt").write_text(label)
        written[(student, "01_convolution")] = target
    return written


@pytest.fixture(scope="module")
def routes(tmp_path_factory, course_config):
    """The corpus graded by `course grade`, by plain nbgrader, and run in a kernel."""
    base = tmp_path_factory.mktemp("one-grade")
    submitted = base / "submitted"
    corpus = _corpus(submitted)
    names = sorted({a for _, a in corpus})
    config = course_config(base / "grade_config.py")
    out = base / "out"
    done, ours = course_grade(submitted, out, config, names)
    assert done.returncode == 0, done.stderr[-3000:]
    plain = plain_course(base / "plain", course_config)
    gradebook = plain_nbgrader(submitted, plain, names)
    kernel = {}
    # nbgrader restored the hidden test cells in the autograded copy: one Run All gives the
    # points of the visible and of the hidden test cells.
    pairs = sorted(corpus)
    runs = two_at_a_time(lambda pair: run_all_of_autograded(plain, *pair), pairs)
    for (student, name), points_of in zip(pairs, runs, strict=True):
        for grade_id, points in points_of.items():
            kernel[(student, name, grade_id)] = points
    return {"ours": ours, "gradebook": gradebook, "kernel": kernel, "corpus": corpus,
            "out": out}


def test_run_all_in_a_kernel_course_grade_and_plain_nbgrader_agree(routes):
    """Every test cell of every corpus notebook: the same points by all three routes."""
    ours, gradebook, kernel = routes["ours"], routes["gradebook"], routes["kernel"]
    assert set(kernel) == set(gradebook) == {k for k, r in ours.items()
                                            if r["status"] != "not-submitted"}
    disagreements = [
        (key, kernel[key], ours[key]["score"], gradebook[key])
        for key in sorted(kernel)
        if not kernel[key] == ours[key]["score"] == gradebook[key]
    ]
    assert not disagreements, disagreements


def test_the_layouts_are_graded_as_run_all_runs_them(routes):
    """Correct layouts get full marks; where Run All would use a wrong version or miss a
    helper, the grade says so, as Run All in the kernel does."""
    ours = routes["ours"]
    for number, label in enumerate(_layouts()):
        cells = {g: r for (s, a, g), r in ours.items()
                 if s == f"layout{number}" and a == "01_convolution"}
        assert len(cells) == 4, (label, sorted(cells))
        if label == "a helper defined only below its test":
            assert cells["convolve_visible"]["score"] == 0
            assert "window_sum" in cells["convolve_visible"]["message"]
        elif label == "a right version, then a wrong one below it":
            assert cells["convolve_visible"]["score"] == 0
            assert cells["convolve_visible"]["diagnoses"] == ["flipped-kernel"]
        else:
            assert all(r["score"] == r["max_score"] for r in cells.values()), (label, cells)


def test_two_seeds_give_the_sample_class_the_same_totals(tmp_path, course_config):
    """Partial credit does not depend on the hidden cases drawn: two new batteries, one total
    per student."""
    # The default limits: a hang meets the 10 s per-call limit before the wall-clock limit, so
    # the cases finished before it count the same in both runs, whatever the load.
    config = course_config(tmp_path / "nbgrader_config.py", wall_seconds=20, cpu_seconds=20)
    totals = []
    for seed in (11, 12):
        out = tmp_path / f"seed{seed}"
        done = subprocess.run(
            [sys.executable, "-m", "course_lib.cli", "grade", "--submitted", str(SAMPLES),
             "--out", str(out), "--config", str(config), "--seed", str(seed), "--quiet",
             "--jobs", "2"],
            capture_output=True, text=True, timeout=1800,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        with (out / "grades.csv").open() as stream:
            totals.append({row["student"]: row for row in csv.DictReader(stream)})
    assert totals[0] == totals[1]
