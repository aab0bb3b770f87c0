"""course_lib.kernels: the named catalogue, Gaussians and normalisation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib import kernels, reference

EDGE_KERNELS = (
    "outline",
    "outline_inverted",
    "laplacian",
    "sobel_right",
    "sobel_left",
    "sobel_bottom",
    "sobel_top",
    "vertical_lines",
    "horizontal_lines",
)
SMOOTHING_KERNELS = ("identity", "box_blur", "gaussian_blur", "sharpen", "emboss")


def test_names_are_unique_and_all_loadable():
    """Every listed name gives a 3x3 float64 kernel and a non-empty description."""
    names = kernels.names()
    assert len(names) == len(set(names)) >= 15
    for name in names:
        kernel = kernels.get(name)
        assert kernel.shape == (3, 3) and kernel.dtype == np.float64
        assert isinstance(kernels.describe(name), str) and len(kernels.describe(name)) > 10


def test_names_returns_a_new_list():
    """Changing the list returned by names() does not change the catalogue."""
    kernels.names().clear()
    assert "identity" in kernels.names()


@pytest.mark.parametrize("name", EDGE_KERNELS)
def test_edge_kernels_sum_to_zero(name):
    """Edge detectors give 0 on flat areas: their weights sum to 0."""
    assert kernels.get(name).sum() == pytest.approx(0.0, abs=1e-12)
    assert kernels.weight(kernels.get(name)) == 1.0


@pytest.mark.parametrize("name", SMOOTHING_KERNELS)
def test_brightness_preserving_kernels_sum_to_one(name):
    """Blurs, identity, sharpen and emboss keep flat areas unchanged."""
    assert kernels.get(name).sum() == pytest.approx(1.0, abs=1e-12)


def test_unnormalised_box_darkens_by_ten_percent():
    """box_blur_unnormalised sums to 0.9, as its description says."""
    assert kernels.get("box_blur_unnormalised").sum() == pytest.approx(0.9)
    assert "0.9" in kernels.describe("box_blur_unnormalised")


def test_known_values():
    """A few kernels have their textbook values."""
    np.testing.assert_array_equal(kernels.get("sobel_right"), [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(kernels.get("sobel_left"), -kernels.get("sobel_right"))
    np.testing.assert_array_equal(kernels.get("sobel_bottom"), kernels.get("sobel_right").T)
    np.testing.assert_array_equal(kernels.get("sobel_top"), -kernels.get("sobel_bottom"))
    np.testing.assert_array_equal(kernels.get("outline_inverted"), -kernels.get("outline"))
    np.testing.assert_allclose(kernels.get("box_blur"), np.full((3, 3), 1 / 9))
    np.testing.assert_allclose(kernels.get("gaussian_blur")[1, 1], 0.25)


def test_sobel_directions_match_their_names():
    """By cross-correlation, sobel_right is positive where brightness rises to the right."""
    ramp_right = np.tile(np.arange(6.0), (5, 1))
    assert (reference.correlate2d(ramp_right, kernels.get("sobel_right")) > 0).all()
    assert (reference.correlate2d(ramp_right, kernels.get("sobel_left")) < 0).all()
    ramp_down = ramp_right.T
    assert (reference.correlate2d(ramp_down, kernels.get("sobel_bottom")) > 0).all()
    assert (reference.correlate2d(ramp_down, kernels.get("sobel_top")) < 0).all()


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("sobel_vertical", "sobel_right"),
        ("sobel_horizontal", "sobel_bottom"),
        ("edge_detect", "outline"),
        ("blur", "box_blur"),
    ],
)
def test_aliases(alias, name):
    """Aliases give the same kernel and description as their target."""
    np.testing.assert_array_equal(kernels.get(alias), kernels.get(name))
    assert kernels.describe(alias) == kernels.describe(name)


def test_get_returns_fresh_arrays():
    """Changing a returned kernel does not change the catalogue."""
    kernel = kernels.get("sharpen")
    kernel[:] = 0
    assert kernels.get("sharpen")[1, 1] == 5


def test_unknown_name_lists_known_ones():
    """An unknown name raises KeyError naming it and listing the known kernels."""
    with pytest.raises(KeyError, match="unknown kernel name 'sobol'.*sobel_right"):
        kernels.get("sobol")
    with pytest.raises(KeyError, match="unknown kernel name"):
        kernels.describe("nope")
    with pytest.raises(TypeError, match="kernel name must be a string"):
        kernels.get(3)


@given(st.sampled_from([1, 3, 5, 7, 9, 11]), st.floats(0.1, 10))
def test_gaussian_is_normalised_symmetric_and_peaked(size, sigma):
    """gaussian() sums to 1, is symmetric, separable and largest at the centre."""
    kernel = kernels.gaussian(size, sigma)
    assert kernel.shape == (size, size)
    assert kernel.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(kernel, kernel.T, atol=1e-15)
    np.testing.assert_allclose(kernel, kernel[::-1, ::-1], atol=1e-15)
    assert kernel[size // 2, size // 2] == kernel.max()
    assert np.linalg.matrix_rank(kernel, tol=1e-12) == 1


def test_gaussian_values_and_default_sigma():
    """Sampled values follow exp(-r^2 / 2 sigma^2); the default sigma is size / 6."""
    kernel = kernels.gaussian(5, 1.0)
    assert kernel[2, 3] / kernel[2, 2] == pytest.approx(np.exp(-0.5))
    assert kernel[3, 3] / kernel[2, 2] == pytest.approx(np.exp(-1.0))
    np.testing.assert_allclose(kernels.gaussian(9), kernels.gaussian(9, 1.5))


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        ((4, 1.0), ValueError, "size must be odd"),
        ((0, 1.0), ValueError, "size must be"),
        ((3.0, 1.0), TypeError, "size must be an integer"),
        ((3, 0.0), ValueError, "sigma must be a positive"),
        ((3, -1.0), ValueError, "sigma must be a positive"),
        ((3, float("inf")), ValueError, "sigma must be a positive"),
        ((3, float("nan")), ValueError, "sigma must be a positive"),
        ((3, "1"), TypeError, "sigma must be a number"),
        ((3, True), TypeError, "sigma must be a number"),
    ],
)
def test_gaussian_bad_arguments(args, error, words):
    """Bad size or sigma is rejected with a message naming it."""
    with pytest.raises(error, match=words):
        kernels.gaussian(*args)


def test_weight_and_normalize():
    """weight is 1/sum (1 for zero-sum kernels); normalize divides by the sum."""
    assert kernels.weight(np.ones((3, 3))) == pytest.approx(1 / 9)
    assert kernels.weight([[1, 2, 1]]) == 0.25
    assert kernels.weight([[-1, 0, 1]]) == 1.0
    np.testing.assert_allclose(kernels.normalize(np.ones((2, 5))), np.full((2, 5), 0.1))
    np.testing.assert_array_equal(kernels.normalize([[-1, 0, 1]]), [[-1.0, 0.0, 1.0]])
    np.testing.assert_allclose(kernels.normalize([[-1, -3]]), [[0.25, 0.75]])


def test_normalize_does_not_modify_its_input():
    """normalize returns a new array."""
    kernel = np.ones((3, 3))
    kernels.normalize(kernel)
    np.testing.assert_array_equal(kernel, np.ones((3, 3)))


@pytest.mark.parametrize("bad", [None, "box", [[1, "a"]], np.ones(3)])
def test_weight_rejects_non_kernels(bad):
    """weight and normalize name the kernel argument when given something else."""
    with pytest.raises((TypeError, ValueError), match="kernel must be"):
        kernels.weight(bad)
    with pytest.raises((TypeError, ValueError), match="kernel must be"):
        kernels.normalize(bad)
