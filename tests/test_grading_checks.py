"""Tests for course_lib.grading.checks: check() scores, prints to stdout only, never raises."""

from __future__ import annotations

import numpy as np
import pytest
from answers import CORRECT

from course_lib import grading
from course_lib.grading.checks import answer_source

LOOPS = """
def convolve(image, kernel):
    image = np.asarray(image, dtype=float)
    kh, kw = kernel.shape
    rows, cols = image.shape
    out = np.zeros((rows - kh + 1, cols - kw + 1))
    for i in range(rows - kh + 1):
        for j in range(cols - kw + 1):
            for a in range(kh):
                for b in range(kw):
                    out[i, j] += image[i + a, j + b] * kernel[a, b]
    return out
"""

NOT_IMPLEMENTED = '''
def convolve(image, kernel):
    """Loop-based VALID cross-correlation."""
    raise NotImplementedError
'''

SCIPY_HIDDEN_BEHIND_LOOP = """
from scipy.signal import correlate2d as c
def convolve(image, kernel):
    for _ in range(1):
        kernel = kernel[:]
    return c(image, kernel, mode="valid")
"""

OUTPUT_SIZE = CORRECT["output_size"]


def define(source: str, name: str):
    """Run an answer's source the way a notebook cell would and return the function."""
    namespace = {"np": np}
    exec(compile(source, f"<answer {name}>", "exec"), namespace)
    return namespace[name]


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_convolve_gets_full_points(capsys, hidden):
    """A correct loop-based convolve earns every point, visible and hidden."""
    points = grading.check(
        define(LOOPS, "convolve"), "convolve", points=3, hidden=hidden, source=LOOPS
    )
    captured = capsys.readouterr()
    assert points == 3.0
    assert "all" in captured.out and "checks passed" in captured.out
    assert captured.err == ""


def test_not_implemented_earns_zero_with_clear_message(capsys):
    """An untouched exercise earns 0 and says it is not implemented yet, on stderr: that is
    how nbgrader's Validate learns the cell failed (and shows why)."""
    points = grading.check(
        define(NOT_IMPLEMENTED, "convolve"), "convolve", points=3, source=NOT_IMPLEMENTED
    )
    captured = capsys.readouterr()
    assert points == 0.0
    assert "not implemented yet" in captured.err
    assert captured.out == ""


def test_library_call_is_rejected_even_without_source(capsys):
    """The run-time guard rejects a library call the static rule could not see."""
    function = define(SCIPY_HIDDEN_BEHIND_LOOP, "convolve")
    points = grading.check(function, "convolve", points=3)
    captured = capsys.readouterr()
    assert points == 0.0
    assert "rejected" in captured.err and "scipy.signal.correlate2d" in captured.err


def test_output_size_correct_and_off_by_one(capsys):
    """output_size: the right formula passes; n - k is named off-by-one."""
    assert grading.check(define(OUTPUT_SIZE, "output_size"), "output_size", points=1) == 1.0
    wrong = define(
        "def output_size(image_size, kernel_size):\n    return image_size - kernel_size\n",
        "output_size",
    )
    capsys.readouterr()
    points = grading.check(wrong, "output_size", points=2, hidden=True)
    captured = capsys.readouterr()
    assert points == 0.0
    assert "off-by-one" in captured.err


def test_noisy_answer_keeps_stderr_clean(capsys):
    """Prints, warnings and writes to stderr inside the answer never reach stderr."""
    noisy = LOOPS.replace(
        "    return out",
        "    import sys, warnings\n    print('working')\n    warnings.warn('careful')\n"
        "    sys.stderr.write('oops')\n    np.float64(1.0) / 0.0\n    return out",
    )
    points = grading.check(define(noisy, "convolve"), "convolve", points=2, source=noisy)
    captured = capsys.readouterr()
    assert points == 2.0
    assert captured.err == ""
    assert "working" not in captured.out


def test_unknown_exercise_name_raises_key_error():
    """A typo in a test cell is the instructor's error and is reported loudly."""
    with pytest.raises(KeyError, match="known: output_size, convolve"):
        grading.check(print, "convolv", points=1)


def test_bad_points_are_rejected():
    """points must be a non-negative number."""
    with pytest.raises(ValueError, match="points must be >= 0"):
        grading.check(print, "convolve", points=-1)


def test_non_callable_answer_earns_zero(capsys):
    """Passing something that is not a function earns 0 with a message."""
    assert grading.check(None, "convolve", points=3) == 0.0
    assert "expected a function" in capsys.readouterr().out


def test_answer_source_of_file_function_is_its_def():
    """For a function defined in a file the source is its own definition."""
    assert answer_source(define).lstrip().startswith("def define(")


@pytest.mark.slow
def test_check_in_a_real_notebook_kernel():
    """In a Jupyter kernel, check() reads the cell's source (imports included); only a cell
    that earns nothing writes to stderr, where nbgrader's Validate looks for failures."""
    import nbformat
    from nbclient import NotebookClient

    vectorised = """
def convolve(image, kernel):
    kh, kw = kernel.shape
    oh, ow = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    rows = np.arange(oh)[:, None, None, None] + np.arange(kh)[None, None, :, None]
    cols = np.arange(ow)[None, :, None, None] + np.arange(kw)[None, None, None, :]
    return np.einsum("ijab,ab->ij", image.astype(float)[rows, cols], kernel)
"""
    helper = """
import warnings

def window_sum(window, kernel):
    warnings.warn("slow loops ahead")
    return np.sum(window * kernel)
"""
    looped = """
def my_convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = window_sum(image[i:i + kh, j:j + kw], kernel)
    return out
"""
    cells = [
        "import numpy as np\nfrom course_lib import grading",
        vectorised,
        'grading.check(convolve, "convolve", points=3)',
        helper,
        looped,
        'grading.check(my_convolve, "convolve", points=3, hidden=True)',
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = [cell.outputs for cell in notebook.cells]
    rejected, accepted = outputs[2], outputs[5]
    assert [o.name for o in rejected if o.output_type == "stream"] == ["stderr"]
    assert [o.name for o in accepted if o.output_type == "stream"] == ["stdout"]
    assert "not-loop-based" in "".join(o.text for o in rejected if o.output_type == "stream")
    assert rejected[-1].data["text/plain"] == "0.0"
    assert accepted[-1].data["text/plain"] == "3.0"


def test_never_ending_loop_is_stopped_and_named(capsys):
    """A loop that never ends is interrupted by the time limit and named too-slow."""
    source = (
        "def convolve(image, kernel):\n    i = 0\n    while i < 10:\n"
        "        total = image[0, 0] * kernel[0, 0]\n"
    )
    points = grading.check(
        define(source, "convolve"), "convolve", points=3, source=source, time_limit=0.2
    )
    captured = capsys.readouterr()
    assert points == 0.0
    assert "too-slow" in captured.err


def _master_answers(project_root, assignment: str) -> str:
    import json

    path = project_root / "solutions" / assignment / f"{assignment}.ipynb"
    cells = json.loads(path.read_text())["cells"]
    return "\n\n".join(
        "".join(cell["source"])
        for cell in cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "").endswith("_answer")
    )


@pytest.mark.parametrize("assignment", ["01_convolution", "02_padding"])
def test_master_solutions_earn_full_points(project_root, capsys, assignment):
    """The master answers pass every visible and hidden check, loop-only rule included."""
    from course_lib import kernels, reference

    source = _master_answers(project_root, assignment)
    namespace = {"np": np, "reference": reference, "kernels": kernels}
    exec(compile(source, f"<{assignment} answers>", "exec"), namespace)
    for exercise in grading.exercises.for_assignment(assignment):
        for hidden in (False, True):
            points = grading.check(
                namespace[exercise.name], exercise.name, points=2, hidden=hidden, source=source
            )
            assert points == 2.0, capsys.readouterr().out
    assert capsys.readouterr().err == ""
