"""Per-submission result files, written atomically, so an interrupted run loses nothing.

Each graded submission is one JSON file ``<work>/results/<assignment>/<student>.json``
holding a fingerprint (the submitted file's bytes, the master notebook, the
seed, the limits and the grading code) and the records. A re-run reuses a file
whose fingerprint still matches and grades the rest; since files are written to
a temporary name and then renamed, a run killed mid-way leaves either a whole
file or none.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path

__all__ = ["code_digest", "fingerprint", "read_result", "write_json_atomic"]

_PACKAGE = Path(__file__).resolve().parents[1]


def write_json_atomic(path: Path, data) -> None:
    """Write ``data`` as JSON to ``path`` via a temporary file and ``os.replace``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a" / "r.json"
    >>> write_json_atomic(target, {"x": 1})
    >>> target.read_text()
    '{\\n  "x": 1\\n}'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@cache
def code_digest() -> str:
    """Return a digest of the grading code (course_lib.grading and course_lib.grader)."""
    digest = hashlib.sha256()
    for folder in ("grading", "grader", "reference"):
        for path in sorted((_PACKAGE / folder).rglob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(*, submitted: Path | None, note: str, master_digest: str, seed: int, limits) -> str:
    """Return what must be unchanged for a stored result to be reused."""
    digest = hashlib.sha256()
    if submitted is not None and Path(submitted).is_file():
        digest.update(Path(submitted).read_bytes())
    digest.update(repr((str(submitted), note, master_digest, seed, limits, code_digest())).encode())
    return digest.hexdigest()


def read_result(path: Path, expected_fingerprint: str) -> list[dict] | None:
    """Return stored records when ``path`` exists, parses and has the expected fingerprint."""
    try:
        stored = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("fingerprint") != expected_fingerprint:
        return None
    records = stored.get("records")
    return records if isinstance(records, list) else None
