"""Notebook 03, filters: ``normalize_kernel``, ``clamp`` and ``sobel_magnitude``.

``sobel_magnitude`` is not loop-only (shifted slices of a padded copy are the
intended method), but library filters are still blocked while it runs:
calling ``reference.correlate2d`` or scipy would do the whole exercise.
"""

from __future__ import annotations

import math

import numpy as np

from ... import kernels, reference
from ..outcome import Case
from ._base import Exercise, Mistake, Pattern, Rule
from ._common import (
    CLIPPED_EXPLANATION,
    SHIFTED_EXPLANATION,
    clipped,
    image_of,
    integer_mistakes,
    random_image,
    random_kernel,
)

__all__ = ["EXERCISES", "Clamp", "NormalizeKernel", "SobelMagnitude"]


def _zero_sum(case: Case) -> bool:
    return float(np.sum(np.asarray(case.args[0], dtype=float))) == 0.0


def _zeros_for_zero_sum(kernel):
    if float(np.sum(np.asarray(kernel, dtype=float))) == 0.0:
        return np.zeros(np.shape(kernel))
    return kernels.normalize(kernel)


class NormalizeKernel(Exercise):
    """``normalize_kernel(kernel)``: divide by the sum, or a float copy when it sums to 0.

    Examples
    --------
    >>> NormalizeKernel().reference([[1, 2, 1]]).tolist()
    [[0.25, 0.5, 0.25]]
    >>> NormalizeKernel().reference([[-1, 0, 1]]).tolist()
    [[-1.0, 0.0, 1.0]]
    """

    name = "normalize_kernel"
    assignment = "03_filters"
    signature = "normalize_kernel(kernel)"
    parameters = ("kernel",)
    result = "array"
    float_output = True
    points_hint = 2

    def reference(self, kernel):
        return kernels.normalize(kernel)

    def visible_cases(self) -> list[Case]:
        return [
            Case((image_of([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.int64),), label="int 3x3"),
            Case((image_of(np.ones((3, 3)), dtype=np.int64),), label="3x3 of ones"),
            Case((image_of([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),), label="Sobel (sums to 0)"),
            Case((image_of([[0.5, 1.5, -0.25], [2.0, 0.0, 1.25]]),), label="2x3 float"),
            Case((image_of([[-1, -2], [0, 1]]),), label="2x2 summing to -2"),
            Case((image_of([[0, 0], [0, 0], [0, 0]]),), label="3x2 of zeros"),
        ]

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        cases = []
        for index in range(10):
            kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
            zero_sum = index % 3 == 0
            kind = "int" if zero_sum or index % 2 else "float"
            kernel = random_kernel(rng, (kh, kw), kind=kind)
            if zero_sum:
                kernel[-1, -1] -= kernel.sum()
            elif float(kernel.sum()) == 0.0:
                kernel[0, 0] += 1
            label = f"{kind} {kh}x{kw} kernel" + (" summing to 0" if zero_sum else "")
            cases.append(Case((image_of(kernel, dtype=None),), label=label))
        uint8 = image_of(rng.integers(1, 256, size=(3, 4)), dtype=np.uint8)
        cases.append(Case((uint8,), label="uint8 3x4 kernel (sum larger than 255)"))
        zero_sum = image_of([[0.5, -0.25, 0.0], [0.0, -0.25, 0.0]])
        cases.append(Case((zero_sum,), label="2x3 float kernel summing to 0"))
        return cases

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake(
                "divides-by-zero",
                "divides by the sum even when it is 0, which gives inf or nan (or raises). "
                "Edge kernels sum to 0: return an unchanged float copy for them.",
                detector="non-finite",
                flag="zero_sum",
            ),
            Mistake(
                "zero-sum-gives-zeros",
                "returns zeros for a kernel that sums to 0; it must come back unchanged "
                "(as a float copy).",
                model=_zeros_for_zero_sum,
            ),
            Mistake(
                "divides-by-count",
                "divides by the number of weights (kernel.size); normalising divides by the "
                "sum of the weights.",
                model=lambda kernel: np.asarray(kernel, dtype=float) / np.size(kernel),
            ),
            Mistake(
                "divides-by-abs-sum",
                "divides by the sum of the absolute values; normalising divides by the plain "
                "sum, which can be negative.",
                model=lambda kernel: np.asarray(kernel, dtype=float)
                / np.abs(np.asarray(kernel, dtype=float)).sum(),
            ),
            *integer_mistakes(
                self.reference,
                "returns integers: convert to float first (np.array(kernel, dtype=float)); "
                "integer division (//) or an integer array truncates 1/9 to 0.",
            ),
        ]

    def rules(self) -> list[Rule]:
        return [
            Rule(
                "divides-by-zero",
                _zero_sum,
                error_prefixes=("ZeroDivisionError", "FloatingPointError"),
            )
        ]

    def flags(self, case: Case) -> dict:
        return {"zero_sum": _zero_sum(case)}


def _clamp_reference(image, low=0, high=255):
    if low > high:
        raise ValueError(f"low must not exceed high, got low={low}, high={high}")
    return np.minimum(np.maximum(np.asarray(image, dtype=float), low), high)


class Clamp(Exercise):
    """``clamp(image, low=0, high=255)``: limit values to [low, high], float copy.

    Examples
    --------
    >>> Clamp().reference(np.array([-20.0, 100.0, 300.0])).tolist()
    [0.0, 100.0, 255.0]
    """

    name = "clamp"
    assignment = "03_filters"
    signature = "clamp(image, low=0, high=255)"
    parameters = ("image", "low", "high")
    result = "array"
    float_output = True
    points_hint = 2

    def reference(self, image, low=0, high=255):
        return _clamp_reference(image, low, high)

    def visible_cases(self) -> list[Case]:
        sharpened = image_of([[-20.5, 100.0, 300.0], [255.0, 0.0, 256.25], [-1.0, 17.0, 999.0]])
        uint8 = image_of([[0, 10, 200], [255, 128, 3]], dtype=np.uint8)
        return [
            Case((sharpened,), label="3x3 float, defaults 0..255"),
            Case((image_of([[-2.0, 0.25, 0.75, 1.5]]),), {"low": 0, "high": 1}, label="0..1"),
            Case((image_of([[-5, 3, 12, -1], [7, 0, 9, 20]], dtype=np.int64), -2, 8), label="int"),
            Case((uint8,), {"low": 50, "high": 150}, label="uint8 2x3, 50..150"),
            Case((sharpened,), {"low": 10, "high": 5}, label="low > high must raise ValueError"),
        ]

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        cases = []
        for index in range(8):
            rows, cols = (int(v) for v in rng.integers(1, 9, size=2))
            kind = ("float", "int", "uint8")[index % 3]
            image = random_image(rng, (rows, cols), kind=kind)
            if kind == "float":
                image = image * 30 + 120
            low = float(np.round(rng.uniform(-10, 100), 2))
            high = float(np.round(low + rng.uniform(0, 150), 2))
            options = {} if index % 4 == 0 else {"low": low, "high": high}
            label = f"{kind} {rows}x{cols}, " + ("defaults" if not options else f"{low}..{high}")
            cases.append(Case((image_of(image, dtype=None),), options, label=label))
        cube = image_of(random_image(rng, (2, 3, 3), kind="float") * 40)
        cases.append(Case((cube,), {"low": -5, "high": 5}, label="3-D array"))
        cases.append(Case((cube, 3.0, 3.0), label="low == high"))
        cases.append(Case((cube,), {"low": 1, "high": -1}, label="low > high"))
        return cases

    def mistakes(self) -> list[Mistake]:
        def ignores_bounds(image, low=0, high=255):
            return _clamp_reference(image, 0, 255)

        return [
            Mistake(
                "swapped-bounds",
                "swaps the roles of low and high (np.minimum where np.maximum belongs): every "
                "value comes out equal to one bound. Raise values below low to low (maximum "
                "with low), then lower values above high to high (minimum with high).",
                model=lambda image, low=0, high=255: np.full(np.shape(image), float(low)),
            ),
            Mistake(
                "swapped-bounds",
                "swaps the roles of low and high: every value comes out equal to high.",
                model=lambda image, low=0, high=255: np.full(np.shape(image), float(high)),
            ),
            Mistake(
                "missing-upper-bound",
                "only raises values below low; values above high must become high too.",
                model=lambda image, low=0, high=255: np.maximum(
                    np.asarray(image, dtype=float), low
                ),
            ),
            Mistake(
                "missing-lower-bound",
                "only lowers values above high; values below low must become low too.",
                model=lambda image, low=0, high=255: np.minimum(
                    np.asarray(image, dtype=float), high
                ),
            ),
            Mistake(
                "fixed-bounds",
                "always clamps to 0..255 and ignores the low and high arguments.",
                model=ignores_bounds,
            ),
        ]


def _gradients(image, *, padding="same", mode="constant"):
    right, bottom = kernels.get("sobel_right"), kernels.get("sobel_bottom")
    gx = reference.correlate2d(image, right, padding=padding, mode=mode)
    gy = reference.correlate2d(image, bottom, padding=padding, mode=mode)
    return gx, gy


def _magnitude(image, **options):
    gx, gy = _gradients(image, **options)
    return np.sqrt(gx**2 + gy**2)


def _tiny(case: Case) -> bool:
    return min(np.shape(case.args[0])) < 3


class SobelMagnitude(Exercise):
    """``sobel_magnitude(image)``: sqrt(gx**2 + gy**2), zero 'same' padding.

    Examples
    --------
    >>> impulse = np.zeros((3, 3)); impulse[1, 1] = 1
    >>> SobelMagnitude().reference(impulse).round(2).tolist()
    [[1.41, 2.0, 1.41], [2.0, 0.0, 2.0], [1.41, 2.0, 1.41]]
    """

    name = "sobel_magnitude"
    assignment = "03_filters"
    signature = "sobel_magnitude(image)"
    parameters = ("image",)
    result = "array"
    float_output = True
    points_hint = 3
    # Not loop-only, but calling a library filter would do the whole exercise.
    guarded = True

    def reference(self, image):
        return _magnitude(image)

    def visible_cases(self) -> list[Case]:
        rng = np.random.default_rng(303)
        step = image_of([[0, 0, 9, 9, 9], [0, 0, 9, 9, 9], [0, 0, 0, 9, 9], [0, 0, 0, 0, 9]])
        uint8 = image_of(random_image(rng, (6, 5), kind="uint8"), dtype=None)
        return [
            Case((step,), label="4x5 staircase"),
            Case((image_of(random_image(rng, (5, 7), kind="float")),), label="5x7 signed floats"),
            Case((uint8,), label="uint8 6x5 image"),
            Case((image_of(random_image(rng, (7, 4), kind="int"), dtype=None),), label="int 7x4"),
        ]

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        cases = []
        kinds = ("float", "uint8", "int")
        for index in range(9):
            rows, cols = (int(v) for v in rng.integers(3, 13, size=2))
            kind = kinds[index % 3]
            image = image_of(random_image(rng, (rows, cols), kind=kind), dtype=None)
            cases.append(Case((image,), label=f"{kind} {rows}x{cols} image"))
        cases.append(Case((image_of(random_image(rng, (1, 6), kind="float")),), label="1x6 image"))
        cases.append(Case((image_of(random_image(rng, (2, 2), kind="uint8"), dtype=None),),
                          label="uint8 2x2 image"))
        return cases

    def mistakes(self) -> list[Mistake]:
        def only(axis):
            return lambda image: np.abs(_gradients(image)[axis])

        def abs_sum(image):
            gx, gy = _gradients(image)
            return np.abs(gx) + np.abs(gy)

        def squared(image):
            gx, gy = _gradients(image)
            return gx**2 + gy**2

        def wrong_mode(mode):
            return lambda image: _magnitude(image, mode=mode)

        return [
            Mistake(
                "one-direction",
                "uses only one of the two gradients (or the same kernel twice): gx comes "
                "from sobel_right, gy from sobel_bottom, and the magnitude needs both.",
                model=only(0),
            ),
            Mistake("one-direction", "uses only gy; the magnitude needs gx too.", model=only(1)),
            Mistake(
                "one-direction",
                "uses the same kernel twice: gx from sobel_right, gy from sobel_bottom.",
                model=lambda image: math.sqrt(2) * np.abs(_gradients(image)[0]),
            ),
            Mistake(
                "abs-sum",
                "adds |gx| + |gy|, a cheaper approximation; the exercise asks for the length "
                "of the gradient, sqrt(gx**2 + gy**2).",
                model=abs_sum,
            ),
            Mistake(
                "missing-sqrt",
                "returns gx**2 + gy**2: take the square root (np.sqrt) to get the length.",
                model=squared,
            ),
            Mistake(
                "valid-not-same",
                "returns the VALID result (two rows and columns short): pad one ring of zeros "
                "first so the output keeps the image's shape.",
                model=lambda image: _magnitude(image, padding="valid"),
            ),
            *(
                Mistake(
                    "wrong-padding",
                    f"pads with {mode} copies of the border; the exercise asks for zeros.",
                    model=wrong_mode(mode),
                )
                for mode in ("edge", "symmetric", "reflect", "wrap")
            ),
            Mistake("clipped", CLIPPED_EXPLANATION, model=clipped(self.reference)),
            *integer_mistakes(
                self.reference,
                "computes or stores integers: uint8 arithmetic wraps around. Convert the image "
                "to float first (np.asarray(image, dtype=float)).",
            ),
            Mistake("shifted-window", SHIFTED_EXPLANATION, detector="shifted-window"),
        ]

    def patterns(self) -> list[Pattern]:
        return [
            Pattern(
                "tiny-images",
                "fails only on images thinner than the 3x3 kernel: with zero padding every "
                "image has an answer of its own shape, even a single row.",
                _tiny,
            )
        ]


EXERCISES = [NormalizeKernel(), Clamp(), SobelMagnitude()]
"""The graded functions of 03_filters, in notebook order."""
