"""Where a class's submissions are graded: on this machine, or on a Dask cluster.

Both executors take the same tasks (one submission: its located file, its
assignment, the seed) and give back the same records; ``course grade`` does
everything else (reuse of stored results, nbgrader, outputs) the same way
whichever grades.

- :class:`LocalGrading` (the default): ``jobs`` threads; each submission's
  functions run in children forked by the shared
  :class:`~.processes.GradingProcesses` (one zygote per thread).
- :class:`ClusterGrading` (``--scheduler tcp://HOST:PORT``): each submission
  travels to a Dask worker as bytes (:class:`~.cluster.Payload`) and comes
  back as JSON records. Only workers that passed the sandbox check
  (:class:`~.cluster.SandboxGate`) get work.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor
from concurrent.futures import wait as wait_local

from .processes import GradingProcesses
from .records import GradeRecord
from .submission import grade_located

__all__ = ["ClusterError", "ClusterGrading", "LocalGrading"]

log = logging.getLogger(__name__)


class ClusterError(RuntimeError):
    """The cluster cannot grade: no scheduler at the address, or no worker that may grade."""


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

    def submit(self, task, *, seed: int, batteries=None):
        """Start grading one task; return a future of its records."""
        return self._pool.submit(
            grade_located, task.located, task.assignment, seed=seed, sandbox=self.sandbox,
            processes=self.processes, others=task.others, batteries=batteries,
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


class ClusterGrading:
    """Grade on the Dask cluster whose scheduler is at ``address``.

    Parameters
    ----------
    address : str
        The scheduler, e.g. ``tcp://10.0.0.5:8786``.
    sandbox : course_lib.sandbox.Sandbox
        The settings every worker grades with (its own bubblewrap, these limits).
    preload : list of str
    others : dict
        Every assignment's grade ids (for wrong-file detection on the worker).
    wait_for_workers : float
        Seconds to wait for a first worker that passes the check.

    Raises
    ------
    ClusterError
        When no scheduler answers at ``address``, or no worker passes the check
        in time (the message lists each refused worker and why).
    """

    where = "cluster"

    def __init__(self, address: str, *, sandbox, preload, others: dict,
                 wait_for_workers: float = 60.0) -> None:
        from distributed import Client

        from .cluster import RESOURCE, SandboxGate, refusals

        self.sandbox = sandbox
        self.preload = list(preload)
        self.others = others
        self._resource = RESOURCE
        try:
            self.client = Client(address, timeout=30, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise ClusterError(f"no Dask scheduler answered at {address}: {error}") from None
        settings = sandbox.settings()
        self.client.register_plugin(SandboxGate(settings), name=SandboxGate.name)
        deadline = time.monotonic() + wait_for_workers
        while self.threads() == 0:
            if time.monotonic() > deadline:
                reasons = refusals(self.client, settings)
                self.client.close()
                listed = "; ".join(f"{w}: {why}" for w, why in reasons.items()) or (
                    "no worker is connected to the scheduler")
                raise ClusterError(f"no Dask worker at {address} can grade: {listed}")
            time.sleep(0.25)
        for worker, why in refusals(self.client, settings).items():
            log.warning("worker %s refused: %s", worker, why)
        self.capacity = max(4, 2 * self.threads())
        self._stalled_since = None

    def threads(self) -> int:
        """Worker threads that may grade (the workers that passed the check)."""
        info = self.client.scheduler_info(n_workers=-1)
        return int(sum(w.get("resources", {}).get(self._resource, 0)
                       for w in info.get("workers", {}).values()))

    def submit(self, task, *, seed: int, batteries=None):
        """Send one submission to the cluster; return a Dask future of its records' bytes."""
        from course_lib.grading.batteries import battery

        from .cluster import Payload, grade_payload

        if batteries is None:
            batteries = {}
            for cell in task.assignment.test_cells:
                key = (cell.function, cell.hidden)
                if key not in batteries:
                    batteries[key] = battery(cell.function, hidden=cell.hidden,
                                             seed=seed if cell.hidden else None)
        located = task.located
        payload = Payload.encode(
            student=located.student, notebook_name=located.path.name,
            raw=located.path.read_bytes(), note=located.note, assignment=task.assignment,
            seed=seed, batteries=batteries, settings=self.sandbox.settings(),
            preload=self.preload, others=self.others,
        )
        return self.client.submit(grade_payload, payload, resources={self._resource: 1},
                                  pure=False, retries=1,
                                  key=f"grade-{task.assignment.name}-{located.student}-"
                                      f"{time.monotonic_ns()}")

    def wait(self, futures, timeout: float):
        from distributed import wait

        futures = list(futures)
        try:
            with self.client.as_current():  # wait() works on the current client
                done, _ = wait(futures, timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        if not done and futures:
            self._warn_if_stalled()
        return done

    def _warn_if_stalled(self) -> None:
        if self.threads() > 0:
            self._stalled_since = None
            return
        now = time.monotonic()
        if self._stalled_since is None:
            self._stalled_since = now
        elif now - self._stalled_since > 30:
            log.warning("no worker that may grade is connected; waiting (start one, or Ctrl-C)")
            self._stalled_since = now

    @staticmethod
    def records(future) -> list[GradeRecord]:
        return [GradeRecord.from_json(item) for item in json.loads(future.result())]

    def timings(self) -> dict:
        return {}

    def stop(self) -> None:
        self.client.close()

    def close(self) -> None:
        self.client.close()
