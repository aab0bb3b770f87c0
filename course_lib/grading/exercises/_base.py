"""The definition of a graded exercise, compiled into a data-only battery.

An :class:`Exercise` knows its reference (a trusted function from
:mod:`course_lib.reference`), how to draw its visible and hidden cases, and
its :class:`Mistake` models: deliberately wrong references whose results name
a mistake when a student's output matches them. :meth:`Exercise.battery`
runs all of that once and keeps only data
(:class:`~course_lib.grading.battery.Battery`): the judging itself is
:func:`course_lib.grading.assess.assess`, shared by the in-notebook check and
the out-of-process grader.

This package is the instructor's side: its references and models are one edit
away from answers, so it never goes into a student bundle, which carries the
compiled visible batteries instead.
"""

from __future__ import annotations

import ast
import copy
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..assess import assess, same_result
from ..battery import (
    Battery,
    ExerciseInfo,
    Expectation,
    MistakeSpec,
    PatternSpec,
    RuleSpec,
    seed_or_default,
)
from ..guard import blocked_for
from ..outcome import Case, Outcome, Report

__all__ = ["Exercise", "Group", "Mistake", "Pattern", "Rule"]


@dataclass(frozen=True)
class Mistake(MistakeSpec):
    """A named mistake and how to recognise it (see :class:`~..battery.MistakeSpec`);
    ``model``, if given, is a deliberately wrong reference called with the case's
    arguments: the mistake matches when the student's result equals its result."""

    model: Callable | None = None


@dataclass(frozen=True)
class Group:
    """Cases that test one property of an answer (non-square images, uint8 input, ...).

    A group passes when all its cases pass, and the score is the share of
    groups passed. The visible battery holds each group's ``fixed`` case; the
    hidden battery adds ``count`` cases from ``draw(rng)``. Draws must keep
    the property the group tests and avoid triggering others (e.g. a group of
    non-negative data for everything but the negative-values group), so that
    a mistake fails the same groups whatever the seed.

    Parameters
    ----------
    name : str
        The property, as shown to students ("non-square images").
    fixed : Case
        The group's case in the visible battery.
    draw : callable, optional
        ``draw(rng) -> Case``: a hidden case with the same property.
    count : int
        Hidden cases drawn for this group.
    exact_type : bool
        This group checks that numbers are ints (``Exercise.integer_result``).
    """

    name: str
    fixed: Case
    draw: Callable[[np.random.Generator], Case] | None = None
    count: int = 3
    exact_type: bool = False


@dataclass(frozen=True)
class Pattern:
    """A mistake recognised across cases: it fails exactly on the ``special`` ones.

    ``values_only``: the pattern explains wrong values, not wrong shapes.
    """

    code: str
    explanation: str
    special: Callable[[Case], bool]
    values_only: bool = False


@dataclass(frozen=True)
class Rule:
    """Name a failing ``special`` case ``code`` when its codes are all within
    ``codes_within`` or its error starts with one of ``error_prefixes``."""

    code: str
    special: Callable[[Case], bool]
    codes_within: tuple[str, ...] = ()
    error_prefixes: tuple[str, ...] = ()


def _run(function, case: Case):
    """``function`` on copies of the case's arguments, with numpy's warnings silenced."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return function(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))


class Exercise:
    """Base class of graded exercises.

    Subclasses set the class attributes and implement :meth:`reference` and
    :meth:`groups` (or :meth:`visible_cases` and :meth:`hidden_cases`); they
    usually add :meth:`mistakes`, :meth:`patterns` and :meth:`rules`.

    Attributes
    ----------
    signature : str
        The signature shown to students, e.g. ``"clamp(image, low=0, high=255)"``.
    name : str
        The graded function's name (default: the signature's).
    parameters : tuple of str
        Argument names, used to print failing inputs (default: the signature's).
    assignment : str
        The notebook, e.g. ``"01_convolution"``.
    loop_only : bool
        Whether the loop-only rule applies (static check and run-time guard).
    result : {'array', 'number', 'pair'}
        What a correct answer returns (default ``'array'``).
    float_output : bool
        For array results: whether the contract asks for a float dtype (default True).
    required_dtype : str or None
        For array results: an exact dtype the contract asks for.
    integer_result : bool
        For numbers and pairs: the contract asks for ints (checked by the
        groups marked ``exact_type``).
    fresh_result : bool
        For arrays: the contract asks for a new array, never the argument itself.
    explanations : dict
        Code -> this exercise's own explanation of a generic code.
    blocks_library : bool or None
        Block library convolution and filtering functions while the answer
        runs (default: when the exercise is loop-only).
    forbidden : tuple of str
        Further dotted paths refused, statically and at run time (``"numpy.pad"``).
    allowed : tuple of str
        Dotted paths of the course's own modules this exercise may call
        (``"course_lib.kernels.get"``); everything else there is refused.
    shortcuts : tuple of str
        Dotted paths in the course's own modules that compute this exercise's
        answer (``"course_lib.reference.output_size"``).
    helpers : tuple of str
        Other exercises of the same assignment whose answers this one calls
        (``convolve`` calls ``output_size``). Their shortcuts cost this
        exercise nothing: a helper answered with the course's reference loses
        its own points, not those of every exercise that calls it. This
        exercise's own shortcuts stay refused, through any helper.
    """

    signature: str = ""
    assignment: str = ""
    loop_only: bool = False
    result: str = "array"
    float_output: bool = True
    required_dtype: str | None = None
    integer_result: bool = False
    fresh_result: bool = False
    explanations: dict = {}
    blocks_library: bool | None = None
    forbidden: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    shortcuts: tuple[str, ...] = ()
    helpers: tuple[str, ...] = ()
    neighbours: tuple[Exercise, ...] = ()
    """The other exercises of the same assignment (set by the registry)."""

    def __repr__(self) -> str:
        return f"<Exercise {self.name} ({self.assignment})>"

    @property
    def name(self) -> str:
        """The graded function's name, from :attr:`signature` unless a subclass sets it."""
        return self.signature.partition("(")[0]

    @property
    def parameters(self) -> tuple[str, ...]:
        """The positional parameters in :attr:`signature`, unless a subclass sets them."""
        if not self.signature:
            return ()
        return tuple(a.arg for a in ast.parse(f"def {self.signature}: pass").body[0].args.args)

    @property
    def permitted(self) -> tuple[str, ...]:
        """Course paths this answer may use: its own ``allowed``, and the shortcuts of its
        ``helpers`` that are not shortcuts to its own answer."""
        known = {exercise.name: exercise for exercise in self.neighbours}
        missing = [name for name in self.helpers if name not in known]
        if missing:
            raise ValueError(f"{self.name}: helpers {missing} are not exercises of "
                             f"{self.assignment}")
        others = (path for name in self.helpers for path in known[name].shortcuts)
        tolerated = (path for path in others if path not in self.shortcuts)
        return tuple(dict.fromkeys((*self.allowed, *tolerated)))

    @property
    def guarded(self) -> dict:
        """What is blocked while the answer runs: module -> function names."""
        library = self.loop_only if self.blocks_library is None else self.blocks_library
        return blocked_for(library=library, forbidden=self.forbidden, allowed=self.permitted)

    # -- to be provided by subclasses -------------------------------------------------
    def reference(self, *args, **kwargs):
        """The right answer for these arguments (may raise, e.g. ValueError)."""
        raise NotImplementedError

    def groups(self) -> Sequence[Group]:
        """The groups of cases, one per property the answer must have."""
        return ()

    def visible_cases(self) -> list[Case]:
        """The small deterministic battery the visible test runs: each group's fixed case."""
        return [replace(group.fixed, group=group.name) for group in self.groups()]

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        """Extra cases for the hidden battery, drawn from ``rng``, group by group."""
        cases = []
        for group in self.groups():
            if group.draw is None:
                continue
            cases += [replace(group.draw(rng), group=group.name) for _ in range(group.count)]
        return cases

    def mistakes(self) -> Sequence[Mistake]:
        """Mistake models and detectors, most specific first."""
        return ()

    def patterns(self) -> Sequence[Pattern]:
        """Cross-case mistake patterns."""
        return ()

    def rules(self) -> Sequence[Rule]:
        """Renaming rules for failing cases (see :class:`Rule`)."""
        return ()

    def flags(self, case: Case) -> dict:
        """Flags of a case that detectors need (e.g. ``{"zero_side": True}``)."""
        return {}

    # -- batteries --------------------------------------------------------------------
    def cases(self, *, hidden: bool, seed: int | None = None) -> list[Case]:
        """The visible battery, or the full hidden battery (visible cases included).

        Parameters
        ----------
        hidden : bool
            False: small and deterministic. True: larger, with random inputs.
        seed : int, optional
            Seed of the hidden battery's random inputs (default
            :data:`~course_lib.grading.battery.DEFAULT_SEED`); ignored for the
            visible battery.
        """
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"seed must be an integer or None, got {seed!r}")
        visible = self.visible_cases()
        if not hidden:
            return visible
        rng = np.random.default_rng(seed_or_default(seed))
        return visible + self.hidden_cases(rng)

    def differs(self, case: Case, *codes: str) -> bool:
        """Whether every mistake model with one of ``codes`` gives a wrong result on ``case``.

        Group draws use it to keep a property: a mistake that a group tests must
        show on every case of the group, whatever the seed.
        """
        results = self._model_results(case, self.expected(case), codes)
        return not any(right for _, _, right in results)

    def expected(self, case: Case) -> Expectation:
        """What the reference gives on ``case``: a value or the exception's type name."""
        try:
            value = _run(self.reference, case)
        except Exception as exc:  # noqa: BLE001 - the reference says "this must raise"
            return Expectation(None, type(exc).__name__)
        return Expectation(value, None)

    def info(self) -> ExerciseInfo:
        """What judging needs to know about this exercise, as data."""
        return ExerciseInfo(
            name=self.name,
            assignment=self.assignment,
            signature=self.signature,
            parameters=tuple(self.parameters),
            result=self.result,
            float_output=self.float_output,
            required_dtype=self.required_dtype,
            integer_result=self.integer_result,
            fresh_result=self.fresh_result,
            loop_only=self.loop_only,
            blocked=self.guarded,
            forbidden=tuple(self.forbidden),
            allowed=self.permitted,
            mistakes=tuple(
                MistakeSpec(m.code, m.explanation, m.detector, m.flag, m.requires)
                for m in self.mistakes()
            ),
            patterns=tuple(
                PatternSpec(p.code, p.explanation, f"pattern:{p.code}", p.values_only)
                for p in self.patterns()
            ),
            rules=tuple(
                RuleSpec(r.code, f"rule:{r.code}", tuple(r.codes_within), tuple(r.error_prefixes))
                for r in self.rules()
            ),
            explanations=dict(self.explanations),
        )

    def _model_results(self, case: Case, expectation: Expectation, codes=None):
        """``(index, result, right)`` of each mistake model (with one of ``codes``) that runs
        on ``case``; ``right`` when the result is the expected one. A model that raises
        matches no result, so it is left out."""
        for index, mistake in enumerate(self.mistakes()):
            if mistake.model is None or (codes is not None and mistake.code not in codes):
                continue
            try:
                value = _run(mistake.model, case)
            except Exception:  # noqa: BLE001 - see above
                continue
            right = expectation.error is None and same_result(
                self.result, expectation.value, value)
            yield index, value, right

    def _case_flags(self, case: Case, exact: set[str]) -> dict:
        flags = dict(self.flags(case))
        if case.group in exact:
            flags["exact_type"] = True
        for pattern in self.patterns():
            flags[f"pattern:{pattern.code}"] = bool(pattern.special(case))
        for rule in self.rules():
            flags[f"rule:{rule.code}"] = bool(rule.special(case))
        return flags

    def compile(self, cases: Sequence[Case], *, hidden: bool, seed: int | None) -> Battery:
        """A battery of the given cases (expected results and mistake values computed now)."""
        cases = tuple(cases)
        expected = tuple(self.expected(case) for case in cases)
        exact = {group.name for group in self.groups() if group.exact_type}
        return Battery(
            info=self.info(),
            hidden=hidden,
            seed=seed,
            cases=cases,
            expected=expected,
            model_values=tuple(
                tuple((i, value) for i, value, right in self._model_results(case, e) if not right)
                for case, e in zip(cases, expected, strict=True)
            ),
            flags=tuple(self._case_flags(case, exact) for case in cases),
        )

    def battery(self, *, hidden: bool, seed: int | None = None) -> Battery:
        """The visible battery, or the hidden one drawn with ``seed``, as data."""
        seed = seed_or_default(seed) if hidden else None
        return self.compile(self.cases(hidden=hidden, seed=seed), hidden=hidden, seed=seed)

    def assess(
        self, cases: Sequence[Case], outcomes: Sequence[Outcome], *, source: str | None = None
    ) -> Report:
        """Judge outcomes on any cases of this exercise (a convenience for tests and tools).

        Raises
        ------
        ValueError
            If there is not one outcome per case, or no case.
        """
        if not list(cases):
            raise ValueError("cases must not be empty")
        return assess(self.compile(cases, hidden=False, seed=None), outcomes, source=source)
