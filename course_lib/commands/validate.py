"""``course validate NOTEBOOK``: the grader's out-of-process diagnostics for one notebook."""

from __future__ import annotations

import sys
from pathlib import Path

HELP = "check a notebook with the same grading as `course grade`"


def add_arguments(parser) -> None:
    parser.add_argument("notebook", type=Path, help="the .ipynb file to check (save it first)")
    parser.add_argument("--assignment", default=None,
                        help="which assignment (default: from the file name)")
    parser.add_argument("--unsafe", action="store_true",
                        help="run without bubblewrap (resource limits only)")
    parser.add_argument("--config", type=Path, default=None,
                        help="the course's nbgrader_config.py (default: the repository's)")


def run(args) -> int:
    from course_lib.config import ConfigError, load_course
    from course_lib.grader.validate import self_check_sandbox, validate

    try:
        course = load_course(args.config)
        sandbox, note = self_check_sandbox(course, unsafe=True if args.unsafe else None)
        records = validate(args.notebook, assignment=args.assignment, course=course,
                           sandbox=sandbox)
    except (ConfigError, FileNotFoundError, ValueError) as error:
        print(f"course validate: {error}", file=sys.stderr)
        return 2
    if note:
        print(note)
    return 0 if records and all(r.status == "passed" for r in records) else 1
