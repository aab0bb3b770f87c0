"""Notebooks 03-05: what each must teach is there, and they behave in a real kernel.

Structure, release sync and nbgrader autograding of every notebook (masters to
full marks, untouched copies to zero) are in test_notebooks.py and
test_notebook_grading.py, which cover these three as well. This file adds
what is particular to them: the widgets and the "spot the bug" code are
embedded, notebook 05 asserts its TensorFlow comparisons and survives a
missing TensorFlow, and a partly wrong answer gets named feedback in a kernel.
"""

from __future__ import annotations

import ast
import json
import time

import nbformat
import pytest
from nbclient import NotebookClient

from course_lib.config import load_course
from sample_class import student_notebook

COURSE = load_course()

NOTEBOOKS = ("03_filters", "04_pooling", "05_tensorflow")


def _master(name: str) -> nbformat.NotebookNode:
    return nbformat.read(str(COURSE.master(name)), as_version=4)


def _code(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def _grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def _execute(notebook, name: str, monkeypatch, *, timeout: int = 300) -> float:
    """Run ``notebook`` top to bottom in a fresh kernel (errors recorded, not raised)."""
    monkeypatch.delenv("MPLBACKEND", raising=False)
    folder = COURSE.master(name).parent
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def _errors(cell) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.get("outputs", []) if o.output_type == "error"]


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")


def _points(cell) -> float:
    results = [o for o in cell.get("outputs", []) if o.output_type == "execute_result"]
    assert results, f"test cell {_grade_id(cell)} returned no points"
    return float(results[-1]["data"]["text/plain"])


def test_filters_notebook_embeds_the_picker_and_the_editor():
    """03 shows the filter picker and the kernel editor, and walks the whole gallery."""
    code = "\n".join(_code(_master("03_filters")))
    assert "filter_picker()" in code and "kernel_editor()" in code
    assert "for name in kernels.names()" in code
    assert "correlate_stack" in code  # a whole batch of digits at once
    assert "kernels.gaussian(" in code and "data.cat()" in code


def test_pooling_notebook_has_the_spot_the_bug_code_and_the_explorer():
    """04 reproduces the pixels[0] tutorial bug and embeds the pooling explorer."""
    code = "\n".join(_code(_master("04_pooling")))
    assert "pixels[0]" in code
    assert "pooling_explorer()" in code
    assert "size=3, stride=2" in code  # overlapping pooling


def test_tensorflow_notebook_asserts_every_comparison():
    """05 asserts (not just prints) agreement for conv2d, pooling, ReLU, Keras and colour."""
    code = "\n".join(_code(_master("05_tensorflow")))
    for needle in ("tf.nn.conv2d", "tf.nn.max_pool2d", "tf.nn.relu", "keras.layers.Conv2D",
                   "set_weights", "model.fit", "reference.convolve2d"):
        assert needle in code, needle
    assert code.count("np.testing.assert_allclose") >= 12
    for padding, stride in [("VALID", 1), ("SAME", 1), ("VALID", 2), ("SAME", 2)]:
        assert f'("{padding}", {stride})' in code


def test_tensorflow_import_is_guarded_and_quiet():
    """TensorFlow is loaded once, through the quiet loader that explains a missing install."""
    cells = _code(_master("05_tensorflow"))
    first = next(source for source in cells if "load_tensorflow()" in source)
    assert "tf, keras = load_tensorflow()" in first
    assert not any("import tensorflow" in source for source in cells)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_answers_and_setup_do_not_need_tensorflow(name):
    """Graded functions and the trusted setup cell import nothing heavy (grading stays fast)."""
    for cell in _master(name).cells:
        if _grade_id(cell) == "setup" or _grade_id(cell).endswith("_answer"):
            modules = set()
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.Import):
                    modules |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom):
                    modules.add((node.module or "").split(".")[0])
            assert not modules & {"tensorflow", "keras", "scipy"}, (_grade_id(cell), modules)


@pytest.mark.slow
def test_tensorflow_notebook_without_tensorflow_explains_and_still_grades(monkeypatch):
    """With TensorFlow missing, 05 says how to install it, stops without a traceback,
    and every graded test before it still earns full marks."""
    notebook = _master("05_tensorflow")
    blocker = nbformat.v4.new_code_cell(
        "import sys\nsys.modules['tensorflow'] = None\nsys.modules['keras'] = None"
    )
    notebook.cells.insert(0, blocker)
    seconds = _execute(notebook, "05_tensorflow", monkeypatch)
    print(f"05_tensorflow without TensorFlow ran in {seconds:.1f} s")
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    guard = next(c for c in code_cells if "load_tensorflow()" in c.source)
    before = code_cells[: code_cells.index(guard)]
    errors = [o for o in guard.outputs if o.output_type == "error"]
    assert [e.ename for e in errors] == ["TensorFlowMissing"]
    assert "    python -m pip install tensorflow" in errors[0].traceback
    assert not any("Traceback" in line or "File " in line for line in errors[0].traceback)
    assert not [o for o in guard.outputs if o.get("name") == "stderr"]
    assert all(_errors(c) == [] for c in before), [(_grade_id(c), _errors(c)) for c in before]
    tests = [c for c in before if _grade_id(c).endswith(("_visible", "_hidden"))]
    assert len(tests) == 6
    for cell in tests:
        assert _points(cell) == cell.metadata["nbgrader"]["points"], _text(cell)


@pytest.mark.slow
def test_tutorial_max_pool_gets_named_partial_credit_in_the_kernel(monkeypatch):
    """A student notebook with the pixels[0] bug: the visible test names 'first-element'
    and gives partial points; avg_pool, answered correctly, gets full points."""
    master = json.loads(COURSE.master("04_pooling").read_text(encoding="utf-8"))
    buggy = '''def max_pool(image, size=2, stride=None):
    stride = size if stride is None else stride
    rows = (image.shape[0] - size) // stride + 1
    cols = (image.shape[1] - size) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            top, left = i * stride, j * stride
            pixels = [image[top + a, left + b] for a in range(size) for b in range(size)]
            out[i, j] = pixels[0]
    return out
'''
    notebook = nbformat.reads(json.dumps(student_notebook(master, {"max_pool": buggy})), 4)
    seconds = _execute(notebook, "04_pooling", monkeypatch)
    print(f"04_pooling with the tutorial bug ran in {seconds:.1f} s")
    cells = {_grade_id(c): c for c in notebook.cells if _grade_id(c)}
    visible = cells["max_pool_visible"]
    assert "first-element" in _text(visible) and "subsampling" in _text(visible)
    assert 0 <= _points(visible) < visible.metadata["nbgrader"]["points"]
    assert _errors(visible) == []
    assert _points(cells["avg_pool_visible"]) == cells["avg_pool_visible"].metadata["nbgrader"][
        "points"
    ]
