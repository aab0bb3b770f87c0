"""Where a graded function's battery comes from, on the instructor's side and the student's.

- In the course's repository the exercise definitions
  (:mod:`course_lib.grading.exercises`) are present, and a battery is compiled
  from them on first use: the visible one, or the hidden one drawn with the
  seed released with the assignment.
- An installed wheel and a student bundle have no definitions (their
  references and mistake models are one edit away from answers). They carry
  the compiled visible batteries as data files in
  ``course_lib/grading/released/`` (written by ``course release`` and
  committed, like the student notebooks), and no hidden battery at all.

Either way the battery is plain data (:class:`~.battery.Battery`) and is
judged by the same :func:`~.assess.assess`.

Examples
--------
>>> battery("output_size", hidden=False).info.result
'number'
"""

from __future__ import annotations

import functools
from pathlib import Path

from .battery import Battery, seed_or_default

__all__ = ["BATTERY_SEED_KEY", "RELEASED", "SEED_LOOKUPS", "BatteryUnavailable", "battery",
           "compile_visible", "hidden_available", "released_path", "released_seed", "stored_seed"]

RELEASED = Path(__file__).resolve().parent / "released"
"""Folder of the compiled visible batteries in a student bundle."""


class BatteryUnavailable(LookupError):
    """No battery for this function here (unknown, or hidden tests in a student bundle)."""


def released_path(name: str, folder: Path = RELEASED) -> Path:
    """Where the compiled visible battery of ``name`` lives in a wheel or a bundle."""
    return Path(folder) / f"{name}.visible.battery"


def compile_visible(assignment: str) -> dict[str, bytes]:
    """The compiled visible batteries of ``assignment``'s graded functions.

    Needs the exercise definitions (the course's repository).

    Returns
    -------
    dict
        File name in :data:`RELEASED` (``convolve.visible.battery``) -> its bytes.
    """
    from . import exercises

    return {
        released_path(exercise.name).name: exercise.battery(hidden=False).to_bytes()
        for exercise in exercises.for_assignment(assignment)
    }


def _definitions():
    try:
        from . import exercises
    except ImportError:
        return None
    return exercises


BATTERY_SEED_KEY = "battery_seed"
"""Key of the hidden battery's seed in the master's ``metadata["course"]``."""


def stored_seed(notebook: dict) -> int | None:
    """The hidden battery's seed a (master) notebook stores, or None if it has none."""
    metadata = notebook.get("metadata", {}).get("course", {})
    seed = metadata.get(BATTERY_SEED_KEY) if isinstance(metadata, dict) else None
    return int(seed) if isinstance(seed, int) and not isinstance(seed, bool) else None


SEED_LOOKUPS = "course_lib.battery_seeds"
"""Entry-point group of the functions that tell a kernel an assignment's released seed.

The grading core does not read the course's configuration. The package that does
(:func:`course_lib.assignments.seed_of_master`) declares itself in this group in
``pyproject.toml``; each lookup takes an assignment's name and returns its seed,
or None where it knows none."""


@functools.lru_cache(maxsize=32)
def released_seed(assignment: str) -> int:
    """The hidden battery's seed released with ``assignment``.

    The grader always passes the seed; this default serves a hidden test cell
    run in a kernel (an instructor's Run All, nbgrader's own autograde). It asks
    the lookups of :data:`SEED_LOOKUPS` and falls back on
    :data:`~course_lib.grading.battery.DEFAULT_SEED`.
    """
    from importlib.metadata import entry_points

    for entry in entry_points(group=SEED_LOOKUPS):
        seed = entry.load()(assignment)
        if seed is not None:
            return int(seed)
    return seed_or_default(None)


def hidden_available() -> bool:
    """Whether hidden batteries can be built here (False in a student bundle)."""
    return _definitions() is not None


@functools.lru_cache(maxsize=128)
def battery(name: str, *, hidden: bool, seed: int | None = None) -> Battery:
    """The battery of graded function ``name``.

    Parameters
    ----------
    name : str
        The graded function, e.g. ``"convolve"``.
    hidden : bool
        The hidden battery (only where the exercise definitions are present).
    seed : int, optional
        The hidden battery's seed (default: the one released with the
        assignment, :func:`released_seed`).

    Raises
    ------
    BatteryUnavailable
        If there is no such function, or hidden tests are asked for in a bundle.
    """
    definitions = _definitions()
    if definitions is not None:
        try:
            exercise = definitions.get(name)
        except KeyError as error:
            raise BatteryUnavailable(str(error.args[0])) from None
        if hidden and seed is None:
            seed = released_seed(exercise.assignment)
        return exercise.battery(hidden=hidden, seed=seed)
    if hidden:
        raise BatteryUnavailable(
            f"the hidden tests of {name} run when your notebook is graded; they are not "
            "part of the student version of the course"
        )
    path = released_path(name)
    if not path.is_file():
        known = sorted(p.name.split(".")[0] for p in RELEASED.glob("*.visible.battery"))
        raise BatteryUnavailable(f"unknown exercise {name!r}; known: {', '.join(known)}")
    return Battery.from_bytes(path.read_bytes())
