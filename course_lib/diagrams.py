"""Teaching diagrams: small grids of numbers and sliding windows, drawn with matplotlib.

The notebooks explain convolution with pictures of a few pixels at a time:
a neighbourhood with its values written in the cells, a kernel beside it, the
window a kernel covers, the padding ring around an image, the positions a
strided window visits. These helpers draw such pictures so the notebooks only
say *what* to show.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np
>>> from course_lib import diagrams
>>> ax = diagrams.number_grid(np.arange(6).reshape(2, 3), title="values")
>>> [text.get_text() for text in ax.texts]
['0', '1', '2', '3', '4', '5']
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_positive_int

__all__ = ["number_grid", "window_positions", "window_starts"]

HIGHLIGHT_COLOURS = ("tab:orange", "tab:blue", "tab:green", "tab:purple", "tab:red")
"""Outline colours used, in turn, for the windows a diagram highlights."""

PADDING_COLOUR = "#d9d9d9"
CELL_COLOUR = "white"


def _format_value(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:.0f}"
    return "0" if text in ("-0", "") else text


def _new_axes(ax, shape, cell_inches: float):
    import matplotlib.pyplot as plt

    if ax is None:
        rows, cols = shape
        _, ax = plt.subplots(figsize=(max(cols * cell_inches, 1.2), max(rows * cell_inches, 1.2)))
    return ax


def number_grid(
    values,
    *,
    ax=None,
    title: str | None = None,
    decimals: int = 2,
    highlight=None,
    shade=None,
    cell_inches: float = 0.5,
):
    """Draw a small 2-D array as a grid of cells with each value written inside.

    Parameters
    ----------
    values : array_like, shape (rows, cols)
        The numbers to draw (at most 40 x 40; this is for a handful of pixels).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.
    title : str, optional
    decimals : int
        Decimals written in each cell (trailing zeros are dropped).
    highlight : sequence of (row, col, height, width), optional
        Rectangles outlined in colour, e.g. the window a kernel covers.
    shade : array_like of bool, shape (rows, cols), optional
        Cells drawn in grey, e.g. the padding added around an image.
    cell_inches : float
        Size of one cell when a new figure is made.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If ``values`` is not 2-D or too large, or ``shade`` has another shape.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = number_grid([[0.5, -1.0]], highlight=[(0, 1, 1, 1)])
    >>> [text.get_text() for text in ax.texts], len(ax.patches)
    (['0.5', '-1'], 3)
    """
    from matplotlib.patches import Rectangle

    array = as_float_array(values, name="values", ndim=2)
    decimals = check_positive_int(decimals, name="decimals", minimum=0)
    rows, cols = array.shape
    if rows > 40 or cols > 40:
        raise ValueError(f"values must be at most 40 x 40 to draw as numbers, got {array.shape}")
    shaded = np.zeros(array.shape, dtype=bool) if shade is None else np.asarray(shade, dtype=bool)
    if shaded.shape != array.shape:
        raise ValueError(f"shade must have the shape of values {array.shape}, got {shaded.shape}")
    ax = _new_axes(ax, array.shape, cell_inches)
    for (row, col), value in np.ndenumerate(array):
        colour = PADDING_COLOUR if shaded[row, col] else CELL_COLOUR
        ax.add_patch(Rectangle((col, row), 1, 1, facecolor=colour, edgecolor="0.4", lw=0.8))
        ax.text(col + 0.5, row + 0.5, _format_value(value, decimals), ha="center", va="center")
    for index, (row, col, height, width) in enumerate(highlight or ()):
        colour = HIGHLIGHT_COLOURS[index % len(HIGHLIGHT_COLOURS)]
        ax.add_patch(
            Rectangle((col, row), width, height, fill=False, edgecolor=colour, lw=3, zorder=3)
        )
    ax.set_xlim(-0.05, cols + 0.05)
    ax.set_ylim(rows + 0.05, -0.05)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def window_starts(n: int, k: int, *, padding: int = 0, stride: int = 1) -> list[int]:
    """Return where each window starts along one axis, counted in the padded input.

    Parameters
    ----------
    n, k : int
        Input length and kernel length.
    padding : int
        Added on each side.
    stride : int
        Step between windows.

    Returns
    -------
    list of int
        One start per output; its length is the output size.

    Raises
    ------
    ValueError
        If the kernel is longer than the padded input.

    Examples
    --------
    >>> window_starts(7, 3, stride=2)
    [0, 2, 4]
    >>> window_starts(5, 3, padding=1)
    [0, 1, 2, 3, 4]
    """
    n = check_positive_int(n, name="n")
    k = check_positive_int(k, name="k")
    padding = check_positive_int(padding, name="padding", minimum=0)
    stride = check_positive_int(stride, name="stride")
    padded = n + 2 * padding
    if k > padded:
        raise ValueError(f"kernel of size {k} is larger than the padded input of size {padded}")
    return list(range(0, padded - k + 1, stride))


def window_positions(
    n: int, k: int, *, padding: int = 0, stride: int = 1, ax=None, cell_inches: float = 0.45
):
    """Draw a row of ``n`` input cells and, below it, every window a kernel of size ``k`` visits.

    Padding cells are grey; each window is a coloured bar under the cells it
    covers; the title states the output size.

    Parameters
    ----------
    n, k : int
        Input length and kernel length.
    padding : int
        Added on each side.
    stride : int
        Step between windows.
    ax : matplotlib.axes.Axes, optional
    cell_inches : float
        Size of one cell when a new figure is made.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = window_positions(7, 3, stride=2)
    >>> ax.get_title()
    'n=7, k=3, padding=0, stride=2: 3 outputs'
    """
    from matplotlib.patches import Rectangle

    starts = window_starts(n, k, padding=padding, stride=stride)
    padded = n + 2 * padding
    ax = _new_axes(ax, (len(starts) + 2, padded), cell_inches)
    for position in range(padded):
        is_padding = position < padding or position >= padding + n
        colour = PADDING_COLOUR if is_padding else CELL_COLOUR
        ax.add_patch(Rectangle((position, 0), 1, 1, facecolor=colour, edgecolor="0.4"))
        label = "0" if is_padding else str(position - padding)
        ax.text(position + 0.5, 0.5, label, ha="center", va="center", fontsize=9)
    for row, start in enumerate(starts, start=1):
        colour = HIGHLIGHT_COLOURS[(row - 1) % len(HIGHLIGHT_COLOURS)]
        top = row + 0.3
        ax.add_patch(Rectangle((start + 0.1, top), k - 0.2, 0.5, facecolor=colour, alpha=0.8))
        ax.text(start - 0.15, top + 0.25, f"out[{row - 1}]", ha="right", va="center", fontsize=8)
    ax.set_xlim(-2.2, padded + 0.1)
    ax.set_ylim(len(starts) + 1.1, -0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"n={n}, k={k}, padding={padding}, stride={stride}: {len(starts)} outputs")
    return ax
