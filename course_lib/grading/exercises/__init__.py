"""The registry of graded exercises, one module per assignment.

Each module (``convolution`` for 01, ``padding`` for 02, ``filters`` for 03,
``pooling`` for 04, ``tensorflow`` for 05) defines ``EXERCISES``, a list of
:class:`~course_lib.grading.exercise.Exercise` instances in notebook order.
Modules that do not exist yet are skipped, so assignments can be added one
at a time.

Adding an exercise
------------------
1. Subclass :class:`~course_lib.grading.exercise.Exercise` in the
   assignment's module: set ``name``, ``assignment``, ``signature``,
   ``parameters``, ``result`` ('array', 'number' or 'pair') and ``loop_only``;
   write ``reference`` (call the functions in ``_common.TRUSTED``, not
   ``course_lib.reference`` directly), ``visible_cases`` (small, fixed) and
   ``hidden_cases(rng)``. Use inputs that tell mistakes apart: non-square
   images and kernels, asymmetric kernels, uint8 with signed weights.
2. Add a diagnosis: a :class:`~course_lib.grading.exercise.Mistake` with a
   stable code, an explanation that continues "<function name> ...", and a
   ``model`` (a deliberately wrong reference) or a ``detector``; or a
   :class:`~course_lib.grading.exercise.Pattern` for mistakes that show
   across cases (``square-only``).
3. Append the instance to the module's ``EXERCISES`` and write a test that
   feeds the buggy answer's source through the checks and expects the code.

Every module is imported with this package, that is by the notebook's setup
cell, before any student code runs: the reference functions the exercises
keep (see ``_common.TRUSTED``) are the genuine ones.

Examples
--------
>>> from course_lib.grading import exercises
>>> exercises.get("convolve").assignment
'01_convolution'
>>> [e.name for e in exercises.for_assignment("01_convolution")]
['output_size', 'convolve']
"""

from __future__ import annotations

import importlib

from ..exercise import Exercise

__all__ = ["ASSIGNMENTS", "all_exercises", "for_assignment", "get", "names"]

ASSIGNMENTS = {
    "01_convolution": "convolution",
    "02_padding": "padding",
    "03_filters": "filters",
    "04_pooling": "pooling",
    "05_tensorflow": "tensorflow",
}
"""Assignment name -> module of this package that defines its exercises."""


def _load(module_name: str) -> list[Exercise]:
    qualified = f"{__name__}.{module_name}"
    try:
        module = importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:
            return []
        raise
    return list(module.EXERCISES)


_REGISTRY: dict[str, list[Exercise]] = {
    assignment: _load(module_name) for assignment, module_name in ASSIGNMENTS.items()
}


def all_exercises() -> list[Exercise]:
    """Every registered exercise, in course order."""
    return [exercise for found in _REGISTRY.values() for exercise in found]


def names() -> list[str]:
    """The names of every registered exercise, in course order.

    Examples
    --------
    >>> names()[:2]
    ['output_size', 'convolve']
    """
    return [exercise.name for exercise in all_exercises()]


def get(name: str) -> Exercise:
    """The exercise for the graded function ``name``.

    Raises
    ------
    KeyError
        If no exercise has that name; the message lists the known names.

    Examples
    --------
    >>> get("no_such_function")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    KeyError: "unknown exercise 'no_such_function'; known: ...
    """
    for exercise in all_exercises():
        if exercise.name == name:
            return exercise
    raise KeyError(f"unknown exercise {name!r}; known: {', '.join(names())}")


def for_assignment(assignment: str) -> list[Exercise]:
    """The exercises of one assignment, in notebook order.

    Raises
    ------
    KeyError
        If the assignment is unknown.
    """
    if assignment not in ASSIGNMENTS:
        raise KeyError(f"unknown assignment {assignment!r}; known: {', '.join(ASSIGNMENTS)}")
    return list(_REGISTRY[assignment])
