"""How fast is course_lib.reference.correlate2d next to scipy and TensorFlow?

Run with ``.venv/bin/python benchmarks/reference_speed.py``. Every library is
timed in the same run on the same 512 x 512 float64 "ascent" image and the
same random (hence non-separable) kernel per size; each timing is the median
of several rounds after a warm-up call, the contenders taking turns. The last
column is course_lib's time divided by the fastest scipy routine: at most 1.0
means the reference is not the bottleneck of anything built on it.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np
import scipy.ndimage
import scipy.signal

from course_lib import data, reference
from course_lib.reference._correlate import choose_method
from course_lib.tf_loader import load_tensorflow

tf, _ = load_tensorflow()

SIZES = (3, 5, 7, 15, 31)
REPEATS = 9


def median_seconds(functions: dict, *, repeats: int = REPEATS) -> dict:
    """Median wall time of each callable, after one warm-up call of each.

    The callables take turns (one call of each per round) so that a change in
    the machine's load during the run affects all of them alike.
    """
    times = {name: [] for name in functions}
    for function in functions.values():
        function()
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def contenders(image: np.ndarray, kernel: np.ndarray) -> dict:
    """Every implementation of a 'valid' cross-correlation, as zero-argument callables."""
    flipped = kernel[::-1, ::-1].copy()
    x = tf.constant(image[None, :, :, None])
    w = tf.constant(kernel[:, :, None, None])
    return {
        "course_lib": lambda: reference.correlate2d(image, kernel),
        "ndimage.correlate": lambda: scipy.ndimage.correlate(image, kernel),
        "signal.correlate2d": lambda: scipy.signal.correlate2d(image, kernel, mode="valid"),
        "signal.fftconvolve": lambda: scipy.signal.fftconvolve(image, flipped, mode="valid"),
        "tf.nn.conv2d": lambda: tf.nn.conv2d(x, w, strides=1, padding="VALID").numpy(),
    }


def main() -> None:
    image = data.ascent().astype(np.float64)
    rng = np.random.default_rng(2024)
    names = list(contenders(image, np.ones((3, 3))))
    header = (
        f"{'k':>3} {'method':>7} " + " ".join(f"{n:>19}" for n in names) + "   ratio  rel. error"
    )
    print(f"ascent {image.shape} float64, median of {REPEATS} rounds, milliseconds")
    # Other work on the machine slows every contender; the load tells how noisy the table is.
    print("load average (1, 5, 15 min) at start: " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(header)
    for k in SIZES:
        kernel = rng.standard_normal((k, k))
        out_shape = tuple(n - k + 1 for n in image.shape)
        method = choose_method(image.shape, kernel, out_shape)
        timings = median_seconds(contenders(image, kernel))
        fastest_scipy = min(
            v for n, v in timings.items() if n not in ("course_lib", "tf.nn.conv2d")
        )
        ratio = timings["course_lib"] / fastest_scipy
        # Speed only counts if the answer is right: distance to scipy.signal's result.
        expected = scipy.signal.correlate2d(image, kernel, mode="valid")
        error = np.abs(reference.correlate2d(image, kernel) - expected).max()
        relative = error / np.abs(expected).max()
        cells = " ".join(f"{1e3 * timings[n]:19.2f}" for n in names)
        print(f"{k:>3} {method:>7} {cells}   {ratio:5.2f}  {relative:10.1e}")
    print("load average (1, 5, 15 min) at end:   " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
