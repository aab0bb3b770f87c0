"""The ``course`` command: one entry point for students and instructors.

Each subcommand lives in its own module under :mod:`course_lib.commands`, which
provides ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
Modules are imported only when their subcommand runs, so ``course --help``
stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

SUBCOMMANDS = {
    "lab": "open the course in JupyterLab",
    "release": "regenerate the student notebooks in notebooks/ from solutions/",
    "grade": "grade a folder of submissions (default: the collected ones, else the sample class)",
    "validate": "check a notebook with the same grading as `course grade`",
    "report": "rebuild results, grades, feedback and the report from the gradebook (no grading)",
    "bundle": "build a student bundle without solutions or hidden tests",
    "config": "show the configuration file in use and the course's options",
}


def _load(name: str):
    return importlib.import_module(f"course_lib.commands.{name}")


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course", description="Image convolutions and pooling: course tools."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, summary in SUBCOMMANDS.items():
        command_parser = sub.add_parser(name, help=summary, description=summary)
        if name == selected:
            _load(name).add_arguments(command_parser)
    return parser


def _in_utf8_mode() -> None:
    """Run again in Python's UTF-8 mode when the machine's file-system encoding is not UTF-8.

    Student ids come from folder names, and texts from notebooks, in UTF-8; under an ASCII
    or Latin-1 locale Python would read a name such as ``zoë`` as undecodable bytes and
    fail when writing it into grades.csv. ``PYTHONUTF8=1`` carries the mode to the
    processes the command starts (nbgrader's bookkeeping, the sandbox's zygote).
    """
    if sys.flags.utf8_mode or sys.getfilesystemencoding().lower().replace("-", "") == "utf8":
        return
    os.environ["PYTHONUTF8"] = "1"
    os.execv(sys.executable, [sys.executable, "-X", "utf8", *sys.orig_argv[1:]])


def main(argv: list[str] | None = None) -> int:
    """Run the ``course`` command line; returns the exit status."""
    if argv is None:
        _in_utf8_mode()
    argv = list(sys.argv[1:] if argv is None else argv)
    selected = next((a for a in argv if a in SUBCOMMANDS), None)
    parser = build_parser(selected)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return int(_load(args.command).run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
