"""``course grade``: grade a class of submissions out of process, with nbgrader feedback."""

from __future__ import annotations

import os
import sys
from pathlib import Path

HELP = "grade a folder of submissions (default: the bundled sample class)"

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT / "autograde" / "samples"
DEFAULT_OUT = REPO_ROOT / "grading-output"


def add_arguments(parser) -> None:
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                        help="assignments to grade (default: every one found)")
    parser.add_argument("--submitted", type=Path, default=None,
                        help="SUBMITTED/<student>/<assignment>/<notebook>.ipynb tree "
                        f"(default: the sample class in {SAMPLES.relative_to(REPO_ROOT)})")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"output folder (default: {DEFAULT_OUT.name}/)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="submissions graded at the same time (default: CPU count)")
    parser.add_argument("--unsafe", action="store_true",
                        help="run student code without bubblewrap (resource limits only)")
    parser.add_argument("--seed", type=int, default=None,
                        help="hidden-battery seed (default: the seed of the run in --out, or new)")
    parser.add_argument("--regrade", action="store_true",
                        help="ignore stored results in --out and grade everything again")
    parser.add_argument("--config", type=Path, default=None,
                        help="nbgrader_config.py with Sandbox limits "
                        "(default: autograde/nbgrader_config.py)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args) -> int:
    from course_lib.grader import grade_class, load_settings
    from course_lib.grader.launch import check_available

    if args.jobs < 1:
        print(f"course grade: --jobs must be >= 1, got {args.jobs}", file=sys.stderr)
        return 2
    if not args.unsafe:
        from course_lib.sandbox import SandboxUnavailable

        try:
            check_available()
        except SandboxUnavailable as error:
            print(f"course grade: the sandbox is not available: {error}", file=sys.stderr)
            print("Install bubblewrap (make system-deps, or apt-get install bubblewrap), or "
                  "pass --unsafe to grade without it (only for code you trust).",
                  file=sys.stderr)
            return 3
    submitted = args.submitted or SAMPLES
    out = args.out or DEFAULT_OUT
    settings = load_settings(args.config, unsafe=args.unsafe)
    try:
        result = grade_class(submitted=submitted, out=out, assignments=args.assignments,
                             jobs=args.jobs, settings=settings, seed=args.seed,
                             regrade=args.regrade, progress=not args.quiet)
    except (FileNotFoundError, ValueError) as error:
        print(f"course grade: {error}", file=sys.stderr)
        return 2
    students = {r["student"] for r in result.records}
    print(f"graded {len(students)} students ({result.graded} notebooks graded, "
          f"{result.reused} reused) with seed {result.seed}")
    for name in ("results.json", "grades.csv", "report.html", "feedback"):
        print(f"  {out / name}")
    for what, error in result.nbgrader_failures.items():
        print(f"  nbgrader failed for {what}: {error.splitlines()[-1] if error else ''}",
              file=sys.stderr)
    return 0
