"""Notebook 02, padding and stride: ``pad_width``, ``zero_pad``, ``convolve_same``,
``conv_output_size``."""

from __future__ import annotations

import math

import numpy as np

from ..outcome import Case
from ._base import Exercise, Mistake, Pattern, Rule
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

__all__ = ["EXERCISES", "ConvOutputSize", "ConvolveSame", "PadWidth", "ZeroPad"]

_TF_RULE = (
    "TensorFlow's SAME rule splits the kernel_size - 1 extra pixels as before = "
    "(k - 1) // 2, after = the rest, so an even kernel gets the extra pixel after "
    "(bottom/right): k=3 -> (1, 1), k=4 -> (1, 2), k=1 -> (0, 0)."
)


def _tf_pair(k: int) -> tuple[int, int]:
    total = int(k) - 1
    return total // 2, total - total // 2


class PadWidth(Exercise):
    """``pad_width(kernel_size)`` -> ``(before, after)`` with the extra pixel after.

    Examples
    --------
    >>> PadWidth().reference(4)
    (1, 2)
    """

    name = "pad_width"
    assignment = "02_padding"
    signature = "pad_width(kernel_size)"
    parameters = ("kernel_size",)
    result = "pair"
    points_hint = 1

    def reference(self, kernel_size):
        return reference.same_padding(max(kernel_size, 1), kernel_size)

    def visible_cases(self) -> list[Case]:
        return [Case((k,), label=f"k={k}") for k in (3, 4, 1, 2, 5, 6, 0)]

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        sizes = [int(k) for k in rng.choice(np.arange(7, 40), size=8, replace=False)]
        return [Case((k,), label=f"k={k}") for k in (*sizes, -2)]

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake(
                "wrong-padding",
                "puts the extra pixel of an even kernel before (top/left). " + _TF_RULE,
                model=lambda k: _tf_pair(k)[::-1],
            ),
            Mistake(
                "wrong-padding",
                "pads k // 2 on both sides, one pixel too many for even kernels. " + _TF_RULE,
                model=lambda k: (k // 2, k // 2),
            ),
            Mistake(
                "wrong-padding",
                "pads (k - 1) // 2 on both sides, one pixel too few for even kernels. " + _TF_RULE,
                model=lambda k: ((k - 1) // 2, (k - 1) // 2),
            ),
        ]


def _pad_sides(pad) -> tuple[tuple[int, int], tuple[int, int]]:
    if isinstance(pad, int):
        return (pad, pad), (pad, pad)
    (top, bottom), (left, right) = pad
    return (top, bottom), (left, right)


def _zero_side(case: Case) -> bool:
    rows, cols = _pad_sides(case.args[1])
    return 0 in (*rows, *cols)


class ZeroPad(Exercise):
    """``zero_pad(image, pad)``: a new float array with zeros around the image.

    Examples
    --------
    >>> ZeroPad().reference(np.ones((1, 2)), ((0, 1), (1, 0))).tolist()
    [[0.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    """

    name = "zero_pad"
    assignment = "02_padding"
    signature = "zero_pad(image, pad)"
    parameters = ("image", "pad")
    result = "array"
    float_output = True
    points_hint = 2

    def reference(self, image, pad):
        return reference.pad(image, pad)

    def visible_cases(self) -> list[Case]:
        small = image_of([[1, 2, 3, 4], [5, -6, 7, 8], [9, 10, -11, 12]])
        uint8 = image_of([[200, 0, 17], [255, 3, 90]], dtype=np.uint8)
        return [
            Case((small, 1), label="3x4 image, pad=1"),
            Case((small, 2), label="3x4 image, pad=2"),
            Case((small, 0), label="3x4 image, pad=0"),
            Case((small, ((1, 2), (3, 1))), label="3x4 image, pad=((1, 2), (3, 1))"),
            Case((uint8, ((0, 1), (2, 0))), label="uint8 2x3 image, pad=((0, 1), (2, 0))"),
            Case((uint8, 0), label="uint8 2x3 image, pad=0"),
        ]

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        cases = []
        for index in range(10):
            rows, cols = (int(v) for v in rng.integers(1, 9, size=2))
            kind = ("float", "uint8", "int")[index % 3]
            image = image_of(random_image(rng, (rows, cols), kind=kind), dtype=None)
            if index % 2:
                pad = int(rng.integers(0, 4))
            else:
                t, b, l, r = (int(v) for v in rng.integers(0, 4, size=4))
                pad = ((t, b), (l, r))
            cases.append(Case((image, pad), label=f"{kind} {rows}x{cols} image, pad={pad}"))
        negative = image_of(random_image(rng, (3, 3), kind="float"), dtype=None)
        cases.append(Case((negative, ((1, -1), (0, 0))), label="negative pad"))
        return cases

    def mistakes(self) -> list[Mistake]:
        wrong_mode = "fills the border with copies of the image ({mode} padding) instead of zeros."

        def mode_model(mode):
            return lambda image, pad: reference.pad(image, pad, mode=mode)

        def swapped(image, pad):
            (top, bottom), (left, right) = _pad_sides(pad)
            return reference.pad(image, ((top, left), (bottom, right)))

        def before_only(image, pad):
            (top, bottom), (left, right) = _pad_sides(pad)
            return reference.pad(image, ((top + bottom, 0), (left + right, 0)))

        return [
            Mistake(
                "pad-zero-broken",
                "breaks when a padding count is 0: out[p:-p] is empty for p = 0 (-0 is 0), "
                "so write out[top:top + H, left:left + W] = image instead.",
                detector="empty-result",
                flag="zero_side",
            ),
            *(
                Mistake("wrong-padding", wrong_mode.format(mode=mode), model=mode_model(mode))
                for mode in ("edge", "symmetric", "reflect", "wrap")
            ),
            Mistake(
                "wrong-padding",
                "reads pad as ((top, left), (bottom, right)); it is ((top, bottom), (left, "
                "right)): the first pair is for rows, the second for columns.",
                model=swapped,
            ),
            Mistake(
                "wrong-padding",
                "puts all the zeros before (top/left) the image; pad after it as well.",
                model=before_only,
            ),
        ]

    def patterns(self) -> list[Pattern]:
        return [
            Pattern(
                "pad-zero-broken",
                "fails exactly when a padding count is 0: out[p:-p, p:-p] selects nothing for "
                "p = 0 (-0 is 0). Slice with out[top:top + H, left:left + W] instead.",
                _zero_side,
            )
        ]

    def rules(self) -> list[Rule]:
        # A crash or a wrong shape with a zero padding count is the p:-p slice.
        return [Rule("pad-zero-broken", _zero_side, codes_within=("raises-error", "wrong-shape"))]

    def flags(self, case: Case) -> dict:
        return {"zero_side": _zero_side(case)}


def _same(image, kernel, **options):
    return reference.correlate2d(image, kernel, padding="same", **options)


def _extra_before(image, kernel):
    kernel = np.asarray(kernel)
    pads = tuple(_tf_pair(k)[::-1] for k in kernel.shape)
    return reference.correlate2d(image, kernel, padding=pads)


class ConvolveSame(Exercise):
    """``convolve_same(image, kernel)``: zero-padded cross-correlation keeping the shape.

    Examples
    --------
    >>> ConvolveSame().reference(np.ones((3, 3)), np.ones((2, 2))).tolist()
    [[4.0, 4.0, 2.0], [4.0, 4.0, 2.0], [2.0, 2.0, 1.0]]
    """

    name = "convolve_same"
    assignment = "02_padding"
    loop_only = True
    signature = "convolve_same(image, kernel)"
    parameters = ("image", "kernel")
    result = "array"
    float_output = True
    points_hint = 3

    def reference(self, image, kernel):
        return _same(image, kernel)

    def visible_cases(self) -> list[Case]:
        rng = np.random.default_rng(11)

        def rand(shape):
            return image_of(random_image(rng, shape, kind="float"))

        def kern(shape):
            return image_of(random_kernel(rng, shape, kind="float"))

        asymmetric = image_of([[1, 2, 0], [-1, 0, 3], [0, -2, 1]])
        uint8_image = image_of(
            [
                [250, 3, 200, 17, 255],
                [12, 240, 99, 180, 5],
                [255, 255, 0, 1, 128],
                [7, 190, 33, 250, 77],
            ],
            dtype=np.uint8,
        )
        signed = image_of([[-1, 0, 2], [-2, 1, 0], [0, -1, 3]], dtype=np.int64)
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
            Case((rand((6, 6)), kern((4, 4))), label="6x6 image, 4x4 kernel"),
            Case((rand((5, 5)), kern((2, 2))), label="5x5 image, 2x2 kernel"),
            Case((rand((6, 6)), kern((5, 5))), label="6x6 image, 5x5 kernel"),
            Case((uint8_image, signed), label="uint8 4x5 image, signed 3x3 kernel"),
        ]

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        cases = []
        kinds = ("float", "uint8", "int")
        for index in range(15):
            rows, cols = (int(v) for v in rng.integers(2, 12, size=2))
            kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
            if index % 5 == 0:
                kh, kw = 3, 3
            kind = kinds[index % 3]
            image = image_of(random_image(rng, (rows, cols), kind=kind), dtype=None)
            kernel_kind = "int" if kind == "uint8" else "float"
            kernel = image_of(random_kernel(rng, (kh, kw), kind=kernel_kind), dtype=None)
            label = f"{kind} {rows}x{cols} image, {kh}x{kw} kernel"
            cases.append(Case((image, kernel), label=label))
        return cases

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake(
                "flipped-kernel",
                "flips the kernel (true convolution); this course's 'convolution' is "
                "cross-correlation, as in TensorFlow: no kernel reversal.",
                model=lambda image, kernel: reference.convolve2d(image, kernel, padding="same"),
            ),
            Mistake(
                "transposed",
                "applies the transposed kernel: index both arrays as [row, col], "
                "image[i + a, j + b] * kernel[a, b].",
                model=lambda image, kernel: _same(image, np.asarray(kernel).T),
            ),
            Mistake(
                "wrong-padding",
                "puts the extra padding row/column of an even kernel before (top/left). "
                + _TF_RULE,
                model=_extra_before,
            ),
            Mistake(
                "wrong-padding",
                "does not pad: this is the VALID result. Pad pad_width(kh) rows and "
                "pad_width(kw) columns of zeros first, so the output keeps the image's shape.",
                model=lambda image, kernel: reference.correlate2d(image, kernel),
            ),
            *(
                Mistake(
                    "wrong-padding",
                    f"pads with {mode} copies of the border instead of zeros.",
                    model=lambda image, kernel, mode=mode: _same(image, kernel, mode=mode),
                )
                for mode in ("edge", "symmetric", "reflect", "wrap")
            ),
            Mistake("clipped", CLIPPED_EXPLANATION, model=clipped(self.reference)),
            *integer_mistakes(
                self.reference,
                "computes or stores integers (uint8 arithmetic wraps, int arrays truncate); "
                "convert to float first and build the output as float.",
            ),
            Mistake("shifted-window", SHIFTED_EXPLANATION, detector="shifted-window"),
            Mistake(
                "wrong-shape",
                "must return an array of the image's shape: pad pad_width(kh) rows and "
                "pad_width(kw) columns, then take the VALID result.",
                detector="shape-differs",
            ),
        ]

    def patterns(self):
        return (
            Pattern(
                "pad-zero-broken",
                "fails exactly for kernels with a side of 1 or 2, where a padding count is 0: "
                "check zero_pad with 0 (out[p:-p] selects nothing for p = 0).",
                lambda case: min(np.shape(case.args[1])) <= 2,
            ),
            *KERNEL_PATTERNS,
        )


class ConvOutputSize(Exercise):
    """``conv_output_size(n, k, padding=0, stride=1)`` = floor((n + 2p - k) / s) + 1.

    Examples
    --------
    >>> ConvOutputSize().reference(7, 3, padding=1, stride=2)
    4
    """

    name = "conv_output_size"
    assignment = "02_padding"
    signature = "conv_output_size(n, k, padding=0, stride=1)"
    parameters = ("n", "k", "padding", "stride")
    result = "number"
    points_hint = 2

    def reference(self, n, k, padding=0, stride=1):
        return reference.output_size(n, k, padding=padding, stride=stride)

    def visible_cases(self) -> list[Case]:
        return [
            Case((224, 3), label="n=224, k=3"),
            Case((5, 3), {"padding": 1}, label="n=5, k=3, padding=1"),
            Case((8, 3), {"stride": 2}, label="n=8, k=3, stride=2"),
            Case((7, 3, 1, 2), label="n=7, k=3, padding=1, stride=2"),
            Case((28, 5), {"padding": 2, "stride": 2}, label="n=28, k=5, padding=2, stride=2"),
            Case((10, 4), {"padding": 0, "stride": 3}, label="n=10, k=4, stride=3"),
            Case((2, 4), {"padding": 1}, label="n=2, k=4, padding=1"),
        ]

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        cases = []
        for _ in range(16):
            n = int(rng.integers(1, 300))
            padding = int(rng.integers(0, 4))
            k = int(rng.integers(1, min(n + 2 * padding, 11) + 1))
            stride = int(rng.integers(1, 5))
            cases.append(
                Case(
                    (n, k),
                    {"padding": padding, "stride": stride},
                    label=f"n={n}, k={k}, padding={padding}, stride={stride}",
                )
            )
        cases.append(Case((3, 9), {"padding": 1}, label="kernel longer than the padded input"))
        return cases

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake(
                "padding-once",
                "adds the padding once; it is added on each side: n + 2 * padding.",
                model=lambda n, k, padding=0, stride=1: (n + padding - k) // stride + 1,
            ),
            Mistake(
                "ignores-stride",
                "ignores the stride: divide by it, (n + 2p - k) // stride + 1.",
                model=lambda n, k, padding=0, stride=1: n + 2 * padding - k + 1,
            ),
            Mistake(
                "ignores-padding",
                "ignores the padding: the padded length is n + 2 * padding.",
                model=lambda n, k, padding=0, stride=1: (n - k) // stride + 1,
            ),
            Mistake(
                "no-floor",
                "divides without rounding down: use integer division (//), the last "
                "window must fit completely.",
                model=lambda n, k, padding=0, stride=1: (n + 2 * padding - k) / stride + 1,
            ),
            Mistake(
                "ceil-instead-of-floor",
                "rounds up; windows that do not fit are dropped, so round down (//).",
                model=lambda n, k, padding=0, stride=1: (
                    math.ceil((n + 2 * padding - k) / stride) + 1
                ),
            ),
            Mistake(
                "off-by-one",
                "forgets the + 1: the first window counts too.",
                model=lambda n, k, padding=0, stride=1: (n + 2 * padding - k) // stride,
            ),
        ]


EXERCISES = [PadWidth(), ZeroPad(), ConvolveSame(), ConvOutputSize()]
"""The graded functions of 02_padding, in notebook order."""
