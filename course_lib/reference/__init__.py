"""Trusted, vectorised reference implementations.

These are what student answers are checked against, and what the widgets use
to stay responsive. None of them loops over pixels: they loop at most over
kernel taps or use the FFT, and they are verified against scipy and TensorFlow
by the property tests in ``tests/``.

Conventions: cross-correlation (no kernel flip) unless the name says
``convolve``; arithmetic in float64; ``padding='same'`` follows TensorFlow.

Examples
--------
>>> from course_lib import reference
>>> reference.output_size(28, 5, padding="same", stride=2)
14
>>> reference.max_pool(np.arange(16).reshape(4, 4)).tolist()
[[5.0, 7.0], [13.0, 15.0]]
"""

import numpy as np  # noqa: F401  (used by the doctest above)

from ._batch import conv2d_nhwc
from ._correlate import convolve2d, correlate2d, correlate_stack
from ._padding import PAD_MODES, output_size, pad, same_padding
from ._pooling import avg_pool, max_pool

__all__ = [
    "PAD_MODES",
    "avg_pool",
    "conv2d_nhwc",
    "convolve2d",
    "correlate2d",
    "correlate_stack",
    "max_pool",
    "output_size",
    "pad",
    "same_padding",
]
