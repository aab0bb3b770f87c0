"""``course release``: regenerate the student notebooks in notebooks/ from solutions/, and the
compiled visible batteries in course_lib/grading/released/ (what a wheel checks with)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HELP = ("regenerate the student notebooks in notebooks/ from solutions/, and the compiled "
        "visible batteries the installed package checks with")


def add_arguments(parser) -> None:
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                        help="assignments to release (default: every one in solutions/)")
    parser.add_argument("--into", type=Path, default=None, metavar="FOLDER",
                        help="where the student folders go (default: notebooks/)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the student notebooks are not what a "
                        "release would produce")
    parser.add_argument("--exchange", action="store_true",
                        help="then release them to the class through nbgrader's exchange "
                        "(c.Exchange.root), as `nbgrader release_assignment` does")
    parser.add_argument("--duedate", default=None, metavar="'YYYY-MM-DD HH:MM TZ'",
                        help="with --exchange: the due date recorded in the gradebook, which "
                        "nbgrader's late-submission plugin uses")
    parser.add_argument("--force", action="store_true",
                        help="with --exchange: replace an assignment already in the exchange")


def _to_exchange(names, course, *, duedate, force) -> int:
    """Record each assignment (and its due date) in the gradebook and release it with
    nbgrader's own ``release_assignment`` (the command instructors know), run in the
    course's root, where it reads the course's ``nbgrader_config.py``."""
    import subprocess

    from nbgrader.api import Gradebook

    from course_lib.config import nbgrader_scripts_on_path

    coursedir = course.coursedir
    if not coursedir.course_id:
        print("course release: --exchange needs c.CourseDirectory.course_id in "
              f"{course.config_file}", file=sys.stderr)
        return 1
    for name in names:
        with nbgrader_scripts_on_path(), Gradebook(coursedir.db_url, coursedir.course_id) as book:
            book.update_or_create_assignment(name, **({"duedate": duedate} if duedate else {}))
            due = book.find_assignment(name).duedate
        command = [sys.executable, "-m", "nbgrader", "release_assignment", name]
        if force:
            command.append("--force")
        done = subprocess.run(command, cwd=course.root, capture_output=True, text=True)
        said = (done.stdout + done.stderr).strip()
        if done.returncode != 0:
            print(f"course release: nbgrader release_assignment {name} failed:\n{said}",
                  file=sys.stderr)
            return 1
        print(f"released  {name} to {course.config.Exchange.root}/{coursedir.course_id}"
              + (f" (due {due:%Y-%m-%d %H:%M} UTC)" if due else " (no due date)"))
    return 0


def _stale(names, destination: Path, batteries: Path | None, course) -> list[Path]:
    """Regenerate into a scratch folder; return the files of ``destination`` (and the
    compiled batteries in ``batteries``) that differ."""
    from course_lib.assignments import release

    stale = []
    with tempfile.TemporaryDirectory(prefix="release-check-") as scratch:
        compiled = Path(scratch) / "batteries"
        for result in release(names, course=course, destination=scratch, fix_seeds=False,
                              batteries=compiled):
            for generated in result.written + result.unchanged:
                current = destination / generated.relative_to(scratch)
                if not current.is_file() or current.read_bytes() != generated.read_bytes():
                    stale.append(current)
            for generated in result.batteries_written + result.batteries_unchanged:
                if batteries is None:
                    break
                current = Path(batteries) / generated.name
                if not current.is_file() or current.read_bytes() != generated.read_bytes():
                    stale.append(current)
    return stale


def _shown(path: Path, root: Path) -> str:
    path = Path(path).resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def run(args) -> int:
    from course_lib.assignments import ReleaseError, batteries_folder, release
    from course_lib.config import ConfigError, load_course

    names = args.assignments or None
    if args.exchange and args.into is not None:
        print("course release: --exchange releases the course's own release directory; "
              "leave out --into", file=sys.stderr)
        return 1
    try:
        course = load_course()
        root = course.root.resolve()
        destination = args.into if args.into is not None else course.release
        batteries = batteries_folder(course, args.into)
        if args.check:
            stale = _stale(names, destination, batteries, course)
            for path in stale:
                print(f"out of date: {_shown(path, root)}", file=sys.stderr)
            if stale:
                print("run `course release` (or `make release`) and commit the result",
                      file=sys.stderr)
                return 1
            print(f"{_shown(destination, root)} is up to date")
            return 0
        if (args.duedate or args.force) and not args.exchange:
            raise ValueError("--duedate and --force go with --exchange")
        results = release(names, course=course, destination=destination, batteries=batteries)
    except (ConfigError, ValueError, ReleaseError) as error:
        print(f"course release: {error}", file=sys.stderr)
        return 1
    for result in results:
        for path in result.written + result.batteries_written:
            print(f"wrote     {_shown(path, root)}")
        for path in result.unchanged + result.batteries_unchanged:
            print(f"unchanged {_shown(path, root)}")
    if args.exchange:
        return _to_exchange([r.assignment for r in results], course,
                            duedate=args.duedate, force=args.force)
    return 0
