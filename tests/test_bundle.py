"""The student bundle carries the course but no solutions or hidden tests."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from course_lib.bundle import SECRET_MARKERS, build_bundle
from course_lib.cli import main


def test_bundle_has_notebooks_library_and_data_but_no_solutions(tmp_path):
    """Students get everything they need to run the course and nothing that gives answers away."""
    bundle = build_bundle(tmp_path / "student.zip")
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        notebooks = [n for n in names if n.endswith(".ipynb")]
        texts = [archive.read(n).decode() for n in notebooks]
    assert all(n.startswith("convolution-course/") for n in names)
    assert "convolution-course/data/ascent.png" in names
    assert "convolution-course/course_lib/reference/__init__.py" in names
    assert "convolution-course/Makefile" in names
    assert "convolution-course/jupyter-config/jupyter_server_config.json" in names
    assert not any("/solutions/" in n or "/autograde/" in n or "/tests/" in n for n in names)
    assert all(n.startswith("convolution-course/notebooks/") for n in notebooks)
    for text in texts:
        assert not any(marker in text for marker in SECRET_MARKERS)


def test_bundle_is_usable_on_its_own(tmp_path):
    """The extracted bundle imports course_lib and loads the checksummed data."""
    bundle = build_bundle(tmp_path / "student.zip")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    root = tmp_path / "convolution-course"
    probe = "from course_lib import data; print(data.ascent().shape, data.mnist()[0].shape)"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "(512, 512) (10000, 28, 28)"
    lab = subprocess.run(
        ["make", "-n", "lab"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert f'JUPYTER_CONFIG_PATH="{root}/jupyter-config' in lab


def test_bundle_refuses_a_leaked_solution(tmp_path):
    """A student notebook with a solution marker stops the build instead of shipping it."""
    root = tmp_path / "repo"
    (root / "notebooks" / "01_x").mkdir(parents=True)
    (root / "notebooks" / "01_x" / "01_x.ipynb").write_text('{"source": "### BEGIN SOLUTION"}')
    try:
        build_bundle(tmp_path / "out.zip", root=root)
    except ValueError as exc:
        assert "BEGIN SOLUTION" in str(exc)
    else:
        raise AssertionError("a leaked solution was bundled")


def test_course_bundle_command_writes_the_zip(tmp_path, capsys):
    """`course bundle --out FILE` builds the bundle and says where."""
    target = tmp_path / "b.zip"
    assert main(["bundle", "--out", str(target)]) == 0
    assert zipfile.is_zipfile(target)
    assert str(target) in capsys.readouterr().out
