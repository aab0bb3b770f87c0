"""The image menu shared by the widgets: bundled images, a digit, an upload.

Examples
--------
>>> chooser = ImageChooser(image="cat", on_change=lambda: None)
>>> chooser.image.shape, "luma" in chooser.note
((300, 451), True)
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np

from .. import data
from ._sources import (
    LUMA_NOTE,
    MAX_SIDE,
    MAX_UPLOAD_BYTES,
    SOURCE_LABELS,
    SOURCES,
    UploadError,
    bundled_grey,
    decode_upload,
    mnist_count,
    mnist_digit,
    shrink_to_fit,
)


class ImageChooser:
    """A dropdown of image sources, a "New digit" button and a file upload.

    Parameters
    ----------
    image : str or array_like
        'ascent', 'mnist', 'cat', 'face' or 'upload', or your own 2-D (grey)
        or (H, W, 3) (colour) array.
    on_change : callable
        Called with no arguments after the image has changed.
    seed : int, optional
        Seed for picking random MNIST digits (reproducible tests).
    max_upload_bytes : int
        Larger files are refused with a message; larger pictures are
        downscaled to 1024 pixels on their longer side, with a note.

    Attributes
    ----------
    dropdown, new_digit_button, upload : ipywidgets
        The controls; ``box`` holds them in a row.
    image : numpy.ndarray or None
        The current grey uint8 image, or None when there is none (e.g. an
        unreadable upload); ``error`` then says why.
    note : str
        Where the image came from and what was done to it.
    digit_index : int or None
        Index of the MNIST test digit shown.
    """

    def __init__(
        self,
        *,
        image="ascent",
        on_change: Callable[[], None],
        seed=None,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
    ):
        self._on_change = on_change
        self._rng = np.random.default_rng(seed)
        self._max_upload_bytes = max_upload_bytes
        self._array = None
        options = [(SOURCE_LABELS[name], name) for name in SOURCES]
        if isinstance(image, str):
            if image not in SOURCES:
                listed = ", ".join(repr(s) for s in SOURCES)
                raise ValueError(
                    f"unknown image {image!r}; choose one of {listed} or pass an array"
                )
            start = image
        else:
            self._array = self._checked_array(image)
            options.insert(0, (SOURCE_LABELS["array"], "array"))
            start = "array"
        self.dropdown = widgets.Dropdown(
            options=options, value=start, description="Image", layout={"width": "320px"}
        )
        self.new_digit_button = widgets.Button(
            description="New digit", tooltip="show another random MNIST digit", icon="refresh"
        )
        self.upload = widgets.FileUpload(
            accept="image/*", multiple=False, description="Upload image"
        )
        self.upload.add_class("course-upload")
        self.upload_hint = widgets.HTML(
            f"<small>PNG or JPEG, up to {max_upload_bytes / 1e6:.0f} MB; large photos are "
            f"downscaled to {MAX_SIDE} px</small>"
        )
        self.box = widgets.HBox(
            [self.dropdown, self.new_digit_button, self.upload, self.upload_hint],
            layout={"flex_flow": "row wrap", "align_items": "center"},
        )
        self.image = None
        self.note = ""
        self.error = None
        self.digit_index = None
        self._new_digit()
        self._load()
        self.dropdown.observe(self._source_changed, names="value")
        self.new_digit_button.on_click(self._new_digit_clicked)
        self.upload.observe(self._uploaded, names="value")

    @staticmethod
    def _checked_array(image) -> np.ndarray:
        array = np.asarray(image)
        if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
            raise ValueError(f"image must have shape (H, W) or (H, W, 3), got {array.shape}")
        if array.size == 0:
            raise ValueError(f"image must not be empty, got shape {array.shape}")
        grey = data.to_grey(array)
        if grey.dtype != np.uint8:
            grey = np.clip(np.rint(grey.astype(np.float64)), 0, 255).astype(np.uint8)
        return shrink_to_fit(grey)

    def _new_digit(self):
        self.digit_index = int(self._rng.integers(mnist_count()))

    def _load(self):
        source = self.dropdown.value
        self.new_digit_button.layout.display = "" if source == "mnist" else "none"
        self.image, self.error = None, None
        if source == "array":
            self.image, self.note = self._array, "your array (grey, uint8)"
        elif source == "mnist":
            digit, label = mnist_digit(self.digit_index)
            self.image = digit
            self.note = f"MNIST test digit #{self.digit_index}, label {label}"
        elif source == "upload":
            try:
                self.image, self.note = decode_upload(
                    self.upload.value, max_bytes=self._max_upload_bytes
                )
            except UploadError as exc:
                self.error, self.note = str(exc), "upload"
        else:
            self.image = bundled_grey(source)
            shape = f"{self.image.shape[0]} x {self.image.shape[1]}"
            self.note = f"{source} {shape}" + ("" if source == "ascent" else f", {LUMA_NOTE}")

    def _source_changed(self, change):
        self._load()
        self._on_change()

    def _new_digit_clicked(self, button):
        self._new_digit()
        if self.dropdown.value == "mnist":
            self._load()
            self._on_change()

    def _uploaded(self, change):
        if self.dropdown.value == "upload":
            self._load()
            self._on_change()
        else:
            # Switching the menu reloads through _source_changed, exactly once.
            self.dropdown.value = "upload"
