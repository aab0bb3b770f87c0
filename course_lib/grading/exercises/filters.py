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
from ._base import Exercise, Group, Mistake, Pattern, Rule
from ._common import (
    CORRELATION,
    drawn,
    finished,
    image_of,
    integer_mistakes,
    mode_mistakes,
    output_mistakes,
    random_image,
    random_kernel,
)

__all__ = ["EXERCISES", "Clamp", "NormalizeKernel", "SobelMagnitude"]


def _sums_to_zero(kernel) -> bool:
    return float(np.sum(np.asarray(kernel, dtype=float))) == 0.0


def _zeros_for_zero_sum(kernel):
    return np.zeros(np.shape(kernel)) if _sums_to_zero(kernel) else kernels.normalize(kernel)


class NormalizeKernel(Exercise):
    """``normalize_kernel(kernel)``: divide by the sum, or a float copy when it sums to 0.

    Examples
    --------
    >>> NormalizeKernel().reference([[1, 2, 1]]).tolist()
    [[0.25, 0.5, 0.25]]
    >>> NormalizeKernel().reference([[-1, 0, 1]]).tolist()
    [[-1.0, 0.0, 1.0]]
    """

    signature = "normalize_kernel(kernel)"
    shortcuts = ("course_lib.kernels.normalize",)
    assignment = "03_filters"

    def reference(self, kernel):
        return kernels.normalize(kernel)

    def groups(self) -> list[Group]:
        def case(kernel, label):
            return Case((image_of(kernel, dtype=None),), label=label)

        def draw(kind, *, total, note):
            def make(rng):
                kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
                if kind == "positive":
                    kernel = rng.integers(1, 6, size=(kh, kw)).astype(np.int64)
                elif kind == "ones":
                    kernel = np.ones((kh, kw), dtype=np.int64)
                elif kind == "uint8":
                    kernel = rng.integers(1, 256, size=(max(kh, 2), kw)).astype(np.uint8)
                else:
                    kernel = random_kernel(rng, (max(kh, 2), kw), kind=kind)
                if total == 0:
                    kernel[-1, -1] -= kernel.sum()
                return kernel

            def accept(kernel):
                # Each group keeps its kind of sum, so a mistake that depends on the sum
                # (dividing by the count, by the absolute sum) shows on all its cases or none.
                weights = float(np.sum(kernel, dtype=float))
                if total == 0:
                    return weights == 0 and np.count_nonzero(kernel) >= 2
                if total == "count":
                    return True
                absolute = float(np.abs(kernel.astype(float)).sum())
                signed = kind == "positive" or weights != absolute
                return kernel.size > 1 and weights not in (0.0, float(kernel.size)) and signed

            return lambda rng: case(drawn(rng, make, accept), note)

        return [
            Group("positive integer weights",
                  case(np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.int64), "int 3x3"),
                  draw("positive", total=None, note="positive int weights")),
            Group("a kernel of ones", case(np.ones((3, 3), dtype=np.int64), "3x3 of ones"),
                  draw("ones", total="count", note="ones")),
            Group("signed weights", case(np.array([[-1.0, -2.0], [0.0, 1.0]]), "2x2 summing to -2"),
                  draw("int", total=None, note="signed int weights")),
            Group("float weights", case(np.array([[0.5, 1.5, -0.25], [2.0, 0.0, 1.25]]),
                                        "2x3 float"),
                  draw("float", total=None, note="float weights")),
            Group("weights summing to 0 (edge kernels)",
                  case(np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]), "Sobel (sums to 0)"),
                  draw("int", total=0, note="summing to 0")),
            Group("uint8 weights (the sum is larger than 255)",
                  case(np.array([[200, 100, 7], [50, 255, 1]], dtype=np.uint8), "uint8 2x3"),
                  draw("uint8", total="count", note="uint8 weights")),
        ]

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
                "an integer array truncates 1/9 to 0.",
            ),
            Mistake(
                "integer-division",
                "divides with //, which rounds each weight down to a whole number: use /.",
                model=finished(self.reference, np.floor),
            ),
        ]

    def rules(self) -> list[Rule]:
        return [
            Rule(
                "divides-by-zero",
                lambda case: _sums_to_zero(case.args[0]),
                error_prefixes=("ZeroDivisionError", "FloatingPointError"),
            )
        ]

    def flags(self, case: Case) -> dict:
        return {"zero_sum": _sums_to_zero(case.args[0])}


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

    signature = "clamp(image, low=0, high=255)"
    assignment = "03_filters"

    def reference(self, image, low=0, high=255):
        return _clamp_reference(image, low, high)

    def groups(self) -> list[Group]:
        sharpened = image_of([[-20.5, 100.0, 300.0], [255.0, 0.0, 256.25], [-1.0, 17.0, 999.0]])
        uint8 = image_of([[0, 10, 200], [255, 128, 3]], dtype=np.uint8)

        def case(image, options, label):
            return Case((image_of(image, dtype=None),), options, label=label)

        def draw(kind, *, bounds):
            def make(rng):
                rows, cols = (int(v) for v in rng.integers(2, 7, size=2))
                if kind == "uint8":
                    image = rng.integers(0, 256, size=(rows, cols)).astype(np.uint8)
                elif kind == "int":
                    image = rng.integers(-50, 300, size=(rows, cols)).astype(np.int64)
                elif kind == "cube":
                    image = np.round(rng.normal(0, 40, size=(2, rows, cols)), 2)
                else:
                    image = np.round(rng.uniform(-60, 320, size=(rows, cols)), 2)
                if bounds == "default":
                    return image, {}, 0, 255
                low = float(np.round(rng.uniform(10, 100), 2))
                high = float(np.round(low + rng.uniform(20, 120), 2))
                if bounds == "equal":
                    high = low
                return image, {"low": low, "high": high}, low, high

            def accept(drawn_case):
                image, _, low, high = drawn_case
                return float(image.min()) < low and float(image.max()) > high

            def build(rng):
                image, options, low, high = drawn(rng, make, accept)
                return case(image, options, f"{kind} {image.shape}, {low:g}..{high:g}")

            return build

        return [
            Group("the default bounds 0..255", case(sharpened, {}, "3x3 float, defaults"),
                  draw("float", bounds="default")),
            Group("bounds of its own",
                  case([[-2.0, 0.25, 0.75, 1.5]], {"low": 0, "high": 1}, "0..1"),
                  draw("float", bounds="given")),
            Group("integer images",
                  case(np.array([[-5, 3, 12, -1], [7, 0, 9, 20]]), {"low": -2, "high": 8},
                       "int, -2..8"),
                  draw("int", bounds="given")),
            Group("uint8 images", case(uint8, {"low": 50, "high": 150}, "uint8 2x3, 50..150"),
                  draw("uint8", bounds="given")),
            Group("low == high", case(sharpened, {"low": 3.0, "high": 3.0}, "low == high"),
                  draw("float", bounds="equal")),
            Group("3-D arrays", case(np.arange(-12.0, 12.0).reshape(2, 3, 4) * 30,
                                     {"low": -5, "high": 5}, "3-D array"),
                  draw("cube", bounds="given")),
            Group("low > high (ValueError)", case(sharpened, {"low": 10, "high": 5}, "low > high"),
                  lambda rng: case(sharpened, {"low": float(rng.integers(6, 20)),
                                               "high": float(rng.integers(0, 5))}, "low > high")),
        ]

    def mistakes(self) -> list[Mistake]:
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
                model=lambda image, low=0, high=255: _clamp_reference(image),
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


def _scaled(image: np.ndarray) -> np.ndarray:
    """Signed test data with edges strong enough for magnitudes above 255 (uint8 as it is)."""
    return image if image.dtype == np.uint8 else image * 40


class SobelMagnitude(Exercise):
    """``sobel_magnitude(image)``: sqrt(gx**2 + gy**2), zero 'same' padding.

    Examples
    --------
    >>> impulse = np.zeros((3, 3)); impulse[1, 1] = 1
    >>> SobelMagnitude().reference(impulse).round(2).tolist()
    [[1.41, 2.0, 1.41], [2.0, 0.0, 2.0], [1.41, 2.0, 1.41]]
    """

    signature = "sobel_magnitude(image)"
    shortcuts = CORRELATION
    assignment = "03_filters"
    # The exercise text tells students to take the kernels from kernels.get.
    blocks_library = True
    allowed = ("course_lib.kernels.get",)

    def reference(self, image):
        return _magnitude(image)

    def groups(self) -> list[Group]:
        rng = np.random.default_rng(303)
        step = image_of([[0, 0, 9, 9, 9], [0, 0, 9, 9, 9], [0, 0, 0, 9, 9], [0, 0, 0, 0, 9]])

        def case(image, label):
            return Case((image_of(image, dtype=None),), label=label)

        def draw(kind, *, rows=(5, 10), square=True):
            def make(rng):
                height = int(rng.integers(*rows))
                width = height if square else int(rng.choice(
                    [w for w in range(max(rows[0], 2), rows[1] + 2) if w != height]))
                return _scaled(random_image(rng, (height, width), kind=kind))

            def accept(image):
                # Results above 255 (a clamp shows) and pixels with both gradients (|gx| + |gy|
                # and sqrt(gx**2 + gy**2) differ) in every case, whatever the seed.
                gx, gy = _gradients(image)
                return float(_magnitude(image).max()) > 255 and bool(np.any((gx != 0) & (gy != 0)))

            return lambda rng: case(drawn(rng, make, accept), f"{kind} image")

        def fixed(kind, shape):
            image = drawn(rng, lambda r: _scaled(random_image(r, shape, kind=kind)),
                          lambda image: float(_magnitude(image).max()) > 255)
            return case(image, f"{kind} {shape[0]}x{shape[1]} image")

        return [
            Group("a staircase edge", case(step * 40, "4x5 staircase"), draw("float")),
            Group("signed float images", fixed("float", (5, 5)), draw("float")),
            Group("non-square images", fixed("float", (5, 7)), draw("float", square=False)),
            Group("uint8 images", fixed("uint8", (6, 6)), draw("uint8")),
            Group("integer images", fixed("int", (7, 4)), draw("int", square=False)),
            Group("images thinner than the kernel (one row, 2x2)",
                  fixed("float", (1, 6)), draw("float", rows=(1, 3), square=False)),
        ]

    def mistakes(self) -> list[Mistake]:
        def combined(combine):
            return lambda image: combine(*_gradients(image))

        return [
            Mistake(
                "one-direction",
                "uses only one of the two gradients (or the same kernel twice): gx comes "
                "from sobel_right, gy from sobel_bottom, and the magnitude needs both.",
                model=combined(lambda gx, gy: np.abs(gx)),
            ),
            Mistake("one-direction", "uses only gy; the magnitude needs gx too.",
                    model=combined(lambda gx, gy: np.abs(gy))),
            Mistake(
                "one-direction",
                "uses the same kernel twice: gx from sobel_right, gy from sobel_bottom.",
                model=combined(lambda gx, gy: math.sqrt(2) * np.abs(gx)),
            ),
            Mistake(
                "abs-sum",
                "adds |gx| + |gy|, a cheaper approximation; the exercise asks for the length "
                "of the gradient, sqrt(gx**2 + gy**2).",
                model=combined(lambda gx, gy: np.abs(gx) + np.abs(gy)),
            ),
            Mistake(
                "missing-sqrt",
                "returns gx**2 + gy**2: take the square root (np.sqrt) to get the length.",
                model=combined(lambda gx, gy: gx**2 + gy**2),
            ),
            Mistake(
                "valid-not-same",
                "returns the VALID result (two rows and columns short): pad one ring of zeros "
                "first so the output keeps the image's shape.",
                model=lambda image: _magnitude(image, padding="valid"),
            ),
            *mode_mistakes("pads with {mode} copies of the border; the exercise asks for zeros.",
                           _magnitude),
            *output_mistakes(
                self.reference,
                "computes or stores integers: uint8 arithmetic wraps around. Convert the image "
                "to float first (np.asarray(image, dtype=float)).",
            ),
        ]

    def patterns(self) -> list[Pattern]:
        return [
            Pattern(
                "tiny-images",
                "fails only on images thinner than the 3x3 kernel: with zero padding every "
                "image has an answer of its own shape, even a single row.",
                lambda case: min(np.shape(case.args[0])) < 3,
            )
        ]


EXERCISES = [NormalizeKernel(), Clamp(), SobelMagnitude()]
"""The graded functions of 03_filters, in notebook order."""
