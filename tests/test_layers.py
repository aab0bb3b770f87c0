"""How the package is layered: imports run down the layers and never in a circle; what a
student's install can do without the cluster extra; the configuration check that learns
nbgrader's preprocessors from the configuration."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


PACKAGE = Path(__file__).resolve().parents[1] / "course_lib"
LAYERS = (
    ("course_lib.cli", "course_lib.commands"),
    ("course_lib.grader",),
    ("course_lib.assignments", "course_lib.bundle"),
    ("course_lib.grading",),
    ("course_lib.config",),
    ("course_lib.widgets", "course_lib.sandbox"),
    ("course_lib.display", "course_lib.data", "course_lib.kernels", "course_lib.reference",
     "course_lib.timing", "course_lib.diagrams", "course_lib.pending"),
    ("course_lib.tf_loader", "course_lib.exchange", "course_lib.files", "course_lib._validation"),
)
"""The package's layers, from the top (docs/grading.md, "Where the grader's parts live"): a
module imports only from layers below its own, and from its own package."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The course_lib modules ``path`` imports, at module level or inside functions."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    return {m for m in found if m in modules and m != name}


def _layer(module: str) -> tuple[int, str] | None:
    for index, members in enumerate(LAYERS):
        for member in members:
            if module == member or module.startswith(member + "."):
                return index, member
    return None


def test_no_module_imports_a_layer_above_it_and_no_two_import_each_other():
    """Every import runs down the layers (or stays in its package), and no modules import
    each other in a circle, imports inside functions included."""
    graph = {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")
             if "__pycache__" not in p.parts}
    upward = []
    for module, imported in graph.items():
        mine = _layer(module)
        for other in imported:
            theirs = _layer(other)
            if mine and theirs and theirs[1] != mine[1] and theirs[0] <= mine[0]:
                upward.append(f"{module} -> {other}")
    assert upward == []

    visiting, done, circles = set(), set(), []

    def visit(module, trail):
        if module in done:
            return
        if module in visiting:
            circles.append(" -> ".join(trail[trail.index(module):] + [module]))
            return
        visiting.add(module)
        for other in sorted(graph.get(module, ())):
            if other != module.rsplit(".", 1)[0]:  # a submodule naming its own package
                visit(other, [*trail, module])
        visiting.discard(module)
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert circles == []


def test_the_grading_core_does_not_read_the_course_configuration():
    """Grading and the sandbox are handed what they need; only the layers above them read
    nbgrader_config.py."""
    readers = sorted(
        _module_name(p) for p in PACKAGE.rglob("*.py")
        if _module_name(p).startswith(("course_lib.grading", "course_lib.sandbox"))
        and "course_lib.config" in _imports(p)
    )
    assert readers == []


def _kernel_seed(name: str, cwd: Path) -> str:
    """What a hidden test cell of ``name`` run in a fresh interpreter in ``cwd`` draws with."""
    script = ("from course_lib.grading import batteries\n"
              f"print(batteries.released_seed({name!r}))\n"
              "print(batteries.battery('convolve', hidden=True).seed)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=cwd)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.split()
    assert first == second
    return first


def test_a_hidden_test_run_in_a_kernel_draws_the_seed_released_with_the_assignment(tmp_path):
    """A hidden test cell run by hand gets no seed; the course's declared lookup finds the one
    stored in the master, in its folder as anywhere else (a kernel of the installed course)."""
    import json

    from course_lib.assignments import seed_of_master
    from course_lib.config import load_course
    from course_lib.grading import exercises
    from course_lib.grading.batteries import stored_seed

    course = load_course()
    name = exercises.get("convolve").assignment
    stored = stored_seed(json.loads(course.master(name).read_text(encoding="utf-8")))
    assert isinstance(stored, int)
    assert seed_of_master(name) == stored
    assert _kernel_seed(name, course.master(name).parent) == str(stored)
    assert _kernel_seed(name, tmp_path) == str(stored)


def test_a_kernel_draws_the_seed_of_the_course_its_notebook_is_in(tmp_path):
    """A master run by hand in another copy of the course draws that copy's seed, not the seed
    of the checkout course_lib was imported from."""
    import json
    import shutil

    from course_lib.config import CONFIG_FILE_NAME, load_course
    from course_lib.grading import exercises

    course = load_course()
    name = exercises.get("convolve").assignment
    master = json.loads(course.master(name).read_text(encoding="utf-8"))
    master["metadata"].setdefault("course", {})["battery_seed"] = 12345
    folder = tmp_path / course.source.relative_to(course.root) / name
    folder.mkdir(parents=True)
    (folder / f"{name}.ipynb").write_text(json.dumps(master), encoding="utf-8")
    shutil.copy(course.config_file, tmp_path / CONFIG_FILE_NAME)
    assert _kernel_seed(name, folder) == "12345"
