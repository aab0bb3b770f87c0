"""Resource limits for sandboxed runs, and loading them from ``nbgrader_config.py``.

Every limit is enforced by the kernel (``setrlimit``) or by the supervising
parent (wall clock, output size), never by the sandboxed program itself.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass
from pathlib import Path

from course_lib._validation import check_positive_int

__all__ = ["Limits", "limits_from_config"]

_MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much one sandboxed run may use.

    Parameters
    ----------
    cpu_seconds : int
        CPU time (``RLIMIT_CPU``); the process gets SIGXCPU when it is used up,
        and the run ends with status ``"timeout"``.
    wall_seconds : float
        Wall-clock time after which the parent kills the whole sandbox
        (status ``"timeout"``). ``Sandbox.run(timeout=...)`` overrides it.
    memory_bytes : int
        Address space (``RLIMIT_AS``); allocations beyond it fail, which
        Python reports as ``MemoryError`` (status ``"memory"``).
    processes : int
        Processes and threads the sandbox user may have (``RLIMIT_NPROC``);
        stops fork bombs. Thread pools (OpenBLAS, TensorFlow) count too.
    output_bytes : int
        Bytes kept from each of stdout and stderr; the run is stopped as soon
        as either goes over (status ``"output-limit"``).
    file_bytes : int
        Largest file the program may write (``RLIMIT_FSIZE``).
    open_files : int
        Open file descriptors (``RLIMIT_NOFILE``).
    disk_bytes : int
        Size of each of the sandbox's own temporary file systems: ``/tmp``,
        ``/dev/shm`` and the scratch folder (unless the caller manages the
        scratch folder, which then lives on the host's disk). Writes beyond
        it fail with "No space left on device".

    Examples
    --------
    >>> Limits().cpu_seconds
    30
    >>> Limits(memory_bytes=512 * 1024 * 1024).memory_bytes
    536870912
    >>> Limits(processes=0)
    Traceback (most recent call last):
    ...
    ValueError: processes must be an integer >= 1, got 0
    """

    cpu_seconds: int = 30
    wall_seconds: float = 60.0
    memory_bytes: int = 2048 * _MIB
    processes: int = 64
    output_bytes: int = 1 * _MIB
    file_bytes: int = 64 * _MIB
    open_files: int = 256
    disk_bytes: int = 256 * _MIB

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "wall_seconds":
                _check_positive_number(value, name="wall_seconds")
            else:
                check_positive_int(value, name=field.name)

    def replace(self, **changes) -> Limits:
        """Return a copy with some limits changed (checked like the constructor).

        Examples
        --------
        >>> Limits().replace(wall_seconds=5).wall_seconds
        5
        """
        return dataclasses.replace(self, **changes)


def _check_positive_number(value, *, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number of seconds, got {value!r}")
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


_CONFIG_SECTIONS = ("Sandbox", "CourseGrader")
"""Config sections whose ``Limits`` field names are read (the first set wins)."""


def limits_from_config(path, *, base: Limits | None = None) -> Limits:
    """Read sandbox limits from an nbgrader-style ``nbgrader_config.py``.

    Options are read from ``c.Sandbox.<field>`` (and, as an alternative name,
    ``c.CourseGrader.<field>``), where ``<field>`` is a :class:`Limits` field
    such as ``cpu_seconds``. Options not set keep the value from ``base``
    (default: ``Limits()``). An unknown option in the ``Sandbox`` section is
    an error, so a typo cannot silently leave a limit at its default.

    Parameters
    ----------
    path : str or os.PathLike
        The config file.
    base : Limits, optional
        Values for the options the file does not set.

    Returns
    -------
    Limits

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file sets an unknown ``c.Sandbox`` option or a bad value.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "nbgrader_config.py").write_text(
    ...     "c = get_config()\\nc.Sandbox.cpu_seconds = 5\\n")
    >>> limits_from_config(folder / "nbgrader_config.py").cpu_seconds
    5
    """
    from traitlets.config.loader import PyFileConfigLoader

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {path} does not exist")
    config = PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    base = Limits() if base is None else base
    known = {field.name for field in dataclasses.fields(Limits)}
    changes = {}
    for section in reversed(_CONFIG_SECTIONS):
        if section not in config:
            continue
        for key, value in config[section].items():
            if key in known:
                changes[key] = value
            elif section == "Sandbox" and key not in _SANDBOX_OPTIONS:
                listed = ", ".join(sorted(known | _SANDBOX_OPTIONS))
                raise ValueError(
                    f"unknown option c.Sandbox.{key} in {path}; known options: {listed}"
                )
    try:
        return base.replace(**changes)
    except (TypeError, ValueError) as error:
        raise ValueError(f"bad sandbox limit in {path}: {error}") from None


_SANDBOX_OPTIONS = frozenset({"uid", "uid_pool", "bwrap"})
"""Non-limit options of the ``c.Sandbox`` section (read by ``Sandbox.from_config``)."""
