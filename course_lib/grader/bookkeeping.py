"""nbgrader's bookkeeping for a grading run, in two processes beside the grading.

Once every submission of an assignment is graded (its result files written),
``course grade`` hands the assignment to :class:`Bookkeeper`, which runs
``python -m course_lib.grader.bookkeeping`` with a job on stdin, in two lanes:

- **record** (one assignment at a time: these steps write the gradebook)

  1. ``generate_assignment`` from the trusted master (the gradebook's cells);
  2. stage every submission at nbgrader's path (an unreadable file becomes
     the released notebook with a note, so the student still gets a page);
  3. ``autograde`` the whole assignment in one nbgrader run, where
     :class:`~.nbgrader_plugins.GradeOutOfProcess` reads each verdict from its
     result file; a notebook nbgrader cannot take is staged again as the
     released notebook with a note and autograded on its own;
  4. make sure every gradebook score is the record's.

- **feedback** (as soon as an assignment is recorded, while the next one is):
  ``generate_feedback`` for the whole assignment in one run, and copy each
  page, readable offline, to ``<out>/feedback/<student>/<assignment>.html``
  (atomically). It only reads the gradebook.

One nbgrader run per step per assignment, instead of one per submission,
compiles nbconvert's templates once, and in its process every nbgrader
``Gradebook`` shares one database engine
(:func:`~.gradebook.one_engine_per_gradebook`). The two lanes use both cores
once the grading is done. Each process answers with one JSON line:
nbgrader's failures, the seconds each step took and, from the record lane,
the students who were autograded.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

__all__ = ["LANES", "Bookkeeper", "run_job"]

log = logging.getLogger(__name__)

LANES = ("record", "feedback")
"""The bookkeeping's two lanes: recording in the gradebook, then the feedback pages."""


def run_job(job: dict) -> dict:
    """Do one step of one assignment's bookkeeping (see the module docstring).

    Parameters
    ----------
    job : dict
        ``lane`` (one of :data:`LANES`), ``nbgrader`` (the
        :class:`~.gradebook.NbgraderDirectory`, as JSON), ``results`` (the
        result files), ``feedback`` (where pages go), ``assignment``,
        ``master`` (the trusted notebook) and ``submissions``:
        ``[[student, notebook, folder], ...]`` (the folder holds nbgrader's
        timestamp and secret, when the submission came through the exchange).
        A feedback job also has ``students``: those the record lane autograded.

    Returns
    -------
    dict
        ``failures`` (``"student/assignment" -> what nbgrader said``),
        ``timings`` (step -> seconds) and, for a record job, ``students``.
    """
    from .gradebook import NbgraderCourse, NbgraderDirectory

    timings: dict = {}
    course = NbgraderCourse(NbgraderDirectory.from_json(job["nbgrader"]),
                            results_dir=Path(job["results"]))

    def timed(step, function, *args, **kwargs):
        begin = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            timings[step] = timings.get(step, 0.0) + time.perf_counter() - begin

    if job["lane"] == "record":
        answer = _record(job, course, timed)
    else:
        answer = _feedback(job, course, timed)
    return {**answer, "timings": timings}


def _record(job: dict, course, timed) -> dict:
    from .store import read_result

    name, results, failures = job["assignment"], Path(job["results"]), {}
    release = timed("generate_assignment", course.prepare, Path(job["master"]), name)
    submissions = [(student, Path(path), Path(folder) if folder else None)
                   for student, path, folder in job["submissions"]]
    for student, path, folder in submissions:
        timed("stage", course.stage, student, name, path, release, folder=folder)
    timed("autograde", course.autograde, name, "*")
    for student, path, folder in submissions:
        if course.autograded(name, student):
            continue
        note = (
            "**nbgrader could not process your notebook as submitted**, so this is the "
            "released notebook; the test cells below show your grade."
        )
        timed("stage", course.stage, student, name, path, release, note=note, folder=folder)
        failure = timed("autograde", course.autograde, name, student)
        if failure:
            failures[f"{student}/{name}"] = failure
    records = []
    for student, _, _ in submissions:
        records += read_result(results / name / f"{student}.json") or []
    timed("gradebook", course.check_gradebook, name, records)
    students = [s for s, _, _ in submissions if course.autograded(name, s)]
    return {"failures": failures, "students": students}


def _feedback(job: dict, course, timed) -> dict:
    name, students = job["assignment"], job["students"]
    pages = timed("feedback", course.feedback_all, name, Path(job["feedback"]),
                  students=students)
    return {"failures": {f"{student}/{name}": "nbgrader wrote no feedback page"
                         for student in students if student not in pages}}


class Bookkeeper:
    """Runs the bookkeeping jobs of a grading run: one process per lane at a time.

    :meth:`submit` queues an assignment's record job; when it ends, its
    feedback job is queued. :meth:`poll` collects what ended and starts what
    can start; :meth:`drain` waits for all; :meth:`kill` stops everything at
    once (Ctrl-C: nbgrader's own files are rebuilt by the next run; the pages
    in ``feedback/`` are always whole).

    Attributes
    ----------
    failures : dict
        ``"student/assignment"`` (or an assignment) -> what went wrong.
    timings : dict
        nbgrader step -> seconds, summed over the jobs.
    seconds : float
        Wall seconds during which at least one bookkeeping process ran.
    """

    def __init__(self) -> None:
        self._queues: dict[str, deque] = {lane: deque() for lane in LANES}
        self._running: dict[str, tuple[dict, subprocess.Popen]] = {}
        self._busy_since: float | None = None
        self.failures: dict = {}
        self.timings: dict = {}
        self.seconds = 0.0

    def submit(self, job: dict) -> None:
        """Queue one assignment's bookkeeping (a job as :func:`run_job` takes, without
        ``lane``)."""
        self._queues["record"].append({**job, "lane": "record"})
        self.poll()

    @property
    def busy(self) -> bool:
        return bool(self._running) or any(self._queues.values())

    def poll(self) -> None:
        """Collect the jobs that ended, and start the next queued one of each free lane."""
        for lane, (job, process) in list(self._running.items()):
            if process.poll() is None:
                continue
            del self._running[lane]
            answer = self._collect(job, process)
            if lane == "record" and answer.get("students"):
                self._queues["feedback"].append(
                    {**job, "lane": "feedback", "students": answer["students"]})
        for lane in LANES:
            if lane not in self._running and self._queues[lane]:
                self._start(self._queues[lane].popleft())
        now = time.perf_counter()
        if self._running and self._busy_since is None:
            self._busy_since = now
        elif not self._running and self._busy_since is not None:
            self.seconds += now - self._busy_since
            self._busy_since = None

    def _start(self, job: dict) -> None:
        # Files, not pipes: nbgrader may log more than a pipe holds before it ends.
        out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        process = subprocess.Popen(
            [sys.executable, "-m", "course_lib.grader.bookkeeping"],
            stdin=subprocess.PIPE, stdout=out, stderr=err, start_new_session=True,
        )
        process.stdin.write(json.dumps(job).encode())
        process.stdin.close()
        process.outputs = (out, err)
        self._running[job["lane"]] = (job, process)

    def _collect(self, job: dict, process: subprocess.Popen) -> dict:
        files = process.outputs
        for handle in files:
            handle.seek(0)
        out, err = (handle.read() for handle in files)
        for handle in files:
            handle.close()
        lines = out.decode(errors="replace").strip().splitlines()
        try:
            answer = json.loads(lines[-1])
        except (IndexError, ValueError):
            said = err.decode(errors="replace").strip()[-2000:]
            name = job["assignment"]
            log.error("nbgrader bookkeeping (%s) failed for %s: %s", job["lane"], name, said)
            self.failures[name] = said or f"exit code {process.returncode}"
            return {}
        self.failures.update(answer.get("failures", {}))
        for step, seconds in answer.get("timings", {}).items():
            self.timings[step] = self.timings.get(step, 0.0) + seconds
        return answer

    def drain(self, interrupt=None) -> None:
        """Wait until every queued job has ended, or until ``interrupt`` (an Event) is set."""
        while self.busy and not (interrupt is not None and interrupt.is_set()):
            for _, process in list(self._running.values()):
                try:
                    process.wait(timeout=0.25)
                except subprocess.TimeoutExpired:
                    pass
                break
            self.poll()

    def kill(self) -> None:
        """Stop the running jobs and forget the queued ones."""
        for queue in self._queues.values():
            queue.clear()
        for _, process in self._running.values():
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
            for handle in process.outputs:
                handle.close()
        self._running.clear()
        self._busy_since = None


def main() -> int:
    """Entry point: one job (JSON) on stdin, one JSON line on stdout."""
    logging.basicConfig(level=logging.WARNING)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides when to stop
    job = json.loads(sys.stdin.buffer.read())
    from .gradebook import one_engine_per_gradebook

    with one_engine_per_gradebook():
        answer = run_job(job)
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
