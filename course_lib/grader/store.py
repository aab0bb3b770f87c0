"""Per-submission result files, so an interrupted or repeated run redoes only what changed.

Each graded submission is one JSON file ``<work>/results/<assignment>/<student>.json``
holding a fingerprint and the records. The fingerprint covers everything that
can change a score: the submitted bytes and how the file was found, the
trusted notebook, the battery (its seed), every sandbox setting including
``unsafe``, and the source of every module of course_lib. A re-run reuses a
file whose fingerprint still matches and grades the rest; files are written
atomically (:mod:`course_lib.files`), so a run killed mid-way leaves whole files only.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from course_lib.files import write_json

from .records import GradeRecord, RecordError

__all__ = ["code_digest", "fingerprint", "read_result", "write_result"]

_PACKAGE = Path(__file__).resolve().parents[1]


@cache
def code_digest() -> str:
    """A digest of every source and template file of course_lib (the grading code and
    everything it imports: kernels, reference, validation, ...)."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in (".py", ".j2", ".html", ".json") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(*, submission: bytes | None, inputs: dict) -> str:
    """What must be unchanged for a stored result to be reused.

    Parameters
    ----------
    submission : bytes or None
        The submitted file's bytes (None when nothing was submitted).
    inputs : dict
        Every other input of the grading, JSON-serialisable: how the file was
        found, the trusted notebook's digest, the battery, the sandbox settings.

    Examples
    --------
    >>> a = fingerprint(submission=b"{}", inputs={"seed": 1, "unsafe": False})
    >>> a == fingerprint(submission=b"{}", inputs={"seed": 1, "unsafe": True})
    False
    """
    digest = hashlib.sha256()
    digest.update(b"none" if submission is None else hashlib.sha256(submission).digest())
    digest.update(json.dumps(inputs, sort_keys=True, default=str).encode())
    digest.update(code_digest().encode())
    return digest.hexdigest()


def write_result(path: Path, *, fingerprint: str, source: str, records) -> None:
    """Store one submission's records under ``fingerprint`` (atomically)."""
    write_json(
        path,
        {"fingerprint": fingerprint, "source": source, "records": [r.to_json() for r in records]},
    )


def read_result(path: Path, expected_fingerprint: str | None = None) -> list[GradeRecord] | None:
    """Stored records, or None when the file is missing, damaged or has another fingerprint.

    ``expected_fingerprint=None`` accepts any fingerprint (for readers of a finished run);
    with one, records the grader could not grade (:attr:`GradeRecord.graded`) are not
    reused either, so the next run grades them.
    """
    try:
        stored = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict):
        return None
    if expected_fingerprint is not None and stored.get("fingerprint") != expected_fingerprint:
        return None
    try:
        records = [GradeRecord.from_json(item) for item in stored.get("records", [])]
    except RecordError:
        return None
    if expected_fingerprint is not None and not all(r.graded for r in records):
        return None  # the grader failed on it: grade it again rather than reuse no verdict
    return records
