"""The course's one configuration: declared once, read from one file, typos are errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib.config import ConfigError, Course, find_config_file, load_course
from course_lib.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]


def test_the_repository_config_is_found_from_any_folder(tmp_path, monkeypatch):
    """Commands run elsewhere still read the repository's nbgrader_config.py."""
    monkeypatch.chdir(tmp_path)
    assert find_config_file() == ROOT / "nbgrader_config.py"
    course = load_course()
    assert course.root == ROOT
    assert course.source == ROOT / "solutions" and course.release == ROOT / "notebooks"
    assert course.assignments == [
        "01_convolution", "02_padding", "03_filters", "04_pooling", "05_tensorflow"
    ]


def test_a_config_in_the_current_folder_wins(tmp_path, monkeypatch):
    """As in nbgrader, nbgrader_config.py in the current folder is read first."""
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.Course.assignments = ['07_extra']\n"
    )
    monkeypatch.chdir(tmp_path)
    assert load_course().assignments == ["07_extra"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("c.Sandbox.cpu_secs = 7", r"unknown option c\.Sandbox\.cpu_secs.*did you mean "
         r"c\.Sandbox\.cpu_seconds"),
        ("c.Sandbx.uid = 62000", r"unknown section c\.Sandbx.*did you mean c\.Sandbox"),
        ("c.Course.assignment = []", r"unknown option c\.Course\.assignment\b"),
        ("c.CourseDirectory.source_dir = 'x'", r"unknown option c\.CourseDirectory\.source_dir"),
        ("c.SandboxedKernelManager.cpu_seconds = 5", r"SandboxedKernelManager\.cpu_seconds"),
        ("c.Sandbox.cpu_seconds = -1", r"cpu_seconds must be an integer >= 1"),
        ("c.Course.assignments = ['1_conv']", r"NN_snake_case"),
    ],
)
def test_a_misspelt_or_bad_option_is_an_error_naming_it(tmp_path, course_config, line, message):
    """A typo cannot silently leave a setting at its default."""
    config = course_config(tmp_path / "nbgrader_config.py")
    config.write_text(config.read_text() + line + "\n")
    with pytest.raises(ConfigError, match=message):
        load_course(config)


def test_a_missing_config_file_is_an_error(tmp_path):
    """--config naming a file that does not exist says so."""
    with pytest.raises(ConfigError, match="does not exist"):
        load_course(tmp_path / "nope.py")


def test_sandbox_options_are_declared_once_with_help():
    """Every sandbox option has its default and help on the Sandbox class, and Course's too."""
    for cls in (Sandbox, Course):
        for name, trait in cls.class_own_traits(config=True).items():
            assert trait.help, f"{cls.__name__}.{name} has no help text"
    assert set(Sandbox().settings()) == set(Sandbox.class_own_traits(config=True))


def test_grading_uses_the_configured_uid_pool(tmp_path, course_config):
    """c.Sandbox.uid and uid_pool reach the runs: student code runs as a uid of that pool."""
    config = course_config(tmp_path / "nbgrader_config.py", uid=62000, uid_pool=4)
    sandbox = load_course(config).sandbox()
    assert (sandbox.uid, sandbox.uid_pool) == (62000, 4)
    result = sandbox.run([sys.executable, "-c", "import os; print(os.getuid())"])
    assert result.status == "ok", result.message
    if os.geteuid() == 0:
        assert 62000 <= int(result.stdout) < 62004
    else:
        assert int(result.stdout) == 62000


def test_the_configured_bubblewrap_is_the_one_used(tmp_path, course_config):
    """c.Sandbox.bwrap names the program: a missing one makes the sandbox unavailable."""
    from course_lib.sandbox import SandboxUnavailable

    config = course_config(tmp_path / "nbgrader_config.py", bwrap=str(tmp_path / "no-bwrap"))
    with pytest.raises(SandboxUnavailable, match="bwrap not found"):
        load_course(config).sandbox().check()


def test_course_config_command_lists_the_options(capsys):
    """`course config` names the file in use and every course option with its value."""
    from course_lib import cli

    assert cli.main(["config"]) == 0
    out = capsys.readouterr().out
    assert str(ROOT / "nbgrader_config.py") in out
    for option in ("CourseDirectory.source_directory", "Course.assignments",
                   "Sandbox.cpu_seconds", "Sandbox.uid_pool",
                   "SandboxedKernelManager.notebook_cpu_seconds"):
        assert option in out


@pytest.mark.slow
def test_nbgrader_typed_at_the_root_finds_the_course(tmp_path):
    """`nbgrader generate_assignment 01_convolution` works where nbgrader users type it."""
    copy = tmp_path / "course"
    for name in ("solutions", "autograde/samples/alice"):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
    import shutil

    shutil.copytree(ROOT / "solutions", copy / "solutions")
    shutil.copy(ROOT / "nbgrader_config.py", copy / "nbgrader_config.py")
    (copy / "autograde").mkdir(exist_ok=True)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), "generate_assignment", "01_convolution",
         "--force"],
        cwd=copy, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    released = copy / "notebooks" / "01_convolution" / "01_convolution.ipynb"
    assert released.is_file()
    assert "BEGIN SOLUTION" not in released.read_text()
    assert (copy / "autograde" / "gradebook.db").is_file()


def test_course_lab_starts_jupyterlab_with_the_course_server_config(monkeypatch):
    """`course lab`, like `make lab`, puts jupyter-config/ first on JUPYTER_CONFIG_PATH, so the
    raised websocket limit lets a large upload reach the filter picker."""
    import json

    from course_lib.commands.lab import JUPYTER_CONFIG, lab_environment

    course = load_course()
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/elsewhere")
    paths = lab_environment(course)["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert paths == [str(course.root / JUPYTER_CONFIG), "/elsewhere"]
    settings = json.loads((course.root / JUPYTER_CONFIG / "jupyter_server_config.json").read_text())
    assert "websocket_max_message_size" in json.dumps(settings)
    assert JUPYTER_CONFIG in (course.root / "Makefile").read_text()
