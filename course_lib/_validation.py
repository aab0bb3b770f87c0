"""Argument checks shared by every public function.

Each helper raises with a message that names the parameter and says what was
wrong with it, e.g. ``image must be 2-D, got shape (3,)``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

__all__ = [
    "as_float_array",
    "check_choice",
    "check_pair_of_positive_ints",
    "check_positive_int",
]


def as_float_array(value, *, name: str, ndim: int | Sequence[int] | None = None) -> np.ndarray:
    """Return ``value`` as a float64 array after checking it is numeric.

    Parameters
    ----------
    value : array_like
        The argument to check.
    name : str
        The parameter's name, used in error messages.
    ndim : int or sequence of int, optional
        Accepted number(s) of dimensions.

    Returns
    -------
    numpy.ndarray
        A float64 array (a copy when a conversion was needed).

    Raises
    ------
    TypeError
        If ``value`` is not numeric (strings, objects, None).
    ValueError
        If ``value`` has the wrong number of dimensions, is empty, or holds NaN.

    Examples
    --------
    >>> as_float_array([[1, 2], [3, 4]], name="image", ndim=2).dtype
    dtype('float64')
    >>> as_float_array([1, 2, 3], name="image", ndim=2)
    Traceback (most recent call last):
    ...
    ValueError: image must be 2-D, got shape (3,)
    """
    if value is None:
        raise TypeError(f"{name} must be a numeric array, got None")
    array = np.asarray(value)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(f"{name} must be a numeric array, got dtype {array.dtype}")
    if np.iscomplexobj(array):
        raise TypeError(f"{name} must be real-valued, got dtype {array.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in allowed:
            wanted = " or ".join(f"{n}-D" for n in allowed)
            raise ValueError(f"{name} must be {wanted}, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    result = array.astype(np.float64, copy=False)
    if np.isnan(result).any():
        raise ValueError(f"{name} contains NaN")
    return result


def check_positive_int(value, *, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum``.

    Examples
    --------
    >>> check_positive_int(2, name="stride")
    2
    >>> check_positive_int(0, name="stride")
    Traceback (most recent call last):
    ...
    ValueError: stride must be an integer >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_pair_of_positive_ints(value, *, name: str, minimum: int = 1) -> tuple[int, int]:
    """Return ``(rows, cols)`` from an int or a pair of ints, each >= ``minimum``.

    Examples
    --------
    >>> check_pair_of_positive_ints(2, name="stride")
    (2, 2)
    >>> check_pair_of_positive_ints((1, 3), name="stride")
    (1, 3)
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        number = check_positive_int(value, name=name, minimum=minimum)
        return number, number
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        return (
            check_positive_int(value[0], name=name, minimum=minimum),
            check_positive_int(value[1], name=name, minimum=minimum),
        )
    raise TypeError(f"{name} must be an integer or a pair of integers, got {value!r}")


def check_choice(value, *, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` after checking it is one of ``choices``.

    Examples
    --------
    >>> check_choice("edge", name="mode", choices=("constant", "edge"))
    'edge'
    >>> check_choice("mirror", name="mode", choices=("constant", "edge"))
    Traceback (most recent call last):
    ...
    ValueError: unknown mode 'mirror'; choose one of: 'constant', 'edge'
    """
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"unknown {name} {value!r}; choose one of: {listed}")
    return value
