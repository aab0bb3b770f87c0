"""A hint under a ``NameError`` that the notebook, not the code, caused.

When a student's answer cell has been turned into a Markdown (or Raw) cell,
Run All skips it and the test cell fails with ``name 'convolve' is not
defined``: true, but it does not say why. Grading restores the cell to the
code cell it was released as (:mod:`course_lib.grader.restore`), so the
student should hear both: why it fails here, and how to put it right.

:func:`install` registers the hint with the notebook's IPython kernel (the
setup cell's ``from course_lib import grading`` does it); outside IPython it
does nothing. The traceback is shown as IPython would show it; the hint
follows it on stderr.
"""

from __future__ import annotations

import json
import os
import re
import sys

__all__ = ["hint_for", "install"]


def hint_for(name: str, notebook: dict) -> str | None:
    """The hint for ``name`` being undefined in ``notebook`` (JSON data), or None.

    Examples
    --------
    >>> cell = {"cell_type": "markdown", "source": "def convolve(image, kernel):\\n    ...",
    ...         "metadata": {"nbgrader": {"grade_id": "convolve_answer"}}}
    >>> print(hint_for("convolve", {"cells": [cell]}))
    convolve is not defined because the cell that defines it is a markdown cell, which Run \
All does not run: make it a code cell again (Esc, then Y) and run it. When your notebook is \
graded, that cell is graded as the code cell it was released as.
    """
    pattern = re.compile(rf"^\s*def\s+{re.escape(name)}\s*\(", re.MULTILINE)
    for cell in notebook.get("cells", []):
        if not isinstance(cell, dict) or cell.get("cell_type") == "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        grade_id = ((cell.get("metadata") or {}).get("nbgrader") or {}).get("grade_id")
        if grade_id == f"{name}_answer" or pattern.search(source):
            return (f"{name} is not defined because the cell that defines it is a "
                    f"{cell.get('cell_type')} cell, which Run All does not run: make it a "
                    "code cell again (Esc, then Y) and run it. When your notebook is graded, "
                    "that cell is graded as the code cell it was released as.")
    return None


def _on_name_error(shell, etype, value, tb, tb_offset=None):
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    try:
        path = shell.user_ns.get("__session__") or os.environ.get("JPY_SESSION_NAME")
        name = getattr(value, "name", None)
        if path and name and path.endswith(".ipynb"):
            with open(path, encoding="utf-8") as handle:
                hint = hint_for(name, json.load(handle))
            if hint:
                print(hint, file=sys.stderr)
    except Exception:  # noqa: BLE001 - a hint must never hide the error itself
        pass


def install() -> None:
    """Register the hint with the running IPython kernel, once; nothing outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "_course_name_error_hint", False):
        return
    shell.set_custom_exc((NameError,), _on_name_error)
    shell._course_name_error_hint = True
