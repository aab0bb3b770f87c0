"""Grade on a Dask distributed cluster: ``course grade --scheduler tcp://HOST:PORT``.

The coordinator (the machine that runs ``course grade``) keeps the course's record;
workers only grade (docs/scaling.md). A task is one submission as bytes
(:class:`Payload`: the notebook, the assignment's trusted parts, its batteries, the
sandbox settings) and returns the records as JSON, so nothing a student wrote is ever
unpickled on either side. :class:`SandboxGate` grants the :data:`RESOURCE` grading
tasks ask for only to workers that pass :func:`check_worker`; :func:`refusals` tells the
coordinator which were refused and why.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from pathlib import Path

from distributed.core import Status
from distributed.diagnostics.plugin import WorkerPlugin

from .processes import shared_processes
from .records import GradeRecord
from .store import code_digest

__all__ = [
    "RESOURCE",
    "ClusterError",
    "ClusterGrading",
    "Payload",
    "SandboxGate",
    "WorkerRefused",
    "check_worker",
    "grade_payload",
    "refusals",
]

log = logging.getLogger(__name__)

RESOURCE = "course-sandbox"
"""The Dask worker resource a grading task needs; :class:`SandboxGate` grants it (one per
worker thread) to workers that passed the check, and only to them."""


class ClusterError(RuntimeError):
    """The cluster cannot grade: no scheduler at the address, or no worker that may grade."""


class WorkerRefused(RuntimeError):
    """A worker that must not grade (it cannot sandbox, or runs other code)."""


def check_worker(settings: dict, digest: str | None = None) -> str | None:
    """Why this machine must not grade with these sandbox settings, or None if it may.

    It must run the sandbox (a real bubblewrap test run, unless the settings
    say ``unsafe``) and, when ``digest`` is given, the very same course_lib
    (:func:`~.store.code_digest`), or its grades could differ from a local run.
    """
    from course_lib.sandbox import Sandbox, SandboxUnavailable

    try:
        Sandbox(**settings).check()
    except SandboxUnavailable as error:
        return f"it cannot run the sandbox: {error}"
    except Exception as error:  # noqa: BLE001 - any failure refuses the worker
        return f"its sandbox check failed: {type(error).__name__}: {error}"
    if digest is not None and code_digest() != digest:
        return ("it has another version of course_lib than the coordinator (install the same "
                "version on every machine)")
    return None


def refusals(client, settings: dict) -> dict:
    """``worker address -> reason`` for every connected worker that may not grade."""
    answers = client.run(check_worker, settings, code_digest())
    return {worker: why for worker, why in answers.items() if why}


class SandboxGate(WorkerPlugin):
    """Runs on every worker when it joins: grants :data:`RESOURCE` only if it may grade.

    A worker without a working sandbox (no bubblewrap, no user namespaces) or
    with another course_lib gets no grading resource, so the scheduler never
    gives it a submission; it logs why, and the coordinator says so too.
    """

    name = "course-sandbox-gate"

    def __init__(self, settings: dict) -> None:
        self.settings = dict(settings)
        self.digest = code_digest()

    async def setup(self, worker) -> None:
        import asyncio

        why = await asyncio.get_running_loop().run_in_executor(
            None, check_worker, self.settings, self.digest)
        if why:
            log.error("this worker may not grade: %s", why)
        await worker.set_resources(**{RESOURCE: 0 if why else worker.state.nthreads})
        if not why and worker.status == Status.running:
            # The scheduler looks for submissions a worker can take when the worker starts
            # running, which this one did before it had the resource: submissions left
            # waiting with no worker to take them (every grading worker was lost) would wait
            # for ever. Paused and running again, the worker is looked at once more.
            worker.status = Status.paused
            worker.status = Status.running


class Payload:
    """One submission to grade, as the bytes that travel to a worker."""

    @staticmethod
    def encode(*, student: str, notebook_name: str, raw: bytes, assignment, seed: int,
               batteries: dict, settings: dict, preload: list[str], others: dict,
               note: str = "") -> bytes:
        """Pack a submission, its assignment's trusted parts and its batteries."""
        spec = {
            "name": assignment.name,
            "setup_source": assignment.setup_source,
            "test_cells": [[c.grade_id, c.function, c.hidden, c.points]
                           for c in assignment.test_cells],
            "cell_ids": sorted(assignment.cell_ids),
            "digest": assignment.digest,
            "battery_seed": assignment.battery_seed,
            "released": [cell.to_json() for cell in assignment.released],
        }
        return json.dumps({
            "student": student,
            "notebook_name": notebook_name,
            "note": note,
            "notebook": base64.b64encode(raw).decode("ascii"),
            "assignment": spec,
            "seed": seed,
            "batteries": [[name, hidden, base64.b64encode(b.to_bytes()).decode("ascii")]
                          for (name, hidden), b in sorted(batteries.items())],
            "settings": settings,
            "preload": list(preload),
            "others": {name: sorted(ids) for name, ids in others.items()},
        }).encode("utf-8")

    @staticmethod
    def decode(data: bytes) -> dict:
        """Unpack what :meth:`encode` packed (plain data and Battery objects)."""
        from course_lib.assignments import Assignment, ReleasedCell, TestCell
        from course_lib.grading.battery import Battery

        payload = json.loads(data)
        spec = payload["assignment"]
        payload["assignment"] = Assignment(
            name=spec["name"],
            notebook=Path(f"{spec['name']}.ipynb"),
            setup_source=spec["setup_source"],
            test_cells=tuple(TestCell(g, f, bool(h), float(p)) for g, f, h, p in
                             spec["test_cells"]),
            cell_ids=frozenset(spec["cell_ids"]),
            digest=spec["digest"],
            battery_seed=spec["battery_seed"],
            released=tuple(ReleasedCell.from_json(c) for c in spec["released"]),
        )
        payload["notebook"] = base64.b64decode(payload["notebook"])
        payload["batteries"] = {
            (name, bool(hidden)): Battery.from_bytes(base64.b64decode(blob))
            for name, hidden, blob in payload["batteries"]
        }
        return payload


def _threads() -> int:
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError):
        return 1


def grade_payload(data: bytes) -> bytes:
    """Grade one submission on a worker; return its records as JSON bytes.

    Raises
    ------
    WorkerRefused
        If this worker cannot sandbox (checked before any student code runs).
    """
    from .locate import Located
    from .submission import grade_located

    payload = Payload.decode(data)
    settings = payload["settings"]
    refused = check_worker(settings)
    if refused:
        raise WorkerRefused(refused)
    processes = shared_processes(settings, payload["preload"], size=_threads())
    located = Located(payload["student"], payload["assignment"].name,
                      Path(payload["notebook_name"]), payload["note"])
    records = grade_located(
        located, payload["assignment"], seed=payload["seed"], sandbox=processes.sandbox,
        processes=processes, others=payload["others"], batteries=payload["batteries"],
        raw=payload["notebook"],
    )
    return json.dumps([record.to_json() for record in records]).encode("utf-8")


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

        self.sandbox = sandbox
        self.preload = list(preload)
        self.others = others
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
        return int(sum(w.get("resources", {}).get(RESOURCE, 0)
                       for w in info.get("workers", {}).values()))

    def submit(self, task, *, seed: int):
        """Send one submission to the cluster; return a Dask future of its records' bytes."""
        from course_lib.grading.batteries import battery

        batteries = {(c.function, c.hidden): battery(c.function, hidden=c.hidden,
                                                     seed=seed if c.hidden else None)
                     for c in task.assignment.test_cells}
        located = task.located
        payload = Payload.encode(
            student=located.student, notebook_name=located.path.name,
            raw=located.path.read_bytes(), note=located.note, assignment=task.assignment,
            seed=seed, batteries=batteries, settings=self.sandbox.settings(),
            preload=self.preload, others=self.others,
        )
        return self.client.submit(grade_payload, payload, resources={RESOURCE: 1},
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
