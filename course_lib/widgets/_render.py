"""Fast, honest rendering of arrays to PNG bytes for ``ipywidgets.Image``.

A full matplotlib figure per slider move costs tens of milliseconds. Here the
colormap is looked up with numpy (a 256-entry table taken once from
matplotlib) and the PNG is encoded by Pillow at a low compression level. The
limits come from :func:`course_lib.display.display_limits`, so the picture
follows the course's display rules: grey 0..255 (or 0..1) for unsigned data,
a diverging colormap with symmetric limits for signed data.

Examples
--------
>>> import numpy as np
>>> png, caption = render_png(np.array([[-1.0, 1.0]]))
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", caption
(True, 'RdBu_r, -1 .. 1 (blue < 0 < red)')
"""

from __future__ import annotations

import base64
import functools
import html
import io

import numpy as np

from ..display import DIVERGING_CMAP, GREY_CMAP, display_limits

MIN_SIDE = 256
"""Small images (MNIST digits, pooled maps) are enlarged to at least this many
pixels per side by repeating pixels, so the browser does not blur them."""


@functools.cache
def _lookup_table(cmap: str) -> np.ndarray:
    import matplotlib

    table = matplotlib.colormaps[cmap](np.linspace(0.0, 1.0, 256))[:, :3]
    table = np.rint(table * 255).astype(np.uint8)
    table.setflags(write=False)
    return table


def prepare_colormaps() -> None:
    """Build the diverging colormap's table now (it imports matplotlib, ~0.3 s).

    Widgets call this when they are created, so that the first signed result
    a student asks for is drawn as quickly as the others.

    Examples
    --------
    >>> prepare_colormaps()
    >>> _lookup_table(DIVERGING_CMAP).shape
    (256, 3)
    """
    _lookup_table(DIVERGING_CMAP)


def _enlarged(pixels: np.ndarray, min_side: int) -> np.ndarray:
    factor = max(1, -(-min_side // max(pixels.shape[:2])))
    if factor == 1:
        return pixels
    return np.repeat(np.repeat(pixels, factor, axis=0), factor, axis=1)


def _format_limit(value: float) -> str:
    return f"{value:.4g}"


def to_indices(array, *, vmin: float, vmax: float) -> np.ndarray:
    """Map a 2-D array to colormap indices 0..255 (uint8), clipping at the limits.

    NaN is shown as ``vmin``, infinities at the nearest limit.

    Examples
    --------
    >>> to_indices(np.array([[0.0, 127.5, 300.0, np.nan]]), vmin=0, vmax=255)
    array([[  0, 128, 255,   0]], dtype=uint8)
    """
    values = np.asarray(array, dtype=np.float64)
    span = float(vmax) - float(vmin)
    scale = 255.0 / span if span > 0 else 0.0
    # In-place steps: this runs on every slider move, temporaries cost time.
    index = values - float(vmin)
    index *= scale
    index += 0.5
    np.clip(index, 0.0, 255.0, out=index)
    nan = np.isnan(index)
    if nan.any():
        index[nan] = 0.0
    return index.astype(np.uint8)


def to_pixels(array, *, vmin: float, vmax: float, cmap: str) -> np.ndarray:
    """Map a 2-D array to uint8 pixels: grey (H, W) or colour (H, W, 3).

    Values outside ``vmin .. vmax`` are clipped (see :func:`to_indices`).

    Examples
    --------
    >>> to_pixels(np.array([[0.0, 127.5, 300.0]]), vmin=0, vmax=255, cmap="gray")
    array([[  0, 128, 255]], dtype=uint8)
    >>> to_pixels(np.array([[-1.0, 0.0, 1.0]]), vmin=-1, vmax=1, cmap="RdBu_r").shape
    (1, 3, 3)
    """
    index = to_indices(array, vmin=vmin, vmax=vmax)
    if cmap == GREY_CMAP:
        return index
    return _lookup_table(cmap)[index]


def encode_png(index: np.ndarray, *, cmap: str = GREY_CMAP) -> bytes:
    """Encode uint8 colormap indices as PNG bytes, quickly.

    Grey images are stored as 8-bit grey; any other colormap becomes a
    256-colour palette PNG, a third of the data of an RGB one.

    Examples
    --------
    >>> encode_png(np.zeros((2, 3), dtype=np.uint8))[:4]
    b'\\x89PNG'
    >>> from PIL import Image
    >>> Image.open(io.BytesIO(encode_png(np.zeros((2, 3), np.uint8), cmap="RdBu_r"))).mode
    'P'
    """
    from PIL import Image

    index = np.ascontiguousarray(index, dtype=np.uint8)
    height, width = index.shape
    if cmap == GREY_CMAP:
        picture = Image.frombytes("L", (width, height), index.tobytes())
    else:
        picture = Image.frombytes("P", (width, height), index.tobytes())
        picture.putpalette(_lookup_table(cmap).tobytes(), rawmode="RGB")
    buffer = io.BytesIO()
    # Level 1 is several times faster than the default and the files stay small
    # enough for a local widget.
    picture.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def encode_pixels(pixels) -> bytes:
    """Encode uint8 pixels, grey (H, W) or RGB (H, W, 3), as PNG bytes, quickly.

    Examples
    --------
    >>> encode_pixels(np.zeros((2, 3, 3), dtype=np.uint8))[:4]
    b'\\x89PNG'
    >>> from PIL import Image
    >>> Image.open(io.BytesIO(encode_pixels(np.zeros((2, 3), np.uint8)))).mode
    'L'
    """
    from PIL import Image

    array = np.ascontiguousarray(pixels, dtype=np.uint8)
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 3)):
        raise ValueError(f"pixels must have shape (H, W) or (H, W, 3), got {array.shape}")
    buffer = io.BytesIO()
    Image.fromarray(array, mode="L" if array.ndim == 2 else "RGB").save(
        buffer, format="PNG", compress_level=1
    )
    return buffer.getvalue()


def display_pixels(array, *, min_side: int = MIN_SIDE) -> tuple[np.ndarray, int, str]:
    """Return ``(pixels, zoom, caption)``: an array as display pixels, enlarged if small.

    The limits and colormap follow :func:`course_lib.display.display_limits`;
    ``zoom`` is how many pixels each value takes along each side.

    Examples
    --------
    >>> pixels, zoom, caption = display_pixels(np.full((28, 28), 9, dtype=np.uint8))
    >>> pixels.shape, zoom, caption
    ((280, 280), 10, 'grey, 0 .. 255')
    """
    values = np.asarray(array)
    vmin, vmax, cmap = display_limits(values)
    pixels = _enlarged(to_pixels(values, vmin=vmin, vmax=vmax, cmap=cmap), min_side)
    return pixels, pixels.shape[0] // values.shape[0], _caption(vmin, vmax, cmap)


def _caption(vmin: float, vmax: float, cmap: str) -> str:
    if cmap == GREY_CMAP:
        return f"grey, {_format_limit(vmin)} .. {_format_limit(vmax)}"
    return f"{cmap}, {_format_limit(vmin)} .. {_format_limit(vmax)} (blue < 0 < red)"


def render_png(
    array, *, min_side: int = MIN_SIDE, kind: str = "auto", percentile=None
) -> tuple[bytes, str]:
    """Return ``(png_bytes, caption)`` showing a 2-D array with honest limits.

    uint8 data is shown on grey 0..255; float data gets the limits and
    colormap of :func:`course_lib.display.display_limits` for ``kind``
    ('auto', 'image' or 'map') and ``percentile`` (limits of a map at that
    percentile of its magnitudes, so a few extreme pixels do not wash out the
    rest). The caption names the colormap and the limits, and the percentile
    when one was used.

    Examples
    --------
    >>> png, caption = render_png(np.full((28, 28), 200, dtype=np.uint8))
    >>> caption
    'grey, 0 .. 255'
    """
    values = np.asarray(array)
    vmin, vmax, cmap = display_limits(values, kind=kind, percentile=percentile)
    index = to_indices(values, vmin=vmin, vmax=vmax)
    caption = _caption(vmin, vmax, cmap)
    if percentile is not None and (vmin, vmax) != display_limits(values, kind=kind)[:2]:
        caption += f", limits at the {percentile:g}th percentile"
    return encode_png(_enlarged(index, min_side), cmap=cmap), caption


TABLE_MAX_SIDE = 7
"""Kernels up to this many rows and columns are written out as a table of weights;
larger ones (a 21 x 21 Gaussian) are drawn as a small picture instead."""


def kernel_table(kernel) -> str:
    """Return the kernel's weights as a small HTML table, or a picture if it is large.

    Up to :data:`TABLE_MAX_SIDE` x :data:`TABLE_MAX_SIDE` every weight is
    written out; a larger kernel is drawn on its own range (a table of 441
    numbers would not fit beside the pictures). Shape and sum are always given.

    Examples
    --------
    >>> "<td" in kernel_table(np.eye(2))
    True
    >>> html_text = kernel_table(np.ones((21, 21)) / 441)
    >>> "<td" in html_text, "data:image/png;base64," in html_text, "21 x 21" in html_text
    (False, True, True)
    """
    weights = np.asarray(kernel, dtype=np.float64)
    total = f"{weights.shape[0]} x {weights.shape[1]}, sum {_weight(float(weights.sum()))}"
    note = '<div style="font-size:11px;color:#555;">{}</div>'
    if max(weights.shape) > TABLE_MAX_SIDE:
        png, caption = render_png(weights, min_side=140, kind="map")
        encoded = base64.b64encode(png).decode("ascii")
        return (
            f'<img src="data:image/png;base64,{encoded}" alt="kernel weights" '
            'style="width:140px;image-rendering:pixelated;">'
            + note.format(html.escape(f"{total}; weights drawn on {caption}"))
        )
    cell = "border:1px solid #bbb;padding:1px 4px;text-align:right;font-family:monospace;"
    rows = []
    for row in weights:
        cells = "".join(f'<td style="{cell}">{_weight(v)}</td>' for v in row)
        rows.append(f"<tr>{cells}</tr>")
    return (
        '<table style="border-collapse:collapse;font-size:11px;margin:2px 0;">'
        + "".join(rows)
        + "</table>"
        + note.format(html.escape(total))
    )


def _weight(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0")
