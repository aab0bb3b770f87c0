"""``course release``: regenerate the student notebooks in notebooks/ from solutions/."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HELP = "regenerate the student notebooks in notebooks/ from solutions/"


def add_arguments(parser) -> None:
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                        help="assignments to release (default: every one in solutions/)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if notebooks/ is not what a release would "
                        "produce")


def _stale(names) -> list[str]:
    """Regenerate into a scratch folder and list the student files that differ."""
    from course_lib.assignments import RELEASE_FOLDER, REPO_ROOT, release

    stale = []
    with tempfile.TemporaryDirectory(prefix="release-check-") as scratch:
        for result in release(names, destination=scratch):
            for generated in result.written:
                relative = generated.relative_to(scratch)
                current = REPO_ROOT / RELEASE_FOLDER / relative
                if not current.is_file() or current.read_bytes() != generated.read_bytes():
                    stale.append(f"{RELEASE_FOLDER}/{relative.as_posix()}")
    return stale


def run(args) -> int:
    from course_lib.assignments import REPO_ROOT, ReleaseError, release

    names = args.assignments or None
    try:
        if args.check:
            stale = _stale(names)
            for path in stale:
                print(f"out of date: {path}", file=sys.stderr)
            if stale:
                print("run `course release` (or `make release`) and commit notebooks/",
                      file=sys.stderr)
                return 1
            print("notebooks/ is up to date")
            return 0
        results = release(names)
    except (ValueError, ReleaseError) as error:
        print(f"course release: {error}", file=sys.stderr)
        return 1
    for result in results:
        for path in result.written:
            print(f"wrote     {Path(path).relative_to(REPO_ROOT).as_posix()}")
        for path in result.unchanged:
            print(f"unchanged {Path(path).relative_to(REPO_ROOT).as_posix()}")
    return 0
