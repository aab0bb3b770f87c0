"""Notebook 05, TensorFlow comparison: ``to_nhwc``, ``to_hwio`` and ``tf_same_padding``.

None of these needs TensorFlow: they are the numpy side of the layouts and
the SAME rule. The layout exercises also insist on float32, the dtype
TensorFlow's convolution wants.
"""

from __future__ import annotations

import math

import numpy as np

from ... import reference
from ..outcome import Case
from ._base import Exercise, Group, Mistake
from ._common import drawn, finished, image_of, random_image, random_kernel

__all__ = ["EXERCISES", "TfSamePadding", "ToHwio", "ToNhwc"]

_DTYPE_EXPLANATION = (
    "returns the right layout in the wrong float type: TensorFlow's conv2d wants float32 "
    "(it refuses to mix float32 and float64). Convert with .astype(np.float32)."
)
_INTEGER_EXPLANATION = (
    "keeps an integer dtype: convert with .astype(np.float32); TensorFlow's conv2d works on "
    "floats."
)


def _two_d(array, name):
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {array.shape}")
    return array


class _Layout(Exercise):
    """Shared judging of the layout converters: values, shape, and float32."""

    assignment = "05_tensorflow"
    required_dtype = "float32"
    explanations = {"wrong-dtype": _DTYPE_EXPLANATION, "integer-dtype": _INTEGER_EXPLANATION}
    what = "image"
    """What the argument is, in the cases' labels."""

    def groups(self) -> list[Group]:
        rng = np.random.default_rng(505 if self.what == "image" else 506)

        def case(array, note):
            shape = "x".join(str(n) for n in array.shape)
            return Case((image_of(array, dtype=None),), label=f"{note} {shape} {self.what}")

        def draw(kind, *, shape="non-square", note):
            def make(rng):
                rows, cols = (int(v) for v in rng.integers(2, 8, size=2))
                if shape == "square":
                    cols = rows
                elif shape == "row":
                    rows = 1
                elif shape == "non-square" and rows == cols:
                    cols += 1
                if shape == "3-D":
                    return random_image(rng, (2, rows, cols), kind=kind)
                if shape == "1-D":
                    return random_image(rng, (cols,), kind=kind)
                if kind == "float":
                    return random_kernel(rng, (rows, cols), kind="float") * 10
                return random_image(rng, (rows, cols), kind=kind)

            return lambda rng: case(make(rng), note)

        def group(name, kind, **options):
            draws = draw(kind, **options)
            return Group(name, draws(rng), draws)

        return [
            group("float, not square", "float", note="float"),
            group("float, square", "float", shape="square", note="float"),
            group("uint8", "uint8", note="uint8"),
            group("integer", "int", note="int"),
            group("one row", "float", shape="row", note="one-row"),
            group("a 3-D array (ValueError)", "float", shape="3-D", note="3-D"),
            group("a 1-D array (ValueError)", "float", shape="1-D", note="1-D"),
        ]


class ToNhwc(_Layout):
    """``to_nhwc(image)``: (H, W) -> float32 (1, H, W, 1).

    Examples
    --------
    >>> ToNhwc().reference(np.zeros((5, 7))).shape
    (1, 5, 7, 1)
    """

    signature = "to_nhwc(image)"

    def reference(self, image):
        return _two_d(image, "image").astype(np.float32)[np.newaxis, :, :, np.newaxis]

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake(
                "nchw-layout",
                "returns NCHW, shape (1, 1, H, W), PyTorch's layout; TensorFlow's NHWC puts the "
                "channel axis last: (1, H, W, 1).",
                model=lambda image: np.asarray(image, dtype=np.float32)[np.newaxis, np.newaxis],
            ),
            Mistake(
                "missing-axis",
                "adds only one of the two axes: NHWC needs a batch axis in front and a channel "
                "axis at the end, (1, H, W, 1).",
                model=lambda image: np.asarray(image, dtype=np.float32)[np.newaxis],
            ),
            Mistake(
                "missing-axis",
                "adds only the channel axis; NHWC needs the batch axis in front as well.",
                model=lambda image: np.asarray(image, dtype=np.float32)[..., np.newaxis],
            ),
            Mistake(
                "wrong-layout",
                "returns shape (H, W, 1, 1), the filter layout (HWIO); an image batch is "
                "(1, H, W, 1).",
                model=lambda image: np.asarray(image, dtype=np.float32)[..., None, None],
            ),
            Mistake(
                "transposed",
                "swaps height and width: the image's rows must stay the second axis, "
                "(1, H, W, 1), without transposing.",
                model=lambda image: np.asarray(image, dtype=np.float32).T[None, :, :, None],
            ),
        ]


class ToHwio(_Layout):
    """``to_hwio(kernel)``: (kh, kw) -> float32 (kh, kw, 1, 1), not flipped.

    Examples
    --------
    >>> ToHwio().reference(np.ones((2, 3))).shape
    (2, 3, 1, 1)
    """

    signature = "to_hwio(kernel)"
    what = "kernel"

    def reference(self, kernel):
        return _two_d(kernel, "kernel").astype(np.float32)[:, :, np.newaxis, np.newaxis]

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake(
                "oihw-layout",
                "returns OIHW, shape (1, 1, kh, kw), PyTorch's layout; TensorFlow's HWIO puts "
                "height and width first: (kh, kw, 1, 1).",
                model=lambda kernel: np.asarray(kernel, dtype=np.float32)[np.newaxis, np.newaxis],
            ),
            Mistake(
                "flipped-kernel",
                "flips the kernel. tf.nn.conv2d is cross-correlation, like this course: pass "
                "the kernel as it is.",
                model=lambda kernel: np.asarray(kernel, dtype=np.float32)[::-1, ::-1, None, None],
            ),
            Mistake(
                "transposed",
                "transposes the kernel: kernel[a, b] must stay at [a, b, 0, 0].",
                model=lambda kernel: np.asarray(kernel, dtype=np.float32).T[:, :, None, None],
            ),
            Mistake(
                "missing-axis",
                "adds only one axis: HWIO has four, (kh, kw, in_channels, out_channels) = "
                "(kh, kw, 1, 1).",
                model=lambda kernel: np.asarray(kernel, dtype=np.float32)[..., np.newaxis],
            ),
            Mistake(
                "wrong-layout",
                "returns shape (1, kh, kw, 1), an image batch (NHWC); a filter is "
                "(kh, kw, 1, 1).",
                model=lambda kernel: np.asarray(kernel, dtype=np.float32)[None, :, :, None],
            ),
        ]


def _padding_from(out, n, k, stride, *, clip=True):
    pad = (out - 1) * stride + k - n
    if clip:
        pad = max(pad, 0)
    return pad // 2, pad - pad // 2


class TfSamePadding(Exercise):
    """``tf_same_padding(n, k, stride)`` -> ``(before, after)``, TensorFlow's SAME rule.

    Examples
    --------
    >>> exercise = TfSamePadding()
    >>> [exercise.reference(n, k, s) for n, k, s in [(8, 3, 2), (28, 5, 2), (7, 3, 2), (5, 2, 1)]]
    [(0, 1), (1, 2), (1, 1), (0, 1)]
    """

    signature = "tf_same_padding(n, k, stride)"
    shortcuts = ("course_lib.reference.same_padding",)
    assignment = "05_tensorflow"
    result = "pair"
    integer_result = True
    explanations = {"wrong-type": "must return a pair of ints, (before, after), e.g. (0, 1)."}

    def reference(self, n, k, stride):
        return reference.same_padding(n, k, stride=stride)

    def groups(self) -> list[Group]:
        def case(n, k, stride, note=""):
            label = f"n={n}, k={k}, stride={stride}" + (f" ({note})" if note else "")
            return Case((n, k, stride), label=label)

        def draw(*, stride, kernel, codes, fits=True, multiple=None, note=""):
            def make(rng):
                s = int(rng.integers(*stride)) if isinstance(stride, tuple) else stride
                k = int(rng.integers(*kernel)) if isinstance(kernel, tuple) else kernel
                n = int(rng.integers(k if fits else 1, 65 if fits else k))
                return case(n, k, s, note)

            def accept(candidate):
                n, k, s = candidate.args
                if multiple is not None and (n % s == 0) != multiple:
                    return False
                return self.differs(candidate, *codes)

            return lambda rng: drawn(rng, make, accept)

        odd_pad = ("extra-before", "wrong-split")
        return [
            Group("stride 1, odd kernel", case(224, 3, 1),
                  draw(stride=1, kernel=(1, 8), codes=(), multiple=True)),
            Group("stride 1, even kernel", case(5, 2, 1),
                  draw(stride=1, kernel=(2, 9), codes=odd_pad)),
            Group("a stride, n a multiple of it", case(8, 3, 2),
                  draw(stride=(2, 5), kernel=(2, 8), codes=(*odd_pad, "ignores-stride"),
                       multiple=True)),
            Group("a stride, n not a multiple of it", case(28, 5, 2),
                  draw(stride=(2, 5), kernel=(2, 8), codes=("floor-output",), multiple=False)),
            Group("a stride larger than the kernel (no padding)", case(9, 2, 6, "no padding"),
                  draw(stride=(4, 8), kernel=(1, 4), codes=("negative-padding",))),
            Group("a kernel longer than the input", case(2, 5, 1, "kernel longer"),
                  draw(stride=1, kernel=(5, 9), fits=False, codes=("extra-before",),
                       note="kernel longer")),
            Group("the result is a pair of ints", case(7, 3, 2),
                  draw(stride=1, kernel=(1, 8), codes=(), multiple=True), exact_type=True),
        ]

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake(
                "extra-before",
                "puts the odd extra pixel before (top/left); TensorFlow puts it after: "
                "before = pad // 2, after = pad - before.",
                model=finished(self.reference, lambda pair: pair[::-1]),
            ),
            Mistake(
                "ignores-stride",
                "pads as for stride 1, ((k - 1) // 2, k - 1 - (k - 1) // 2); with a stride the "
                "padding depends on n: out = ceil(n / stride), "
                "pad = max((out - 1) * stride + k - n, 0).",
                model=lambda n, k, stride: _padding_from(n, n, k, 1),
            ),
            Mistake(
                "negative-padding",
                "can return negative padding when the stride is larger than the kernel: "
                "take max(..., 0) of the total before splitting it.",
                model=lambda n, k, stride: _padding_from(-(-n // stride), n, k, stride, clip=False),
            ),
            Mistake(
                "floor-output",
                "computes the output size with n // stride; SAME uses ceil(n / stride) "
                "(-(-n // stride) or math.ceil(n / stride)).",
                model=lambda n, k, stride: _padding_from(n // stride, n, k, stride),
            ),
            Mistake(
                "wrong-split",
                "splits an odd total padding evenly by rounding: before = pad // 2 and "
                "after = pad - before, so the two sides differ by one.",
                model=finished(self.reference, lambda pair: (sum(pair) // 2,) * 2),
            ),
            Mistake(
                "wrong-split",
                "rounds both sides up: before = pad // 2 and after = pad - before.",
                model=finished(self.reference, lambda pair: (math.ceil(sum(pair) / 2),) * 2),
            ),
        ]


EXERCISES = [ToNhwc(), ToHwio(), TfSamePadding()]
"""The graded functions of 05_tensorflow, in notebook order."""
