"""Tests for course_lib.grading.guard: library entry points blocked inside, restored after."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
from scipy.signal import correlate2d as early_reference

from course_lib import grading, kernels, reference
from course_lib.grading.guard import (
    BLOCKED_MARKER,
    blocked_for,
    blocked_library_calls,
    is_blocked_error,
    is_course_library_error,
)

IMAGE = np.arange(12.0).reshape(3, 4)
KERNEL = np.array([[1.0, -1.0]])

CALLS = {
    "scipy.signal.correlate2d": lambda: scipy.signal.correlate2d(IMAGE, KERNEL, "valid"),
    "scipy.signal.fftconvolve": lambda: scipy.signal.fftconvolve(IMAGE, KERNEL),
    "scipy.ndimage.correlate": lambda: scipy.ndimage.correlate(IMAGE, KERNEL),
    "scipy.ndimage.uniform_filter": lambda: scipy.ndimage.uniform_filter(IMAGE),
    "numpy.convolve": lambda: np.convolve(IMAGE[0], KERNEL[0]),
    "numpy.correlate": lambda: np.correlate(IMAGE[0], KERNEL[0]),
    "sliding_window_view": lambda: np.lib.stride_tricks.sliding_window_view(IMAGE, (2, 2)),
    "as_strided": lambda: np.lib.stride_tricks.as_strided(IMAGE, (2, 2)),
    "course reference": lambda: reference.correlate2d(IMAGE, KERNEL),
    "reference taken before": lambda: early_reference(IMAGE, KERNEL, "valid"),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_library_calls_raise_inside_and_work_after(name):
    """Every listed entry point raises PermissionError inside the guard and works again after."""
    with blocked_library_calls(modules=blocked_for(library=True)):
        with pytest.raises(PermissionError, match=BLOCKED_MARKER):
            CALLS[name]()
    assert CALLS[name]() is not None


def test_restored_after_an_error_inside():
    """An exception inside the block still restores every function."""
    with pytest.raises(RuntimeError), blocked_library_calls():
        raise RuntimeError("student code failed")
    assert scipy.signal.correlate2d(IMAGE, KERNEL, "valid").shape == (3, 3)
    assert np.convolve([1, 2], [1]).tolist() == [1, 2]


def test_allowed_numpy_still_works_inside():
    """np.pad, np.sum, np.multiply and slicing are not affected."""
    with blocked_library_calls():
        padded = np.pad(IMAGE, 1)
        total = np.sum(np.multiply(padded[1:3, 1:3], 2.0))
    assert padded.shape == (5, 6) and total == 2 * (0 + 1 + 4 + 5)


def test_is_blocked_error_recognises_only_guard_errors():
    """Only the guard's PermissionError counts as a blocked library call."""
    assert is_blocked_error(f"PermissionError: numpy.convolve {BLOCKED_MARKER}: x")
    assert not is_blocked_error("PermissionError: [Errno 13] denied")
    assert not is_blocked_error(None)


@pytest.mark.slow
def test_tensorflow_conv_is_blocked_once_imported():
    """tf.nn.conv2d raises inside the guard when TensorFlow is loaded, and works after."""
    import tensorflow as tf

    image = tf.ones((1, 4, 4, 1))
    kernel = tf.ones((2, 2, 1, 1))
    with blocked_library_calls():
        with pytest.raises(PermissionError, match=BLOCKED_MARKER):
            tf.nn.conv2d(image, kernel, strides=1, padding="VALID")
    assert tf.nn.conv2d(image, kernel, strides=1, padding="VALID").shape == (1, 3, 3, 1)


COURSE_CALLS = {
    "reference.output_size": lambda: reference.output_size(7, 3),
    "reference.pad": lambda: reference.pad(IMAGE, 1),
    "kernels.normalize": lambda: kernels.normalize([[1, 1]]),
    "grading.check": lambda: grading.check(len, "output_size", points=1),
}


@pytest.mark.parametrize("name", sorted(COURSE_CALLS))
def test_the_course_library_is_blocked_for_every_exercise(name):
    """No free points: the course's own functions raise inside any graded call, as
    course-library errors, and work again after."""
    with blocked_library_calls(modules=blocked_for(library=False)):
        with pytest.raises(PermissionError, match="course's own answers") as raised:
            COURSE_CALLS[name]()
    assert is_course_library_error(f"PermissionError: {raised.value}")
    assert COURSE_CALLS[name]() is not None


def test_an_allowed_course_function_and_a_forbidden_numpy_one():
    """kernels.get stays usable where allowed; np.pad is blocked where forbidden."""
    spec = blocked_for(library=False, forbidden=("numpy.pad",), allowed=("course_lib.kernels.get",))
    with blocked_library_calls(modules=spec):
        assert kernels.get("sobel_right").shape == (3, 3)
        with pytest.raises(PermissionError, match="numpy.pad"):
            np.pad(IMAGE, 1)
    assert np.pad(IMAGE, 1).shape == (5, 6)
