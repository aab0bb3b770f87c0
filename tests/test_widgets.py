"""Tests for course_lib.widgets: every control driven from Python, pictures checked."""

from __future__ import annotations

import datetime
import io

import numpy as np
import pytest
from answers import CORRECT, define
from PIL import Image

from course_lib import data, kernels, reference
from course_lib.display import POSTPROCESSING, display_limits, for_display
from course_lib.widgets import (
    FilterPicker,
    KernelEditor,
    PoolingExplorer,
    filter_picker,
    kernel_editor,
    pooling_explorer,
)
from course_lib.widgets._filter_view import RAW_PERCENTILE
from course_lib.widgets._render import to_pixels
from course_lib.widgets._windows import WINDOW_COLOURS, window_block
from course_lib.widgets.editor import CUSTOM


def _png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload_value(payload: bytes, name: str = "mine.png") -> tuple[dict, ...]:
    """A FileUpload.value exactly as ipywidgets 8 fills it from the browser."""
    return (
        {
            "name": name,
            "type": "image/png",
            "size": len(payload),
            "content": memoryview(payload),
            "last_modified": datetime.datetime.now(datetime.UTC),
        },
    )


def _decoded(image_widget) -> np.ndarray:
    """The picture a browser would show: palette PNGs resolved to RGB."""
    with Image.open(io.BytesIO(bytes(image_widget.value))) as opened:
        if opened.mode == "P":
            return np.asarray(opened.convert("RGB"))
        return np.asarray(opened).copy()


def _status_kind(widget) -> str:
    for kind in ("ok", "info", "warning", "error"):
        if f"course-status-{kind}" in widget.status.value:
            return kind
    raise AssertionError(f"no status line: {widget.status.value!r}")


def _same(image, kernel) -> np.ndarray:
    return reference.correlate2d(np.asarray(image, dtype=np.float64), kernel, padding="same")


loop_convolve = define(CORRECT["convolve"], "convolve")
"""A student's loop-based VALID cross-correlation, as notebook 01 asks for."""


# Filter picker ----------------------------------------------------------------


def test_picker_starts_with_identity_on_ascent():
    """The first view is ascent with the identity kernel: the result equals the image."""
    picker = filter_picker()
    assert isinstance(picker, FilterPicker)
    assert picker.image.shape == (512, 512)
    assert np.array_equal(picker.image, data.ascent())
    assert np.array_equal(picker.result, data.ascent().astype(np.float64))
    assert _status_kind(picker) == "ok"


def test_picker_kernel_change_recomputes_and_redraws():
    """Choosing sobel_right gives the reference SAME result and a different picture."""
    picker = filter_picker()
    before_png = bytes(picker.result_image.value)
    picker.kernel_dropdown.value = "sobel_right"
    assert np.array_equal(picker.kernel, kernels.get("sobel_right"))
    expected = _same(data.ascent(), kernels.get("sobel_right"))
    np.testing.assert_array_equal(picker.result, expected)
    assert bytes(picker.result_image.value) != before_png
    assert "-1" in picker.kernel_html.value and "<table" in picker.kernel_html.value


def test_picker_picture_shows_signed_result_with_symmetric_diverging_limits():
    """The PNG holds exactly the diverging-colormap pixels for symmetric limits."""
    picker = filter_picker()
    picker.kernel_dropdown.value = "laplacian"
    vmin, vmax, cmap = display_limits(picker.shown, percentile=RAW_PERCENTILE)
    assert cmap == "RdBu_r" and vmin == -vmax
    expected = to_pixels(picker.shown, vmin=vmin, vmax=vmax, cmap=cmap)
    np.testing.assert_array_equal(_decoded(picker.result_image), expected)
    assert "RdBu_r" in picker.result_caption.value


def test_picker_raw_edge_map_is_not_washed_out_by_its_extremes():
    """Sobel's raw values reach ~970 at a few pixels; the limits sit at the 99th percentile
    of the magnitudes, so most of the map is visibly coloured, and the caption says so."""
    picker = filter_picker()
    picker.kernel_dropdown.value = "sobel_right"
    assert picker.post_dropdown.value == "none"
    magnitudes = np.abs(picker.shown)
    _, vmax, _ = display_limits(picker.shown, percentile=RAW_PERCENTILE)
    assert vmax == pytest.approx(np.percentile(magnitudes, RAW_PERCENTILE), rel=0.01)
    assert vmax < 0.6 * magnitudes.max()
    assert "99th percentile" in picker.result_caption.value


@pytest.mark.parametrize("how", POSTPROCESSING)
def test_picker_postprocessing_is_what_is_shown(how):
    """Every post-processing option yields for_display(result, how) in grey or diverging."""
    picker = filter_picker()
    picker.kernel_dropdown.value = "outline"
    picker.post_dropdown.value = how
    np.testing.assert_array_equal(picker.shown, for_display(picker.result, how))
    vmin, vmax, cmap = display_limits(
        picker.shown, percentile=RAW_PERCENTILE if how == "none" else None
    )
    picture = _decoded(picker.result_image)
    assert picture.ndim == (3 if how == "none" else 2)
    np.testing.assert_array_equal(picture, to_pixels(picker.shown, vmin=vmin, vmax=vmax, cmap=cmap))


@pytest.mark.parametrize(
    ("name", "how"),
    [("sharpen", "clamp"), ("emboss", "clamp"), ("laplacian", "none"), ("box_blur", "none"),
     ("gaussian", "none")],
)
def test_picker_choosing_a_kernel_chooses_its_display(name, how):
    """Sharpen and emboss are clamped, edges stay signed, blurs are images; one update only."""
    picker = filter_picker()
    picker.post_dropdown.value = "abs"
    picker.kernel_dropdown.value = name
    assert picker.post_dropdown.value == how
    np.testing.assert_array_equal(picker.shown, for_display(picker.result, how))
    picker.post_dropdown.value = "rescale"  # still the reader's choice afterwards
    assert picker.post_dropdown.value == "rescale" and picker.shown.max() == 1.0


def test_picker_large_kernel_is_drawn_not_tabled():
    """A 21 x 21 Gaussian is shown as a small picture with its shape and sum, a 5 x 5 as a table."""
    picker = filter_picker()
    picker.kernel_dropdown.value = "gaussian"
    picker.gaussian_size.value = 5
    assert picker.kernel_html.value.count("<td") == 25
    picker.gaussian_size.value = 21
    assert "<td" not in picker.kernel_html.value
    assert "data:image/png;base64," in picker.kernel_html.value
    assert "21 x 21, sum 1" in picker.kernel_html.value
    peak = float(kernels.gaussian(21, 1.0).max())
    assert f"grey, 0 .. {peak:.4g}" in picker.kernel_html.value  # on its own range


def test_picker_gaussian_sliders_appear_only_for_gaussian():
    """The size and sigma sliders are hidden until 'gaussian' is chosen, then drive the kernel."""
    picker = filter_picker()
    assert picker.gaussian_box.layout.display == "none"
    picker.kernel_dropdown.value = "gaussian"
    assert picker.gaussian_box.layout.display == ""
    picker.gaussian_size.value = 7
    picker.gaussian_sigma.value = 2.5
    np.testing.assert_allclose(picker.kernel, kernels.gaussian(7, 2.5))
    np.testing.assert_array_equal(picker.result, _same(data.ascent(), kernels.gaussian(7, 2.5)))
    picker.kernel_dropdown.value = "emboss"
    assert picker.gaussian_box.layout.display == "none"


def test_picker_mnist_digit_and_new_digit_button():
    """MNIST shows a real digit; 'New digit' swaps it and the result follows."""
    picker = filter_picker(image="mnist", seed=3)
    images, labels = data.mnist()
    first = picker.chooser.digit_index
    assert np.array_equal(picker.image, images[first])
    assert f"label {labels[first]}" in picker.source_note.value
    assert picker.new_digit_button.layout.display == ""
    shown_indices = {first}
    for _ in range(3):
        picker.new_digit_button.click()
        shown_indices.add(picker.chooser.digit_index)
    assert len(shown_indices) > 1
    assert np.array_equal(picker.image, images[picker.chooser.digit_index])
    np.testing.assert_array_equal(picker.result, _same(picker.image, kernels.get("identity")))
    # Small digits are enlarged by repeating pixels, so the browser does not blur them.
    assert _decoded(picker.original_image).shape[0] >= 256
    picker.image_dropdown.value = "ascent"
    assert picker.new_digit_button.layout.display == "none"


@pytest.mark.parametrize("name", ["cat", "face"])
def test_picker_colour_images_become_grey_with_luma_weights(name):
    """Colour photos are converted with the luma weights, and the widget says so."""
    picker = filter_picker(image=name)
    colour = getattr(data, name)()
    np.testing.assert_array_equal(picker.image, data.to_grey(colour))
    assert "0.299" in picker.source_note.value and "luma" in picker.source_note.value


def test_picker_accepts_an_array():
    """A notebook can pass its own array; colour arrays are turned grey."""
    picker = filter_picker(image=data.cat())
    assert picker.image_dropdown.value == "array"
    np.testing.assert_array_equal(picker.image, data.to_grey(data.cat()))


def test_picker_rejects_bad_arguments_up_front():
    """Bad constructor arguments raise at once with the parameter's name."""
    with pytest.raises(ValueError, match="unknown image 'lena'"):
        filter_picker(image="lena")
    with pytest.raises(TypeError, match="convolve must be a function"):
        filter_picker(convolve="convolve")
    with pytest.raises(ValueError, match=r"image must have shape"):
        filter_picker(image=np.zeros(5))


# Uploads ------------------------------------------------------------------------


def test_upload_of_a_valid_png_switches_to_it():
    """A PNG uploaded through FileUpload becomes the image, in grey, and is filtered."""
    picker = filter_picker()
    rng = np.random.default_rng(0)
    colour = rng.integers(0, 256, size=(40, 60, 3), dtype=np.uint8)
    picker.kernel_dropdown.value = "sharpen"
    picker.upload.value = _upload_value(_png_bytes(colour), name="noise.png")
    assert picker.image_dropdown.value == "upload"
    np.testing.assert_array_equal(picker.image, data.to_grey(colour))
    np.testing.assert_array_equal(
        picker.result, _same(data.to_grey(colour), kernels.get("sharpen"))
    )
    assert "noise.png" in picker.source_note.value and "luma" in picker.source_note.value
    assert _status_kind(picker) == "ok"


def test_upload_of_garbage_is_reported_in_the_widget():
    """Bytes that are not an image give a status message, no exception, no stale result."""
    picker = filter_picker()
    picker.upload.value = _upload_value(b"this is not a picture at all", name="notes.txt")
    assert _status_kind(picker) == "error"
    assert "notes.txt is not an image file" in picker.status.value
    assert picker.result is None and picker.image is None
    assert "Traceback" not in picker.status.value


def test_upload_of_an_empty_file_is_reported():
    """An empty upload is named as empty."""
    picker = filter_picker()
    picker.upload.value = _upload_value(b"", name="empty.png")
    assert "empty.png is empty" in picker.status.value


def _jpeg_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def test_upload_of_a_large_photo_is_downscaled_automatically():
    """A 4000 x 3000 camera photo is accepted, shrunk to 1024 px wide, and the note says so."""
    rows, cols = np.mgrid[0:3000, 0:4000]
    photo = np.stack([rows % 256, cols % 256, (rows // 12) % 256], axis=-1).astype(np.uint8)
    picker = filter_picker()
    picker.upload.value = _upload_value(_jpeg_bytes(photo), name="camera.jpg")
    assert picker.image.shape == (768, 1024)
    assert "downscaled from 3000 x 4000 to 768 x 1024" in picker.source_note.value
    assert _status_kind(picker) == "ok" and picker.result.shape == (768, 1024)


def test_upload_over_the_size_limit_gets_a_message_not_silence():
    """A 22 MB PNG is refused before decoding, with its size, the limit and what to do."""
    noise = np.random.default_rng(1).integers(0, 256, size=(2700, 2700, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="PNG", compress_level=0)
    payload = buffer.getvalue()
    assert len(payload) > 20_000_000
    picker = filter_picker()
    picker.upload.value = _upload_value(payload, name="huge.png")
    assert _status_kind(picker) == "error"
    message = picker.status.value
    assert f"huge.png is {len(payload) / 1e6:.1f} MB, more than the 20.0 MB" in message
    assert "data.load_image(path, grey=True, max_side=1024)" in message
    assert picker.result is None and picker.image is None


def test_upload_hint_names_the_limit():
    """The upload button says what it accepts before anyone tries."""
    picker = filter_picker()
    assert "up to 20 MB" in picker.chooser.upload_hint.value


def test_upload_above_the_display_size_is_downscaled_with_a_note():
    """A 1500 x 1200 upload is accepted, shrunk to 1024 on its long side, and the note says so."""
    picker = filter_picker()
    big = np.tile(np.arange(1500, dtype=np.uint8)[:, None], (1, 1200))
    picker.upload.value = _upload_value(_png_bytes(big), name="big.png")
    assert picker.image.shape == (1024, 819)
    assert "downscaled from 1500 x 1200 to 1024 x 819" in picker.source_note.value


def test_kernel_table_follows_the_menu_even_without_an_image():
    """After a refused upload the kernel beside the empty pictures is still the chosen one."""
    picker = filter_picker()
    picker.upload.value = _upload_value(b"not an image", name="bad.png")
    picker.kernel_dropdown.value = "laplacian"
    assert picker.result is None
    assert "-4" in picker.kernel_html.value


def test_choosing_upload_without_a_file_explains_what_to_do():
    """Selecting 'upload' before uploading asks for a file instead of failing."""
    picker = filter_picker()
    picker.image_dropdown.value = "upload"
    assert "click the Upload button" in picker.status.value
    picker.image_dropdown.value = "ascent"
    assert _status_kind(picker) == "ok" and picker.result is not None


# A student's convolve -------------------------------------------------------------


def test_student_convolve_runs_on_a_crop_and_matches():
    """A correct loop-based convolve gives the VALID result on the 128 x 128 centre crop."""
    picker = filter_picker(convolve=loop_convolve)
    assert picker.region_dropdown.layout.display == ""
    picker.kernel_dropdown.value = "sobel_bottom"
    crop = data.ascent()[192:320, 192:320]
    assert picker.result.shape == (126, 126)
    np.testing.assert_allclose(
        picker.result, reference.correlate2d(crop, kernels.get("sobel_bottom")), atol=1e-9
    )
    assert _decoded(picker.original_image).shape == (256, 256)
    assert "matches the course reference" in picker.status.value


def test_student_convolve_full_image_warns_about_speed():
    """Asking for the full image with a student's convolve shows a speed warning."""
    picker = filter_picker(convolve=lambda image, kernel: reference.correlate2d(image, kernel))
    picker.region_dropdown.value = "full"
    assert picker.result.shape == (510, 510)
    assert _status_kind(picker) == "warning"
    assert "can take a minute" in picker.status.value
    picker.region_dropdown.value = "downscale"
    assert picker.result.shape == (126, 126)


def test_student_convolve_gets_uint8_small_images_unchanged():
    """A digit is small enough to be passed whole; the student receives the uint8 image."""
    received = []

    def spy(image, kernel):
        received.append(image.dtype)
        return loop_convolve(image, kernel)

    picker = filter_picker(convolve=spy, image="mnist", seed=1)
    assert received[-1] == np.uint8
    assert picker.result.shape == (26, 26)


def test_student_convolve_that_raises_is_shown_not_raised():
    """An exception in the student's function becomes a status message, not a traceback."""

    def broken(image, kernel):
        raise IndexError("index 128 is out of bounds for axis 0 with size 128")

    picker = filter_picker(convolve=broken)
    assert _status_kind(picker) == "error"
    assert "your convolve raised IndexError: index 128 is out of bounds" in picker.status.value
    assert picker.result is None
    picker.kernel_dropdown.value = "emboss"
    assert picker.result is None and "IndexError" in picker.status.value


def test_student_convolve_with_the_wrong_shape_is_explained():
    """Returning a SAME-sized output is reported with the expected VALID shape."""
    picker = filter_picker(
        convolve=lambda image, kernel: reference.correlate2d(image, kernel, padding="same")
    )
    assert "returned shape (128, 128)" in picker.status.value
    assert "gives (126, 126)" in picker.status.value
    assert picker.result is None


def test_student_convolve_returning_none_is_explained():
    """Forgetting the return statement is reported as a non-array result."""
    picker = filter_picker(convolve=lambda image, kernel: None)
    assert _status_kind(picker) == "error"
    assert "returned shape ()" in picker.status.value or "not a numeric" in picker.status.value


def test_student_convolve_with_wrong_values_is_flagged():
    """A convolve that flips the kernel (true convolution) differs from the reference."""
    picker = filter_picker(convolve=lambda image, kernel: reference.convolve2d(image, kernel))
    picker.kernel_dropdown.value = "sobel_right"
    assert _status_kind(picker) == "warning"
    assert "differs from the course reference" in picker.status.value
    assert picker.result.shape == (126, 126)


# Kernel editor ----------------------------------------------------------------------


def test_editor_starts_with_sharpen_and_computes_it():
    """The 3x3 editor starts from 'sharpen', clamped as the course shows sharpen, in grey."""
    editor = kernel_editor()
    assert isinstance(editor, KernelEditor)
    np.testing.assert_array_equal(editor.kernel, kernels.get("sharpen"))
    np.testing.assert_array_equal(editor.result, _same(data.ascent(), kernels.get("sharpen")))
    assert editor.post_dropdown.value == "clamp"
    assert _decoded(editor.result_image).ndim == 2  # grey, not the diverging colours
    assert "grey, 0 .. 255" in editor.result_caption.value


def test_editor_preset_menu_follows_the_weights():
    """Editing a weight makes the preset 'custom'; weights equal to a preset name it again."""
    editor = kernel_editor()
    editor.cells[1][1].value = 4.0
    assert editor.preset_dropdown.value == CUSTOM
    assert editor.post_dropdown.value == "clamp"  # typing weights never changes the display
    editor.cells[1][1].value = 5.0
    assert editor.preset_dropdown.value == "sharpen"
    editor.preset_dropdown.value = "box_blur_unnormalised"
    editor.normalize_button.click()
    assert editor.preset_dropdown.value == "box_blur"
    editor.preset_dropdown.value = "emboss"
    assert editor.post_dropdown.value == "clamp"
    editor.preset_dropdown.value = "laplacian"
    assert editor.post_dropdown.value == "none"


def test_editor_typing_a_weight_updates_the_result():
    """Changing one FloatText cell changes the kernel and the result live."""
    editor = kernel_editor()
    before = bytes(editor.result_image.value)
    editor.cells[0][2].value = 3.0
    expected_kernel = kernels.get("sharpen")
    expected_kernel[0, 2] = 3.0
    np.testing.assert_array_equal(editor.kernel, expected_kernel)
    np.testing.assert_array_equal(editor.result, _same(data.ascent(), expected_kernel))
    assert bytes(editor.result_image.value) != before


def test_editor_presets_fill_the_grid():
    """Choosing a preset writes its weights into the cells."""
    editor = kernel_editor()
    editor.preset_dropdown.value = "emboss"
    grid = np.array([[cell.value for cell in row] for row in editor.cells])
    np.testing.assert_array_equal(grid, kernels.get("emboss"))
    np.testing.assert_array_equal(editor.result, _same(data.ascent(), kernels.get("emboss")))


def test_editor_normalise_button_makes_weights_sum_to_one():
    """'Normalise' turns the darkening 0.1 box blur into the true mean filter."""
    editor = kernel_editor()
    editor.preset_dropdown.value = "box_blur_unnormalised"
    editor.normalize_button.click()
    np.testing.assert_allclose(editor.kernel, np.full((3, 3), 1 / 9))
    np.testing.assert_allclose(editor.result, _same(data.ascent(), np.full((3, 3), 1 / 9)))


def test_editor_normalise_leaves_zero_sum_kernels_and_says_why():
    """Edge kernels sum to 0: normalising changes nothing and the status explains it."""
    editor = kernel_editor()
    editor.preset_dropdown.value = "laplacian"
    editor.normalize_button.click()
    np.testing.assert_array_equal(editor.kernel, kernels.get("laplacian"))
    assert "sum to 0" in editor.status.value


def test_editor_switches_to_5x5_with_gaussian_presets():
    """The size toggle rebuilds a 5x5 grid, starting from a 5x5 Gaussian."""
    editor = kernel_editor()
    editor.size_toggle.value = 5
    assert len(editor.cells) == 5 and all(len(row) == 5 for row in editor.cells)
    assert len(editor.grid.children) == 25
    np.testing.assert_allclose(editor.kernel, kernels.gaussian(5, 1.0))
    np.testing.assert_allclose(editor.result, _same(data.ascent(), kernels.gaussian(5, 1.0)))
    editor.cells[4][4].value = 1.0
    assert editor.kernel[4, 4] == 1.0
    editor.size_toggle.value = 3
    np.testing.assert_array_equal(editor.kernel, kernels.get("sharpen"))


def test_editor_checks_arguments():
    """Only 3 and 5 are offered; set_kernel refuses other shapes by name."""
    with pytest.raises(ValueError, match="size must be 3 or 5"):
        kernel_editor(size=4)
    editor = kernel_editor(size=5, image="mnist", seed=0)
    with pytest.raises(ValueError, match=r"kernel must be 3x3 or 5x5, got shape \(2, 3\)"):
        editor.set_kernel(np.ones((2, 3)))


# Pooling explorer -------------------------------------------------------------------


def test_pooling_default_is_2x2_max_pool():
    """The explorer starts with 2x2 max pooling: 512 -> 256, equal to the reference."""
    explorer = pooling_explorer()
    assert isinstance(explorer, PoolingExplorer)
    np.testing.assert_array_equal(explorer.result, reference.max_pool(data.ascent(), 2))
    assert "(256, 256)" in explorer.output_caption.value
    assert "(512, 512)" in explorer.input_caption.value


def test_pooling_controls_change_result_and_picture():
    """Size 3, stride 2, average gives the reference avg_pool and a new picture."""
    explorer = pooling_explorer()
    before = bytes(explorer.output_image.value)
    explorer.size_slider.value = 3
    explorer.mode_toggle.value = "average"
    np.testing.assert_allclose(explorer.result, reference.avg_pool(data.ascent(), 3, stride=2))
    assert explorer.result.shape == (255, 255)
    assert "floor((512 - 3) / 2) + 1 = 255" in explorer.formula.value
    assert "overlapping" in explorer.status.value
    assert bytes(explorer.output_image.value) != before
    # 255 x 255 is below the 256-pixel minimum, so each pooled value is drawn as 2 x 2 pixels.
    picture = _decoded(explorer.output_image)
    expected = to_pixels(explorer.result, vmin=0, vmax=255, cmap="gray")
    np.testing.assert_array_equal(picture, np.repeat(np.repeat(expected, 2, axis=0), 2, axis=1))


def test_pooling_explorer_draws_the_windows_on_the_input():
    """Every window of the enlarged block is outlined in its colour, at its place."""
    explorer = pooling_explorer(image="mnist", seed=0, size=3, stride=2)
    block = explorer.block
    assert block == window_block(explorer.image.shape, size=3, stride=2, pooled=explorer.result)
    assert block.count == (3, 3)  # overlapping windows: a smaller block
    picture = _decoded(explorer.windows_image)
    zoom = picture.shape[0] // block.span[0]
    assert picture.shape[:2] == (block.span[0] * zoom, block.span[1] * zoom)
    thickness = max(1, zoom // 6)
    for i in range(3):
        for j in range(3):
            colour = WINDOW_COLOURS[2 * (i % 2) + j % 2]
            inset = (2 * (i % 2) + j % 2) * thickness  # overlapping: outlines side by side
            top, left = i * 2 * zoom + inset, j * 2 * zoom + inset
            side = 3 * zoom - 2 * inset
            # The window's bottom-left corner: no later window draws over it.
            assert picture[top + side - 1, left].tolist() == colour.tolist(), (i, j)
    # The enlarged part is outlined in yellow on the whole input.
    whole = _decoded(explorer.input_image)
    assert whole.ndim == 3 and (whole == (255, 215, 0)).all(axis=2).sum() > 50
    assert "9 windows of size 3, every 2 px" in explorer.windows_caption.value
    cells = _decoded(explorer.cells_image)
    assert cells[0, 0].tolist() == WINDOW_COLOURS[0].tolist()


def test_pooling_windows_follow_the_sliders():
    """Changing size and stride redraws the windows; non-overlapping windows get a bigger block."""
    explorer = pooling_explorer()
    before = bytes(explorer.windows_image.value)
    explorer.size_slider.value = 4
    explorer.stride_slider.value = 4
    assert explorer.block.count == (6, 6) and explorer.block.size == 4
    assert bytes(explorer.windows_image.value) != before
    # Windows that do not overlap are outlined exactly on their borders, side by side.
    picture = _decoded(explorer.windows_image)
    zoom = picture.shape[0] // explorer.block.span[0]
    assert picture[0, 4 * zoom].tolist() == WINDOW_COLOURS[1].tolist()
    assert picture[4 * zoom - 1, 0].tolist() == WINDOW_COLOURS[0].tolist()


def test_pooling_formula_counts_one_row_in_the_singular():
    """A single output row is '1 row', not '1 rows'."""
    explorer = pooling_explorer(image=np.arange(12, dtype=np.uint8).reshape(2, 6))
    assert explorer.result.shape == (1, 3)
    assert "= 1 row and" in explorer.formula.value and "= 3 columns" in explorer.formula.value


def test_pooling_window_larger_than_image_is_reported():
    """A window larger than the image gives a message in the widget, not an exception."""
    explorer = pooling_explorer(image=np.arange(30, dtype=np.uint8).reshape(5, 6))
    explorer.size_slider.value = 6
    assert explorer.result is None
    assert "larger than the image" in explorer.status.value
    explorer.size_slider.value = 2
    assert explorer.result.shape == (2, 3)


def test_pooling_on_an_uploaded_garbage_file():
    """The pooling explorer shares the upload handling and its messages."""
    explorer = pooling_explorer()
    explorer.upload.value = _upload_value(b"\x89PNG broken", name="broken.png")
    assert explorer.result is None
    assert "broken.png is not an image file" in explorer.status.value


def test_pooling_checks_mode():
    """An unknown pooling mode is refused by name."""
    with pytest.raises(ValueError, match="mode must be 'max' or 'average'"):
        pooling_explorer(mode="median")


def test_student_convolve_is_not_rerun_for_a_display_change():
    """Changing only the display option reuses the result instead of re-running slow loops."""
    calls = []

    def counting(image, kernel):
        calls.append(kernel.shape)
        return loop_convolve(image, kernel)

    picker = filter_picker(convolve=counting)
    picker.kernel_dropdown.value = "outline"
    runs = len(calls)
    picker.post_dropdown.value = "abs"
    assert len(calls) == runs
    np.testing.assert_array_equal(picker.shown, np.abs(picker.result))
    assert "matches the course reference" in picker.status.value
    picker.region_dropdown.value = "downscale"
    assert len(calls) == runs + 1


def test_student_convolve_returning_nan_is_explained():
    """NaN in a student's output is named instead of failing somewhere in the display code."""
    picker = filter_picker(convolve=lambda image, kernel: np.full((126, 126), np.nan))
    assert _status_kind(picker) == "error"
    assert "NaN or infinite" in picker.status.value
    assert picker.result is None


def test_student_convolve_crop_is_announced():
    """When a large image is cropped for a student's convolve, the status line says so."""
    picker = filter_picker(convolve=lambda image, kernel: reference.correlate2d(image, kernel))
    assert _status_kind(picker) == "info"
    assert "centre crop 128 x 128 copy of the 512 x 512 image" in picker.status.value
