"""The notebooks: structure of the masters, student copies in sync and free of solutions.

The grading contract (briefs/grading-contract.md) fixes the cells every
notebook has: a locked ``setup`` cell that only imports, then per graded
function an answer cell and a visible and a hidden test cell. These tests read
the notebooks as JSON; executing and autograding them is in
test_notebook_grading.py.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from course_lib import assignments
from course_lib.config import load_course
from course_lib.grading import exercises

COURSE = load_course()
ROOT = COURSE.root

CONTRACT = {
    "01_convolution": ["output_size(image_size, kernel_size)", "convolve(image, kernel)"],
    "02_padding": [
        "pad_width(kernel_size)",
        "zero_pad(image, pad)",
        "convolve_same(image, kernel)",
        "conv_output_size(n, k, padding=0, stride=1)",
    ],
    "03_filters": [
        "normalize_kernel(kernel)",
        "clamp(image, low=0, high=255)",
        "sobel_magnitude(image)",
    ],
    "04_pooling": ["max_pool(image, size=2, stride=None)", "avg_pool(image, size=2, stride=None)"],
    "05_tensorflow": ["to_nhwc(image)", "to_hwio(kernel)", "tf_same_padding(n, k, stride)"],
}
"""Graded functions per assignment, with their exact signatures, in notebook order."""

MASTERS = assignments.available_assignments(COURSE)
ALL_NOTEBOOKS = sorted(
    p.relative_to(ROOT).as_posix()
    for folder in ("solutions", "notebooks")
    for p in (ROOT / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)
HIDDEN_TEMPLATE = (
    "# The full battery runs when your notebook is graded.\n"
    "### BEGIN HIDDEN TESTS\n"
    'grading.check({fn}, "{fn}", points={points}, hidden=True)\n'
    "### END HIDDEN TESTS"
)
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def _function(signature: str) -> str:
    return signature.split("(", 1)[0]


def _read(path: Path):
    return nbformat.read(str(path), as_version=4)


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _by_grade_id(notebook) -> dict:
    cells = {}
    for cell in notebook.cells:
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id is not None:
            assert grade_id not in cells, f"duplicate grade_id {grade_id}"
            cells[grade_id] = cell
    return cells


def _signature(source: str, name: str) -> str:
    """``name(arg, kw=default)`` of the function ``name`` defined in ``source``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            args = node.args.args
            defaults = [None] * (len(args) - len(node.args.defaults)) + node.args.defaults
            parts = [
                a.arg if d is None else f"{a.arg}={ast.unparse(d)}"
                for a, d in zip(args, defaults, strict=True)
            ]
            return f"{name}({', '.join(parts)})"
    raise AssertionError(f"no def {name} in the answer cell")


def _without_solution(source: str) -> str:
    """What nbgrader's ClearSolutions makes of an answer cell: the region becomes the stub."""
    lines, out, inside = source.split("\n"), [], False
    for line in lines:
        stripped = line.strip()
        if stripped == "### BEGIN SOLUTION":
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + stub_line for stub_line in STUB.split("\n"))
            inside = True
        elif stripped == "### END SOLUTION":
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def _solution_lines(source: str) -> list[str]:
    match = re.search(r"### BEGIN SOLUTION\n(.*?)\n\s*### END SOLUTION", source, re.S)
    assert match, "answer cell without a solution region"
    return [line.strip() for line in match.group(1).split("\n") if line.strip()]


def _bare_course(root: Path, names: list[str]):
    """A course of just ``solutions/`` under ``root``, configured in code."""
    from traitlets.config import Config

    from course_lib.config import LoadedCourse

    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.source_directory = "solutions"
    config.CourseDirectory.release_directory = "notebooks"
    config.Course.assignments = names
    return LoadedCourse(config, None)


def test_config_lays_out_the_course_with_the_repository_as_root():
    """nbgrader's roles map onto the repository's folders and the state stays in autograde/."""
    course = COURSE.coursedir
    assert Path(course.root) == ROOT == Path(__file__).resolve().parents[1]
    assert (course.source_directory, course.release_directory) == ("solutions", "notebooks")
    for role in ("submitted", "autograded", "feedback"):
        assert getattr(course, f"{role}_directory") == f"autograde/{role}"
    assert course.db_url == f"sqlite:///{ROOT / 'autograde' / 'gradebook.db'}"
    assert COURSE.assignments == list(CONTRACT)


def test_every_master_is_a_configured_assignment():
    """A notebook added to solutions/ must also be listed in the config (release order)."""
    assert MASTERS, "no master notebooks found in solutions/"
    masters = sorted(p.parent.name for p in (ROOT / "solutions").glob("*/*.ipynb"))
    assert set(masters) == set(MASTERS) <= set(COURSE.assignments)
    assert MASTERS == [n for n in COURSE.assignments if n in MASTERS]


@pytest.mark.parametrize("path", ALL_NOTEBOOKS)
def test_notebook_is_stored_without_outputs(path):
    """Notebooks are committed clean: no outputs, no execution counts, tidy metadata."""
    notebook = json.loads((ROOT / path).read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"cell {index} has outputs"
            assert cell["execution_count"] is None, f"cell {index} has an execution count"
        assert not set(cell["metadata"]) & set(assignments.CELL_NOISE), f"cell {index} metadata"
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert not set(notebook["metadata"]) & set(assignments.NOTEBOOK_NOISE)


@pytest.mark.parametrize("name", MASTERS)
def test_master_follows_the_grading_contract(name):
    """setup first, then per graded function: answer, visible and hidden cells as agreed."""
    notebook = _read(COURSE.master(name))
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    setup = _nbgrader(code[0])
    assert setup.get("grade_id") == "setup", "the first code cell must be the setup cell"
    assert setup["locked"] and not setup["grade"] and not setup["solution"]
    assert all(
        isinstance(node, ast.Import | ast.ImportFrom) for node in ast.parse(code[0].source).body
    ), "the setup cell may only import"
    cells = _by_grade_id(notebook)
    graded = [_function(s) for s in CONTRACT[name]]
    earlier = [_function(s) for a in CONTRACT if a < name for s in CONTRACT[a]]
    for grade_id in cells:
        assert re.fullmatch(r"[a-z0-9_]+", grade_id), grade_id
        fn, _, role = grade_id.rpartition("_")
        if grade_id == "setup":
            continue
        assert role in ("answer", "visible", "hidden"), grade_id
        assert fn in graded or (role == "answer" and fn in earlier), grade_id
    for signature in CONTRACT[name]:
        fn = _function(signature)
        answer, visible, hidden = (cells[f"{fn}_{r}"] for r in ("answer", "visible", "hidden"))
        meta = _nbgrader(answer)
        assert meta["solution"] and not meta["grade"] and not meta["locked"]
        assert _signature(answer.source, fn) == signature
        assert ast.get_docstring(ast.parse(answer.source).body[0]), f"{fn} has no docstring"
        _solution_lines(answer.source)
        for cell, template in (
            (visible, 'grading.check({fn}, "{fn}", points={points})'),
            (hidden, HIDDEN_TEMPLATE),
        ):
            meta = _nbgrader(cell)
            assert meta["grade"] and meta["locked"] and not meta["solution"]
            assert meta["points"] > 0
            assert cell.source == template.format(fn=fn, points=meta["points"])
    order = [_nbgrader(c).get("grade_id") for c in notebook.cells if _nbgrader(c)]
    positions = [order.index(f"{_function(s)}_answer") for s in CONTRACT[name]]
    assert positions == sorted(positions), "graded functions are out of contract order"
    for signature in CONTRACT[name]:
        fn = _function(signature)
        assert order.index(f"{fn}_answer") < order.index(f"{fn}_visible")
        assert order.index(f"{fn}_visible") < order.index(f"{fn}_hidden")


@pytest.mark.parametrize("name", MASTERS)
def test_contract_matches_the_grading_registry(name):
    """The exercises the checks know are exactly the notebook's graded functions."""
    registered = [(e.name, e.signature) for e in exercises.for_assignment(name)]
    assert registered == [(_function(s), s) for s in CONTRACT[name]]


@pytest.mark.parametrize("name", MASTERS)
def test_student_notebook_is_in_sync_with_its_master(name, tmp_path):
    """notebooks/ holds exactly what `course release` generates from solutions/ now."""
    (result,) = assignments.release([name], destination=tmp_path, fix_seeds=False)
    generated = tmp_path / name / f"{name}.ipynb"
    assert generated in result.written
    committed = COURSE.student(name)
    assert committed.is_file(), f"{committed} is missing: run `course release`"
    assert committed.read_bytes() == generated.read_bytes(), (
        f"{committed.relative_to(ROOT)} is out of date: run `course release` and commit it"
    )


@pytest.mark.parametrize("name", MASTERS)
def test_student_notebook_has_no_solutions_or_hidden_tests(name):
    """The student copy keeps the contract's cells but not a line of any solution."""
    student_path = COURSE.student(name)
    text = student_path.read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "hidden=True"):
        assert marker not in text, f"{marker!r} leaked into {student_path.name}"
    master_cells = _by_grade_id(_read(COURSE.master(name)))
    student = _read(student_path)
    student_cells = _by_grade_id(student)
    assert set(student_cells) == set(master_cells)
    student_code = "\n".join(c.source for c in student.cells if c.cell_type == "code")
    for grade_id, master in master_cells.items():
        copy = student_cells[grade_id]
        if grade_id.endswith("_answer"):
            assert copy.source == _without_solution(master.source)
            body = "\n".join(_solution_lines(master.source))
            assert body not in re.sub(r"\n\s*", "\n", student_code)
        elif grade_id.endswith("_hidden"):
            assert copy.source == "# The full battery runs when your notebook is graded."
        else:
            assert copy.source == master.source
        if _nbgrader(master)["locked"]:
            assert copy.metadata.get("editable") is False and copy.metadata["deletable"] is False


def test_release_is_deterministic_and_leaves_identical_files_alone(tmp_path):
    """A second release of unchanged masters writes nothing: same bytes, files untouched."""
    name = MASTERS[0]
    (first,) = assignments.release([name], destination=tmp_path, fix_seeds=False)
    written = first.written[0]
    stamp = written.stat().st_mtime_ns
    (second,) = assignments.release([name], destination=tmp_path, fix_seeds=False)
    assert second.written == [] and second.unchanged == [written]
    assert written.stat().st_mtime_ns == stamp


def test_release_needs_no_gradebook_and_writes_only_to_the_destination(tmp_path):
    """Releasing from a bare copy of solutions/ creates no gradebook or nbgrader state anywhere."""
    name = MASTERS[0]
    root = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / name, root / "solutions" / name)
    (result,) = assignments.release(course=_bare_course(root, [name]))
    assert result.assignment == name
    created = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert created == [f"notebooks/{name}/{name}.ipynb", f"solutions/{name}/{name}.ipynb"]


def test_the_first_release_fixes_the_hidden_battery_seed_in_the_master(tmp_path):
    """The seed is drawn once, stored in the master (never in the student copy), kept by
    later releases, and read back with the assignment."""
    name = MASTERS[0]
    root = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / name, root / "solutions" / name)
    master = root / "solutions" / name / f"{name}.ipynb"
    notebook = nbformat.read(str(master), as_version=4)
    notebook.metadata.pop("course", None)
    nbformat.write(notebook, str(master))
    course = _bare_course(root, [name])
    assignments.release(course=course)
    seed = json.loads(master.read_text())["metadata"]["course"]["battery_seed"]
    assert isinstance(seed, int)
    assignments.release(course=course)
    assert json.loads(master.read_text())["metadata"]["course"]["battery_seed"] == seed
    assert assignments.load_assignment(name, course=course).battery_seed == seed
    student = json.loads((root / "notebooks" / name / f"{name}.ipynb").read_text())
    assert "course" not in student["metadata"]


def test_release_explains_a_broken_master(tmp_path):
    """nbgrader's complaint about a master (duplicate grade ids) reaches the instructor."""
    name = "09_broken"
    folder = tmp_path / "solutions" / name
    folder.mkdir(parents=True)
    notebook = nbformat.v4.new_notebook()
    for _ in range(2):
        cell = nbformat.v4.new_code_cell("x = 1")
        cell.metadata["nbgrader"] = {
            "grade": False,
            "grade_id": "setup",
            "locked": True,
            "schema_version": 3,
            "solution": False,
            "task": False,
        }
        notebook.cells.append(cell)
    nbformat.write(notebook, str(folder / f"{name}.ipynb"))
    with pytest.raises(assignments.ReleaseError, match="(?s)09_broken.*[Dd]uplicate"):
        assignments.release(course=_bare_course(tmp_path, [name]))


@pytest.mark.parametrize(
    ("names", "message"),
    [(["01-convolution"], "NN_snake_case"), (["08_missing"], "no master notebook")],
)
def test_release_rejects_unknown_assignments(names, message, tmp_path):
    """A misspelt assignment gets an error naming it, and nothing is written."""
    with pytest.raises(ValueError, match=message):
        assignments.release(names, destination=tmp_path, fix_seeds=False)
    assert list(tmp_path.iterdir()) == []


def test_course_release_check_reports_a_stale_copy(tmp_path, capsys):
    """`course release --check` fails and names the file when the student copy is out of date."""
    from course_lib import cli

    name = MASTERS[0]
    assert cli.main(["release", name, "--into", str(tmp_path)]) == 0
    copy = tmp_path / name / f"{name}.ipynb"
    assert copy.read_bytes() == COURSE.student(name).read_bytes()
    assert cli.main(["release", "--check", name, "--into", str(tmp_path)]) == 0
    copy.write_bytes(copy.read_bytes() + b" ")
    capsys.readouterr()
    assert cli.main(["release", "--check", name, "--into", str(tmp_path)]) == 1
    assert f"out of date: {copy}" in capsys.readouterr().err


@pytest.mark.slow
def test_plain_nbgrader_generate_assignment_writes_the_committed_student_notebook(
    tmp_path, course_config
):
    """`nbgrader generate_assignment` with the course's config releases exactly what `course
    release` committed: no hidden battery seed or other instructor metadata reaches students."""
    import os
    import subprocess
    import sys

    name = MASTERS[0]
    config = course_config(tmp_path / "nbgrader_config.py")
    config.write_text(
        config.read_text()
        + f"c.CourseDirectory.root = {str(tmp_path)!r}\n"
        + "c.CourseDirectory.source_directory = 'source'\n"
        + "c.CourseDirectory.release_directory = 'release'\n"
        + f"c.CourseDirectory.db_url = {'sqlite:///' + str(tmp_path / 'gradebook.db')!r}\n"
        + f"c.Exchange.root = {str(tmp_path / 'exchange')!r}\n"
    )
    (tmp_path / "exchange").mkdir()
    shutil.copytree(COURSE.master(name).parent, tmp_path / "source" / name)
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [str(bin_dir / "nbgrader"), "generate_assignment", name, "--force"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    written = nbformat.read(tmp_path / "release" / name / f"{name}.ipynb", as_version=4)
    assert "course" not in written.metadata
    assert written == nbformat.read(COURSE.student(name), as_version=4)


@pytest.mark.slow
def test_plain_nbgrader_typed_by_its_path_releases_without_losing_the_student_folder(tmp_path):
    """`.venv/bin/nbgrader generate_assignment --force` with the environment not activated
    (its folder not on PATH) creates the gradebook and writes the student notebook, in a
    copy of the repository, instead of failing after removing the committed folder."""
    import subprocess
    import sys

    name = MASTERS[0]
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for relative in filter(None, listed):
        source, target = ROOT / relative, tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        elif source.is_file():
            shutil.copy2(source, target)
    committed = (tmp_path / "notebooks" / name / f"{name}.ipynb").read_bytes()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), "generate_assignment", name, "--force"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (tmp_path / "autograde" / "gradebook.db").is_file()
    written = nbformat.read(tmp_path / "notebooks" / name / f"{name}.ipynb", as_version=4)
    assert written == nbformat.reads(committed.decode(), as_version=4)
