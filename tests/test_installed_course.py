"""The course as students get it on a hub: the wheel, installed without a checkout.

The wheel that ``python -m build`` makes carries everything the notebooks
need at run time (images, digits, checksums, the compiled visible batteries)
and nothing of the instructor's side. Installed (not editable) in the
classroom's environment, it runs every student notebook top to bottom from a
folder outside the repository.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import provision
import pytest

from course_lib.bundle import scan
from course_lib.config import load_course
from course_lib.grading import exercises

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
COURSE = load_course()
OUTSIDE = Path(tempfile.gettempdir())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return provision.build_wheel(tmp_path_factory.mktemp("wheel"))


def _entries(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_wheel_carries_the_data_and_the_visible_batteries(wheel):
    """Every bundled file with its checksum list, byte for byte, and one compiled visible
    battery per graded function."""
    entries = _entries(wheel)
    for path in sorted((ROOT / "data").iterdir()):
        assert entries[f"course_lib/data_files/{path.name}"] == path.read_bytes(), path.name
    batteries = sorted(n for n in entries if n.endswith(".battery"))
    assert batteries == sorted(f"course_lib/grading/released/{name}.visible.battery"
                               for name in exercises.names())


def test_the_wheel_has_nothing_of_the_instructors_side(wheel):
    """No exercise definitions (references, mistake models, hidden batteries), no masters,
    sample class or tests; nothing that gives an answer away."""
    entries = _entries(wheel)
    assert not [n for n in entries if "grading/exercises" in n]
    assert not [n for n in entries if n.split("/")[0] in ("solutions", "autograde", "tests")]
    assert not [n for n in entries if n.endswith(".ipynb")]
    assert scan(entries, graded=set(exercises.names())) == []


def test_the_committed_visible_batteries_are_what_the_exercises_compile_to():
    """course_lib/grading/released/ is in step with the exercise definitions (`course
    release` writes it), so the wheel checks exactly what the repository checks."""
    from course_lib.grading.batteries import RELEASED, compile_visible

    for assignment in COURSE.assignments:
        for filename, content in compile_visible(assignment).items():
            assert (RELEASED / filename).read_bytes() == content, filename


INSPECT = """
import json, sys
import course_lib
from course_lib import data
from course_lib.grading import batteries
try:
    import course_lib.grading.exercises
    definitions = True
except ImportError:
    definitions = False
try:
    batteries.battery("convolve", hidden=True)
    hidden = True
except batteries.BatteryUnavailable:
    hidden = False
print(json.dumps({"package": course_lib.__file__, "data": str(data.data_dir()),
                  "ascent": list(data.ascent().shape), "definitions": definitions,
                  "hidden": hidden, "visible": batteries.battery("convolve", hidden=False)
                  .info.name, "path": sys.path}))
"""


def test_the_installed_package_is_the_wheel_and_finds_its_data(classroom_env):
    """Outside the repository, course_lib comes from the environment's site-packages, with
    its data there too, the visible batteries and no hidden ones."""
    done = subprocess.run([str(classroom_env / "bin" / "python"), "-I", "-c", INSPECT],
                          cwd=OUTSIDE, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    site = str(classroom_env)
    assert seen["package"].startswith(site) and "site-packages" in seen["package"]
    assert seen["data"].startswith(site) and seen["ascent"] == [512, 512]
    assert seen["definitions"] is False and seen["hidden"] is False
    assert seen["visible"] == "convolve"
    assert not any(p.startswith(str(ROOT)) for p in seen["path"])


RUN_ALL = """
import sys
import nbformat
from nbclient import NotebookClient
path = sys.argv[1]
notebook = nbformat.read(path, as_version=4)
NotebookClient(notebook, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
          if o.get("output_type") == "error"]
print(len(errors))
"""


@pytest.mark.parametrize("name", COURSE.assignments)
def test_every_student_notebook_runs_all_with_only_the_installed_course(name, classroom_env):
    """Run All of the released notebook, in a kernel of the classroom's environment, from a
    folder outside the repository: no cell raises."""
    folder = Path(tempfile.mkdtemp(prefix=f"installed-{name}-", dir=OUTSIDE))
    notebook = folder / f"{name}.ipynb"
    notebook.write_bytes(COURSE.student(name).read_bytes())
    env = {"PATH": f"{classroom_env}/bin:/usr/bin:/bin", "HOME": str(folder),
           "MPLBACKEND": "Agg", "LANG": "C.UTF-8",
           "JUPYTER_PLATFORM_DIRS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    try:
        done = subprocess.run([str(classroom_env / "bin" / "python"), "-I", "-c", RUN_ALL,
                               str(notebook), str(folder)], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=1800)
        assert done.returncode == 0, done.stderr[-3000:]
        assert done.stdout.strip().splitlines()[-1] == "0"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
