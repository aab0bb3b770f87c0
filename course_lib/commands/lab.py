"""``course lab``: open the course notebooks in JupyterLab."""

from __future__ import annotations

import os
import subprocess
import sys

HELP = "open the course in JupyterLab"


def add_arguments(parser) -> None:
    parser.add_argument("extra", nargs="*", help="options passed on to jupyter lab (after --)")


def run(args) -> int:
    from course_lib.config import load_course

    course = load_course()
    notebooks = course.release
    command = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={notebooks}", *args.extra]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return subprocess.call(command, cwd=course.root)
