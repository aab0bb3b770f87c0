"""Property tests of course_lib.reference against scipy and straightforward loop oracles."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course_lib import reference
from course_lib.reference import _correlate

# numpy.pad's mode names against scipy.ndimage's names for the same extension.
NDIMAGE_MODE = {
    "constant": "constant",
    "edge": "nearest",
    "symmetric": "reflect",
    "reflect": "mirror",
    "wrap": "grid-wrap",
}
METHODS = ("direct", "fft", "auto")

finite = st.floats(-100, 100, allow_nan=False, allow_infinity=False, width=64)
pairs = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))


@st.composite
def image_and_kernel(draw, *, max_side=14, non_square=True):
    """A random non-square image and a kernel (odd or even, often non-square) no larger."""
    h = draw(st.integers(2, max_side))
    w = draw(st.integers(2, max_side))
    if non_square:
        assume(h != w)
    kh = draw(st.integers(1, min(h, 6)))
    kw = draw(st.integers(1, min(w, 6)))
    image = draw(arrays(np.float64, (h, w), elements=finite))
    kernel = draw(arrays(np.float64, (kh, kw), elements=finite))
    return image, kernel


def close(actual, expected, *, rtol=1e-9):
    """Assert equality to ``rtol`` relative to the scale of the expected result."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    scale = max(float(np.abs(expected).max(initial=0.0)), 1.0)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=rtol * scale)


def as_pair(value):
    """Expand an int to a (rows, cols) pair."""
    return (value, value) if isinstance(value, int) else tuple(value)


def spread(kernel, dilation):
    """The kernel with ``dilation - 1`` zeros between taps."""
    dr, dc = dilation
    kh, kw = kernel.shape
    out = np.zeros((dr * (kh - 1) + 1, dc * (kw - 1) + 1))
    out[::dr, ::dc] = kernel
    return out


def oracle_widths(padding, shape, span, stride):
    """Padding widths computed independently of the library (TF's SAME rule written out)."""
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "full":
        return tuple((s - 1, s - 1) for s in span)
    if padding == "same":
        widths = []
        for n, k, s in zip(shape, span, stride, strict=True):
            total = max((math.ceil(n / s) - 1) * s + k - n, 0)
            widths.append((total // 2, total - total // 2))
        return tuple(widths)
    if isinstance(padding, int):
        return ((padding, padding), (padding, padding))
    return tuple(as_pair(p) for p in padding)


def oracle_correlate(image, kernel, *, padding, mode, stride, dilation):
    """np.pad, then scipy.signal's valid correlation with the spread kernel, then subsample."""
    stride, dilation = as_pair(stride), as_pair(dilation)
    big = spread(kernel, dilation)
    widths = oracle_widths(padding, image.shape, big.shape, stride)
    padded = np.pad(image, widths, mode=mode)
    dense = scipy.signal.correlate2d(padded, big, mode="valid")
    return dense[:: stride[0], :: stride[1]]


paddings = st.one_of(
    st.sampled_from(["valid", "same", "full"]),
    st.integers(0, 3),
    st.tuples(
        st.tuples(st.integers(0, 3), st.integers(0, 3)),
        st.tuples(st.integers(0, 3), st.integers(0, 3)),
    ),
)


@given(image_and_kernel(), st.sampled_from(METHODS))
def test_valid_matches_scipy_signal(case, method):
    """'valid' correlation and convolution equal scipy.signal's, for every method."""
    image, kernel = case
    close(
        reference.correlate2d(image, kernel, method=method),
        scipy.signal.correlate2d(image, kernel, mode="valid"),
    )
    close(
        reference.convolve2d(image, kernel, method=method),
        scipy.signal.convolve2d(image, kernel, mode="valid"),
    )


@given(image_and_kernel(), st.sampled_from(METHODS))
def test_full_matches_scipy_signal(case, method):
    """padding='full' with zeros equals scipy.signal's 'full' correlation and convolution."""
    image, kernel = case
    close(
        reference.correlate2d(image, kernel, padding="full", method=method),
        scipy.signal.correlate2d(image, kernel, mode="full"),
    )
    close(
        reference.convolve2d(image, kernel, padding="full", method=method),
        scipy.signal.convolve2d(image, kernel, mode="full"),
    )


@given(image_and_kernel(), st.sampled_from(sorted(NDIMAGE_MODE)), st.sampled_from(METHODS))
def test_same_matches_scipy_ndimage_in_every_mode(case, mode, method):
    """padding='same' at stride 1 equals scipy.ndimage.correlate in all five modes.

    For an even kernel TensorFlow puts the extra padding after, ndimage centres
    at ``k // 2``: the origin ``(k - 1) // 2 - k // 2`` reconciles the two.
    """
    image, kernel = case
    origin = [(k - 1) // 2 - k // 2 for k in kernel.shape]
    expected = scipy.ndimage.correlate(
        image, kernel, mode=NDIMAGE_MODE[mode], cval=0.0, origin=origin
    )
    close(reference.correlate2d(image, kernel, padding="same", mode=mode, method=method), expected)
    flipped = kernel[::-1, ::-1]
    close(reference.convolve2d(image, flipped, padding="same", mode=mode, method=method), expected)


@given(image_and_kernel(max_side=12), st.sampled_from(sorted(NDIMAGE_MODE)))
def test_pad_matches_scipy_ndimage_extension(case, mode):
    """pad() extends the image exactly as ndimage's equivalently named mode does."""
    image, _ = case
    width = min(image.shape) - 1 if mode == "reflect" else min(image.shape)
    padded = reference.pad(image, width, mode=mode)
    # Correlating with a single off-centre tap reads the extension pixel by pixel.
    for shift in (-width, width):
        probe = np.zeros((2 * width + 1, 1))
        probe[width + shift, 0] = 1.0
        got = scipy.ndimage.correlate(image, probe, mode=NDIMAGE_MODE[mode], cval=0.0)
        np.testing.assert_array_equal(
            padded[width + shift : width + shift + image.shape[0], width:-width], got
        )


@given(
    image_and_kernel(max_side=16),
    st.sampled_from(sorted(NDIMAGE_MODE)),
    paddings,
    pairs,
    pairs,
    st.sampled_from(METHODS),
)
def test_any_geometry_matches_padded_oracle(case, mode, padding, stride, dilation, method):
    """Any padding, mode, stride and dilation equal np.pad + scipy.signal + subsampling."""
    image, kernel = case
    span = [d * (k - 1) + 1 for k, d in zip(kernel.shape, as_pair(dilation), strict=True)]
    widths = oracle_widths(padding, image.shape, span, as_pair(stride))
    assume(all(s <= n + sum(w) for s, n, w in zip(span, image.shape, widths, strict=True)))
    if mode == "reflect":
        assume(all(max(w) < n for n, w in zip(image.shape, widths, strict=True)))
    out = reference.correlate2d(
        image, kernel, padding=padding, mode=mode, stride=stride, dilation=dilation, method=method
    )
    close(
        out,
        oracle_correlate(
            image, kernel, padding=padding, mode=mode, stride=stride, dilation=dilation
        ),
    )
    for axis in (0, 1):
        assert out.shape[axis] == reference.output_size(
            image.shape[axis],
            kernel.shape[axis],
            padding=padding if isinstance(padding, (str, int)) else padding[axis],
            stride=as_pair(stride)[axis],
            dilation=as_pair(dilation)[axis],
        )


@given(image_and_kernel(max_side=40), paddings, pairs, pairs)
def test_methods_agree(case, padding, stride, dilation):
    """'direct', 'fft' and 'auto' agree to 1e-9 of the result's scale."""
    image, kernel = case
    span = [d * (k - 1) + 1 for k, d in zip(kernel.shape, as_pair(dilation), strict=True)]
    widths = oracle_widths(padding, image.shape, span, as_pair(stride))
    assume(all(s <= n + sum(w) for s, n, w in zip(span, image.shape, widths, strict=True)))
    results = [
        reference.correlate2d(
            image, kernel, padding=padding, stride=stride, dilation=dilation, method=method
        )
        for method in METHODS
    ]
    close(results[1], results[0])
    close(results[2], results[0])


@given(
    arrays(
        np.float64,
        st.tuples(st.integers(4, 40), st.integers(4, 40)),
        elements=st.sampled_from([0.0, 0.0, 1.0, 255.0]),
    ),
    st.integers(1, 9),
    st.sampled_from(METHODS),
    st.sampled_from(["valid", "same", "full"]),
)
def test_non_negative_inputs_give_non_negative_outputs(image, size, method, padding):
    """Blurring non-negative images never yields negatives (FFT noise would look signed)."""
    size = min(size, *image.shape)
    blur = np.full((size, size), 1.0 / size**2)
    out = reference.correlate2d(image, blur, padding=padding, method=method)
    assert out.min() >= 0.0
    assert (reference.correlate2d(image, -blur, padding=padding, method=method) <= 0.0).all()
    stack = reference.correlate_stack(image[None], blur, padding=padding, method=method)
    assert stack.min() >= 0.0


def test_fft_blur_of_mnist_digits_is_not_signed():
    """A 9x9 blur of MNIST digits through the FFT stays >= 0 on the black background."""
    from course_lib import data

    digits = data.mnist()[0][:50]
    out = reference.correlate_stack(digits, np.ones((9, 9)) / 81, padding="same", method="fft")
    assert out.min() >= 0.0
    close(
        out,
        reference.correlate_stack(digits, np.ones((9, 9)) / 81, padding="same", method="direct"),
    )


@pytest.mark.parametrize("shape", [(512, 512), (300, 451), (28, 28)])
@pytest.mark.parametrize("size", [3, 4, 5, 7, 15, 31])
def test_methods_agree_on_realistic_sizes(shape, size):
    """On photograph-sized inputs and kernels up to 31x31 both methods stay exact."""
    rng = np.random.default_rng(size)
    image = rng.uniform(0, 255, shape)
    kernel = rng.standard_normal((min(size, shape[0]), min(size + 1, shape[1])))
    direct = reference.correlate2d(image, kernel, padding="same", method="direct")
    fft = reference.correlate2d(image, kernel, padding="same", method="fft")
    close(fft, direct)
    if size <= 7 and shape == (28, 28):
        close(
            direct,
            oracle_correlate(image, kernel, padding="same", mode="constant", stride=1, dilation=1),
        )


def test_auto_chooses_direct_for_small_and_fft_for_large_kernels():
    """The cost model picks the shifted sums for 3x3 and the FFT for 31x31 on 512x512."""
    small, large = np.ones((3, 3)), np.ones((31, 31))
    assert _correlate.choose_method((512, 512), small, (510, 510)) == "direct"
    assert _correlate.choose_method((512, 512), large, (482, 482)) == "fft"


@given(
    st.integers(1, 5),
    image_and_kernel(max_side=10, non_square=False),
    st.sampled_from(sorted(NDIMAGE_MODE)),
    st.sampled_from(["valid", "same", "full"]),
    pairs,
    st.sampled_from(METHODS),
)
def test_stack_equals_image_by_image(count, case, mode, padding, stride, method):
    """correlate_stack gives each image's correlate2d result."""
    image, kernel = case
    rng = np.random.default_rng(count)
    stack = np.stack([image * rng.standard_normal() + i for i in range(count)])
    out = reference.correlate_stack(
        stack, kernel, padding=padding, mode=mode, stride=stride, method=method
    )
    assert out.shape[0] == count
    for i in range(count):
        close(
            out[i],
            reference.correlate2d(
                stack[i], kernel, padding=padding, mode=mode, stride=stride, method="direct"
            ),
        )


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int64, np.float32, np.bool_])
def test_any_real_dtype_is_computed_in_float64(dtype):
    """uint8 images do not overflow and every real dtype gives a float64 result."""
    image = (np.arange(35).reshape(5, 7) * 7 % 256).astype(dtype)
    kernel = np.full((3, 2), 40, dtype=dtype)
    out = reference.correlate2d(image, kernel)
    assert out.dtype == np.float64
    expected = scipy.signal.correlate2d(image.astype(float), kernel.astype(float), mode="valid")
    np.testing.assert_array_equal(out, expected)


def test_inputs_are_not_modified():
    """Neither the image nor the kernel is changed, whatever the method."""
    rng = np.random.default_rng(0)
    image, kernel = rng.standard_normal((9, 11)), rng.standard_normal((3, 4))
    image_copy, kernel_copy = image.copy(), kernel.copy()
    for method in METHODS:
        reference.correlate2d(image, kernel, method=method, padding="same", mode="reflect")
        reference.convolve2d(image, kernel, method=method)
    np.testing.assert_array_equal(image, image_copy)
    np.testing.assert_array_equal(kernel, kernel_copy)


def test_result_is_a_fresh_contiguous_array():
    """With 'valid' padding the result never aliases the input."""
    image = np.ones((6, 5))
    out = reference.correlate2d(image, [[1.0]])
    out[:] = 7.0
    assert image.sum() == 30.0
    assert out.flags.c_contiguous


def test_non_contiguous_input():
    """Transposed and strided views are read correctly."""
    rng = np.random.default_rng(3)
    base = rng.standard_normal((20, 30))
    view = base.T[::2, 1::3]
    kernel = rng.standard_normal((2, 3))
    for method in METHODS:
        close(
            reference.correlate2d(view, kernel, method=method),
            scipy.signal.correlate2d(np.ascontiguousarray(view), kernel, mode="valid"),
        )


@pytest.mark.parametrize(
    ("n", "k", "stride", "dilation", "expected"),
    [
        (8, 3, 2, 1, (0, 1)),
        (28, 5, 2, 1, (1, 2)),
        (7, 3, 2, 1, (1, 1)),
        (5, 2, 1, 1, (0, 1)),
        (5, 3, 1, 1, (1, 1)),
        (4, 3, 4, 1, (0, 0)),
        (10, 3, 1, 2, (2, 2)),
    ],
)
def test_same_padding_examples(n, k, stride, dilation, expected):
    """same_padding follows TensorFlow's rule on known cases."""
    assert reference.same_padding(n, k, stride=stride, dilation=dilation) == expected


@given(st.integers(1, 60), st.integers(1, 9), st.integers(1, 4), st.integers(1, 3))
def test_same_padding_gives_ceil_outputs(n, k, stride, dilation):
    """SAME padding yields ceil(n / stride) outputs and puts any odd extra after."""
    before, after = reference.same_padding(n, k, stride=stride, dilation=dilation)
    assert 0 <= after - before <= 1
    out = reference.output_size(n, k, padding=(before, after), stride=stride, dilation=dilation)
    assert out == math.ceil(n / stride)
    assert reference.output_size(n, k, padding="same", stride=stride, dilation=dilation) == out


@given(
    st.integers(1, 60), st.integers(1, 9), st.integers(0, 4), st.integers(1, 4), st.integers(1, 3)
)
def test_output_size_formula(n, k, p, stride, dilation):
    """output_size counts the windows a loop would visit."""
    span = dilation * (k - 1) + 1
    assume(span <= n + 2 * p)
    visited = len(range(0, n + 2 * p - span + 1, stride))
    assert reference.output_size(n, k, padding=p, stride=stride, dilation=dilation) == visited
    assert reference.output_size(n, k, padding="full", dilation=dilation) == n + span - 1


def test_pad_returns_a_new_float_array():
    """pad(…, 0) copies and converts to float64."""
    image = np.arange(6, dtype=np.uint8).reshape(2, 3)
    padded = reference.pad(image, 0)
    assert padded.dtype == np.float64
    padded[0, 0] = 99
    assert image[0, 0] == 0
    assert reference.pad(image, ((1, 0), (0, 2)), mode="edge").shape == (3, 5)


# ---------------------------------------------------------------------------
# Pooling against loops written out here.


def loop_pool(image, size, stride, padding, reduce):
    """Visit every window with Python loops; padded cells are simply left out."""
    kh, kw = as_pair(size)
    sr, sc = as_pair(stride if stride is not None else size)
    h, w = image.shape
    if padding == "valid":
        rows, cols, top, left = (h - kh) // sr + 1, (w - kw) // sc + 1, 0, 0
    else:
        rows, cols = math.ceil(h / sr), math.ceil(w / sc)
        top = max((rows - 1) * sr + kh - h, 0) // 2
        left = max((cols - 1) * sc + kw - w, 0) // 2
    out = np.empty((rows, cols))
    for i in range(rows):
        for j in range(cols):
            r0, c0 = i * sr - top, j * sc - left
            window = image[max(r0, 0) : r0 + kh, max(c0, 0) : c0 + kw]
            out[i, j] = reduce(window)
    return out


@given(
    arrays(np.float64, st.tuples(st.integers(1, 13), st.integers(1, 13)), elements=finite),
    pairs,
    st.one_of(st.none(), pairs),
    st.sampled_from(["valid", "same", "SAME"]),
)
def test_pooling_matches_loops(image, size, stride, padding):
    """max_pool and avg_pool equal window-by-window loops, VALID and SAME."""
    kh, kw = as_pair(size)
    padding_name = padding.lower()
    if padding_name == "valid":
        assume(kh <= image.shape[0] and kw <= image.shape[1])
    np.testing.assert_array_equal(
        reference.max_pool(image, size, stride=stride, padding=padding),
        loop_pool(image, size, stride, padding_name, np.max),
    )
    close(
        reference.avg_pool(image, size, stride=stride, padding=padding),
        loop_pool(image, size, stride, padding_name, np.mean),
    )


def test_max_pool_same_ignores_padding_for_negative_images():
    """Padded cells never win a max, even when every pixel is negative."""
    image = -np.arange(1, 10, dtype=float).reshape(3, 3)
    out = reference.max_pool(image, 2, padding="same")
    np.testing.assert_array_equal(out, [[-1.0, -3.0], [-7.0, -9.0]])


def test_avg_pool_same_excludes_padded_cells():
    """A corner window of SAME average pooling averages only the real pixels."""
    image = np.full((3, 3), 6.0)
    np.testing.assert_array_equal(reference.avg_pool(image, 2, padding="same"), np.full((2, 2), 6))


# ---------------------------------------------------------------------------
# Batched NHWC convolution against a loop.


@given(
    st.integers(1, 3),
    st.integers(3, 9),
    st.integers(3, 9),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    pairs,
    st.sampled_from(["VALID", "SAME", "valid", 1]),
    st.integers(0, 2**32 - 1),
)
def test_conv2d_nhwc_matches_loops(n, h, w, c_in, c_out, kh, kw, stride, padding, seed):
    """conv2d_nhwc equals per-channel correlate2d summed over input channels."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w, c_in))
    weights = rng.standard_normal((kh, kw, c_in, c_out))
    out = reference.conv2d_nhwc(x, weights, stride=stride, padding=padding)
    name = padding.lower() if isinstance(padding, str) else padding
    for b in range(n):
        for o in range(c_out):
            expected = sum(
                reference.correlate2d(
                    x[b, :, :, c],
                    weights[:, :, c, o],
                    padding=name,
                    stride=stride,
                    method="direct",
                )
                for c in range(c_in)
            )
            close(out[b, :, :, o], expected)


# ---------------------------------------------------------------------------
# Bad input gets a message naming the problem.

IMAGE = np.ones((5, 6))
KERNEL = np.ones((3, 3))


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: reference.correlate2d(np.ones(5), KERNEL), ValueError, "image must be 2-D"),
        (
            lambda: reference.correlate2d(np.ones((2, 5, 5)), KERNEL),
            ValueError,
            "image must be 2-D",
        ),
        (lambda: reference.correlate2d(IMAGE, np.ones(3)), ValueError, "kernel must be 2-D"),
        (lambda: reference.correlate_stack(IMAGE, KERNEL), ValueError, "images must be 3-D"),
        (
            lambda: reference.correlate2d(IMAGE, np.ones((6, 3))),
            ValueError,
            "larger than the image",
        ),
        (lambda: reference.correlate2d(IMAGE, KERNEL, dilation=3), ValueError, "span"),
        (lambda: reference.correlate2d(IMAGE, KERNEL, stride=0), ValueError, "stride must be"),
        (lambda: reference.correlate2d(IMAGE, KERNEL, stride=(1, -1)), ValueError, "stride"),
        (lambda: reference.correlate2d(IMAGE, KERNEL, stride=1.5), TypeError, "stride"),
        (lambda: reference.correlate2d(IMAGE, KERNEL, dilation=0), ValueError, "dilation"),
        (lambda: reference.correlate2d(IMAGE, KERNEL, mode="mirror"), ValueError, "unknown mode"),
        (lambda: reference.correlate2d(IMAGE, KERNEL, padding="half"), ValueError, "padding"),
        (lambda: reference.correlate2d(IMAGE, KERNEL, padding=-1), ValueError, "padding"),
        (lambda: reference.correlate2d(IMAGE, KERNEL, padding=(1, 2, 3)), TypeError, "padding"),
        (lambda: reference.correlate2d(IMAGE, KERNEL, method="slow"), ValueError, "method"),
        (lambda: reference.correlate2d("image", KERNEL), TypeError, "image must be a numeric"),
        (lambda: reference.correlate2d(None, KERNEL), TypeError, "image must be a numeric"),
        (lambda: reference.correlate2d([["a", "b"]], KERNEL), TypeError, "image must be a numeric"),
        (
            lambda: reference.correlate2d(np.array([[1, None]], dtype=object), [[1]]),
            TypeError,
            "image must be a numeric",
        ),
        (lambda: reference.correlate2d(IMAGE, None), TypeError, "kernel must be a numeric"),
        (lambda: reference.correlate2d(IMAGE, [["x"]]), TypeError, "kernel must be a numeric"),
        (lambda: reference.correlate2d(IMAGE + 1j, KERNEL), TypeError, "real-valued"),
        (lambda: reference.correlate2d(np.full((3, 3), np.nan), [[1]]), ValueError, "NaN"),
        (lambda: reference.correlate2d(IMAGE, [[np.inf]]), ValueError, "infinite"),
        (lambda: reference.correlate2d(np.ones((0, 3)), [[1]]), ValueError, "empty"),
        (lambda: reference.pad(IMAGE, 1, mode="nearest"), ValueError, "unknown mode"),
        (lambda: reference.pad(IMAGE, -2), ValueError, "pad"),
        (lambda: reference.pad(IMAGE, "1"), TypeError, "pad"),
        (lambda: reference.output_size(3, 5), ValueError, "larger than"),
        (lambda: reference.output_size(0, 1), ValueError, "n must be"),
        (lambda: reference.same_padding(5, 3, stride=0), ValueError, "stride"),
        (lambda: reference.max_pool(IMAGE, 7), ValueError, "larger than the image"),
        (lambda: reference.max_pool(IMAGE, 2, padding="full"), ValueError, "padding"),
        (lambda: reference.avg_pool(IMAGE, 2, padding=1), TypeError, "padding"),
        (lambda: reference.avg_pool(IMAGE, 0), ValueError, "size"),
        (lambda: reference.max_pool(IMAGE, 2, stride=0), ValueError, "stride"),
        (
            lambda: reference.conv2d_nhwc(np.ones((1, 5, 5, 2)), np.ones((3, 3, 3, 1))),
            ValueError,
            "channels",
        ),
        (
            lambda: reference.conv2d_nhwc(np.ones((5, 5)), np.ones((3, 3, 1, 1))),
            ValueError,
            "x must",
        ),
        (
            lambda: reference.conv2d_nhwc(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1))),
            ValueError,
            "larger than",
        ),
        (
            lambda: reference.conv2d_nhwc(
                np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), padding="FULL"
            ),
            ValueError,
            "padding",
        ),
    ],
)
def test_bad_input_is_named(call, error, words):
    """Each kind of bad argument raises the right exception with a message naming it."""
    with pytest.raises(error, match=words):
        call()
