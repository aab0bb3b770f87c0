"""course_lib._validation: the shared argument checks and their messages."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib._validation import (
    as_float_array,
    check_choice,
    check_pair_of_positive_ints,
    check_positive_int,
)


@pytest.mark.parametrize(
    "dtype", [np.uint8, np.int8, np.int32, np.uint64, np.float16, np.float32, np.bool_]
)
def test_as_float_array_converts_real_dtypes(dtype):
    """Every real numeric dtype becomes float64 with the same values."""
    values = np.array([[0, 1], [1, 0]], dtype=dtype)
    out = as_float_array(values, name="image", ndim=2)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, values.astype(np.float64))


def test_as_float_array_accepts_nested_lists_and_keeps_float64_without_copy():
    """Lists are converted; a float64 array is passed through unchanged."""
    assert as_float_array([[1, 2]], name="x").tolist() == [[1.0, 2.0]]
    array = np.ones((2, 2))
    assert as_float_array(array, name="x") is array


def test_as_float_array_converted_copy_leaves_input_alone():
    """Converting an integer array never writes back into it."""
    values = np.arange(4, dtype=np.int64)
    out = as_float_array(values, name="x")
    out[0] = 99
    assert values[0] == 0


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (None, TypeError, "image must be a numeric array, got None"),
        ("abc", TypeError, "image must be a numeric array, got dtype <U3"),
        ([["a", "b"]], TypeError, "image must be a numeric array"),
        (np.array([[1, None]], dtype=object), TypeError, "image must be a numeric array"),
        (np.array([1.0], dtype=object), TypeError, "got dtype object"),
        (np.array([1 + 2j]), TypeError, "image must be real-valued"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), TypeError, "numeric array"),
        (np.zeros((0, 4)), ValueError, r"image must not be empty, got shape \(0, 4\)"),
        (np.array([[1.0, np.nan]]), ValueError, "image contains NaN"),
    ],
)
def test_as_float_array_rejects_with_named_message(value, error, message):
    """Non-numeric, complex, empty or NaN input is refused with the parameter's name."""
    with pytest.raises(error, match=message):
        as_float_array(value, name="image")


def test_as_float_array_checks_dimensions():
    """ndim accepts one number or several and the message lists what was allowed."""
    with pytest.raises(ValueError, match=r"image must be 2-D, got shape \(3,\)"):
        as_float_array([1, 2, 3], name="image", ndim=2)
    with pytest.raises(ValueError, match=r"image must be 2-D or 3-D, got shape \(\)"):
        as_float_array(5, name="image", ndim=(2, 3))
    assert as_float_array(np.ones((2, 2, 3)), name="image", ndim=(2, 3)).ndim == 3


def test_as_float_array_allows_infinity():
    """Infinity passes (max pooling pads with it); only NaN is refused."""
    assert np.isinf(as_float_array([np.inf], name="x")).all()


def test_check_positive_int():
    """Integers >= minimum pass as int; bools, floats and small values are refused."""
    assert check_positive_int(np.int64(3), name="stride") == 3
    assert type(check_positive_int(np.int64(3), name="stride")) is int
    assert check_positive_int(0, name="pad", minimum=0) == 0
    with pytest.raises(ValueError, match="stride must be an integer >= 1, got 0"):
        check_positive_int(0, name="stride")
    with pytest.raises(TypeError, match="stride must be an integer, got True"):
        check_positive_int(True, name="stride")
    with pytest.raises(TypeError, match="stride must be an integer, got 2.0"):
        check_positive_int(2.0, name="stride")
    with pytest.raises(TypeError, match="stride must be an integer, got '2'"):
        check_positive_int("2", name="stride")


def test_check_pair_of_positive_ints():
    """An int is doubled, a pair is checked element by element, anything else is refused."""
    assert check_pair_of_positive_ints(2, name="size") == (2, 2)
    assert check_pair_of_positive_ints([1, 3], name="size") == (1, 3)
    assert check_pair_of_positive_ints((0, 0), name="pad", minimum=0) == (0, 0)
    with pytest.raises(ValueError, match="size must be an integer >= 1, got 0"):
        check_pair_of_positive_ints((2, 0), name="size")
    with pytest.raises(TypeError, match="size must be an integer or a pair"):
        check_pair_of_positive_ints((1, 2, 3), name="size")
    with pytest.raises(TypeError, match="size must be an integer or a pair"):
        check_pair_of_positive_ints("22", name="size")
    with pytest.raises(TypeError, match="size must be an integer, got 1.5"):
        check_pair_of_positive_ints((1.5, 2), name="size")
    with pytest.raises(TypeError, match="size must be an integer or a pair"):
        check_pair_of_positive_ints(None, name="size")


def test_check_choice():
    """Known choices pass; an unknown one is named along with every choice."""
    assert check_choice("b", name="mode", choices=("a", "b")) == "b"
    with pytest.raises(ValueError, match="unknown mode 'c'; choose one of: 'a', 'b'"):
        check_choice("c", name="mode", choices=("a", "b"))
    with pytest.raises(ValueError, match="unknown mode None"):
        check_choice(None, name="mode", choices=("a", "b"))
