"""The pooling explorer: max or average pooling with any window size and stride.

Examples
--------
>>> from course_lib.widgets import pooling_explorer
>>> explorer = pooling_explorer()
>>> explorer.result.shape
(256, 256)
"""

from __future__ import annotations

import html
import time

import ipywidgets as widgets
import numpy as np  # noqa: F401  (used by the doctests)

from .. import reference
from ._filter_view import _PLACEHOLDER, image_panel
from ._image_chooser import ImageChooser
from ._render import render_png
from ._sources import MAX_UPLOAD_PIXELS
from ._status import describe_exception, status_html

MODES = ("max", "average")


class PoolingExplorer(widgets.VBox):
    """Interactive pooling explorer; build it with :func:`pooling_explorer`.

    Attributes
    ----------
    image_dropdown, new_digit_button, upload : ipywidgets
        The image source, as in :class:`course_lib.widgets.FilterPicker`.
    size_slider, stride_slider : ipywidgets.IntSlider
        Window side and step between windows.
    mode_toggle : ipywidgets.ToggleButtons
        'max' or 'average'.
    input_image, output_image : ipywidgets.Image
        The pictures (PNG bytes in ``value``); both are drawn at the same
        width, so the pooled pixels look as big as the windows they summarise.
    input_caption, output_caption, formula, status : ipywidgets.HTML
        Shapes, the output-size formula worked out, the status line.
    image : numpy.ndarray or None
        The grey uint8 input.
    result : numpy.ndarray or None
        The pooled float64 output (None after a problem).
    last_update_seconds : float
    """

    def __init__(
        self,
        *,
        image="ascent",
        size=2,
        stride=2,
        mode="max",
        seed=None,
        max_upload_pixels=MAX_UPLOAD_PIXELS,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
        super().__init__()
        self._ready = False
        self.chooser = ImageChooser(
            image=image, on_change=self._refresh, seed=seed, max_upload_pixels=max_upload_pixels
        )
        self.image_dropdown = self.chooser.dropdown
        self.new_digit_button = self.chooser.new_digit_button
        self.upload = self.chooser.upload
        self.size_slider = widgets.IntSlider(value=size, min=1, max=16, description="size")
        self.stride_slider = widgets.IntSlider(value=stride, min=1, max=16, description="stride")
        self.mode_toggle = widgets.ToggleButtons(options=MODES, value=mode)
        for control in (self.size_slider, self.stride_slider, self.mode_toggle):
            control.observe(self._refresh, names="value")
        input_box, self.input_caption, self.input_image = image_panel("Input")
        output_box, self.output_caption, self.output_image = image_panel("Pooled")
        self.output_image.add_class("course-pooled-image")
        self.status = widgets.HTML()
        self.source_note = widgets.HTML()
        self.formula = widgets.HTML()
        self.image = None
        self.result = None
        self.last_update_seconds = 0.0
        self._input_source = None
        self.children = [
            self.chooser.box,
            widgets.HBox([self.size_slider, self.stride_slider]),
            widgets.HBox([widgets.Label("Pooling", layout={"width": "90px"}), self.mode_toggle]),
            self.status,
            self.source_note,
            widgets.HBox([input_box, output_box]),
            self.formula,
        ]
        self._ready = True
        self.update()

    def _refresh(self, change=None):
        if self._ready:
            self.update()

    def update(self):
        """Recompute and redraw; problems go to :attr:`status`, never raised."""
        started = time.perf_counter()
        try:
            kind, message = self._update()
        except Exception as exc:  # noqa: BLE001 - shown to the user instead of a traceback
            self._clear_output()
            kind, message = "error", describe_exception(exc)
        self.last_update_seconds = time.perf_counter() - started
        if kind == "ok":
            message = f"{message}; updated in {self.last_update_seconds * 1000:.0f} ms"
        self.status.value = status_html(kind, message)

    def _clear_output(self):
        self.result = None
        self.output_image.value = _PLACEHOLDER
        self.output_caption.value = "<b>Pooled</b>: none"
        self.formula.value = ""

    def _update(self):
        self.image = self.chooser.image
        if self.image is None:
            self._input_source = None
            self.input_image.value = _PLACEHOLDER
            self.input_caption.value = "<b>Input</b>: none"
            self.source_note.value = ""
            self._clear_output()
            return "error", self.chooser.error or "no image"
        if self._input_source is not self.image:
            png, caption = render_png(self.image)
            self.input_image.value = png
            self._input_source = self.image
            self.input_caption.value = (
                f"<b>Input</b> shape {self.image.shape}<br><small>{caption}</small>"
            )
        self.source_note.value = f"<small>Image: {html.escape(self.chooser.note)}</small>"
        size, stride, mode = (
            self.size_slider.value,
            self.stride_slider.value,
            self.mode_toggle.value,
        )
        pool = reference.max_pool if mode == "max" else reference.avg_pool
        self.result = pool(self.image, size, stride=stride)
        png, caption = render_png(self.result)
        self.output_image.value = png
        rows, cols = self.image.shape
        self.output_caption.value = (
            f"<b>Pooled</b> shape {self.result.shape}<br>"
            f"<small>{mode}, size {size}, stride {stride}; {caption}</small>"
        )
        self.formula.value = (
            "<small>Output size per axis: floor((n - size) / stride) + 1, so "
            f"floor(({rows} - {size}) / {stride}) + 1 = {self.result.shape[0]} rows and "
            f"floor(({cols} - {size}) / {stride}) + 1 = {self.result.shape[1]} columns "
            "(a remainder that does not fill a window is dropped)</small>"
        )
        note = "overlapping windows" if stride < size else "non-overlapping windows"
        if stride > size:
            note = "stride larger than size: some pixels are never looked at"
        return "ok", note


def pooling_explorer(*, image="ascent", size=2, stride=2, mode="max", seed=None):
    """Return an explorer for max and average pooling.

    Move the size and stride sliders and switch between max and average
    pooling; the input and the pooled output are shown with their shapes
    and the output-size formula (TensorFlow's VALID rule: a remainder that
    does not fill a window is dropped).

    In a notebook cell::

        from course_lib.widgets import pooling_explorer
        pooling_explorer(image="mnist")

    Parameters
    ----------
    image : {'ascent', 'mnist', 'cat', 'face', 'upload'} or array_like
    size, stride : int
        Starting window side and step (both switchable in the widget).
    mode : {'max', 'average'}
    seed : int, optional
        Seed for the random MNIST digits.

    Returns
    -------
    PoolingExplorer
        An ``ipywidgets.VBox``.

    Examples
    --------
    >>> explorer = pooling_explorer(image="mnist", seed=1)
    >>> explorer.size_slider.value, explorer.stride_slider.value = 3, 2
    >>> explorer.result.shape
    (13, 13)
    >>> tiny = pooling_explorer(image=np.zeros((4, 6), dtype=np.uint8))
    >>> tiny.size_slider.value = 5
    >>> tiny.result is None, "larger than the image" in tiny.status.value
    (True, True)
    """
    return PoolingExplorer(image=image, size=size, stride=stride, mode=mode, seed=seed)
