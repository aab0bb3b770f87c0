"""Named convolution kernels, sampled Gaussians and normalisation.

Every kernel is returned as a fresh float64 array, so changing it never
changes the catalogue. Kernels are applied by cross-correlation, the
convention of TensorFlow and PyTorch (see :mod:`course_lib.reference`).

Examples
--------
>>> from course_lib import kernels
>>> kernels.get("sharpen")
array([[ 0., -1.,  0.],
       [-1.,  5., -1.],
       [ 0., -1.,  0.]])
>>> "sobel_right" in kernels.names()
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_positive_int

__all__ = ["describe", "gaussian", "get", "names", "normalize", "weight"]


@dataclass(frozen=True)
class _Entry:
    rows: tuple[tuple[float, ...], ...]
    description: str
    scale: float = 1.0


_SOBEL_RIGHT = ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1))
_SOBEL_BOTTOM = ((-1, -2, -1), (0, 0, 0), (1, 2, 1))


def _negated(rows):
    return tuple(tuple(-v for v in row) for row in rows)


_CATALOGUE: dict[str, _Entry] = {
    "identity": _Entry(((0, 0, 0), (0, 1, 0), (0, 0, 0)), "returns the image unchanged"),
    "box_blur": _Entry(
        ((1, 1, 1), (1, 1, 1), (1, 1, 1)), "mean of the 3x3 neighbourhood", scale=1 / 9
    ),
    "box_blur_unnormalised": _Entry(
        ((0.1, 0.1, 0.1), (0.1, 0.1, 0.1), (0.1, 0.1, 0.1)),
        "every weight 0.1: blurs but also darkens by 10% (weights sum to 0.9)",
    ),
    "gaussian_blur": _Entry(
        ((1, 2, 1), (2, 4, 2), (1, 2, 1)),
        "3x3 Gaussian: the centre counts most, corners least",
        scale=1 / 16,
    ),
    "sharpen": _Entry(
        ((0, -1, 0), (-1, 5, -1), (0, -1, 0)), "boosts a pixel against its 4 neighbours"
    ),
    "outline": _Entry(
        ((-1, -1, -1), (-1, 8, -1), (-1, -1, -1)),
        "edges in every direction (sums to 0: flat areas go to 0)",
    ),
    "outline_inverted": _Entry(
        ((1, 1, 1), (1, -8, 1), (1, 1, 1)), "the outline kernel with the sign flipped"
    ),
    "laplacian": _Entry(
        ((0, 1, 0), (1, -4, 1), (0, 1, 0)), "4-neighbour Laplacian: second derivative"
    ),
    "sobel_right": _Entry(
        _SOBEL_RIGHT, "Sobel: bright where the image gets brighter to the right (vertical edges)"
    ),
    "sobel_left": _Entry(
        _negated(_SOBEL_RIGHT), "Sobel: bright where the image gets brighter to the left"
    ),
    "sobel_bottom": _Entry(
        _SOBEL_BOTTOM, "Sobel: bright where the image gets brighter downwards (horizontal edges)"
    ),
    "sobel_top": _Entry(
        _negated(_SOBEL_BOTTOM), "Sobel: bright where the image gets brighter upwards"
    ),
    "vertical_lines": _Entry(
        ((-1, 2, -1), (-1, 2, -1), (-1, 2, -1)), "responds to thin vertical lines"
    ),
    "horizontal_lines": _Entry(
        ((-1, -1, -1), (2, 2, 2), (-1, -1, -1)), "responds to thin horizontal lines"
    ),
    "emboss": _Entry(((-2, -1, 0), (-1, 1, 1), (0, 1, 2)), "relief effect lit from the top left"),
}

_ALIASES = {
    "sobel_vertical": "sobel_right",
    "sobel_horizontal": "sobel_bottom",
    "edge_detect": "outline",
    "blur": "box_blur",
}


def names() -> list[str]:
    """Return the names of the built-in kernels, in display order.

    Examples
    --------
    >>> names()[:3]
    ['identity', 'box_blur', 'box_blur_unnormalised']
    """
    return list(_CATALOGUE)


def _entry(name: str) -> _Entry:
    if not isinstance(name, str):
        raise TypeError(f"kernel name must be a string, got {type(name).__name__}")
    key = _ALIASES.get(name, name)
    if key not in _CATALOGUE:
        listed = ", ".join(names())
        raise KeyError(f"unknown kernel name {name!r}; known kernels: {listed}")
    return _CATALOGUE[key]


def get(name: str) -> np.ndarray:
    """Return the named kernel as a new float64 array, weight applied.

    Parameters
    ----------
    name : str
        One of :func:`names` (aliases ``sobel_vertical``, ``sobel_horizontal``,
        ``edge_detect`` and ``blur`` are accepted too).

    Raises
    ------
    KeyError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> get("gaussian_blur")[0]
    array([0.0625, 0.125 , 0.0625])
    >>> get("sobel_horizontal")[0]
    array([-1., -2., -1.])
    """
    entry = _entry(name)
    return np.array(entry.rows, dtype=np.float64) * entry.scale


def describe(name: str) -> str:
    """Return a one-line description of what the named kernel does.

    Examples
    --------
    >>> describe("laplacian")
    '4-neighbour Laplacian: second derivative'
    """
    return _entry(name).description


def weight(kernel) -> float:
    """Return the factor that makes ``kernel`` sum to 1, or 1.0 if it sums to 0.

    Smoothing kernels need a weight (1/9 for a 3x3 box of ones); edge kernels
    sum to zero and need none.

    Examples
    --------
    >>> weight(np.ones((3, 3)))
    0.1111111111111111
    >>> weight(get("laplacian"))
    1.0
    """
    total = float(as_float_array(kernel, name="kernel", ndim=2).sum())
    if math.isclose(total, 0.0, abs_tol=1e-12):
        return 1.0
    return 1.0 / total


def normalize(kernel) -> np.ndarray:
    """Return ``kernel`` divided by its sum, or an unchanged float copy if it sums to 0.

    Examples
    --------
    >>> normalize([[1, 2, 1]])
    array([[0.25, 0.5 , 0.25]])
    >>> normalize([[-1, 0, 1]])
    array([[-1.,  0.,  1.]])
    """
    array = as_float_array(kernel, name="kernel", ndim=2)
    return array * weight(array)


def gaussian(size: int, sigma: float | None = None) -> np.ndarray:
    """Return a sampled, normalised ``size`` x ``size`` Gaussian kernel.

    Parameters
    ----------
    size : int
        Odd side length (1, 3, 5, ...).
    sigma : float, optional
        Standard deviation in pixels; defaults to ``size / 6`` so that the
        kernel spans about three standard deviations either side.

    Raises
    ------
    ValueError
        If ``size`` is even or below 1, or ``sigma`` is not positive.

    Examples
    --------
    >>> k = gaussian(5, 1.0)
    >>> k.shape, round(float(k.sum()), 12)
    ((5, 5), 1.0)
    >>> bool(k[2, 2] == k.max())
    True
    """
    size = check_positive_int(size, name="size")
    if size % 2 == 0:
        raise ValueError(f"size must be odd so the kernel has a centre, got {size}")
    if sigma is None:
        sigma = size / 6
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.floating, np.integer)):
        raise TypeError(f"sigma must be a number, got {sigma!r}")
    if not sigma > 0 or not math.isfinite(sigma):
        raise ValueError(f"sigma must be a positive number, got {sigma}")
    offsets = np.arange(size) - size // 2
    profile = np.exp(-(offsets**2) / (2.0 * float(sigma) ** 2))
    kernel = np.outer(profile, profile)
    return kernel / kernel.sum()
