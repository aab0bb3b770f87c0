"""The course's bundled images and digits, and loading your own image.

Everything is read from the package's data folder, ``course_lib/data_files``
(in the repository a link to ``data/``; in an installed wheel the files
themselves), or from the folder named by the ``COURSE_DATA_DIR`` environment
variable. Each file is checked against
``data/SHA256SUMS`` before it is decoded, so a damaged copy is reported instead
of silently producing wrong pictures. Nothing is ever downloaded.

Examples
--------
>>> from course_lib import data
>>> data.ascent().shape
(512, 512)
>>> images, labels = data.mnist()
>>> images.shape, labels.shape
((10000, 28, 28), (10000,))
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.resources
import io
import math
import os
from pathlib import Path

import numpy as np

__all__ = [
    "DataFileError",
    "ascent",
    "cat",
    "data_dir",
    "face",
    "load_image",
    "mnist",
    "to_grey",
]

LUMA_WEIGHTS = (0.299, 0.587, 0.114)
"""ITU-R BT.601 weights for red, green and blue when converting to grey."""

MAX_IMAGE_PIXELS = 50_000_000
"""Largest image (in pixels) that :func:`load_image` accepts."""


_RESTORE = (
    "restore it (in the repository: git checkout -- data/; "
    "an installed course: pip install --force-reinstall course_lib)"
)


class DataFileError(OSError):
    """A bundled data file is missing, altered or cannot be decoded."""


DATA_FILES = "data_files"
"""The package resource folder holding the data files (see :func:`data_dir`)."""


def data_dir() -> Path:
    """Return the folder holding the bundled data files.

    The one place that says where the data is: ``COURSE_DATA_DIR`` when it is
    set, otherwise the package resource ``course_lib/data_files``, which works
    the same from a checkout, an editable install and an installed wheel.

    Examples
    --------
    >>> (data_dir() / "SHA256SUMS").is_file()
    True
    """
    override = os.environ.get("COURSE_DATA_DIR")
    if override:
        return Path(override)
    return Path(str(importlib.resources.files("course_lib") / DATA_FILES))


def _expected_checksums(folder: Path) -> dict[str, str]:
    listing = folder / "SHA256SUMS"
    try:
        text = listing.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(
            f"cannot read the checksum list {listing}: {exc.strerror or exc}"
        ) from exc
    sums = {}
    for line in text.splitlines():
        if line.strip():
            digest, filename = line.split()
            sums[filename.lstrip("*")] = digest
    return sums


@functools.cache
def _verified_bytes(folder: str, filename: str) -> bytes:
    path = Path(folder) / filename
    expected = _expected_checksums(Path(folder)).get(filename)
    if expected is None:
        raise DataFileError(f"{path} is not listed in {Path(folder) / 'SHA256SUMS'}")
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        raise DataFileError(
            f"bundled data file {path} is missing; {_RESTORE}"
        ) from None
    except OSError as exc:
        raise DataFileError(f"cannot read bundled data file {path}: {exc.strerror or exc}") from exc
    actual = hashlib.sha256(payload).hexdigest()
    if actual != expected:
        raise DataFileError(
            f"bundled data file {path} is corrupt: sha256 {actual[:12]}... does not match "
            f"{expected[:12]}... in SHA256SUMS; {_RESTORE}"
        )
    return payload


def _bundled(filename: str) -> bytes:
    return _verified_bytes(str(data_dir()), filename)


@functools.cache
def _decoded_png(folder: str, filename: str) -> np.ndarray:
    payload = _verified_bytes(folder, filename)
    try:
        array = _decode(payload, label=str(Path(folder) / filename))
    except ValueError as exc:
        raise DataFileError(str(exc)) from exc
    array.setflags(write=False)
    return array


def _bundled_image(filename: str) -> np.ndarray:
    return _decoded_png(str(data_dir()), filename).copy()


def ascent() -> np.ndarray:
    """Return the 512 x 512 greyscale "ascent" stairwell photograph.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (512, 512).

    Examples
    --------
    >>> image = ascent()
    >>> image.dtype, image.shape
    (dtype('uint8'), (512, 512))
    """
    return _bundled_image("ascent.png")


def face() -> np.ndarray:
    """Return the 768 x 1024 colour photograph of a raccoon's face.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (768, 1024, 3), RGB.

    Examples
    --------
    >>> face().shape
    (768, 1024, 3)
    """
    return _bundled_image("face.png")


def cat() -> np.ndarray:
    """Return the 300 x 451 colour photograph of Chelsea the cat.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (300, 451, 3), RGB.

    Examples
    --------
    >>> cat().shape
    (300, 451, 3)
    """
    return _bundled_image("cat.png")


def _parse_idx(payload: bytes, *, label: str, magic: int, ndim: int) -> np.ndarray:
    try:
        raw = gzip.decompress(payload)
    except (OSError, EOFError) as exc:
        raise DataFileError(f"{label} is not a readable gzip file: {exc}") from exc
    header_size = 4 + 4 * ndim
    header = np.frombuffer(raw[:header_size], dtype=">i4")
    if header.size != ndim + 1 or header[0] != magic:
        raise DataFileError(f"{label} does not start with the IDX magic number {magic}")
    shape = tuple(int(n) for n in header[1:])
    body = np.frombuffer(raw, dtype=np.uint8, offset=header_size)
    if body.size != int(np.prod(shape)):
        raise DataFileError(f"{label} holds {body.size} values, its header promises shape {shape}")
    return body.reshape(shape)


@functools.cache
def _mnist_arrays(folder: str) -> tuple[np.ndarray, np.ndarray]:
    names = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    images = _parse_idx(
        _verified_bytes(folder, names[0]), label=str(Path(folder) / names[0]), magic=2051, ndim=3
    )
    labels = _parse_idx(
        _verified_bytes(folder, names[1]), label=str(Path(folder) / names[1]), magic=2049, ndim=1
    )
    if images.shape[0] != labels.shape[0]:
        raise DataFileError(f"{folder}: {images.shape[0]} digits but {labels.shape[0]} labels")
    return images, labels


def mnist() -> tuple[np.ndarray, np.ndarray]:
    """Return the 10,000 MNIST test digits and their labels.

    Returns
    -------
    images : numpy.ndarray
        uint8 array of shape (10000, 28, 28); ink is bright (255) on black (0).
    labels : numpy.ndarray
        uint8 array of shape (10000,), digits 0 to 9.

    Examples
    --------
    >>> images, labels = mnist()
    >>> int(labels[0]), images.dtype
    (7, dtype('uint8'))
    """
    images, labels = _mnist_arrays(str(data_dir()))
    return images.copy(), labels.copy()


def to_grey(image) -> np.ndarray:
    """Convert an RGB image to grey with the ITU-R BT.601 luma weights.

    A 2-D image is returned unchanged (as a copy). The result keeps uint8 when
    the input is uint8 (rounded), otherwise it is float64.

    Parameters
    ----------
    image : array_like
        Array of shape (H, W) or (H, W, 3).

    Returns
    -------
    numpy.ndarray
        Array of shape (H, W).

    Examples
    --------
    >>> to_grey(np.array([[[255, 0, 0], [0, 255, 0]]], dtype=np.uint8))
    array([[ 76, 150]], dtype=uint8)
    """
    array = np.asarray(image)
    if array.ndim == 2:
        return array.copy()
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"image must have shape (H, W) or (H, W, 3), got {array.shape}")
    grey = array[..., :3].astype(np.float64) @ np.array(LUMA_WEIGHTS)
    if array.dtype == np.uint8:
        return np.clip(np.rint(grey), 0, 255).astype(np.uint8)
    return grey


def _decode(payload: bytes, *, label: str, max_side: int | None = None):
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(payload)) as opened:
            width, height = opened.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValueError(
                    f"{label} is {width} x {height} pixels, larger than the "
                    f"{MAX_IMAGE_PIXELS:,}-pixel limit; resize it first"
                )
            if max_side is not None and max(width, height) > max_side:
                # JPEG can decode straight at 1/2, 1/4 or 1/8 of the size: much faster
                # than decoding a 12-megapixel photo in full and shrinking it.
                factor = max_side / max(width, height)
                opened.draft(opened.mode, (math.ceil(width * factor), math.ceil(height * factor)))
            opened.load()
            # Phone cameras store pictures sideways plus an EXIF note to rotate them.
            picture = ImageOps.exif_transpose(opened)
            if picture.mode.startswith("I"):
                # 16-bit greys (mode I;16 or I): Pillow's own conversion to 8 bits
                # clips everything above 255 to white, so scale 0..65535 instead.
                wide = np.asarray(picture, dtype=np.float64)
                return np.clip(np.rint(wide / 257.0), 0, 255).astype(np.uint8)
            if picture.mode in ("RGBA", "LA", "P", "PA"):
                picture = picture.convert("RGBA")
                background = Image.new("RGBA", picture.size, (255, 255, 255, 255))
                picture = Image.alpha_composite(background, picture).convert("RGB")
            elif picture.mode not in ("L", "RGB"):
                picture = picture.convert("RGB" if len(picture.getbands()) >= 3 else "L")
            return np.asarray(picture, dtype=np.uint8).copy()
    except UnidentifiedImageError:
        raise ValueError(f"{label} is not an image file that Pillow can read") from None
    except Image.DecompressionBombError as exc:
        raise ValueError(f"{label} is too large to decode safely: {exc}") from None
    except (OSError, SyntaxError) as exc:
        raise ValueError(f"{label} could not be decoded: {exc}") from None


def load_image(source, *, grey: bool = False, size=None, max_side=None) -> np.ndarray:
    """Load your own image file as a uint8 array.

    Parameters
    ----------
    source : str, os.PathLike or bytes
        A path to an image file (PNG, JPEG, ...) or the file's contents.
    grey : bool, optional
        Convert to grey with the ITU-R BT.601 luma weights.
    size : int or (int, int), optional
        Resize to ``(height, width)`` (an int means a square) with
        anti-aliased resampling.
    max_side : int, optional
        Downscale, keeping the aspect ratio, so that the longer side is at
        most this many pixels (smaller images are left alone). A large JPEG
        is decoded at reduced size directly, which is much faster. Not
        together with ``size``.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (H, W) for grey images or (H, W, 3) for colour
        ones. Transparency is composited onto white, 16-bit greys are scaled
        to 0..255 and an EXIF rotation (phone photos) is applied.

    Raises
    ------
    FileNotFoundError
        If the path does not exist.
    ValueError
        If the file is not a readable image, is empty or is unreasonably
        large, or if ``size`` or ``max_side`` is invalid.

    Examples
    --------
    >>> path = data_dir() / "cat.png"
    >>> load_image(path, grey=True, size=224).shape
    (224, 224)
    >>> load_image(path.read_bytes(), size=(100, 150)).shape
    (100, 150, 3)
    >>> load_image(path, grey=True, max_side=200).shape
    (133, 200)
    """
    from ._validation import check_pair_of_positive_ints, check_positive_int

    target = None if size is None else check_pair_of_positive_ints(size, name="size")
    if max_side is not None:
        max_side = check_positive_int(max_side, name="max_side")
        if target is not None:
            raise ValueError("give size or max_side, not both")
    if isinstance(source, (bytes, bytearray, memoryview)):
        payload = bytes(source)
        label = "the uploaded image"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = str(path)
        if not path.exists():
            raise FileNotFoundError(f"image file {path} does not exist")
        if path.is_dir():
            raise ValueError(f"{path} is a folder, not an image file")
        try:
            payload = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read image file {path}: {exc.strerror or exc}") from exc
    else:
        raise TypeError(f"source must be a path or bytes, got {type(source).__name__}")
    if not payload:
        raise ValueError(f"{label} is empty")
    array = _decode(payload, label=label, max_side=max_side)
    if grey:
        array = to_grey(array)
    if max_side is not None and max(array.shape[:2]) > max_side:
        factor = max_side / max(array.shape[:2])
        height, width = (max(1, round(n * factor)) for n in array.shape[:2])
        target = (height, width)
    if target is not None:
        from PIL import Image

        height, width = target
        resized = Image.fromarray(array).resize((width, height), Image.Resampling.LANCZOS)
        array = np.asarray(resized, dtype=np.uint8).copy()
    return array
