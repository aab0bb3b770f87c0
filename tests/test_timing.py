"""course_lib.timing: best-of-n times, and speed sentences that follow from the measurements."""

from __future__ import annotations

import itertools
import time

import pytest

from course_lib.timing import best_time, compare_times, crossover, speed_summary


def test_best_time_is_the_shortest_call():
    """The result is the minimum over the calls, not their mean."""
    pauses = iter([0.03, 0.0, 0.03])
    assert best_time(lambda: time.sleep(next(pauses)), repeats=3) < 0.02


def test_best_time_stops_once_the_budget_is_spent():
    """A call slower than the budget runs once, however many repeats are allowed."""
    calls = itertools.count()

    def slow():
        next(calls)
        time.sleep(0.02)

    best_time(slow, repeats=10, budget=0.01)
    assert next(calls) == 1


def test_best_time_passes_arguments():
    """Positional and keyword arguments reach the function."""
    seen = []
    best_time(lambda a, *, b: seen.append((a, b)), 1, b=2, repeats=2)
    assert seen == [(1, 2), (1, 2)]


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "words"),
    [
        ((3,), {}, TypeError, "function must be callable"),
        ((sum, []), {"repeats": 0}, ValueError, "repeats must be an integer >= 1"),
        ((sum, []), {"budget": -1.0}, ValueError, "budget must be a positive number"),
    ],
)
def test_best_time_checks_arguments(args, kwargs, error, words):
    """Bad arguments are refused with the parameter named."""
    with pytest.raises(error, match=words):
        best_time(*args, **kwargs)


@pytest.mark.parametrize(
    ("seconds", "other", "words"),
    [
        (4.0, 1.0, "4.0 times slower than"),
        (1.0, 4.0, "4.0 times faster than"),
        (250.0, 1.0, "250 times slower than"),
        (1.0, 1.08, "about as fast as"),
        (1.08, 1.0, "about as fast as"),
    ],
)
def test_compare_times_words_the_ratio(seconds, other, words):
    """Ratios read the right way round, with 'about as fast' within 10%."""
    assert compare_times(seconds, other) == words


def test_compare_times_refuses_zero():
    """A zero time has no ratio: the message names the argument."""
    with pytest.raises(ValueError, match="other must be a positive number"):
        compare_times(1.0, 0.0)


def test_crossover_needs_a_win_at_every_larger_size():
    """A single lucky win before the real crossover does not count."""
    sizes = [3, 5, 7, 9, 11]
    direct = [1.0, 2.0, 3.0, 4.0, 5.0]
    fft = [2.0, 1.9, 3.1, 3.5, 3.5]  # wins at 5 by noise, loses at 7, wins from 9 on
    assert crossover(sizes, slow=direct, fast=fft) == 9
    assert crossover(sizes, slow=direct, fast=[9.0] * 5) is None


def test_crossover_checks_lengths():
    """Series of different lengths are refused."""
    with pytest.raises(ValueError, match="same non-zero length, got 2, 2 and 1"):
        crossover([3, 5], slow=[1.0, 2.0], fast=[1.0])


MEASURED = {
    "loops (scaled)": [1.26, 1.27, 1.54],
    "numpy direct": [0.0043, 0.019, 0.12],
    "numpy FFT": [0.0087, 0.0078, 0.0034],
    "scipy.ndimage": [0.0027, 0.027, 0.24],
}


def test_speed_summary_follows_the_measurements():
    """Every sentence states what these numbers show, including the slowdown at k = 31."""
    lines = speed_summary(
        [3, 11, 31], MEASURED, loops="loops (scaled)", direct="numpy direct", fft="numpy FFT"
    )
    assert lines[0] == (
        "k = 3: the loops were 467 times slower than scipy.ndimage, 293 times slower than "
        "numpy direct, 145 times slower than numpy FFT."
    )
    assert lines[1] == (
        "k = 31: the loops were 453 times slower than numpy FFT, 13 times slower than "
        "numpy direct, 6.4 times slower than scipy.ndimage."
    )
    assert lines[2] == (
        "The loops took 1.3 s for the whole image at k = 3 and 1.5 s at k = 31, although the "
        "multiply-adds per window grew 107-fold: their curve is nearly flat."
    )
    assert lines[3] == (
        "numpy direct took 28 times longer at k = 31 than at k = 3 (k squared grew 107-fold)."
    )
    assert lines[4].startswith("numpy FFT beat numpy direct from k = 11 on")
    assert "2.4 times faster than numpy direct" in lines[4]


def test_speed_summary_warns_when_the_crossover_is_close():
    """A crossover won by a few percent is flagged as one that can move between runs."""
    timings = dict(MEASURED, **{"numpy FFT": [0.0087, 0.017, 0.0034]})
    lines = speed_summary(
        [3, 11, 31], timings, loops="loops (scaled)", direct="numpy direct", fft="numpy FFT"
    )
    assert "change between runs" in lines[4]


def test_speed_summary_does_not_claim_a_flat_curve_that_is_not():
    """Loops whose time doubles are not called flat."""
    timings = dict(MEASURED, **{"loops (scaled)": [1.0, 2.0, 3.5]})
    lines = speed_summary(
        [3, 11, 31], timings, loops="loops (scaled)", direct="numpy direct", fft="numpy FFT"
    )
    assert "flat" not in lines[2]


def test_speed_summary_checks_its_series():
    """A missing series or a short one is named."""
    with pytest.raises(KeyError, match="no series 'TensorFlow'"):
        speed_summary([3, 11, 31], MEASURED, loops="TensorFlow", direct="numpy direct",
                      fft="numpy FFT")
    with pytest.raises(ValueError, match="has 3 times for 2 sizes"):
        speed_summary([3, 11], MEASURED, loops="loops (scaled)", direct="numpy direct",
                      fft="numpy FFT")
