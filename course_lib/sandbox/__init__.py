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
- :mod:`~course_lib.sandbox.supervise`: wall clock, output cap and :class:`Result`.
- :mod:`~course_lib.sandbox.kernel`: a sandboxed Jupyter kernel for notebook execution.

See ``docs/sandbox.md`` for what is protected and what is not.
"""

from .environment import scrubbed_environment
from .errors import UNSAFE_REFUSAL, SandboxUnavailable
from .limits import Limits
from .sandbox import Sandbox
from .supervise import RESULT_STATUSES, Result

__all__ = [
    "RESULT_STATUSES",
    "UNSAFE_REFUSAL",
    "Limits",
    "Result",
    "Sandbox",
    "SandboxUnavailable",
    "scrubbed_environment",
]
