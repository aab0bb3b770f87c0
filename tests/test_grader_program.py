"""Tests for course_lib.grader.program: the program Run All would run, read from the file."""

from __future__ import annotations

import json

import nbformat
import pytest

from course_lib.grader.program import (
    NotebookUnreadable,
    load_notebook,
    read_notebook,
    submitted_notebook,
)

SETUP = "import numpy as np\nfrom course_lib import grading"
TESTS = {"f_visible", "f_hidden"}


def _cell(source, grade_id=None, cell_type="code"):
    metadata = {"nbgrader": {"grade_id": grade_id}} if grade_id else {}
    return {"cell_type": cell_type, "source": source, "metadata": metadata, "outputs": []}


def _program(cells, test="f_visible"):
    raw = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    return submitted_notebook(load_notebook(raw.encode())).program(
        test, function="f", setup_source=SETUP, test_ids=TESTS)


def _code(program) -> str:
    return "\n".join(source for label, source in program.chunks if label != "setup")


def test_cells_above_the_test_count_and_the_last_definition_wins():
    """Duplicated and reordered answer cells: the one nearest above the test wins, as in Run
    All; a copy below the test and the test cells themselves are never part of it."""
    program = _program([
        _cell(SETUP, "setup"),
        _cell("def f():\n    return 0", "f_answer"),
        _cell("def f():\n    return 1", "f_answer"),
        _cell("grading.check(f, 'f', points=1)", "f_visible"),
        _cell("def f():\n    return 2", "f_answer"),
    ])
    assert program.chunks[0] == ("setup", SETUP)
    assert _code(program).splitlines()[-1] == "    return 1"
    assert "return 2" not in _code(program) and "grading.check" not in _code(program)


def test_helpers_imports_and_constants_above_are_kept_explorations_are_not():
    """What the function needs (a helper cell, an added import, a constant) is kept; plots,
    timings and calls of the function are not run."""
    program = _program([
        _cell(SETUP, "setup"),
        _cell("import math\nimport time\nimport matplotlib.pyplot as plt"),
        _cell("SCALE = 2\nimage = np.zeros((512, 512))\nplt.imshow(image)"),
        _cell("def helper(x):\n    return math.floor(x) * SCALE"),
        _cell("def f(x):\n    total = helper(x)\n    return total", "f_answer"),
        _cell("start = time.perf_counter()\nf(image)\nprint(time.perf_counter() - start)"),
        _cell("grading.check(f, 'f', points=1)", "f_visible"),
    ])
    code = _code(program)
    for kept in ("import math", "SCALE = 2", "def helper", "def f"):
        assert kept in code, kept
    for dropped in ("matplotlib", "imshow", "perf_counter", "np.zeros((512"):
        assert dropped not in code, dropped
    assert program.defines >= {"f", "helper", "math", "SCALE"}


def test_a_helper_redefined_between_the_tests_counts_for_the_later_test_only():
    """The hidden test cell sees what was defined down to it; the visible one does not."""
    cells = [
        _cell(SETUP, "setup"),
        _cell("def helper():\n    return 1"),
        _cell("def f():\n    return helper()", "f_answer"),
        _cell("grading.check(f, 'f', points=1)", "f_visible"),
        _cell("def helper():\n    return 2"),
        _cell("grading.check(f, 'f', points=2, hidden=True)", "f_hidden"),
    ]
    assert "return 2" not in _code(_program(cells, "f_visible"))
    assert _code(_program(cells, "f_hidden")).endswith("return 2")


def test_a_helper_defined_only_below_the_test_is_named_in_a_note():
    """Run All raises a NameError there; the note says which cell defines the name and that
    it is below the test. A name no cell defines gets no note."""
    program = _program([
        _cell(SETUP, "setup"),
        _cell("def f(x):\n    return helper(x) + missing(x)", "f_answer"),
        _cell("grading.check(f, 'f', points=1)", "f_visible"),
        _cell("def helper(x):\n    return x"),
    ])
    assert "def helper" not in _code(program)
    assert program.notes == (
        "helper is defined in cell 4, below this test cell: Run All has not run that cell "
        "when the test runs. Move it above the test",
    )


def test_values_changed_in_place_and_magics():
    """K[0] = 5 and K.append(...) change a kept value, so they are kept; %%time cells are
    Python; %%bash cells are not."""
    program = _program([
        _cell(SETUP, "setup"),
        _cell("K = [1, 2]\nK[0] = 5\nK.append(7)\nnp.random.seed(0)"),
        _cell("%%time\ndef f():\n    return K", "f_answer"),
        _cell("%%bash\necho def f(): pass"),
        _cell("grading.check(f, 'f', points=1)", "f_visible"),
    ])
    code = _code(program)
    assert "K[0] = 5" in code and "K.append(7)" in code and "def f" in code
    assert "echo" not in code and "np.random.seed" not in code


def test_a_cell_that_is_not_python_defines_nothing_and_says_so():
    """A syntax error in an unrelated cell costs nothing but a note."""
    program = _program([
        _cell(SETUP, "setup"),
        _cell("def broken(:\n    pass"),
        _cell("def f():\n    return 1", "f_answer"),
        _cell("grading.check(f, 'f', points=1)", "f_visible"),
    ])
    assert "def f" in _code(program)
    assert any("cell 2 is not valid Python" in note for note in program.notes)


def test_a_missing_test_cell_is_placed_after_the_answer_cell():
    """When the student deleted the test cell, grading stops at the answer cell, with a note."""
    program = _program([
        _cell(SETUP, "setup"),
        _cell("def f():\n    return 1", "f_answer"),
        _cell("def f():\n    return 2"),
    ])
    assert "return 2" not in _code(program)
    assert "test cell f_visible is missing" in program.notes[0]


def test_the_setup_cell_is_always_the_trusted_one():
    """An edited setup cell is replaced; a deleted one is put first."""
    edited = _program([_cell("import numpy as np\nnp.allclose = lambda *a: True", "setup"),
                       _cell("def f():\n    return 1", "f_answer")])
    assert edited.chunks[0] == ("setup", SETUP) and "allclose" not in _code(edited)
    deleted = _program([_cell("def f():\n    return 1", "f_answer")])
    assert deleted.chunks[0] == ("setup", SETUP)


def test_nbformat_3_is_upgraded_with_its_grade_ids(tmp_path):
    """A notebook saved as nbformat 3 is read with its cells and grade ids."""
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("def f():\n    return 1")
    cell.metadata["nbgrader"] = {"grade_id": "f_answer"}
    notebook.cells = [cell]
    old = nbformat.convert(notebook, 3)
    path = tmp_path / "old.ipynb"
    path.write_text(nbformat.writes(old, version=3))
    assert json.loads(path.read_text())["nbformat"] == 3
    assert submitted_notebook(read_notebook(path)).grade_ids == {"f_answer"}


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
