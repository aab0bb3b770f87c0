"""Inputs and mistake models shared by the convolution-like exercises (01, 02, 03)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ... import reference as _reference
from ..outcome import Case
from ._base import Mistake, Pattern

__all__ = [
    "CORRELATION",
    "TRUSTED",
    "CLIPPED_EXPLANATION",
    "KERNEL_PATTERNS",
    "SHIFTED_EXPLANATION",
    "clipped",
    "drawn",
    "integer_mistakes",
    "image_of",
    "random_image",
    "random_kernel",
]


CORRELATION = tuple(f"course_lib.reference.{name}" for name in
                    ("correlate2d", "convolve2d", "correlate_stack", "conv2d_nhwc"))
"""The reference's correlations: shortcuts to every exercise whose answer slides a kernel."""


TRUSTED = SimpleNamespace(**{name: getattr(_reference, name) for name in _reference.__all__})
"""The reference functions as they were when grading was imported (the setup cell).

Exercises call these rather than ``course_lib.reference.<name>``, so a notebook
that rebinds ``reference.correlate2d`` later cannot change the expected results.
"""


def image_of(rows, *, dtype=float) -> np.ndarray:
    """An array from nested lists (read-only, so battery inputs are never changed)."""
    array = np.array(rows, dtype=dtype)
    array.setflags(write=False)
    return array


def random_image(rng: np.random.Generator, shape, *, kind: str) -> np.ndarray:
    """Random, non-monotone test data: 'float' (signed), 'uint8' (0..255) or 'int'."""
    if kind == "uint8":
        return rng.integers(0, 256, size=shape, dtype=np.uint8)
    if kind == "int":
        return rng.integers(-9, 10, size=shape).astype(np.int64)
    return np.round(rng.normal(0.0, 10.0, size=shape), 3)


def random_kernel(rng: np.random.Generator, shape, *, kind: str) -> np.ndarray:
    """A kernel with no symmetry a bug could hide behind (not equal to its flip or transpose)."""
    while True:
        if kind == "int":
            kernel = rng.integers(-3, 4, size=shape).astype(np.int64)
        else:
            kernel = np.round(rng.normal(0.0, 1.0, size=shape), 3)
        symmetric = np.array_equal(kernel, kernel[::-1, ::-1]) or (
            kernel.shape[0] == kernel.shape[1] and np.array_equal(kernel, kernel.T)
        )
        if np.count_nonzero(kernel) >= min(2, kernel.size) and (kernel.size == 1 or not symmetric):
            return kernel


def clipped(model):
    """A model for answers clamped to 0..255 (as if stored in an image type)."""

    def clip(*args, **kwargs):
        return np.clip(model(*args, **kwargs), 0, 255)

    return clip


def _truncated(model):
    def truncate(*args, **kwargs):
        return np.trunc(model(*args, **kwargs))

    return truncate


def _wrapped(model):
    def wrap(*args, **kwargs):
        return np.mod(np.trunc(model(*args, **kwargs)), 256)

    return wrap


def integer_mistakes(model, explanation: str) -> list[Mistake]:
    """``integer-dtype`` models: truncated to integers, or wrapped around like uint8.

    They only explain results that really have an integer dtype: a float result
    with whole numbers is another mistake (``integer-division``, a floor).
    """
    return [
        Mistake("integer-dtype", explanation, model=_wrapped(model), requires="integer-output"),
        Mistake("integer-dtype", explanation, model=_truncated(model), requires="integer-output"),
    ]


def drawn(rng: np.random.Generator, make, accept, *, tries: int = 500):
    """``make(rng)`` again until ``accept`` holds for it: a property all of a group's cases
    must have (a negative result, a window of negatives...), whatever the seed.

    Raises
    ------
    RuntimeError
        If no draw of ``tries`` has the property (a bug in the group's definition).
    """
    for _ in range(tries):
        candidate = make(rng)
        if accept(candidate):
            return candidate
    raise RuntimeError(f"no draw of {tries} had the property the group needs")


CLIPPED_EXPLANATION = (
    "clamps its results to 0..255 (or stores them in a uint8 array). The raw result of a "
    "filter can be negative or above 255 (edges!); keep it as it is and clamp only for "
    "display."
)


SHIFTED_EXPLANATION = (
    "reads each window one or two pixels off: out[i, j] must combine image[i + a, j + b] with "
    "kernel[a, b] for a in range(kh), b in range(kw), starting at a = b = 0. Check the start of "
    "your window slice and your loop ranges."
)


def _non_square(case: Case) -> bool:
    return any(
        isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[0] != a.shape[1]
        for a in case.args[:2]
    )


def _not_3x3(case: Case) -> bool:
    return len(case.args) > 1 and np.shape(case.args[1]) != (3, 3)


KERNEL_PATTERNS = (
    Pattern(
        "square-only",
        "works on square images and kernels but fails when height and width differ: use "
        "image.shape[0] for rows and image.shape[1] for columns (kernel likewise), and "
        "index [row, col] throughout.",
        _non_square,
    ),
    Pattern(
        "fixed-kernel-size",
        "only works for 3x3 kernels: take kh, kw = kernel.shape and loop over every kernel "
        "offset instead of writing out nine products or assuming a centre at 1.",
        _not_3x3,
    ),
)
"""Cross-case patterns of functions taking ``(image, kernel)``."""
