"""``course grade``: grade a class of submissions out of process, with nbgrader feedback."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

HELP = "grade a folder of submissions (default: the collected ones, else the sample class)"

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells report it."""

CLUSTER_EXTRA_HINT = "pip install 'course_lib[cluster]' (in a checkout: make setup)"
"""How to get what ``--scheduler`` needs: Dask, which a student's install goes without."""


def cluster_extra_installed() -> bool:
    """Whether Dask's ``distributed`` (the cluster extra) can be imported here."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def add_arguments(parser) -> None:
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                        help="assignments to grade (default: every one found)")
    parser.add_argument("--submitted", type=Path, default=None,
                        help="SUBMITTED/<student>/<assignment>/<notebook>.ipynb tree (default: "
                        "CourseDirectory.submitted_directory if it has submissions, else "
                        "Course.sample_class)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: Course.grading_output)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="submissions graded at the same time (default: CPU count)")
    parser.add_argument("--unsafe", action="store_true",
                        help="run student code without bubblewrap (resource limits only)")
    parser.add_argument("--seed", type=int, default=None,
                        help="draw a new hidden battery with this seed (default: the battery "
                        "released with each assignment, the one plain nbgrader uses)")
    parser.add_argument("--regrade", action="store_true",
                        help="ignore stored results in --out and grade everything again")
    parser.add_argument("--config", type=Path, default=None,
                        help="the course's nbgrader_config.py (default: the repository's)")
    parser.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                        help="grade on the workers of this Dask scheduler instead of here "
                        "(docs/scaling.md); gradebook, feedback and reports stay here")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _default_submitted(course) -> tuple[Path, str | None]:
    collected = course.folder("submitted_directory")
    if collected.is_dir() and any(p.is_dir() for p in collected.iterdir()):
        return collected, None
    samples = course.path("sample_class")
    return samples, f"no submissions in {collected}: grading the sample class in {samples}"


class _StopOnInterrupt:
    """Ctrl-C stops grading promptly: the first press asks the batch to stop and kills the
    running children; a second press ends the process at once."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous = None

    def _handle(self, signum, frame) -> None:
        from course_lib.sandbox.supervise import stop_all

        if self.event.is_set():
            stop_all()
            os._exit(EXIT_INTERRUPTED)
        self.event.set()
        print("\ncourse grade: stopping (Ctrl-C again to quit at once) ...", file=sys.stderr)
        stop_all()

    def __enter__(self) -> threading.Event:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self.event

    def __exit__(self, *exc_info) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _count(number: int, noun: str) -> str:
    """``'1 notebook'``, ``'2 notebooks'``."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _time_line(timings: dict) -> str:
    """Where the time went, in one line (results.json has every figure)."""
    parts = [f"grading {timings.get('grading', 0):.1f} s"]
    inner = [f"{label} {timings[key]:.1f} s" for key, label in
             (("sandbox_start", "sandbox start"), ("student_code", "student code"))
             if key in timings]
    if inner:
        parts[0] += f" ({', '.join(inner)})"
    parts.append(f"nbgrader {timings.get('nbgrader', 0):.1f} s beside it, "
                 f"{timings.get('nbgrader_after_grading', 0):.1f} s after")
    parts.append(f"reports {timings.get('outputs', 0):.1f} s")
    return "; ".join(parts)


def run(args) -> int:
    from course_lib.config import ConfigError, load_course
    from course_lib.grader.batch import Interrupted, grade_class
    from course_lib.grader.outputs import not_graded
    from course_lib.sandbox import SandboxUnavailable

    if args.jobs < 1:
        print(f"course grade: --jobs must be >= 1, got {args.jobs}", file=sys.stderr)
        return 2
    refused = (FileNotFoundError, ValueError)
    if args.scheduler:
        if not cluster_extra_installed():
            print(f"course grade: --scheduler grades on a Dask cluster, which needs the "
                  f"course's cluster extra: {CLUSTER_EXTRA_HINT}", file=sys.stderr)
            return 2
        from course_lib.grader.cluster import ClusterError

        refused += (ClusterError,)
    try:
        course = load_course(args.config)
        sandbox = course.sandbox(unsafe=True) if args.unsafe else course.sandbox()
    except (ConfigError, ValueError) as error:
        print(f"course grade: {error}", file=sys.stderr)
        return 2
    try:
        if not args.scheduler:  # on a cluster, each worker checks its own sandbox
            sandbox.check()
    except SandboxUnavailable as error:
        print(f"course grade: the sandbox is not available: {error}", file=sys.stderr)
        print("Once it is fixed, run the same command again; --unsafe grades without the "
              "sandbox (only for code you trust).", file=sys.stderr)
        return 3
    submitted, note = (args.submitted, None) if args.submitted else _default_submitted(course)
    if note:
        print(f"course grade: {note}", file=sys.stderr)
    out = args.out or course.path("grading_output")
    try:
        with _StopOnInterrupt() as interrupt:
            result = grade_class(course=course, submitted=submitted, out=out, sandbox=sandbox,
                                 assignments=args.assignments, jobs=args.jobs, seed=args.seed,
                                 regrade=args.regrade, progress=not args.quiet,
                                 interrupt=interrupt, scheduler=args.scheduler)
    except Interrupted as stopped:
        print(f"course grade: interrupted; notebooks graded and kept: {stopped.graded}, "
              f"left to grade: {stopped.remaining}. Run the same command again to resume.",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except refused as error:
        print(f"course grade: {error}", file=sys.stderr)
        return 2
    pending = not_graded(result.records)
    submitted_count = result.graded + result.reused
    batteries = "as released" if args.seed is None else f"new batteries, seed {args.seed}"
    # A submission the grader failed on was taken up in this run but has no grade.
    print(f"{_count(len(result.students), 'student')}, {_count(submitted_count, 'notebook')} "
          f"({max(result.graded - len(pending), 0)} graded now, {result.reused} reused from "
          f"{out / 'work'}), {result.missing} missing; hidden tests: {batteries}"
          + (f"; NOT GRADED: {len(pending)} (the grader failed, see below)" if pending else ""))
    for name in ("results.json", "grades.csv", "report.html", "feedback"):
        print(f"  {out / name}")
    print(f"  time: {_time_line(result.timings)}")
    for what, error in result.nbgrader_failures.items():
        print(f"  nbgrader failed for {what}: {error.splitlines()[-1] if error else ''}",
              file=sys.stderr)
    for entry in pending:
        print(f"  {entry['student']}/{entry['assignment']}: {entry['reason']}",
              file=sys.stderr)
    if pending:
        print(f"course grade: the grader failed on {_count(len(pending), 'submission')}; no "
              "student lost a point (those cells have no grade yet, listed in "
              f"{out / 'report.html'}). Fix the cause and run the same command again.",
              file=sys.stderr)
        return 1
    if result.nbgrader_failures:
        print(f"course grade: {len(result.nbgrader_failures)} notebooks have no feedback page "
              f"(listed in {out / 'report.html'}); their grades are in the outputs",
              file=sys.stderr)
        return 1
    return 0
