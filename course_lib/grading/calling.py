"""Call a student's function on one case and keep only plain data.

:func:`call_in_process` is what the in-notebook checks use: it runs the call in
the current interpreter, so it is a convenience for feedback, not a security
boundary (the authoritative grader runs answers in a separate process).
Still, it makes sure that

- the student's function receives private copies of the inputs, and what it
  did to them is recorded (``Outcome.inputs_after``);
- printed output, warnings and anything written to stderr are captured, so
  nothing reaches stderr (nbgrader zeroes a test cell that writes there);
- the result is converted to plain data: a plain ``numpy.ndarray`` copy (never
  the student's subclass), a Python scalar or a tuple of them;
- library convolution functions are blocked during the call when asked.

Examples
--------
>>> import numpy as np
>>> from course_lib.grading.outcome import Case
>>> def double(image):
...     print("working")
...     return image * 2
>>> outcome = call_in_process(double, Case((np.ones((2, 2)),)))
>>> outcome.kind, outcome.value.tolist(), outcome.output
('ndarray', [[2.0, 2.0], [2.0, 2.0]], 'working\\n')
"""

from __future__ import annotations

import copy
import io
import numbers
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Mapping
from contextlib import contextmanager, nullcontext, redirect_stderr, redirect_stdout

import numpy as np

from .guard import blocked_library_calls
from .outcome import Case, Outcome

__all__ = ["CALL_SECONDS", "NOT_RUN", "TIME_LIMIT_MARKER", "call_in_process", "not_run",
           "plain_value"]

TIME_LIMIT_MARKER = "grading time limit"
"""Text in the error of a call stopped by ``time_limit``."""

CALL_SECONDS = 10.0
"""Seconds one call of a graded function may take, in the notebook's check and in the grader."""

NOT_RUN = "NotRun"
"""Start of the error of a case that was not run because an earlier one hit a limit."""

_OUTPUT_LIMIT = 2000
_ERROR_LIMIT = 500
_SEQUENCE_LIMIT = 16

# Taken when the grading package is imported (the notebook's setup cell),
# before any student code runs, so later monkey-patching of numpy does not
# reach them.
_ndarray = np.ndarray
_view = np.ndarray.view
_copy = np.ndarray.copy
_asarray = np.asarray
_generic = np.generic
_errstate = np.errstate
_shares_memory = np.shares_memory


def _copy_argument(value):
    if isinstance(value, _ndarray):
        return _copy(_view(value, _ndarray))
    return copy.deepcopy(value)


RAISED_IN = " (raised in {name}, which it calls)"
"""Added to a NotImplementedError that a helper the graded function calls raised."""


def _raised_elsewhere(error: BaseException, function) -> str:
    """:data:`RAISED_IN` for a NotImplementedError raised in another function (an unanswered
    helper such as ``output_size`` inside ``convolve``), else ``""``."""
    if not isinstance(error, NotImplementedError):
        return ""
    frames = traceback.extract_tb(error.__traceback__)
    innermost = frames[-1].name if frames else None
    if innermost in (None, getattr(function, "__name__", None), "<module>", "<lambda>"):
        return ""
    return RAISED_IN.format(name=innermost)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plain_value(result) -> tuple[object, str, str]:
    """Reduce a returned object to ``(value, kind, type_name)`` of plain data.

    Parameters
    ----------
    result : object
        Whatever the student's function returned.

    Returns
    -------
    value : numpy.ndarray, int, float, bool, tuple or None
    kind : {'ndarray', 'subclass', 'list', 'tuple', 'scalar', 'none', 'other'}
    type_name : str

    Examples
    --------
    >>> plain_value(np.float32(1.5))
    (1.5, 'scalar', 'float32')
    >>> plain_value([1, 2])
    ((1, 2), 'list', 'list')
    >>> value, kind, _ = plain_value(np.ma.masked_array([1.0, 2.0]))
    >>> type(value).__name__, kind
    ('ndarray', 'subclass')
    """
    type_name = type(result).__name__
    if result is None:
        return None, "none", type_name
    if isinstance(result, _ndarray):
        kind = "ndarray" if type(result) is _ndarray else "subclass"
        return _copy(_view(result, _ndarray)), kind, type_name
    if isinstance(result, bool | numbers.Number | _generic) and not isinstance(result, str):
        try:
            return _asarray(result).item(), "scalar", type_name
        except Exception:  # noqa: BLE001 - a hostile number type is just "other"
            return None, "other", type_name
    if isinstance(result, list | tuple):
        kind = "list" if isinstance(result, list) else "tuple"
        return _plain_sequence(result), kind, type_name
    return None, "other", type_name


def _plain_sequence(items):
    """A short flat sequence of numbers becomes a tuple; anything else an array or None."""
    try:
        if len(items) <= _SEQUENCE_LIMIT and all(
            isinstance(item, numbers.Number | _generic) and not isinstance(item, _ndarray)
            for item in items
        ):
            return tuple(_asarray(item).item() for item in items)
        array = _asarray(items)
        if array.dtype == object:
            return None
        return _copy(_view(array, _ndarray))
    except Exception:  # noqa: BLE001 - ragged or hostile contents
        return None


def _shares_an_argument(result, args, kwargs) -> bool:
    """Whether an array result is (a view of) an array the function was given."""
    if not isinstance(result, _ndarray):
        return False
    given = [v for v in (*args, *kwargs.values()) if isinstance(v, _ndarray)]
    return any(_shares_memory(result, value) for value in given)


@contextmanager
def _captured_streams():
    """Send Python-level and file-descriptor-level stdout/stderr to one buffer."""
    buffer, saved_fd, spill = io.StringIO(), None, None
    try:
        try:
            sys.__stderr__.flush()
            saved_fd = os.dup(2)
            spill = tempfile.TemporaryFile()
            os.dup2(spill.fileno(), 2)
        except (OSError, AttributeError, ValueError):
            # No usable file descriptor 2 (an embedded interpreter): Python-level capture only.
            if saved_fd is not None:
                os.close(saved_fd)
            saved_fd = None
        with redirect_stdout(buffer), redirect_stderr(buffer):
            yield buffer
    finally:
        if saved_fd is not None:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            spill.seek(0)
            buffer.write(spill.read().decode("utf-8", errors="replace"))
        if spill is not None:
            spill.close()


def _guard(guard):
    if not guard:
        return nullcontext()
    return blocked_library_calls(modules=dict(guard) if isinstance(guard, Mapping) else None)


class _TimeLimit(Exception):
    """Raised inside the student's code when the time limit is reached."""


@contextmanager
def _time_limit(seconds: float | None):
    """Interrupt the call after ``seconds`` (main thread on Unix only; otherwise no limit)."""
    if seconds is None or not hasattr(signal, "setitimer") or (
        threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def stop(signum, frame):
        raise _TimeLimit(f"{TIME_LIMIT_MARKER} of {seconds:g} s reached")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def not_run(reason: str) -> Outcome:
    """The outcome of a case that was not run, because of what happened to an earlier one.

    The policy, the same in the notebook's check and in the grader: when a call
    hangs past the time limit, crashes the process or exhausts its memory, the
    cases already finished keep their result, and that case and every later
    one count as failed.
    """
    return Outcome(error=f"{NOT_RUN}: {reason}")


def call_in_process(
    function, case: Case, *, guard=True, time_limit: float | None = None
) -> Outcome:
    """Call ``function`` on ``case`` in this interpreter and return an :class:`Outcome`.

    Parameters
    ----------
    function : callable
        The student's function.
    case : Case
        Arguments; arrays are copied before the call, so the case is never
        changed.
    guard : bool or mapping, optional
        What to block during the call (see :mod:`course_lib.grading.guard`):
        a mapping module -> function names (:func:`~.guard.blocked_for`),
        True for the library convolution entry points, False for nothing.
    time_limit : float, optional
        Seconds after which the call is interrupted; its error then contains
        :data:`TIME_LIMIT_MARKER`. Works in the main thread on Unix (a
        notebook kernel); elsewhere the call is not limited.

    Returns
    -------
    Outcome
        Plain data only. Exceptions raised by ``function`` (including
        ``SystemExit``) are recorded in ``error``, never propagated; only
        ``KeyboardInterrupt`` goes through so a student can stop a runaway
        loop.

    Examples
    --------
    >>> def broken(n):
    ...     raise NotImplementedError
    >>> call_in_process(broken, Case((3,))).error
    'NotImplementedError: '
    """
    if not callable(function):
        raise TypeError(f"function must be callable, got {type(function).__name__}")
    if not isinstance(case, Case):
        raise TypeError(f"case must be a Case, got {type(case).__name__}")
    if time_limit is not None and not (
        isinstance(time_limit, int | float) and not isinstance(time_limit, bool) and time_limit > 0
    ):
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    args = tuple(_copy_argument(value) for value in case.args)
    kwargs = {key: _copy_argument(value) for key, value in case.kwargs.items()}
    result = None
    error = None
    with _captured_streams() as buffer, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        try:
            # The timer is innermost so that it is cancelled before the guard restores
            # the library functions: an alarm must never interrupt the restoring.
            with _errstate(all="warn"), _guard(guard), _time_limit(time_limit):
                result = function(*args, **kwargs)
        except KeyboardInterrupt:
            raise
        except _TimeLimit as exc:
            error = f"TimeoutError: {exc}"
        except BaseException as exc:  # noqa: BLE001 - any failure is the student's outcome
            where = _raised_elsewhere(exc, function)
            error = _short(f"{type(exc).__name__}: {exc}", _ERROR_LIMIT - len(where)) + where
        seconds = time.perf_counter() - start
        value, kind, type_name, shares = None, "none", "NoneType", False
        if error is None:
            try:
                shares = _shares_an_argument(result, args, kwargs)
                value, kind, type_name = plain_value(result)
            except Exception as exc:  # noqa: BLE001 - a hostile result object
                value, kind, type_name = None, "other", type(result).__name__
                error = _short(f"{type(exc).__name__}: {exc}", _ERROR_LIMIT)
    output = buffer.getvalue()
    for warning in caught:
        output += f"{warning.category.__name__}: {warning.message}\n"
    inputs_after = tuple(
        _copy_argument(value) if isinstance(value, _ndarray) else value for value in args
    )
    return Outcome(value=value, kind=kind, type_name=type_name, error=error,
                   inputs_after=inputs_after, output=_short(output, _OUTPUT_LIMIT),
                   seconds=seconds, shares_input=shares)
