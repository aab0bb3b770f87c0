"""Grade a class: every student x assignment, in parallel, resumable, then nbgrader and outputs.

Steps, each safe to re-run, each a function of its own (:func:`grade_class` calls them):

1. plan: find every student x assignment, reuse the results stored by an
   earlier run (``_plan``);
2. grade each submission out of process into its own result file (atomic;
   reused when its fingerprint matches, see :mod:`.store`): ``jobs`` at a
   time on this machine, each graded function in a child forked by a
   sandboxed zygote (:mod:`.processes`, :mod:`.executors`), or on a Dask cluster (:mod:`.cluster`);
3. bookkeep: nbgrader, one assignment at a time as soon as all its submissions are
   graded, in a process beside the grading (:mod:`.bookkeeping`): stage,
   autograde without execution (verdicts from the result files), check the
   gradebook, write the feedback pages. Students who submitted nothing are
   not staged: they are reported as missing;
4. write results.json, grades.csv and report.html from the records.

A failure in one submission is logged and becomes records with a status; it
never stops the batch. An :class:`threading.Event` passed as ``interrupt``
(set by the ``course grade`` command on Ctrl-C) stops the run promptly: running
children and nbgrader's process are killed, their results are thrown away, no
output is written, and the next run resumes from the result files.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.assignments import Assignment, available_assignments, load_assignment
from course_lib.config import LoadedCourse

from .locate import Located, find_students, locate
from .outputs import write_outputs
from .records import GradeRecord
from .store import fingerprint, read_result, write_result
from .submission import (
    battery_seed,
    cell_ids,
    fault_message,
    grade_notebook_bytes,
    records_for_all,
)

__all__ = [
    "BatchResult",
    "Interrupted",
    "battery_seed",
    "grade_class",
    "grade_notebook_bytes",
    "late_submissions",
    "rebuild_outputs",
    "with_manual_scores",
]

log = logging.getLogger(__name__)


class Interrupted(Exception):
    """Grading was stopped on request; finished submissions are kept for the next run."""

    def __init__(self, graded: int, remaining: int) -> None:
        self.graded = graded
        self.remaining = remaining
        super().__init__(f"interrupted with {remaining} submissions left to grade")


@dataclass
class BatchResult:
    """What a batch produced.

    Attributes
    ----------
    records : list of GradeRecord
    out : Path
    seeds : dict
        assignment -> the seed of the hidden battery used.
    graded, reused : int
        Submissions graded in this run, and reused from an earlier one.
    missing : int
        Student x assignment pairs without a notebook.
    nbgrader_failures : dict
        ``"<student>/<assignment>"`` -> nbgrader's error, for submissions
        nbgrader could not process.
    timings : dict
        Seconds spent per stage.
    """

    records: list[GradeRecord]
    out: Path
    seeds: dict
    graded: int
    reused: int
    missing: int
    nbgrader_failures: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    @property
    def students(self) -> list[str]:
        """Every student of the class."""
        return sorted({r.student for r in self.records})


def _assignments_in(submitted: Path, known: list[str]) -> list[str]:
    present = {p.name.lower() for p in submitted.glob("*/*") if p.is_dir()}
    return [name for name in known if name.lower() in present]


@dataclass(frozen=True)
class _Task:
    assignment: Assignment
    located: Located
    others: dict

    @property
    def key(self) -> tuple[str, str]:
        return self.assignment.name, self.located.student


def _inputs(task: _Task, *, seed: int, sandbox) -> dict:
    """Everything besides the submitted bytes and the code that can change the records."""
    return {
        "student": task.located.student,
        "path": str(task.located.path),
        "note": task.located.note,
        "trusted": task.assignment.digest,
        "others": {name: sorted(ids) for name, ids in sorted(task.others.items())},
        "seed": seed,
        "sandbox": sandbox.settings(),
    }


def _stored(task: _Task, *, seed: int, sandbox, work: Path):
    """``(result file, fingerprint, stored records or None)`` for one task."""
    result_file = work / "results" / task.assignment.name / f"{task.located.student}.json"
    path = task.located.path
    submission = path.read_bytes() if path is not None and path.is_file() else None
    expected = fingerprint(submission=submission, inputs=_inputs(task, seed=seed, sandbox=sandbox))
    return result_file, expected, read_result(result_file, expected)


def _executor(*, scheduler, sandbox, specs, jobs, others):
    from .processes import preload_modules

    preload = preload_modules(spec.setup_source for spec in specs)
    if scheduler:
        from .cluster import ClusterGrading  # needs the cluster extra (Dask)

        return ClusterGrading(scheduler, sandbox=sandbox, preload=preload, others=others)
    from .executors import LocalGrading

    return LocalGrading(sandbox=sandbox, preload=preload, jobs=jobs)


def grade_class(
    *,
    course: LoadedCourse,
    submitted: Path,
    out: Path,
    sandbox,
    assignments: list[str] | None = None,
    jobs: int = 1,
    seed: int | None = None,
    regrade: bool = False,
    progress: bool = True,
    interrupt: threading.Event | None = None,
    scheduler: str | None = None,
) -> BatchResult:
    """Grade every student's notebooks under ``submitted`` into ``out``.

    Parameters
    ----------
    course : LoadedCourse
        The course: its trusted notebooks and assignments.
    submitted : Path
        ``<student>/<assignment>/<notebook>.ipynb`` tree.
    out : Path
        Output folder (results.json, grades.csv, feedback/, report.html,
        course/ for nbgrader, work/ for resumable state).
    sandbox : course_lib.sandbox.Sandbox
        Where students' code runs, with its limits.
    assignments : list of str, optional
        Assignments to grade; default: the configured ones that appear in the tree.
    jobs : int
        Submissions graded at the same time on this machine.
    seed : int, optional
        A new hidden battery for every assignment; default: the battery released
        with each assignment (the one students' notebooks and plain nbgrader use).
    regrade : bool
        Ignore stored results and grade everything again.
    progress : bool
        Show a progress bar on stderr.
    interrupt : threading.Event, optional
        Set it to stop grading (see the module's docstring).
    scheduler : str, optional
        A Dask scheduler's address (``tcp://HOST:PORT``): grade on its
        workers instead of here (:mod:`.cluster`).

    Raises
    ------
    FileNotFoundError
        If ``submitted`` does not exist.
    ValueError
        For a bad ``jobs`` or when no known assignment is found.
    ClusterError
        When ``scheduler`` is given and no worker there can grade.
    Interrupted
        When ``interrupt`` was set; nothing half-written is left behind.
    """
    from tqdm import tqdm

    interrupt = interrupt or threading.Event()
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    started = time.perf_counter()
    plan = _plan(course=course, submitted=submitted, out=out, sandbox=sandbox,
                 assignments=assignments, seed=seed, regrade=regrade)
    bookkeeping = _Bookkeeping(plan)
    bar = tqdm(total=len(plan.handed_in), initial=plan.reused, desc="grading", unit="notebook",
               file=sys.stderr, disable=not progress)
    executor = _executor(scheduler=scheduler, sandbox=sandbox, specs=plan.specs, jobs=jobs,
                         others=plan.others) if plan.pending else None
    graded = 0
    try:
        graded = _grade(plan, executor=executor, bookkeeping=bookkeeping, interrupt=interrupt,
                        bar=bar)
        timings = {"grading": time.perf_counter() - started}
        begin = time.perf_counter()
        bookkeeping.process.drain(interrupt)
        timings["nbgrader_after_grading"] = time.perf_counter() - begin
    finally:
        bar.close()
        if executor is not None:
            executor.close()
    if interrupt.is_set():
        bookkeeping.process.kill()
        raise Interrupted(graded, 0)
    timings.update(executor.timings() if executor is not None else {})
    run = {
        "seeds": plan.seeds,
        "seed_override": seed,
        "assignments": plan.names,
        "students": plan.students,
        "sandbox": sandbox.settings(),
        "jobs": jobs,
        "graded_on": scheduler or "this machine",
        "nbgrader": plan.layout.to_json(),
    }
    return _write(plan, bookkeeping.process, run=run, timings=timings, graded=graded)


@dataclass
class _Plan:
    """What a run will do, decided before any student code runs.

    ``records`` already holds the records that need no grading (a notebook not
    handed in, a result stored by an earlier run with the same fingerprint);
    ``pending`` the submissions to grade, each with its result file and
    fingerprint.
    """

    out: Path
    names: list[str]
    specs: list[Assignment]
    students: list[str]
    others: dict
    seeds: dict
    layout: object
    tasks: list[_Task]
    handed_in: list[_Task]
    records: dict
    pending: list[tuple[_Task, Path, str]]
    reused: int

    @property
    def results_dir(self) -> Path:
        return self.out / "work" / "results"


def _plan(*, course, submitted, out, sandbox, assignments, seed, regrade) -> _Plan:
    """Step 1: check the arguments, find every student x assignment, reuse what is stored."""
    from .feedback_pages import install_mathjax

    # Absolute from here on: nbgrader, the bookkeeping process and the gradebook URL all
    # take these paths, and a relative one means something else to each.
    submitted, out = Path(submitted).resolve(), Path(out).resolve()
    if not submitted.is_dir():
        raise FileNotFoundError(f"submitted folder {submitted} does not exist")
    known = available_assignments(course)
    names = list(assignments) if assignments else _assignments_in(submitted, known)
    if not names:
        raise ValueError(f"no known assignment ({', '.join(known)}) found under {submitted}")
    for name in names:
        if name not in known:
            # No master at all: the config names a course root without the masters in it.
            where = ", ".join(known) if known else (
                f"none: no master notebook is at {course.master(name)}; is the course's root "
                f"folder (c.CourseDirectory.root) {course.root} the one holding the masters?")
            raise ValueError(f"unknown assignment {name!r}; known: {where}")
    specs = [load_assignment(name, course=course) for name in names]
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    layout = nbgrader_layout(course, submitted, out)
    if regrade:
        for stale in (work / "results").glob("*/*.json"):
            stale.unlink()
    students = find_students(submitted)
    others = cell_ids(course)
    tasks = [
        _Task(spec, locate(submitted, s, spec.name), others) for spec in specs for s in students
    ]
    install_mathjax(out / "feedback")
    seeds = {spec.name: battery_seed(spec, seed) for spec in specs}
    records: dict = {}
    for task in tasks:
        if task.located.path is None:
            records[task.key] = records_for_all(
                task.assignment, task.located, seeds[task.assignment.name], "not-submitted",
                f"no notebook submitted for {task.assignment.name} ({task.located.note}).",
            )
            # No page for a notebook not handed in, not even one left by an earlier run.
            stale = out / "feedback" / task.located.student / f"{task.assignment.name}.html"
            stale.unlink(missing_ok=True)
    handed_in = [t for t in tasks if t.located.path is not None]
    pending = []
    for task in handed_in:
        result_file, expected, stored = _stored(
            task, seed=seeds[task.assignment.name], sandbox=sandbox, work=work)
        if stored is None:
            pending.append((task, result_file, expected))
        else:
            records[task.key] = stored
    return _Plan(out, names, specs, students, others, seeds, layout, tasks, handed_in, records,
                 pending, reused=len(handed_in) - len(pending))


class _Bookkeeping:
    """Step 3, beside step 2: each assignment goes to nbgrader's bookkeeping process
    (:mod:`.bookkeeping`) as soon as the last of its submissions is graded."""

    def __init__(self, plan: _Plan) -> None:
        from .bookkeeping import Bookkeeper

        self.plan = plan
        self.process = Bookkeeper()
        self.left = {spec.name: 0 for spec in plan.specs}
        for task, _, _ in plan.pending:
            self.left[task.assignment.name] += 1
        for spec in plan.specs:  # nothing left to grade (or nobody handed it in): now
            if self.left[spec.name] == 0:
                self._submit(spec)

    def _submit(self, assignment: Assignment) -> None:
        self.process.submit(
            _bookkeeping_job(assignment, self.plan.handed_in, self.plan.out, self.plan.layout))

    def finished(self, task: _Task) -> None:
        """One more submission graded; hand its assignment to nbgrader once all are."""
        name = task.assignment.name
        self.left[name] -= 1
        if self.left[name] == 0:
            self._submit(task.assignment)


def _grade(plan: _Plan, *, executor, bookkeeping: _Bookkeeping, interrupt, bar) -> int:
    """Step 2: grade the pending submissions, ``executor.capacity`` at a time; each result
    file is written as soon as its submission is graded. Returns how many were graded.

    Raises
    ------
    Interrupted
        When ``interrupt`` is set: running children and nbgrader's process are killed.
    """
    in_flight: dict = {}
    queue = deque(plan.pending)
    graded = 0
    while (queue or in_flight) and not interrupt.is_set():
        while queue and len(in_flight) < executor.capacity:
            task, result_file, expected = item = queue.popleft()
            in_flight[executor.submit(task, seed=plan.seeds[task.assignment.name])] = item
        for future in executor.wait(in_flight, timeout=0.5):
            task, result_file, expected = in_flight.pop(future)
            try:
                records = executor.records(future)
            except Exception as error:  # noqa: BLE001 - one submission never sinks the batch
                if interrupt.is_set():
                    break  # stopped on purpose: not a verdict, not a fault
                log.error("grading %s/%s failed: %s", task.located.student,
                          task.assignment.name, error)
                records = records_for_all(task.assignment, task.located,
                                          plan.seeds[task.assignment.name], "ungraded",
                                          fault_message(error))
            if interrupt.is_set():
                break  # children were killed on purpose: not a verdict
            write_result(result_file, fingerprint=expected,
                         source=str(task.located.path), records=records)
            plan.records[task.key] = records
            graded += 1
            bookkeeping.finished(task)
            bar.update(1)
        bookkeeping.process.poll()
    if interrupt.is_set():
        bookkeeping.process.kill()
        if executor is not None:
            executor.stop()
        raise Interrupted(graded, len(plan.pending) - graded)
    return graded


def _write(plan: _Plan, bookkeeper, *, run: dict, timings: dict, graded: int) -> BatchResult:
    """Step 4: the records with the gradebook's manual grades and late penalties, then
    results.json, grades.csv and report.html."""
    from .gradebook import NbgraderCourse

    nbgrader = NbgraderCourse(plan.layout, results_dir=plan.results_dir)
    records = with_manual_scores(
        [r for task in plan.tasks for r in plan.records[task.key]], nbgrader, plan.names
    )
    submissions = late_submissions(nbgrader, plan.names)
    timings = {
        "grading": timings.pop("grading"),
        "nbgrader": bookkeeper.seconds,
        "nbgrader_after_grading": timings.pop("nbgrader_after_grading"),
        **{f"nbgrader_{step}": seconds for step, seconds in bookkeeper.timings.items()},
        **timings,
        "student_code": sum(r.seconds for r in records),
    }
    run = {
        **run,
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "nbgrader_failures": bookkeeper.failures,
    }
    begin = time.perf_counter()
    write_outputs(plan.out, records, run=run, assignments=plan.specs, submissions=submissions)
    timings["outputs"] = time.perf_counter() - begin
    return BatchResult(records, plan.out, plan.seeds, graded, plan.reused,
                       len(plan.tasks) - len(plan.handed_in), bookkeeper.failures, timings)


def nbgrader_layout(course: LoadedCourse, submitted: Path, out: Path):
    """Where nbgrader's side of a run goes (:class:`.gradebook.NbgraderDirectory`).

    Submissions that ``nbgrader collect`` put in the course's own
    ``submitted_directory`` are recorded in the course directory itself
    (its gradebook, autograded and feedback folders), as ``nbgrader autograde``
    and ``generate_feedback`` would record them, so formgrader and ``nbgrader
    release_feedback`` carry on from there. Any other tree gets a working
    course of its own in ``<out>/course``.
    """
    from .gradebook import NbgraderDirectory

    collected = course.folder("submitted_directory").resolve()
    if Path(submitted).resolve() == collected:
        return NbgraderDirectory.of_course(course, Path(out) / "work")
    return NbgraderDirectory.scratch(Path(out) / "course", config_file=course.config_file)


def _bookkeeping_job(assignment: Assignment, tasks: list[_Task], out: Path, layout) -> dict:
    """The job that puts ``assignment``'s graded submissions into nbgrader (:mod:`.bookkeeping`)."""
    return {
        "nbgrader": layout.to_json(),
        "results": str(out / "work" / "results"),
        "feedback": str(out / "feedback"),
        "assignment": assignment.name,
        "master": str(assignment.notebook),
        "submissions": [
            [t.located.student, str(t.located.path),
             str(t.located.folder) if t.located.folder else None]
            for t in tasks if t.assignment.name == assignment.name
        ],
    }


def late_submissions(nbgrader, assignments) -> list[dict]:
    """When each submission was handed in and its late penalty, from the gradebook: one
    entry ``{student, assignment, timestamp, seconds_late, late_penalty}`` per submission
    that came through nbgrader's exchange."""
    return [
        {"student": student, "assignment": name, **facts}
        for name in assignments
        for student, facts in sorted(nbgrader.late_submissions(name).items())
    ]


def with_manual_scores(records: list[GradeRecord], nbgrader, assignments) -> list[GradeRecord]:
    """The records with the grades set by hand in the gradebook (the gradebook is the record)."""
    manual = {}
    for name in assignments:
        manual.update({(name, *key): score for key, score in nbgrader.manual_scores(name).items()})
    return [
        r.replace(manual_score=manual.get((r.assignment, r.student, r.grade_id)))
        for r in records
    ]


def rebuild_outputs(out: Path) -> list[GradeRecord]:
    """Rebuild every output of a graded folder from its gradebook, without grading again.

    The records of the last ``course grade`` (results.json) get the grades set
    by hand since (formgrader writes them to the gradebook); the feedback pages
    are generated again by nbgrader, and results.json, grades.csv and
    report.html rewritten.

    Raises
    ------
    FileNotFoundError
        If ``out`` holds no results.json (nothing was graded there).
    """
    import json

    from .feedback_pages import install_mathjax
    from .gradebook import NbgraderCourse, NbgraderDirectory
    from .records import GradeRecord

    out = Path(out).resolve()
    results = out / "results.json"
    if not results.is_file():
        raise FileNotFoundError(f"{results} does not exist: run `course grade --out {out}` first")
    stored = json.loads(results.read_text(encoding="utf-8"))
    run = stored.get("run", {})
    names = list(run.get("assignments", []))
    layout = (NbgraderDirectory.from_json(run["nbgrader"]) if "nbgrader" in run
              else NbgraderDirectory.scratch(out / "course"))
    nbgrader = NbgraderCourse(layout, results_dir=out / "work" / "results")
    records = with_manual_scores([GradeRecord.from_json(r) for r in stored["records"]],
                                 nbgrader, names)
    install_mathjax(out / "feedback")
    for name in names:
        nbgrader.feedback_all(name, out / "feedback", students=nbgrader.staged(name))
    write_outputs(out, records, run=run, assignments=names,
                  submissions=late_submissions(nbgrader, names))
    return records
