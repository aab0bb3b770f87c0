"""Showing images honestly.

Computing a filtered image and displaying it are separate decisions.
matplotlib's ``imshow`` silently stretches 2-D data to its own minimum and
maximum, which can hide mistakes (a result that is 10% too dark looks the same).
Here the colour limits are always explicit, and they follow from what the
data *is* (the ``kind`` argument of :func:`show` and :func:`display_limits`):

``kind="image"``
    Image-valued data: a photograph, a blur, a clamped result, anything whose
    numbers are pixel brightnesses. Grey, fixed 0..255, whatever the values,
    so a result that is 10% too dark looks 10% darker. Colour arrays of shape
    (H, W, 3) are always images.
``kind="map"``
    Kernels, filter responses and feature maps: numbers on their own scale.
    Signed data uses a diverging colormap with limits symmetric around zero
    (zero is white, blue below, red above); non-negative data is grey from 0
    to its maximum.
``kind="auto"`` (the default)
    uint8 arrays are images. Data with a negative value is a signed map.
    Non-negative floats are drawn on the standard scale that holds them,
    0..1 or 0..255, as long as they fill at least a tenth of it; smaller
    values (a Gaussian kernel, a response map whose maximum is 2) get their
    own range instead of a nearly black picture.

Whenever the limits are not the image scale 0..255, the reader is told: a
colour bar is drawn, or, without one, the title gets a second line with the
limits, e.g. ``[0, 2.16]`` or ``[-973, 973]``.

:func:`for_display` turns a result into something displayable on purpose:
clamp to 0..255, ReLU, absolute value or rescale to 0..1.

Examples
--------
>>> import numpy as np
>>> from course_lib.display import display_limits, for_display
>>> for_display(np.array([[-20.0, 100.0, 300.0]]), "clamp")
array([[  0., 100., 255.]])
>>> display_limits(np.array([[0.0, 2.0]]))
(0.0, 2.0, 'gray')
>>> display_limits(np.array([[0.0, 2.0]]), kind="image")
(0.0, 255.0, 'gray')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import as_float_array, check_choice

__all__ = [
    "KINDS",
    "POSTPROCESSING",
    "display_limits",
    "for_display",
    "limits_note",
    "show",
    "show_row",
    "suggested_postprocessing",
]

POSTPROCESSING = ("none", "clamp", "relu", "abs", "rescale")
"""Names accepted by :func:`for_display`, in the order the widgets offer them."""

KINDS = ("auto", "image", "map")
"""What the data is, which decides its display limits (see the module docstring)."""

DIVERGING_CMAP = "RdBu_r"
GREY_CMAP = "gray"

IMAGE_SCALE = (0.0, 255.0)
"""The grey scale of image-valued data."""

MIN_FILL = 0.1
"""Non-negative data must reach this share of a standard scale (0..1 or 0..255)
to be drawn on it by ``kind='auto'``; otherwise it gets its own range."""


def for_display(image, how: str = "none") -> np.ndarray:
    """Return a float copy of ``image`` post-processed for display.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, 3)
    how : {'none', 'clamp', 'relu', 'abs', 'rescale'}
        'clamp' limits to [0, 255]; 'relu' sets negatives to 0; 'abs' takes
        absolute values; 'rescale' maps the minimum to 0 and maximum to 1 (a
        constant image becomes all zeros).

    Returns
    -------
    numpy.ndarray
        float64 array of the same shape.

    Raises
    ------
    ValueError
        For an unknown ``how`` or an array that is not 2-D or 3-D.
    TypeError
        For non-numeric data.

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


def _finite_range(values: np.ndarray) -> tuple[float, float] | None:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return None
    return float(finite.min()), float(finite.max())


def _own_range(values, low: float, high: float, percentile) -> tuple[float, float, str]:
    signed = low < 0
    bound = max(abs(low), abs(high))
    if percentile is not None:
        finite = np.abs(values[np.isfinite(values)])
        # A map that is almost all zeros has a zero percentile: keep its maximum then.
        bound = float(np.percentile(finite, percentile)) or bound
    if signed:
        return -bound, bound, DIVERGING_CMAP
    return 0.0, (bound if bound > 0 else 1.0), GREY_CMAP


def _check_percentile(percentile):
    if percentile is None:
        return None
    if isinstance(percentile, bool) or not isinstance(percentile, int | float):
        raise TypeError(f"percentile must be a number, got {percentile!r}")
    if not 50 <= percentile <= 100:
        raise ValueError(f"percentile must be between 50 and 100, got {percentile}")
    return float(percentile)


def _stretched_limits(values: np.ndarray, percentile: float) -> tuple[float, float, str]:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return 0.0, 1.0, GREY_CMAP
    low, high = (float(v) for v in np.percentile(finite, [100.0 - percentile, percentile]))
    if high <= low:
        return 0.0, 1.0, GREY_CMAP
    return low, high, GREY_CMAP


def display_limits(image, *, kind: str = "auto", percentile=None) -> tuple[float, float, str]:
    """Return ``(vmin, vmax, cmap)`` that show ``image`` without hidden rescaling.

    Parameters
    ----------
    image : array_like
        The data to show (any shape; NaN and infinities are ignored).
    kind : {'auto', 'image', 'map'}
        What the data is: 'image' for pixel brightnesses (grey 0..255),
        'map' for kernels, responses and feature maps (their own range,
        symmetric around zero when signed), 'auto' to decide from the data
        as the module docstring describes.
    percentile : float, optional
        For data shown on its own range: put the limits at this percentile
        of the absolute values (e.g. 99) instead of at the largest one, so
        that a few extreme pixels do not leave everything else white (signed
        data) or black (non-negative data). Values beyond are drawn in the
        extreme colour.

    Returns
    -------
    vmin, vmax : float
    cmap : str
        'gray' or 'RdBu_r' (signed data).

    Raises
    ------
    ValueError
        For an unknown ``kind`` or a percentile outside 50..100.
    TypeError
        For non-numeric data.

    Examples
    --------
    >>> display_limits(np.array([[0, 200]], dtype=np.uint8))
    (0.0, 255.0, 'gray')
    >>> display_limits(np.array([[-3.0, 1.5]]))
    (-3.0, 3.0, 'RdBu_r')
    >>> display_limits(np.array([[0.2, 0.9]]))
    (0.0, 1.0, 'gray')
    >>> display_limits(np.array([[0.0, 180.0]]))
    (0.0, 255.0, 'gray')
    >>> display_limits(np.array([[0.0, 180.0]]), kind="map")
    (0.0, 180.0, 'gray')
    >>> display_limits(np.array([[0.001, 0.011]]))
    (0.0, 0.011, 'gray')
    >>> display_limits(np.append(np.arange(-99.0, 100.0), 900.0), percentile=99)
    (-99.0, 99.0, 'RdBu_r')
    """
    kind = check_choice(kind, name="kind", choices=KINDS)
    percentile = _check_percentile(percentile)
    array = np.asarray(image)
    if kind == "image" or (kind == "auto" and array.dtype == np.uint8):
        return *IMAGE_SCALE, GREY_CMAP
    values = as_float_array(array, name="image")
    found = _finite_range(values)
    if found is None:
        return 0.0, 1.0, GREY_CMAP
    low, high = found
    if kind == "auto" and low >= 0:
        for top in (1.0, IMAGE_SCALE[1]):
            if high <= top:
                if high >= MIN_FILL * top or high == 0:
                    return 0.0, top, GREY_CMAP
                break
    return _own_range(values, low, high, percentile)


def suggested_postprocessing(kernel) -> str:
    """Return the post-processing that shows a kernel's result honestly.

    - weights that all are zero or positive (identity, blurs): ``'none'``, the
      result is an image within the input's range;
    - weights that sum to 0 (edges, Laplacian): ``'none'``, the result is a
      signed map, drawn with a diverging colormap;
    - negative weights and a non-zero sum (sharpen, emboss): ``'clamp'``,
      the result is an image that overshoots below 0 and above 255 at edges.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)

    Returns
    -------
    str
        One of :data:`POSTPROCESSING`.

    Raises
    ------
    ValueError, TypeError
        If ``kernel`` is not a 2-D numeric array.

    Examples
    --------
    >>> from course_lib import kernels
    >>> [suggested_postprocessing(kernels.get(n)) for n in ("box_blur", "sobel_right", "emboss")]
    ['none', 'none', 'clamp']
    """
    weights = as_float_array(kernel, name="kernel", ndim=2)
    if weights.min() >= 0 or abs(float(weights.sum())) <= 1e-9 * float(np.abs(weights).sum()):
        return "none"
    return "clamp"


def limits_note(vmin: float, vmax: float) -> str:
    """Return the limits as a short note for a title, e.g. ``'[0, 2.16]'``.

    Examples
    --------
    >>> limits_note(-973.2, 973.2)
    '[-973, 973]'
    >>> limits_note(0.0, 0.0113)
    '[0, 0.0113]'
    """
    return f"[{vmin:.3g}, {vmax:.3g}]"


def show(
    image,
    title: str | None = None,
    *,
    ax=None,
    kind: str = "auto",
    how: str = "none",
    percentile=None,
    colorbar=None,
    vmin=None,
    vmax=None,
    cmap=None,
):
    """Show one image with explicit display limits.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, 3)
        Colour arrays are drawn as RGB on 0..255 (floats are clipped).
    title : str, optional
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.
    kind : {'auto', 'image', 'map'}
        What the data is, which decides the limits (see :func:`display_limits`):
        'image' for pixel values, 'map' for kernels and feature maps.
    how : {'none', 'clamp', 'relu', 'abs', 'rescale'}
        Post-processing applied first (see :func:`for_display`).
    percentile : float, optional
        Limits of a map at this percentile of its absolute values (see
        :func:`display_limits`); the colour bar or title says where they are.
        With ``how='rescale'`` the limits are the ``100 - percentile`` and the
        ``percentile`` percentiles of the rescaled values instead: the extreme
        pixels that fix its 0 and 1 no longer squeeze everything else into a
        narrow band of mid-grey (a contrast stretch of the display only).
    colorbar : bool, optional
        Draw a colour bar; by default only when the limits are not the
        image scale 0..255 (maps). Without one, such limits chosen here are
        added to the title as a second line.
    vmin, vmax, cmap : optional
        Override the limits chosen by :func:`display_limits` (the title
        should then say what they are).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        For an unknown ``kind`` or ``how``, or data that is not 2-D or 3-D.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = show(np.array([[-1.0, 1.0]]), "signed")
    >>> ax.images[0].get_clim(), ax.images[0].get_cmap().name
    ((-1.0, 1.0), 'RdBu_r')
    >>> ax = show(np.array([[0.0, 2.0]]), "small map", colorbar=False)
    >>> ax.get_title()
    'small map\\n[0, 2]'
    >>> spread = np.concatenate([[-100.0], np.linspace(-1.0, 1.0, 99), [100.0]])
    >>> ax = show(spread[None, :], how="rescale", percentile=99)
    >>> [round(limit, 3) for limit in ax.images[0].get_clim()]
    [0.495, 0.505]
    """
    import matplotlib.pyplot as plt

    kind = check_choice(kind, name="kind", choices=KINDS)
    raw = np.asarray(image)
    array = raw if (how == "none" and raw.dtype == np.uint8) else for_display(raw, how)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4), layout="constrained")
    note = None
    if array.ndim == 3:
        shown = array if array.dtype == np.uint8 else np.clip(array, 0, 255).astype(np.uint8)
        ax.imshow(shown)
    else:
        if kind == "auto" and how == "clamp":
            kind = "image"
        if how == "rescale" and percentile is not None:
            low, high, default_cmap = _stretched_limits(array, _check_percentile(percentile))
        else:
            low, high, default_cmap = display_limits(array, kind=kind, percentile=percentile)
        low = low if vmin is None else float(vmin)
        high = high if vmax is None else float(vmax)
        artist = ax.imshow(
            array,
            cmap=cmap or default_cmap,
            vmin=low,
            vmax=high,
            interpolation="nearest",
        )
        on_image_scale = (low, high) == IMAGE_SCALE
        if colorbar if colorbar is not None else not on_image_scale:
            # Beside the picture and exactly as tall, whatever the picture's aspect ratio.
            ax.figure.colorbar(artist, cax=ax.inset_axes((1.04, 0.0, 0.05, 1.0)))
        elif vmin is None and vmax is None and not on_image_scale:
            note = limits_note(low, high)
    if title or note:
        ax.set_title("\n".join(part for part in (title, note) if part))
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _per_image(value, count: int, *, name: str) -> list:
    values = [value] * count if isinstance(value, str) else list(value)
    if len(values) != count:
        raise ValueError(f"got {count} images but {len(values)} {name}")
    return values


def show_row(
    images: Sequence,
    titles: Sequence[str] | None = None,
    *,
    kind="auto",
    how="none",
    percentile=None,
    size: float = 3.5,
    colorbar=None,
    vmin=None,
    vmax=None,
):
    """Show images side by side, each with its own honest limits.

    Parameters
    ----------
    images : sequence of array_like
    titles : sequence of str, optional
    kind : str or sequence of str
        What the data is (see :func:`show`), for all images or one per image.
    how : str or sequence of str
        Post-processing for all images, or one per image.
    percentile : float or sequence of float, optional
        As in :func:`show`: one for every map of the row, or one per image
        (None for none).
    size : float
        Width in inches of each panel.
    colorbar : bool, optional
        As in :func:`show`.
    vmin, vmax : float, optional
        One scale for every panel, so that they compare fairly (say it in a
        title).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If there are no images, or ``titles``, ``kind`` or ``how`` has
        another length than ``images``.

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
    kinds = _per_image(kind, len(images), name="kinds")
    hows = _per_image(how, len(images), name="post-processing names")
    single = percentile is None or isinstance(percentile, int | float)
    percentiles = [percentile] * len(images) if single else list(percentile)
    if len(percentiles) != len(images):
        raise ValueError(f"got {len(images)} images but {len(percentiles)} percentiles")
    # Constrained layout keeps colour bars and their labels off the next panel.
    fig, axes = plt.subplots(
        1, len(images), figsize=(size * len(images), size), squeeze=False, layout="constrained"
    )
    panels = zip(axes[0], images, titles, kinds, hows, percentiles, strict=True)
    for ax, image, title, data_kind, mode, level in panels:
        show(
            image,
            title,
            ax=ax,
            kind=data_kind,
            how=mode,
            percentile=level,
            colorbar=colorbar,
            vmin=vmin,
            vmax=vmax,
        )
    return fig
