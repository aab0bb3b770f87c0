"""``course report``: rebuild a graded folder's outputs from its gradebook, without grading."""

from __future__ import annotations

import sys
from pathlib import Path

HELP = "rebuild results, grades, feedback and the report from the gradebook (no grading)"


def add_arguments(parser) -> None:
    parser.add_argument("--out", type=Path, default=None,
                        help="the folder `course grade` wrote (default: Course.grading_output)")
    parser.add_argument("--config", type=Path, default=None,
                        help="the course's nbgrader_config.py (default: the repository's)")


def run(args) -> int:
    from course_lib.config import ConfigError, load_course
    from course_lib.grader.batch import rebuild_outputs

    try:
        course = load_course(args.config)
        out = args.out or course.path("grading_output")
        records = rebuild_outputs(out)
    except (ConfigError, FileNotFoundError, ValueError) as error:
        print(f"course report: {error}", file=sys.stderr)
        return 2
    manual = sum(r.manual_score is not None for r in records)
    print(f"rebuilt the outputs of {out} from its gradebook: {len(records)} graded test cells, "
          f"{manual} graded by hand")
    for name in ("results.json", "grades.csv", "report.html", "feedback"):
        print(f"  {out / name}")
    return 0
