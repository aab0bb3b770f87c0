"""Notebook 01, convolution from scratch: ``output_size`` and ``convolve``."""

from __future__ import annotations

import numpy as np

from ..outcome import Case
from ._base import Exercise, Group, Mistake
from ._common import (
    ASYMMETRIC,
    CORRELATION,
    KERNEL_PATTERNS,
    NON_SQUARE,
    SIGNED,
    UINT8_IMAGE,
    fixed_data,
    kernel_case,
    kernel_draw,
    line_kernel,
    non_square_kernel,
    output_mistakes,
)
from ._common import TRUSTED as reference

__all__ = ["EXERCISES", "Convolve", "OutputSize"]


def _size_case(n: int, k: int, note: str = "") -> Case:
    return Case((n, k), label=f"n={n}, k={k}" + (f" ({note})" if note else ""))


def _random_sizes(rng, *, shortest: int, even: bool = False) -> Case:
    n = int(rng.integers(shortest, 513))
    k = int(rng.integers(2, min(n, 31) + 1))
    return _size_case(n, k - 1 if even and k % 2 else k)


def _too_large(rng) -> Case:
    n = int(rng.integers(1, 20))
    return _size_case(n, n + int(rng.integers(1, 6)), "too large")


class OutputSize(Exercise):
    """``output_size(image_size, kernel_size)``: n - k + 1, ValueError when k > n or a size < 1.

    Examples
    --------
    >>> exercise = OutputSize()
    >>> exercise.reference(224, 3)
    222
    >>> [case.args for case in exercise.cases(hidden=False)][:2]
    [(224, 3), (7, 2)]
    """

    signature = "output_size(image_size, kernel_size)"
    shortcuts = ("course_lib.reference.output_size",)
    assignment = "01_convolution"
    result = "number"
    integer_result = True

    def reference(self, image_size, kernel_size):
        if image_size < 1 or kernel_size < 1:
            raise ValueError(f"sizes must be at least 1, got {image_size} and {kernel_size}")
        return reference.output_size(image_size, kernel_size)

    def groups(self) -> list[Group]:
        return [
            Group("typical sizes", _size_case(224, 3), lambda rng: _random_sizes(rng, shortest=20)),
            Group("even kernel sizes", _size_case(7, 2),
                  lambda rng: _random_sizes(rng, shortest=4, even=True)),
            Group("kernel as large as the image", _size_case(5, 5),
                  lambda rng: _size_case(*(2 * (int(rng.integers(2, 41)),)))),
            Group("kernel of size 1", _size_case(28, 1),
                  lambda rng: _size_case(int(rng.integers(1, 513)), 1)),
            Group("kernel larger than the image (ValueError)", _size_case(3, 4, "too large"),
                  _too_large),
            Group("a size below 1 (ValueError)", _size_case(5, 0, "below 1"),
                  lambda rng: _size_case(int(rng.integers(1, 51)), int(rng.integers(-3, 1)),
                                         "below 1")),
            Group("an exact int answer (94, not 94.0)", _size_case(100, 7),
                  lambda rng: _random_sizes(rng, shortest=20), exact_type=True),
        ]

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake(
                "off-by-one",
                "is off by one: a kernel of size k fits in n - k + 1 positions (224 with 3 "
                "gives 222).",
                model=lambda n, k: n - k,
            ),
            Mistake(
                "off-by-one",
                "is off by one: the VALID size is n - k + 1.",
                model=lambda n, k: n - k + 2,
            ),
            Mistake(
                "wrong-formula",
                "uses another padding's size: VALID (no padding) gives n - k + 1, not n "
                "(SAME) or n + k - 1 (FULL).",
                model=lambda n, k: n + k - 1,
            ),
            Mistake(
                "wrong-formula",
                "returns n, the SAME size; VALID gives n - k + 1.",
                model=lambda n, k: n,
            ),
        ]


def _draw(kernel_shape, **options):
    return kernel_draw(reference.correlate2d, kernel_shape, **options)


class Convolve(Exercise):
    """``convolve(image, kernel)``: loop-based VALID cross-correlation, float output.

    Examples
    --------
    >>> exercise = Convolve()
    >>> case = exercise.cases(hidden=False)[2]
    >>> case.group, case.args[0].shape, case.args[1].shape
    ('non-square kernels', (3, 4), (2, 3))
    >>> exercise.reference(*case.args).shape
    (2, 2)
    """

    signature = "convolve(image, kernel)"
    helpers = ("output_size",)
    shortcuts = CORRELATION
    assignment = "01_convolution"
    loop_only = True

    def reference(self, image, kernel):
        return reference.correlate2d(image, kernel)

    def groups(self) -> list[Group]:
        rand, kern = fixed_data(7)
        return [
            Group("a 3x3 kernel on a square image", kernel_case(rand((5, 5)), ASYMMETRIC),
                  _draw((3, 3))),
            Group("non-square images", kernel_case(rand((5, 7)), ASYMMETRIC),
                  _draw((3, 3), square=False)),
            Group("non-square kernels", kernel_case(*NON_SQUARE), _draw(non_square_kernel)),
            Group("larger kernels (4x4, 5x5)", kernel_case(rand((6, 6)), kern((5, 5))),
                  _draw(lambda rng: 2 * (int(rng.integers(4, 6)),))),
            Group("uint8 images with a signed kernel", kernel_case(UINT8_IMAGE, SIGNED),
                  _draw((3, 3), kind="uint8")),
            Group("one-row and one-column kernels", kernel_case(rand((4, 6)), kern((4, 1))),
                  _draw(line_kernel)),
            Group("a kernel as large as the image", kernel_case(rand((3, 3)), kern((3, 3))),
                  _draw(lambda rng: 2 * (int(rng.integers(3, 6)),), kernel_fills_image=True)),
        ]

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake(
                "flipped-kernel",
                "flips the kernel (true convolution). In this course, as in TensorFlow, "
                "'convolution' means cross-correlation: out[i, j] = sum of image[i + a, j + b] "
                "* kernel[a, b], without reversing the kernel.",
                model=reference.convolve2d,
            ),
            Mistake(
                "transposed",
                "applies the transposed kernel: it pairs image[i + b, j + a] (or image[x, y] "
                "with x as the column) with kernel[a, b]. Index both arrays as [row, col]: "
                "image[i + a, j + b] * kernel[a, b].",
                model=lambda image, kernel: reference.correlate2d(image, np.asarray(kernel).T),
            ),
            *output_mistakes(self.reference, _INTEGER_EXPLANATION),
            Mistake(
                "wrong-shape",
                "returns a result the size of the image (as if zero-padded, SAME); this "
                "exercise asks for VALID: only positions where the whole kernel fits, "
                "H - kh + 1 rows and W - kw + 1 columns.",
                model=lambda image, kernel: reference.correlate2d(image, kernel, padding="same"),
            ),
            Mistake(
                "wrong-shape",
                "returns the wrong shape: VALID output has H - kh + 1 rows and W - kw + 1 "
                "columns (loop with range(H - kh + 1) and range(W - kw + 1)).",
                detector="shape-differs",
            ),
        ]

    def patterns(self):
        return KERNEL_PATTERNS


_INTEGER_EXPLANATION = (
    "computes or stores integers: with a uint8 image, uint8 arithmetic wraps around (250 + 10 "
    "gives 4) and an integer output array (np.zeros_like(image)) truncates or wraps negative "
    "results. Convert first (image = image.astype(float)) and create the output with "
    "np.zeros((rows, cols)) (float)."
)

EXERCISES = [OutputSize(), Convolve()]
"""The graded functions of 01_convolution, in notebook order."""
