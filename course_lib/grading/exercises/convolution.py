"""Notebook 01, convolution from scratch: ``output_size`` and ``convolve``."""

from __future__ import annotations

import numpy as np

from ..outcome import Case
from ._base import Exercise, Group, Mistake
from ._common import (
    CLIPPED_EXPLANATION,
    CORRELATION,
    KERNEL_PATTERNS,
    SHIFTED_EXPLANATION,
    clipped,
    drawn,
    image_of,
    integer_mistakes,
    random_image,
    random_kernel,
)
from ._common import (
    TRUSTED as reference,
)

__all__ = ["EXERCISES", "Convolve", "OutputSize"]


def _sizes(rng, *, low_n=2, high_n=512, kernels=None, even=False) -> tuple[int, int]:
    n = int(rng.integers(low_n, high_n + 1))
    if kernels is not None:
        return n, kernels(n)
    k = int(rng.integers(2, min(n, 31) + 1))
    if even and k % 2:
        k = k - 1 if k > 2 else 2
    return n, k


def _size_case(n: int, k: int, note: str = "") -> Case:
    return Case((n, k), label=f"n={n}, k={k}" + (f" ({note})" if note else ""))


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
            Group("typical sizes", _size_case(224, 3),
                  lambda rng: _size_case(*_sizes(rng, low_n=20))),
            Group("even kernel sizes", _size_case(7, 2),
                  lambda rng: _size_case(*_sizes(rng, low_n=4, even=True))),
            Group("kernel as large as the image", _size_case(5, 5),
                  lambda rng: _size_case(*(2 * (int(rng.integers(2, 41)),)))),
            Group("kernel of size 1", _size_case(28, 1),
                  lambda rng: _size_case(int(rng.integers(1, 513)), 1)),
            Group("kernel larger than the image (ValueError)", _size_case(3, 4, "too large"),
                  lambda rng: _size_case(*_sizes(rng, low_n=1, high_n=19,
                                                 kernels=lambda n: n + int(rng.integers(1, 6))),
                                         "too large")),
            Group("a size below 1 (ValueError)", _size_case(5, 0, "below 1"),
                  lambda rng: _size_case(int(rng.integers(1, 51)), int(rng.integers(-3, 1)),
                                         "below 1")),
            Group("an exact int answer (94, not 94.0)", _size_case(100, 7),
                  lambda rng: _size_case(*_sizes(rng, low_n=20)), exact_type=True),
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


def _case(image, kernel) -> Case:
    kind = "uint8 " if image.dtype == np.uint8 else ""
    (rows, cols), (kh, kw) = image.shape, kernel.shape
    return Case((image, kernel), label=f"{kind}{rows}x{cols} image, {kh}x{kw} kernel")


def _kernel_shape(rng, spec, rows: int, cols: int) -> tuple[int, int]:
    if isinstance(spec, tuple):
        return spec
    if spec == "non-square":
        while True:
            kh, kw = (int(v) for v in rng.integers(1, 5, size=2))
            if kh != kw and kh * kw > 1:
                return kh, kw
    if spec == "large":
        k = int(rng.integers(4, 6))
        return k, k
    if spec == "line":
        k = int(rng.integers(2, 5))
        return (1, k) if rng.integers(2) else (k, 1)
    return rows, cols


def _draw(rng, *, square: bool, kernel, kind: str = "float") -> Case:
    """A random case of a group: the group's shapes, an asymmetric kernel, a negative result
    (so that a clamp or a uint8 wrap always shows) and, for float data, results that are not
    whole numbers (so that truncating always shows)."""

    def make(rng):
        rows = int(rng.integers(5, 11))
        cols = rows if square else int(rng.choice([c for c in range(5, 11) if c != rows]))
        if kernel == "whole":
            rows = cols = int(rng.integers(3, 6))
        kh, kw = _kernel_shape(rng, kernel, rows, cols)
        image = random_image(rng, (rows, cols), kind=kind)
        weights = random_kernel(rng, (kh, kw), kind="int" if kind == "uint8" else "float")
        if kind == "float":
            image = image * 30
        return image_of(image, dtype=None), image_of(weights, dtype=None)

    def accept(pair):
        out = reference.correlate2d(*pair)
        return float(out.min()) < 0 and _whole(out) == (pair[0].dtype == np.uint8)

    return _case(*drawn(rng, make, accept))


def _whole(out) -> bool:
    return bool(np.all(out == np.round(out)))


def _truly_convolved(image, kernel):
    return reference.convolve2d(image, kernel)


def _transposed(image, kernel):
    return reference.correlate2d(image, np.asarray(kernel).T)


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
        asymmetric = image_of([[1, 2, 0], [-1, 0, 3], [0, -2, 1]])
        rng = np.random.default_rng(7)
        uint8_image = image_of(
            [
                [250, 3, 200, 17, 255, 0],
                [12, 240, 99, 180, 5, 230],
                [255, 255, 0, 1, 128, 64],
                [7, 190, 33, 250, 77, 2],
                [140, 0, 222, 15, 255, 96],
            ],
            dtype=np.uint8,
        )
        signed = image_of([[-1, 0, 2], [-2, 1, 0], [0, -1, 3]], dtype=np.int64)

        def rand(shape):
            return image_of(random_image(rng, shape, kind="float"))

        def kern(shape):
            return image_of(random_kernel(rng, shape, kind="float"))

        return [
            Group("a 3x3 kernel on a square image", _case(rand((5, 5)), asymmetric),
                  lambda rng: _draw(rng, square=True, kernel=(3, 3))),
            Group("non-square images", _case(rand((5, 7)), asymmetric),
                  lambda rng: _draw(rng, square=False, kernel=(3, 3))),
            Group("non-square kernels",
                  _case(image_of([[1, 5, 2, 0], [3, -1, 4, 2], [0, 2, -3, 1]]),
                        image_of([[1, 0, -1], [2, 1, 0]])),
                  lambda rng: _draw(rng, square=True, kernel="non-square")),
            Group("larger kernels (4x4, 5x5)", _case(rand((6, 6)), kern((5, 5))),
                  lambda rng: _draw(rng, square=True, kernel="large")),
            Group("uint8 images with a signed kernel", _case(uint8_image, signed),
                  lambda rng: _draw(rng, square=True, kernel=(3, 3), kind="uint8")),
            Group("one-row and one-column kernels", _case(rand((4, 6)), kern((4, 1))),
                  lambda rng: _draw(rng, square=True, kernel="line")),
            Group("a kernel as large as the image", _case(rand((3, 3)), kern((3, 3))),
                  lambda rng: _draw(rng, square=True, kernel="whole")),
        ]

    def mistakes(self) -> list[Mistake]:
        integer = integer_mistakes(self.reference, _INTEGER_EXPLANATION)
        return [
            Mistake(
                "flipped-kernel",
                "flips the kernel (true convolution). In this course, as in TensorFlow, "
                "'convolution' means cross-correlation: out[i, j] = sum of image[i + a, j + b] "
                "* kernel[a, b], without reversing the kernel.",
                model=_truly_convolved,
            ),
            Mistake(
                "transposed",
                "applies the transposed kernel: it pairs image[i + b, j + a] (or image[x, y] "
                "with x as the column) with kernel[a, b]. Index both arrays as [row, col]: "
                "image[i + a, j + b] * kernel[a, b].",
                model=_transposed,
            ),
            Mistake("clipped", CLIPPED_EXPLANATION, model=clipped(self.reference)),
            *integer,
            Mistake("shifted-window", SHIFTED_EXPLANATION, detector="shifted-window"),
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
