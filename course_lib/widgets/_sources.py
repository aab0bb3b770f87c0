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

MAX_UPLOAD_PIXELS = 4_000_000
"""Uploads with more pixels than this are refused (about 2000 x 2000)."""

MAX_SIDE = 1024
"""Accepted images with a longer side are downscaled to this, to stay responsive."""


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


def decode_upload(value, *, max_pixels: int = MAX_UPLOAD_PIXELS) -> tuple[np.ndarray, str]:
    """Decode the newest file of a ``FileUpload.value`` into a grey uint8 image.

    Parameters
    ----------
    value : tuple of dict
        ipywidgets 8's ``FileUpload.value``: one dict per file with keys
        ``name``, ``type``, ``size``, ``content`` (a memoryview) and
        ``last_modified``.
    max_pixels : int
        Larger images are refused before they are decoded.

    Returns
    -------
    image : numpy.ndarray
        2-D uint8 array, downscaled to :data:`MAX_SIDE` if larger.
    note : str
        What was done to the file, for the widget's status line.

    Raises
    ------
    UploadError
        No file, an empty or unreadable file, or one that is too large.

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
    payload = bytes(content) if content is not None else b""
    if not payload:
        raise UploadError(f"{name} is empty")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(payload)) as opened:
            width, height = opened.size
            colour = len(opened.getbands()) >= 3 or opened.mode == "P"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadError(
            f"{name} is not an image file that can be read (try a PNG or JPEG)"
        ) from None
    if width * height > max_pixels:
        raise UploadError(
            f"{name} is {width} x {height} = {width * height:,} pixels, more than the "
            f"{max_pixels:,} this widget accepts; resize it first, e.g. "
            "data.load_image(path, size=512)"
        )
    try:
        image = data.load_image(payload, grey=True)
    except ValueError as exc:
        raise UploadError(f"{name}: {exc}") from None
    notes = [f"{name}: " + (LUMA_NOTE if colour else "grey image")]
    shrunk = shrink_to_fit(image)
    if shrunk.shape != image.shape:
        notes.append(
            f"downscaled from {image.shape[0]} x {image.shape[1]} to "
            f"{shrunk.shape[0]} x {shrunk.shape[1]} to stay responsive"
        )
    return shrunk, "; ".join(notes)
