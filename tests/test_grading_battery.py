"""Batteries are plain data: built once from the definitions, judged identically after a trip
through bytes, and carrying nothing a student's code could use to find the answers."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.grading import batteries, exercises
from course_lib.grading.assess import assess
from course_lib.grading.battery import Battery, BatteryError
from course_lib.grading.calling import plain_value
from course_lib.grading.outcome import Outcome

ALL = exercises.names()


def _outcome(value) -> Outcome:
    plain, kind, type_name = plain_value(value)
    return Outcome(value=plain, kind=kind, type_name=type_name)


def _mistaken(exercise, battery: Battery) -> list[Outcome]:
    """Outcomes of the first mistake model, case by case (the right answer where it has none)."""
    model = next((m.model for m in exercise.mistakes() if m.model is not None), None)
    outcomes = []
    for case, expectation in zip(battery.cases, battery.expected, strict=True):
        try:
            value = model(*case.args, **case.kwargs) if model else expectation.value
        except Exception as error:  # noqa: BLE001 - a model may raise on odd inputs
            outcomes.append(Outcome(error=f"{type(error).__name__}: {error}"))
            continue
        outcomes.append(_outcome(value))
    return outcomes


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("hidden", [False, True])
def test_a_battery_survives_bytes_and_is_judged_the_same(name, hidden):
    """to_bytes/from_bytes keeps every case, expectation and model: same report, same digest."""
    exercise = exercises.get(name)
    original = exercise.battery(hidden=hidden, seed=7)
    copy = Battery.from_bytes(original.to_bytes())
    assert copy.digest() == original.digest()
    outcomes = _mistaken(exercise, original)
    assert assess(copy, outcomes) == assess(original, outcomes)


def test_the_battery_of_a_seed_is_fixed_and_another_seed_draws_another():
    """The same seed gives the same bytes; the visible battery ignores seeds."""
    convolve = exercises.get("convolve")
    assert convolve.battery(hidden=True, seed=3).digest() == convolve.battery(
        hidden=True, seed=3).digest()
    assert convolve.battery(hidden=True, seed=3).digest() != convolve.battery(
        hidden=True, seed=4).digest()
    assert batteries.battery("convolve", hidden=False) is batteries.battery(
        "convolve", hidden=False)


def test_damaged_bytes_are_refused():
    """A truncated or foreign file is an error naming the problem, never half a battery."""
    data = exercises.get("clamp").battery(hidden=False).to_bytes()
    with pytest.raises(BatteryError, match="exactly one battery frame"):
        Battery.from_bytes(data[:-10])
    with pytest.raises(BatteryError, match="not a battery"):
        Battery.from_bytes(b"PK\x03\x04 a zip file")


def test_unknown_functions_are_named():
    """Asking for a battery that does not exist lists the known ones."""
    with pytest.raises(batteries.BatteryUnavailable, match="known: .*convolve"):
        batteries.battery("convolution", hidden=False)


def test_cases_sent_to_a_child_carry_no_expected_results():
    """The request frame holds the program and the cases' arguments, nothing else."""
    from course_lib.grader.runner import encode_request
    from course_lib.grading.wire import decode_stream

    battery = exercises.get("max_pool").battery(hidden=True, seed=1)
    ((header, values),) = decode_stream(encode_request([("setup", "x = 1")], "max_pool",
                                                       battery.cases, guard=battery.info.blocked))
    assert set(values) == {"cases"}
    assert set(header) == {"kind", "function", "blocked", "call_seconds", "cells"}
    assert len(values["cases"]) == len(battery.cases)
    for (args, kwargs), case in zip(values["cases"], battery.cases, strict=True):
        assert kwargs == case.kwargs and len(args) == len(case.args)
        for sent, given in zip(args, case.args, strict=True):
            assert np.array_equal(np.asarray(sent), np.asarray(given))


@pytest.mark.parametrize("returned", [[[1, 2], [3]], [object(), 1]])
def test_a_pair_that_is_not_two_numbers_is_the_wrong_type(returned):
    """A ragged list, or one holding objects, where a pair is asked for is diagnosed, not a
    crash of the judging."""
    battery = batteries.battery("pad_width", hidden=False)
    report = assess(battery, [_outcome(returned) for _ in battery.cases])
    assert report.status == "failed" and "wrong-type" in report.diagnoses
