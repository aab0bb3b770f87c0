"""The project's set-up files agree with each other and with the README."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~; \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        listed += extra
    return {_name(r): r.replace(" ", "") for r in listed}


def _environment_requirements() -> dict[str, str]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    entries = []
    for item in environment["dependencies"]:
        entries += item["pip"] if isinstance(item, dict) else [item]
    return {
        _name(r): r.replace(" ", "")
        for r in entries
        if not r.startswith("-e") and _name(r) not in {"python", "pip"}
    }


def test_environment_yml_lists_the_same_packages_as_pyproject():
    """Conda users get exactly the packages and minimum versions pip users get."""
    assert _environment_requirements() == _pyproject_requirements()


def test_every_course_dependency_is_in_the_default_install():
    """The README's set-up installs everything the notebooks import, TensorFlow included."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = {_name(r) for r in project["dependencies"]}
    for package in (
        "numpy",
        "scipy",
        "matplotlib",
        "ipywidgets",
        "jupyterlab",
        "nbgrader",
        "pytest",
        "pillow",
        "tensorflow",
    ):
        assert package in required, package


def test_ci_runs_the_readme_test_command():
    """.ci/run calls the same command the README tells people to use."""
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme
    assert re.search(r"^make test$", ci, flags=re.MULTILINE)


def test_makefile_targets_bootstrap_the_environment():
    """lab and test both depend on the target that creates the virtual environment."""
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab: setup", makefile, flags=re.MULTILINE)
    assert re.search(r"^test: setup system-deps", makefile, flags=re.MULTILINE)


GROUPED = """
import os

import pytest


@pytest.fixture(scope="module")
def shared():
    return "built once"


@pytest.mark.parametrize("number", range(8))
def test_sharing_a_module_fixture(number, shared, tmp_path_factory):
    folder = tmp_path_factory.getbasetemp().parent.parent / "workers"
    folder.mkdir(exist_ok=True)
    (folder / str(number)).write_text(os.environ["PYTEST_XDIST_WORKER"])
"""

THE_SUITES_GROUPING = f"""
import importlib.util

spec = importlib.util.spec_from_file_location("suite", {str(ROOT / "tests" / "conftest.py")!r})
suite = importlib.util.module_from_spec(spec)
spec.loader.exec_module(suite)
pytest_collection_modifyitems = suite.pytest_collection_modifyitems
"""


def test_tests_sharing_a_module_fixture_run_on_one_worker(tmp_path):
    """`make test` spreads the suite over xdist workers with --dist loadgroup; the suite's
    conftest groups the tests that share a module fixture (a graded class, a started lab, a
    classroom), which must then run on one worker, or each worker builds the fixture again."""
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    (tmp_path / "conftest.py").write_text(THE_SUITES_GROUPING)
    (tmp_path / "base").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
         "--dist", "loadgroup", "--basetemp", str(tmp_path / "base" / "run"),
         str(tmp_path / "test_grouped.py")],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    workers = {path.read_text() for path in (tmp_path / "base" / "workers").iterdir()}
    assert len(list((tmp_path / "base" / "workers").iterdir())) == 8
    assert len(workers) == 1, workers
