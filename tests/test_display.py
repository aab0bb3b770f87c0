"""course_lib.display: explicit display limits, colormaps and post-processing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import display  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test made, so figures never pile up."""
    yield
    plt.close("all")


# ---------------------------------------------------------------------------
# display_limits and for_display.


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (np.array([[0, 3]], dtype=np.uint8), (0.0, 255.0, "gray")),
        (np.array([[0.2, 0.9]]), (0.0, 1.0, "gray")),
        (np.array([[0.0, 1.0]]), (0.0, 1.0, "gray")),
        (np.array([[0.0, 0.1]]), (0.0, 1.0, "gray")),
        (np.array([[0.0, 0.05]]), (0.0, 0.05, "gray")),
        (np.array([[0.0, 1.5]]), (0.0, 1.5, "gray")),
        (np.array([[0.0, 25.0]]), (0.0, 25.0, "gray")),
        (np.array([[0.0, 26.0]]), (0.0, 255.0, "gray")),
        (np.array([[0.0, 255.0]]), (0.0, 255.0, "gray")),
        (np.zeros((2, 2)), (0.0, 1.0, "gray")),
        (np.array([[0.0, 1020.0]]), (0.0, 1020.0, "gray")),
        (np.array([[-3.0, 1.5]]), (-3.0, 3.0, "RdBu_r")),
        (np.array([[-1.0, 7.0]]), (-7.0, 7.0, "RdBu_r")),
        (np.array([[-2, 5]], dtype=np.int16), (-5.0, 5.0, "RdBu_r")),
        (np.array([[-np.inf, -1.0, 2.0, np.inf]]), (-2.0, 2.0, "RdBu_r")),
        (np.array([[np.inf]]), (0.0, 1.0, "gray")),
    ],
)
def test_display_limits(image, expected):
    """auto: a standard grey scale only when the data fills a tenth of it; signed is symmetric."""
    assert display.display_limits(image) == expected


@pytest.mark.parametrize(
    ("image", "kind", "expected"),
    [
        (np.array([[0.0, 2.0]]), "image", (0.0, 255.0, "gray")),
        (np.array([[-30.0, 300.0]]), "image", (0.0, 255.0, "gray")),
        (np.array([[0, 9]], dtype=np.uint8), "map", (0.0, 9.0, "gray")),
        (np.array([[0.0, 180.0]]), "map", (0.0, 180.0, "gray")),
        (np.array([[0.2, 0.9]]), "map", (0.0, 0.9, "gray")),
        (np.array([[-1.0, 7.0]]), "map", (-7.0, 7.0, "RdBu_r")),
        (np.zeros((2, 2)), "map", (0.0, 1.0, "gray")),
    ],
)
def test_display_limits_by_kind(image, kind, expected):
    """'image' is always grey 0..255; 'map' is the data's own range, symmetric when signed."""
    assert display.display_limits(image, kind=kind) == expected


@pytest.mark.parametrize("top", [2.0, 1.0, 0.0113, 20.0, 254.0, 900.0])
def test_auto_limits_never_leave_data_nearly_black(top):
    """Non-negative data always fills at least a tenth of the scale auto chooses for it."""
    low, high, _ = display.display_limits(np.array([[0.0, top]]))
    assert low == 0.0 and top / high >= display.MIN_FILL


def test_percentile_limits_keep_outliers_from_washing_a_map_out():
    """With percentile=99 the limits sit at the 99th percentile of |value|, symmetric if signed."""
    rng = np.random.default_rng(0)
    signed = rng.normal(0.0, 10.0, (50, 50))
    signed[0, 0] = 5000.0
    low, high, cmap = display.display_limits(signed, percentile=99)
    assert cmap == "RdBu_r" and low == -high
    assert high == pytest.approx(np.percentile(np.abs(signed), 99))
    assert display.display_limits(np.abs(signed), kind="map", percentile=99)[1] == high
    sparse = np.zeros((20, 20))
    sparse[3, 4] = 7.0  # the 99th percentile is 0: the maximum is kept
    assert display.display_limits(sparse, kind="map", percentile=99) == (0.0, 7.0, "gray")
    image = display.display_limits(np.full((2, 2), 90.0), kind="image", percentile=99)
    assert image == (0.0, 255.0, "gray")  # images keep 0..255


@pytest.mark.parametrize(("percentile", "error"), [(20, ValueError), ("99", TypeError)])
def test_percentile_is_checked(percentile, error):
    """A percentile outside 50..100, or not a number, is refused by name."""
    with pytest.raises(error, match="percentile must be"):
        display.display_limits(np.eye(2), percentile=percentile)


def test_display_limits_rejects_unknown_kind():
    """An unknown kind is named in the message with the choices."""
    with pytest.raises(ValueError, match="unknown kind 'photo'; choose one of: 'auto'"):
        display.display_limits(np.eye(2), kind="photo")


def test_signed_limits_keep_zero_in_the_middle():
    """For any signed image, zero sits exactly halfway between vmin and vmax."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        image = rng.normal(rng.uniform(-5, 5), rng.uniform(0.1, 50), (6, 7))
        if image.min() >= 0:
            continue
        low, high, cmap = display.display_limits(image)
        assert low == -high and cmap == "RdBu_r"
        assert high >= np.abs(image).max()


def test_display_limits_rejects_non_numeric():
    """Strings are refused with the parameter named."""
    with pytest.raises(TypeError, match="image must be a numeric array"):
        display.display_limits(np.array([["a"]]))


SIGNED = np.array([[-20.0, -0.5, 0.0, 100.0, 300.0]])


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("none", [[-20.0, -0.5, 0.0, 100.0, 300.0]]),
        ("clamp", [[0.0, 0.0, 0.0, 100.0, 255.0]]),
        ("relu", [[0.0, 0.0, 0.0, 100.0, 300.0]]),
        ("abs", [[20.0, 0.5, 0.0, 100.0, 300.0]]),
        ("rescale", [[0.0, 19.5 / 320, 20 / 320, 120 / 320, 1.0]]),
    ],
)
def test_for_display_each_post_processing(how, expected):
    """Each post-processing does exactly what its name says and returns a float copy."""
    image = SIGNED.copy()
    out = display.for_display(image, how)
    np.testing.assert_allclose(out, expected)
    assert out.dtype == np.float64
    out[...] = 1234.0
    np.testing.assert_array_equal(image, SIGNED)


def test_for_display_constant_image_rescales_to_zero():
    """A constant image rescales to zeros instead of dividing by zero."""
    np.testing.assert_array_equal(display.for_display(np.full((2, 3), 7), "rescale"), 0)


def test_for_display_covers_every_documented_option():
    """POSTPROCESSING lists exactly the options for_display accepts."""
    assert display.POSTPROCESSING == ("none", "clamp", "relu", "abs", "rescale")
    for how in display.POSTPROCESSING:
        display.for_display(SIGNED, how)


@pytest.mark.parametrize(
    ("image", "how", "error", "words"),
    [
        (SIGNED, "clip", ValueError, "unknown post-processing 'clip'"),
        (np.ones(3), "none", ValueError, "image must be 2-D or 3-D"),
        (None, "none", TypeError, "image must be a numeric array"),
        (np.array([["x"]]), "abs", TypeError, "image must be a numeric array"),
    ],
)
def test_for_display_bad_input(image, how, error, words):
    """Unknown post-processing and non-images are named in the message."""
    with pytest.raises(error, match=words):
        display.for_display(image, how)


# ---------------------------------------------------------------------------
# show and show_row draw with those limits.


def colour_bars(ax) -> int:
    """How many colour bars ``show`` drew beside the panel ``ax``."""
    return len(ax.child_axes)


def clim_and_cmap(ax):
    """The colour limits and colormap name of the first image on ``ax``."""
    artist = ax.images[0]
    return artist.get_clim(), artist.get_cmap().name


def test_show_uint8_is_grey_0_255_without_colorbar():
    """uint8 images are shown on the fixed 0..255 grey scale, no colour bar."""
    ax = display.show(np.array([[10, 20]], dtype=np.uint8), "photo")
    assert clim_and_cmap(ax) == ((0.0, 255.0), "gray")
    assert ax.get_title() == "photo"
    assert colour_bars(ax) == 0


def test_show_dark_result_is_not_stretched():
    """A result 10% too dark looks darker: limits stay 0..255, not the data's range."""
    ax = display.show(np.full((3, 3), 200.0) * 0.9)
    assert clim_and_cmap(ax) == ((0.0, 255.0), "gray")
    ax = display.show(np.full((3, 3), 20.0), kind="image")
    assert clim_and_cmap(ax) == ((0.0, 255.0), "gray")


def test_show_map_without_colorbar_names_its_limits_in_the_title():
    """A panel on its own range says so: without a colour bar the title gets the limits."""
    ax = display.show(np.array([[0.0, 2.16]]), "map 2", kind="map", colorbar=False)
    assert ax.get_title() == "map 2\n[0, 2.16]"
    ax = display.show(np.array([[-973.0, 5.0]]), colorbar=False)
    assert ax.get_title() == "[-973, 973]"
    ax = display.show(np.array([[0.0, 200.0]]), "photo", kind="image", colorbar=False)
    assert ax.get_title() == "photo"
    ax = display.show(np.array([[-9.0, 5.0]]), "limits ±5", vmin=-5, vmax=5, colorbar=False)
    assert ax.get_title() == "limits ±5"


def test_show_row_shares_one_scale_when_asked():
    """vmin and vmax given to show_row put every panel on the same scale."""
    fig = display.show_row([np.eye(2), 3 * np.eye(2)], vmin=-4, vmax=4, colorbar=False)
    panels = [ax for ax in fig.axes if ax.images]
    assert [clim_and_cmap(ax) for ax in panels] == [((-4.0, 4.0), "gray")] * 2


def test_show_clamped_result_is_an_image():
    """how='clamp' puts the result on the image scale even when it is dark."""
    ax = display.show(np.array([[-5.0, 10.0]]), how="clamp")
    assert clim_and_cmap(ax) == ((0.0, 255.0), "gray")


def test_show_signed_uses_symmetric_diverging_map_and_colorbar():
    """Signed float images use RdBu_r symmetric around zero and get a colour bar."""
    ax = display.show(np.array([[-4.0, 1.0]]))
    assert clim_and_cmap(ax) == ((-4.0, 4.0), "RdBu_r")
    assert colour_bars(ax) == 1


@pytest.mark.parametrize(
    ("how", "clim", "cmap"),
    [
        ("none", (-20.0, 300.0), "RdBu_r"),
        ("clamp", (0.0, 255.0), "gray"),
        ("relu", (0.0, 300.0), "gray"),
        ("abs", (0.0, 300.0), "gray"),
        ("rescale", (0.0, 1.0), "gray"),
    ],
)
def test_show_applies_post_processing_before_choosing_limits(how, clim, cmap):
    """Post-processing runs first; the limits then follow the processed data."""
    ax = display.show(SIGNED, how=how)
    (low, high), name = clim_and_cmap(ax)
    assert name == cmap
    if how == "none":
        assert (low, high) == (-300.0, 300.0)
    else:
        assert (low, high) == clim
    shown = np.asarray(ax.images[0].get_array())
    np.testing.assert_allclose(shown, display.for_display(SIGNED, how))


def test_show_overrides_and_existing_axes():
    """vmin, vmax and cmap override the defaults; drawing goes to the given axes."""
    fig, ax = plt.subplots()
    returned = display.show(np.eye(3), ax=ax, vmin=-1, vmax=2, cmap="viridis", colorbar=False)
    assert returned is ax
    assert clim_and_cmap(ax) == ((-1.0, 2.0), "viridis")
    assert len(fig.axes) == 1
    assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []


def test_show_rgb():
    """RGB images are drawn as colour, floats clipped to 0..255 as uint8."""
    rgb = np.zeros((2, 2, 3))
    rgb[0, 0] = (300.0, -5.0, 128.0)
    ax = display.show(rgb)
    drawn = np.asarray(ax.images[0].get_array())
    assert drawn.dtype == np.uint8
    assert drawn[0, 0].tolist() == [255, 0, 128]
    assert colour_bars(ax) == 0


def test_show_row_one_panel_per_image_with_own_limits():
    """show_row draws each image with its own honest limits and its title."""
    images = [np.array([[0, 255]], dtype=np.uint8), np.array([[-2.0, 1.0]]), SIGNED]
    fig = display.show_row(images, ["photo", "edges", "clamped"], how=["none", "none", "clamp"])
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["photo", "edges", "clamped"]
    assert [clim_and_cmap(ax) for ax in panels] == [
        ((0.0, 255.0), "gray"),
        ((-2.0, 2.0), "RdBu_r"),
        ((0.0, 255.0), "gray"),
    ]


def test_show_row_kind_per_image():
    """show_row passes one kind to every panel, or one per panel."""
    small = np.array([[0.0, 2.0]])
    fig = display.show_row([small, small], kind=["image", "map"], colorbar=False)
    panels = [ax for ax in fig.axes if ax.images]
    assert [clim_and_cmap(ax)[0] for ax in panels] == [(0.0, 255.0), (0.0, 2.0)]
    with pytest.raises(ValueError, match="2 images but 1 kinds"):
        display.show_row([small, small], kind=["map"])


def test_colour_bar_is_as_tall_as_a_wide_picture():
    """Beside a wide picture the colour bar matches the picture's height, not the panel's."""
    ax = display.show(np.linspace(-1.0, 1.0, 300).reshape(10, 30), kind="map")
    ax.figure.canvas.draw()
    picture = ax.get_window_extent()
    bar = ax.child_axes[0].get_window_extent()
    assert abs(bar.height - picture.height) < 1 and bar.x0 > picture.x1


def test_show_row_colorbars_do_not_overlap_the_next_panel():
    """Each panel with its colour bar and tick labels stays clear of its neighbour."""
    wide = np.linspace(-1800.0, 1900.0, 64).reshape(8, 8)
    fig = display.show_row([wide] * 5, [f"panel {i}" for i in range(5)], size=3.2)
    renderer = fig.canvas.get_renderer()
    fig.canvas.draw()
    boxes = sorted((ax.get_tightbbox(renderer) for ax in fig.axes), key=lambda box: box.x0)
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left.x1 <= right.x0 + 1, (left, right)


def test_show_row_single_post_processing_for_all():
    """A single post-processing name applies to every image."""
    fig = display.show_row([SIGNED, -SIGNED], how="abs", colorbar=False)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 2 and len(fig.axes) == 2
    for ax in panels:
        assert np.asarray(ax.images[0].get_array()).min() >= 0


@pytest.mark.parametrize(
    ("args", "kwargs", "words"),
    [
        (([],), {}, "at least one image"),
        (([np.eye(2)], ["a", "b"]), {}, "1 images but 2 titles"),
        (([np.eye(2), np.eye(2)],), {"how": ["abs"]}, "2 images but 1 post-processing"),
    ],
)
def test_show_row_bad_input(args, kwargs, words):
    """Mismatched lists are reported with both counts."""
    with pytest.raises(ValueError, match=words):
        display.show_row(*args, **kwargs)


def test_colour_bar_only_where_the_scale_is_not_the_image_scale():
    """Images on 0..255 need no colour bar; a map on its own range gets one by default."""
    image = display.show(np.full((3, 3), 120.0), kind="image")
    assert colour_bars(image) == 0
    feature = display.show(np.full((3, 3), 120.0), kind="map")
    assert colour_bars(feature) == 1


def test_show_row_percentile_per_image():
    """A percentile can be given per panel; None leaves a panel on its full range."""
    data = np.append(np.arange(100.0), 1000.0).reshape(1, -1)
    fig = display.show_row([data, data], kind="map", percentile=[99, None], colorbar=False)
    highs = [ax.images[0].get_clim()[1] for ax in fig.axes if ax.images]
    assert highs[0] < 1000.0 and highs[1] == 1000.0
    with pytest.raises(ValueError, match="2 images but 1 percentiles"):
        display.show_row([data, data], percentile=[99])
