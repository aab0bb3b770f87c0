"""How long does one widget update take on ascent (512 x 512)?

Run with ``.venv/bin/python benchmarks/widget_speed.py``. Each widget is
driven from Python exactly as a browser would drive it (a control's value
changes, the widget recomputes and re-encodes its PNG); the wall time of that
assignment is the update time. The goal is under 100 ms per update in the
kernel, so the widgets feel live.

Peer, measured in the same run on the same result: the same update rendered
the plain way, a matplotlib figure with ``imshow`` and ``savefig`` to PNG. The
last column is the widget update divided by that peer (below 1.0: the widget
is faster than drawing a matplotlib figure for every change).

Each timing is the median of several rounds after a warm-up; the contenders
take turns so that a change in the machine's load affects all of them alike.
"""

from __future__ import annotations

import io
import os
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from course_lib import data, kernels, reference  # noqa: E402
from course_lib.display import display_limits  # noqa: E402
from course_lib.widgets import filter_picker, kernel_editor, pooling_explorer  # noqa: E402
from course_lib.widgets._render import render_png  # noqa: E402

REPEATS = 15
BUDGET_MS = 100.0


def toggler(assign, values):
    """A zero-argument callable that assigns the next of ``values`` on each call."""
    state = {"i": 0}

    def step():
        state["i"] = (state["i"] + 1) % len(values)
        assign(values[state["i"]])

    return step


def matplotlib_render(result: np.ndarray) -> bytes:
    """The plain way: one matplotlib figure per update, honest limits, PNG bytes."""
    vmin, vmax, cmap = display_limits(result)
    fig, ax = plt.subplots(figsize=(3.4, 3.4), dpi=100)
    ax.imshow(result, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_axis_off()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def contenders() -> dict:
    """Each widget update and the peer, as zero-argument callables."""
    ascent = data.ascent()
    picker = filter_picker()
    face_picker = filter_picker(image="face")
    gaussian_picker = filter_picker()
    gaussian_picker.kernel_dropdown.value = "gaussian"
    post_picker = filter_picker()
    post_picker.kernel_dropdown.value = "sobel_right"
    editor = kernel_editor()
    explorer = pooling_explorer()
    sobel = kernels.get("sobel_right")

    def set_kernel(widget):
        return lambda name: setattr(widget.kernel_dropdown, "value", name)

    return {
        "filter picker: kernel change": toggler(
            set_kernel(picker), ["sobel_right", "laplacian", "emboss", "sharpen"]
        ),
        "filter picker: display change": toggler(
            lambda how: setattr(post_picker.post_dropdown, "value", how),
            ["none", "abs", "rescale", "relu"],
        ),
        "filter picker: gaussian size 5..15": toggler(
            lambda size: setattr(gaussian_picker.gaussian_size, "value", size), [5, 9, 15]
        ),
        "filter picker: face 768 x 1024": toggler(
            set_kernel(face_picker), ["sobel_right", "laplacian"]
        ),
        "kernel editor: one weight typed": toggler(
            lambda value: setattr(editor.cells[0][0], "value", value), [1.0, -2.0, 0.5]
        ),
        "pooling explorer: size change": toggler(
            lambda size: setattr(explorer.size_slider, "value", size), [2, 3, 4]
        ),
        "peer: correlate + matplotlib imshow/savefig": lambda: matplotlib_render(
            reference.correlate2d(ascent, sobel, padding="same")
        ),
        "  part: correlate2d SAME only": lambda: reference.correlate2d(
            ascent, sobel, padding="same"
        ),
        "  part: numpy colormap + Pillow PNG only": lambda: render_png(
            reference.correlate2d(ascent, sobel, padding="same")
        ),
    }


def median_seconds(functions: dict, *, repeats: int = REPEATS) -> dict:
    """Median wall time of each callable, after one warm-up call of each, taking turns."""
    times = {name: [] for name in functions}
    for function in functions.values():
        function()
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    load_before = os.getloadavg()[0]
    medians = median_seconds(contenders())
    load_after = os.getloadavg()[0]
    peer = medians["peer: correlate + matplotlib imshow/savefig"]
    print(f"Widget update times, median of {REPEATS} (goal: under {BUDGET_MS:.0f} ms on ascent)")
    print(f"{'update':46s} {'ms':>8s} {'/ budget':>9s} {'/ matplotlib peer':>18s}")
    for name, seconds in medians.items():
        ms = seconds * 1000
        print(f"{name:46s} {ms:8.1f} {ms / BUDGET_MS:9.2f} {seconds / peer:18.2f}")
    cores = os.cpu_count()
    print(f"1-minute load average {load_before:.1f} before, {load_after:.1f} after, {cores} CPUs")


if __name__ == "__main__":
    main()
