"""course_lib.diagrams: number grids and window pictures used by the notebooks."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from course_lib import diagrams

matplotlib.use("Agg")


def test_number_grid_writes_every_value_in_row_major_order():
    """Each cell shows its own value, so a picture of a kernel is never transposed."""
    ax = diagrams.number_grid(np.array([[1.0, 2.5], [-3.0, 0.0]]))
    assert [t.get_text() for t in ax.texts] == ["1", "2.5", "-3", "0"]
    positions = [t.get_position() for t in ax.texts]
    assert positions[1] == (1.5, 0.5)
    assert positions[2] == (0.5, 1.5)


def test_number_grid_shades_and_highlights():
    """Shaded cells are grey and each highlight adds one outlined rectangle."""
    shade = np.zeros((3, 3), dtype=bool)
    shade[0, :] = True
    ax = diagrams.number_grid(np.zeros((3, 3)), shade=shade, highlight=[(0, 0, 2, 2), (1, 1, 2, 2)])
    assert len(ax.patches) == 9 + 2
    grey = matplotlib.colors.to_rgba(diagrams.PADDING_COLOUR)
    assert [p.get_facecolor() == grey for p in ax.patches[:9]] == [True] * 3 + [False] * 6


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        ([1, 2, 3], {}, "values must be 2-D"),
        (np.zeros((41, 2)), {}, "at most 40 x 40"),
        (np.zeros((2, 2)), {"shade": np.zeros((3, 3))}, "shade must have the shape"),
    ],
)
def test_number_grid_rejects_bad_input(values, kwargs, message):
    """Bad input gets an error naming the parameter."""
    with pytest.raises(ValueError, match=message):
        diagrams.number_grid(values, **kwargs)


@pytest.mark.parametrize(
    ("n", "k", "padding", "stride"),
    [(7, 3, 0, 1), (7, 3, 1, 2), (8, 3, 0, 2), (5, 5, 0, 1), (6, 2, 2, 3)],
)
def test_window_starts_count_matches_output_size_formula(n, k, padding, stride):
    """The number of windows drawn equals floor((n + 2p - k) / s) + 1."""
    starts = diagrams.window_starts(n, k, padding=padding, stride=stride)
    assert len(starts) == (n + 2 * padding - k) // stride + 1
    assert all(b - a == stride for a, b in zip(starts, starts[1:], strict=False))
    assert starts[-1] + k <= n + 2 * padding


def test_window_starts_rejects_a_kernel_longer_than_the_input():
    """A kernel that does not fit is an error, not an empty picture."""
    with pytest.raises(ValueError, match="larger than the padded input"):
        diagrams.window_starts(3, 5)


def test_window_positions_draws_one_bar_per_output():
    """The stride picture shows padded cells plus one bar per output position."""
    ax = diagrams.window_positions(5, 3, padding=1, stride=2)
    assert len(ax.patches) == 7 + 3
    assert ax.get_title().endswith("3 outputs")
