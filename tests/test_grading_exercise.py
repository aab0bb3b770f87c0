"""Tests for the exercise definitions and their registry: batteries, scoring rules."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.grading import exercises
from course_lib.grading.assess import format_value
from course_lib.grading.exercises._base import Exercise
from course_lib.grading.outcome import Case, Outcome


def test_registry_lists_assignments_in_notebook_order():
    """01 and 02 are registered in notebook order; unknown names list the known ones."""
    assert [e.name for e in exercises.for_assignment("01_convolution")] == [
        "output_size",
        "convolve",
    ]
    assert [e.name for e in exercises.for_assignment("02_padding")] == [
        "pad_width",
        "zero_pad",
        "convolve_same",
        "conv_output_size",
    ]
    with pytest.raises(KeyError, match="known: output_size, convolve"):
        exercises.get("convolution")
    assert exercises.for_assignment("06_nothing") == []


@pytest.mark.parametrize(
    "name",
    ["output_size", "convolve", "pad_width", "zero_pad", "convolve_same", "conv_output_size"],
)
def test_batteries_are_deterministic_and_seeded(name):
    """Visible cases never change; the hidden battery is larger and follows its seed."""
    exercise = exercises.get(name)
    visible = exercise.cases(hidden=False)
    hidden = exercise.cases(hidden=True)
    assert len(hidden) > len(visible) >= 5
    assert _fingerprint(exercise.cases(hidden=True)) == _fingerprint(hidden)
    assert _fingerprint(exercise.cases(hidden=True, seed=1)) != _fingerprint(hidden)
    assert _fingerprint(exercise.cases(hidden=False, seed=1)) == _fingerprint(visible)


def _fingerprint(cases):
    return [
        tuple(a.tobytes() if isinstance(a, np.ndarray) else repr(a) for a in case.args)
        + (repr(case.kwargs),)
        for case in cases
    ]


def test_convolution_batteries_tell_mistakes_apart():
    """The convolve battery has non-square images and kernels, 5x5 kernels and uint8 input."""
    shapes = [
        (c.args[0].shape, c.args[1].shape, c.args[0].dtype)
        for c in exercises.get("convolve").cases(hidden=False)
    ]
    assert any(i[0] != i[1] for i, _, _ in shapes)
    assert any(k[0] != k[1] for _, k, _ in shapes)
    assert any(k == (5, 5) for _, k, _ in shapes)
    assert any(d == np.uint8 for _, _, d in shapes)


def test_assess_uses_only_plain_outcomes():
    """Correct plain outcomes pass; a wrong shape fails; lengths must match."""
    exercise = exercises.get("convolve")
    cases = exercise.cases(hidden=False)
    right = [
        Outcome(value=exercise.reference(*c.args), kind="ndarray", type_name="ndarray")
        for c in cases
    ]
    assert exercise.assess(cases, right).status == "passed"
    wrong = [Outcome(value=np.zeros((1, 1)), kind="ndarray", type_name="ndarray") for _ in cases]
    report = exercise.assess(cases, wrong)
    assert report.status == "failed" and "wrong-shape" in report.diagnoses
    with pytest.raises(ValueError, match="same length"):
        exercise.assess(cases, right[:-1])


def test_float32_answers_are_within_tolerance():
    """A float32 result with rounding error still passes."""
    exercise = exercises.get("convolve")
    cases = exercise.cases(hidden=True)
    outcomes = [
        Outcome(
            value=exercise.reference(*c.args).astype(np.float32),
            kind="ndarray",
            type_name="ndarray",
        )
        for c in cases
    ]
    assert exercise.assess(cases, outcomes).fraction == 1.0


def test_every_case_raising_is_an_error_status():
    """When every call raised, the status is 'error' and the example shows the exception."""
    exercise = exercises.get("output_size")
    cases = exercise.cases(hidden=False)
    outcomes = [Outcome(error="TypeError: boom") for _ in cases]
    report = exercise.assess(cases, outcomes)
    assert report.status == "error"
    assert "TypeError: boom" in report.message


def test_new_exercises_only_need_reference_and_cases():
    """A minimal subclass works with the shared machinery."""

    class Double(Exercise):
        name = "double"
        result = "number"

        def reference(self, x):
            return 2 * x

        def visible_cases(self):
            return [Case((1,)), Case((5,))]

        def hidden_cases(self, rng):
            return [Case((int(rng.integers(10)),))]

    exercise = Double()
    cases = exercise.cases(hidden=True)
    outcomes = [Outcome(value=2 * c.args[0], kind="scalar") for c in cases]
    assert exercise.assess(cases, outcomes).fraction == 1.0


def test_format_value_shows_big_arrays_by_a_corner():
    """Large arrays are summarised so feedback stays short."""
    text = format_value(np.zeros((30, 30)))
    assert "top-left corner" in text and len(text.splitlines()) == 4
