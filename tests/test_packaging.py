"""The project's set-up files agree with each other and with the README."""

from __future__ import annotations

import re
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
