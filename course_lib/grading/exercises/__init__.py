"""The registry of graded exercises, one module per assignment.

Each module (``convolution`` for 01, ``padding`` for 02, ``filters`` for 03,
``pooling`` for 04, ``tensorflow`` for 05) defines ``EXERCISES``, a list of
:class:`~._base.Exercise` instances in notebook order, each naming its
assignment; the registry is built from whatever modules this package holds
(the list of assignments itself is ``c.Course.assignments`` in the course's
nbgrader_config.py). This package is the instructor's side: a student bundle
carries the compiled visible batteries instead (:mod:`course_lib.grading.batteries`).

Adding an exercise
------------------
1. Subclass :class:`~._base.Exercise` in the
   assignment's module: set ``signature`` (it gives the name and the
   parameters), ``assignment``, ``result`` ('array', 'number' or 'pair') and
   ``loop_only``; write ``reference`` (call the functions in
   ``_common.TRUSTED``, not ``course_lib.reference`` directly) and ``groups``:
   one :class:`~._base.Group` per property, with a small fixed case and a
   ``draw(rng)`` for hidden ones. Use inputs that tell mistakes apart:
   non-square images and kernels, asymmetric kernels, uint8 with signed weights.
2. Add a diagnosis: a :class:`~._base.Mistake` with a stable code, an
   explanation that continues "<function name> ...", and a ``model`` (a
   deliberately wrong reference) or the name of a generic ``detector``
   (:mod:`course_lib.grading.detectors`); or a :class:`~._base.Pattern` for
   mistakes that show across cases (``square-only``).
3. Append the instance to the module's ``EXERCISES``; add the buggy answer, as
   an edit of the correct one, to the diagnosis catalogue in the corpus of
   typical answers (``wrong(...)`` in ``autograde/answers.py``) with the code
   it must get: the catalogue's test runs it under several seeds. Then
   ``make release`` recompiles the visible batteries.

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
import pkgutil

from ._base import Exercise

__all__ = ["for_assignment", "get", "names"]


def _load() -> list[Exercise]:
    """Every module's ``EXERCISES``, by assignment (``NN_`` sorts them), in notebook order."""
    found: list[Exercise] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_"):
            continue
        found += list(importlib.import_module(f"{__name__}.{module.name}").EXERCISES)
    found.sort(key=lambda exercise: exercise.assignment)
    for exercise in found:
        exercise.neighbours = tuple(other for other in found if other is not exercise
                                    and other.assignment == exercise.assignment)
    return found


_REGISTRY: list[Exercise] = _load()


def names() -> list[str]:
    """The names of every registered exercise.

    Examples
    --------
    >>> "convolve" in names()
    True
    """
    return [exercise.name for exercise in _REGISTRY]


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
    for exercise in _REGISTRY:
        if exercise.name == name:
            return exercise
    raise KeyError(f"unknown exercise {name!r}; known: {', '.join(names())}")


def for_assignment(assignment: str) -> list[Exercise]:
    """The exercises of one assignment, in notebook order (empty for an unknown one)."""
    return [exercise for exercise in _REGISTRY if exercise.assignment == assignment]
