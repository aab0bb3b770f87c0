"""Real nbgrader on the real notebooks: masters earn full marks, untouched copies earn zero.

Each test builds a throw-away nbgrader course in tmp_path (the master as the
source, one student's submission), runs nbgrader's own generate_assignment
and autograde, and reads the scores from the gradebook. Autograding executes
the whole notebook top to bottom in a fresh kernel, so these tests also prove
that every master runs.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from course_lib import assignments

pytestmark = [
    pytest.mark.slow,
    # nbgrader 0.9's gradebook code triggers SQLAlchemy's "not in session" warning on
    # every autograde; it is nbgrader's internal affair and does not affect the scores.
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]

MASTERS = assignments.available_assignments()
CELL_TIMEOUT = 300


def _course(root: Path, name: str, submission: Path, student: str) -> NbGraderAPI:
    """An nbgrader course in ``root`` with ``name``'s master as source and one submission."""
    shutil.copytree(assignments.master_path(name).parent, root / "source" / name)
    submitted = root / "submitted" / student / name
    submitted.mkdir(parents=True)
    shutil.copyfile(submission, submitted / f"{name}.ipynb")
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    (root / "exchange").mkdir()
    config.Exchange.root = str(root / "exchange")
    course_config = PyFileConfigLoader(
        "nbgrader_config.py", path=str(assignments.REPO_ROOT / "autograde")
    ).load_config()
    # Notebooks run exactly as the course's own configuration runs them: sandboxed kernel.
    config.Execute = course_config.Execute
    config.SandboxedKernelManager = course_config.SandboxedKernelManager
    config.Execute.timeout = CELL_TIMEOUT
    return NbGraderAPI(config=config)


def _autograde(tmp_path, monkeypatch, name: str, submission: Path):
    """Run generate_assignment and autograde; return (grades by grade_id, autograded notebook)."""
    # nbgrader starts `alembic` by name, and kernels must draw inline (not with the
    # test session's Agg backend, which keeps figures open and warns after 20).
    scripts = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", os.pathsep.join([scripts, os.environ.get("PATH", "")]))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    student = "student"
    api = _course(tmp_path, name, submission, student)
    generated = api.generate_assignment(name)
    assert generated["success"], generated.get("log", "") + generated.get("error", "")
    start = time.perf_counter()
    graded = api.autograde(name, student)
    seconds = time.perf_counter() - start
    assert graded["success"], graded.get("log", "") + graded.get("error", "")
    print(f"{name}: autograded {submission.name} in {seconds:.1f} s")
    with Gradebook(api.coursedir.db_url) as gradebook:
        result = gradebook.find_submission(name, student)
        grades = {
            grade.name: (grade.score, grade.max_score)
            for notebook in result.notebooks
            for grade in notebook.grades
        }
        total = (result.score, result.max_score)
    autograded = tmp_path / "autograded" / student / name / f"{name}.ipynb"
    return grades, total, nbformat.read(str(autograded), as_version=4)


def _errors(notebook) -> list[str]:
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append(f"{cell.id}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                found.append(f"{cell.id}: stderr: {output.text[:200]}")
    return found


@pytest.mark.parametrize("name", MASTERS)
def test_master_runs_cleanly_and_earns_full_marks(name, tmp_path, monkeypatch):
    """The master, submitted as if by a student, runs without errors and gets every point."""
    grades, total, autograded = _autograde(
        tmp_path, monkeypatch, name, assignments.master_path(name)
    )
    assert _errors(autograded) == []
    assert grades, "nbgrader found no graded cells"
    assert {grade_id: score for grade_id, (score, _) in grades.items()} == {
        grade_id: maximum for grade_id, (_, maximum) in grades.items()
    }
    assert total[0] == total[1] > 0


@pytest.mark.parametrize("name", MASTERS)
def test_untouched_student_notebook_earns_zero_everywhere(name, tmp_path, monkeypatch):
    """The released notebook handed in unchanged completes grading with 0 on every part."""
    grades, total, autograded = _autograde(
        tmp_path, monkeypatch, name, assignments.student_path(name)
    )
    assert grades and all(score == 0 for score, _ in grades.values()), grades
    assert total[0] == 0 and total[1] > 0
    hidden = [
        c
        for c in autograded.cells
        if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_hidden")
    ]
    assert hidden and all("hidden=True" in c.source for c in hidden), (
        "autograding must restore the hidden tests from the gradebook"
    )


PROBE = '''
import json as _json, os as _os
def _can_read(path):
    try:
        with open(path, "rb"):
            return True
    except OSError:
        return False
with open("/proc/net/dev") as _dev:
    _interfaces = sorted(line.split(":")[0].strip() for line in _dev.readlines()[2:])
print("PROBE", _json.dumps({
    "uid": _os.getuid(),
    "interfaces": _interfaces,
    "gradebook": _can_read(GRADEBOOK),
    "solutions": _can_read(SOLUTION),
}))
'''


def test_course_configuration_runs_the_kernel_in_the_sandbox(tmp_path, monkeypatch):
    """Plain nbgrader autograde with the course's config: no network, no gradebook, not root."""
    name = "01_convolution"
    submission = nbformat.read(str(assignments.master_path(name)), as_version=4)
    for cell in submission.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "convolve_answer":
            cell.source += "\n\n" + PROBE.replace(
                "GRADEBOOK", repr(str(tmp_path / "gradebook.db"))
            ).replace("SOLUTION", repr(str(assignments.master_path(name))))
    path = tmp_path / "probe.ipynb"
    nbformat.write(submission, str(path))
    grades, _, autograded = _autograde(tmp_path / "course", monkeypatch, name, path)
    printed = "".join(
        output.get("text", "")
        for cell in autograded.cells
        for output in cell.get("outputs", [])
        if output.output_type == "stream"
    )
    probe = json.loads(printed.split("PROBE ", 1)[1].splitlines()[0])
    assert probe["interfaces"] == ["lo"]
    assert probe["uid"] != 0
    assert probe["gradebook"] is False and probe["solutions"] is False
    assert grades["convolve_hidden"][0] == grades["convolve_hidden"][1]
