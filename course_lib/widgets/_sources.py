"""Image sources shared by the widgets: bundled images, MNIST digits, uploads.

Every source ends up as a 2-D uint8 grey image. Colour photographs are
converted with the ITU-R BT.601 luma weights (:func:`course_lib.data.to_grey`)
and the widgets say so.

Examples
--------
>>> bundled_grey("cat").shape
(300, 451)
"""

from __future__ import annotations

import functools
import io

import numpy as np

from .. import data

SOURCES = ("ascent", "mnist", "cat", "face", "upload")
"""Source names, in the order the image menus offer them."""

SOURCE_LABELS = {
    "ascent": "ascent (512 x 512, grey)",
    "mnist": "random MNIST digit (28 x 28)",
    "cat": "cat (colour, shown in grey)",
    "face": "face (colour, shown in grey)",
    "upload": "your uploaded file",
    "array": "your array",
}

LUMA_NOTE = (
    "colour photo converted to grey with the ITU-R 601 luma weights 0.299 R + 0.587 G + 0.114 B"
)

MAX_UPLOAD_BYTES = 20_000_000
"""Files larger than this (20 MB) are refused with a message, before decoding.

The browser sends an upload to the kernel in one websocket message. Jupyter's
server closes the connection on a message above its
``websocket_max_message_size`` (10 MiB unless configured), and the file then
never arrives: the widget cannot even say why. ``make lab`` raises that limit
well above this one (``jupyter-config/jupyter_server_config.json``), so that
every file up to it reaches the widget, and every larger file gets this
module's message instead of silence."""

MAX_SIDE = 1024
"""Larger pictures are downscaled to this many pixels on their longer side, to stay
responsive; the widget says so."""


_EXIF_ORIENTATION = 0x0112
_QUARTER_TURNS = (5, 6, 7, 8)
"""EXIF orientations that store a picture turned by 90 degrees (width and height swap)."""


class UploadError(ValueError):
    """An uploaded file cannot be used; the message says why, for the status line."""


@functools.cache
def _bundled(name: str) -> np.ndarray:
    loader = {"ascent": data.ascent, "cat": data.cat, "face": data.face}[name]
    grey = data.to_grey(loader())
    grey.setflags(write=False)
    return grey


def bundled_grey(name: str) -> np.ndarray:
    """Return bundled image ``name`` ('ascent', 'cat' or 'face') in grey, cached, read-only.

    Examples
    --------
    >>> image = bundled_grey("face")
    >>> image.shape, image.dtype, image.flags.writeable
    ((768, 1024), dtype('uint8'), False)
    """
    return _bundled(name)


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    images, labels = data.mnist()
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def mnist_digit(index: int) -> tuple[np.ndarray, int]:
    """Return MNIST test digit ``index`` (read-only) and its label.

    Examples
    --------
    >>> digit, label = mnist_digit(0)
    >>> digit.shape, label
    ((28, 28), 7)
    """
    images, labels = _digits()
    return images[index], int(labels[index])


def mnist_count() -> int:
    """Return how many MNIST digits are bundled.

    Examples
    --------
    >>> mnist_count()
    10000
    """
    return int(_digits()[0].shape[0])


def shrink_to_fit(image: np.ndarray, *, max_side: int = MAX_SIDE) -> np.ndarray:
    """Return ``image`` downscaled (anti-aliased) so its longer side is at most ``max_side``.

    Examples
    --------
    >>> shrink_to_fit(np.zeros((2048, 1000), dtype=np.uint8), max_side=1024).shape
    (1024, 500)
    """
    height, width = image.shape[:2]
    if max(height, width) <= max_side:
        return image
    from PIL import Image

    factor = max_side / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.LANCZOS))


def _megabytes(count: int) -> str:
    return f"{count / 1e6:.1f} MB"


def decode_upload(value, *, max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[np.ndarray, str]:
    """Decode the newest file of a ``FileUpload.value`` into a grey uint8 image.

    Parameters
    ----------
    value : tuple of dict
        ipywidgets 8's ``FileUpload.value``: one dict per file with keys
        ``name``, ``type``, ``size``, ``content`` (a memoryview) and
        ``last_modified``.
    max_bytes : int
        Larger files are refused before they are decoded.

    Returns
    -------
    image : numpy.ndarray
        2-D uint8 array, downscaled so its longer side is at most
        :data:`MAX_SIDE`.
    note : str
        What was done to the file, for the widget's status line.

    Raises
    ------
    UploadError
        No file, an empty, unreadable or too large file.

    Examples
    --------
    >>> import datetime
    >>> png = (data.data_dir() / "cat.png").read_bytes()
    >>> entry = {"name": "cat.png", "type": "image/png", "size": len(png),
    ...          "content": memoryview(png), "last_modified": datetime.datetime.now()}
    >>> image, note = decode_upload((entry,))
    >>> image.shape, note
    ((300, 451), 'cat.png: colour photo converted to grey with the ITU-R 601 luma weights 0.299 R + 0.587 G + 0.114 B')
    """  # noqa: E501
    if not value:
        raise UploadError("no file uploaded yet: click the Upload button and choose an image")
    entry = value[-1]
    name = str(entry.get("name") or "the uploaded file")
    content = entry.get("content")
    size = len(content) if content is not None else int(entry.get("size") or 0)
    if size > max_bytes:
        raise UploadError(
            f"{name} is {_megabytes(size)}, more than the {_megabytes(max_bytes)} this widget "
            "accepts: save a smaller copy, or load it in a cell with "
            f"data.load_image(path, grey=True, max_side={MAX_SIDE})"
        )
    payload = bytes(content) if content is not None else b""
    if not payload:
        raise UploadError(f"{name} is empty")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(payload)) as opened:
            width, height = opened.size
            if opened.getexif().get(_EXIF_ORIENTATION) in _QUARTER_TURNS:
                width, height = height, width
            colour = len(opened.getbands()) >= 3 or opened.mode == "P"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadError(
            f"{name} is not an image file that can be read (try a PNG or JPEG)"
        ) from None
    try:
        image = data.load_image(payload, grey=True, max_side=MAX_SIDE)
    except ValueError as exc:
        raise UploadError(f"{name}: {exc}") from None
    notes = [f"{name}: " + (LUMA_NOTE if colour else "grey image")]
    if image.shape != (height, width):
        notes.append(
            f"downscaled from {height} x {width} to {image.shape[0]} x {image.shape[1]} "
            "to stay responsive"
        )
    return image, "; ".join(notes)
