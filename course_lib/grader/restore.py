"""Put back, from the released notebook, what students' editors and tools change in one.

What a graded cell *is* (its type, its nbgrader metadata, whether it is there at all) is
nbgrader's to say, not the submission's. :func:`restore` applies that rule before anything
is graded, the same way for ``course grade``, ``course validate`` and plain ``nbgrader
autograde`` (whose first sanitising step calls it): a graded cell turned into Markdown or
Raw, stripped nbgrader metadata, a deleted test cell, and what nbformat's schema or
nbconvert cannot take (docs/grading.md says how each is put back). Every change is named in
a note; no line of the student's code changes.

Examples
--------
>>> released = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
...     {"cell_type": "code", "id": "a1", "source": "def f():\\n    raise NotImplementedError()",
...      "metadata": {"nbgrader": {"grade_id": "f_answer", "solution": True}}}]}
>>> submitted = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
...     {"cell_type": "markdown", "id": "a1", "source": "def f():\\n    return 1",
...      "metadata": {"nbgrader": {"grade_id": "f_answer", "solution": True}}}]}
>>> fixed, notes = restore(submitted, layout_of(released))
>>> fixed["cells"][0]["cell_type"]
'code'
>>> print(notes[0])
the cell with grade_id f_answer was a markdown cell: graded as the code cell it was released as
"""

from __future__ import annotations

import copy
import re
import uuid

from course_lib.assignments import ReleasedCell, cell_source, layout_of

from .program import _grade_id

__all__ = ["ReleasedCell", "layout_of", "restore"]

_CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")


def _defines(source: str, function: str) -> bool:
    return re.search(rf"^\s*def\s+{re.escape(function)}\s*\(", source, re.MULTILINE) is not None


def _as_code(cell: dict) -> None:
    cell["cell_type"] = "code"
    cell.setdefault("outputs", [])
    cell.setdefault("execution_count", None)
    cell.pop("attachments", None)


def _matches(submitted: list[dict], released: tuple[ReleasedCell, ...]) -> dict[int, int]:
    """released index -> submitted index for every graded released cell found."""
    graded = [i for i, cell in enumerate(released) if cell.grade_id]
    found: dict[int, int] = {}
    by_grade_id: dict[str, int] = {}
    for index, cell in enumerate(submitted):
        grade_id = _grade_id(cell)
        if grade_id and grade_id not in by_grade_id:
            by_grade_id[grade_id] = index
    for r in graded:  # the grade id is there (the usual case)
        if released[r].grade_id in by_grade_id:
            found[r] = by_grade_id[released[r].grade_id]
    free = [i for i, cell in enumerate(submitted) if not _grade_id(cell)]

    def take_first(r: int, candidates: list[int]) -> None:
        untaken = [i for i in candidates if i not in found.values()]
        if untaken:
            found[r] = untaken[0]

    for r in graded:  # metadata stripped, the cell id kept
        if r not in found and released[r].cell_id:
            take_first(r, [i for i in free if submitted[i].get("id") == released[r].cell_id])
    for r in graded:  # metadata and id stripped, a locked cell's source unchanged
        if r not in found and not released[r].is_answer:
            text = released[r].source.strip()
            take_first(r, [i for i in free if cell_source(submitted[i]).strip() == text])
    for r in graded:  # an answer cell: the cell between its found neighbours defining it
        if r not in found and released[r].is_answer:
            function = released[r].grade_id.removesuffix("_answer")
            before = max((found[p] for p in found if p < r), default=-1)
            after = min((found[n] for n in found if n > r), default=len(submitted))
            take_first(r, [i for i in free if before < i < after
                           and _defines(cell_source(submitted[i]), function)])
    return found


def _place_for(cells: list[dict], released: tuple[ReleasedCell, ...], found: dict[int, int],
               r: int) -> int:
    """Where the missing released cell ``r`` goes back: after the last of the cells released
    before it (up to the graded cell before it) that the submission still has unchanged."""
    previous = [p for p in found if p < r]
    anchor = found[max(previous)] if previous else -1
    following = [found[n] for n in found if n > r]
    limit = min(following) if following else len(cells)
    start = max(previous) + 1 if previous else 0
    for q in range(r - 1, start - 1, -1):
        text = released[q].source.strip()
        for i in range(limit - 1, anchor, -1):
            if text and cell_source(cells[i]).strip() == text:
                return i + 1
    return anchor + 1


def restore(notebook: dict, released: tuple[ReleasedCell, ...]) -> tuple[dict, list[str]]:
    """A copy of ``notebook`` with its graded cells as released, and what was changed.

    Parameters
    ----------
    notebook : dict
        The submitted notebook, nbformat 4, as parsed JSON (an ``nbformat``
        NotebookNode works too).
    released : tuple of ReleasedCell
        The released notebook's cells (:func:`layout_of`).

    Returns
    -------
    (dict, list of str)
        The restored notebook and one note per kind of change (empty when the
        notebook needed nothing).
    """
    notebook = copy.deepcopy(notebook)
    cells = [c for c in notebook.get("cells", []) if isinstance(c, dict)]
    own_ids = any("id" in cell for cell in cells)
    notes: list[str] = []
    found = _matches(cells, released)
    stripped = []
    for r, s in sorted(found.items()):
        want, cell = released[r], cells[s]
        if not _grade_id(cell):
            stripped.append(want.grade_id)
            metadata = cell.setdefault("metadata", {})
            if not isinstance(metadata, dict):
                cell["metadata"] = metadata = {}
            metadata["nbgrader"] = copy.deepcopy(want.nbgrader)
        if want.cell_type == "code" and cell.get("cell_type") != "code":
            notes.append(f"the cell with grade_id {want.grade_id} was a "
                         f"{cell.get('cell_type')} cell: graded as the code cell it was "
                         "released as")
            _as_code(cell)
    if stripped:
        notes.append(f"nbgrader's cell metadata was missing ({', '.join(stripped)}): the "
                     "cells were found by their id, their text and their place, as released")
    missing = [r for r, cell in enumerate(released) if cell.is_test and r not in found]
    for r in missing:
        at = _place_for(cells, released, found, r)
        for key in found:  # later matches move down by one
            if found[key] >= at:
                found[key] += 1
        want = released[r]
        restored = {"cell_type": want.cell_type, "id": uuid.uuid4().hex[:12],
                    "metadata": {"nbgrader": copy.deepcopy(want.nbgrader),
                                 "deletable": False, "editable": False},
                    "source": want.source}
        if want.cell_type == "code":
            restored.update(outputs=[], execution_count=None)
        cells.insert(at, restored)
        found[r] = at
    if missing:
        notes.append(f"the test cell{'s' if len(missing) > 1 else ''} "
                     f"{', '.join(released[r].grade_id for r in missing)} "
                     f"{'were' if len(missing) > 1 else 'was'} missing: put back as released")
    notebook["cells"] = cells
    notes += _repair_format(notebook, own_ids=own_ids)
    return notebook, notes


def _repair_format(notebook: dict, *, own_ids: bool) -> list[str]:
    """Make ``notebook`` valid for nbformat and renderable by nbconvert; notes for changes.

    It becomes nbformat 4.5 with a unique, valid id in every cell, as nbformat upgrades an
    older 4.x (saved by an older Jupyter or by Colab) and as nbgrader needs; only a notebook
    that carried cell ids of its own under an older version number is worth a note.
    """
    notes = []
    if notebook.get("nbformat") == 4:
        if int(notebook.get("nbformat_minor", 0)) < 5:
            notebook["nbformat_minor"] = 5
            if own_ids:
                notes.append("the notebook says nbformat 4.4 but has cell ids (4.5): read as 4.5")
        seen = set()
        for cell in notebook["cells"]:
            cell_id = cell.get("id")
            if not isinstance(cell_id, str) or not _CELL_ID.match(cell_id) or cell_id in seen:
                cell["id"] = uuid.uuid4().hex[:12]
            seen.add(cell["id"])
    metadata = notebook.get("metadata")
    if isinstance(metadata, dict) and "widgets" in metadata and not _valid_widget_state(
            metadata["widgets"]):
        del metadata["widgets"]
        notes.append("saved widget state that is not in the widget schema (as Colab writes "
                     "it) was left out")
    return notes


def _valid_widget_state(widgets) -> bool:
    """Whether notebook-level widget metadata has the shape nbconvert renders."""
    if not isinstance(widgets, dict):
        return False
    state = widgets.get("application/vnd.jupyter.widget-state+json")
    if state is None:
        return True
    return (isinstance(state, dict) and isinstance(state.get("state"), dict)
            and "version_major" in state and "version_minor" in state)
