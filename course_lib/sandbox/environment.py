"""The environment variables a sandboxed program gets: a fixed, short list."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["THREAD_POOLS", "scrubbed_environment"]

THREAD_POOLS = {
    "OMP_NUM_THREADS": "2",
    "OPENBLAS_NUM_THREADS": "2",
    "MKL_NUM_THREADS": "2",
    "TF_NUM_INTRAOP_THREADS": "2",
    "TF_NUM_INTEROP_THREADS": "2",
}
"""Small thread pools for numpy's BLAS and TensorFlow.

Threads count against the process limit (``RLIMIT_NPROC``), and these
libraries otherwise start one thread per core: on a many-core grading server
a plain ``import numpy`` would exceed the limit.
"""


def scrubbed_environment(*, home: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The complete environment of a sandboxed program.

    Only ``PATH`` (the venv's ``bin`` first), ``HOME`` and ``TMPDIR`` (both the
    scratch folder), ``LANG``, ``PYTHONNOUSERSITE=1``, ``MPLBACKEND=Agg``,
    ``COURSE_DATA_DIR`` when the caller has it, the thread-pool sizes of
    :data:`THREAD_POOLS`, plus ``extra`` (which may override any of them).

    Examples
    --------
    >>> env = scrubbed_environment(home="/tmp/s", extra={"SEED": "3"})
    >>> env["HOME"], env["TMPDIR"], env["PYTHONNOUSERSITE"], env["SEED"]
    ('/tmp/s', '/tmp/s', '1', '3')
    >>> scrubbed_environment(home="/tmp/s", extra={"A=B": "1"})
    Traceback (most recent call last):
    ...
    ValueError: env names must be non-empty strings without '=' or NUL, got 'A=B'
    """
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "MPLBACKEND": "Agg",
        **THREAD_POOLS,
    }
    if os.environ.get("COURSE_DATA_DIR"):
        env["COURSE_DATA_DIR"] = os.environ["COURSE_DATA_DIR"]
    for name, value in (extra or {}).items():
        if not isinstance(name, str) or not name or "=" in name or "\0" in name:
            raise ValueError(
                f"env names must be non-empty strings without '=' or NUL, got {name!r}"
            )
        if not isinstance(value, str) or "\0" in value:
            raise ValueError(f"env[{name!r}] must be a string without NUL, got {value!r}")
        env[name] = value
    return env
