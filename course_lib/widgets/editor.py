"""The kernel editor: type a 3x3 or 5x5 kernel's weights and see the result live.

Examples
--------
>>> from course_lib.widgets import kernel_editor
>>> editor = kernel_editor()
>>> editor.cells[1][1].value = 9.0
>>> float(editor.kernel[1, 1])
9.0
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import kernels
from .._validation import as_float_array
from ._filter_view import FilterView
from ._sources import MAX_UPLOAD_BYTES

SIZES = (3, 5)


def _presets_5x5() -> dict[str, np.ndarray]:
    identity = np.zeros((5, 5))
    identity[2, 2] = 1.0
    gaussian = kernels.gaussian(5, 1.0)
    return {
        "identity": identity,
        "box_blur": np.full((5, 5), 1 / 25),
        "gaussian (sigma 1)": gaussian,
        "gaussian (sigma 2)": kernels.gaussian(5, 2.0),
        "unsharp mask (2 x identity - gaussian)": 2 * identity - gaussian,
    }


def presets(size: int) -> dict[str, np.ndarray]:
    """Return the preset kernels offered for ``size`` (3 or 5), by name.

    Examples
    --------
    >>> list(presets(5))[:3]
    ['identity', 'box_blur', 'gaussian (sigma 1)']
    >>> presets(3)["sharpen"][1, 1]
    np.float64(5.0)
    """
    if size == 3:
        named = {name: kernels.get(name) for name in kernels.names()}
        return {name: kernel for name, kernel in named.items() if kernel.shape == (3, 3)}
    if size == 5:
        return _presets_5x5()
    raise ValueError(f"size must be 3 or 5, got {size!r}")


_FIRST_PRESET = {3: "sharpen", 5: "gaussian (sigma 1)"}

CUSTOM = "custom (your weights)"
"""What the preset menu shows once the weights match no preset."""


class KernelEditor(FilterView):
    """Interactive kernel editor; build it with :func:`kernel_editor`.

    Attributes
    ----------
    size_toggle : ipywidgets.ToggleButtons
        3 or 5: the kernel's side.
    preset_dropdown : ipywidgets.Dropdown
        Loads a named kernel into the grid and chooses the display its result
        needs (sharpen: clamp); shows :data:`CUSTOM` once the weights match
        no preset.
    cells : list of list of ipywidgets.FloatText
        The weights, ``cells[row][col]``.
    normalize_button : ipywidgets.Button
        Divides the weights by their sum (:func:`course_lib.kernels.normalize`).
    image_dropdown, upload, post_dropdown, original_image, result_image, status
        As in :class:`course_lib.widgets.FilterPicker`.
    kernel, result, shown
        The kernel in the grid, the raw SAME result and the displayed result.
    """

    def __init__(self, *, size=3, image="ascent", seed=None, max_upload_bytes=MAX_UPLOAD_BYTES):
        if size not in SIZES:
            raise ValueError(f"size must be 3 or 5, got {size!r}")
        super().__init__(image=image, seed=seed, max_upload_bytes=max_upload_bytes)
        self.size_toggle = widgets.ToggleButtons(options=[("3 x 3", 3), ("5 x 5", 5)], value=size)
        self.preset_dropdown = widgets.Dropdown(description="Preset", layout={"width": "330px"})
        self.normalize_button = widgets.Button(
            description="Normalise", tooltip="divide every weight by the sum of the weights"
        )
        self.preset_dropdown.add_class("course-preset-dropdown")
        self.grid = widgets.GridBox()
        self.grid.add_class("course-kernel-grid")
        self.result_image.add_class("course-editor-result-image")
        self.cells: list[list[widgets.FloatText]] = []
        self._naming_preset = False
        self._make_grid(size)
        self._load_preset(_FIRST_PRESET[size])
        self.size_toggle.observe(self._size_changed, names="value")
        self.preset_dropdown.observe(self._preset_changed, names="value")
        self.normalize_button.on_click(self._normalize_clicked)
        rows = [
            widgets.HBox([widgets.Label("Size", layout={"width": "90px"}), self.size_toggle]),
            widgets.HBox([self.preset_dropdown, self.normalize_button]),
            self.grid,
            self.post_dropdown,
        ]
        self._build(rows)

    def _make_grid(self, size: int):
        self.cells = [
            [
                widgets.FloatText(value=0.0, layout={"width": "72px"}, continuous_update=False)
                for _ in range(size)
            ]
            for _ in range(size)
        ]
        for row in self.cells:
            for cell in row:
                cell.observe(self._refresh, names="value")
        self.grid.children = [cell for row in self.cells for cell in row]
        self.grid.layout.grid_template_columns = f"repeat({size}, 76px)"
        self._naming_preset = True
        try:
            self.preset_dropdown.options = [*presets(size), CUSTOM]
        finally:
            self._naming_preset = False

    def current_kernel(self) -> np.ndarray:
        """Return the weights in the grid as a float64 array.

        Examples
        --------
        >>> KernelEditor(size=5).current_kernel().shape
        (5, 5)
        """
        return np.array([[float(cell.value) for cell in row] for row in self.cells])

    def set_kernel(self, kernel):
        """Write ``kernel`` (3x3 or 5x5) into the grid and update once.

        Examples
        --------
        >>> editor = KernelEditor()
        >>> editor.set_kernel(np.ones((5, 5)))
        >>> editor.size_toggle.value, editor.kernel.shape
        (5, (5, 5))
        """
        array = as_float_array(kernel, name="kernel", ndim=2)
        if array.shape[0] != array.shape[1] or array.shape[0] not in SIZES:
            raise ValueError(f"kernel must be 3x3 or 5x5, got shape {array.shape}")
        ready, self._ready = self._ready, False
        try:
            if self.size_toggle.value != array.shape[0]:
                self.size_toggle.value = array.shape[0]
            for row, values in zip(self.cells, array, strict=True):
                for cell, value in zip(row, values, strict=True):
                    cell.value = float(value)
        finally:
            self._ready = ready
        self._refresh()

    def update(self):
        """Name the preset the weights match (or 'custom'), then recompute and redraw."""
        self._name_preset()
        super().update()

    def _name_preset(self):
        kernel = self.current_kernel()
        name = next(
            (
                preset_name
                for preset_name, preset in presets(kernel.shape[0]).items()
                if np.allclose(preset, kernel, rtol=0.0, atol=1e-12)
            ),
            CUSTOM,
        )
        if self.preset_dropdown.value != name:
            self._naming_preset = True
            try:
                self.preset_dropdown.value = name
            finally:
                self._naming_preset = False

    def _load_preset(self, name: str):
        kernel = presets(self.size_toggle.value)[name]
        self._suggest_display(kernel)
        self.set_kernel(kernel)

    def _size_changed(self, change):
        ready, self._ready = self._ready, False
        try:
            self._make_grid(change["new"])
        finally:
            self._ready = ready
        self._load_preset(_FIRST_PRESET[change["new"]])

    def _preset_changed(self, change):
        if self._naming_preset or not self._ready or change["new"] in (None, CUSTOM):
            return
        self._load_preset(change["new"])

    def _normalize_clicked(self, button):
        kernel = self.current_kernel()
        if np.isclose(kernel.sum(), 0.0, atol=1e-12):
            self.update()
            self.status.value = self.status.value.replace(
                "updated", "the weights sum to 0, so normalising leaves them unchanged; updated"
            )
            return
        self.set_kernel(kernels.normalize(kernel))


def kernel_editor(*, size=3, image="ascent", seed=None) -> KernelEditor:
    """Return an editor for a 3x3 or 5x5 kernel with a live result.

    Type weights into the grid, load a preset (the course's named 3x3
    kernels, or Gaussians and others for 5x5), press "Normalise" to make the
    weights sum to 1, and watch the SAME-padded result next to the original.

    In a notebook cell::

        from course_lib.widgets import kernel_editor
        kernel_editor(size=5, image="cat")

    Parameters
    ----------
    size : {3, 5}
        The kernel's side to start with (switchable in the widget).
    image : {'ascent', 'mnist', 'cat', 'face', 'upload'} or array_like
    seed : int, optional
        Seed for the random MNIST digits.

    Returns
    -------
    KernelEditor
        An ``ipywidgets.VBox``.

    Examples
    --------
    >>> editor = kernel_editor()
    >>> editor.preset_dropdown.value = "box_blur_unnormalised"
    >>> editor.normalize_button.click()
    >>> round(float(editor.kernel.sum()), 12)
    1.0
    """
    return KernelEditor(size=size, image=image, seed=seed)
