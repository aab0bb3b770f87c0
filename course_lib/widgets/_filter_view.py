"""What the filter picker and the kernel editor share: apply a kernel, show both.

The view keeps the source image, the raw result and the post-processed result
as attributes, renders both pictures to PNG (see :mod:`._render`) and reports
every problem in its status line instead of raising.
"""

from __future__ import annotations

import html
import time

import ipywidgets as widgets
import numpy as np

from .. import reference
from ..display import POSTPROCESSING, for_display, suggested_postprocessing
from ._image_chooser import ImageChooser
from ._render import encode_png, kernel_table, prepare_colormaps, render_png
from ._sources import MAX_UPLOAD_BYTES
from ._status import describe_exception, status_html

IMAGE_WIDTH = "340px"
PANEL_WIDTH = "350px"

_PLACEHOLDER = encode_png(np.full((8, 8), 235, dtype=np.uint8))

RAW_PERCENTILE = 99
"""Where the limits of a raw ("none") result on its own range sit, as a percentile of its
magnitudes."""

POSTPROCESSING_LABELS = {
    "none": "none (the raw values)",
    "clamp": "clamp to 0..255",
    "relu": "ReLU (negatives to 0)",
    "abs": "absolute value",
    "rescale": "rescale min..max to 0..1",
}


def image_panel(title: str):
    """Return ``(box, caption, image)``: a picture under a two-line caption.

    The caption's height is fixed so that pictures side by side stay aligned.
    """
    caption = widgets.HTML(f"<b>{title}</b>", layout={"height": "44px"})
    image = widgets.Image(format="png", value=_PLACEHOLDER, layout={"width": IMAGE_WIDTH})
    box = widgets.VBox([caption, image], layout={"width": PANEL_WIDTH, "min_width": PANEL_WIDTH})
    return box, caption, image


class FilterView(widgets.VBox):
    """Base class: an image chooser, a kernel, a post-processing menu, two pictures.

    Subclasses build their own kernel controls, call :meth:`_build` with them
    and implement :meth:`current_kernel`.

    Attributes
    ----------
    image_dropdown, new_digit_button, upload, post_dropdown : ipywidgets
        The shared controls.
    original_image, result_image : ipywidgets.Image
        The pictures; their ``value`` is PNG bytes.
    kernel_html, status : ipywidgets.HTML
        The kernel's weights as a table; the status line.
    image : numpy.ndarray or None
        The grey uint8 image the kernel is applied to.
    kernel : numpy.ndarray or None
        The kernel applied by the last update.
    result : numpy.ndarray or None
        The raw float64 result of the last update (None after a problem).
    shown : numpy.ndarray or None
        ``result`` after the chosen post-processing, as displayed.
    last_update_seconds : float
        Time the last update took (compute and render).
    """

    def __init__(self, *, image="ascent", seed=None, max_upload_bytes=MAX_UPLOAD_BYTES):
        super().__init__()
        prepare_colormaps()
        self._ready = False
        self.chooser = ImageChooser(
            image=image, on_change=self._refresh, seed=seed, max_upload_bytes=max_upload_bytes
        )
        self.image_dropdown = self.chooser.dropdown
        self.new_digit_button = self.chooser.new_digit_button
        self.upload = self.chooser.upload
        self.post_dropdown = widgets.Dropdown(
            options=[(POSTPROCESSING_LABELS[name], name) for name in POSTPROCESSING],
            value="none",
            description="Display",
            layout={"width": "330px"},
        )
        self.post_dropdown.observe(self._refresh, names="value")
        original_box, self.original_caption, self.original_image = image_panel("Original")
        result_box, self.result_caption, self.result_image = image_panel("Result")
        self.result_caption.add_class("course-result-caption")
        self.source_note = widgets.HTML()
        self.kernel_html = widgets.HTML()
        self.status = widgets.HTML()
        # Wrapping puts the kernel under the pictures when the page is too narrow for all
        # three, instead of cutting it off at the right edge.
        self._pictures = widgets.HBox(
            [
                original_box,
                result_box,
                widgets.VBox(
                    [widgets.HTML("<b>Kernel</b>"), self.kernel_html],
                    layout={"min_width": "120px", "overflow": "auto"},
                ),
            ],
            layout={"flex_flow": "row wrap"},
        )
        self.image = None
        self.kernel = None
        self.result = None
        self.shown = None
        self.last_update_seconds = 0.0
        self._original_source = None
        self._computed = None

    def _build(self, control_rows):
        self.children = [
            self.chooser.box,
            *control_rows,
            self.status,
            self.source_note,
            self._pictures,
        ]
        self._ready = True
        self.update()

    def current_kernel(self) -> np.ndarray:
        """Return the kernel the controls describe (subclasses implement this)."""
        raise NotImplementedError

    def _refresh(self, change=None):
        if self._ready:
            self.update()

    def _suggest_display(self, kernel) -> None:
        """Choose the display this kernel's result needs, without an update of its own.

        Called when a named kernel or preset is chosen (see
        :func:`course_lib.display.suggested_postprocessing`); the caller updates.
        """
        ready, self._ready = self._ready, False
        try:
            self.post_dropdown.value = suggested_postprocessing(kernel)
        finally:
            self._ready = ready

    def update(self):
        """Recompute and redraw from the controls' current values.

        The controls call this themselves; call it after changing several
        controls programmatically if you want one explicit redraw. Problems are
        reported in :attr:`status`, never raised.
        """
        started = time.perf_counter()
        messages = []
        try:
            self._update(messages)
        except Exception as exc:  # noqa: BLE001 - shown to the user instead of a traceback
            self._clear_result()
            messages = [("error", describe_exception(exc))]
        self.last_update_seconds = time.perf_counter() - started
        kind = "ok"
        for candidate in ("info", "warning", "error"):
            if any(k == candidate for k, _ in messages):
                kind = candidate
        text = "; ".join(m for _, m in messages) or (
            f"updated in {self.last_update_seconds * 1000:.0f} ms"
        )
        self.status.value = status_html(kind, text)

    def _clear_result(self):
        self.result = None
        self.shown = None
        self.result_image.value = _PLACEHOLDER
        self.result_caption.value = "<b>Result</b>: none"

    def _show_original(self, source: np.ndarray, label: str):
        self.source_note.value = f"<small>Image: {html.escape(label)}</small>"
        if self._original_source is not source:
            png, caption = render_png(source)
            self.original_image.value = png
            self._original_source = source
            self.original_caption.value = (
                f"<b>Original</b> {source.shape[0]} x {source.shape[1]}<br><small>{caption}</small>"
            )

    def _input_region(self, image: np.ndarray, kernel: np.ndarray, messages) -> np.ndarray:
        """Return the part of ``image`` to filter (subclasses may crop)."""
        return image

    def _compute(self, source: np.ndarray, kernel: np.ndarray, messages) -> np.ndarray | None:
        return reference.correlate2d(source, kernel, padding="same")

    def _region_key(self):
        """What besides the image and the kernel decides the input (subclasses extend)."""
        return None

    def _cached_compute(self, source, kernel, messages):
        # A display-only change must not recompute: with a student's loop-based
        # convolve that would cost seconds.
        key = (kernel.shape, kernel.tobytes(), self._region_key())
        if self._computed is not None:
            image, cached_key, result, cached_messages = self._computed
            if image is self.image and cached_key == key:
                messages.extend(cached_messages)
                return result
        own_messages = []
        result = self._compute(source, kernel, own_messages)
        self._computed = (self.image, key, result, own_messages)
        messages.extend(own_messages)
        return result

    def _update(self, messages):
        self.image = self.chooser.image
        if self.chooser.error:
            messages.append(("error", self.chooser.error))
        # The kernel shown always follows the controls, with or without an image.
        kernel = self.current_kernel()
        self.kernel = kernel
        self.kernel_html.value = kernel_table(kernel)
        if self.image is None:
            self._original_source = None
            self.original_image.value = _PLACEHOLDER
            self.original_caption.value = "<b>Original</b>: none"
            self.source_note.value = ""
            self._clear_result()
            return
        source = self._input_region(self.image, kernel, messages)
        self._show_original(source, self.chooser.note)
        result = self._cached_compute(source, kernel, messages)
        if result is None:
            self._clear_result()
            return
        self.result = result
        self.shown = for_display(result, self.post_dropdown.value)
        # Raw values of an edge filter run to several hundred at a few pixels; limits at the
        # 99th percentile (as the notebook's own figures) keep the rest of the map readable.
        raw = self.post_dropdown.value == "none"
        png, caption = render_png(self.shown, percentile=RAW_PERCENTILE if raw else None)
        self.result_image.value = png
        self.result_caption.value = (
            f"<b>Result</b> {result.shape[0]} x {result.shape[1]}<br>"
            f"<small>display '{self.post_dropdown.value}': {caption}</small>"
        )
