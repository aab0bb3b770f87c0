"""Notebook 01, convolution from scratch: ``output_size`` and ``convolve``."""

from __future__ import annotations

import numpy as np

from ..outcome import Case
from ._base import Exercise, Mistake
from ._common import (
    CLIPPED_EXPLANATION,
    KERNEL_PATTERNS,
    SHIFTED_EXPLANATION,
    clipped,
    image_of,
    integer_mistakes,
    random_image,
    random_kernel,
)
from ._common import (
    TRUSTED as reference,
)

__all__ = ["EXERCISES", "Convolve", "OutputSize"]


class OutputSize(Exercise):
    """``output_size(image_size, kernel_size)``: n - k + 1, ValueError when k > n.

    Examples
    --------
    >>> exercise = OutputSize()
    >>> exercise.reference(224, 3)
    222
    >>> [case.args for case in exercise.cases(hidden=False)][:2]
    [(224, 3), (224, 5)]
    """

    name = "output_size"
    assignment = "01_convolution"
    signature = "output_size(image_size, kernel_size)"
    parameters = ("image_size", "kernel_size")
    result = "number"
    points_hint = 1

    def reference(self, image_size, kernel_size):
        return reference.output_size(image_size, kernel_size)

    def visible_cases(self) -> list[Case]:
        pairs = [(224, 3), (224, 5), (28, 5), (5, 5), (7, 2), (1, 1), (3, 4)]
        return [Case((n, k), label=f"n={n}, k={k}") for n, k in pairs]

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        cases = []
        for _ in range(12):
            n = int(rng.integers(1, 513))
            k = int(rng.integers(1, min(n, 31) + 1))
            cases.append(Case((n, k), label=f"n={n}, k={k}"))
        for _ in range(3):
            n = int(rng.integers(1, 20))
            k = n + int(rng.integers(1, 6))
            cases.append(Case((n, k), label=f"n={n}, k={k} (kernel too large)"))
        return cases

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


def _truly_convolved(image, kernel):
    return reference.convolve2d(image, kernel)


def _transposed(image, kernel):
    return reference.correlate2d(image, np.asarray(kernel).T)


class Convolve(Exercise):
    """``convolve(image, kernel)``: loop-based VALID cross-correlation, float output.

    Examples
    --------
    >>> exercise = Convolve()
    >>> case = exercise.cases(hidden=False)[0]
    >>> case.args[0].shape, case.args[1].shape
    ((3, 4), (2, 3))
    >>> exercise.reference(*case.args).shape
    (2, 2)
    """

    name = "convolve"
    assignment = "01_convolution"
    loop_only = True
    signature = "convolve(image, kernel)"
    parameters = ("image", "kernel")
    result = "array"
    float_output = True
    points_hint = 3

    def reference(self, image, kernel):
        return reference.correlate2d(image, kernel)

    def visible_cases(self) -> list[Case]:
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
            Case(
                (
                    image_of([[1, 5, 2, 0], [3, -1, 4, 2], [0, 2, -3, 1]]),
                    image_of([[1, 0, -1], [2, 1, 0]]),
                ),
                label="3x4 image, 2x3 kernel",
            ),
            Case((rand((5, 5)), asymmetric), label="5x5 image, asymmetric 3x3 kernel"),
            Case((rand((5, 7)), asymmetric), label="5x7 image, 3x3 kernel"),
            Case((rand((7, 5)), kern((3, 2))), label="7x5 image, 3x2 kernel"),
            Case((rand((6, 6)), kern((5, 5))), label="6x6 image, 5x5 kernel"),
            Case((uint8_image, signed), label="uint8 5x6 image, signed 3x3 kernel"),
            Case((rand((4, 6)), kern((4, 1))), label="4x6 image, 4x1 kernel"),
        ]

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        cases = []
        kinds = ("float", "uint8", "int", "float")
        for index in range(18):
            rows, cols = (int(v) for v in rng.integers(3, 13, size=2))
            kh = int(rng.integers(1, min(rows, 5) + 1))
            kw = int(rng.integers(1, min(cols, 5) + 1))
            if index % 6 == 0:
                kh, kw = 3, 3
            kind = kinds[index % len(kinds)]
            image = image_of(random_image(rng, (rows, cols), kind=kind), dtype=None)
            kernel_kind = "int" if kind == "uint8" else "float"
            kernel = image_of(random_kernel(rng, (kh, kw), kind=kernel_kind), dtype=None)
            cases.append(
                Case((image, kernel), label=f"{kind} {rows}x{cols} image, {kh}x{kw} kernel")
            )
        big = image_of(random_image(rng, (24, 31), kind="uint8"), dtype=None)
        cases.append(
            Case(
                (big, image_of(random_kernel(rng, (7, 5), kind="int"), dtype=None)),
                label="uint8 24x31 image, 7x5 kernel",
            )
        )
        return cases

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
