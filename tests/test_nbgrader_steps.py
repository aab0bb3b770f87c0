"""The course's versions of nbgrader's own steps decide exactly as nbgrader's do."""

from __future__ import annotations

import copy
import json

import pytest
from nbformat import from_dict
from nbgrader.nbgraderformat import ValidationError
from nbgrader.preprocessors import CheckCellMetadata

from course_lib.config import load_course
from course_lib.grader.nbgrader_plugins import CheckCellMetadataOnce

MASTER = json.loads(load_course().master("01_convolution").read_text(encoding="utf-8"))


def _graded(nb) -> dict:
    """The metadata of the first graded test cell."""
    return next(c.metadata["nbgrader"] for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade"))


def _markdown_grade(nb):
    cell = next(c for c in nb.cells if c.cell_type == "markdown")
    cell.metadata["nbgrader"] = {**_graded(nb), "grade_id": "prose", "solution": False}


EDITS = {
    "as released": lambda nb: None,
    "no grade_id": lambda nb: _graded(nb).pop("grade_id"),
    "empty grade_id": lambda nb: _graded(nb).update(grade_id=""),
    "no points": lambda nb: _graded(nb).pop("points"),
    "points as text": lambda nb: _graded(nb).update(points="five"),
    "grade as a number": lambda nb: _graded(nb).update(grade=1),
    "schema too old": lambda nb: _graded(nb).update(schema_version=2),
    "schema too new": lambda nb: _graded(nb).update(schema_version=9),
    "duplicate grade id": lambda nb: nb.cells.append(copy.deepcopy(next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")))),
    "markdown graded but not a solution": _markdown_grade,
}


def _verdict(step, nb) -> str:
    try:
        step.preprocess(nb, {})
    except Exception as error:  # noqa: BLE001 - the verdict is the error, whatever its type
        cause = error.__context__ if isinstance(error, ValidationError) else None
        return f"{type(error).__name__}: {error} <- {type(cause).__name__}: {cause}"
    return "valid"


@pytest.mark.parametrize("edit", list(EDITS))
def test_checking_cell_metadata_once_decides_as_nbgraders_own_check(edit):
    """The same verdict and error, in nbgrader's words, as nbgrader's CheckCellMetadata, on a
    master notebook and on each way its nbgrader metadata can be broken."""
    ours, theirs = from_dict(copy.deepcopy(MASTER)), from_dict(copy.deepcopy(MASTER))
    EDITS[edit](ours)
    EDITS[edit](theirs)
    expected = _verdict(CheckCellMetadata(), theirs)
    assert _verdict(CheckCellMetadataOnce(), ours) == expected
    assert (expected == "valid") == (edit == "as released")
