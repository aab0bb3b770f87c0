"""Inputs, draws and mistake models shared by the exercises."""

from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np

from ... import reference as _reference
from ..outcome import Case
from ._base import Mistake, Pattern

__all__ = [
    "ASYMMETRIC", "CORRELATION", "KERNEL_PATTERNS", "NON_SQUARE", "PAD_MODES", "SIGNED", "TRUSTED",
    "UINT8_IMAGE", "drawn", "finished", "fixed_data", "image_of", "integer_mistakes",
    "kernel_case", "kernel_draw", "line_kernel", "mode_mistakes", "non_square",
    "non_square_kernel", "output_mistakes", "random_image", "random_kernel",
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


def fixed_data(seed: int):
    """``image(shape)`` and ``kernel(shape)``: float data for fixed cases, the same on every
    run (drawn in call order from one Generator seeded with ``seed``)."""
    rng = np.random.default_rng(seed)

    def image(shape) -> np.ndarray:
        return image_of(random_image(rng, shape, kind="float"))

    def kernel(shape) -> np.ndarray:
        return image_of(random_kernel(rng, shape, kind="float"))

    return image, kernel


def finished(model, finish):
    """``model`` with ``finish`` applied to its result."""

    def wrong(*args, **kwargs):
        return finish(model(*args, **kwargs))

    return wrong


def integer_mistakes(model, explanation: str) -> list[Mistake]:
    """``integer-dtype`` models: wrapped around like uint8, or truncated to integers.

    They only explain results that really have an integer dtype: a float result
    with whole numbers is another mistake (``integer-division``, a floor).
    """
    return [
        Mistake("integer-dtype", explanation, requires="integer-output",
                model=finished(model, lambda out: np.mod(np.trunc(out), 256))),
        Mistake("integer-dtype", explanation, requires="integer-output",
                model=finished(model, np.trunc)),
    ]


def output_mistakes(model, integer_explanation: str) -> list[Mistake]:
    """The mistakes in a filter's output values: clamped to 0..255, integers (see
    :func:`integer_mistakes`), or every window read one or two pixels off."""
    return [
        Mistake("clipped", _CLIPPED_EXPLANATION,
                model=finished(model, lambda out: np.clip(out, 0, 255))),
        *integer_mistakes(model, integer_explanation),
        Mistake("shifted-window", _SHIFTED_EXPLANATION, detector="shifted-window"),
    ]


def mode_mistakes(explanation: str, model) -> list[Mistake]:
    """A ``wrong-padding`` mistake per mode of :data:`PAD_MODES`: ``model(..., mode=mode)``,
    explained by ``explanation`` with ``{mode}`` filled in."""
    return [Mistake("wrong-padding", explanation.format(mode=mode),
                    model=functools.partial(model, mode=mode)) for mode in PAD_MODES]


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


def kernel_case(image, kernel) -> Case:
    """A case of ``(image, kernel)``, labelled with their shapes (and uint8 images as such)."""
    kind = "uint8 " if image.dtype == np.uint8 else ""
    (rows, cols), (kh, kw) = image.shape, kernel.shape
    return Case((image, kernel), label=f"{kind}{rows}x{cols} image, {kh}x{kw} kernel")


def kernel_draw(correlate, kernel_shape, *, rows=(5, 11), square=True, kind="float",
                kernel_fills_image=False):
    """A group's ``draw(rng)`` of ``(image, kernel)`` cases for an answer like ``correlate``.

    Parameters
    ----------
    correlate : callable
        The exercise's reference, ``correlate(image, kernel) -> array``.
    kernel_shape : tuple of int or callable
        ``(kh, kw)``, or ``kernel_shape(rng) -> (kh, kw)``.
    rows : tuple of int
        The range of the image's height; its width is the same when ``square``,
        another value of the range otherwise.
    square : bool
        Whether images are square.
    kind : {'float', 'uint8'}
        The image data (:func:`random_image`); uint8 images get integer kernels.
    kernel_fills_image : bool
        The image takes the kernel's shape instead.

    Returns
    -------
    callable
        ``draw(rng) -> Case`` with an asymmetric kernel, a negative result (so
        that a clamp or a uint8 wrap always shows) and, for float data, results
        that are not all whole numbers (so that truncating always shows).

    Examples
    --------
    >>> draw = kernel_draw(TRUSTED.correlate2d, (3, 3), square=False)
    >>> draw(np.random.default_rng(0)).label
    '10x8 image, 3x3 kernel'
    """

    def make(rng):
        height = int(rng.integers(*rows))
        width = height if square else int(rng.choice([c for c in range(*rows) if c != height]))
        kh, kw = kernel_shape(rng) if callable(kernel_shape) else kernel_shape
        if kernel_fills_image:
            height, width = kh, kw
        image = random_image(rng, (height, width), kind=kind)
        weights = random_kernel(rng, (kh, kw), kind="int" if kind == "uint8" else "float")
        if kind == "float":
            image = image * 30
        return image_of(image, dtype=None), image_of(weights, dtype=None)

    def accept(pair):
        out = correlate(*pair)
        whole = bool(np.all(out == np.round(out)))
        return float(out.min()) < 0 and whole == (kind == "uint8")

    return lambda rng: kernel_case(*drawn(rng, make, accept))


def line_kernel(rng: np.random.Generator) -> tuple[int, int]:
    """The shape of a one-row or one-column kernel, 2 to 4 long."""
    k = int(rng.integers(2, 5))
    return (1, k) if rng.integers(2) else (k, 1)


def non_square_kernel(rng: np.random.Generator, *, shortest: int = 1) -> tuple[int, int]:
    """The shape of a kernel with sides from ``shortest`` to 4 that differ."""
    while True:
        kh, kw = (int(v) for v in rng.integers(shortest, 5, size=2))
        if kh != kw:
            return kh, kw


ASYMMETRIC = image_of([[1, 2, 0], [-1, 0, 3], [0, -2, 1]])
"""A 3x3 float kernel equal to neither its flip nor its transpose."""

SIGNED = image_of([[-1, 0, 2], [-2, 1, 0], [0, -1, 3]], dtype=np.int64)
"""A signed int64 3x3 kernel, for uint8 images."""

UINT8_IMAGE = image_of(
    [
        [250, 3, 200, 17, 255, 0],
        [12, 240, 99, 180, 5, 230],
        [255, 255, 0, 1, 128, 64],
        [7, 190, 33, 250, 77, 2],
        [140, 0, 222, 15, 255, 96],
    ],
    dtype=np.uint8,
)
"""A 5x6 uint8 image with values near both ends of the range (sums wrap around in uint8)."""

NON_SQUARE = (image_of([[1, 5, 2, 0], [3, -1, 4, 2], [0, 2, -3, 1]]),
              image_of([[1, 0, -1], [2, 1, 0]]))
"""A 3x4 image and a 2x3 kernel."""

PAD_MODES = ("edge", "symmetric", "reflect", "wrap")
"""``numpy.pad``'s modes that copy the image into the border instead of zeros."""


_CLIPPED_EXPLANATION = (
    "clamps its results to 0..255 (or stores them in a uint8 array). The raw result of a "
    "filter can be negative or above 255 (edges!); keep it as it is and clamp only for "
    "display."
)


_SHIFTED_EXPLANATION = (
    "reads each window one or two pixels off: out[i, j] must combine image[i + a, j + b] with "
    "kernel[a, b] for a in range(kh), b in range(kw), starting at a = b = 0. Check the start of "
    "your window slice and your loop ranges."
)


def non_square(case: Case) -> bool:
    """Whether the case's image or kernel (its first two arguments) is not square."""
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
        non_square,
    ),
    Pattern(
        "fixed-kernel-size",
        "only works for 3x3 kernels: take kh, kw = kernel.shape and loop over every kernel "
        "offset instead of writing out nine products or assuming a centre at 1.",
        _not_3x3,
    ),
)
"""Cross-case patterns of functions taking ``(image, kernel)``."""
