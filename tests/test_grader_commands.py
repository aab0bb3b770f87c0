"""Tests for the ``course grade`` and ``course validate`` commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib import cli
from course_lib.grader.validate import validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "autograde" / "samples"


def test_grade_rejects_bad_jobs_and_missing_folders(tmp_path, capsys):
    """Bad options end with exit status 2 and a message naming the problem."""
    assert cli.main(["grade", "--jobs", "0", "--unsafe"]) == 2
    assert "--jobs must be >= 1" in capsys.readouterr().err
    missing = tmp_path / "nowhere"
    assert cli.main(["grade", "--submitted", str(missing), "--out", str(tmp_path), "--unsafe"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_config_away_from_the_masters_says_where_it_looked(tmp_path, capsys):
    """The course's config copied to another folder finds no masters there: the refusal
    names the folder it looked in, not an empty list of known assignments."""
    config = tmp_path / "nbgrader_config.py"
    config.write_text((ROOT / "nbgrader_config.py").read_text())
    assert cli.main(["grade", "01_convolution", "--submitted", str(SAMPLES), "--out",
                     str(tmp_path / "out"), "--config", str(config), "--unsafe"]) == 2
    said = capsys.readouterr().err
    assert f"no master notebook is at {tmp_path / 'solutions'}" in said
    assert f"c.CourseDirectory.root) {tmp_path}" in said


def test_validate_rejects_unknown_files(tmp_path, capsys):
    """A missing file or one whose assignment cannot be told gives exit status 2."""
    assert cli.main(["validate", str(tmp_path / "01_convolution.ipynb")]) == 2
    odd = tmp_path / "homework.ipynb"
    odd.write_text("{}")
    assert cli.main(["validate", str(odd)]) == 2
    assert "cannot tell which assignment" in capsys.readouterr().err


@pytest.mark.slow
def test_validate_reports_per_exercise_and_sets_exit_status(capsys):
    """A correct notebook exits 0; a flipped kernel exits 1 and the report names the mistake."""
    good = SAMPLES / "alice" / "01_convolution" / "01_convolution.ipynb"
    assert cli.main(["validate", str(good)]) == 0
    assert "convolve (hidden tests): passed, 3 / 3 points" in capsys.readouterr().out
    wrong = SAMPLES / "bob" / "01_convolution" / "01_convolution.ipynb"
    assert cli.main(["validate", str(wrong)]) == 1
    assert "flipped-kernel" in capsys.readouterr().out
    records = validate(wrong, show=False)
    assert {r.grade_id for r in records} == {
        "output_size_visible", "output_size_hidden", "convolve_visible", "convolve_hidden"
    }


@pytest.mark.slow
def test_grade_without_arguments_writes_all_outputs():
    """`course grade` alone grades the sample class into grading-output/ with all four outputs."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "-m", "course_lib.cli", "grade", "--quiet"],
                          env=env, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    out = ROOT / "grading-output"
    results = json.loads((out / "results.json").read_text())
    students = {r["student"] for r in results["records"]}
    assert students == {p.name for p in SAMPLES.iterdir() if p.is_dir()}
    assert {r["status"] for r in results["records"]} >= {"passed", "failed", "timeout", "crashed",
                                                          "not-submitted", "error"}
    assignments = sorted({p.name for p in SAMPLES.glob("*/*") if p.is_dir()})
    header = (out / "grades.csv").read_text().splitlines()[0]
    assert header == ",".join(["student", *assignments, "total"])
    handed_in = {(p.parent.parent.name, p.parent.name) for p in SAMPLES.glob("*/*/*.ipynb")}
    pages = {(p.parent.name, p.stem) for p in (out / "feedback").glob("*/*.html")}
    assert pages == handed_in  # a page per notebook handed in, none for one never handed in
    assert "data:image/png;base64," in (out / "report.html").read_text()


@pytest.mark.slow
def test_validate_works_from_a_cell_with_the_released_notebooks_as_trusted_source(
    capsys, tmp_path, course_config
):
    """validate grades a saved notebook even where solutions/ is not shipped."""
    from course_lib.config import load_course

    config = course_config(tmp_path / "nbgrader_config.py")
    config.write_text(config.read_text() + 'c.CourseDirectory.source_directory = "absent"\n')
    course = load_course(config)
    assert not course.master("02_padding").exists()
    master = ROOT / "solutions" / "02_padding" / "02_padding.ipynb"
    records = validate(master, course=course)
    assert {r.function for r in records} >= {"zero_pad", "convolve_same"}
    assert all(r.status == "passed" for r in records)
    assert "total:" in capsys.readouterr().out


@pytest.mark.slow
def test_validate_runs_unsandboxed_with_a_note_where_bubblewrap_is_missing(
    tmp_path, course_config
):
    """A student's laptop without bubblewrap still gets its self-check, with a note saying so."""
    from course_lib.config import load_course
    from course_lib.grader.validate import self_check_sandbox

    config = course_config(tmp_path / "nbgrader_config.py", bwrap=str(tmp_path / "no-bwrap"))
    sandbox, note = self_check_sandbox(load_course(config))
    assert sandbox.unsafe and "the sandbox is not available here" in note
    master = ROOT / "solutions" / "01_convolution" / "01_convolution.ipynb"
    records = validate(master, sandbox=sandbox, show=False)
    assert [r.status for r in records] == ["passed"] * 4
    assert self_check_sandbox(load_course())[0].unsafe is False  # bubblewrap works here


@pytest.mark.slow
def test_out_of_process_grading_blocks_library_calls_only_where_the_exercise_does(tmp_path):
    """Each exercise's contract, out of process as in the notebook's check: zero_pad may not
    call np.pad, convolve may not call a library convolution, conv_output_size may use numpy."""
    import nbformat

    master = ROOT / "solutions" / "02_padding" / "02_padding.ipynb"
    notebook = nbformat.read(master, as_version=4)
    answers = {
        "zero_pad_answer": "def zero_pad(image, pad):\n    return np.pad(image, pad)\n",
        "convolve_answer": (
            "def convolve(image, kernel):\n"
            "    total = 0\n"
            "    for _ in range(1):\n"
            "        total = reference.correlate2d(image, kernel)\n"
            "    return total\n"
        ),
        "conv_output_size_answer": (
            "def conv_output_size(n, k, padding=0, stride=1):\n"
            "    if n < 1 or k < 1 or stride < 1 or padding < 0 or k > n + 2 * padding:\n"
            "        raise ValueError('bad sizes')\n"
            "    return int(np.floor((n + 2 * padding - k) / stride)) + 1\n"
        ),
    }
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    path = tmp_path / "02_padding.ipynb"
    nbformat.write(notebook, path)
    records = {r.grade_id: r for r in validate(path, show=False)}
    assert records["zero_pad_hidden"].status == "rejected"
    assert "numpy.pad" in records["zero_pad_hidden"].message
    assert records["convolve_same_hidden"].status in {"rejected", "failed", "error"}
    assert records["convolve_same_hidden"].score == 0
    assert records["conv_output_size_hidden"].status == "passed"
