"""Tests for course_lib.grading.calling: plain-data outcomes, captured output, private inputs."""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

from course_lib.grading.calling import call_in_process, plain_value
from course_lib.grading.outcome import Case


def test_inputs_are_private_copies_and_mutation_is_recorded():
    """The function gets copies; what it did to them shows in inputs_after, the case is intact."""
    image = np.arange(6.0).reshape(2, 3)

    def clear(array):
        array[...] = 0
        return array.sum()

    outcome = call_in_process(clear, Case((image,)))
    assert image.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert outcome.inputs_after[0].tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    assert (outcome.kind, outcome.value) == ("scalar", 0.0)


def test_read_only_case_arrays_reach_the_function_writable():
    """Battery arrays are read-only, but the student's copy may be written (and is recorded)."""
    image = np.ones((2, 2))
    image.setflags(write=False)
    outcome = call_in_process(lambda a: a.__setitem__((0, 0), 5.0), Case((image,)))
    assert outcome.error is None
    assert outcome.inputs_after[0][0, 0] == 5.0


def test_subclass_result_becomes_plain_ndarray():
    """An ndarray subclass is copied into a plain ndarray and recorded as 'subclass'."""

    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return True

    outcome = call_in_process(lambda: np.zeros(3).view(Sneaky), Case(()))
    assert outcome.kind == "subclass"
    assert type(outcome.value) is np.ndarray
    assert outcome.type_name == "Sneaky"


@pytest.mark.parametrize(
    ("result", "kind"),
    [(None, "none"), ([1, 2], "list"), ((1, 2), "tuple"), (np.int64(3), "scalar"), ("x", "other")],
)
def test_kinds_of_results(result, kind):
    """Each kind of returned object is recorded as such."""
    assert plain_value(result)[1] == kind


def test_output_warnings_and_stderr_are_captured(capfd):
    """Prints, warnings and stderr (Python and file-descriptor level) go to outcome.output."""

    def noisy():
        print("hello")
        warnings.warn("watch out", UserWarning, stacklevel=2)
        sys.stderr.write("to stderr\n")
        os.write(2, b"raw fd 2\n")
        return np.float64(1.0) / np.float64(0.0)

    outcome = call_in_process(noisy, Case(()))
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    for text in ("hello", "watch out", "to stderr", "raw fd 2", "divide by zero"):
        assert text in outcome.output
    assert outcome.value == float("inf")


def test_exceptions_are_recorded_not_raised():
    """Errors, even SystemExit, become Outcome.error."""

    def leave():
        raise SystemExit(3)

    assert call_in_process(leave, Case(())).error == "SystemExit: 3"
    outcome = call_in_process(lambda: [][1], Case(()))
    assert outcome.error.startswith("IndexError")


def test_guard_blocks_library_calls_only_when_asked():
    """guard=True blocks np.convolve during the call; guard=False lets it run."""
    case = Case((np.ones(3), np.ones(2)))
    blocked = call_in_process(np.convolve, case, guard=True)
    assert blocked.error.startswith("PermissionError")
    allowed = call_in_process(np.convolve, case, guard=False)
    assert allowed.value.tolist() == [1.0, 2.0, 2.0, 1.0]


def test_bad_arguments_are_rejected():
    """A non-callable function or a non-Case case is a TypeError naming the argument."""
    with pytest.raises(TypeError, match="function must be callable"):
        call_in_process(3, Case(()))
    with pytest.raises(TypeError, match="case must be a Case"):
        call_in_process(print, (1,))


def test_time_limit_interrupts_a_runaway_call():
    """A call running past time_limit is stopped with a TimeoutError outcome."""

    def forever():
        while True:
            pass

    outcome = call_in_process(forever, Case(()), time_limit=0.1)
    assert outcome.error.startswith("TimeoutError") and "time limit" in outcome.error
    with pytest.raises(ValueError, match="time_limit"):
        call_in_process(forever, Case(()), time_limit=0)
