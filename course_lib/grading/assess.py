"""Judge a student's outputs on a battery: pure, deterministic, from plain data only.

:func:`assess` turns the outcomes of a student's function on a
:class:`~course_lib.grading.battery.Battery` into a
:class:`~course_lib.grading.outcome.Report`. The in-notebook check and the
out-of-process grader both call it, so a case, a diagnosis and a score are
the same wherever they are computed:

1. each case passes when the result has the right type, shape, dtype family
   and values (float tolerance sized for float32 answers);
2. a failing case is compared with what every mistake model gave on it and
   with the generic detectors; those that match name the mistake
   (``flipped-kernel``, ``transposed``...). Generic codes (``wrong-shape``,
   ``wrong-values``, ``raises-error``) are used when nothing matches;
3. patterns look across the failures no model explains: failing only on
   non-square inputs is ``square-only``, only on kernels that are not 3x3 is
   ``fixed-kernel-size``; so two mistakes at once are both named;
4. the fraction is the share of *groups* passed: each group of cases tests
   one property (non-square images, uint8 input, a stride other than the
   size...), and passes when all its cases pass. A mistake breaks the same
   properties whatever cases were drawn, so it earns the same fraction under
   any seed. Changing an input costs :data:`MUTATION_PENALTY` of it; calling
   what the exercise refuses (the course's own reference, kernels or checks,
   and for loop-only exercises library convolution; found statically or as a
   blocked call at run time) rejects the answer.

Only trusted references to numpy are used (taken when this module is
imported, before any student code runs).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import detectors
from .battery import Battery, ExerciseInfo
from .calling import NOT_RUN, TIME_LIMIT_MARKER
from .guard import is_blocked_error, is_course_library_error
from .outcome import Case, Outcome, Report, describe_value
from .static import ALLOWED, check_source

__all__ = ["GENERIC_CODES", "GENERIC_EXPLANATIONS", "MUTATION_PENALTY",
           "CaseResult", "assess", "format_value", "same_result"]

MUTATION_PENALTY = 0.25
"""Share of the earned points deducted when the function changes its inputs."""

_EXAMPLES_SHOWN = 2

# Trusted references taken at import time, before any student code runs.
_allclose = np.allclose
_array_equal = np.array_equal
_abs = np.abs
_asarray = np.asarray
_ndarray = np.ndarray
_generic = np.generic

_HELPER_NOT_IMPLEMENTED = re.compile(r"\(raised in (\w+), which it calls\)$")

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
    "wrong-dtype": "returns the right values in the wrong dtype.",
    "not-an-int": (
        "returns a float where the exercise asks for an int (222.0 instead of 222): use "
        "integer arithmetic (//) or int(...)."
    ),
    "returns-input": (
        "returns its input array itself (or a view of it) instead of a new array: changing "
        "the result would change the caller's image. Build a new array (np.zeros, .copy())."
    ),
    "too-slow": (
        "did not finish in time on a small input: look for a loop that never ends (a while "
        "loop whose counter is not increased) or a loop far bigger than the output."
    ),
    "missing-error": "should raise ValueError for these inputs but returned a value.",
    "wrong-exception": "raised a different exception than the ValueError asked for.",
    "library-call": (
        "called a library function this exercise asks you to write yourself (a convolution, "
        f"filtering or padding function). Allowed: {ALLOWED}."
    ),
    "course-library": (
        "called one of the course's own functions (course_lib.reference, kernels or "
        "grading): they are the answer key this exercise is checked against. Write it "
        "yourself."
    ),
    "not-run": (
        "was not run on some inputs: an earlier input hit the time limit or stopped the "
        "process, and the inputs after it count as failed."
    ),
    "mutates-input": (
        f"changed its input array; {MUTATION_PENALTY:.0%} of the points are deducted. Work on "
        "a copy (image.astype(float) makes one) and leave the arguments as they were."
    ),
}
"""Plain-words explanations of codes that any exercise may report."""

GENERIC_CODES = frozenset(
    {"raises-error", "wrong-values", "wrong-shape", "wrong-type", "not-implemented", "not-run"}
)
"""Codes that say something is wrong without saying what; named mistakes win over them."""


@dataclass
class CaseResult:
    """How one case went: passed or not, codes, and what was expected."""

    case: Case
    outcome: Outcome
    passed: bool
    index: int = 0
    codes: list[str] = field(default_factory=list)
    expected: object = None
    expected_error: str | None = None
    mutated: bool = False
    flags: dict = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    """Code -> explanation of the mistake that matched this case."""


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
        lines = np.array2string(shown, precision=3, suppress_small=True, separator=", ",
                                max_line_width=90).splitlines()
        lines[-1] += f"   ({note})"
        return "\n".join(indent + line for line in lines)
    return indent + (repr(value) if not isinstance(value, str) else value)[:200]


def _tolerance(expected) -> float:
    """Absolute tolerance: loose enough for float32 answers, tight enough for bugs."""
    array = _asarray(expected, dtype=float)
    scale = float(_abs(array).max()) if array.size else 1.0
    return 1e-6 * max(1.0, scale)


def _same_number(expected, value) -> bool:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return math.isclose(float(value), float(expected), rel_tol=1e-9, abs_tol=1e-9)


def same_result(result: str, expected, value) -> bool:
    """Whether ``value`` equals ``expected`` for a result of kind ``result`` (values only).

    Examples
    --------
    >>> same_result("array", np.ones(2), np.ones(2, dtype=np.float32))
    True
    >>> same_result("pair", (0, 1), [0, 1]), same_result("number", 3, 3.0)
    (False, True)
    """
    if result == "array":
        if not isinstance(value, _ndarray) or value.dtype.kind not in "biuf":
            return False
        expected = _asarray(expected, dtype=float)
        if value.shape != expected.shape:
            return False
        return bool(_allclose(value.astype(float), expected, rtol=1e-5, atol=_tolerance(expected)))
    if result == "pair":
        value = tuple(value.tolist()) if isinstance(value, _ndarray) else value
        if not isinstance(value, tuple) or len(value) != len(expected):
            return False
        return all(_same_number(e, v) for e, v in zip(expected, value, strict=True))
    return _same_number(expected, value)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _type_codes(info: ExerciseInfo, outcome: Outcome, *, exact: bool = False) -> list[str]:
    """Codes for a result of the wrong kind or dtype (empty when fine).

    ``exact``: the case checks that numbers are ints (``integer_result``).
    """
    if info.fresh_result and outcome.shares_input:
        return ["returns-input"]
    if info.result == "array":
        if outcome.kind != "ndarray":
            return ["not-an-array"]
        dtype = outcome.value.dtype
        if info.float_output and dtype.kind in "biu":
            return ["integer-dtype"]
        if info.required_dtype is not None and dtype != np.dtype(info.required_dtype):
            return ["wrong-dtype"]
        return []
    if info.result == "pair":
        # A list or tuple that is not plain numbers (ragged, objects) arrives as None.
        shaped = (outcome.kind in ("tuple", "list") and outcome.value is not None) or (
            outcome.kind == "ndarray" and outcome.value.shape == (2,))
        values = outcome.value
    else:
        shaped, values = outcome.kind == "scalar", (outcome.value,)
    if not shaped:
        return ["wrong-type"]
    ints = outcome.kind != "ndarray" and all(_is_int(v) for v in values)
    return ["not-an-int"] if exact and info.integer_result and not ints else []


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


def _matching(battery: Battery, index: int, value) -> list[tuple[str, str]]:
    """``(code, explanation)`` of every mistake model or detector that explains ``value``."""
    info = battery.info
    case, expected = battery.cases[index], battery.expected[index].value
    models = dict(battery.model_values[index])
    flags = battery.flags[index]
    found = []
    integer = isinstance(value, _ndarray) and value.dtype.kind in "biu"
    for number, mistake in enumerate(info.mistakes):
        if mistake.requires == "integer-output" and not integer:
            continue
        try:
            if mistake.detector is None:
                matched = number in models and same_result(info.result, models[number], value)
            else:
                matched = detectors.detect(
                    mistake.detector, case, expected, value,
                    flag=flags.get(mistake.flag) if mistake.flag else None,
                )
        except Exception:  # noqa: BLE001 - a detector that cannot decide does not match
            matched = False
        if matched:
            found.append((mistake.code, mistake.explanation))
    return found


def _apply_rules(info: ExerciseInfo, result: CaseResult) -> None:
    if result.passed:
        return
    for rule in info.rules:
        if not result.flags.get(rule.flag):
            continue
        within = rule.codes_within and set(result.codes) <= set(rule.codes_within)
        error = result.outcome.error or ""
        prefixed = rule.error_prefixes and error.startswith(tuple(rule.error_prefixes))
        if within or prefixed:
            result.codes = [rule.code]
            return


def judge(battery: Battery, index: int, outcome: Outcome) -> CaseResult:
    """Judge the outcome of case ``index`` of ``battery``."""
    info = battery.info
    case, expectation = battery.cases[index], battery.expected[index]
    expected, expected_error = expectation.value, expectation.error
    result = CaseResult(case, outcome, False, index, expected=expected,
                        expected_error=expected_error, flags=dict(battery.flags[index]))
    result.mutated = _mutated(case, outcome)
    error = outcome.error
    if error is not None:
        if expected_error is not None and error.split(":", 1)[0] == expected_error:
            result.passed = True
        elif error.startswith("NotImplementedError"):
            result.codes = ["not-implemented"]
        elif is_course_library_error(error):
            result.codes = ["course-library"]
        elif is_blocked_error(error):
            result.codes = ["library-call"]
        elif error.startswith(NOT_RUN):
            result.codes = ["not-run"]
        elif TIME_LIMIT_MARKER in error:
            result.codes = ["too-slow"]
        elif expected_error is not None:
            result.codes = ["wrong-exception"]
        else:
            result.codes = ["raises-error"]
        _apply_rules(info, result)
        return result
    if expected_error is not None:
        result.codes = ["missing-error"]
        return result
    type_codes = _type_codes(info, outcome, exact=bool(result.flags.get("exact_type")))
    if {"not-an-array", "returns-input"} & set(type_codes):
        result.codes = type_codes
        return result
    value = outcome.value
    if same_result(info.result, expected, value):
        result.passed = not type_codes
        result.codes = type_codes
        return result
    codes = list(type_codes)
    for code, explanation in _matching(battery, index, value):
        if code not in codes:
            codes.append(code)
            result.notes[code] = explanation
    if not codes:
        shape = getattr(value, "shape", None)
        wrong_shape = info.result == "array" and shape != _asarray(expected).shape
        codes = ["wrong-shape" if wrong_shape else "wrong-values"]
    result.codes = codes
    _apply_rules(info, result)
    return result


def explanation(info: ExerciseInfo, code: str) -> str:
    """The plain-words explanation of a diagnosis code for this exercise."""
    own = info.explanation(code)
    return own if own is not None else GENERIC_EXPLANATIONS.get(code, "")


def assess(battery: Battery, outcomes: Sequence[Outcome], *, source=None) -> Report:
    """Judge a battery: pure and deterministic, using only plain data.

    Parameters
    ----------
    battery : Battery
        The battery that was run.
    outcomes : sequence of Outcome
        One per case, in the battery's order.
    source : str or sequence of (str, str), optional
        The student's code, as one text or as ``(cell label, source)`` pairs
        (then findings name the cell); when given, the static checks of
        :func:`~course_lib.grading.static.check_source` are applied.

    Returns
    -------
    Report

    Raises
    ------
    ValueError
        If there is not exactly one outcome per case.
    """
    info = battery.info
    cases, outcomes = list(battery.cases), list(outcomes)
    if len(cases) != len(outcomes):
        raise ValueError(
            f"cases and outcomes must have the same length, got {len(cases)} and "
            f"{len(outcomes)}"
        )
    if all((o.error or "").startswith("NotImplementedError") for o in outcomes):
        helpers = sorted({found.group(1) for o in outcomes
                          if (found := _HELPER_NOT_IMPLEMENTED.search(o.error or ""))})
        if helpers:
            message = (f"{info.name} calls {' and '.join(helpers)}, which "
                       f"{'is' if len(helpers) == 1 else 'are'} not implemented yet: write "
                       f"{'it' if len(helpers) == 1 else 'them'} first (0 points)")
        else:
            message = f"{info.name} {GENERIC_EXPLANATIONS['not-implemented']} (0 points)"
        return Report(info.name, 0.0, "error", ["not-implemented"], message, 0, len(cases))
    if source is not None:
        findings = check_source(source, function_name=info.name, loop_only=info.loop_only,
                                forbidden=info.forbidden, allowed=info.allowed)
        if findings:
            codes = list(dict.fromkeys(f.code for f in findings))
            rule = "the loop-only rule is broken" if info.loop_only else "it calls what the " \
                "exercise asks you to write"
            lines = [f"{info.name}: rejected, {rule} (0 points)."]
            lines += [f"  {f.code}: {f.message}" for f in findings]
            return Report(info.name, 0.0, "rejected", codes, "\n".join(lines), 0, len(cases))
    results = [judge(battery, index, outcome) for index, outcome in enumerate(outcomes)]
    return _verdict(battery, results)


def _verdict(battery: Battery, results: list[CaseResult]) -> Report:
    info, total = battery.info, len(results)
    passed = sum(r.passed for r in results)
    groups: dict[str, list[CaseResult]] = {}
    for r in results:
        groups.setdefault(r.case.group or f"case {r.index + 1}", []).append(r)
    failed_groups = [name for name, members in groups.items()
                     if not all(r.passed for r in members)]
    groups_passed = len(groups) - len(failed_groups)
    counts = (passed, total, groups_passed, len(groups))
    refused = [r for r in results if {"library-call", "course-library"} & set(r.codes)]
    if refused:
        example = refused[0]
        code = "course-library" if "course-library" in example.codes else "library-call"
        message = f"{info.name}: rejected (0 points): {example.outcome.error.split(': ', 1)[-1]}"
        return Report(info.name, 0.0, "rejected", [code], message, *counts, {code: example.index})
    diagnoses, examples = _diagnoses(info, results)
    fraction = groups_passed / len(groups)
    mutated = [r for r in results if r.mutated]
    if mutated:
        diagnoses.append("mutates-input")
        examples["mutates-input"] = _smallest(mutated)
        fraction *= 1 - MUTATION_PENALTY
    if all(r.outcome.error is not None and not r.passed for r in results):
        status = "error"
    else:
        status = "passed" if passed == total and not mutated else "failed"
    report = Report(info.name, fraction, status, diagnoses, "", *counts,
                    {code: r.index for code, r in examples.items()})
    report.message = _message(info, report, failed_groups, examples)
    return report


def _cover(failing: list[CaseResult], *, named: bool) -> list[str]:
    """Greedy cover: name first the code that explains the most failing cases."""
    order: dict = {}
    for r in failing:
        for code in r.codes:
            order.setdefault(code, len(order))
    remaining = list(failing)
    chosen: list[str] = []
    while remaining:
        counts: dict = {}
        for r in remaining:
            for code in r.codes:
                if (code not in GENERIC_CODES) == named:
                    counts[code] = counts.get(code, 0) + 1
        if not counts:
            break
        best = min(counts, key=lambda c: (-counts[c], order[c]))
        chosen.append(best)
        remaining = [r for r in remaining if best not in r.codes]
    return chosen


def _diagnoses(info: ExerciseInfo, results: list[CaseResult]):
    """The diagnoses and, for each, the failing case it explains that is shown as example.

    Named mistakes first (the fewest that explain the most failures); then, for
    the failures none of them explains, the patterns that fit them exactly
    (two mistakes at once are both named); the rest get generic codes.
    """
    failing = [r for r in results if not r.passed]
    named = _cover(failing, named=True)
    examples = {code: _smallest(r for r in failing if code in r.codes) for code in named}
    unexplained = [r for r in failing if not set(r.codes) - GENERIC_CODES]
    patterns = []
    for pattern in info.patterns:
        if not unexplained:
            break
        special = [r for r in unexplained if r.flags.get(pattern.flag)]
        plain_passes = any(r.passed for r in results if not r.flags.get(pattern.flag))
        shaped = not pattern.values_only or all("wrong-shape" not in r.codes for r in special)
        if len(special) == len(unexplained) and plain_passes and shaped and (
            pattern.code not in named
        ):
            patterns.append(pattern.code)
            examples[pattern.code] = _smallest(special)
            unexplained = []
    generic = _cover(unexplained, named=False)
    examples |= {code: _smallest(r for r in unexplained if code in r.codes) for code in generic}
    return named + patterns + generic, examples


def _message(info: ExerciseInfo, report: Report, failed_groups: list[str], examples) -> str:
    if report.status == "passed":
        return f"{info.name}: all {report.total} checks passed."
    lines = [
        f"{info.name}: {report.passed} of {report.total} checks passed; "
        f"{report.groups_passed} of {report.groups_total} kinds of input right "
        f"(score {report.fraction:.0%})."
    ]
    if failed_groups and report.groups_total > 1:
        lines.append("  wrong on: " + "; ".join(failed_groups))
    for rank, code in enumerate(report.diagnoses):
        example = examples.get(code)
        noted = example.notes.get(code) if example is not None else None
        lines.append(f"  {code}: {info.name} {noted or explanation(info, code)}")
        # Two worked examples are enough to act on; more only make the report long.
        if example is not None and rank < _EXAMPLES_SHOWN:
            lines.append(describe(info, example))
    return "\n".join(lines)


def _smallest(results) -> CaseResult:
    """The result whose case has the smallest inputs: the easiest example to read."""
    def size(case: Case) -> int:
        return sum(int(np.size(a)) for a in case.args if isinstance(a, _ndarray)) + len(case.args)

    return min(results, key=lambda r: size(r.case))


def describe(info: ExerciseInfo, result: CaseResult) -> str:
    """A small failing input with what was expected and what came back."""
    names = list(info.parameters) or [f"arg{i}" for i in range(len(result.case.args))]
    lines = [
        f"    for example, {info.name}({', '.join(names[: len(result.case.args)])}"
        + "".join(f", {k}={v!r}" for k, v in result.case.kwargs.items())
        + ") with"
    ]
    indent = "        "
    for name, value in zip(names, result.case.args, strict=False):
        if isinstance(value, _ndarray):
            lines += [f"      {name} =", format_value(value, indent=indent)]
        else:
            lines.append(f"      {name} = {value!r}")
    if result.expected_error is not None:
        lines.append(f"      expected: raises {result.expected_error}")
    else:
        expected = result.expected
        expected = expected.item() if isinstance(expected, _generic) else expected
        lines += ["      expected:", format_value(expected, indent=indent)]
    outcome = result.outcome
    if outcome.error is not None:
        lines.append(f"      got: raised {outcome.error}")
    elif outcome.kind in ("ndarray", "scalar", "tuple", "list"):
        lines += [f"      got ({outcome.type_name}):", format_value(outcome.value, indent=indent)]
    else:
        lines.append(f"      got: {outcome.type_name} ({describe_value(outcome.value)})")
    after = outcome.inputs_after[0] if result.mutated and outcome.inputs_after else None
    if isinstance(after, _ndarray):
        lines += [f"      {names[0]} after the call:", format_value(after, indent=indent)]
    return "\n".join(lines)
