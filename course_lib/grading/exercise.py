"""What every graded exercise shares: cases, comparison, mistake diagnosis, scoring.

An :class:`Exercise` knows its reference (a trusted function from
:mod:`course_lib.reference`), a visible and a hidden battery of
:class:`~course_lib.grading.outcome.Case` objects, and a list of
:class:`Mistake` models. :meth:`Exercise.assess` turns the plain-data
outcomes of a student's function into a
:class:`~course_lib.grading.outcome.Report`:

1. each case passes when the result has the right type, shape, dtype family
   and values (float tolerance sized for float32 answers);
2. a failing case is compared with every mistake model, a deliberately wrong
   reference; the models it matches name the mistake (``flipped-kernel``,
   ``transposed``...). Generic codes (``wrong-shape``, ``wrong-values``,
   ``raises-error``) are used when no model matches;
3. :class:`Pattern` rules look across cases: failing only on non-square
   inputs is ``square-only``, only on kernels that are not 3x3 is
   ``fixed-kernel-size``;
4. the fraction is the share of cases passed; changing an input costs
   :data:`MUTATION_PENALTY` of it; breaking the loop-only rule (static
   findings or a blocked library call at run time) rejects the answer.

New exercises subclass :class:`Exercise` (see ``exercises/convolution.py``).
"""

from __future__ import annotations

import copy
import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .calling import TIME_LIMIT_MARKER
from .guard import is_blocked_error
from .outcome import Case, Outcome, Report, describe_value
from .static import ALLOWED, check_source

__all__ = [
    "DEFAULT_SEED",
    "GENERIC_CODES",
    "MUTATION_PENALTY",
    "CaseResult",
    "Exercise",
    "Mistake",
    "Pattern",
    "format_value",
]

DEFAULT_SEED = 20240617
"""Seed of the hidden battery when the grader does not pass one."""

MUTATION_PENALTY = 0.25
"""Share of the earned points deducted when the function changes its inputs."""

_EXAMPLES_SHOWN = 2

# Trusted references taken at import time, before any student code runs.
_allclose = np.allclose
_array_equal = np.array_equal
_abs = np.abs
_asarray = np.asarray
_ndarray = np.ndarray
_isfinite = np.isfinite

GENERIC_EXPLANATIONS = {
    "not-implemented": (
        "is not implemented yet: replace `raise NotImplementedError` with your code."
    ),
    "raises-error": "raised an error on some inputs (see the example below).",
    "wrong-values": "returns the right shape but wrong values (see the example below).",
    "wrong-shape": "returns an array of the wrong shape.",
    "wrong-type": "returns the wrong kind of value (see the example below).",
    "not-an-array": (
        "must return a plain numpy array (np.ndarray); it returned something else "
        "(None, a list, or an array subclass). Build the result with np.zeros(...) and "
        "return it."
    ),
    "integer-dtype": (
        "returns integers or loses precision: uint8 arithmetic wraps around (200 + 100 "
        "gives 44) and int arrays truncate. Convert the inputs to float first "
        "(image.astype(float)) and create the output with a float dtype."
    ),
    "too-slow": (
        "did not finish in time on a small input: look for a loop that never ends (a while "
        "loop whose counter is not increased) or a loop far bigger than the output."
    ),
    "missing-error": "should raise ValueError for these inputs but returned a value.",
    "wrong-exception": "raised a different exception than the ValueError asked for.",
    "library-call": (
        "called a library convolution or filtering function, which this exercise does not "
        f"allow. Allowed: {ALLOWED}."
    ),
    "mutates-input": (
        f"changed its input array; {MUTATION_PENALTY:.0%} of the points are deducted. Work on "
        "a copy (image.astype(float) makes one) and leave the arguments as they were."
    ),
}
"""Plain-words explanations of codes that any exercise may report."""

GENERIC_CODES = frozenset(
    {"raises-error", "wrong-values", "wrong-shape", "wrong-type", "not-implemented"}
)
"""Codes that say something is wrong without saying what; named mistakes win over them."""


@dataclass(frozen=True)
class Mistake:
    """A named mistake and how to recognise it.

    Parameters
    ----------
    code : str
        Stable code such as ``"flipped-kernel"``.
    explanation : str
        What the student probably did and how to fix it, continuing a
        sentence that starts with the function's name.
    model : callable, optional
        A deliberately wrong reference called with the case's arguments;
        the mistake matches when the student's result equals its result.
    detector : callable, optional
        ``detector(case, expected, value) -> bool`` for mistakes that are
        easier to recognise than to reproduce (e.g. a shifted window).
    """

    code: str
    explanation: str
    model: Callable | None = None
    detector: Callable | None = None


@dataclass(frozen=True)
class Pattern:
    """A mistake recognised across cases: it fails exactly on the ``special`` ones.

    It is reported when at least one case failed, every failing case is
    special, and at least one non-special case passed.
    """

    code: str
    explanation: str
    special: Callable[[Case], bool]


@dataclass
class CaseResult:
    """How one case went: passed or not, codes, and what was expected."""

    case: Case
    outcome: Outcome
    passed: bool
    codes: list[str] = field(default_factory=list)
    expected: object = None
    expected_error: str | None = None
    mutated: bool = False
    notes: dict[str, str] = field(default_factory=dict)
    """Code -> explanation of the mistake model that matched this case."""


def format_value(value, *, indent: str = "    ", limit: int = 48) -> str:
    """Format a value compactly for feedback: small arrays in full, big ones by a corner.

    Examples
    --------
    >>> print(format_value(np.array([[1.0, 2.5], [3.0, -4.0]])))
        [[ 1. ,  2.5],
         [ 3. , -4. ]]   (float64, shape (2, 2))
    >>> format_value(7)
    '    7'
    """
    if isinstance(value, _ndarray):
        shown = value
        note = f"{value.dtype}, shape {value.shape}"
        if value.ndim == 2 and value.size > limit:
            shown = value[:4, :6]
            note += ", top-left corner shown"
        text = np.array2string(
            shown, precision=3, suppress_small=True, separator=", ", max_line_width=90
        )
        lines = text.splitlines()
        lines[-1] += f"   ({note})"
        return "\n".join(indent + line for line in lines)
    return indent + (repr(value) if not isinstance(value, str) else value)[:200]


def _copied(values):
    return copy.deepcopy(values)


def _quietly(function, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


class Exercise:
    """Base class of graded exercises.

    Subclasses set the class attributes and implement :meth:`reference`,
    :meth:`visible_cases` and :meth:`hidden_cases`; they usually add
    :meth:`mistakes` and :meth:`patterns`.

    Attributes
    ----------
    name : str
        The graded function's name.
    assignment : str
        The notebook, e.g. ``"01_convolution"``.
    loop_only : bool
        Whether the loop-only rule applies (static check and run-time guard).
    signature : str
        The signature shown to students.
    parameters : tuple of str
        Argument names, used to print failing inputs.
    result : {'array', 'number', 'pair'}
        What a correct answer returns.
    float_output : bool
        For array results: whether the contract asks for a float dtype.
    points_hint : int or None
        Suggested points for the hidden test.
    """

    name: str = ""
    assignment: str = ""
    loop_only: bool = False
    signature: str = ""
    parameters: tuple[str, ...] = ()
    result: str = "array"
    float_output: bool = True
    points_hint: int | None = None

    def __repr__(self) -> str:
        return f"<Exercise {self.name} ({self.assignment})>"

    @property
    def guarded(self) -> bool:
        """Whether library convolution functions are blocked while the answer runs."""
        return self.loop_only

    # -- to be provided by subclasses -------------------------------------------------
    def reference(self, *args, **kwargs):
        """The right answer for these arguments (may raise, e.g. ValueError)."""
        raise NotImplementedError

    def visible_cases(self) -> list[Case]:
        """The small deterministic battery the visible test runs."""
        raise NotImplementedError

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        """Extra cases for the hidden battery, drawn from ``rng``."""
        raise NotImplementedError

    def mistakes(self) -> Sequence[Mistake]:
        """Mistake models, most specific first."""
        return ()

    def patterns(self) -> Sequence[Pattern]:
        """Cross-case mistake patterns."""
        return ()

    # -- batteries --------------------------------------------------------------------
    def cases(self, *, hidden: bool, seed: int | None = None) -> list[Case]:
        """The visible battery, or the full hidden battery (visible cases included).

        Parameters
        ----------
        hidden : bool
            False: small and deterministic. True: larger, with random inputs.
        seed : int, optional
            Seed of the hidden battery's random inputs (default
            :data:`DEFAULT_SEED`); ignored for the visible battery.
        """
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"seed must be an integer or None, got {seed!r}")
        visible = self.visible_cases()
        if not hidden:
            return visible
        rng = np.random.default_rng(DEFAULT_SEED if seed is None else int(seed))
        return visible + self.hidden_cases(rng)

    # -- judging one case ------------------------------------------------------------
    def expected(self, case: Case) -> tuple[object, str | None]:
        """``(expected value, None)`` or ``(None, exception type name)`` for ``case``."""
        try:
            value = _quietly(self.reference, *_copied(case.args), **_copied(case.kwargs))
        except Exception as exc:  # noqa: BLE001 - the reference says "this must raise"
            return None, type(exc).__name__
        return value, None

    def tolerance(self, expected) -> float:
        """Absolute tolerance: loose enough for float32 answers, tight enough for bugs."""
        array = _asarray(expected, dtype=float)
        scale = float(_abs(array).max()) if array.size else 1.0
        return 1e-6 * max(1.0, scale)

    def same(self, expected, value) -> bool:
        """Whether ``value`` equals ``expected`` (values only, any numeric dtype)."""
        if self.result == "array":
            if not isinstance(value, _ndarray) or value.dtype.kind not in "biuf":
                return False
            expected = _asarray(expected, dtype=float)
            if value.shape != expected.shape:
                return False
            return bool(
                _allclose(value.astype(float), expected, rtol=1e-5, atol=self.tolerance(expected))
            )
        if self.result == "pair":
            value = tuple(value.tolist()) if isinstance(value, _ndarray) else value
            if not isinstance(value, tuple) or len(value) != len(expected):
                return False
            return all(self._same_number(e, v) for e, v in zip(expected, value, strict=True))
        return self._same_number(expected, value)

    @staticmethod
    def _same_number(expected, value) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        return math.isclose(float(value), float(expected), rel_tol=1e-9, abs_tol=1e-9)

    def _type_codes(self, outcome: Outcome) -> list[str]:
        """Codes for a result of the wrong kind or dtype (empty when fine)."""
        if self.result == "array":
            if outcome.kind != "ndarray":
                return ["not-an-array"]
            if self.float_output and outcome.value.dtype.kind in "biu":
                return ["integer-dtype"]
            return []
        if self.result == "pair":
            shaped = outcome.kind in ("tuple", "list") or (
                outcome.kind == "ndarray" and outcome.value.shape == (2,)
            )
            return [] if shaped else ["wrong-type"]
        return [] if outcome.kind == "scalar" else ["wrong-type"]

    def matching_mistakes(self, case: Case, expected, value) -> list[str]:
        """Codes of every mistake model or detector that explains ``value``."""
        return list(dict.fromkeys(m.code for m in self._matching(case, expected, value)))

    def _matching(self, case: Case, expected, value) -> list[Mistake]:
        found = []
        for mistake in self.mistakes():
            try:
                if mistake.model is not None:
                    wrong = _quietly(mistake.model, *_copied(case.args), **_copied(case.kwargs))
                    matched = not self.same(expected, wrong) and self.same(wrong, value)
                else:
                    matched = bool(_quietly(mistake.detector, case, expected, value))
            except Exception:  # noqa: BLE001 - a model that cannot run just does not match
                matched = False
            if matched:
                found.append(mistake)
        return found

    def judge(self, case: Case, outcome: Outcome, expected, expected_error) -> CaseResult:
        """Judge one outcome against the expected result."""
        result = CaseResult(case, outcome, False, expected=expected, expected_error=expected_error)
        result.mutated = self._mutated(case, outcome)
        error = outcome.error
        if error is not None:
            if expected_error is not None and error.split(":", 1)[0] == expected_error:
                result.passed = True
            elif error.startswith("NotImplementedError"):
                result.codes = ["not-implemented"]
            elif is_blocked_error(error):
                result.codes = ["library-call"]
            elif TIME_LIMIT_MARKER in error:
                result.codes = ["too-slow"]
            elif expected_error is not None:
                result.codes = ["wrong-exception"]
            else:
                result.codes = ["raises-error"]
            return result
        if expected_error is not None:
            result.codes = ["missing-error"]
            return result
        type_codes = self._type_codes(outcome)
        if "not-an-array" in type_codes:
            result.codes = type_codes
            return result
        value = outcome.value
        if self.same(expected, value):
            result.passed = not type_codes
            result.codes = type_codes
            return result
        codes = list(type_codes)
        for mistake in self._matching(case, expected, value):
            if mistake.code not in codes:
                codes.append(mistake.code)
                result.notes[mistake.code] = mistake.explanation
        if not codes:
            shape = getattr(value, "shape", None)
            wrong_shape = self.result == "array" and shape != _asarray(expected).shape
            codes = ["wrong-shape" if wrong_shape else "wrong-values"]
        result.codes = codes
        return result

    @staticmethod
    def _mutated(case: Case, outcome: Outcome) -> bool:
        after = outcome.inputs_after
        if not after:
            return False
        for before, now in zip(case.args, after, strict=False):
            if isinstance(before, _ndarray):
                if not isinstance(now, _ndarray) or now.shape != before.shape:
                    return True
                if not _array_equal(before, now, equal_nan=before.dtype.kind == "f"):
                    return True
        return False

    # -- the verdict -------------------------------------------------------------------
    def explanation(self, code: str) -> str:
        """The plain-words explanation of a diagnosis code."""
        for item in (*self.mistakes(), *self.patterns()):
            if item.code == code:
                return item.explanation
        return GENERIC_EXPLANATIONS.get(code, "")

    def assess(
        self, cases: Sequence[Case], outcomes: Sequence[Outcome], *, source: str | None = None
    ) -> Report:
        """Judge a battery: pure and deterministic, using only the outcomes' plain data.

        Parameters
        ----------
        cases : sequence of Case
            The battery that was run.
        outcomes : sequence of Outcome
            One per case, in the same order.
        source : str, optional
            The student's answer code; when given and the exercise is
            loop-only, the static loop-only rule is applied.

        Returns
        -------
        Report
        """
        cases, outcomes = list(cases), list(outcomes)
        if len(cases) != len(outcomes):
            raise ValueError(
                f"cases and outcomes must have the same length, got {len(cases)} and "
                f"{len(outcomes)}"
            )
        if not cases:
            raise ValueError("cases must not be empty")
        if all((o.error or "").startswith("NotImplementedError") for o in outcomes):
            message = f"{self.name} {GENERIC_EXPLANATIONS['not-implemented']} (0 points)"
            return Report(self.name, 0.0, "error", ["not-implemented"], message, 0, len(cases))
        if source is not None and self.loop_only:
            findings = check_source(source, function_name=self.name, loop_only=True)
            if findings:
                codes = list(dict.fromkeys(f.code for f in findings))
                lines = [f"{self.name}: rejected, the loop-only rule is broken (0 points)."]
                lines += [f"  {f.code}: {f.message}" for f in findings]
                return Report(self.name, 0.0, "rejected", codes, "\n".join(lines), 0, len(cases))
        results = [
            self.judge(case, outcome, *self.expected(case))
            for case, outcome in zip(cases, outcomes, strict=True)
        ]
        return self._verdict(results)

    def _verdict(self, results: list[CaseResult]) -> Report:
        total = len(results)
        passed = sum(r.passed for r in results)
        failing = [r for r in results if not r.passed]
        mutated = any(r.mutated for r in results)
        if self.loop_only and any("library-call" in r.codes for r in results):
            example = next(r for r in results if "library-call" in r.codes)
            message = (
                f"{self.name}: rejected (0 points): {example.outcome.error.split(': ', 1)[-1]}"
            )
            return Report(self.name, 0.0, "rejected", ["library-call"], message, passed, total)
        diagnoses = self._diagnoses(results, failing)
        fraction = passed / total
        if mutated:
            diagnoses.append("mutates-input")
            fraction *= 1 - MUTATION_PENALTY
        every_case_raised = all(r.outcome.error is not None and not r.passed for r in results)
        if every_case_raised:
            status = "error"
        elif passed == total and not mutated:
            status = "passed"
        else:
            status = "failed"
        message = self._message(results, failing, diagnoses, passed, total, fraction)
        return Report(self.name, fraction, status, diagnoses, message, passed, total)

    def _diagnoses(self, results: list[CaseResult], failing: list[CaseResult]) -> list[str]:
        if not failing:
            return []
        for pattern in self.patterns():
            special = [pattern.special(r.case) for r in results]
            fails_only_special = all(
                s for s, r in zip(special, results, strict=True) if not r.passed
            )
            plain_passes = any(r.passed for s, r in zip(special, results, strict=True) if not s)
            unexplained = all(set(r.codes) <= GENERIC_CODES for r in failing)
            if fails_only_special and plain_passes and unexplained:
                return [pattern.code]
        # Greedy cover: name first the code that explains the most failing cases.
        order = {}
        for r in failing:
            for code in r.codes:
                order.setdefault(code, len(order))
        remaining = list(failing)
        chosen: list[str] = []
        while remaining:
            counts = {}
            for r in remaining:
                for code in r.codes:
                    counts[code] = counts.get(code, 0) + 1
            if not counts:
                break
            best = min(counts, key=lambda c: (c in GENERIC_CODES, -counts[c], order[c]))
            chosen.append(best)
            remaining = [r for r in remaining if best not in r.codes]
        return chosen

    def _message(self, results, failing, diagnoses, passed, total, fraction) -> str:
        if not failing and not any(r.mutated for r in results):
            return f"{self.name}: all {total} checks passed."
        lines = [f"{self.name}: {passed} of {total} checks passed (score {fraction:.0%})."]
        for rank, code in enumerate(diagnoses):
            example = self._example(results, failing, code)
            explanation = example.notes.get(code) if example is not None else None
            lines.append(f"  {code}: {self.name} {explanation or self.explanation(code)}")
            # Two worked examples are enough to act on; more only make the report long.
            if example is not None and rank < _EXAMPLES_SHOWN:
                lines.append(self.describe(example))
        return "\n".join(lines)

    def _example(self, results, failing, code) -> CaseResult | None:
        if code == "mutates-input":
            candidates = [r for r in results if r.mutated]
        else:
            candidates = [r for r in failing if code in r.codes]
            pattern_codes = {p.code for p in self.patterns()}
            if code in pattern_codes:
                candidates = failing
        if not candidates:
            return None
        return min(candidates, key=lambda r: _size(r.case))

    def describe(self, result: CaseResult) -> str:
        """A small failing input with what was expected and what came back."""
        names = list(self.parameters) or [f"arg{i}" for i in range(len(result.case.args))]
        lines = [
            f"    for example, {self.name}({', '.join(names[: len(result.case.args)])}"
            + "".join(f", {k}={v!r}" for k, v in result.case.kwargs.items())
            + ") with"
        ]
        for name, value in zip(names, result.case.args, strict=False):
            if isinstance(value, _ndarray):
                lines.append(f"      {name} =")
                lines.append(format_value(value, indent="        "))
            else:
                lines.append(f"      {name} = {value!r}")
        if result.expected_error is not None:
            lines.append(f"      expected: raises {result.expected_error}")
        else:
            lines.append("      expected:")
            lines.append(format_value(_plain(result.expected), indent="        "))
        outcome = result.outcome
        if outcome.error is not None:
            lines.append(f"      got: raised {outcome.error}")
        elif outcome.kind in ("ndarray", "scalar", "tuple", "list"):
            lines.append(f"      got ({outcome.type_name}):")
            lines.append(format_value(outcome.value, indent="        "))
        else:
            lines.append(f"      got: {outcome.type_name} ({describe_value(outcome.value)})")
        if result.mutated:
            after = outcome.inputs_after[0] if outcome.inputs_after else None
            if isinstance(after, _ndarray):
                lines.append(f"      {names[0]} after the call:")
                lines.append(format_value(after, indent="        "))
        return "\n".join(lines)


def _plain(value):
    if isinstance(value, _ndarray):
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _size(case: Case) -> int:
    return sum(int(np.size(a)) for a in case.args if isinstance(a, _ndarray)) + len(case.args)
