"""Pooling windows drawn on the input, and the pooled values they give.

A 2 x 2 window on a 512 x 512 photograph is less than two screen pixels
wide, so the windows are drawn on an enlarged part of the input: a block of
windows where the pooled result varies most (or around the centre), each
outlined, neighbours in different colours (so overlapping windows stay
visible). The pooled values of the same windows are drawn enlarged too, each
cell outlined in its window's colour.

Examples
--------
>>> import numpy as np
>>> block = window_block((28, 28), size=2, stride=2)
>>> block.first, block.count, block.top_left, block.span
((4, 4), (6, 6), (8, 8), (12, 12))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_positive_int

WINDOW_COLOURS = np.array(
    [(255, 127, 14), (31, 119, 180), (44, 160, 44), (214, 39, 40)], dtype=np.uint8
)
"""Orange, blue, green, red: window (i, j) gets colour 2 * (i % 2) + (j % 2), so
any two neighbouring windows, along a row, a column or a diagonal, differ."""

REGION_COLOUR = np.array((255, 215, 0), dtype=np.uint8)
"""Yellow: the outline, on the whole input, of the part that is enlarged."""

BLOCK_SIDE = 6
"""Windows per side of the block drawn when windows do not overlap."""

OVERLAP_BLOCK_SIDE = 3
"""Fewer windows when they overlap: their outlines would hide each other."""


@dataclass(frozen=True)
class WindowBlock:
    """A block of pooling windows: which outputs, and which input pixels they cover.

    Attributes
    ----------
    first : (int, int)
        Output row and column of the block's top-left window.
    count : (int, int)
        Windows in the block along rows and columns.
    top_left : (int, int)
        Input row and column where the block's first window starts.
    span : (int, int)
        Input rows and columns the block covers.
    size, stride : int
    """

    first: tuple[int, int]
    count: tuple[int, int]
    top_left: tuple[int, int]
    span: tuple[int, int]
    size: int
    stride: int


def _busiest_start(pooled: np.ndarray, count: tuple[int, int]) -> tuple[int, int]:
    """Top-left output of the ``count`` block whose pooled values vary most."""
    values = np.asarray(pooled, dtype=np.float64)
    padded = np.zeros((values.shape[0] + 1, values.shape[1] + 1, 2))
    padded[1:, 1:, 0] = values.cumsum(0).cumsum(1)
    padded[1:, 1:, 1] = (values**2).cumsum(0).cumsum(1)
    rows, cols = count
    totals = padded[rows:, cols:] - padded[:-rows, cols:]
    totals = totals - padded[rows:, :-cols] + padded[:-rows, :-cols]
    variance = totals[..., 1] / (rows * cols) - (totals[..., 0] / (rows * cols)) ** 2
    row, col = np.unravel_index(int(np.argmax(variance)), variance.shape)
    return int(row), int(col)


def window_block(shape, *, size: int, stride: int, pooled=None) -> WindowBlock:
    """Return the block of windows to draw for an input of ``shape``.

    Parameters
    ----------
    shape : (int, int)
        The input's shape; a window of ``size`` must fit.
    size, stride : int
        The pooling window's side and step.
    pooled : array_like, optional
        The pooled output. When given, the block is where its values vary
        most, so the picture shows detail rather than a flat patch of sky;
        otherwise it is around the centre.

    Raises
    ------
    ValueError
        If ``size`` or ``stride`` is below 1, or the window is larger than the input.

    Examples
    --------
    >>> window_block((512, 512), size=3, stride=2).count
    (3, 3)
    >>> window_block((5, 6), size=2, stride=2).first
    (0, 0)
    >>> pooled = np.zeros((10, 10))
    >>> pooled[7, 8] = 1.0
    >>> window_block((20, 20), size=2, stride=2, pooled=pooled).first
    (2, 3)
    """
    size = check_positive_int(size, name="size")
    stride = check_positive_int(stride, name="stride")
    if size > min(shape):
        raise ValueError(f"window of size {size} is larger than the image {tuple(shape)}")
    side = OVERLAP_BLOCK_SIDE if stride < size else BLOCK_SIDE
    outputs = tuple((n - size) // stride + 1 for n in shape)
    count = tuple(min(side, n) for n in outputs)
    if pooled is not None and np.shape(pooled) == outputs:
        first = _busiest_start(pooled, count)
    else:
        first = tuple((n - c) // 2 for n, c in zip(outputs, count, strict=True))
    top_left = tuple(start * stride for start in first)
    span = tuple((c - 1) * stride + size for c in count)
    return WindowBlock(first, count, top_left, span, size, stride)


def _zoom(side_pixels: int, min_side: int) -> int:
    return max(1, -(-min_side // side_pixels))


def _outline(pixels, top, left, height, width, colour, thickness):
    bottom, right = top + height, left + width
    pixels[top : top + thickness, left:right] = colour
    pixels[bottom - thickness : bottom, left:right] = colour
    pixels[top:bottom, left : left + thickness] = colour
    pixels[top:bottom, right - thickness : right] = colour


def _colour(i: int, j: int) -> np.ndarray:
    return WINDOW_COLOURS[2 * (i % 2) + (j % 2)]


def windows_on_input(grey, block: WindowBlock, *, min_side: int = 256) -> np.ndarray:
    """Return the block's part of the input, enlarged, with every window outlined.

    Parameters
    ----------
    grey : array_like of uint8, shape (H, W)
    block : WindowBlock
    min_side : int
        The picture's longer side is at least this many pixels.

    Returns
    -------
    numpy.ndarray
        uint8 RGB array of shape (span_rows * zoom, span_cols * zoom, 3).

    Examples
    --------
    >>> image = np.zeros((28, 28), dtype=np.uint8)
    >>> picture = windows_on_input(image, window_block(image.shape, size=2, stride=2))
    >>> picture.shape, picture[0, 0].tolist()
    ((264, 264, 3), [255, 127, 14])
    """
    image = np.asarray(grey)
    (row, col), (rows, cols) = block.top_left, block.span
    part = image[row : row + rows, col : col + cols]
    zoom = _zoom(max(rows, cols), min_side)
    pixels = np.repeat(np.repeat(part, zoom, axis=0), zoom, axis=1)
    pixels = np.repeat(pixels[..., np.newaxis], 3, axis=2).astype(np.uint8)
    thickness = max(1, zoom // 6)
    side = block.size * zoom
    for i in range(block.count[0]):
        for j in range(block.count[1]):
            # Overlapping windows: each colour sits a little further inside its window,
            # so their outlines run side by side instead of on top of each other.
            inset = 0
            if block.stride < block.size:
                inset = min((2 * (i % 2) + j % 2) * thickness, (side - 2 * thickness) // 2)
            top = i * block.stride * zoom + inset
            left = j * block.stride * zoom + inset
            length = side - 2 * inset
            _outline(pixels, top, left, length, length, _colour(i, j), thickness)
    return pixels


def pooled_cells(values_rgb, block: WindowBlock, *, min_side: int = 256) -> np.ndarray:
    """Return the pooled values of the block, enlarged, each cell outlined in its window's colour.

    Parameters
    ----------
    values_rgb : array_like of uint8, shape (rows, cols) or (rows, cols, 3)
        The whole pooled output, already mapped to display pixels.
    block : WindowBlock

    Returns
    -------
    numpy.ndarray
        uint8 RGB array.

    Examples
    --------
    >>> pooled = np.full((14, 14), 200, dtype=np.uint8)
    >>> cells = pooled_cells(pooled, window_block((28, 28), size=2, stride=2))
    >>> cells.shape
    (258, 258, 3)
    """
    values = np.asarray(values_rgb)
    if values.ndim == 2:
        values = np.repeat(values[..., np.newaxis], 3, axis=2)
    (row, col), (rows, cols) = block.first, block.count
    part = values[row : row + rows, col : col + cols]
    zoom = _zoom(max(rows, cols), min_side)
    pixels = np.repeat(np.repeat(part, zoom, axis=0), zoom, axis=1).astype(np.uint8)
    thickness = max(1, zoom // 12)
    for i in range(rows):
        for j in range(cols):
            _outline(pixels, i * zoom, j * zoom, zoom, zoom, _colour(i, j), thickness)
    return pixels


def mark_region(pixels, block: WindowBlock, *, zoom: int = 1) -> np.ndarray:
    """Return RGB ``pixels`` of the whole input with the block's part outlined in yellow.

    Parameters
    ----------
    pixels : array_like of uint8, shape (H * zoom, W * zoom) or (H * zoom, W * zoom, 3)
    block : WindowBlock
    zoom : int
        How many picture pixels one input pixel takes.

    Examples
    --------
    >>> marked = mark_region(np.zeros((56, 56), np.uint8), window_block((28, 28), size=2,
    ...                      stride=2), zoom=2)
    >>> marked.shape, marked[14, 14].tolist()
    ((56, 56, 3), [255, 215, 0])
    """
    image = np.asarray(pixels)
    if image.ndim == 2:
        image = np.repeat(image[..., np.newaxis], 3, axis=2)
    marked = image.astype(np.uint8, copy=True)
    (row, col), (rows, cols) = block.top_left, block.span
    thickness = max(2, max(marked.shape[:2]) // 170)
    top, left = row * zoom, col * zoom
    height = min(rows * zoom + 2 * thickness, marked.shape[0] - max(top - thickness, 0))
    width = min(cols * zoom + 2 * thickness, marked.shape[1] - max(left - thickness, 0))
    _outline(
        marked, max(top - thickness, 0), max(left - thickness, 0), height, width,
        REGION_COLOUR, thickness,
    )
    return marked
