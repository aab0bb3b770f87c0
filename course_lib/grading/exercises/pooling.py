"""Notebook 04, pooling: loop-based ``max_pool`` and ``avg_pool``.

Both take ``(image, size=2, stride=None)``, default the stride to the size and
drop a remainder that does not fill a window (TensorFlow's VALID rule). The
batteries use signed, non-monotone data, non-square images, odd sizes,
strides other than the size and all-negative windows, so that each mistake
model below produces a different answer.
"""

from __future__ import annotations

import numpy as np

from ... import reference
from ..outcome import Case
from ._base import Exercise, Group, Mistake, Pattern
from ._common import drawn, finished, image_of, integer_mistakes, non_square

__all__ = ["EXERCISES", "AvgPool", "MaxPool"]


def _stride(size, stride):
    return size if stride is None else stride


def _out_shape(shape, size, stride):
    return tuple((n - size) // stride + 1 for n in shape)


def _partial_pool(image, size, stride, reduce):
    """Pooling that rounds the output size up, keeping the partial windows at the edges."""
    stride = _stride(size, stride)
    image = np.asarray(image, dtype=float)
    rows, cols = (-(-(n - size) // stride) + 1 for n in image.shape)
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            top, left = i * stride, j * stride
            out[i, j] = reduce(image[top : top + size, left : left + size])
    return out


def _first_element(image, size=2, stride=None):
    stride = _stride(size, stride)
    rows, cols = _out_shape(np.shape(image), size, stride)
    return np.asarray(image, dtype=float)[: rows * stride : stride, : cols * stride : stride]


def _data(rng, shape, kind: str) -> np.ndarray:
    """Test data: positive (no window can be all negative), negative, or uint8."""
    if kind == "uint8":
        data = rng.integers(0, 256, size=shape).astype(np.uint8)
    elif kind == "negative":
        data = -np.round(rng.uniform(1, 100, size=shape), 2)
    else:
        data = np.round(rng.uniform(1, 100, size=shape), 2)
    return image_of(data, dtype=None)


def _pool_case(image, options) -> Case:
    kind = f"{image.dtype} " if image.dtype != np.float64 else ""
    size = options.get("size", 2)
    stride = options.get("stride")
    label = f"{kind}{image.shape[0]}x{image.shape[1]} image, size {size}, stride {stride}"
    return Case((image,), dict(options), label=label)


def _keeps(exercise, case: Case, codes, *, remainder: bool) -> bool:
    """Whether a drawn case shows every mistake in ``codes`` and has the group's shape rule."""
    size, stride = _pool_arguments(case)
    rows, cols = np.shape(case.args[0])
    left = ((rows - size) % stride, (cols - size) % stride)
    if remainder != any(left):
        return False
    floor_shape = (rows // stride, cols // stride)
    if stride != size and floor_shape == _out_shape((rows, cols), size, stride):
        # A loop over range(H // stride) must give a wrong shape in every stride group.
        return False
    return exercise.differs(case, *codes)


def _pool_arguments(case: Case) -> tuple[int, int]:
    names = ("image", "size", "stride")
    given = dict(zip(names, case.args, strict=False)) | dict(case.kwargs)
    size = given.get("size", 2)
    return size, _stride(size, given.get("stride"))


def _stride_differs(case: Case) -> bool:
    size, stride = _pool_arguments(case)
    return stride != size


_SHAPE_RULE = (
    "The output has (H - size) // stride + 1 rows and (W - size) // stride + 1 columns: "
    "only windows that fit completely count, a remainder at the bottom or right is dropped."
)

_LOOP_ADVICE = (
    "Loop over output positions i, j and take the window "
    "image[i*stride : i*stride + size, j*stride : j*stride + size]."
)


def _shared_mistakes(exercise: _Pool) -> list[Mistake]:
    """Mistakes both pooling functions can make, with a model of each."""
    ref = exercise.reference
    return [
        Mistake(
            "first-element",
            "keeps the first (top-left) pixel of each window instead of pooling it: that is "
            "subsampling, image[::stride, ::stride]. " + _LOOP_ADVICE,
            model=_first_element,
        ),
        Mistake(
            "ignores-stride",
            "ignores the stride argument and always steps by the window size. The window "
            "of out[i, j] starts at row i * stride, column j * stride, and the stride only "
            "defaults to size when it is None.",
            model=lambda image, size=2, stride=None: ref(image, size, size),
        ),
        Mistake(
            "ignores-stride",
            "slides the window one pixel at a time whatever the stride. The window of "
            "out[i, j] starts at row i * stride, column j * stride.",
            model=lambda image, size=2, stride=None: ref(image, size, 1),
        ),
        Mistake(
            "wrong-shape",
            "returns the wrong shape. " + _SHAPE_RULE + " (Rounding up keeps partial windows.)",
            model=lambda image, size=2, stride=None: exercise.partial(image, size, stride),
        ),
        Mistake(
            "transposed",
            "returns the result transposed (rows and columns swapped): index the output as "
            "out[i, j] with i the row and j the column, shape (rows, cols).",
            model=finished(ref, np.transpose),
        ),
        Mistake("wrong-shape", "returns the wrong shape. " + _SHAPE_RULE,
                detector="shape-differs"),
        *integer_mistakes(
            ref,
            "computes or stores integers: create the output with np.zeros((rows, cols)) "
            "(float), not np.zeros_like(image), which keeps the image's integer dtype.",
        ),
    ]


class _Pool(Exercise):
    """What max and average pooling share: arguments, batteries, shape rules."""

    assignment = "04_pooling"
    loop_only = True

    differ: tuple[str, ...] = ()
    """Mistakes of this exercise that must show on every case of every group."""
    negative_codes: tuple[str, ...] = ()
    """Mistakes that must show on every case of the all-negative group."""

    def reduce(self, window) -> float:
        """The pooled value of one window."""
        raise NotImplementedError

    def partial(self, image, size, stride):
        """The answer of a pooling that rounds the output size up (partial windows)."""
        return _partial_pool(image, size, stride, self.reduce)

    def groups(self) -> list[Group]:
        rng = np.random.default_rng(404)
        universal = ("first-element", *self.differ)

        def draw(*, shape="square", size=2, stride=None, kind="positive", codes=()):
            def make(rng):
                window = size if size != "whole" else int(rng.integers(2, 5))
                rows = window if size == "whole" else int(rng.integers(window + 1, window + 7))
                cols = rows
                if shape == "non-square":
                    cols = int(rng.choice([c for c in range(window + 1, window + 7) if c != rows]))
                step = stride(window) if callable(stride) else stride
                data = _data(rng, (rows, cols), kind)
                options = {"size": window} if step is None else {"size": window, "stride": step}
                return _pool_case(data, options)

            def accept(case):
                return _keeps(self, case, (*universal, *codes), remainder=shape == "remainder")

            return lambda rng: drawn(rng, make, accept)

        def group(name, fixed=None, **options):
            draws = draw(**options)
            return Group(name, draws(rng) if fixed is None else fixed, draws)

        worked = image_of([[1, 3, 2, 0], [4, 2, 1, 5], [0, 3, 6, 1], [2, 1, 2, 8]])
        strides = ("ignores-stride", "transposed")
        return [
            group("2x2 windows, the default stride", _pool_case(worked, {}),
                  codes=("transposed",)),
            group("non-square images", shape="non-square", codes=("transposed",)),
            group("overlapping windows (stride smaller than size)", size=4, stride=2,
                  codes=strides),
            group("a stride larger than the size", size=2, stride=lambda window: window + 1,
                  codes=strides),
            group("a remainder that does not fill a window", shape="remainder", size=2,
                  codes=("transposed", "wrong-shape")),
            group("all values negative", kind="negative", codes=self.negative_codes),
            group("uint8 images", size=3, kind="uint8", codes=("transposed",)),
            group("one window covering the whole image", size="whole"),
        ]

    def patterns(self) -> list[Pattern]:
        return [
            Pattern(
                "square-only",
                "works on square images but fails when height and width differ: use "
                "image.shape[0] for the rows and image.shape[1] for the columns.",
                non_square,
            ),
            Pattern(
                "ignores-stride",
                "fails exactly when the stride differs from the size: the window of out[i, j] "
                "starts at row i * stride, column j * stride.",
                _stride_differs,
                values_only=True,
            ),
        ]


class MaxPool(_Pool):
    """``max_pool(image, size=2, stride=None)``: loop-based max pooling, VALID rule.

    Examples
    --------
    >>> exercise = MaxPool()
    >>> exercise.reference(np.array([[1, 3, -2, 0], [4, 2, -1, -5]])).tolist()
    [[4.0, 0.0]]
    >>> len(exercise.cases(hidden=False)), exercise.loop_only
    (8, True)
    """

    signature = "max_pool(image, size=2, stride=None)"
    shortcuts = ("course_lib.reference.max_pool",)
    differ = ("min-instead-of-max", "average-instead-of-max")
    negative_codes = ("transposed", "max-starts-at-zero")

    def reduce(self, window) -> float:
        return float(np.max(window))

    def reference(self, image, size=2, stride=None):
        return reference.max_pool(image, size, stride=stride)

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake(
                "min-instead-of-max",
                "takes the minimum of each window; max pooling keeps the largest value.",
                model=lambda image, size=2, stride=None: -reference.max_pool(
                    -np.asarray(image, dtype=float), size, stride=stride
                ),
            ),
            Mistake(
                "average-instead-of-max",
                "takes the mean of each window; max pooling keeps the largest value (np.max "
                "of the window).",
                model=lambda image, size=2, stride=None: reference.avg_pool(
                    image, size, stride=stride
                ),
            ),
            Mistake(
                "max-starts-at-zero",
                "starts the running maximum at 0, so a window of negative values gives 0. "
                "Start from the window's first value (or use np.max on the window).",
                model=finished(self.reference, lambda out: np.maximum(out, 0.0)),
            ),
            *_shared_mistakes(self),
        ]


class AvgPool(_Pool):
    """``avg_pool(image, size=2, stride=None)``: loop-based average pooling, VALID rule.

    Examples
    --------
    >>> AvgPool().reference(np.array([[1, 3, -2, 0], [4, 2, -1, -5]])).tolist()
    [[2.5, -2.0]]
    """

    signature = "avg_pool(image, size=2, stride=None)"
    shortcuts = ("course_lib.reference.avg_pool",)
    differ = ("sum-instead-of-average", "wrong-divisor", "max-instead-of-average",
              "integer-division")
    negative_codes = ("transposed",)

    def reduce(self, window) -> float:
        return float(np.mean(window))

    def reference(self, image, size=2, stride=None):
        return reference.avg_pool(image, size, stride=stride)

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake(
                "max-instead-of-average",
                "takes the maximum of each window; average pooling keeps the mean.",
                model=lambda image, size=2, stride=None: reference.max_pool(
                    image, size, stride=stride
                ),
            ),
            Mistake(
                "sum-instead-of-average",
                "returns the sum of each window; divide by the number of pixels in it "
                "(size * size).",
                model=lambda image, size=2, stride=None: self.reference(image, size, stride)
                * size**2,
            ),
            Mistake(
                "wrong-divisor",
                "divides the window's sum by size instead of size * size, the number of "
                "pixels in a square window.",
                model=lambda image, size=2, stride=None: self.reference(image, size, stride)
                * size,
            ),
            Mistake(
                "integer-division",
                "divides with //, which rounds the average down to a whole number: use /.",
                model=finished(self.reference, np.floor),
            ),
            *_shared_mistakes(self),
        ]


EXERCISES = [MaxPool(), AvgPool()]
"""The graded functions of 04_pooling, in notebook order."""
