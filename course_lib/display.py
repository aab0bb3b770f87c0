"""Showing images honestly.

Computing a filtered image and displaying it are separate decisions.
matplotlib's ``imshow`` silently stretches 2-D data to its own minimum and
maximum, which can hide mistakes (a result that is 10% too dark looks the same).
Here the limits are always explicit:

- unsigned data (uint8 or non-negative floats) is shown on a fixed grey
  scale, 0..255 (or 0..1 for data already in that range);
- signed data (edge responses) is shown with a diverging colormap whose limits
  are symmetric around zero, so zero is always the neutral colour.

:func:`for_display` turns a result into something displayable on purpose:
clamp to 0..255, ReLU, absolute value or rescale to 0..1.

Examples
--------
>>> import numpy as np
>>> from course_lib.display import for_display
>>> for_display(np.array([[-20.0, 100.0, 300.0]]), "clamp")
array([[  0., 100., 255.]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import as_float_array, check_choice

__all__ = ["POSTPROCESSING", "display_limits", "for_display", "show", "show_row"]

POSTPROCESSING = ("none", "clamp", "relu", "abs", "rescale")
"""Names accepted by :func:`for_display`, in the order the widgets offer them."""

DIVERGING_CMAP = "RdBu_r"
GREY_CMAP = "gray"


def for_display(image, how: str = "none") -> np.ndarray:
    """Return a float copy of ``image`` post-processed for display.

    Parameters
    ----------
    image : array_like
    how : {'none', 'clamp', 'relu', 'abs', 'rescale'}
        'clamp' limits to [0, 255]; 'relu' sets negatives to 0; 'abs' takes
        absolute values; 'rescale' maps the minimum to 0 and maximum to 1 (a
        constant image becomes all zeros).

    Examples
    --------
    >>> for_display([[-2.0, 3.0]], "relu")
    array([[0., 3.]])
    >>> for_display([[-2.0, 3.0]], "abs")
    array([[2., 3.]])
    >>> for_display([[-2.0, 0.0, 2.0]], "rescale")
    array([[0. , 0.5, 1. ]])
    """
    how = check_choice(how, name="post-processing", choices=POSTPROCESSING)
    array = as_float_array(image, name="image", ndim=(2, 3)).copy()
    if how == "clamp":
        return np.clip(array, 0.0, 255.0)
    if how == "relu":
        return np.maximum(array, 0.0)
    if how == "abs":
        return np.abs(array)
    if how == "rescale":
        low, high = float(array.min()), float(array.max())
        if high == low:
            return np.zeros_like(array)
        return (array - low) / (high - low)
    return array


def display_limits(image) -> tuple[float, float, str]:
    """Return ``(vmin, vmax, cmap)`` that show ``image`` without hidden rescaling.

    Examples
    --------
    >>> display_limits(np.array([[0, 200]], dtype=np.uint8))
    (0.0, 255.0, 'gray')
    >>> display_limits(np.array([[-3.0, 1.5]]))
    (-3.0, 3.0, 'RdBu_r')
    >>> display_limits(np.array([[0.2, 0.9]]))
    (0.0, 1.0, 'gray')
    """
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return 0.0, 255.0, GREY_CMAP
    values = as_float_array(array, name="image")
    finite = values[np.isfinite(values)]
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 1.0
    if low < 0:
        bound = max(abs(low), abs(high)) or 1.0
        return -bound, bound, DIVERGING_CMAP
    if high <= 1.0:
        return 0.0, 1.0, GREY_CMAP
    if high <= 255.0:
        return 0.0, 255.0, GREY_CMAP
    return 0.0, high, GREY_CMAP


def show(
    image,
    title: str | None = None,
    *,
    ax=None,
    how: str = "none",
    colorbar=None,
    vmin=None,
    vmax=None,
    cmap=None,
):
    """Show one image with explicit display limits.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, 3)
    title : str, optional
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.
    how : {'none', 'clamp', 'relu', 'abs', 'rescale'}
        Post-processing applied first (see :func:`for_display`).
    colorbar : bool, optional
        Draw a colour bar; by default only for single-channel float data.
    vmin, vmax, cmap : optional
        Override the limits chosen by :func:`display_limits`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = show(np.array([[-1.0, 1.0]]), "signed")
    >>> ax.images[0].get_clim(), ax.images[0].get_cmap().name
    ((-1.0, 1.0), 'RdBu_r')
    """
    import matplotlib.pyplot as plt

    raw = np.asarray(image)
    array = raw if (how == "none" and raw.dtype == np.uint8) else for_display(raw, how)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    if array.ndim == 3:
        shown = array if array.dtype == np.uint8 else np.clip(array, 0, 255).astype(np.uint8)
        ax.imshow(shown)
        colorbar = False if colorbar is None else colorbar
    else:
        low, high, default_cmap = display_limits(array)
        artist = ax.imshow(
            array,
            cmap=cmap or default_cmap,
            vmin=low if vmin is None else vmin,
            vmax=high if vmax is None else vmax,
            interpolation="nearest",
        )
        if colorbar if colorbar is not None else array.dtype != np.uint8:
            ax.figure.colorbar(artist, ax=ax, fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def show_row(
    images: Sequence,
    titles: Sequence[str] | None = None,
    *,
    how="none",
    size: float = 3.5,
    colorbar=None,
):
    """Show images side by side, each with its own honest limits.

    Parameters
    ----------
    images : sequence of array_like
    titles : sequence of str, optional
    how : str or sequence of str
        Post-processing for all images, or one per image.
    size : float
        Width in inches of each panel.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = show_row([np.zeros((4, 4)), np.eye(4) - 0.5], ["zeros", "signed"])
    >>> len(fig.axes) >= 2
    True
    """
    import matplotlib.pyplot as plt

    images = list(images)
    if not images:
        raise ValueError("images must contain at least one image")
    titles = list(titles) if titles is not None else [None] * len(images)
    if len(titles) != len(images):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles")
    hows = [how] * len(images) if isinstance(how, str) else list(how)
    if len(hows) != len(images):
        raise ValueError(f"got {len(images)} images but {len(hows)} post-processing names")
    fig, axes = plt.subplots(1, len(images), figsize=(size * len(images), size), squeeze=False)
    for ax, image, title, mode in zip(axes[0], images, titles, hows, strict=True):
        show(image, title, ax=ax, how=mode, colorbar=colorbar)
    fig.tight_layout()
    return fig
