"""Run All, in a real kernel: untouched notebooks run to the end, and every figure is readable.

Each notebook is executed top to bottom twice with nbclient: the master
(solutions/, every exercise answered) and the student copy as released
(notebooks/, every exercise still raising NotImplementedError). Before the
first cell, matplotlib's ``Axes.imshow`` is wrapped so that every panel
drawn is recorded with its data range and its colour limits; after each
cell the panels are measured. A panel whose data fills less than a tenth of
its colour range looks black, white or flat, and fails the test (constant
data is allowed: a blank result can be the point); so does one whose bulk
(the 1st to 99th percentile of its values) fills less than a tenth of it, as
when a few extreme pixels fix the limits and the rest is one flat grey (a
sparse map whose bulk is a single value is allowed).
"""

from __future__ import annotations

import ast
import json
import re

import nbformat
import pytest
from nbclient import NotebookClient

from course_lib import assignments
from course_lib.config import load_course
from course_lib.grading import exercises
from course_lib.grading.assess import GENERIC_EXPLANATIONS
from course_lib.pending import waiting_line

pytestmark = pytest.mark.slow

COURSE = load_course()
NAMES = assignments.available_assignments(COURSE)
MIN_FILL = 0.1
WAITING = re.escape(waiting_line("NAME")).replace("NAME", r"\w+")
STAND_IN = r"Your \w+ is not written yet, so this cell uses the course's .+ in its place\."

PROBE = r'''
import json as _json

import matplotlib.axes as _axes
import numpy as _np

_panels, _pending_panels = [], []
_imshow = _axes.Axes.imshow


def _recording_imshow(self, X, *args, **kwargs):
    artist = _imshow(self, X, *args, **kwargs)
    _pending_panels.append(artist)
    return artist


def _measure_panels(result=None):
    for artist in _pending_panels:
        raw = _np.asarray(artist.get_array())
        data = _np.ma.masked_invalid(raw.astype(float))
        if raw.ndim == 3:
            low, high = 0.0, 255.0 if raw.dtype == _np.uint8 else 1.0
        else:
            low, high = (float(v) for v in artist.get_clim())
        smallest, largest = float(data.min()), float(data.max())
        covered = max(0.0, min(largest, high) - max(smallest, low))
        values = data.compressed()
        bulk_low, bulk_high = (float(v) for v in _np.percentile(values, [1, 99]))
        bulk = max(0.0, min(bulk_high, high) - max(bulk_low, low))
        _panels.append({
            "count": get_ipython().execution_count,
            "title": artist.axes.get_title() or artist.axes.figure.get_suptitle(),
            "data": [smallest, largest],
            "limits": [low, high],
            "fill": covered / (high - low) if high > low else 0.0,
            "bulk": [bulk_low, bulk_high],
            "bulk_fill": bulk / (high - low) if high > low else 0.0,
            "constant": smallest == largest,
        })
    _pending_panels.clear()
    with open(PANELS_PATH, "w") as _file:
        _json.dump(_panels, _file)


_axes.Axes.imshow = _recording_imshow
get_ipython().events.register("post_run_cell", _measure_panels)
'''


class Run:
    """One executed notebook: its cells with outputs, and the panels it drew."""

    def __init__(self, notebook, panels):
        self.notebook = notebook
        by_count = {
            cell.execution_count: cell.get("id", "?")
            for cell in notebook.cells
            if cell.cell_type == "code"
        }
        self.panels = [dict(panel, cell=by_count.get(panel["count"], "?")) for panel in panels]

    @property
    def code_cells(self):
        return [cell for cell in self.notebook.cells[1:] if cell.cell_type == "code"]

    def errors(self) -> list[str]:
        return [
            f"{cell.get('id')}: {output.ename}: {output.evalue}"
            for cell in self.code_cells
            for output in cell.outputs
            if output.output_type == "error"
        ]

    def stderr(self, *, besides_unanswered_checks: bool = False) -> list[str]:
        """Text on stderr; optionally leaving out the checks' own "not implemented" reports.

        A check cell that earns nothing reports on stderr (nbgrader's Validate reads
        that as the cell failing); on an untouched copy that report is expected.
        """
        return [
            f"{cell.get('id')}: {output.text[:200]}"
            for cell in self.code_cells
            for output in cell.outputs
            if output.output_type == "stream" and output.name == "stderr"
            and not (besides_unanswered_checks and _is_unanswered_report(cell, output))
        ]

    def unanswered_checks(self) -> int:
        return sum(
            _is_unanswered_report(cell, output)
            for cell in self.code_cells
            for output in cell.outputs
            if output.output_type == "stream"
        )

    @staticmethod
    def text(cell) -> str:
        return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")

    def figures(self) -> int:
        return sum(
            "image/png" in output.get("data", {})
            for cell in self.code_cells
            for output in cell.outputs
        )

    def unreadable_panels(self) -> list[str]:
        return [
            "{cell} {title!r}: data {data[0]:.3g}..{data[1]:.3g} on limits "
            "{limits[0]:.3g}..{limits[1]:.3g} fills {fill:.1%}".format(**panel)
            for panel in self.panels
            if panel["fill"] < MIN_FILL and not panel["constant"]
        ] + [
            "{cell} {title!r}: 98% of its values lie in {bulk[0]:.3g}..{bulk[1]:.3g}, "
            "{bulk_fill:.1%} of its limits {limits[0]:.3g}..{limits[1]:.3g}".format(**panel)
            for panel in self.panels
            if panel["bulk_fill"] < MIN_FILL and panel["bulk"][0] != panel["bulk"][1]
        ]


def _execute(path, tmp_path, monkeypatch) -> Run:
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend, as in Lab
    notebook = nbformat.read(str(path), as_version=4)
    panels_path = tmp_path / f"{path.stem}-{path.parent.parent.name}-panels.json"
    probe = nbformat.v4.new_code_cell(f"PANELS_PATH = {str(panels_path)!r}\n{PROBE}")
    notebook.cells.insert(0, probe)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    panels = json.loads(panels_path.read_text()) if panels_path.exists() else []
    return Run(notebook, panels)


UNANSWERED = re.compile(
    rf"\w+ {re.escape(GENERIC_EXPLANATIONS['not-implemented'])} \(0 points\)\n"
)


def _is_unanswered_report(cell, output) -> bool:
    """A visible check cell's whole stderr is the "not implemented yet, 0 points" report."""
    is_check = cell.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_visible")
    return (
        is_check and output.name == "stderr" and bool(UNANSWERED.fullmatch(output.text))
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each notebook executed once per copy, shared by the tests below."""
    cache = {}
    monkeypatch = pytest.MonkeyPatch()

    def run(name: str, copy: str) -> Run:
        if (name, copy) not in cache:
            master = copy == "master"
            path = COURSE.master(name) if master else COURSE.student(name)
            cache[name, copy] = _execute(path, tmp_path_factory.mktemp(copy), monkeypatch)
        return cache[name, copy]

    yield run
    monkeypatch.undo()


def _calls_exercise(source: str, functions: set[str]) -> set[str]:
    called = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in functions:
                called.add(node.func.id)
        elif isinstance(node, ast.Name) and node.id in functions:
            called.add(node.id)
    return called


@pytest.mark.parametrize("name", NAMES)
def test_master_panels_fill_their_colour_range(name, runs):
    """Every panel of a master notebook uses at least a tenth of its colour range."""
    run = runs(name, "master")
    assert run.panels, "no panel was recorded: the imshow probe did not work"
    assert run.unreadable_panels() == []


@pytest.mark.parametrize("name", NAMES)
def test_master_runs_with_the_students_own_functions(name, runs):
    """With every exercise answered, nothing waits and the reference never stands in."""
    run = runs(name, "master")
    assert run.errors() == []
    assert run.stderr() == []
    said = "\n".join(Run.text(cell) for cell in run.code_cells)
    assert not re.search(WAITING, said), said
    assert not re.search(STAND_IN, said), said


@pytest.mark.parametrize("name", NAMES)
def test_untouched_notebook_runs_all_without_a_traceback(name, runs):
    """The released copy, no exercise done, runs every cell without an error or stderr."""
    run = runs(name, "untouched")
    assert run.errors() == []
    assert run.stderr(besides_unanswered_checks=True) == []
    assert run.unanswered_checks() == len(exercises.for_assignment(name))


@pytest.mark.parametrize("name", NAMES)
def test_untouched_cells_say_what_they_wait_for(name, runs):
    """Each ordinary cell using an exercise says it waits for it or draws with the reference."""
    functions = {exercise.name for exercise in exercises.for_assignment(name)}
    functions |= {"convolve"} if name == "02_padding" else set()
    run = runs(name, "untouched")
    users = [
        cell
        for cell in run.code_cells
        if "nbgrader" not in cell.metadata and _calls_exercise(cell.source, functions)
    ]
    assert users, "no ordinary cell uses an exercise: nothing was checked"
    silent = [
        f"{cell.get('id')} uses {sorted(_calls_exercise(cell.source, functions))}"
        for cell in users
        if not re.search(f"{WAITING}|{STAND_IN}", Run.text(cell))
    ]
    assert silent == []


@pytest.mark.parametrize("name", NAMES)
def test_untouched_notebook_draws_every_figure_readably(name, runs):
    """Before any exercise is done, the chapter shows the master's figures, all readable."""
    untouched, master = runs(name, "untouched"), runs(name, "master")
    assert untouched.figures() == master.figures()
    assert len(untouched.panels) == len(master.panels)
    assert untouched.unreadable_panels() == []
