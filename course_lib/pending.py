"""Cells that use an exercise before it is done: a waiting line, not a traceback.

A student notebook starts with every graded function still raising
``NotImplementedError``. The cells below an exercise use that function, and
without help the first of them would stop "Run All" with a traceback. Two
small tools let those cells say what they are waiting for instead, so the
chapter reads, and its pictures show, from top to bottom before any exercise
is done:

- :func:`try_it` wraps a cell that exists to show *your* function at work
  (a "try it" cell, a comparison, a timing). While the function is not
  written, the cell prints one line saying it is waiting for it, and shows
  nothing else: no answer is given away.
- :func:`yours_or_reference` is for cells that draw a figure the chapter
  needs. It returns a function that calls yours, or, while yours still raises
  ``NotImplementedError``, the course's trusted implementation, and then
  prints one line saying that the figure was made with the reference.

Only a ``NotImplementedError`` raised inside the named function (or a
function of the same notebook that it calls) counts as "not written yet";
every other error is a real problem: :func:`yours_or_reference` raises it as
usual, and :func:`try_it` shows it with its traceback on stderr and lets the
next cells run. Once your
function works, both tools step aside: the cell runs exactly as if they were
not there.

Examples
--------
>>> def convolve(image, kernel):
...     raise NotImplementedError()
>>> with try_it(convolve):
...     print(convolve([[1]], [[1]]))
Waiting for your convolve: it still raises NotImplementedError. Write it in its exercise above, then run this cell again.
>>> from course_lib import reference
>>> convolve_or_reference = yours_or_reference(convolve, reference.correlate2d)
>>> convolve_or_reference([[1, 2]], [[1]])
Your convolve is not written yet, so this cell uses the course's reference.correlate2d in its place.
array([[1., 2.]])
"""  # noqa: E501

from __future__ import annotations

import contextlib
import functools
import sys
import traceback
from collections.abc import Callable, Iterator

__all__ = ["try_it", "waiting_line", "yours_or_reference"]


def _check_function(value, *, name: str) -> None:
    if not callable(value):
        raise TypeError(f"{name} must be a function, got {type(value).__name__}")


def _label(function) -> str:
    module = getattr(function, "__module__", None) or ""
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", None)
    name = name or type(function).__name__
    if module.startswith("course_lib."):
        return f"{module.removeprefix('course_lib.').split('.')[0]}.{name}"
    return name


def _unwritten_in(error: BaseException, functions) -> str | None:
    """Name of the innermost notebook function that raised ``error``, or None.

    ``error`` counts only if it is a ``NotImplementedError`` raised while one
    of ``functions`` ran: its frame is on the traceback. The name reported is
    that of the innermost frame defined alongside them (same globals), so a
    ``convolve_same`` that calls an unwritten ``convolve`` reports ``convolve``.
    """
    if not isinstance(error, NotImplementedError):
        return None
    codes = {function.__code__ for function in functions if hasattr(function, "__code__")}
    namespaces = [getattr(function, "__globals__", None) for function in functions]
    frames = []
    trace = error.__traceback__
    while trace is not None:
        frames.append(trace.tb_frame)
        trace = trace.tb_next
    if not any(frame.f_code in codes for frame in frames):
        return None
    for frame in reversed(frames):
        if frame.f_code.co_name != "<module>" and any(
            frame.f_globals is namespace for namespace in namespaces if namespace is not None
        ):
            return frame.f_code.co_name
    return None


def waiting_line(name: str) -> str:
    """Return the line a cell prints while it waits for the function ``name``.

    Examples
    --------
    >>> waiting_line("max_pool")
    'Waiting for your max_pool: it still raises NotImplementedError. Write it in its exercise above, then run this cell again.'
    """  # noqa: E501
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    return (
        f"Waiting for your {name}: it still raises NotImplementedError. "
        "Write it in its exercise above, then run this cell again."
    )


@contextlib.contextmanager
def try_it(*functions: Callable) -> Iterator[None]:
    """Run a block that shows your functions at work, or say it is waiting for them.

    If the block raises ``NotImplementedError`` from inside one of
    ``functions`` (it is still the exercise's placeholder), the rest of the
    block is skipped and one line saying so is printed instead of a
    traceback. Any other error (a written function that fails, or returns
    something the block cannot use, such as an array of the wrong shape) is
    shown on stderr with its traceback and a line saying so, and is not
    raised: *Run All* goes on to the exercise's check cell, which says what
    is wrong.

    Parameters
    ----------
    *functions : callable
        The exercise functions the block uses, at least one.

    Raises
    ------
    TypeError
        If no function is given, or one of them is not callable.

    Examples
    --------
    >>> def output_size(image_size, kernel_size):
    ...     raise NotImplementedError()
    >>> with try_it(output_size):
    ...     print(output_size(224, 3))
    Waiting for your output_size: it still raises NotImplementedError. Write it in its exercise above, then run this cell again.
    >>> def output_size(image_size, kernel_size):
    ...     return image_size - kernel_size + 1
    >>> with try_it(output_size):
    ...     print(output_size(224, 3))
    222
    """  # noqa: E501
    if not functions:
        raise TypeError("try_it needs at least one function, e.g. try_it(convolve)")
    for index, function in enumerate(functions):
        _check_function(function, name=f"functions[{index}]")
    try:
        yield
    except Exception as error:  # noqa: BLE001 - shown, so that Run All reaches the check
        name = _unwritten_in(error, functions)
        if name is not None:
            print(waiting_line(name))
            return
        names = ", ".join(_label(function) for function in functions)
        trace = error.__traceback__
        if trace is not None and trace.tb_frame.f_code.co_filename == __file__:
            trace = trace.tb_next  # start at the cell, not at this function's ``yield``
        shown = "".join(traceback.format_exception(type(error), error, trace))
        print(
            f"{shown}This cell stopped on the error above while trying your {names}. "
            "The cells below still run; the exercise's check cell says what is wrong.",
            file=sys.stderr,
        )


def yours_or_reference(function: Callable, reference: Callable, **options) -> Callable:
    """Return a function that calls yours, or the reference while yours is not written.

    The first call that finds ``function`` still raising
    ``NotImplementedError`` prints one line saying the cell uses the reference
    instead; from then on the returned function calls the reference directly.
    Make a new one in each cell that draws a figure, so that every such cell
    says which implementation drew it.

    Parameters
    ----------
    function : callable
        Your function, e.g. ``convolve``.
    reference : callable
        The course's implementation of the same thing, e.g.
        ``reference.correlate2d``.
    **options
        Keyword arguments always passed to the reference (not to your
        function), e.g. ``padding="same"``.

    Returns
    -------
    callable
        Takes the arguments ``function`` takes. Its ``used_reference``
        attribute tells whether the reference has stood in.

    Raises
    ------
    TypeError
        If ``function`` or ``reference`` is not callable.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib import reference
    >>> def convolve_same(image, kernel):
    ...     raise NotImplementedError()
    >>> same = yours_or_reference(convolve_same, reference.correlate2d, padding="same")
    >>> same(np.ones((3, 3)), np.ones((2, 2))).shape
    Your convolve_same is not written yet, so this cell uses the course's reference.correlate2d(padding='same') in its place.
    (3, 3)
    >>> same.used_reference
    True
    """  # noqa: E501
    _check_function(function, name="function")
    _check_function(reference, name="reference")
    stand_in = functools.partial(reference, **options) if options else reference
    settings = ", ".join(f"{key}={value!r}" for key, value in options.items())
    described = f"{_label(reference)}({settings})" if settings else _label(reference)

    def yours_or_theirs(*args, **kwargs):
        if yours_or_theirs.used_reference:
            return stand_in(*args, **kwargs)
        try:
            return function(*args, **kwargs)
        except NotImplementedError as error:
            name = _unwritten_in(error, (function,))
            if name is None:
                raise
            yours_or_theirs.used_reference = True
            print(
                f"Your {name} is not written yet, so this cell uses the course's "
                f"{described} in its place."
            )
            return stand_in(*args, **kwargs)

    yours_or_theirs.used_reference = False
    yours_or_theirs.__name__ = f"{getattr(function, '__name__', 'function')}_or_reference"
    yours_or_theirs.__doc__ = f"Your {_label(function)}, or {described} while it is not written."
    return yours_or_theirs
