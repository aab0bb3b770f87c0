"""Diagnoses are never wrong, and partial credit does not depend on the cases drawn.

Every wrong answer of the catalogue (autograde/answers.py) is run on the hidden battery
under several seeds, exactly as the in-notebook check runs it (the same calls, guard and
assessment):

- it gets its own diagnosis code(s), or only generic ones, never a wrong specific code;
- its score is the same under every seed (groups of cases that each test one property);
- the example shown under each diagnosis is a case that diagnosis explains.

Every answer must get exactly its expected codes: the catalogue's precision is 100%
when this module passes.
"""

from __future__ import annotations

import numpy as np
import pytest
from answers import ANSWERS, CORRECT

from course_lib import kernels, reference
from course_lib.grading import exercises
from course_lib.grading.assess import GENERIC_CODES, assess, judge
from course_lib.grading.calling import TIME_LIMIT_MARKER, call_in_process, not_run

SEEDS = (None, 1, 2, 3)
"""The released battery (None) and three others."""


def _define(source: str, name: str):
    namespace = {"np": np, "reference": reference, "kernels": kernels}
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace[name]


def _run(function, battery):
    outcomes = []
    for case in battery.cases:
        outcome = call_in_process(function, case, guard=battery.info.blocked, time_limit=5)
        outcomes.append(outcome)
        if outcome.error is not None and TIME_LIMIT_MARKER in outcome.error:
            outcomes += [not_run("time limit")] * (len(battery.cases) - len(outcomes))
            break
    return outcomes


def _assess(answer, seed):
    exercise = exercises.get(answer.function)
    battery = exercise.battery(hidden=True, seed=seed)
    outcomes = _run(_define(answer.source, answer.function), battery)
    return battery, outcomes, assess(battery, outcomes, source=answer.source)


def test_the_catalogue_covers_every_graded_function_with_sixty_answers():
    """At least 60 wrong answers, every graded function among them."""
    assert len(ANSWERS) >= 60
    assert {a.function for a in ANSWERS} == set(exercises.names())


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_the_correct_answers_pass_every_battery(name):
    """The catalogue's reference answers are right under every seed (so its edits are bugs)."""
    for seed in SEEDS:
        battery = exercises.get(name).battery(hidden=True, seed=seed)
        report = assess(battery, _run(_define(CORRECT[name], name), battery),
                        source=CORRECT[name])
        assert report.status == "passed", report.message


REFUSED = ("library-call", "course-library", "not-loop-based")
"""Codes of answers the grader refuses to run (a rule broken): rejected, no points."""


@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: f"{a.function}: {a.label}")
def test_each_wrong_answer_is_named_first_and_loses_points_on_both_batteries(answer, hidden):
    """What a student's check cell (visible) and the grader (hidden, as released) say of each
    answer: a bug's first diagnosis is one of its codes, named in the message with an example,
    and it loses points; an answer that breaks a rule is rejected with no points."""
    battery = exercises.get(answer.function).battery(hidden=hidden)
    report = assess(battery, _run(_define(answer.source, answer.function), battery),
                    source=answer.source)
    if set(answer.expected) & set(REFUSED):
        assert (report.status, report.fraction) == ("rejected", 0.0), report.message
        assert set(answer.expected) <= set(report.diagnoses), report.message
    elif answer.expected:
        assert report.status == answer.status, report.message
        assert report.diagnoses[0] in answer.expected, report.message
        assert report.diagnoses[0] in report.message and "for example" in report.message
        assert 0.0 <= report.fraction < 1.0
    else:
        assert report.status != "passed" and report.fraction < 1.0, report.message


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: f"{a.function}: {a.label}")
def test_each_wrong_answer_gets_its_diagnosis_under_every_seed(answer):
    """Exactly its code(s), never a wrong specific one; the same score whatever the seed; each
    example shown is explained by its diagnosis."""
    fractions = set()
    for seed in SEEDS:
        battery, outcomes, report = _assess(answer, seed)
        specific = {d for d in report.diagnoses if d not in GENERIC_CODES or d in answer.expected}
        assert specific == set(answer.expected), (seed, report.message)
        assert report.fraction < 1.0 or report.status != "passed", report.message
        fractions.add(round(report.fraction, 6))
        for code, index in report.examples.items():
            result = judge(battery, index, outcomes[index])
            pattern = {p.code: p.flag for p in battery.info.patterns}.get(code)
            explained = code in result.codes or (pattern and result.flags.get(pattern))
            explained = explained or code == "mutates-input" and result.mutated
            assert explained, (code, battery.cases[index].label, result.codes)
    assert len(fractions) == 1, f"the score depends on the seed: {sorted(fractions)}"
