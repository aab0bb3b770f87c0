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
from ._render import display_pixels, encode_pixels
from ._sources import MAX_UPLOAD_BYTES
from ._status import describe_exception, status_html
from ._windows import mark_region, pooled_cells, window_block, windows_on_input

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
        The whole input, with the enlarged part outlined in yellow, and the
        whole pooled output (PNG bytes in ``value``); both are drawn at the
        same width, so the pooled pixels look as big as the windows they
        summarise.
    windows_image, cells_image : ipywidgets.Image
        The windows drawn on the input: a block of windows where the pooled
        result varies most, enlarged, each outlined (neighbours in different
        colours);
        and the pooled values of the same windows, each outlined in its
        window's colour.
    block : WindowBlock or None
        Which windows the enlarged pictures show.
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
        max_upload_bytes=MAX_UPLOAD_BYTES,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
        super().__init__()
        self._ready = False
        self.chooser = ImageChooser(
            image=image, on_change=self._refresh, seed=seed, max_upload_bytes=max_upload_bytes
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
        windows_box, self.windows_caption, self.windows_image = image_panel("Windows")
        cells_box, self.cells_caption, self.cells_image = image_panel("Pooled values")
        self.output_image.add_class("course-pooled-image")
        self.windows_image.add_class("course-windows-image")
        self.status = widgets.HTML()
        self.source_note = widgets.HTML()
        self.formula = widgets.HTML()
        self.image = None
        self.result = None
        self.block = None
        self.last_update_seconds = 0.0
        wrapping = {"flex_flow": "row wrap"}
        self.children = [
            self.chooser.box,
            widgets.HBox([self.size_slider, self.stride_slider]),
            widgets.HBox([widgets.Label("Pooling", layout={"width": "90px"}), self.mode_toggle]),
            self.status,
            self.source_note,
            widgets.HBox([input_box, output_box], layout=wrapping),
            self.formula,
            widgets.HBox([windows_box, cells_box], layout=wrapping),
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
        self.block = None
        for picture, caption, title in (
            (self.output_image, self.output_caption, "Pooled"),
            (self.windows_image, self.windows_caption, "Windows"),
            (self.cells_image, self.cells_caption, "Pooled values"),
        ):
            picture.value = _PLACEHOLDER
            caption.value = f"<b>{title}</b>: none"
        self.formula.value = ""

    def _update(self):
        self.image = self.chooser.image
        if self.image is None:
            self.input_image.value = _PLACEHOLDER
            self.input_caption.value = "<b>Input</b>: none"
            self.source_note.value = ""
            self._clear_output()
            return "error", self.chooser.error or "no image"
        self.source_note.value = f"<small>Image: {html.escape(self.chooser.note)}</small>"
        size, stride, mode = (
            self.size_slider.value,
            self.stride_slider.value,
            self.mode_toggle.value,
        )
        pool = reference.max_pool if mode == "max" else reference.avg_pool
        self.result = pool(self.image, size, stride=stride)
        self.block = window_block(self.image.shape, size=size, stride=stride, pooled=self.result)
        self._draw_input()
        self._draw_output(mode, size, stride)
        self._draw_windows()
        rows, cols = self.image.shape
        out_rows, out_cols = self.result.shape
        self.formula.value = (
            "<small>Output size per axis: floor((n - size) / stride) + 1, so "
            f"floor(({rows} - {size}) / {stride}) + 1 = {_count(out_rows, 'row')} and "
            f"floor(({cols} - {size}) / {stride}) + 1 = {_count(out_cols, 'column')} "
            "(a remainder that does not fill a window is dropped)</small>"
        )
        note = "overlapping windows" if stride < size else "non-overlapping windows"
        if stride > size:
            note = "stride larger than size: some pixels are never looked at"
        return "ok", note


    def _draw_input(self):
        pixels, zoom, caption = display_pixels(self.image)
        block = self.block
        whole = block.span == self.image.shape
        picture = pixels if whole else mark_region(pixels, block, zoom=zoom)
        self.input_image.value = encode_pixels(picture)
        where = "" if whole else "; the part enlarged below is outlined in yellow"
        self.input_caption.value = (
            f"<b>Input</b> shape {self.image.shape}<br><small>{caption}{where}</small>"
        )

    def _draw_output(self, mode, size, stride):
        pixels, _, caption = display_pixels(self.result)
        self.output_image.value = encode_pixels(pixels)
        self.output_caption.value = (
            f"<b>Pooled</b> shape {self.result.shape}<br>"
            f"<small>{mode}, size {size}, stride {stride}; {caption}</small>"
        )

    def _draw_windows(self):
        block = self.block
        (rows, cols), (row, col) = block.count, block.top_left
        self.windows_image.value = encode_pixels(windows_on_input(self.image, block))
        self.windows_caption.value = (
            "<b>Windows on the input</b>, enlarged<br><small>"
            f"{_count(rows * cols, 'window')} of size {block.size}, every {block.stride} px, "
            f"from row {row}, column {col}</small>"
        )
        values, _, _ = display_pixels(self.result, min_side=1)
        self.cells_image.value = encode_pixels(pooled_cells(values, block))
        first_row, first_col = block.first
        self.cells_caption.value = (
            "<b>Their pooled values</b>, enlarged<br><small>"
            f"out[{first_row}:{first_row + rows}, {first_col}:{first_col + cols}], "
            "each in its window's colour</small>"
        )


def _count(number: int, noun: str) -> str:
    """``'1 row'``, ``'255 rows'``."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def pooling_explorer(*, image="ascent", size=2, stride=2, mode="max", seed=None):
    """Return an explorer for max and average pooling.

    Move the size and stride sliders and switch between max and average
    pooling; the input and the pooled output are shown with their shapes
    and the output-size formula (TensorFlow's VALID rule: a remainder that
    does not fill a window is dropped). Below them, the windows are drawn on
    an enlarged part of the input, next to the pooled values they give.

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
