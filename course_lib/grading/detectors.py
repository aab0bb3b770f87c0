"""Generic mistake detectors: recognise a wrong result without a model of the mistake.

Some mistakes are easier to recognise than to reproduce: a window read one
pixel off, a result of the wrong shape, an empty array where a padding count
was 0. A battery names the detectors its exercise uses
(:class:`~course_lib.grading.battery.MistakeSpec`), and
:func:`detect` runs them on a failing result. They contain no answer to any
exercise, so they ship with the student-side checks.

Examples
--------
>>> import numpy as np
>>> from course_lib.grading.outcome import Case
>>> case = Case((np.zeros((3, 3)), 0))
>>> detect("empty-result", case, np.zeros((3, 3)), np.zeros((0, 0)), flag=True)
True
"""

from __future__ import annotations

import numpy as np

from .outcome import Case

__all__ = ["DETECTORS", "detect", "shifted_window"]

_allclose = np.allclose
_asarray = np.asarray
_isfinite = np.isfinite
_ndarray = np.ndarray


def shifted_window(case: Case, expected, value, flag=None) -> bool:
    """Whether ``value`` is the right result read through a window shifted by 1 or 2 pixels."""
    if not isinstance(value, _ndarray) or value.ndim != 2 or value.dtype.kind not in "biuf":
        return False
    expected = _asarray(expected, dtype=float)
    if value.shape != expected.shape:
        # A different shape has its own diagnoses (wrong-shape, a padded result).
        return False
    value = value.astype(float)
    scale = 1e-6 * max(1.0, float(np.abs(expected).max()))
    for dr in range(-2, 3):
        for dc in range(-2, 3):
            if dr == 0 and dc == 0:
                continue
            r0, r1 = max(0, -dr), min(value.shape[0], expected.shape[0] - dr)
            c0, c1 = max(0, -dc), min(value.shape[1], expected.shape[1] - dc)
            count = max(0, r1 - r0) * max(0, c1 - c0)
            if count < max(2, expected.size // 2):
                continue
            here = value[r0:r1, c0:c1]
            there = expected[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
            if _allclose(here, there, rtol=1e-5, atol=scale):
                return True
    return False


def _shape_differs(case: Case, expected, value, flag=None) -> bool:
    return getattr(value, "shape", None) != np.shape(expected)


def _empty_result(case: Case, expected, value, flag=None) -> bool:
    return bool(flag) and getattr(value, "size", 1) == 0


def _non_finite(case: Case, expected, value, flag=None) -> bool:
    return (
        bool(flag)
        and isinstance(value, _ndarray)
        and value.dtype.kind in "fc"
        and not bool(_isfinite(value).all())
    )


DETECTORS = {
    "shifted-window": shifted_window,
    "shape-differs": _shape_differs,
    "empty-result": _empty_result,
    "non-finite": _non_finite,
}
"""Detector name -> ``detector(case, expected, value, flag) -> bool``."""


def detect(name: str, case: Case, expected, value, *, flag=None) -> bool:
    """Run detector ``name``; ``flag`` is the case flag the detector needs, if any.

    Raises
    ------
    KeyError
        If ``name`` is not a known detector.
    """
    if name not in DETECTORS:
        raise KeyError(f"unknown detector {name!r}; known: {', '.join(DETECTORS)}")
    return bool(DETECTORS[name](case, expected, value, flag))
