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
    return subprocess.call(command, cwd=course.root, env=lab_environment(course))


def lab_environment(course) -> dict:
    """The environment JupyterLab starts with: the course's ``jupyter-config/`` first.

    It raises the server's websocket message limit, so a large upload reaches the
    filter picker (the same folder ``make lab`` uses).
    """
    folder = course.root / JUPYTER_CONFIG
    paths = [str(folder)] if folder.is_dir() else []
    if os.environ.get("JUPYTER_CONFIG_PATH"):
        paths.append(os.environ["JUPYTER_CONFIG_PATH"])
    return {**os.environ, **({"JUPYTER_CONFIG_PATH": os.pathsep.join(paths)} if paths else {})}


JUPYTER_CONFIG = "jupyter-config"
"""The course's Jupyter server configuration folder, at the repository's root."""
