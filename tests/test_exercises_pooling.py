"""Tests for the 04_pooling exercises: correct styles pass, each known mistake is named.

Answers are real source strings run with ``exec`` like a notebook cell, then
judged through ``call_in_process`` and ``Exercise.assess`` with the source, so
the static loop-only rule sees exactly what a student wrote.
"""

from __future__ import annotations

import numpy as np
import pytest
from answers import SAMPLES, edit, named

from course_lib import kernels, reference
from course_lib.grading import exercises
from course_lib.grading.assess import MUTATION_PENALTY
from course_lib.grading.calling import call_in_process


def assess(name: str, source: str, *, hidden: bool = False):
    """Run the function ``name`` defined by ``source`` through its battery; return the Report."""
    namespace = {"np": np, "kernels": kernels, "reference": reference}
    exec(compile(source, f"<answer {name}>", "exec"), namespace)
    exercise = exercises.get(name)
    cases = exercise.cases(hidden=hidden)
    outcomes = [call_in_process(namespace[name], case, guard=exercise.guarded) for case in cases]
    return exercise.assess(cases, outcomes, source=source)


def pooling(name: str, body: str, *, reduce: str = "np.max") -> str:
    """Source of a pooling function whose loop body is ``body`` (indented 12 spaces)."""
    loop_body = ("            out[i, j] = np.max(image[i * stride:i * stride + size, "
                 "j * stride:j * stride + size])")
    source = edit("max_pool", ("def max_pool(", f"def {name}("), (loop_body, body))
    return source.replace("REDUCE", reduce)


CEIL = SAMPLES["avg_pool: keeps partial windows (ceil)"].source
"""Pooling that keeps partial windows at the border: one output too many."""

WINDOW = "            out[i, j] = REDUCE(image[i*stride:i*stride + size, j*stride:j*stride + size])"

CORRECT_MAX_POOL = {
    "loops over outputs with window slices": pooling("max_pool", WINDOW),
    "four nested loops": """
def max_pool(image, size=2, stride=None):
    stride = size if stride is None else stride
    rows = (image.shape[0] - size) // stride + 1
    cols = (image.shape[1] - size) // stride + 1
    out = np.empty((rows, cols))
    for i in range(rows):
        for j in range(cols):
            best = image[i * stride, j * stride]
            for a in range(size):
                for b in range(size):
                    value = image[i * stride + a, j * stride + b]
                    if value > best:
                        best = value
            out[i, j] = best
    return out
""",
    "loops over window offsets with np.maximum": """
def max_pool(image, size=2, stride=None):
    stride = size if stride is None else stride
    image = image.astype(float)
    rows = (image.shape[0] - size) // stride + 1
    cols = (image.shape[1] - size) // stride + 1
    out = np.full((rows, cols), -np.inf)
    for a in range(size):
        for b in range(size):
            view = image[a:a + (rows - 1) * stride + 1:stride, b:b + (cols - 1) * stride + 1:stride]
            out = np.maximum(out, view)
    return out
""",
    "python max over a list, while loop": """
def max_pool(image, size=2, stride=None):
    if stride is None:
        stride = size
    height, width = image.shape
    result = []
    top = 0
    while top + size <= height:
        row = []
        for left in range(0, width - size + 1, stride):
            pixels = [float(image[top + a, left + b]) for a in range(size) for b in range(size)]
            row.append(max(pixels))
        result.append(row)
        top += stride
    return np.array(result, dtype=np.float64)
""",
}

CORRECT_AVG_POOL = {
    "loops over outputs with np.mean": pooling("avg_pool", WINDOW, reduce="np.mean"),
    "four nested loops": """
def avg_pool(image, size=2, stride=None):
    stride = stride or size
    rows = (image.shape[0] - size) // stride + 1
    cols = (image.shape[1] - size) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            for a in range(size):
                for b in range(size):
                    out[i, j] += image[i * stride + a, j * stride + b]
    return out / (size * size)
""",
}


@pytest.mark.parametrize("style", sorted(CORRECT_MAX_POOL))
@pytest.mark.parametrize("hidden", [False, True])
def test_correct_max_pool_styles_get_full_marks(style, hidden):
    """Correct max_pool answers in any loop style pass every case, visible and hidden."""
    report = assess("max_pool", CORRECT_MAX_POOL[style], hidden=hidden)
    assert report.status == "passed", report.message
    assert report.fraction == 1.0
    assert report.diagnoses == []


@pytest.mark.parametrize("style", sorted(CORRECT_AVG_POOL))
@pytest.mark.parametrize("hidden", [False, True])
def test_correct_avg_pool_styles_get_full_marks(style, hidden):
    """Correct avg_pool answers pass every case, visible and hidden."""
    report = assess("avg_pool", CORRECT_AVG_POOL[style], hidden=hidden)
    assert report.status == "passed", report.message
    assert report.fraction == 1.0


def test_max_pool_calling_the_reference_is_rejected():
    """Calling course_lib.reference.max_pool is refused as the course's own answer."""
    source = """
def max_pool(image, size=2, stride=None):
    for _ in range(1):
        pass
    return reference.max_pool(image, size, stride=stride)
"""
    report = assess("max_pool", source)
    assert report.status == "rejected"
    assert report.fraction == 0.0
    assert report.diagnoses[0] == "course-library"


def test_max_pool_that_sorts_windows_in_place_is_told_it_mutates_its_input():
    """Sorting a window view changes the image (and overlapping windows): named and penalised."""
    source = """
def max_pool(image, size=2, stride=None):
    stride = size if stride is None else stride
    rows = (image.shape[0] - size) // stride + 1
    cols = (image.shape[1] - size) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            window = image[i*stride:i*stride + size, j*stride:j*stride + size]
            window.sort(axis=1)
            out[i, j] = window[:, -1].max()
    return out
"""
    report = assess("max_pool", source)
    assert "mutates-input" in report.diagnoses, report.message
    assert 0 < report.passed < report.total
    assert report.fraction == pytest.approx(report.passed / report.total * (1 - MUTATION_PENALTY))


def test_unfinished_max_pool_scores_zero():
    """The untouched student stub earns nothing and says it is not implemented."""
    source = "def max_pool(image, size=2, stride=None):\n    raise NotImplementedError()\n"
    report = assess("max_pool", source)
    assert report.fraction == 0.0
    assert report.diagnoses == ["not-implemented"]


def test_avg_pool_reshape_trick_is_rejected():
    """A loop-free reshape mean is not loop-based and earns nothing."""
    source = """
def avg_pool(image, size=2, stride=None):
    rows, cols = image.shape[0] // size, image.shape[1] // size
    return image[:rows * size, :cols * size].reshape(rows, size, cols, size).mean(axis=(1, 3))
"""
    report = assess("avg_pool", source)
    assert report.status == "rejected"
    assert report.diagnoses == ["not-loop-based"]


def test_avg_pool_sliding_window_view_is_rejected():
    """numpy's sliding_window_view is a pooling helper, not a loop."""
    source = """
from numpy.lib.stride_tricks import sliding_window_view

def avg_pool(image, size=2, stride=None):
    stride = size if stride is None else stride
    windows = sliding_window_view(image.astype(float), (size, size))[::stride, ::stride]
    return np.array([[w.mean() for w in row] for row in windows])
"""
    report = assess("avg_pool", source)
    assert report.status == "rejected"
    assert "not-loop-based" in report.diagnoses


def test_first_element_feedback_shows_a_small_failing_input():
    """The tutorial bug's message explains subsampling and prints an example with numbers."""
    tutorial = named("max_pool: first pixel of each window (the tutorial's pixels[0])")
    report = assess("max_pool", tutorial.source)
    assert "subsampling" in report.message
    assert "for example, max_pool(image" in report.message
    assert "expected:" in report.message


def test_hidden_battery_changes_with_the_seed_but_keeps_the_visible_cases():
    """A fresh seed draws new random inputs; the visible cases stay at the front."""
    exercise = exercises.get("max_pool")
    first = exercise.cases(hidden=True, seed=1)
    second = exercise.cases(hidden=True, seed=2)
    visible = exercise.cases(hidden=False)
    assert len(first) == len(second) > len(visible)
    for a, b in zip(first[: len(visible)], visible, strict=True):
        assert np.array_equal(a.args[0], b.args[0])
    assert any(
        np.shape(a.args[0]) != np.shape(b.args[0]) or not np.array_equal(a.args[0], b.args[0])
        for a, b in zip(first[len(visible) :], second[len(visible) :], strict=True)
    )


def test_battery_covers_negative_values_non_square_images_and_other_strides():
    """The hidden battery holds the inputs that tell the mistakes apart."""
    exercise = exercises.get("avg_pool")
    cases = exercise.cases(hidden=True)
    images = [np.asarray(c.args[0]) for c in cases]
    assert any(image.max() < 0 for image in images)
    assert any(image.shape[0] != image.shape[1] for image in images)
    assert any(image.dtype == np.uint8 for image in images)
    strides = [c.kwargs.get("stride", c.args[2] if len(c.args) > 2 else None) for c in cases]
    sizes = [c.kwargs.get("size", c.args[1] if len(c.args) > 1 else 2) for c in cases]
    assert any(s is not None and s != k for s, k in zip(strides, sizes, strict=True))
    assert any(k % 2 == 1 for k in sizes)
