"""``course bundle``: build the student bundle (no solutions, no hidden tests)."""

from __future__ import annotations

from pathlib import Path

HELP = "build a student bundle without solutions or hidden tests"


def add_arguments(parser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("dist/convolution-course-student.zip"),
        help="zip file to write (default: %(default)s)",
    )


def run(args) -> int:
    from course_lib.bundle import build_bundle

    path = build_bundle(args.out)
    print(f"Student bundle written to {path}")
    return 0
