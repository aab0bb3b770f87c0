"""``course release``: regenerate the student notebooks in notebooks/ from solutions/."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HELP = "regenerate the student notebooks in notebooks/ from solutions/"


def add_arguments(parser) -> None:
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                        help="assignments to release (default: every one in solutions/)")
    parser.add_argument("--into", type=Path, default=None, metavar="FOLDER",
                        help="where the student folders go (default: notebooks/)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the student notebooks are not what a "
                        "release would produce")


def _stale(names, destination: Path, course) -> list[Path]:
    """Regenerate into a scratch folder; return the files of ``destination`` that differ."""
    from course_lib.assignments import release

    stale = []
    with tempfile.TemporaryDirectory(prefix="release-check-") as scratch:
        for result in release(names, course=course, destination=scratch, fix_seeds=False):
            for generated in result.written + result.unchanged:
                current = destination / generated.relative_to(scratch)
                if not current.is_file() or current.read_bytes() != generated.read_bytes():
                    stale.append(current)
    return stale


def _shown(path: Path, root: Path) -> str:
    path = Path(path).resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def run(args) -> int:
    from course_lib.assignments import ReleaseError, release
    from course_lib.config import ConfigError, load_course

    names = args.assignments or None
    try:
        course = load_course()
        root = course.root.resolve()
        destination = args.into if args.into is not None else course.release
        if args.check:
            stale = _stale(names, destination, course)
            for path in stale:
                print(f"out of date: {_shown(path, root)}", file=sys.stderr)
            if stale:
                print("run `course release` (or `make release`) and commit the result",
                      file=sys.stderr)
                return 1
            print(f"{_shown(destination, root)} is up to date")
            return 0
        results = release(names, course=course, destination=destination)
    except (ConfigError, ValueError, ReleaseError) as error:
        print(f"course release: {error}", file=sys.stderr)
        return 1
    for result in results:
        for path in result.written:
            print(f"wrote     {_shown(path, root)}")
        for path in result.unchanged:
            print(f"unchanged {_shown(path, root)}")
    return 0
