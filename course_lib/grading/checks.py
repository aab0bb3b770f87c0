"""``check``: what the notebooks' test cells call.

``grading.check(convolve, "convolve", points=3)`` runs the exercise's battery
on the student's function in the notebook's own kernel, prints a short,
friendly report and returns the points earned, which nbgrader reads as
partial credit. It never raises because an answer is wrong, and the student's
own printing never reaches stderr.

This in-kernel check gives feedback while students work. It is best-effort
against tampering (it keeps its own references to numpy's comparison
functions, taken when ``course_lib.grading`` is imported by the setup cell);
the authoritative score comes from the out-of-process grader.

The source code for the loop-only rule is found automatically for functions
defined in notebook cells or files. Functions created with ``exec`` have no
source on record: pass it with ``source=``.
"""

from __future__ import annotations

import inspect
import linecache
import numbers
import re
import sys
import types
import warnings
from contextlib import redirect_stderr

from .assess import assess
from .batteries import BatteryUnavailable, battery
from .calling import CALL_SECONDS, TIME_LIMIT_MARKER, call_in_process, not_run

__all__ = ["answer_source", "check"]

_NOTEBOOK_FILE = re.compile(r"(ipykernel_\d+|<ipython-input-)")


def _function_text(function: types.FunctionType) -> str | None:
    """The whole notebook cell a function was defined in, else its own source, else None."""
    filename = function.__code__.co_filename
    if _NOTEBOOK_FILE.search(filename):
        cell = "".join(linecache.getlines(filename, function.__globals__))
        if cell:
            return cell
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return None


def _names_used(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names_used(constant)
    return names


def answer_source(function) -> str | None:
    """The source of ``function`` and of the same-module helpers it calls, or None.

    For a function defined in a notebook cell this is the whole cell (so its
    imports and aliases are seen), plus the cells of helpers it calls that
    were defined in other cells.

    Examples
    --------
    >>> answer_source(answer_source).splitlines()[0]
    'def answer_source(function) -> str | None:'
    >>> answer_source(len) is None
    True
    """
    if not isinstance(function, types.FunctionType):
        return None
    pieces: list[str] = []
    queue = [function]
    seen: set[int] = set()
    while queue:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        text = _function_text(current)
        if text is not None and text not in pieces:
            pieces.append(text)
        for name in sorted(_names_used(current.__code__)):
            helper = current.__globals__.get(name)
            if isinstance(helper, types.FunctionType) and helper.__module__ == function.__module__:
                queue.append(helper)
    return "\n\n".join(pieces) if pieces else None


def _checked_points(points) -> float:
    if isinstance(points, bool) or not isinstance(points, numbers.Real):
        raise TypeError(f"points must be a number, got {points!r}")
    if not points >= 0:
        raise ValueError(f"points must be >= 0, got {points!r}")
    return float(points)


def check(
    function,
    name: str,
    *,
    points,
    hidden: bool = False,
    seed: int | None = None,
    source: str | None = None,
    time_limit: float | None = CALL_SECONDS,
) -> float:
    """Check a student's function, print a report, return the points earned.

    The report goes to stdout, or to stderr when nothing was earned (so that
    nbgrader's Validate lists the cell as failed, with the report as reason).
    A call that runs past ``time_limit`` is stopped, and the cases after it
    count as failed without being run: the grader's policy for hangs and
    crashes too.

    Parameters
    ----------
    function : callable
        The student's function, e.g. ``convolve``.
    name : str
        The exercise's name (see :func:`course_lib.grading.exercises.names`).
    points : float
        Points for this test cell; the result is between 0 and ``points``.
    hidden : bool, optional
        Run the full hidden battery instead of the small visible one.
    seed : int, optional
        Seed of the hidden battery's random inputs (default: the seed released
        with the assignment, the one the grader uses).
    source : str, optional
        The answer's source for the loop-only rule; found automatically when
        the function was defined in a notebook cell or a file.
    time_limit : float or None, optional
        Seconds one call may take before it is stopped (a never-ending loop
        then costs this exercise, not the whole notebook).

    Returns
    -------
    float
        ``points`` times the share of checks passed, rounded to 2 decimals.

    Raises
    ------
    KeyError
        If ``name`` is not a known exercise (a mistake in the test cell, not
        in the answer), or its hidden battery is not available here.

    Examples
    --------
    >>> def output_size(image_size, kernel_size):
    ...     if image_size < 1 or kernel_size < 1 or kernel_size > image_size:
    ...         raise ValueError("sizes must be at least 1 and the kernel fit in the image")
    ...     return image_size - kernel_size + 1
    >>> check(output_size, "output_size", points=1)
    output_size: all 7 checks passed.
    1.0
    """
    try:
        tests = battery(name, hidden=bool(hidden), seed=seed)
    except BatteryUnavailable as error:
        raise KeyError(str(error)) from None
    info = tests.info
    points = _checked_points(points)
    if source is not None and not isinstance(source, str):
        raise TypeError(f"source must be a str or None, got {type(source).__name__}")
    out = sys.stdout
    if not callable(function):
        print(f"{name}: expected a function, got {type(function).__name__} (0 points).", file=out)
        return 0.0
    cases = tests.cases
    outcomes = []
    for case in cases:
        outcome = call_in_process(function, case, guard=info.blocked, time_limit=time_limit)
        outcomes.append(outcome)
        if outcome.error is not None and TIME_LIMIT_MARKER in outcome.error:
            # The policy of the grader too: the cases after a runaway call are not run.
            reason = f"the input {case.label!r} hit the {time_limit:g} s time limit"
            outcomes += [not_run(reason)] * (len(cases) - len(outcomes))
            break
    if source is None:
        source = answer_source(function)
        own_name = getattr(function, "__name__", "")
        if source is not None and own_name != info.name:
            source = f"{source}\n{info.name} = {own_name}\n" if own_name.isidentifier() else None
    with warnings.catch_warnings(), redirect_stderr(out):
        warnings.simplefilter("ignore")
        report = assess(tests, outcomes, source=source)
    earned = round(points * report.fraction, 2)
    # nbgrader's Validate reads a test cell's stderr as its failure: a cell that earns
    # nothing says so there, one with partial credit reports on stdout.
    print(report.message, file=sys.stderr if earned == 0 < points else out)
    return earned
