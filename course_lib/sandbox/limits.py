"""The resource limits of one sandboxed run, as a plain value.

Every limit is enforced by the kernel (``setrlimit``) or by the supervising
parent (wall clock, output size), never by the sandboxed program itself.
The limits are configured, with their defaults and help, on
:class:`course_lib.sandbox.Sandbox` (``c.Sandbox.cpu_seconds`` and so on);
:class:`Limits` is the checked snapshot a run uses.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass

from course_lib._validation import check_positive_int

__all__ = ["LIMIT_NAMES", "Limits"]


@dataclass(frozen=True)
class Limits:
    """How much one sandboxed run may use (see :class:`~course_lib.sandbox.Sandbox`).

    Parameters
    ----------
    cpu_seconds : int
        CPU time (``RLIMIT_CPU``); status ``"timeout"`` when used up.
    wall_seconds : float
        Wall-clock time after which the parent kills the whole sandbox.
    memory_bytes : int
        Address space (``RLIMIT_AS``); status ``"memory"``.
    processes : int
        Processes and threads of the sandbox user (``RLIMIT_NPROC``).
    output_bytes : int
        Bytes kept from each of stdout and stderr (status ``"output-limit"``).
    file_bytes : int
        Largest file the program may write (``RLIMIT_FSIZE``).
    open_files : int
        Open file descriptors (``RLIMIT_NOFILE``).
    disk_bytes : int
        Size of each of the sandbox's own temporary file systems.

    Raises
    ------
    TypeError, ValueError
        For a limit that is not a positive number.

    Examples
    --------
    >>> from course_lib.sandbox import Sandbox
    >>> limits = Sandbox().limits
    >>> limits.replace(cpu_seconds=5).cpu_seconds
    5
    >>> limits.replace(processes=0)
    Traceback (most recent call last):
    ...
    ValueError: processes must be an integer >= 1, got 0
    """

    cpu_seconds: int
    wall_seconds: float
    memory_bytes: int
    processes: int
    output_bytes: int
    file_bytes: int
    open_files: int
    disk_bytes: int

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "wall_seconds":
                _check_positive_number(value, name="wall_seconds")
            else:
                check_positive_int(value, name=field.name)

    def replace(self, **changes) -> Limits:
        """Return a copy with some limits changed (checked like the constructor)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        """The limits as a plain dict (for results.json and fingerprints)."""
        return dataclasses.asdict(self)


LIMIT_NAMES = tuple(field.name for field in dataclasses.fields(Limits))
"""The names of the limits, in declaration order."""


def _check_positive_number(value, *, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number of seconds, got {value!r}")
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value
