"""The course's one configuration: every setting declared once, read from one file.

The settings are traitlets options, as in nbgrader itself:

- nbgrader's :class:`~nbgrader.coursedir.CourseDirectory`: the course's
  folders (``root``, ``source_directory`` = ``solutions``,
  ``release_directory`` = ``notebooks``, ``submitted_directory``, ...);
- :class:`Course`: the list of assignments and where the sample class and
  grading outputs go;
- :class:`course_lib.sandbox.Sandbox`: the limits and identity of every
  sandboxed run of a student's code.

They are read from one file, ``nbgrader_config.py`` at the repository's root,
by every ``course`` command, by the sandboxed kernel and by nbgrader itself
(``nbgrader generate_assignment 01_convolution`` typed at the root). A
misspelt option is an error that names it.

Examples
--------
>>> from course_lib.config import load_course
>>> course = load_course()
>>> course.assignments[0]
'01_convolution'
>>> course.master("02_padding").relative_to(course.root).as_posix()
'solutions/02_padding/02_padding.ipynb'
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from traitlets import List, Unicode, validate
from traitlets.config import Config, LoggingConfigurable
from traitlets.config.loader import PyFileConfigLoader

__all__ = [
    "CONFIG_FILE_NAME",
    "ConfigError",
    "Course",
    "LoadedCourse",
    "check_assignment_name",
    "find_config_file",
    "load_config",
    "load_course",
    "nearest_config_file",
    "nbgrader_scripts_on_path",
    "put_nbgrader_scripts_on_path",
]

CONFIG_FILE_NAME = "nbgrader_config.py"
"""The name of the course's configuration file (nbgrader's)."""

_ASSIGNMENT_NAME = re.compile(r"^[0-9]{2}_[a-z][a-z0-9_]*$")


class ConfigError(ValueError):
    """A configuration file that cannot be used: unknown option, bad value, missing file."""


def check_assignment_name(name) -> str:
    """Return ``name`` after checking it looks like an assignment (``NN_snake_case``).

    Examples
    --------
    >>> check_assignment_name("02_padding")
    '02_padding'
    >>> check_assignment_name("../etc")
    Traceback (most recent call last):
    ...
    ValueError: assignment name must look like '01_convolution' (NN_snake_case), got '../etc'
    """
    if not isinstance(name, str) or not _ASSIGNMENT_NAME.match(name):
        raise ValueError(
            f"assignment name must look like '01_convolution' (NN_snake_case), got {name!r}"
        )
    return name


class Course(LoggingConfigurable):
    """The course as a whole: its assignments and the grading tools' folders.

    Folders are relative to ``CourseDirectory.root``.
    """

    assignments = List(
        Unicode(),
        help="The assignments, in release order. Each is one notebook, "
        "<source_directory>/<name>/<name>.ipynb, with its exercises in "
        "course_lib/grading/exercises/.",
    ).tag(config=True)
    sample_class = Unicode(
        "autograde/samples",
        help="The made-up class `course grade` grades when no submissions were collected: "
        "<sample_class>/<student>/<assignment>/<assignment>.ipynb.",
    ).tag(config=True)
    grading_output = Unicode(
        "grading-output",
        help="Where `course grade` writes results, grades, feedback and the report by default.",
    ).tag(config=True)

    @validate("assignments")
    def _check_assignments(self, proposal):
        names = list(proposal.value)
        for name in names:
            check_assignment_name(name)
        if len(set(names)) != len(names):
            raise ValueError(f"c.Course.assignments lists a name twice: {names}")
        return names


def _repository_root() -> Path:
    """The folder holding this package (the repository, for an editable install)."""
    return Path(__file__).resolve().parent.parent


def find_config_file(explicit: str | os.PathLike | None = None) -> Path | None:
    """Return the configuration file to use, or None when there is none.

    The order is nbgrader's: an explicit path; ``nbgrader_config.py`` in the
    current folder; then the one at the root of the repository this package
    lives in (so the commands work from any folder). A student bundle has
    none, and the defaults apply.

    Raises
    ------
    ConfigError
        If ``explicit`` is given but does not exist.
    """
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        return path.resolve()
    for folder in (Path.cwd(), _repository_root()):
        candidate = folder / CONFIG_FILE_NAME
        if candidate.is_file():
            return candidate.resolve()
    return None


def nearest_config_file(folder: str | os.PathLike) -> Path | None:
    """The ``nbgrader_config.py`` in ``folder`` or in the nearest folder above it, or None.

    A notebook's kernel runs in the notebook's folder, inside its course directory
    (``solutions/01_convolution``, ``autograde/autograded/<student>/01_convolution``).
    """
    start = Path(folder).absolute()
    for above in (start, *start.parents):
        if (above / CONFIG_FILE_NAME).is_file():
            return (above / CONFIG_FILE_NAME).resolve()
    return None


def _our_classes() -> list[type]:
    from nbgrader.coursedir import CourseDirectory

    from course_lib.sandbox import Sandbox
    from course_lib.sandbox.kernel import SandboxedKernelManager

    return [Course, Sandbox, SandboxedKernelManager, CourseDirectory]


def classes_in(config: Config) -> list[type]:
    """The configurable classes a configuration names as values (nbgrader's preprocessors,
    exporters and plugins set with ``c.Autograde.sanitize_preprocessors = [...]`` and the
    like), so their own sections can be checked too.

    This module does not import the grader to learn them: whoever sets up nbgrader
    (``use_course_grader`` in the course's ``nbgrader_config.py``) hands them over in
    the configuration, as nbgrader's own application does.
    """
    from traitlets.config import Configurable

    found: list[type] = []

    def visit(value) -> None:
        if isinstance(value, type):
            if issubclass(value, Configurable) and value not in found:
                found.append(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item)

    for values in config.values():
        if isinstance(values, dict):
            for value in values.values():
                visit(value)
    return found


def _known_classes(config: Config) -> dict[str, list[type]]:
    """Configurable classes whose options can be checked, by name: ours, nbgrader's (its
    exchange's classes too), nbconvert's, and those ``config`` names. Several classes may
    share a name (nbgrader's abstract ``Exchange`` and the default exchange's); a section
    may set what any declares."""
    classes: dict[str, list[type]] = {}
    with contextlib.suppress(Exception):
        from nbgrader import exchange
        from nbgrader.apps import NbGraderApp

        found = list(NbGraderApp().all_configurable_classes())
        found += [getattr(exchange.default, name) for name in exchange.default.__all__]
        for cls in found:
            classes.setdefault(cls.__name__, []).append(cls)
    for cls in [*_our_classes(), *classes_in(config)]:
        if cls not in classes.get(cls.__name__, []):
            classes.setdefault(cls.__name__, []).append(cls)
    return classes


def check_config(config: Config, *, source: str = "the configuration") -> None:
    """Raise :class:`ConfigError` for an option no class declares (a misspelling).

    Sections of known classes (the course's, nbgrader's and the preprocessors
    it runs) must only set options those classes declare; a section whose
    name is close to a known class's but not equal is reported as a typo.
    Other sections (other tools' settings) are left alone.
    """
    known = _known_classes(config)
    ours = {cls.__name__ for cls in [*_our_classes(), *classes_in(config)]}
    for section, values in config.items():
        if not isinstance(values, Config) and not isinstance(values, dict):
            continue
        same_name = known.get(section)
        if same_name is None:
            close = difflib.get_close_matches(section, sorted(ours), n=1, cutoff=0.8)
            if close:
                raise ConfigError(
                    f"unknown section c.{section} in {source}; did you mean c.{close[0]}?"
                )
            continue
        declared = set().union(*(cls.class_traits(config=True) for cls in same_name))
        for key in values:
            if key in declared or (key[:1].isupper() and key in known):
                continue
            hint = difflib.get_close_matches(key, sorted(declared), n=1)
            suggestion = f"; did you mean c.{section}.{hint[0]}?" if hint else ""
            raise ConfigError(
                f"unknown option c.{section}.{key} in {source}{suggestion} "
                f"(options of {section}: {', '.join(sorted(declared))})"
            )


def load_config(path: str | os.PathLike | None = None) -> tuple[Config, Path | None]:
    """Read and check the course's configuration file.

    Parameters
    ----------
    path : path, optional
        The file; by default :func:`find_config_file` decides.

    Returns
    -------
    (traitlets.config.Config, Path or None)
        The configuration (empty when there is no file) and the file read.

    Raises
    ------
    ConfigError
        If the file is missing (when given), cannot be executed, or sets an
        option no class declares.
    """
    found = find_config_file(path)
    if found is None:
        return Config(), None
    try:
        config = PyFileConfigLoader(found.name, path=str(found.parent)).load_config()
    except Exception as error:  # noqa: BLE001 - any failure of the file is reported with its name
        raise ConfigError(f"cannot read {found}: {type(error).__name__}: {error}") from None
    check_config(config, source=str(found))
    return config, found


@dataclass(frozen=True)
class LoadedCourse:
    """The course as configured: folders, assignments and a sandbox factory.

    Attributes
    ----------
    config : traitlets.config.Config
        Everything the file set (pass it on to nbgrader and to Configurables).
    config_file : Path or None
        The file it came from.
    """

    config: Config
    config_file: Path | None

    @cached_property
    def coursedir(self):
        """nbgrader's :class:`~nbgrader.coursedir.CourseDirectory`, configured."""
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(config=self.config)

    @cached_property
    def course(self) -> Course:
        """The :class:`Course` options."""
        return Course(config=self.config)

    @property
    def root(self) -> Path:
        """The course's root folder (``CourseDirectory.root``)."""
        return Path(self.coursedir.root)

    def folder(self, name: str) -> Path:
        """A CourseDirectory folder by option name, e.g. ``"source_directory"``."""
        return self.root / getattr(self.coursedir, name)

    @property
    def source(self) -> Path:
        """Where the master notebooks are (nbgrader's source directory)."""
        return self.folder("source_directory")

    @property
    def release(self) -> Path:
        """Where the student notebooks are (nbgrader's release directory)."""
        return self.folder("release_directory")

    @property
    def assignments(self) -> list[str]:
        """The configured assignments, in release order."""
        return list(self.course.assignments)

    def master(self, name: str) -> Path:
        """The master notebook of assignment ``name``."""
        name = check_assignment_name(name)
        return self.source / name / f"{name}.ipynb"

    def student(self, name: str) -> Path:
        """The released student notebook of assignment ``name``."""
        name = check_assignment_name(name)
        return self.release / name / f"{name}.ipynb"

    def path(self, option: str) -> Path:
        """A :class:`Course` folder option (``"sample_class"``), absolute."""
        return self.root / getattr(self.course, option)

    def sandbox(self, **options):
        """A :class:`~course_lib.sandbox.Sandbox` with the configured options (``options`` win)."""
        from course_lib.sandbox import Sandbox

        return Sandbox(config=self.config, **options)


def load_course(config_file: str | os.PathLike | None = None) -> LoadedCourse:
    """Load the course's configuration (see :func:`load_config`).

    Raises
    ------
    ConfigError
        If the file cannot be used.
    """
    config, found = load_config(config_file)
    loaded = LoadedCourse(config, found)
    try:
        loaded.course  # noqa: B018 - validate the options now, with the file's name
        loaded.coursedir  # noqa: B018
        loaded.sandbox()
    except Exception as error:  # noqa: BLE001 - traitlets raises several types
        raise ConfigError(f"bad value in {found}: {error}") from None
    return loaded


def put_nbgrader_scripts_on_path() -> None:
    """Let nbgrader find the programs it starts by name (``alembic``, which creates the
    gradebook) next to this Python, for the rest of the process.

    ``.venv/bin/nbgrader`` or ``.venv/bin/course`` typed by its path, without the
    environment activated, does not have its ``bin`` folder on PATH; without it,
    nbgrader's first ``generate_assignment`` fails on creating the gradebook.
    """
    scripts = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if scripts not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join(p for p in (scripts, path) if p)


@contextlib.contextmanager
def nbgrader_scripts_on_path():
    """:func:`put_nbgrader_scripts_on_path` for a ``with`` block: PATH is restored after."""
    before = os.environ.get("PATH")
    put_nbgrader_scripts_on_path()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = before
