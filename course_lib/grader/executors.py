"""Grading a class's submissions on this machine: :class:`LocalGrading`, the default.

``jobs`` threads; each submission's functions run in children forked by the
shared :class:`~.processes.GradingProcesses` (one zygote per thread). Its
counterpart on a Dask cluster is :class:`~.cluster.ClusterGrading`
(``--scheduler tcp://HOST:PORT``): both take the same tasks (one submission:
its located file, its assignment, the seed) and give back the same records, so
``course grade`` does everything else (reuse of stored results, nbgrader,
outputs) the same way whichever grades.
"""

from __future__ import annotations

import logging
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor
from concurrent.futures import wait as wait_local

from .processes import GradingProcesses
from .records import GradeRecord
from .submission import grade_located

__all__ = ["LocalGrading"]

log = logging.getLogger(__name__)


class LocalGrading:
    """Grade ``jobs`` submissions at a time on this machine.

    Parameters
    ----------
    sandbox : course_lib.sandbox.Sandbox
    preload : list of str
        Modules the zygotes import (:func:`~.processes.preload_modules`).
    jobs : int
    """

    where = "local"

    def __init__(self, *, sandbox, preload, jobs: int) -> None:
        self.sandbox = sandbox
        self.processes = GradingProcesses(sandbox, preload=preload, size=jobs)
        self._pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade")
        self.capacity = 4 * jobs

    def submit(self, task, *, seed: int):
        """Start grading one task; return a future of its records."""
        return self._pool.submit(
            grade_located, task.located, task.assignment, seed=seed, sandbox=self.sandbox,
            processes=self.processes, others=task.others,
        )

    @staticmethod
    def wait(futures, timeout: float):
        """The futures that finished within ``timeout`` seconds."""
        done, _ = wait_local(list(futures), timeout=timeout, return_when=FIRST_COMPLETED)
        return done

    @staticmethod
    def records(future) -> list[GradeRecord]:
        """A finished future's records (re-raises the grader's exception)."""
        return future.result()

    def timings(self) -> dict:
        """Where the time went in the sandboxed processes."""
        return {"sandbox_start": self.processes.start_seconds,
                "children": self.processes.run_seconds,
                "children_started": self.processes.runs}

    def stop(self) -> None:
        """Ctrl-C: kill every zygote (running children end) and start nothing new."""
        self.processes.close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.processes.close()
