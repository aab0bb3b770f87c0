"""nbgrader's bookkeeping for one assignment at a time, in a process beside the grading.

Once every submission of an assignment is graded (its result files written),
``course grade`` hands the assignment to :class:`Bookkeeper`, which runs
``python -m course_lib.grader.bookkeeping`` with a job on stdin:

1. ``generate_assignment`` from the trusted master (the gradebook's cells);
2. stage every submission at nbgrader's path (an unreadable file becomes the
   released notebook with a note, so the student still gets a page);
3. ``autograde`` the whole assignment in one nbgrader run, where
   :class:`~.nbgrader_plugins.GradeOutOfProcess` reads each verdict from its
   result file; a notebook nbgrader cannot take is staged again as the
   released notebook with a note and autograded on its own;
4. make sure every gradebook score is the record's;
5. ``generate_feedback`` for the whole assignment in one run, and copy each
   page, readable offline, to ``<out>/feedback/<student>/<assignment>.html``
   (atomically).

One nbgrader run per step per assignment, instead of one per submission,
compiles nbconvert's templates once; and in its own process the work runs
beside the grading instead of taking turns with it. Assignments are done one
after another (the gradebook is one SQLite file). The process answers with
one JSON line: nbgrader's failures and the seconds each step took.
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

__all__ = ["Bookkeeper", "run_job"]

log = logging.getLogger(__name__)


def run_job(job: dict) -> dict:
    """Do one assignment's bookkeeping (see the module docstring); return failures and timings.

    Parameters
    ----------
    job : dict
        ``nbgrader`` (the :class:`~.gradebook.NbgraderDirectory`, as JSON),
        ``results`` (the result files), ``feedback`` (where pages go),
        ``assignment``, ``master`` (the trusted notebook) and ``submissions``:
        ``[[student, notebook, folder], ...]`` (the folder holds nbgrader's
        timestamp and secret, when the submission came through the exchange).
    """
    from .gradebook import NbgraderCourse, NbgraderDirectory
    from .store import read_result

    timings: dict = {}
    failures: dict = {}
    name = job["assignment"]
    results = Path(job["results"])
    course = NbgraderCourse(NbgraderDirectory.from_json(job["nbgrader"]), results_dir=results)

    def timed(step, function, *args, **kwargs):
        begin = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            timings[step] = timings.get(step, 0.0) + time.perf_counter() - begin

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
    pages = timed("feedback", course.feedback_all, name, Path(job["feedback"]),
                  students=students)
    for student in students:
        if student not in pages:
            failures.setdefault(f"{student}/{name}", "nbgrader wrote no feedback page")
    return {"failures": failures, "timings": timings}


class Bookkeeper:
    """Runs the bookkeeping jobs of a grading run, one process per assignment, in order.

    :meth:`submit` queues a job; :meth:`poll` starts the next one when the
    previous has ended and collects what ended; :meth:`drain` waits for all;
    :meth:`kill` stops everything at once (Ctrl-C: nbgrader's own files are
    rebuilt by the next run; the pages in ``feedback/`` are always whole).
    """

    def __init__(self) -> None:
        self._queue: deque = deque()
        self._running: tuple[str, subprocess.Popen, float] | None = None
        self.failures: dict = {}
        self.timings: dict = {}
        self.seconds = 0.0

    def submit(self, job: dict) -> None:
        """Queue one assignment's job (see :func:`run_job`)."""
        self._queue.append(job)
        self.poll()

    @property
    def busy(self) -> bool:
        return self._running is not None or bool(self._queue)

    def poll(self) -> None:
        """Collect the running job if it ended, and start the next queued one."""
        if self._running is not None:
            name, process, started = self._running
            if process.poll() is None:
                return
            self._collect(name, process, started)
            self._running = None
        if self._queue:
            job = self._queue.popleft()
            # Files, not pipes: nbgrader may log more than a pipe holds before it ends.
            out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
            process = subprocess.Popen(
                [sys.executable, "-m", "course_lib.grader.bookkeeping"],
                stdin=subprocess.PIPE, stdout=out, stderr=err, start_new_session=True,
            )
            process.stdin.write(json.dumps(job).encode())
            process.stdin.close()
            process.outputs = (out, err)
            self._running = (job["assignment"], process, time.perf_counter())

    def _collect(self, name: str, process: subprocess.Popen, started: float) -> None:
        files = process.outputs
        for handle in files:
            handle.seek(0)
        out, err = (handle.read() for handle in files)
        for handle in files:
            handle.close()
        self.seconds += time.perf_counter() - started
        lines = out.decode(errors="replace").strip().splitlines()
        try:
            answer = json.loads(lines[-1])
        except (IndexError, ValueError):
            said = err.decode(errors="replace").strip()[-2000:]
            log.error("nbgrader bookkeeping failed for %s: %s", name, said)
            self.failures[name] = said or f"exit code {process.returncode}"
            return
        self.failures.update(answer.get("failures", {}))
        for step, seconds in answer.get("timings", {}).items():
            self.timings[step] = self.timings.get(step, 0.0) + seconds

    def drain(self, interrupt=None) -> None:
        """Wait until every queued job has ended, or until ``interrupt`` (an Event) is set."""
        while self.busy and not (interrupt is not None and interrupt.is_set()):
            if self._running is not None:
                try:
                    self._running[1].wait(timeout=0.25)
                except subprocess.TimeoutExpired:
                    continue
            self.poll()

    def kill(self) -> None:
        """Stop the running job and forget the queued ones."""
        self._queue.clear()
        if self._running is not None:
            _, process, _ = self._running
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
            for handle in process.outputs:
                handle.close()
            self._running = None


def main() -> int:
    """Entry point: one job (JSON) on stdin, one JSON line on stdout."""
    logging.basicConfig(level=logging.WARNING)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides when to stop
    job = json.loads(sys.stdin.buffer.read())
    print(json.dumps(run_job(job)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
