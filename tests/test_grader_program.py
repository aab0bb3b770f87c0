"""Tests for course_lib.grader.program: reading submissions as JSON and building programs."""

from __future__ import annotations

import json

import pytest

from course_lib.grader.program import NotebookUnreadable, read_master_setup, read_notebook


def _cell(source, grade_id=None, cell_type="code"):
    metadata = {"nbgrader": {"grade_id": grade_id}} if grade_id else {}
    return {"cell_type": cell_type, "source": source, "metadata": metadata, "outputs": []}


def _write(tmp_path, cells, name="nb.ipynb"):
    path = tmp_path / name
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4}))
    return path


def test_answers_are_matched_by_grade_id_in_notebook_order(tmp_path):
    """Duplicated and reordered answer cells are all kept, later ones last (they win)."""
    path = _write(tmp_path, [
        _cell("def g():\n    return 2", "g_answer"),
        _cell("x = 1"),
        _cell(["def f():\n", "    return 0"], "f_answer"),
        _cell("def f():\n    return 1", "f_answer"),
        _cell("print('test')", "f_visible"),
    ])
    submitted = read_notebook(path)
    assert [g for g, _ in submitted.answers] == ["g_answer", "f_answer", "f_answer"]
    cells, notes = submitted.program_cells("f")
    assert cells[-1][1].endswith("return 1") and notes == []


def test_deleted_answer_cell_falls_back_to_a_defining_cell(tmp_path):
    """A function whose answer cell lost its metadata is still found, with a note."""
    submitted = read_notebook(_write(tmp_path, [_cell("def f(x):\n    return x")]))
    cells, notes = submitted.program_cells("f")
    assert cells == [("f_found", "def f(x):\n    return x")]
    assert "f_answer" in notes[0]
    assert submitted.has_answer("f") and not submitted.has_answer("g")


def test_magics_become_plain_python(tmp_path):
    """IPython magics in answer cells do not make the program a syntax error."""
    cell = _cell("%time x = 1\ndef f():\n    pass", "f_answer")
    submitted = read_notebook(_write(tmp_path, [cell]))
    source = submitted.program_cells("f")[0][0][1]
    compile(source, "answer", "exec")


@pytest.mark.parametrize(
    "content, message",
    [(b"", "is empty"), (b'{"cells": [', "not valid notebook JSON"), (b"[1, 2]", "not a notebook")],
)
def test_unreadable_files_name_the_problem(tmp_path, content, message):
    """Empty files, broken JSON and JSON without cells raise NotebookUnreadable with the cause."""
    path = tmp_path / "01_convolution.ipynb"
    path.write_bytes(content)
    with pytest.raises(NotebookUnreadable, match=message):
        read_notebook(path)


def test_master_setup_is_read_and_required(tmp_path):
    """The trusted setup cell comes from the master; a master without one is an error."""
    path = _write(tmp_path, [_cell("import numpy as np", "setup")])
    assert read_master_setup(path) == "import numpy as np"
    with pytest.raises(ValueError, match="setup"):
        read_master_setup(_write(tmp_path, [_cell("x = 1")], name="bad.ipynb"))
