"""Timing in the notebooks: best-of-a-few wall times and sentences that follow from them.

Speed differs between machines and between runs, so a notebook that *says*
"loops are 1000 times slower" will be contradicted by some reader's own
plot. Here the sentences are computed from what the reader's run measured:
:func:`compare_times` words one ratio, :func:`crossover` finds where one
method starts winning for good, and :func:`speed_summary` writes the few
lines notebook 05 prints under its speed plot.

Examples
--------
>>> compare_times(2.0, 0.5)
'4.0 times slower than'
>>> crossover([3, 5, 7, 9], slow=[1.0, 2.0, 3.0, 4.0], fast=[2.5, 2.1, 2.0, 2.0])
7
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence

from ._validation import check_positive_int

__all__ = ["best_time", "compare_times", "crossover", "speed_summary"]

CLOSE_MARGIN = 0.25
"""Two times closer than this (25%) may swap places from one run to the next."""

FLAT_SPREAD = 3.0
"""A curve whose largest time is less than this many times its smallest is "nearly flat"
(next to the hundredfold growth of the work, machine noise is the rest)."""


def _positive_time(value, *, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, got {value!r}")
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a positive number of seconds, got {value}")
    return float(value)


def best_time(function: Callable, *args, repeats: int = 3, budget: float = 0.3, **kwargs) -> float:
    """Return the shortest wall time, in seconds, of a few calls ``function(*args, **kwargs)``.

    Other programs on the machine only ever add time, so the minimum is the
    least noisy estimate. Slow calls are repeated less: the repeats stop once
    ``budget`` seconds have been spent (after at least one call).

    Parameters
    ----------
    function : callable
    *args, **kwargs
        Passed to ``function``.
    repeats : int
        At most this many calls.
    budget : float
        Seconds after which no further call is started.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``function`` cannot be called.
    ValueError
        If ``repeats`` is below 1 or ``budget`` is not positive.

    Examples
    --------
    >>> best_time(sum, range(1000)) < 1.0
    True
    """
    if not callable(function):
        raise TypeError(f"function must be callable, got {type(function).__name__}")
    repeats = check_positive_int(repeats, name="repeats")
    budget = _positive_time(budget, name="budget")
    best, spent = math.inf, 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args, **kwargs)
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
        if spent > budget:
            break
    return best


def compare_times(seconds: float, other: float) -> str:
    """Word how ``seconds`` compares with ``other``: 'N times slower than', 'faster', 'as fast'.

    Within 10% of each other the two are "about as fast as" each other.
    Ratios below 10 keep one decimal.

    Raises
    ------
    TypeError, ValueError
        If a time is not a positive number.

    Examples
    --------
    >>> compare_times(1.5, 0.001)
    '1500 times slower than'
    >>> compare_times(0.2, 0.3)
    '1.5 times faster than'
    >>> compare_times(1.05, 1.0)
    'about as fast as'
    """
    seconds = _positive_time(seconds, name="seconds")
    other = _positive_time(other, name="other")
    ratio = seconds / other
    if 1 / 1.1 <= ratio <= 1.1:
        return "about as fast as"
    word, factor = ("slower", ratio) if ratio > 1 else ("faster", 1 / ratio)
    digits = 0 if factor >= 10 else 1
    return f"{factor:.{digits}f} times {word} than"


def crossover(sizes: Sequence, *, slow: Sequence[float], fast: Sequence[float]):
    """Return the first size from which ``fast`` beats ``slow`` at *every* larger size, or None.

    Near a crossover two methods take almost the same time, and which one
    wins at a single size can change between runs; asking for a win at every
    larger size makes the answer stable.

    Parameters
    ----------
    sizes : sequence
        The sizes measured, in increasing order.
    slow, fast : sequence of float
        Times of the two methods at each size; ``fast`` is expected to win
        for large sizes.

    Raises
    ------
    ValueError
        If the three sequences have different lengths or are empty.

    Examples
    --------
    >>> crossover([3, 5, 7], slow=[1.0, 3.0, 2.0], fast=[2.0, 2.5, 2.1])
    >>> crossover([3, 5, 7], slow=[3.0, 3.0, 3.0], fast=[2.0, 2.0, 2.0])
    3
    """
    if not len(sizes) == len(slow) == len(fast) or not len(sizes):
        raise ValueError(
            f"sizes, slow and fast must have the same non-zero length, got {len(sizes)}, "
            f"{len(slow)} and {len(fast)}"
        )
    found = None
    for size, slow_time, fast_time in reversed(list(zip(sizes, slow, fast, strict=True))):
        if fast_time >= slow_time:
            break
        found = size
    return found


def speed_summary(
    sizes: Sequence[int],
    timings: Mapping[str, Sequence[float]],
    *,
    loops: str,
    direct: str,
    fft: str,
) -> list[str]:
    """Return the sentences a speed plot supports, computed from its measurements.

    Parameters
    ----------
    sizes : sequence of int
        Kernel sizes measured, increasing.
    timings : mapping of str to sequence of float
        Seconds per method, one per size.
    loops, direct, fft : str
        The keys of ``timings`` holding the Python loops, the direct numpy
        method and the FFT.

    Returns
    -------
    list of str
        One sentence per line: the loops against every other method (fastest
        first) at the smallest and the largest size, the loop times against
        the growth of the work, the growth of the direct method, and where
        the FFT wins for good.

    Raises
    ------
    KeyError
        If ``loops``, ``direct`` or ``fft`` is not a key of ``timings``.
    ValueError
        If a series has a different length than ``sizes``.

    Examples
    --------
    >>> lines = speed_summary(
    ...     [3, 31],
    ...     {"loops": [1.2, 1.5], "direct": [0.004, 0.12], "fft": [0.009, 0.004]},
    ...     loops="loops", direct="direct", fft="fft",
    ... )
    >>> print("\\n".join(lines))
    k = 3: the loops were 300 times slower than direct, 133 times slower than fft.
    k = 31: the loops were 375 times slower than fft, 12 times slower than direct.
    The loops took 1.2 s for the whole image at k = 3 and 1.5 s at k = 31, although the multiply-adds per window grew 107-fold: their curve is nearly flat.
    direct took 30 times longer at k = 31 than at k = 3 (k squared grew 107-fold).
    fft beat direct from k = 31 on, at every size measured; at k = 31 it was 30 times faster than direct.
    """  # noqa: E501
    for key in (loops, direct, fft):
        if key not in timings:
            raise KeyError(f"timings has no series {key!r}; it has {', '.join(timings)}")
    for key, series in timings.items():
        if len(series) != len(sizes):
            raise ValueError(f"timings[{key!r}] has {len(series)} times for {len(sizes)} sizes")
    others = [key for key in timings if key != loops]
    lines = []
    for index in (0, -1):
        ranked = sorted(others, key=lambda key: timings[key][index])
        comparisons = ", ".join(
            f"{compare_times(timings[loops][index], timings[key][index])} {key}" for key in ranked
        )
        lines.append(f"k = {sizes[index]}: the loops were {comparisons}.")
    loop_times = timings[loops]
    work = sizes[-1] ** 2 / sizes[0] ** 2
    flat = max(loop_times) < FLAT_SPREAD * min(loop_times)
    lines.append(
        f"The loops took {loop_times[0]:.1f} s for the whole image at k = {sizes[0]} and "
        f"{loop_times[-1]:.1f} s at k = {sizes[-1]}, although the multiply-adds per window grew "
        f"{work:.0f}-fold" + (": their curve is nearly flat." if flat else ".")
    )
    growth = timings[direct][-1] / timings[direct][0]
    lines.append(
        f"{direct} took {growth:.0f} times longer at k = {sizes[-1]} than at k = {sizes[0]} "
        f"(k squared grew {work:.0f}-fold)."
    )
    start = crossover(sizes, slow=timings[direct], fast=timings[fft])
    if start is None:
        lines.append(f"{fft} did not beat {direct} at the largest size measured.")
    else:
        index = list(sizes).index(start)
        fft_time, direct_time = timings[fft][index], timings[direct][index]
        close = (
            ": close enough for the order at this size to change between runs"
            if direct_time / fft_time - 1 < CLOSE_MARGIN
            else ""
        )
        lines.append(
            f"{fft} beat {direct} from k = {start} on, at every size measured; at k = {start} "
            f"it was {compare_times(fft_time, direct_time)} {direct}{close}."
        )
    return lines
