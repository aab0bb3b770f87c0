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
from ._base import Exercise, Mistake
from ._common import image_of, random_image, random_kernel

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
    result = "array"
    float_output = True
    points_hint = 2

    required_dtype = "float32"
    explanations = {"wrong-dtype": _DTYPE_EXPLANATION, "integer-dtype": _INTEGER_EXPLANATION}

    def _battery(self, rng, label):
        return [
            Case((image_of(random_image(rng, (3, 4), kind="float")),), label=f"3x4 float {label}"),
            Case((image_of(random_image(rng, (2, 5), kind="uint8"), dtype=None),),
                 label=f"uint8 2x5 {label}"),
            Case((image_of(random_image(rng, (4, 3), kind="int"), dtype=None),),
                 label=f"int 4x3 {label}"),
            Case((image_of(random_image(rng, (1, 6), kind="float")),), label=f"1x6 {label}"),
            Case((image_of(random_image(rng, (2, 3, 3), kind="float")),),
                 label="3-D array (must raise ValueError)"),
        ]

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        cases = []
        for index in range(6):
            rows, cols = (int(v) for v in rng.integers(1, 9, size=2))
            if rows == cols:
                cols += 1
            kind = ("float", "uint8", "int")[index % 3]
            array = image_of(random_image(rng, (rows, cols), kind=kind), dtype=None)
            cases.append(Case((array,), label=f"{kind} {rows}x{cols}"))
        cases.append(Case((image_of(np.arange(5.0)),), label="1-D array (must raise ValueError)"))
        return cases


class ToNhwc(_Layout):
    """``to_nhwc(image)``: (H, W) -> float32 (1, H, W, 1).

    Examples
    --------
    >>> ToNhwc().reference(np.zeros((5, 7))).shape
    (1, 5, 7, 1)
    """

    name = "to_nhwc"
    signature = "to_nhwc(image)"
    parameters = ("image",)

    def reference(self, image):
        return _two_d(image, "image").astype(np.float32)[np.newaxis, :, :, np.newaxis]

    def visible_cases(self) -> list[Case]:
        return self._battery(np.random.default_rng(505), "image")

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

    name = "to_hwio"
    signature = "to_hwio(kernel)"
    parameters = ("kernel",)

    def reference(self, kernel):
        return _two_d(kernel, "kernel").astype(np.float32)[:, :, np.newaxis, np.newaxis]

    def visible_cases(self) -> list[Case]:
        rng = np.random.default_rng(506)
        asymmetric = image_of(random_kernel(rng, (3, 3), kind="float"))
        return [Case((asymmetric,), label="asymmetric 3x3 kernel"), *self._battery(rng, "kernel")]

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
    >>> [exercise.reference(*case.args) for case in exercise.cases(hidden=False)[:4]]
    [(0, 1), (1, 2), (1, 1), (0, 1)]
    """

    name = "tf_same_padding"
    assignment = "05_tensorflow"
    signature = "tf_same_padding(n, k, stride)"
    parameters = ("n", "k", "stride")
    result = "pair"
    points_hint = 3

    def reference(self, n, k, stride):
        return reference.same_padding(n, k, stride=stride)

    def visible_cases(self) -> list[Case]:
        triples = [(8, 3, 2), (28, 5, 2), (7, 3, 2), (5, 2, 1), (224, 3, 1), (6, 4, 1),
                   (8, 1, 3), (10, 3, 4)]
        return [Case(t, label=f"n={t[0]}, k={t[1]}, stride={t[2]}") for t in triples]

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        cases = []
        for _ in range(20):
            n = int(rng.integers(1, 65))
            k = int(rng.integers(1, 8))
            stride = int(rng.integers(1, 5))
            cases.append(Case((n, k, stride), label=f"n={n}, k={k}, stride={stride}"))
        cases.append(Case((2, 5, 1), label="kernel longer than the input"))
        cases.append(Case((9, 2, 6), label="stride larger than the kernel"))
        return cases

    explanations = {"wrong-type": "must return a pair of ints, (before, after), e.g. (0, 1)."}

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake(
                "extra-before",
                "puts the odd extra pixel before (top/left); TensorFlow puts it after: "
                "before = pad // 2, after = pad - before.",
                model=lambda n, k, stride: self.reference(n, k, stride)[::-1],
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
                model=lambda n, k, stride: (
                    sum(self.reference(n, k, stride)) // 2,
                    sum(self.reference(n, k, stride)) // 2,
                ),
            ),
            Mistake(
                "wrong-split",
                "rounds both sides up: before = pad // 2 and after = pad - before.",
                model=lambda n, k, stride: (
                    math.ceil(sum(self.reference(n, k, stride)) / 2),
                    math.ceil(sum(self.reference(n, k, stride)) / 2),
                ),
            ),
        ]


EXERCISES = [ToNhwc(), ToHwio(), TfSamePadding()]
"""The graded functions of 05_tensorflow, in notebook order."""
