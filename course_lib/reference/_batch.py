"""Batched, multi-channel convolution in TensorFlow's NHWC / HWIO layout."""

from __future__ import annotations

import numpy as np

from .._validation import as_float_array, check_choice, check_pair_of_positive_ints
from ._padding import pad_widths, resolve_padding


def conv2d_nhwc(x, w, *, stride=1, padding="VALID") -> np.ndarray:
    """Cross-correlate a batch of multi-channel images with a bank of filters.

    Computes what ``tf.nn.conv2d(x, w, strides, padding)`` computes, in float64.

    Parameters
    ----------
    x : array_like, shape (batch, height, width, in_channels)
        NHWC input.
    w : array_like, shape (kh, kw, in_channels, out_channels)
        HWIO filters.
    stride : int or (int, int), optional
    padding : {'VALID', 'SAME'} or int, optional
        Case-insensitive; 'SAME' uses TensorFlow's rule.

    Returns
    -------
    numpy.ndarray
        Shape (batch, out_height, out_width, out_channels).

    Examples
    --------
    >>> x = np.ones((2, 5, 6, 3))          # 2 RGB images of 5x6
    >>> w = np.ones((3, 3, 3, 4))          # 4 filters of 3x3 over 3 channels
    >>> conv2d_nhwc(x, w).shape
    (2, 3, 4, 4)
    >>> conv2d_nhwc(x, w, stride=2, padding="SAME").shape
    (2, 3, 3, 4)
    >>> float(conv2d_nhwc(x, w)[0, 0, 0, 0])   # 3*3 taps x 3 channels
    27.0
    """
    x = as_float_array(x, name="x", ndim=4)
    w = as_float_array(w, name="w", ndim=4)
    if x.shape[3] != w.shape[2]:
        raise ValueError(
            f"x has {x.shape[3]} channels but w expects {w.shape[2]} "
            f"(x shape {x.shape} is NHWC, w shape {w.shape} is HWIO)"
        )
    stride = check_pair_of_positive_ints(stride, name="stride")
    if isinstance(padding, str):
        # TensorFlow has no 'full' padding, so neither does its stand-in.
        check_choice(padding.lower(), name="padding", choices=("valid", "same"))
    kh, kw = w.shape[:2]
    widths = resolve_padding(padding, x.shape[1:3], (kh, kw), stride=stride, dilation=(1, 1))
    planar = np.moveaxis(x, 3, 1)  # N, C, H, W so the spatial axes come last
    padded = np.moveaxis(pad_widths(planar, widths, mode="constant"), 1, 3)
    height, width = padded.shape[1:3]
    if kh > height or kw > width:
        raise ValueError(
            f"filters of size {(kh, kw)} are larger than the padded images {(height, width)}"
        )
    sr, sc = stride
    rows, cols = (height - kh) // sr + 1, (width - kw) // sc + 1
    out = np.zeros((x.shape[0], rows, cols, w.shape[3]))
    for a in range(kh):
        for b in range(kw):
            view = padded[:, a : a + (rows - 1) * sr + 1 : sr, b : b + (cols - 1) * sc + 1 : sc, :]
            out += view @ w[a, b]
    return out
