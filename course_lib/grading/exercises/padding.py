"""Notebook 02, padding and stride: ``pad_width``, ``zero_pad``, ``convolve_same``,
``conv_output_size``."""

from __future__ import annotations

import math

import numpy as np

from ..outcome import Case
from ._base import Exercise, Group, Mistake, Pattern
from ._common import (
    ASYMMETRIC,
    CORRELATION,
    KERNEL_PATTERNS,
    NON_SQUARE,
    SIGNED,
    UINT8_IMAGE,
    drawn,
    fixed_data,
    image_of,
    kernel_case,
    kernel_draw,
    line_kernel,
    mode_mistakes,
    non_square_kernel,
    output_mistakes,
    random_image,
)
from ._common import TRUSTED as reference

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

    signature = "pad_width(kernel_size)"
    shortcuts = ("course_lib.reference.same_padding",)
    assignment = "02_padding"
    result = "pair"
    integer_result = True

    def reference(self, kernel_size):
        if kernel_size < 1:
            raise ValueError(f"kernel_size must be at least 1, got {kernel_size}")
        return reference.same_padding(kernel_size, kernel_size)

    def groups(self) -> list[Group]:
        def size(k):
            return Case((k,), label=f"k={k}")

        def odd(rng):
            return size(int(rng.choice(np.arange(5, 40, 2))))

        return [
            Group("odd kernel sizes", size(3), odd),
            Group("even kernel sizes", size(4),
                  lambda rng: size(int(rng.choice(np.arange(6, 41, 2))))),
            Group("kernel of size 2", size(2), None),
            Group("kernel of size 1", size(1), None),
            Group("a size below 1 (ValueError)", size(0),
                  lambda rng: size(int(rng.integers(-5, 1)))),
            Group("the result is a pair of ints", size(5), odd, exact_type=True),
        ]

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


def _pair_form(case: Case) -> bool:
    return not isinstance(case.args[1], int)


def _pad_case(image, pad, note: str = "") -> Case:
    kind = f"{image.dtype} " if image.dtype != np.float64 else ""
    label = f"{kind}{image.shape[0]}x{image.shape[1]} image, pad={pad}"
    return Case((image, pad), label=f"{label} {note}".strip())


class ZeroPad(Exercise):
    """``zero_pad(image, pad)``: a new float array with zeros around the image.

    Examples
    --------
    >>> ZeroPad().reference(np.ones((1, 2)), ((0, 1), (1, 0))).tolist()
    [[0.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    """

    signature = "zero_pad(image, pad)"
    shortcuts = ("course_lib.reference.pad",)
    assignment = "02_padding"
    fresh_result = True
    # The exercise is to pad with np.zeros and slicing; np.pad would do it in one call.
    forbidden = ("numpy.pad",)

    def reference(self, image, pad):
        (top, bottom), (left, right) = _pad_sides(pad)
        if min(top, bottom, left, right) < 0:
            raise ValueError(f"padding must not be negative, got {pad!r}")
        return reference.pad(image, pad)

    def groups(self) -> list[Group]:
        small = image_of([[1, 2, 3, 4], [5, -6, 7, 8], [9, 10, -11, 12]])
        uint8 = image_of([[200, 0, 17], [255, 3, 90]], dtype=np.uint8)

        def image(rng, kind="float"):
            rows, cols = (int(v) for v in rng.integers(2, 8, size=2))
            return image_of(random_image(rng, (rows, cols), kind=kind), dtype=None)

        def pair(rng):
            while True:
                top, bottom, left, right = (int(v) for v in rng.integers(1, 4, size=4))
                if left != bottom:
                    return (top, bottom), (left, right)

        def zero_after(rng):
            top, left = (int(v) for v in rng.integers(0, 4, size=2))
            bottom, right = (int(v) for v in rng.integers(1, 4, size=2))
            if rng.integers(2):
                bottom = 0
            else:
                right = 0
            return (top, bottom), (left, right)

        return [
            Group("an int pad", _pad_case(small, 1),
                  lambda rng: _pad_case(image(rng), int(rng.integers(1, 4)))),
            Group("pad = 0 (an equal, new array)", _pad_case(small, 0),
                  lambda rng: _pad_case(image(rng), 0)),
            Group("a pair of pairs ((top, bottom), (left, right))",
                  _pad_case(small, ((1, 2), (3, 1))),
                  lambda rng: _pad_case(image(rng), pair(rng))),
            Group("a count of 0 at the bottom or right", _pad_case(small, ((2, 0), (1, 0))),
                  lambda rng: _pad_case(image(rng), zero_after(rng))),
            Group("uint8 images", _pad_case(uint8, 2),
                  lambda rng: _pad_case(image(rng, "uint8"), int(rng.integers(1, 4)))),
            Group("a negative pad (ValueError)", _pad_case(small, -1, "(negative)"),
                  lambda rng: _pad_case(image(rng), int(rng.integers(-3, 0)), "(negative)")),
        ]

    def mistakes(self) -> list[Mistake]:
        def swapped(image, pad):
            (top, bottom), (left, right) = _pad_sides(pad)
            return reference.pad(image, ((top, left), (bottom, right)))

        def before_only(image, pad):
            (top, bottom), (left, right) = _pad_sides(pad)
            return reference.pad(image, ((top + bottom, 0), (left + right, 0)))

        return [
            Mistake(
                "pad-zero-broken",
                "returns an empty array when a padding count is 0: out[p:-p] is empty for "
                "p = 0 (-0 is 0), so write out[top:top + H, left:left + W] = image instead.",
                detector="empty-result",
                flag="zero_side",
            ),
            *mode_mistakes("fills the border with copies of the image ({mode} padding) instead "
                           "of zeros.", reference.pad),
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
            ),
            Pattern(
                "ignores-pair-form",
                "handles an int pad but not the pair form: pad may also be "
                "((top, bottom), (left, right)), the counts for the rows and for the columns.",
                _pair_form,
            ),
        ]

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

    signature = "convolve_same(image, kernel)"
    helpers = ("pad_width", "zero_pad")
    shortcuts = CORRELATION
    assignment = "02_padding"
    loop_only = True

    def reference(self, image, kernel):
        return _same(image, kernel)

    def groups(self) -> list[Group]:
        rand, kern = fixed_data(11)
        uint8_image = image_of(UINT8_IMAGE[:4, :5], dtype=np.uint8)

        def draw(kernel_shape, **options):
            return kernel_draw(_same, kernel_shape, rows=(4, 10), **options)

        def even(rng):
            k = int(rng.choice([2, 4]))
            return k, k

        return [
            Group("a 3x3 kernel on a square image", kernel_case(rand((5, 5)), ASYMMETRIC),
                  draw((3, 3))),
            Group("non-square images", kernel_case(rand((5, 7)), ASYMMETRIC),
                  draw((3, 3), square=False)),
            Group("even kernels (2x2, 4x4)", kernel_case(rand((6, 6)), kern((4, 4))), draw(even)),
            Group("non-square kernels", kernel_case(*NON_SQUARE),
                  draw(lambda rng: non_square_kernel(rng, shortest=2))),
            Group("one-row and one-column kernels", kernel_case(rand((5, 6)), kern((1, 3))),
                  draw(line_kernel)),
            Group("larger kernels (5x5)", kernel_case(rand((6, 6)), kern((5, 5))), draw((5, 5))),
            Group("uint8 images with a signed kernel", kernel_case(uint8_image, SIGNED),
                  draw((3, 3), kind="uint8")),
        ]

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
            *mode_mistakes("pads with {mode} copies of the border instead of zeros.", _same),
            *output_mistakes(
                self.reference,
                "computes or stores integers (uint8 arithmetic wraps, int arrays truncate); "
                "convert to float first and build the output as float.",
            ),
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
                "fails exactly for kernels with a side of 1, where both padding counts are 0: "
                "check zero_pad with 0 (out[p:-p] selects nothing for p = 0).",
                lambda case: min(np.shape(case.args[1])) == 1,
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

    signature = "conv_output_size(n, k, padding=0, stride=1)"
    shortcuts = ("course_lib.reference.output_size",)
    assignment = "02_padding"
    result = "number"
    integer_result = True

    def reference(self, n, k, padding=0, stride=1):
        if n < 1 or k < 1 or stride < 1 or padding < 0:
            raise ValueError(f"arguments out of range: n={n}, k={k}, padding={padding}, "
                             f"stride={stride}")
        return reference.output_size(n, k, padding=padding, stride=stride)

    def groups(self) -> list[Group]:
        def case(n, k, padding=0, stride=1, note=""):
            options = {}
            if padding:
                options["padding"] = padding
            if stride != 1:
                options["stride"] = stride
            label = f"n={n}, k={k}, padding={padding}, stride={stride}" + (
                f" ({note})" if note else "")
            return Case((n, k), options, label=label)

        def draw(*, padding, stride, remainder, codes):
            def make(rng):
                p = int(rng.integers(*padding)) if isinstance(padding, tuple) else padding
                s = int(rng.integers(*stride)) if isinstance(stride, tuple) else stride
                n = int(rng.integers(8, 300))
                k = int(rng.integers(2, 12))
                return case(n, k, p, s)

            def accept(candidate):
                n, k = candidate.args
                p = candidate.kwargs.get("padding", 0)
                s = candidate.kwargs.get("stride", 1)
                if k > n + 2 * p or ((n + 2 * p - k) % s != 0) != remainder:
                    return False
                return self.differs(candidate, *codes)

            return lambda rng: drawn(rng, make, accept)

        values = ("off-by-one",)
        return [
            Group("no padding, stride 1", case(224, 3),
                  draw(padding=0, stride=1, remainder=False, codes=values)),
            Group("padding, stride 1", case(5, 3, 1),
                  draw(padding=(1, 4), stride=1, remainder=False,
                       codes=(*values, "padding-once", "ignores-padding"))),
            Group("a stride that leaves a remainder", case(8, 3, 0, 2),
                  draw(padding=0, stride=(2, 5), remainder=True,
                       codes=(*values, "ignores-stride", "no-floor", "ceil-instead-of-floor"))),
            Group("a stride without remainder", case(10, 4, 0, 3),
                  draw(padding=0, stride=(2, 5), remainder=False,
                       codes=(*values, "ignores-stride"))),
            Group("padding and a stride", case(7, 3, 1, 2),
                  draw(padding=(1, 4), stride=(2, 5), remainder=False,
                       codes=(*values, "ignores-stride", "padding-once", "ignores-padding"))),
            Group("a kernel longer than the padded input (ValueError)",
                  case(2, 7, 1, 1, "too long"),
                  lambda rng: case(int(rng.integers(1, 10)), int(rng.integers(30, 40)),
                                   int(rng.integers(0, 4)), 1, "too long")),
            Group("arguments out of range (ValueError)", case(5, 3, 0, 0, "stride 0"),
                  lambda rng: case(int(rng.integers(5, 20)), 3, int(rng.integers(-3, 0)), 1,
                                   "negative padding")),
            Group("an exact int answer (15, not 15.0)", case(28, 4, 2, 2),
                  draw(padding=(1, 3), stride=(2, 4), remainder=False, codes=values),
                  exact_type=True),
        ]

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
