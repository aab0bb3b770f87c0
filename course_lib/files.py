"""Writing files whole or not at all: the grader's outputs, a master's fixed seed.

A grading run can be interrupted (Ctrl-C, a killed machine) at any moment.
Each output is written to a temporary file in the same folder and renamed
over the old one (``os.replace`` is atomic), so a reader, or the next run,
sees either the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

__all__ = ["write_atomic", "write_json"]


def write_atomic(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Parameters
    ----------
    path : path
        The file to write (its folder is created).
    data : bytes or str
        The whole content; text is written as UTF-8 (a file name that was not UTF-8 on
        disk comes back as its own bytes, instead of stopping the write).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a" / "grades.csv"
    >>> write_atomic(target, "student,total\\n").read_text()
    'student,total\\n'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else bytes(data)
    # Created like any new file (0666 less the umask), not mkstemp's 0600: the pages and
    # tables are for other people to read.
    temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}"
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_json(path: str | os.PathLike, value) -> Path:
    """Write ``value`` as indented JSON with :func:`write_atomic`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "r.json"
    >>> write_json(target, {"x": 1}).read_text()
    '{\\n  "x": 1\\n}'
    """
    return write_atomic(path, json.dumps(value, indent=2))
