"""Grade one function of one submission in a fresh sandboxed child process.

The child gets the program and the cases' arguments (never the expected
results), and sends back plain outcomes (:mod:`course_lib.grading.wire`). The
verdict is made here, in the grader's own process, by
:func:`course_lib.grading.assess.assess`: nothing the student's code does to
numpy, builtins or course_lib in the child can change how outputs are compared.
The visible and the hidden battery run in the same child, one after the
other; a hang or crash in the hidden battery leaves the visible verdict intact.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from course_lib.grading.assess import assess
from course_lib.grading.batteries import battery
from course_lib.grading.battery import Battery
from course_lib.grading.outcome import Outcome, Report
from course_lib.grading.wire import WireError, decode_stream, encode_frame

from .program import SubmittedNotebook
from .tamper import TAMPERING, find_tampering

__all__ = ["CHILD_ARGV", "BatteryVerdict", "encode_request", "run_function"]

CHILD_ARGV = (sys.executable, "-m", "course_lib.grader.child")
"""The command every grading child runs."""

_LIMIT_STATUS = {"timeout": "timeout", "memory": "memory", "crashed": "crashed"}


@dataclass
class BatteryVerdict:
    """The verdict on one battery (visible or hidden) of one exercise."""

    hidden: bool
    report: Report
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


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
    )


def _stopped_report(name: str, status: str, message: str) -> Report:
    return Report(exercise=name, fraction=0.0, status=status, diagnoses=[], message=message)


def _limit_message(status: str, function: str, label: str, limits) -> str:
    where = f" on the test input {label!r}" if label else ""
    if status == "timeout":
        return (
            f"{function} did not finish within {limits.wall_seconds:g} s{where}: look for a loop "
            "that never ends (a while loop whose condition never changes)."
        )
    if status == "memory":
        return (
            f"{function} used more than {limits.memory_bytes >> 20} MiB of memory{where}: it "
            "probably allocates an array far larger than the image."
        )
    return (
        f"the grading process stopped abruptly while running {function}{where} (a crash, "
        "os._exit, sys.exit or a segmentation fault); no points for this exercise."
    )


def _assess(tests: Battery, outcomes, source) -> Report:
    report = assess(tests, outcomes, source=source)
    if report.status != "passed" and any(
        (o.error or "").startswith("MemoryError") for o in outcomes
    ):
        report.status = "memory"
        report.message = (
            "ran out of memory (MemoryError) on some inputs. " + report.message
        ).strip()
    return report


def encode_request(cells, function: str, cases, *, guard: bool) -> bytes:
    """The request a grading child reads on stdin: program cells, function, cases (no answers).

    Only the cases' arguments travel: expected results and mistake models stay in
    the grader's process, where student code cannot reach them.
    """
    header = {"kind": "request", "function": function, "guard": bool(guard),
              "cells": [[label, source] for label, source in cells]}
    values = {"cases": [[list(case.args), dict(case.kwargs)] for case in cases]}
    return encode_frame(header, values)


def run_function(
    name: str,
    submitted: SubmittedNotebook,
    *,
    setup_source: str,
    seed: int,
    sandbox,
    hidden: bool = True,
) -> list[BatteryVerdict]:
    """Run the visible and hidden batteries of graded function ``name`` out of process.

    Parameters
    ----------
    name : str
        The graded function.
    submitted : SubmittedNotebook
        The parsed submission.
    setup_source : str
        The trusted notebook's setup cell.
    seed : int
        Seed of the hidden battery.
    sandbox : course_lib.sandbox.Sandbox
        Where children run; its wall clock is the time limit of the function.
    hidden : bool
        Also run the hidden battery (not available in a student bundle).

    Returns
    -------
    list of BatteryVerdict
        The visible verdict, then the hidden one when asked for.
    """
    cells, notes = submitted.program_cells(name)
    source = submitted.answer_source
    tampering = find_tampering(source)
    visible = battery(name, hidden=False)
    batteries = [(False, visible)]
    if hidden:
        batteries.append((True, battery(name, hidden=True, seed=seed)))

    if not submitted.has_answer(name):
        message = (
            f"no answer found for {name}: the cell with grade_id {name}_answer is missing "
            "from the notebook (deleted?) and no other cell defines it."
        )
        return [
            BatteryVerdict(is_hidden, _stopped_report(name, "missing", message), notes=notes)
            for is_hidden, _ in batteries
        ]

    request = encode_request(
        [("setup", setup_source), *cells],
        name,
        [case for _, tests in batteries for case in tests.cases],
        guard=visible.info.guarded,
    )
    result = sandbox.run(list(CHILD_ARGV), stdin=request)
    try:
        frames = decode_stream(bytes(result.stdout or b""))
        malformed = ""
    except WireError as error:
        frames, malformed = [], str(error)

    program = next((h for h, _ in frames if h.get("kind") == "program"), None)
    outcomes = [_outcome(h, v) for h, v in frames if h.get("kind") == "outcome"]
    cell_errors = [] if program is None else list(program.get("cell_errors", []))
    notes = notes + [f"cell {e.get('cell')}: {e.get('error')}" for e in cell_errors[:5]]

    verdicts = []
    start = 0
    for is_hidden, tests in batteries:
        cases = tests.cases
        done = outcomes[start : start + len(cases)]
        start += len(cases)
        if program is not None and not program.get("defined", False):
            setup_error = next((e for e in cell_errors if e.get("cell") == "setup"), None)
            detail = "; ".join(f"{e.get('cell')}: {e.get('error')}" for e in cell_errors[:3])
            message = f"{name} is not defined after running your answer cells"
            message += f" ({detail})." if detail else "."
            if setup_error is not None:
                message = f"the grader's setup cell failed in the sandbox: {setup_error['error']}"
            report = _stopped_report(name, "error", message)
        elif len(done) == len(cases):
            report = _assess(tests, done, source)
        else:
            status = _LIMIT_STATUS.get(result.status, "crashed")
            label = cases[len(done)].label if len(done) < len(cases) else ""
            message = _limit_message(status, name, label, sandbox.limits)
            if malformed:
                message = (
                    f"the grading process sent output that is not valid ({malformed}); "
                    "does your code write to the process's standard output file?"
                )
            elif result.status == "output-limit":
                message = f"{name} printed far too much output; printing was stopped."
            report = _stopped_report(name, status, message)
        if tampering:
            report.diagnoses = [*report.diagnoses, TAMPERING]
            report.message = (
                report.message + " Your answer cells try to change the grading machinery ("
                + "; ".join(tampering) + "); this has no effect on the grade and is reported "
                "to the instructor."
            ).strip()
        verdicts.append(
            BatteryVerdict(is_hidden, report, sum(o.seconds for o in done), list(notes))
        )
    return verdicts
