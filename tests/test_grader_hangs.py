"""A runaway function costs one time limit and always gets the same words.

Safety: every run below goes through the sandbox with 10 s of wall clock and CPU
and 1 GiB of memory, set before any student code starts.
"""

from __future__ import annotations

import json

import pytest

from course_lib.assignments import load_assignment
from course_lib.config import load_course
from course_lib.grader.locate import Located
from course_lib.grader.processes import GradingProcesses, preload_modules
from course_lib.grader.submission import grade_located
from course_lib.sandbox import Sandbox
from sample_class import master_answers, student_notebook

pytestmark = pytest.mark.slow

ASSIGNMENT = "01_convolution"
LIMITS = {"wall_seconds": 10.0, "cpu_seconds": 10, "memory_bytes": 2**30}

# convolve never returns; a cell between its two test cells redefines the helper it
# calls, so the visible and the hidden test cell see different programs (two children
# if nothing carried the first verdict over).
HANGS = ("def _spin():\n    while True:\n        pass\n\n\n"
         "def convolve(image, kernel):\n    _spin()\n")
BETWEEN = "def _spin():\n    while True:\n        continue\n"


def _notebook_with_a_cell_between_the_tests(course, path):
    master = json.loads(course.master(ASSIGNMENT).read_text())
    notebook = student_notebook(master, {**master_answers(master), "convolve": HANGS})
    cells = notebook["cells"]
    visible = next(i for i, c in enumerate(cells)
                   if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                   == "convolve_visible")
    cells.insert(visible + 1, {"cell_type": "code", "metadata": {}, "outputs": [],
                               "execution_count": None, "source": BETWEEN})
    path.write_text(json.dumps(notebook))
    return path


def test_a_function_that_hung_in_its_visible_cell_is_not_run_again(tmp_path):
    """The hidden cell's verdict carries over: one child, one limit, same words."""
    course = load_course()
    assignment = load_assignment(ASSIGNMENT, course=course)
    path = _notebook_with_a_cell_between_the_tests(course, tmp_path / f"{ASSIGNMENT}.ipynb")
    located = Located("spinner", ASSIGNMENT, path)
    sandbox = Sandbox(**LIMITS)
    with GradingProcesses(sandbox, preload=preload_modules([assignment.setup_source])) as pool:
        records = {r.grade_id: r for r in grade_located(
            located, assignment, seed=1, sandbox=sandbox, processes=pool)}
        runs = pool.runs
    visible, hidden = records["convolve_visible"], records["convolve_hidden"]
    assert (visible.status, visible.auto_score) == ("timeout", 0)
    assert (hidden.status, hidden.auto_score) == ("timeout", 0)
    assert "did not finish in time" in visible.message
    assert "not run again" in hidden.message
    assert hidden.message.split("\n")[0].startswith(visible.message.split("\n")[0])
    # One child for output_size, one for convolve: the hidden cell forked nothing.
    assert runs == 2
    assert hidden.seconds == 0
    assert records["output_size_hidden"].status == "passed"


def test_a_sandbox_shorter_than_one_call_is_refused():
    """A function the notebook's check accepts must not time out in the grader."""
    with pytest.raises(ValueError, match="wall_seconds and Sandbox.cpu_seconds at least 10"):
        GradingProcesses(Sandbox(wall_seconds=5.0), preload=["numpy"])
