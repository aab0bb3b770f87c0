"""Tests for course_lib.grader.runner: what a grading child sends back is checked before it is
judged.

Safety: every run below goes through the sandbox with 10 s of wall clock and CPU and 1 GiB of
memory, set before any student code starts.
"""

from __future__ import annotations

import json

import pytest

from course_lib.assignments import load_assignment
from course_lib.config import load_course
from course_lib.grader.locate import Located
from course_lib.grader.processes import GradingProcesses, preload_modules
from course_lib.grader.submission import grade_located
from course_lib.grading.wire import encode_frame
from course_lib.sandbox import Sandbox
from sample_class import master_answers, student_notebook

pytestmark = pytest.mark.slow

ASSIGNMENT = "01_convolution"
LIMITS = {"wall_seconds": 10.0, "cpu_seconds": 10, "memory_bytes": 2**30}

FORGED = {
    "a value that is not of its kind": encode_frame(
        {"kind": "outcome", "index": 0, "outcome_kind": "ndarray", "type_name": "ndarray",
         "error": None, "output": "", "seconds": 0.0, "shares_input": False},
        {"value": None, "inputs_after": ()}),
    "an outcome out of order": encode_frame(
        {"kind": "outcome", "index": 5, "outcome_kind": "none", "type_name": "NoneType",
         "error": None, "output": "", "seconds": 0.0, "shares_input": False},
        {"value": None, "inputs_after": ()}),
}
"""Frames a submission writes into the stream its grading child reports on (the code can find
the descriptor): a child never writes them."""

WRITES = """import os


def convolve(image, kernel):
    for fd in range(3, 32):
        try:
            os.write(fd, {frame!r})
        except OSError:
            pass
"""


@pytest.mark.parametrize("forged", list(FORGED))
def test_frames_the_students_code_writes_are_its_own_invalid_output_not_a_grader_fault(
        forged, tmp_path):
    """The function is graded as a crash with a message saying why (0 points, never the
    'ungraded' of a grader fault, which would leave the submission without a grade); the
    other function of the notebook keeps its points."""
    course = load_course()
    assignment = load_assignment(ASSIGNMENT, course=course)
    master = json.loads(course.master(ASSIGNMENT).read_text())
    answers = {**master_answers(master), "convolve": WRITES.format(frame=FORGED[forged])}
    path = tmp_path / f"{ASSIGNMENT}.ipynb"
    path.write_text(json.dumps(student_notebook(master, answers)))
    sandbox = Sandbox(**LIMITS)
    with GradingProcesses(sandbox, preload=preload_modules([assignment.setup_source])) as pool:
        records = {r.grade_id: r for r in grade_located(
            Located("forger", ASSIGNMENT, path), assignment, seed=1, sandbox=sandbox,
            processes=pool)}
    for grade_id in ("convolve_visible", "convolve_hidden"):
        record = records[grade_id]
        assert (record.status, record.auto_score) == ("crashed", 0), record.message
        assert "sent output that is not valid" in record.message
    assert records["output_size_hidden"].auto_score == records["output_size_hidden"].max_score
