"""Run untrusted student code with no network, a minimal file system and resource limits.

The grader runs every submission through a :class:`Sandbox`:

>>> import sys
>>> from course_lib.sandbox import Sandbox
>>> sandbox = Sandbox(cpu_seconds=10, wall_seconds=20)
>>> sandbox.run([sys.executable, "-c", "print(6 * 7)"]).stdout
b'42\\n'

Its options (limits, uids, bubblewrap, unsafe) are traitlets options, read from
the course's ``nbgrader_config.py`` as ``c.Sandbox.<option>``.

Modules:

- :mod:`~course_lib.sandbox.limits`: :class:`Limits`, the checked limits of one run.
- :mod:`~course_lib.sandbox.sandbox`: :class:`Sandbox` (bubblewrap, or ``unsafe=True``).
- :mod:`~course_lib.sandbox.availability`: :meth:`Sandbox.check_available`'s real test run.
- :mod:`~course_lib.sandbox.environment`: the scrubbed environment.
- :mod:`~course_lib.sandbox.seccomp`: the system-call filter.
- :mod:`~course_lib.sandbox.layout`: the file system and namespaces the code sees.
- :mod:`~course_lib.sandbox.identity`: the unprivileged uid the code runs as.
- :mod:`~course_lib.sandbox.forkserver` and :mod:`~course_lib.sandbox.zygote`: every run
  (a zygote in the sandbox forks it), with its wall clock and output cap.
- :mod:`~course_lib.sandbox.supervise`: :class:`Result` and :func:`stop_all`.
- :mod:`~course_lib.sandbox.kernel`: a sandboxed Jupyter kernel for notebook execution.

See ``docs/sandbox.md`` for what is protected and what is not.
"""

import importlib

# Imported when first used: the zygote (python -m course_lib.sandbox.zygote) then starts
# without traitlets and numpy, which a one-shot run would otherwise pay for.
_HOMES = {
    "RESULT_STATUSES": "supervise",
    "UNSAFE_REFUSAL": "errors",
    "Limits": "limits",
    "Result": "supervise",
    "Sandbox": "sandbox",
    "SandboxUnavailable": "errors",
    "scrubbed_environment": "environment",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
