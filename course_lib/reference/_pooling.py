"""Max and average pooling with TensorFlow's VALID and SAME rules."""

from __future__ import annotations

import math

import numpy as np

from .._validation import as_float_array, check_choice, check_pair_of_positive_ints
from ._padding import pad_widths, same_padding

POOL_PADDINGS = ("valid", "same")


def _pool_geometry(shape, size, stride, padding):
    size = check_pair_of_positive_ints(size, name="size")
    stride = size if stride is None else check_pair_of_positive_ints(stride, name="stride")
    if not isinstance(padding, str):
        raise TypeError(f"padding must be 'valid' or 'same', got {padding!r}")
    padding = check_choice(padding.lower(), name="padding", choices=POOL_PADDINGS)
    if padding == "valid":
        if any(k > n for k, n in zip(size, shape, strict=True)):
            raise ValueError(
                f"pooling window {size} is larger than the image of shape {shape}; "
                "use a smaller size or padding='same'"
            )
        widths = ((0, 0), (0, 0))
        out_shape = tuple((n - k) // s + 1 for n, k, s in zip(shape, size, stride, strict=True))
    else:
        widths = tuple(
            same_padding(n, k, stride=s) for n, k, s in zip(shape, size, stride, strict=True)
        )
        out_shape = tuple(math.ceil(n / s) for n, s in zip(shape, stride, strict=True))
    return size, stride, widths, out_shape


def _windows(padded, size, stride, out_shape) -> np.ndarray:
    """A view ``(rows, cols, kh, kw)``: the window of every output, without copying.

    Windows are read with numpy's ``sliding_window_view`` and strided slicing, so
    pooling is two vectorised reductions over the window axes.
    """
    (rows, cols), (sr, sc) = out_shape, stride
    views = np.lib.stride_tricks.sliding_window_view(padded, size, axis=(-2, -1))
    return views[..., : (rows - 1) * sr + 1 : sr, : (cols - 1) * sc + 1 : sc, :, :]


def max_pool(image, size=2, *, stride=None, padding="valid") -> np.ndarray:
    """Max pooling of a 2-D image.

    Parameters
    ----------
    image : array_like, shape (H, W)
    size : int or (int, int), optional
        Window size.
    stride : int or (int, int), optional
        Step between windows; defaults to ``size`` (non-overlapping).
    padding : {'valid', 'same'}, optional
        'valid' drops a remainder that does not fill a window (output
        ``floor((n - size) / stride) + 1``); 'same' follows TensorFlow (output
        ``ceil(n / stride)``, padded cells never win).

    Returns
    -------
    numpy.ndarray
        float64 array.

    Examples
    --------
    >>> image = np.array([[1, -2, 3, 0, 9],
    ...                   [-4, 5, -6, 7, 9],
    ...                   [8, 0, 1, 2, 9]])
    >>> max_pool(image)
    array([[5., 7.]])
    >>> max_pool(image, 2, stride=1).shape
    (2, 4)
    >>> max_pool(image, padding="same")
    array([[5., 7., 9.],
           [8., 2., 9.]])
    """
    array = as_float_array(image, name="image", ndim=2)
    size, stride, widths, out_shape = _pool_geometry(array.shape, size, stride, padding)
    padded = pad_widths(array, widths, mode="constant", fill=-np.inf)
    return _windows(padded, size, stride, out_shape).max(axis=(-2, -1))


def avg_pool(image, size=2, *, stride=None, padding="valid") -> np.ndarray:
    """Average pooling of a 2-D image.

    Same arguments as :func:`max_pool`. With padding='same', padded cells are
    left out of the average, as in TensorFlow.

    Examples
    --------
    >>> image = np.array([[1, 2, 3], [4, 5, 6]])
    >>> avg_pool(image)
    array([[3.]])
    >>> avg_pool(image, padding="same")
    array([[3. , 4.5]])
    """
    array = as_float_array(image, name="image", ndim=2)
    size, stride, widths, out_shape = _pool_geometry(array.shape, size, stride, padding)
    padded = pad_widths(array, widths, mode="constant")
    counted = pad_widths(np.ones_like(array), widths, mode="constant")
    total = _windows(padded, size, stride, out_shape).sum(axis=(-2, -1))
    count = _windows(counted, size, stride, out_shape).sum(axis=(-2, -1))
    return total / count
