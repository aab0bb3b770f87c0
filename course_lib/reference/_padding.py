"""Output sizes, TensorFlow's SAME rule and explicit padding."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._validation import (
    as_float_array,
    check_choice,
    check_pair_of_positive_ints,
    check_positive_int,
)

PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")
PADDING_NAMES = ("valid", "same", "full")

Pair = tuple[int, int]


def effective_size(k: int, dilation: int) -> int:
    """Return the span of a kernel of size ``k`` spread by ``dilation``."""
    return dilation * (k - 1) + 1


def same_padding(n, k, *, stride=1, dilation=1) -> Pair:
    """Return TensorFlow's SAME padding ``(before, after)`` along one axis.

    The output has ``ceil(n / stride)`` positions; the padding is what makes
    that possible, split so that any odd extra row or column goes after
    (bottom or right).

    Parameters
    ----------
    n : int
        Input length.
    k : int
        Kernel (or pooling window) length.
    stride, dilation : int, optional
        Step between outputs, spacing between kernel taps.

    Returns
    -------
    (int, int)
        Padding before and after.

    Examples
    --------
    >>> same_padding(8, 3, stride=2)
    (0, 1)
    >>> same_padding(28, 5, stride=2)
    (1, 2)
    >>> same_padding(5, 2)
    (0, 1)
    """
    n = check_positive_int(n, name="n")
    k = check_positive_int(k, name="k")
    stride = check_positive_int(stride, name="stride")
    dilation = check_positive_int(dilation, name="dilation")
    out = math.ceil(n / stride)
    total = max((out - 1) * stride + effective_size(k, dilation) - n, 0)
    return total // 2, total - total // 2


def _explicit_pair(value, *, name: str) -> Pair:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        number = check_positive_int(value, name=name, minimum=0)
        return number, number
    try:
        before, after = value
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be an integer or a (before, after) pair, got {value!r}"
        ) from None
    return (
        check_positive_int(before, name=name, minimum=0),
        check_positive_int(after, name=name, minimum=0),
    )


def resolve_padding(padding, shape, kernel_shape, *, stride, dilation) -> tuple[Pair, Pair]:
    """Turn any accepted ``padding`` value into ``((top, bottom), (left, right))``."""
    if isinstance(padding, str):
        name = check_choice(padding.lower(), name="padding", choices=PADDING_NAMES)
        if name == "valid":
            return (0, 0), (0, 0)
        if name == "full":
            return tuple(
                (effective_size(k, d) - 1,) * 2 for k, d in zip(kernel_shape, dilation, strict=True)
            )
        return tuple(
            same_padding(n, k, stride=s, dilation=d)
            for n, k, s, d in zip(shape, kernel_shape, stride, dilation, strict=True)
        )
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        p = check_positive_int(padding, name="padding", minimum=0)
        return (p, p), (p, p)
    try:
        rows, cols = padding
    except (TypeError, ValueError):
        raise TypeError(
            "padding must be 'valid', 'same', 'full', an integer or "
            f"((top, bottom), (left, right)), got {padding!r}"
        ) from None
    return _explicit_pair(rows, name="padding"), _explicit_pair(cols, name="padding")


def output_size(n, k, *, padding=0, stride=1, dilation=1) -> int:
    """Return the number of outputs along one axis.

    ``floor((n + p - dilation*(k-1) - 1) / stride) + 1`` where ``p`` is the
    total padding.

    Parameters
    ----------
    n, k : int
        Input and kernel length.
    padding : int, (int, int) or {'valid', 'same', 'full'}, optional
        An int is added on *each* side; a pair is ``(before, after)``.
    stride, dilation : int, optional

    Raises
    ------
    ValueError
        If the (dilated) kernel is longer than the padded input.

    Examples
    --------
    >>> output_size(224, 3)
    222
    >>> output_size(7, 3, padding=1, stride=2)
    4
    >>> output_size(7, 3, padding="same", stride=2)
    4
    >>> output_size(9, 3, dilation=2)
    5
    """
    n = check_positive_int(n, name="n")
    k = check_positive_int(k, name="k")
    stride = check_positive_int(stride, name="stride")
    dilation = check_positive_int(dilation, name="dilation")
    if isinstance(padding, str):
        ((before, after),) = resolve_padding(
            padding, (n,), (k,), stride=(stride,), dilation=(dilation,)
        )[:1]
    else:
        before, after = _explicit_pair(padding, name="padding")
    span = effective_size(k, dilation)
    padded = n + before + after
    if span > padded:
        raise ValueError(
            f"kernel of size {k} (span {span} with dilation {dilation}) is larger than "
            f"the padded input of size {padded}"
        )
    return (padded - span) // stride + 1


def pad(image, pad, *, mode="constant") -> np.ndarray:
    """Pad a 2-D image; ``pad`` is an int (every side) or ((top, bottom), (left, right)).

    Parameters
    ----------
    image : array_like, shape (H, W)
    pad : int or ((int, int), (int, int))
    mode : {'constant', 'edge', 'reflect', 'symmetric', 'wrap'}
        numpy's names: ``constant`` fills with zeros; ``symmetric`` repeats the
        border pixel (scipy.ndimage calls this 'reflect'); ``reflect`` does not
        (scipy.ndimage's 'mirror').

    Returns
    -------
    numpy.ndarray
        float64 array of shape (H + top + bottom, W + left + right). A new
        array even when ``pad`` is 0.

    Examples
    --------
    >>> pad(np.array([[1, 2], [3, 4]]), 1)
    array([[0., 0., 0., 0.],
           [0., 1., 2., 0.],
           [0., 3., 4., 0.],
           [0., 0., 0., 0.]])
    >>> pad(np.array([[1, 2, 3]]), ((0, 0), (2, 0)), mode="reflect")
    array([[3., 2., 1., 2., 3.]])
    """
    array = as_float_array(image, name="image", ndim=2)
    mode = check_choice(mode, name="mode", choices=PAD_MODES)
    if isinstance(pad, numbers.Integral) and not isinstance(pad, bool):
        widths = ((check_positive_int(pad, name="pad", minimum=0),) * 2,) * 2
    else:
        try:
            rows, cols = pad
        except (TypeError, ValueError):
            raise TypeError(
                f"pad must be an integer or ((top, bottom), (left, right)), got {pad!r}"
            ) from None
        widths = (_explicit_pair(rows, name="pad"), _explicit_pair(cols, name="pad"))
    return pad_widths(array, widths, mode=mode)


def pad_widths(array: np.ndarray, widths, *, mode: str, fill: float = 0.0) -> np.ndarray:
    """Pad the last two axes of an already-validated float array."""
    full = ((0, 0),) * (array.ndim - 2) + tuple(widths)
    if mode == "constant":
        return np.pad(array, full, mode="constant", constant_values=fill)
    return np.pad(array, full, mode=mode)


def check_geometry(stride, dilation):
    """Validate stride and dilation, each an int or a (rows, cols) pair."""
    return (
        check_pair_of_positive_ints(stride, name="stride"),
        check_pair_of_positive_ints(dilation, name="dilation"),
    )
