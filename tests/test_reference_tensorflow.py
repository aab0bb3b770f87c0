"""course_lib.reference against real TensorFlow: conv2d, SAME padding and pooling."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from course_lib import reference  # noqa: E402

# float32 in TensorFlow against float64 here: relative to the result's scale.
RTOL = 2e-5
EXAMPLES = settings(max_examples=25, deadline=None)


def close32(actual, expected):
    """Assert agreement to float32 precision relative to the result's scale."""
    actual, expected = np.asarray(actual), np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape
    scale = max(float(np.abs(expected).max(initial=0.0)), 1.0)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=RTOL * scale)


def tf_same_padding(n, k, stride):
    """Measure TensorFlow's SAME padding along one axis from its outputs on a ramp.

    The ramp 1, 2, ..., n is correlated with one-hot kernels: with the weight
    on tap ``j``, window ``i`` reads padded position ``i * stride + j``, so a
    non-zero output ``v`` there means that position is image pixel ``v - 1``
    and ``before = i * stride + j - (v - 1)``. The padding after is how far
    the last window reaches past the image.
    """
    ramp = np.arange(1, n + 1, dtype=np.float32).reshape(1, n, 1, 1)
    for tap in range(k):
        one_hot = np.zeros((k, 1, 1, 1), dtype=np.float32)
        one_hot[tap] = 1.0
        out = tf.nn.conv2d(ramp, one_hot, strides=[1, stride, 1, 1], padding="SAME").numpy()
        values = out[0, :, 0, 0]
        hits = np.flatnonzero(values)
        if hits.size:
            i = int(hits[0])
            before = i * stride + tap - (int(round(float(values[i]))) - 1)
            last_reach = (len(values) - 1) * stride + k - 1
            return before, max(last_reach - before - (n - 1), 0)
    raise AssertionError(f"no window of TensorFlow's output touched the image (n={n}, k={k})")


@pytest.mark.parametrize(
    ("n", "k", "stride", "expected"),
    [(8, 3, 2, (0, 1)), (28, 5, 2, (1, 2)), (7, 3, 2, (1, 1)), (5, 2, 1, (0, 1))],
)
def test_same_padding_examples_match_tensorflow(n, k, stride, expected):
    """The documented examples are what TensorFlow really does."""
    assert tf_same_padding(n, k, stride) == expected
    assert reference.same_padding(n, k, stride=stride) == expected


def test_same_padding_matches_tensorflow_everywhere():
    """same_padding equals TensorFlow's padding for every n <= 20, k <= 6, stride <= 3."""
    mismatches = [
        (n, k, s)
        for n in range(1, 21)
        for k in range(1, 7)
        for s in range(1, 4)
        if k <= n + 5 and tf_same_padding(n, k, s) != reference.same_padding(n, k, stride=s)
    ]
    assert mismatches == []


@EXAMPLES
@given(
    st.integers(1, 3),
    st.integers(5, 15),
    st.integers(4, 15),
    st.integers(1, 3),
    st.integers(1, 4),
    st.integers(1, 5),
    st.integers(1, 4),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
    st.sampled_from(["VALID", "SAME"]),
    st.integers(0, 2**32 - 1),
)
def test_conv2d_nhwc_matches_tf_nn_conv2d(n, h, w, c_in, c_out, kh, kw, stride, padding, seed):
    """conv2d_nhwc equals tf.nn.conv2d for random batches, channels, strides and paddings."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w + 1, c_in)).astype(np.float32)  # never square
    filters = rng.standard_normal((kh, kw, c_in, c_out)).astype(np.float32)
    expected = tf.nn.conv2d(x, filters, strides=[1, *stride, 1], padding=padding).numpy()
    close32(reference.conv2d_nhwc(x, filters, stride=stride, padding=padding), expected)


@EXAMPLES
@given(
    st.integers(5, 17),
    st.integers(3, 17),
    st.integers(1, 5),
    st.integers(1, 5),
    st.integers(1, 3),
    st.sampled_from(["VALID", "SAME"]),
    st.sampled_from(["direct", "fft"]),
    st.integers(0, 2**32 - 1),
)
def test_correlate2d_matches_tf_nn_conv2d(h, w, kh, kw, stride, padding, method, seed):
    """correlate2d with TensorFlow's padding names is what tf.nn.conv2d computes."""
    rng = np.random.default_rng(seed)
    image = rng.uniform(0, 255, (h, w + 2)).astype(np.float32)
    kernel = rng.standard_normal((kh, kw)).astype(np.float32)
    expected = tf.nn.conv2d(
        image[None, :, :, None], kernel[:, :, None, None], strides=stride, padding=padding
    ).numpy()[0, :, :, 0]
    close32(
        reference.correlate2d(image, kernel, padding=padding.lower(), stride=stride, method=method),
        expected,
    )


@EXAMPLES
@given(
    st.integers(9, 16),
    st.integers(9, 16),
    st.integers(1, 3),
    st.integers(1, 4),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
    st.sampled_from(["VALID", "SAME"]),
    st.integers(0, 2**32 - 1),
)
def test_dilated_correlate2d_matches_tensorflow(h, w, kh, kw, dilation, padding, seed):
    """Dilation, including SAME padding of the dilated span, matches tf.nn.conv2d."""
    rng = np.random.default_rng(seed)
    image = rng.standard_normal((h, w + 1)).astype(np.float32)
    kernel = rng.standard_normal((kh, kw)).astype(np.float32)
    expected = tf.nn.conv2d(
        image[None, :, :, None],
        kernel[:, :, None, None],
        strides=1,
        padding=padding,
        dilations=[1, *dilation, 1],
    ).numpy()[0, :, :, 0]
    close32(
        reference.correlate2d(image, kernel, padding=padding.lower(), dilation=dilation),
        expected,
    )


@EXAMPLES
@given(
    st.integers(1, 13),
    st.integers(1, 13),
    st.tuples(st.integers(1, 4), st.integers(1, 4)),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
    st.sampled_from(["VALID", "SAME"]),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_pooling_matches_tensorflow(h, w, size, stride, padding, negative, seed):
    """max_pool and avg_pool equal tf.nn.max_pool2d and tf.nn.avg_pool2d."""
    if padding == "VALID" and (size[0] > h or size[1] > w + 1):
        size = (min(size[0], h), min(size[1], w + 1))
    rng = np.random.default_rng(seed)
    image = rng.standard_normal((h, w + 1)).astype(np.float32)
    if negative:
        image = -np.abs(image) - 1  # padded cells must not win a max
    batch = image[None, :, :, None]
    expected_max = tf.nn.max_pool2d(batch, size, stride, padding).numpy()[0, :, :, 0]
    expected_avg = tf.nn.avg_pool2d(batch, size, stride, padding).numpy()[0, :, :, 0]
    close32(reference.max_pool(image, size, stride=stride, padding=padding), expected_max)
    close32(reference.avg_pool(image, size, stride=stride, padding=padding), expected_avg)


def test_default_pooling_is_tensorflow_2x2_stride_2():
    """max_pool's default window and stride are Keras MaxPooling2D's defaults."""
    rng = np.random.default_rng(7)
    image = rng.standard_normal((9, 10)).astype(np.float32)
    layer = tf.keras.layers.MaxPooling2D()
    expected = layer(image[None, :, :, None]).numpy()[0, :, :, 0]
    close32(reference.max_pool(image), expected)
