"""Block library convolution entry points while a loop-only answer runs.

The static loop-only rule (:mod:`course_lib.grading.static`) reads the
answer's source; this guard is its run-time partner. While
:func:`blocked_library_calls` is active, calling any of the functions in
:data:`BLOCKED` raises ``PermissionError`` with a message containing
:data:`BLOCKED_MARKER`, which :func:`~course_lib.grading.assess.assess`
recognises as a ``library-call`` (``course-library`` for the course's own functions).

Two things are patched, and both are restored on exit, even on error:

- the module attribute (``scipy.signal.convolve2d``), for code that looks the
  function up at call time;
- the Python function's ``__code__``, for code that took a reference earlier
  (``from scipy.signal import convolve2d as c``). Code is swapped only on
  plain Python functions without closures; C functions (``cv2.filter2D``) and
  TensorFlow's wrapped ops are blocked through their module attribute only.

Modules that were never imported are left alone (importing TensorFlow only
to block it would take seconds).

Examples
--------
>>> import numpy as np
>>> with blocked_library_calls():
...     np.convolve([1, 2], [1, 1])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
PermissionError: numpy.convolve is blocked during grading: ...
>>> np.convolve([1, 2], [1, 1]).tolist()
[1, 3, 2]
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

from .rules import COURSE, LIBRARY, WINDOWS, runtime_blocks

__all__ = ["BLOCKED", "BLOCKED_MARKER", "COURSE_MODULES", "blocked_for", "blocked_library_calls",
           "course_functions", "is_blocked_error", "is_course_library_error"]

BLOCKED_MARKER = "is blocked during grading"
"""Text every blocked call's error message contains."""

BLOCKED: dict[str, tuple[str, ...]] = runtime_blocks(LIBRARY + WINDOWS)
"""Library convolution, filtering and window functions: blocked while a loop-only answer runs."""

COURSE_MODULES = tuple(rule.path for rule in COURSE)
"""The course's own modules that hold answers: their public functions are blocked while any
graded function runs (no free points), except those an exercise allows by name."""

_HELP = (
    "write the loops yourself (loops, indexing, np.sum, np.max and np.multiply on windows are fine)"
)
_COURSE_HELP = "the course's own answers are off limits in a graded function; write it yourself"


def course_functions() -> dict[str, tuple[str, ...]]:
    """The public functions of :data:`COURSE_MODULES`, by module."""
    found = {}
    for name in COURSE_MODULES:
        module = importlib.import_module(name)
        found[name] = tuple(
            n for n in getattr(module, "__all__", ()) if callable(getattr(module, n, None))
        )
    return found


def blocked_for(
    *, library: bool, forbidden: tuple[str, ...] = (), allowed: tuple[str, ...] = ()
) -> dict[str, tuple[str, ...]]:
    """What to block while one graded function runs.

    Parameters
    ----------
    library : bool
        Block the library functions of :data:`BLOCKED` (loop-only exercises).
    forbidden : tuple of str
        Further dotted function names to block (``"numpy.pad"``).
    allowed : tuple of str
        Dotted names left alone although in a course module (``"course_lib.kernels.get"``).

    Examples
    --------
    >>> spec = blocked_for(library=False, forbidden=("numpy.pad",),
    ...                    allowed=("course_lib.kernels.get",))
    >>> "output_size" in spec["course_lib.reference"], "get" in spec["course_lib.kernels"]
    (True, False)
    >>> spec["numpy"]
    ('pad',)
    """
    spec = {module: tuple(n for n in names if f"{module}.{n}" not in allowed)
            for module, names in course_functions().items()}
    if library:
        for module, names in BLOCKED.items():
            spec[module] = tuple(dict.fromkeys(spec.get(module, ()) + names))
    for path in forbidden:
        module, name = path.rsplit(".", 1)
        spec[module] = tuple(dict.fromkeys(spec.get(module, ()) + (name,)))
    return spec


_CODE_CACHE: dict[str, types.CodeType] = {}


def _blocking_code(qualified: str) -> types.CodeType:
    """A code object that raises, usable in any closure-free function.

    It only names the builtin ``PermissionError`` and a constant, so it runs
    correctly with the patched function's own globals.
    """
    if qualified not in _CODE_CACHE:
        help_text = _COURSE_HELP if qualified.startswith("course_lib.") else _HELP
        message = f"{qualified} {BLOCKED_MARKER}: {help_text}"
        text = f"def blocked(*args, **kwargs):\n    raise PermissionError({message!r})\n"
        namespace: dict = {}
        exec(compile(text, "<grading guard>", "exec"), namespace)  # noqa: S102
        _CODE_CACHE[qualified] = namespace["blocked"].__code__
    return _CODE_CACHE[qualified]


def _blocker(qualified: str) -> types.FunctionType:
    """A new function that raises, put in the module in place of ``qualified``."""
    blocked = types.FunctionType(_blocking_code(qualified), globals(), qualified.rsplit(".", 1)[-1])
    blocked.__qualname__ = blocked.__name__
    return blocked


def _python_functions(obj) -> Iterator[types.FunctionType]:
    """The plain functions behind ``obj``: itself, what it wraps, numpy's implementation."""
    seen = set()
    stack = [obj]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, types.FunctionType):
            yield current
        for attribute in ("__wrapped__", "_implementation"):
            try:
                stack.append(getattr(current, attribute, None))
            except Exception:  # noqa: BLE001 - a hostile object must not break the guard
                continue


@contextmanager
def blocked_library_calls(*, modules: dict[str, tuple[str, ...]] | None = None):
    """Context manager: library convolution functions raise ``PermissionError`` inside.

    Parameters
    ----------
    modules : dict, optional
        Module name -> function names to block; defaults to :data:`BLOCKED`.
    """
    targets = BLOCKED if modules is None else modules
    attributes: list[tuple[types.ModuleType, str, object]] = []
    codes: list[tuple[types.FunctionType, types.CodeType]] = []
    try:
        for module_name, names in targets.items():
            module = sys.modules.get(module_name)
            if module is None:
                continue
            for name in names:
                original = module.__dict__.get(name)
                if original is None:
                    continue
                qualified = f"{module_name}.{name}"
                for function in _python_functions(original):
                    if function.__code__.co_freevars or any(
                        function is patched for patched, _ in codes
                    ):
                        continue
                    codes.append((function, function.__code__))
                    function.__code__ = _blocking_code(qualified)
                attributes.append((module, name, original))
                setattr(module, name, _blocker(qualified))
        yield
    finally:
        for module, name, original in reversed(attributes):
            setattr(module, name, original)
        for function, code in reversed(codes):
            function.__code__ = code


def is_course_library_error(error: str | None) -> bool:
    """Whether an Outcome's ``error`` comes from a blocked call into the course's own modules.

    Examples
    --------
    >>> is_course_library_error(
    ...     "PermissionError: course_lib.reference.pad is blocked during grading: ...")
    True
    """
    return is_blocked_error(error) and error.startswith("PermissionError: course_lib.")


def is_blocked_error(error: str | None) -> bool:
    """Whether an Outcome's ``error`` text comes from a blocked library call.

    Examples
    --------
    >>> is_blocked_error("PermissionError: numpy.convolve is blocked during grading: ...")
    True
    >>> is_blocked_error("ValueError: bad shape")
    False
    """
    return bool(error) and error.startswith("PermissionError") and BLOCKED_MARKER in error
