"""``course validate NOTEBOOK``: the grader's out-of-process diagnostics for one notebook."""

from __future__ import annotations

import sys
from pathlib import Path

HELP = "check a notebook with the same diagnostics as grading"


def add_arguments(parser) -> None:
    parser.add_argument("notebook", type=Path, help="the .ipynb file to check (save it first)")
    parser.add_argument("--assignment", default=None,
                        help="which assignment (default: from the file name)")
    parser.add_argument("--unsafe", action="store_true",
                        help="run without bubblewrap (resource limits only)")
    parser.add_argument("--config", type=Path, default=None,
                        help="nbgrader_config.py with Sandbox limits")


def run(args) -> int:
    from course_lib.grader import load_settings, validate

    try:
        explicit = args.unsafe or args.config is not None
        settings = load_settings(args.config, unsafe=args.unsafe) if explicit else None
        records = validate(args.notebook, assignment=args.assignment, settings=settings)
    except (FileNotFoundError, ValueError) as error:
        print(f"course validate: {error}", file=sys.stderr)
        return 2
    return 0 if records and all(r["status"] == "passed" for r in records) else 1
