"""nbgrader's bookkeeping for a grading run, in two processes beside the grading.

Once every submission of an assignment is graded (its result files written),
``course grade`` hands the assignment to :class:`Bookkeeper`, which has two
lanes, each a long-lived ``python -m course_lib.grader.bookkeeping`` process
that takes one job at a time on stdin:

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
once the grading is done. Each job is answered with one JSON line:
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
import traceback
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


class _Lane:
    """One lane's process: jobs go in as JSON lines on its stdin, answers come back as JSON
    lines on its stdout, one job at a time. Started on the first job, it keeps its imports
    and nbgrader's compiled templates for the next; nbgrader's log goes to a file."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.process: subprocess.Popen | None = None
        self.job: dict | None = None
        self._log = None
        self._answer = b""

    def start(self, job: dict) -> None:
        if self.process is None or self.process.poll() is not None:
            self._close_log()
            self._log = tempfile.TemporaryFile()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "course_lib.grader.bookkeeping"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                start_new_session=True,
            )
            os.set_blocking(self.process.stdout.fileno(), False)
        self.job, self._answer = job, b""
        self.process.stdin.write(json.dumps(job).encode() + b"\n")
        self.process.stdin.flush()

    def answer(self) -> dict | None:
        """The running job's answer once it has ended (a failure if the process died), else
        None."""
        try:
            self._answer += self.process.stdout.read() or b""
        except (BlockingIOError, ValueError):
            pass
        if self._answer.endswith(b"\n"):
            self.job = None
            try:
                return json.loads(self._answer)
            except ValueError:
                return {"error": self._answer.decode(errors="replace")[-2000:]}
        if self.process.poll() is None:
            return None
        self.job = None
        self._log.seek(0)
        said = self._log.read().decode(errors="replace").strip()[-2000:]
        return {"error": said or f"exit code {self.process.returncode}"}

    def wait(self, timeout: float) -> None:
        """Return when the running job may have ended, or after ``timeout`` seconds."""
        import select

        select.select([self.process.stdout], [], [], timeout)

    def close(self, *, kill: bool = False) -> None:
        process, self.process, self.job = self.process, None, None
        if process is not None:
            if kill:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            else:
                process.stdin.close()
            process.wait()
            process.stdout.close()
            if not process.stdin.closed:
                process.stdin.close()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


class Bookkeeper:
    """Runs the bookkeeping jobs of a grading run: one long-lived process per lane.

    :meth:`submit` queues an assignment's record job; when it ends, its
    feedback job is queued. :meth:`poll` collects what ended and starts what
    can start; :meth:`drain` waits for all and ends the processes; :meth:`kill`
    stops everything at once (Ctrl-C: nbgrader's own files are rebuilt by the
    next run; the pages in ``feedback/`` are always whole).

    Attributes
    ----------
    failures : dict
        ``"student/assignment"`` (or an assignment) -> what went wrong.
    timings : dict
        nbgrader step -> seconds, summed over the jobs.
    seconds : float
        Wall seconds during which at least one lane had a job.
    """

    def __init__(self) -> None:
        self._queues: dict[str, deque] = {lane: deque() for lane in LANES}
        self._lanes = {lane: _Lane(lane) for lane in LANES}
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
        return any(lane.job for lane in self._lanes.values()) or any(self._queues.values())

    def poll(self) -> None:
        """Collect the jobs that ended, and start the next queued one of each free lane."""
        for name, lane in self._lanes.items():
            if lane.job is None:
                continue
            job = lane.job
            answer = lane.answer()
            if answer is None:
                continue
            answer = self._collect(job, answer)
            if name == "record" and answer.get("students"):
                self._queues["feedback"].append(
                    {**job, "lane": "feedback", "students": answer["students"]})
        for name, lane in self._lanes.items():
            if lane.job is None and self._queues[name]:
                lane.start(self._queues[name].popleft())
        running = any(lane.job for lane in self._lanes.values())
        now = time.perf_counter()
        if running and self._busy_since is None:
            self._busy_since = now
        elif not running and self._busy_since is not None:
            self.seconds += now - self._busy_since
            self._busy_since = None

    def _collect(self, job: dict, answer: dict) -> dict:
        if "error" in answer:
            name = job["assignment"]
            log.error("nbgrader bookkeeping (%s) failed for %s: %s", job["lane"], name,
                      answer["error"])
            self.failures[name] = answer["error"]
            return {}
        self.failures.update(answer.get("failures", {}))
        for step, seconds in answer.get("timings", {}).items():
            self.timings[step] = self.timings.get(step, 0.0) + seconds
        return answer

    def drain(self, interrupt=None) -> None:
        """Wait until every queued job has ended, or until ``interrupt`` (an Event) is set;
        then end the lanes' processes."""
        while self.busy and not (interrupt is not None and interrupt.is_set()):
            running = [lane for lane in self._lanes.values() if lane.job]
            if running:
                running[0].wait(0.25)
            self.poll()
        if not self.busy:
            for lane in self._lanes.values():
                lane.close()

    def kill(self) -> None:
        """Stop the running jobs and forget the queued ones."""
        for queue in self._queues.values():
            queue.clear()
        for lane in self._lanes.values():
            lane.close(kill=True)
        self._busy_since = None


def main() -> int:
    """Entry point: one job (JSON) per line on stdin, one JSON line per job on stdout.

    A job that raises answers ``{"error": ...}``; the process goes on with the next.
    """
    logging.basicConfig(level=logging.WARNING)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides when to stop
    # Answers alone on stdout: whatever else prints goes to the log with stderr.
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    from .gradebook import one_engine_per_gradebook

    with one_engine_per_gradebook():
        for line in sys.stdin:
            try:
                answer = run_job(json.loads(line))
            except Exception:  # noqa: BLE001 - the coordinator reports it, the lane goes on
                answer = {"error": traceback.format_exc()[-2000:]}
            answers.write(json.dumps(answer) + "\n")
            answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
