"""Entry point of one grading child: ``python -m course_lib.grader.child``.

It reads a request frame on stdin (:func:`course_lib.grader.runner.encode_request`),
runs the program's cells, calls the function on every case with
:func:`course_lib.grading.calling.call_in_process` and writes one frame per outcome
(:mod:`course_lib.grading.wire`) to the stdout it was started with, flushed one by one
so that after a crash or a timeout the parent knows which case was running. The
student's prints go to stderr; nothing is ever unpickled.
"""

from __future__ import annotations

import os
import sys


class _NoIPython:
    """Stands in for ``get_ipython()`` so converted magics (``%time``) run as no-ops."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def main() -> int:
    """Run one grading request from stdin; frames go to the original stdout."""
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    os.environ.setdefault("MPLBACKEND", "Agg")
    from course_lib.grading.outcome import Case
    from course_lib.grading.wire import decode_stream, encode_frame

    ((request, values),) = decode_stream(sys.stdin.buffer.read())
    cases = [Case(tuple(args), dict(kwargs)) for args, kwargs in values["cases"]]

    def send(header: dict, values: dict | None = None) -> None:
        channel.write(encode_frame(header, values))
        channel.flush()

    namespace: dict = {"__name__": "__main__", "get_ipython": _NoIPython}
    cell_errors = []
    for label, source in request["cells"]:
        try:
            # As a kernel compiles a cell: none of this module's __future__ imports (which
            # would leave annotations unevaluated where Run All evaluates them).
            exec(compile(source, f"<{label}>", "exec", dont_inherit=True), namespace)
        except BaseException as error:  # noqa: BLE001 - a student cell may raise anything
            cell_errors.append({"cell": label, "error": _describe(error)})
    function = namespace.get(request["function"])
    send({"kind": "program", "cell_errors": cell_errors, "defined": callable(function)})
    if not callable(function):
        send({"kind": "end"})
        return 0

    from course_lib.grading.calling import CALL_SECONDS, TIME_LIMIT_MARKER, call_in_process

    blocked = {str(m): tuple(names) for m, names in dict(request.get("blocked", {})).items()}
    seconds = float(request.get("call_seconds", CALL_SECONDS))
    for index, case in enumerate(cases):
        outcome = call_in_process(function, case, guard=blocked, time_limit=seconds)
        send(
            {
                "kind": "outcome",
                "index": index,
                "outcome_kind": str(outcome.kind),
                "type_name": str(outcome.type_name)[:200],
                "error": None if outcome.error is None else str(outcome.error)[:2000],
                "output": str(outcome.output)[:4000],
                "seconds": float(outcome.seconds),
                "shares_input": bool(outcome.shares_input),
            },
            {"value": outcome.value, "inputs_after": tuple(outcome.inputs_after)},
        )
        if outcome.error is not None and TIME_LIMIT_MARKER in outcome.error:
            # The notebook's check stops here too; the grader counts the rest as not run.
            break
    send({"kind": "end"})
    channel.close()
    # Skip interpreter teardown: it is slow, and student code may have left threads or
    # atexit handlers behind that would otherwise keep the child alive.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
