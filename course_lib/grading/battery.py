"""A test battery as plain data: the cases, what each must give, and what mistakes give.

A :class:`Battery` is everything :func:`course_lib.grading.assess.assess` needs
to judge a student's outputs, with no code from the exercise's definition in
it: for each case the arguments, the expected result (or the exception the
reference raises), and what each mistake model returns on it; per exercise the
explanations and the names of generic detectors. Batteries are built from the
exercise definitions on the instructor's side
(``course_lib.grading.exercises``); they travel as bytes
(:meth:`Battery.to_bytes`, the safe frame format of :mod:`.wire`), so a
student bundle carries its visible batteries as data files, and a grading
machine receives hidden batteries without unpickling anything.

Examples
--------
>>> import numpy as np
>>> from course_lib.grading.outcome import Case
>>> info = ExerciseInfo(name="double", assignment="00_demo", parameters=("x",), result="array")
>>> battery = Battery(info, hidden=False, seed=None, cases=(Case((np.ones(2),)),),
...                   expected=(Expectation(np.full(2, 2.0)),), model_values=((),), flags=({},))
>>> Battery.from_bytes(battery.to_bytes()).expected[0].value.tolist()
[2.0, 2.0]
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from .outcome import Case
from .wire import WireError, decode_stream, encode_frame

__all__ = ["DEFAULT_SEED", "Battery", "BatteryError", "ExerciseInfo", "Expectation", "MistakeSpec",
           "PatternSpec", "RuleSpec", "seed_or_default"]

_KIND = "battery"
_VERSION = 4

DEFAULT_SEED = 20240617
"""Seed of the hidden battery of an assignment released without one of its own."""


def seed_or_default(seed: int | None) -> int:
    """``seed``, or :data:`DEFAULT_SEED` for an assignment released without one."""
    return DEFAULT_SEED if seed is None else int(seed)


class BatteryError(ValueError):
    """Bytes that are not a battery (damaged file, another format, a newer version)."""


@dataclass(frozen=True)
class MistakeSpec:
    """A named mistake: a model (its values are stored per case) or a generic detector.

    Attributes
    ----------
    code : str
        Stable code such as ``"flipped-kernel"``.
    explanation : str
        What the student probably did, continuing a sentence that starts with
        the function's name.
    detector : str or None
        For a detector, its name in :mod:`course_lib.grading.detectors`; None
        for a model.
    flag : str or None
        A case flag the detector also needs (e.g. ``"zero_side"``).
    requires : str or None
        ``"integer-output"``: the mistake only explains results with an
        integer dtype (its explanation is about integer arrays).
    """

    code: str
    explanation: str
    detector: str | None = None
    flag: str | None = None
    requires: str | None = None


@dataclass(frozen=True)
class PatternSpec:
    """A mistake recognised across cases: the cases it concerns are flagged ``flag``.

    It is reported for the failures no mistake model explains, when all of
    them are flagged and at least one unflagged case passed. ``values_only``
    patterns are about values (window positions), so they do not explain
    results of the wrong shape.
    """

    code: str
    explanation: str
    flag: str
    values_only: bool = False


@dataclass(frozen=True)
class RuleSpec:
    """Renames a failing case's codes when it is flagged ``flag`` and either its codes
    are all within ``codes_within`` or its error starts with one of ``error_prefixes``."""

    code: str
    flag: str
    codes_within: tuple[str, ...] = ()
    error_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExerciseInfo:
    """What judging needs to know about a graded function.

    Attributes
    ----------
    name, assignment : str
    signature : str
        As shown to students.
    parameters : tuple of str
        Argument names, to print failing inputs.
    result : {'array', 'number', 'pair'}
        What a correct answer returns.
    float_output : bool
        Array results must have a float dtype.
    required_dtype : str or None
        An exact dtype arrays must have (``"float32"``), or None.
    integer_result : bool
        Numbers (or both numbers of a pair) must be ints; checked on the cases
        flagged ``"exact_type"``.
    fresh_result : bool
        The result must be a new array, not (a view of) an argument.
    loop_only : bool
        The loop-only rule applies.
    blocked : dict
        Module -> function names blocked while the function runs
        (:func:`course_lib.grading.guard.blocked_for`).
    forbidden, allowed : tuple of str
        Dotted paths this exercise refuses or allows besides the defaults
        (:class:`course_lib.grading.static.Policy`).
    mistakes : tuple of MistakeSpec
        Most specific first.
    patterns : tuple of PatternSpec
    rules : tuple of RuleSpec
    explanations : dict
        Code -> explanation overriding the generic one for this exercise.
    """

    name: str
    assignment: str
    signature: str = ""
    parameters: tuple[str, ...] = ()
    result: str = "array"
    float_output: bool = True
    required_dtype: str | None = None
    integer_result: bool = False
    fresh_result: bool = False
    loop_only: bool = False
    blocked: dict = field(default_factory=dict)
    forbidden: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    mistakes: tuple[MistakeSpec, ...] = ()
    patterns: tuple[PatternSpec, ...] = ()
    rules: tuple[RuleSpec, ...] = ()
    explanations: dict = field(default_factory=dict)

    def explanation(self, code: str) -> str | None:
        """This exercise's explanation of ``code`` (None: use the generic one)."""
        if code in self.explanations:
            return self.explanations[code]
        for item in (*self.mistakes, *self.patterns):
            if item.code == code:
                return item.explanation
        return None


@dataclass(frozen=True)
class Expectation:
    """What the reference gives on one case: a value, or the name of the exception it raises."""

    value: Any = None
    error: str | None = None


@dataclass(frozen=True)
class Battery:
    """The cases of one test cell (visible or hidden) of one graded function, as data.

    Attributes
    ----------
    info : ExerciseInfo
    hidden : bool
    seed : int or None
        The seed the hidden cases were drawn with (None for the visible battery).
    cases : tuple of Case
    expected : tuple of Expectation
        One per case.
    model_values : tuple of tuple
        Per case, ``(mistake index, value)`` for every mistake model whose
        result on the case differs from the expected one.
    flags : tuple of dict
        Per case, the flags detectors, patterns and rules look at.
    """

    info: ExerciseInfo
    hidden: bool
    seed: int | None
    cases: tuple[Case, ...]
    expected: tuple[Expectation, ...]
    model_values: tuple[tuple, ...]
    flags: tuple[dict, ...]

    def __post_init__(self) -> None:
        counts = {len(self.cases), len(self.expected), len(self.model_values), len(self.flags)}
        if len(counts) != 1:
            raise BatteryError(
                "a battery needs one expectation, model-value list and flag dict per case"
            )
        if not self.cases:
            raise BatteryError("a battery needs at least one case")

    def to_bytes(self) -> bytes:
        """The battery in the safe frame format (see :mod:`.wire`)."""
        header = {"kind": _KIND, "version": _VERSION, "hidden": self.hidden, "seed": self.seed}
        values = {
            "info": {f.name: _listed(getattr(self.info, f.name)) for f in fields(self.info)},
            "cases": [
                {"args": list(c.args), "kwargs": dict(c.kwargs), "label": c.label,
                 "group": c.group}
                for c in self.cases
            ],
            "expected": [[e.value, e.error] for e in self.expected],
            "models": [[[index, value] for index, value in per] for per in self.model_values],
            "flags": [dict(f) for f in self.flags],
        }
        return encode_frame(header, values)

    @classmethod
    def from_bytes(cls, data: bytes) -> Battery:
        """Rebuild a battery written by :meth:`to_bytes`.

        Raises
        ------
        BatteryError
            If ``data`` is not exactly one battery frame of this version.
        """
        try:
            frames = decode_stream(bytes(data))
        except WireError as error:
            raise BatteryError(f"not a battery: {error}") from None
        if len(frames) != 1 or frames[0][0].get("kind") != _KIND:
            raise BatteryError("not a battery: expected exactly one battery frame")
        header, values = frames[0]
        if header.get("version") != _VERSION:
            raise BatteryError(f"battery format version {header.get('version')!r} is not known")
        try:
            info = _info(values["info"])
            cases = tuple(
                Case(tuple(c["args"]), dict(c["kwargs"]), str(c["label"]), str(c["group"]))
                for c in values["cases"]
            )
            expected = tuple(Expectation(value, error) for value, error in values["expected"])
            models = tuple(
                tuple((int(index), value) for index, value in per) for per in values["models"]
            )
            flags = tuple(dict(f) for f in values["flags"])
            return cls(info, bool(header["hidden"]), header["seed"], cases, expected, models,
                       flags)
        except (KeyError, TypeError, ValueError) as error:
            raise BatteryError(f"battery is malformed: {error}") from None

    def digest(self) -> str:
        """A sha256 of the battery's bytes (changes whenever any case or answer does)."""
        return hashlib.sha256(self.to_bytes()).hexdigest()


def _listed(value):
    """A field of :class:`ExerciseInfo` as the frame stores it: tuples and specs as lists."""
    if is_dataclass(value):
        return [_listed(getattr(value, f.name)) for f in fields(value)]
    if isinstance(value, tuple | list):
        return [_listed(item) for item in value]
    if isinstance(value, dict):
        return {key: _listed(item) for key, item in value.items()}
    return value


_SPECS = {"mistakes": MistakeSpec, "patterns": PatternSpec, "rules": RuleSpec}


def _info(raw: dict) -> ExerciseInfo:
    """The :class:`ExerciseInfo` that :func:`_listed` stored as ``raw``."""

    def tupled(value):
        return tuple(tupled(item) for item in value) if isinstance(value, list) else value

    values = {}
    for f in fields(ExerciseInfo):
        value = raw[f.name]
        if f.name in _SPECS:
            value = tuple(_SPECS[f.name](*map(tupled, item)) for item in value)
        elif isinstance(value, dict):
            value = {str(key): tupled(item) for key, item in value.items()}
        values[f.name] = tupled(value)
    return ExerciseInfo(**values)
