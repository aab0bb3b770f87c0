"""Tests for the 03_filters exercises: correct answers pass, typical mistakes are named.

Answers are source strings run with ``exec`` like notebook cells, then judged
through ``call_in_process`` (with the exercise's guard) and ``Exercise.assess``.
"""

from __future__ import annotations

import numpy as np
import pytest
from answers import CORRECT, edit

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


def test_exercises_are_registered_in_notebook_order():
    """The registry lists the three graded functions of 03_filters in order."""
    names = [e.name for e in exercises.for_assignment("03_filters")]
    assert names == ["normalize_kernel", "clamp", "sobel_magnitude"]
    assert not any(e.loop_only for e in exercises.for_assignment("03_filters"))


# -- normalize_kernel -------------------------------------------------------------------

CORRECT_NORMALIZE = {
    "array and sum": """
def normalize_kernel(kernel):
    kernel = np.array(kernel, dtype=float)
    total = kernel.sum()
    return kernel if total == 0 else kernel / total
""",
    "tolerance and copy": """
def normalize_kernel(kernel):
    out = np.asarray(kernel).astype(np.float64)
    total = float(np.sum(out))
    if abs(total) < 1e-12:
        return out.copy()
    return out / total
""",
}

@pytest.mark.parametrize("style", sorted(CORRECT_NORMALIZE))
@pytest.mark.parametrize("hidden", [False, True])
def test_correct_normalize_kernel_passes(style, hidden):
    """Correct answers, with or without a tolerance for zero, get full marks."""
    report = assess("normalize_kernel", CORRECT_NORMALIZE[style], hidden=hidden)
    assert report.status == "passed", report.message
    assert report.fraction == 1.0


def test_normalize_kernel_dividing_in_place_is_penalised():
    """Dividing the caller's float kernel in place is reported as mutation."""
    source = """
def normalize_kernel(kernel):
    if kernel.dtype.kind == "f" and kernel.sum() != 0:
        kernel /= kernel.sum()
        return kernel
    kernel = np.array(kernel, dtype=float)
    total = kernel.sum()
    return kernel if total == 0 else kernel / total
"""
    report = assess("normalize_kernel", source)
    assert report.diagnoses == ["mutates-input"], report.message
    assert report.passed == report.total
    assert report.fraction == pytest.approx(1 - MUTATION_PENALTY)


def test_division_by_zero_that_raises_is_still_named():
    """Python's ZeroDivisionError on a zero-sum kernel is diagnosed as divides-by-zero."""
    source = """
def normalize_kernel(kernel):
    kernel = np.array(kernel, dtype=float)
    return kernel / float(1 / kernel.sum() and kernel.sum())
"""
    report = assess("normalize_kernel", source)
    assert "divides-by-zero" in report.diagnoses, report.message


# -- clamp ---------------------------------------------------------------------------

CORRECT_CLAMP = {
    "minimum and maximum": """
def clamp(image, low=0, high=255):
    if low > high:
        raise ValueError("low > high")
    return np.minimum(np.maximum(np.asarray(image, dtype=float), low), high)
""",
    "np.clip on a float copy": """
def clamp(image, low=0, high=255):
    if low > high:
        raise ValueError(f"low={low} is above high={high}")
    return np.clip(np.array(image, dtype=np.float64), low, high)
""",
    "boolean masks": """
def clamp(image, low=0, high=255):
    if low > high:
        raise ValueError("empty interval")
    out = np.array(image, dtype=float)
    out[out < low] = low
    out[out > high] = high
    return out
""",
}

@pytest.mark.parametrize("style", sorted(CORRECT_CLAMP))
@pytest.mark.parametrize("hidden", [False, True])
def test_correct_clamp_passes(style, hidden):
    """Correct clamps in several styles get full marks."""
    report = assess("clamp", CORRECT_CLAMP[style], hidden=hidden)
    assert report.status == "passed", report.message
    assert report.fraction == 1.0


def test_clamp_in_place_is_penalised():
    """np.clip(image, low, high, out=image) changes the caller's array."""
    source = """
def clamp(image, low=0, high=255):
    if low > high:
        raise ValueError("low > high")
    if image.dtype.kind == "f":
        return np.clip(image, low, high, out=image)
    return np.clip(image.astype(float), low, high)
"""
    report = assess("clamp", source)
    assert "mutates-input" in report.diagnoses
    assert report.fraction == pytest.approx(report.passed / report.total * (1 - MUTATION_PENALTY))


# -- sobel_magnitude -----------------------------------------------------------------------

CORRECT_SOBEL = {
    "shifted slices": CORRECT["sobel_magnitude"],
    "loops over pixels with a helper": """
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)

def _same(image, kernel):
    padded = np.zeros((image.shape[0] + 2, image.shape[1] + 2))
    padded[1:-1, 1:-1] = image
    out = np.zeros(image.shape)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            out[i, j] = np.sum(padded[i:i + 3, j:j + 3] * kernel)
    return out

def sobel_magnitude(image):
    image = image.astype(float)
    return np.hypot(_same(image, SOBEL_X), _same(image, SOBEL_X.T))
""",
    "flipped kernels (true convolution) give the same magnitude": """
def sobel_magnitude(image):
    image = np.asarray(image, dtype=float)
    rows, cols = image.shape
    padded = np.pad(image, 1)
    right = kernels.get("sobel_right")[::-1, ::-1]
    bottom = kernels.get("sobel_bottom")[::-1, ::-1]
    gx = sum(right[a, b] * padded[a:a + rows, b:b + cols] for a in range(3) for b in range(3))
    gy = sum(bottom[a, b] * padded[a:a + rows, b:b + cols] for a in range(3) for b in range(3))
    return np.sqrt(gx ** 2 + gy ** 2)
""",
}


def _sobel_variant(expression: str, *, pad: str | None = None) -> str:
    """The correct answer returning ``expression``, with the image padded by ``pad``."""
    changes = [("return np.sqrt(gx ** 2 + gy ** 2)", f"return {expression}")]
    if pad is not None:
        changes.append(("padded = np.zeros((rows + 2, cols + 2))\n"
                        "    padded[1:-1, 1:-1] = image", f"padded = {pad}"))
    return edit("sobel_magnitude", *changes)


@pytest.mark.parametrize("style", sorted(CORRECT_SOBEL))
@pytest.mark.parametrize("hidden", [False, True])
def test_correct_sobel_magnitude_passes(style, hidden):
    """Shifted slices, pixel loops and even flipped kernels all earn full marks."""
    report = assess("sobel_magnitude", CORRECT_SOBEL[style], hidden=hidden)
    assert report.status == "passed", report.message
    assert report.fraction == 1.0


def test_sobel_magnitude_with_a_library_filter_is_blocked():
    """Library filters are blocked while sobel_magnitude runs, so they earn nothing."""
    source = """
def sobel_magnitude(image):
    gx = reference.correlate2d(image, kernels.get("sobel_right"), padding="same")
    gy = reference.correlate2d(image, kernels.get("sobel_bottom"), padding="same")
    return np.sqrt(gx ** 2 + gy ** 2)
"""
    report = assess("sobel_magnitude", source)
    assert report.fraction == 0.0
    assert report.diagnoses == ["course-library"], report.message
    assert exercises.get("sobel_magnitude").guarded
    scipy_filter = source.replace("reference.correlate2d", "scipy.ndimage.correlate").replace(
        ', padding="same"', ', mode="constant"')
    report = assess("sobel_magnitude", "import scipy.ndimage\n" + scipy_filter)
    assert (report.fraction, report.diagnoses) == (0.0, ["library-call"]), report.message


def test_sobel_magnitude_wrapping_uint8_is_named_integer_dtype():
    """Computing in the image's uint8 dtype wraps around and is diagnosed."""
    source = _sobel_variant("np.sqrt(gx ** 2 + gy ** 2).astype(np.uint8)")
    report = assess("sobel_magnitude", source, hidden=True)
    assert report.diagnoses[0] == "integer-dtype", report.message
