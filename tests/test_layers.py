"""How the package is layered: what a student's install can do without the cluster extra,
and the configuration check that learns nbgrader's preprocessors from the configuration."""

from __future__ import annotations

import subprocess
import sys

import pytest
from traitlets.config import Config

from course_lib.config import ConfigError, check_config, classes_in


def test_grading_on_a_cluster_without_the_extra_says_how_to_get_it(tmp_path):
    """`course grade --scheduler` where Dask is not installed: exit 2 and the install line."""
    script = ("import sys; sys.modules['distributed'] = None\n"
              "from course_lib.cli import main\n"
              "sys.exit(main(['grade', '--scheduler', 'tcp://127.0.0.1:1', '--out', "
              f"{str(tmp_path / 'out')!r}]))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert "pip install 'course_lib[cluster]'" in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_student_install_does_not_require_dask():
    """Dask comes with the cluster extra only, and the grader's modules import without it."""
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    names = {r.split(">")[0] for r in project["project"]["dependencies"]}
    assert not names & {"dask", "distributed"}
    assert {"dask>=2024.1", "distributed>=2024.1"} <= set(
        project["project"]["optional-dependencies"]["cluster"])
    script = ("import sys; sys.modules['distributed'] = None; sys.modules['dask'] = None\n"
              "import course_lib.grader.batch, course_lib.grader.gradebook\n"
              "import course_lib.commands.grade\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_misspelt_option_of_a_preprocessor_named_in_the_config_is_an_error():
    """The check knows the course's preprocessors because the configuration names them."""
    from course_lib.grader.nbgrader_plugins import RestoreFromRelease, use_course_grader

    config = use_course_grader(Config())
    assert RestoreFromRelease in classes_in(config)
    config.RestoreFromRelease.enabld = True
    with pytest.raises(ConfigError, match="c.RestoreFromRelease.enabld"):
        check_config(config)
    without = Config()
    without.RestoreFromRelease.enabld = True
    check_config(without)  # a section no configured class has is another tool's
