"""The filter picker: choose an image, a named kernel and how to display the result.

Examples
--------
>>> from course_lib.widgets import filter_picker
>>> picker = filter_picker()
>>> picker.kernel_dropdown.value = "sobel_right"
>>> picker.result.shape
(512, 512)
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import kernels, reference
from ._filter_view import FilterView
from ._sources import MAX_UPLOAD_BYTES, shrink_to_fit
from ._status import describe_exception

STUDENT_MAX_PIXELS = 128 * 128
"""Above this many pixels a student's loop-based convolve is given a smaller copy
by default, because Python loops over a 512 x 512 image take many seconds."""

STUDENT_SIDE = 128

REGIONS = {
    "crop": f"centre crop {STUDENT_SIDE} x {STUDENT_SIDE}",
    "downscale": f"downscaled to {STUDENT_SIDE} px",
    "full": "full image (slow with loops)",
}


class FilterPicker(FilterView):
    """Interactive filter picker; build it with :func:`filter_picker`.

    Attributes
    ----------
    image_dropdown, new_digit_button, upload : ipywidgets
        Image source, another random digit, your own file.
    kernel_dropdown : ipywidgets.Dropdown
        A name from :func:`course_lib.kernels.names` or ``"gaussian"``;
        choosing one also sets ``post_dropdown`` to the display its result
        needs (:func:`course_lib.display.suggested_postprocessing`).
    gaussian_size, gaussian_sigma : ipywidgets sliders
        Shown only when ``"gaussian"`` is chosen.
    post_dropdown : ipywidgets.Dropdown
        One of :data:`course_lib.display.POSTPROCESSING`.
    region_dropdown : ipywidgets.Dropdown
        With a student ``convolve`` only: crop, downscale or the full image.
    original_image, result_image : ipywidgets.Image
        The two pictures (PNG bytes in ``value``).
    kernel_html, status : ipywidgets.HTML
        The kernel's weights; the status line (problems appear here).
    image, kernel, result, shown
        The grey source image, the kernel, the raw result and the result
        as displayed (see :class:`FilterView`).
    """

    def __init__(
        self,
        *,
        convolve=None,
        image="ascent",
        seed=None,
        max_upload_bytes=MAX_UPLOAD_BYTES,
        student_max_pixels=STUDENT_MAX_PIXELS,
    ):
        if convolve is not None and not callable(convolve):
            raise TypeError(f"convolve must be a function, got {type(convolve).__name__}")
        super().__init__(image=image, seed=seed, max_upload_bytes=max_upload_bytes)
        self.convolve = convolve
        self._student_max_pixels = student_max_pixels
        self.kernel_dropdown = widgets.Dropdown(
            options=[*kernels.names(), "gaussian"], value="identity", description="Kernel"
        )
        self.kernel_dropdown.add_class("course-kernel-dropdown")
        self.result_image.add_class("course-result-image")
        self.original_image.add_class("course-original-image")
        self.kernel_description = widgets.HTML()
        self.gaussian_size = widgets.IntSlider(
            value=5, min=3, max=31, step=2, description="size", continuous_update=False
        )
        self.gaussian_sigma = widgets.FloatSlider(
            value=1.0, min=0.2, max=10.0, step=0.1, description="sigma", continuous_update=False
        )
        self.gaussian_box = widgets.HBox([self.gaussian_size, self.gaussian_sigma])
        self.region_dropdown = widgets.Dropdown(
            options=[(label, key) for key, label in REGIONS.items()],
            value="crop",
            description="Work on",
            layout={"width": "330px", "display": "" if convolve is not None else "none"},
        )
        self.kernel_dropdown.observe(self._kernel_chosen, names="value")
        for control in (self.gaussian_size, self.gaussian_sigma, self.region_dropdown):
            control.observe(self._refresh, names="value")
        rows = [
            widgets.HBox([self.kernel_dropdown, self.kernel_description]),
            self.gaussian_box,
            widgets.HBox([self.post_dropdown, self.region_dropdown]),
        ]
        self._build(rows)

    def current_kernel(self) -> np.ndarray:
        """Return the chosen kernel (a Gaussian from the sliders when 'gaussian').

        Examples
        --------
        >>> picker = FilterPicker()
        >>> picker.kernel_dropdown.value = "gaussian"
        >>> picker.current_kernel().shape
        (5, 5)
        """
        name = self.kernel_dropdown.value
        gaussian = name == "gaussian"
        self.gaussian_box.layout.display = "" if gaussian else "none"
        if gaussian:
            self.kernel_description.value = (
                f"<small>sampled Gaussian, sigma {self.gaussian_sigma.value:g}, normalised</small>"
            )
            return kernels.gaussian(self.gaussian_size.value, float(self.gaussian_sigma.value))
        self.kernel_description.value = f"<small>{kernels.describe(name)}</small>"
        return kernels.get(name)

    def _kernel_chosen(self, change):
        # A new kernel also gets the display its result needs (sharpen: clamp).
        self._suggest_display(self.current_kernel())
        self._refresh()

    def _region_key(self):
        return self.region_dropdown.value if self.convolve is not None else None

    def _input_region(self, image, kernel, messages):
        if self.convolve is None or image.size <= self._student_max_pixels:
            return image
        region = self.region_dropdown.value
        height, width = image.shape
        if region != "full":
            messages.append(
                (
                    "info",
                    f"your convolve works on the {REGIONS[region]} copy of the {height} x {width} "
                    "image because loops are slow (choose 'full image' in 'Work on' to change)",
                )
            )
        if region == "crop":
            top = max(0, (height - STUDENT_SIDE) // 2)
            left = max(0, (width - STUDENT_SIDE) // 2)
            return image[top : top + STUDENT_SIDE, left : left + STUDENT_SIDE]
        if region == "downscale":
            return shrink_to_fit(np.ascontiguousarray(image), max_side=STUDENT_SIDE)
        messages.append(
            (
                "warning",
                f"your convolve on the full {height} x {width} image ({image.size:,} pixels); "
                "with Python loops this can take a minute: choose a crop to stay interactive",
            )
        )
        return image

    def _compute(self, source, kernel, messages):
        if self.convolve is None:
            return reference.correlate2d(source, kernel, padding="same")
        return self._student_result(source, kernel, messages)

    def _student_result(self, source, kernel, messages):
        expected = (source.shape[0] - kernel.shape[0] + 1, source.shape[1] - kernel.shape[1] + 1)
        if min(expected) < 1:
            messages.append(
                ("error", f"kernel {kernel.shape} is larger than the image {source.shape}")
            )
            return None
        try:
            output = self.convolve(source.copy(), kernel.copy())
        except Exception as exc:  # noqa: BLE001 - a student's bug is reported, not raised
            messages.append(("error", f"your convolve raised {describe_exception(exc)}"))
            return None
        try:
            result = np.array(output, dtype=np.float64)
        except (TypeError, ValueError):
            messages.append(
                ("error", f"your convolve returned {type(output).__name__}, not a numeric array")
            )
            return None
        if result.shape != expected:
            messages.append(
                (
                    "error",
                    f"your convolve returned shape {result.shape}; VALID cross-correlation of "
                    f"{source.shape} with {kernel.shape} gives {expected}",
                )
            )
            return None
        if not np.isfinite(result).all():
            messages.append(("error", "your convolve returned NaN or infinite values"))
            return None
        truth = reference.correlate2d(source, kernel)
        difference = float(np.max(np.abs(result - truth)))
        if difference <= 1e-6 * max(1.0, float(np.max(np.abs(truth)))):
            messages.append(
                (
                    "ok",
                    f"your convolve (VALID, {expected[0]} x {expected[1]}) "
                    "matches the course reference",
                )
            )
        else:
            messages.append(
                (
                    "warning",
                    f"your convolve differs from the course reference by up to {difference:.4g}",
                )
            )
        return result


def filter_picker(*, convolve=None, image="ascent", seed=None) -> FilterPicker:
    """Return an interactive filter picker for a notebook.

    Choose an image (ascent, a random MNIST digit, the cat or the face, which
    are converted to grey with the luma weights, or your own uploaded file),
    a named kernel or a Gaussian of any size and sigma, and how to display
    the result. The original and the result are shown side by side, with the
    kernel's weights.

    In a notebook cell::

        from course_lib.widgets import filter_picker
        filter_picker()                      # the course's reference filter
        filter_picker(convolve=convolve)     # your own VALID convolve(image, kernel)

    With your own ``convolve`` the result is its VALID output, checked for
    shape and compared with the course reference; a large image is cropped
    to 128 x 128 by default because loops are slow. Errors in your function
    appear in the widget's status line.

    Parameters
    ----------
    convolve : callable, optional
        ``convolve(image, kernel) -> array`` of shape
        ``(H - kh + 1, W - kw + 1)``; the reference is used when omitted.
    image : {'ascent', 'mnist', 'cat', 'face', 'upload'} or array_like
        The image shown first.
    seed : int, optional
        Seed for the random MNIST digits.

    Returns
    -------
    FilterPicker
        An ``ipywidgets.VBox``; the last expression of a cell displays it.

    Examples
    --------
    >>> from course_lib import reference, kernels
    >>> picker = filter_picker(image="mnist", seed=0)
    >>> picker.kernel_dropdown.value = "laplacian"
    >>> expected = reference.correlate2d(picker.image, kernels.get("laplacian"), padding="same")
    >>> bool(np.array_equal(picker.result, expected))
    True
    >>> mine = filter_picker(convolve=lambda image, kernel: image[1:-1, 1:-1] * 1.0)
    >>> mine.result.shape
    (126, 126)
    """
    return FilterPicker(convolve=convolve, image=image, seed=seed)
