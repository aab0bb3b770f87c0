"""The student bundle carries the course but nothing that gives an answer away."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from course_lib.bundle import SECRET_MARKERS, TOP, build_bundle, scan
from course_lib.cli import main
from course_lib.config import load_course
from course_lib.grading import exercises

ROOT = Path(__file__).resolve().parents[1]
COURSE = load_course()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The bundle, built once for this module."""
    return build_bundle(tmp_path_factory.mktemp("bundle") / "student.zip")


def _entries(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as archive:
        return {n.removeprefix(f"{TOP}/"): archive.read(n) for n in archive.namelist()}


def test_bundle_has_notebooks_library_and_data_but_no_solutions(bundle):
    """Students get everything they need to run the course and nothing that gives answers away."""
    entries = _entries(bundle)
    names = list(entries)
    assert "course_lib/data_files/ascent.png" in names
    assert "course_lib/reference/__init__.py" in names
    assert "Makefile" in names and "nbgrader_config.py" in names
    assert "jupyter-config/jupyter_server_config.json" in names
    assert not any(n.startswith(("solutions/", "autograde/", "tests/")) for n in names)
    assert not any(n.startswith("course_lib/grading/exercises/") for n in names)
    assert not any("sample_class" in n or "samples" in n for n in names)
    notebooks = [n for n in names if n.endswith(".ipynb")]
    assert notebooks and all(n.startswith("notebooks/") for n in notebooks)
    for name in notebooks:
        assert not any(marker in entries[name].decode() for marker in SECRET_MARKERS)


def test_bundle_carries_exactly_the_visible_batteries(bundle):
    """One compiled visible battery per graded function; no hidden battery anywhere."""
    entries = _entries(bundle)
    batteries = sorted(n for n in entries if n.endswith(".battery"))
    expected = sorted(
        f"course_lib/grading/released/{e.name}.visible.battery"
        for a in COURSE.assignments for e in exercises.for_assignment(a)
    )
    assert batteries == expected
    from course_lib.grading.battery import Battery

    for name in batteries:
        battery = Battery.from_bytes(entries[name])
        assert battery.hidden is False and battery.seed is None


def test_the_bundles_make_lab_uses_its_server_config(bundle, tmp_path):
    """Its `make lab` raises the upload limit through the bundle's own jupyter-config/."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    root = tmp_path / TOP
    lab = subprocess.run(["make", "-n", "lab"], cwd=root, capture_output=True, text=True,
                         check=True).stdout
    assert f'JUPYTER_CONFIG_PATH="{root}/jupyter-config' in lab


def test_scan_finds_what_would_give_answers_away():
    """A sample answer, an exercise definition or a solution marker stops the build."""
    loop = "def max_pool(image, size=2, stride=None):\n    for i in range(3):\n        pass\n"
    problems = scan(
        {"course_lib/x.py": loop.encode(),
         "course_lib/grading/exercises/pooling.py": b"",
         "notebooks/a.ipynb": b'{"source": "### BEGIN SOLUTION"}'},
        graded={"max_pool"},
    )
    assert len(problems) == 3
    assert scan({"course_lib/y.py": b"def max_pool(x):\n    return x.max()\n"},
                graded={"max_pool"}) == []


def test_the_built_bundle_passes_its_own_scan(bundle):
    """Nothing in the real bundle is a loop-based definition of a graded function."""
    assert scan(_entries(bundle), graded=set(exercises.names())) == []


def test_bundle_refuses_a_leaked_solution(tmp_path, monkeypatch):
    """A student notebook with a solution marker stops the build instead of shipping it."""
    root = tmp_path / "repo"
    (root / "notebooks" / "01_convolution").mkdir(parents=True)
    (root / "notebooks" / "01_convolution" / "01_convolution.ipynb").write_text(
        '{"source": "### BEGIN SOLUTION"}'
    )
    with pytest.raises(ValueError, match="BEGIN SOLUTION"):
        build_bundle(tmp_path / "out.zip", root=root)
    assert not (tmp_path / "out.zip").exists()


def test_course_bundle_command_writes_the_zip(tmp_path, capsys):
    """`course bundle --out FILE` builds the bundle and says where."""
    target = tmp_path / "b.zip"
    assert main(["bundle", "--out", str(target)]) == 0
    assert zipfile.is_zipfile(target)
    assert str(target) in capsys.readouterr().out


CHECK_A_NOTEBOOK = textwrap.dedent('''
    import json, sys
    from course_lib import grading
    from course_lib.grading import batteries

    notebook = json.load(open(sys.argv[1]))
    namespace = {}
    points = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
        source = "".join(cell["source"])
        if grade_id == "setup" or grade_id.endswith("_answer"):
            exec(source, namespace)
        elif grade_id.endswith("_visible"):
            points[grade_id] = eval(source, namespace)
    print(json.dumps({
        "points": points,
        "package": grading.__file__,
        "exercises": grading.exercises is not None,
        "hidden": batteries.hidden_available(),
    }))
''')


def _fill(notebook: dict, answers: dict[str, str]) -> dict:
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_answer"):
            cell["source"] = answers[grade_id]
    return notebook


def _solutions(name: str) -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "autograde"))
    from sample_class import student_notebook

    master = json.loads(COURSE.master(name).read_text())
    return {
        c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"])
        for c in student_notebook(master, {})["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id", "").endswith("_answer")
    }


@pytest.mark.slow
def test_bundle_installs_in_a_fresh_environment_and_checks_a_notebook(bundle, tmp_path):
    """Unpacked and pip-installed into a new virtual environment, the bundle runs a notebook's
    visible checks (full marks for right answers, a diagnosis for a wrong one), validates the
    saved notebook, and cannot build a hidden battery."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    course = tmp_path / TOP
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(wheels), str(course)],
        check=True, capture_output=True,
    )
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(fresh)], check=True)
    python = fresh / "bin" / "python"
    (wheel,) = wheels.glob("course_lib-*.whl")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
                   check=True, capture_output=True)
    # The course's dependencies (numpy, nbgrader, ...) come from this environment; course_lib
    # itself only from the wheel just installed (a plain path: no editable hook runs).
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], capture_output=True, text=True, check=True)
    Path(purelib.stdout.strip(), "dependencies.pth").write_text(site.getsitepackages()[0] + "\n")
    env = {"PATH": f"{fresh / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path),
           "MPLBACKEND": "Agg", "PYTHONNOUSERSITE": "1"}

    name = "01_convolution"
    student = json.loads((course / "notebooks" / name / f"{name}.ipynb").read_text())
    right = _fill(json.loads(json.dumps(student)), _solutions(name))
    flipped = dict(_solutions(name))
    flipped["convolve_answer"] = flipped["convolve_answer"].replace(
        "np.multiply(window, kernel)", "np.multiply(window, kernel[::-1, ::-1])"
    )
    assert flipped["convolve_answer"] != _solutions(name)["convolve_answer"]
    wrong = _fill(json.loads(json.dumps(student)), flipped)
    results = {}
    for label, notebook in (("right", right), ("wrong", wrong)):
        path = tmp_path / f"{label}.ipynb"
        path.write_text(json.dumps(notebook))
        done = subprocess.run([str(python), "-c", CHECK_A_NOTEBOOK, str(path)], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        lines = done.stdout.strip().splitlines()
        # A check that gives 0 points prints its report to stderr, as a failing cell does.
        results[label] = (json.loads(lines[-1]), "\n".join(lines[:-1]) + done.stderr)
    report, _ = results["right"]
    assert report["package"].startswith(str(fresh)), "course_lib must come from the bundle"
    assert report["exercises"] is False and report["hidden"] is False
    assert report["points"] == {"output_size_visible": 1.0, "convolve_visible": 2.0}
    report, printed = results["wrong"]
    assert report["points"]["convolve_visible"] < 2.0 and "flipped-kernel" in printed

    saved = tmp_path / f"{name}.ipynb"
    saved.write_text(json.dumps(right))
    done = subprocess.run([str(fresh / "bin" / "course"), "validate", str(saved), "--unsafe"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "convolve (visible tests): passed, 2 / 2 points" in done.stdout
    assert "hidden tests (5 more points) run when your notebook is graded" in done.stdout
    assert os.path.commonpath([str(fresh), str(python)]) == str(fresh)
