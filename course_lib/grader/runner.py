"""Grade one function of one submission in its own sandboxed child process.

For each of the function's test cells the program is what Run All would have
defined when that cell runs (:meth:`.program.SubmittedNotebook.program`); the
visible and the hidden test cell usually share it, and then share one child.
The child gets the program and the cases' arguments (never the expected
results), and sends back plain outcomes (:mod:`course_lib.grading.wire`). The
verdict is made here, in the grader's own process, by
:func:`course_lib.grading.assess.assess`: nothing the student's code does to
numpy, builtins or course_lib in the child can change how outputs are compared.

Hangs and crashes follow the notebook's check: when a call runs past
:data:`~course_lib.grading.calling.CALL_SECONDS` or the child dies, the cases
finished before keep their result and the others are not run
(:func:`~course_lib.grading.calling.not_run`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from course_lib.grading.assess import assess
from course_lib.grading.batteries import battery
from course_lib.grading.battery import Battery
from course_lib.grading.calling import CALL_SECONDS, TIME_LIMIT_MARKER, not_run
from course_lib.grading.outcome import Outcome, Report
from course_lib.grading.wire import WireError, decode_stream, encode_frame

from .program import Program, SubmittedNotebook
from .tamper import TAMPERING, find_tampering

__all__ = ["BatteryVerdict", "encode_request", "run_function"]

_LIMIT_STATUSES = ("timeout", "memory", "crashed")


@dataclass
class BatteryVerdict:
    """The verdict on one test cell (visible or hidden battery) of one function."""

    hidden: bool
    report: Report
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


_VALUES = {
    "ndarray": np.ndarray, "subclass": np.ndarray, "scalar": bool | int | float | complex | str,
    "list": tuple | np.ndarray | None, "tuple": tuple | np.ndarray | None, "none": None,
    "other": None,
}
"""What each kind of outcome carries, as :func:`course_lib.grading.calling.plain_value` makes
it (None: nothing)."""


def _outcomes(frames: list) -> list[Outcome]:
    """The outcome frames of a child's output, checked as the child writes them: one per case,
    in order, each value of the kind it names. Anything else was written by the student's code
    (it can reach the stream), and the stream is not valid output.

    Raises
    ------
    WireError
        For a frame out of order or a value that is not of its kind.
    """
    outcomes = []
    for header, values in frames:
        if header.get("kind") != "outcome":
            continue
        if header.get("index") != len(outcomes):
            raise WireError(f"outcome {header.get('index')!r} where {len(outcomes)} was due")
        outcome = _outcome(header, values)
        carried = _VALUES.get(outcome.kind, ())
        if not isinstance(outcome.value, type(None) if carried is None else carried):
            raise WireError(f"an outcome of kind {outcome.kind!r} carries a "
                            f"{type(outcome.value).__name__}")
        outcomes.append(outcome)
    return outcomes


def _outcome(header: dict, values: dict) -> Outcome:
    inputs_after = values.get("inputs_after")
    return Outcome(
        value=values.get("value"),
        kind=str(header.get("outcome_kind", "other")),
        type_name=str(header.get("type_name", "")),
        error=header.get("error") if isinstance(header.get("error"), str) else None,
        inputs_after=tuple(inputs_after) if isinstance(inputs_after, tuple | list) else (),
        output=str(header.get("output", "")),
        seconds=float(header.get("seconds", 0.0) or 0.0),
        shares_input=header.get("shares_input") is True,
    )


def _limit_message(status: str, function: str, label: str, limits) -> str:
    where = f" on the test input {label!r}" if label else ""
    if status == "timeout":
        return (
            f"{function} did not finish in time{where} ({CALL_SECONDS:g} s per call, "
            f"{limits.wall_seconds:g} s for all of them): look for a loop that never ends "
            "(a while loop whose condition never changes)."
        )
    if status == "memory":
        return (
            f"{function} used more than {limits.memory_bytes >> 20} MiB of memory{where}: it "
            "probably allocates an array far larger than the image."
        )
    return (
        f"the grading process stopped abruptly while running {function}{where} (a crash, "
        "os._exit, sys.exit or a segmentation fault)."
    )


def encode_request(cells, function: str, cases, *, guard) -> bytes:
    """The request a grading child reads on stdin: program, function, cases (no answers).

    Only the cases' arguments travel: expected results and mistake models stay in
    the grader's process, where student code cannot reach them. ``guard`` is
    what to block during each call (module -> function names).
    """
    blocked = {str(m): list(names) for m, names in dict(guard).items()} if guard else {}
    header = {"kind": "request", "function": function, "blocked": blocked,
              "call_seconds": CALL_SECONDS,
              "cells": [[label, source] for label, source in cells]}
    values = {"cases": [[list(case.args), dict(case.kwargs)] for case in cases]}
    return encode_frame(header, values)


def _not_defined(name: str, submitted: SubmittedNotebook, cell_errors: list,
                 test_grade_id: str) -> str:
    setup_error = next((e for e in cell_errors if e.get("cell") == "setup"), None)
    if setup_error is not None:
        return f"the grader's setup cell failed in the sandbox: {setup_error['error']}"
    defined = [d for d in submitted.answer_cell_definitions(name) if d != name]
    if defined:
        listed = ", ".join(defined)
        return (
            f"{name} is not defined; the answer cell defines {listed}. Keep the name {name}: "
            "the tests call it by that name."
        )
    position, _ = submitted.position(test_grade_id, name)
    answers = [c.index for c in submitted.cells if c.grade_id == f"{name}_answer"]
    if not answers:
        return (
            f"{name} is not defined when its test cell runs: the answer cell (grade_id "
            f"{name}_answer) is not in the notebook and no cell above the test defines {name}. "
            "Copy the answer cell back from the released notebook."
        )
    if min(answers) > position:
        return (
            f"{name} is not defined when its test cell runs: its answer cell (cell "
            f"{min(answers) + 1}) is below the test cell, and Run All runs the test first. "
            "Move the answer cell above its test."
        )
    detail = "; ".join(f"{e.get('cell')}: {e.get('error')}" for e in cell_errors[:3])
    message = (
        f"{name} is not defined when its test cell runs: no cell above the test defines it"
    )
    return message + (f" ({detail})." if detail else ".")


def _how_it_ended(result, malformed: str) -> tuple[str, str] | None:
    """``(status, message)`` when the child stopped before every case ran, else None."""
    if malformed:
        return "crashed", (
            f"the grading process sent output that is not valid ({malformed}); does your code "
            "write to the process's standard output file?"
        )
    if result.status == "output-limit":
        return "crashed", "the function printed far too much output; printing was stopped."
    if result.status in _LIMIT_STATUSES:
        return result.status, ""
    return None


def _hit_call_limit(outcome: Outcome) -> bool:
    return outcome.error is not None and TIME_LIMIT_MARKER in outcome.error


def _limit_report(tests: Battery, done, status: str, message: str, *, source) -> Report:
    """The verdict when a limit stopped the function: the cases ``done`` count, the rest are
    not run; a timeout is diagnosed ``too-slow``."""
    missing = [not_run(message)] * (len(tests.cases) - len(done))
    report = assess(tests, [*done, *missing], source=source)
    report.status = status
    if status == "timeout" and "too-slow" not in report.diagnoses:
        report.diagnoses = ["too-slow", *report.diagnoses]
    report.message = f"{message}\n{report.message}"
    return report


def _run(program: Program, name: str, batteries: list[tuple[bool, Battery]], *,
         submitted: SubmittedNotebook, processes, tampering, test_grade_id: str
         ) -> list[BatteryVerdict]:
    """One child for the test cells that share ``program``."""
    source = program.student_cells
    every_case = [case for _, tests in batteries for case in tests.cases]
    result = processes.run(encode_request(program.chunks, name, every_case,
                                          guard=batteries[0][1].info.blocked))
    try:
        frames = decode_stream(bytes(result.stdout or b""))
        outcomes, malformed = _outcomes(frames), ""
    except WireError as error:
        frames, outcomes, malformed = [], [], str(error)
    header = next((h for h, _ in frames if h.get("kind") == "program"), None)
    ended = _how_it_ended(result, malformed)
    hung_seconds = 0.0
    if outcomes and _hit_call_limit(outcomes[-1]):
        # The call that ran past its limit is the hang, whether the child then reported it
        # and ended or the run's own clock stopped the child first: either way it counts as
        # not run, so the same submission always gets the same verdict and words.
        hung_seconds = outcomes.pop().seconds
        ended = ended or ("timeout", "")
    cell_errors = [] if header is None else list(header.get("cell_errors", []))
    notes = list(program.notes)
    notes += [f"{e.get('cell')}: {e.get('error')}" for e in cell_errors[:5]
              if e.get("cell") != "setup"]
    verdicts = []
    start = 0
    for is_hidden, tests in batteries:
        cases = tests.cases
        done = outcomes[start : start + len(cases)]
        start += len(cases)
        if header is not None and not header.get("defined", False):
            message = _not_defined(name, submitted, cell_errors, test_grade_id)
            report = Report(name, 0.0, "error", message=message)
        elif len(done) == len(cases):
            report = assess(tests, done, source=source)
        else:
            status, message = ended or ("crashed", "")
            if not message:
                message = _limit_message(status, name, cases[len(done)].label, processes.limits)
            report = _limit_report(tests, done, status, message, source=source)
        if report.status != "passed" and any(
            (o.error or "").startswith("MemoryError") for o in done
        ):
            report.status = "memory"
            report.message = f"ran out of memory (MemoryError) on some inputs. {report.message}"
        if tampering:
            report.diagnoses = [*report.diagnoses, TAMPERING]
            report.message = (
                report.message + " Your notebook tries to change the grading machinery ("
                + "; ".join(tampering) + "); this has no effect on the grade and is reported "
                "to the instructor."
            ).strip()
        seconds = sum(o.seconds for o in done)
        if len(done) < len(cases):
            seconds, hung_seconds = seconds + hung_seconds, 0.0
        verdicts.append(BatteryVerdict(is_hidden, report, seconds, list(notes)))
    return verdicts


def _carried_over(hung: BatteryVerdict, tests: Battery, is_hidden: bool,
                  program: Program) -> BatteryVerdict:
    """The verdict on a later test cell of a function that already ran past its time limit.

    As the notebook's check does for the cases after a hang, the function is not run again:
    a runaway function holds a grading slot for one limit, not one per test cell.
    """
    first_line = hung.report.message.split("\n", 1)[0]
    message = f"{first_line} It is not run again for this test cell."
    report = _limit_report(tests, [], "timeout", message, source=program.student_cells)
    return BatteryVerdict(is_hidden, report, 0.0, list(program.notes))


def run_function(
    name: str,
    submitted: SubmittedNotebook,
    *,
    assignment,
    seed: int,
    processes,
    hidden: bool = True,
    batteries: Mapping | None = None,
) -> list[BatteryVerdict]:
    """Run the test cells of graded function ``name`` out of process.

    Parameters
    ----------
    name : str
        The graded function.
    submitted : SubmittedNotebook
        The parsed submission.
    assignment : course_lib.assignments.Assignment
        The trusted notebook's setup cell and test cells.
    seed : int
        Seed of the hidden battery.
    processes : course_lib.grader.processes.GradingProcesses
        Where children run; the sandbox's wall clock is the time limit of one child.
    hidden : bool
        Also run the hidden battery (not available in a student bundle).
    batteries : mapping, optional
        ``(function, hidden) -> Battery`` to grade with (a cluster worker gets them
        from the coordinator); by default :func:`course_lib.grading.batteries.battery`.

    Returns
    -------
    list of BatteryVerdict
        The visible verdict, then the hidden one when asked for.
    """
    test_ids = {cell.grade_id for cell in assignment.test_cells}
    tampering = find_tampering(submitted.student_code(test_ids))
    cells = [c for c in assignment.test_cells if c.function == name and (hidden or not c.hidden)]
    groups: dict[tuple, list] = {}
    for cell in cells:
        program = submitted.program(cell.grade_id, function=name,
                                    setup_source=assignment.setup_source, test_ids=test_ids)
        if batteries is not None:
            tests = batteries[(name, cell.hidden)]
        else:
            tests = battery(name, hidden=cell.hidden, seed=seed if cell.hidden else None)
        groups.setdefault(program.chunks, [program, [], cell.grade_id])[1].append(
            (cell.hidden, tests))
    verdicts = []
    for program, batteries, test_grade_id in groups.values():
        hung = next((v for v in verdicts if v.report.status == "timeout"), None)
        if hung is not None:
            verdicts += [_carried_over(hung, tests, is_hidden, program)
                         for is_hidden, tests in batteries]
            continue
        if name not in program.defines:
            message = _not_defined(name, submitted, [], test_grade_id)
            verdicts += [
                BatteryVerdict(is_hidden, Report(name, 0.0, "missing", message=message),
                               notes=list(program.notes))
                for is_hidden, _ in batteries
            ]
            continue
        verdicts += _run(program, name, batteries, submitted=submitted, processes=processes,
                         tampering=tampering, test_grade_id=test_grade_id)
    return sorted(verdicts, key=lambda v: v.hidden)
