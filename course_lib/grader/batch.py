"""Grade a class: every student x assignment, in parallel, resumable, then nbgrader and outputs.

Steps, each safe to re-run:

1. grade each submission out of process (``jobs`` at a time) into its own
   result file (atomic; reused when its fingerprint matches, see :mod:`.store`);
2. nbgrader, for each submission as soon as it is graded: stage it, autograde
   without execution (verdicts from the result file), check the gradebook,
   write the feedback page. Students who submitted nothing are not staged:
   they are reported as missing;
3. write results.json, grades.csv and report.html from the records.

A failure in one submission is logged and becomes records with a status; it
never stops the batch. An :class:`threading.Event` passed as ``interrupt``
(set by the ``course grade`` command on Ctrl-C) stops the run promptly: running
children are killed, their results are thrown away, no nbgrader step starts,
and the next run resumes from the result files.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.assignments import Assignment, available_assignments, load_assignment
from course_lib.config import LoadedCourse

from .locate import Located, find_students, locate
from .outputs import write_outputs
from .records import GradeRecord
from .store import fingerprint, read_result, write_result
from .submission import grade_located, records_for_all

__all__ = [
    "BatchResult",
    "Interrupted",
    "battery_seed",
    "grade_class",
    "grade_notebook_bytes",
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


def cell_ids(course: LoadedCourse) -> dict:
    """Every assignment's grade ids, to recognise a notebook handed in as the wrong one."""
    return {name: load_assignment(name, course=course).cell_ids
            for name in available_assignments(course)}


def battery_seed(assignment: Assignment, override: int | None = None) -> int:
    """The hidden battery's seed: the one released with the assignment, unless overridden."""
    from course_lib.grading.assess import DEFAULT_SEED

    if override is not None:
        return int(override)
    return assignment.battery_seed if assignment.battery_seed is not None else DEFAULT_SEED


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


def _grade_task(task: _Task, *, override, sandbox, work, interrupt):
    seed = battery_seed(task.assignment, override)
    result_file = work / "results" / task.assignment.name / f"{task.located.student}.json"
    path = task.located.path
    submission = path.read_bytes() if path is not None and path.is_file() else None
    expected = fingerprint(submission=submission, inputs=_inputs(task, seed=seed, sandbox=sandbox))
    stored = read_result(result_file, expected)
    if stored is not None:
        return stored, True
    try:
        records = grade_located(task.located, task.assignment, seed=seed, sandbox=sandbox,
                                others=task.others)
    except Exception as error:  # noqa: BLE001 - one submission must never sink the batch
        log.exception("grading %s/%s failed", task.located.student, task.assignment.name)
        records = records_for_all(
            task.assignment, task.located, seed, "error", f"the grader failed: {error}"
        )
    if interrupt.is_set():
        # Children were killed on purpose: what they returned is not a verdict.
        raise Interrupted(0, 0)
    write_result(result_file, fingerprint=expected, source=str(path), records=records)
    return records, False


def _into_nbgrader(course, task: _Task, records, release: Path, out: Path) -> str | None:
    """Autograde one submission in nbgrader and write its feedback; return an error or None."""
    student, name = task.located.student, task.assignment.name
    try:
        course.stage(student, name, task.located.path, release)
        failure = course.autograde(name, student)
        if failure:
            # nbgrader could not take this file; the released copy still gets the grades in.
            note = (
                "**nbgrader could not process your notebook as submitted**, so this is the "
                "released notebook; the test cells below show your grade."
            )
            course.stage(student, name, task.located.path, release, note=note)
            failure = course.autograde(name, student)
        course.check_gradebook(name, records)
        course.feedback(name, out / "feedback", student=student)
    except Exception as error:  # noqa: BLE001 - grades must still be written
        log.exception("nbgrader failed for %s/%s", student, name)
        return str(error)
    return failure


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
        Submissions graded at the same time.
    seed : int, optional
        A new hidden battery for every assignment; default: the battery released
        with each assignment (the one students' notebooks and plain nbgrader use).
    regrade : bool
        Ignore stored results and grade everything again.
    progress : bool
        Show a progress bar on stderr.
    interrupt : threading.Event, optional
        Set it to stop grading (see the module's docstring).

    Raises
    ------
    FileNotFoundError
        If ``submitted`` does not exist.
    ValueError
        For a bad ``jobs`` or when no known assignment is found.
    Interrupted
        When ``interrupt`` was set; nothing half-written is left behind.
    """
    from tqdm import tqdm

    from .nbgrader_bridge import NbgraderCourse, install_mathjax

    submitted, out = Path(submitted), Path(out)
    interrupt = interrupt or threading.Event()
    if not submitted.is_dir():
        raise FileNotFoundError(f"submitted folder {submitted} does not exist")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    known = available_assignments(course)
    names = list(assignments) if assignments else _assignments_in(submitted, known)
    if not names:
        raise ValueError(f"no known assignment ({', '.join(known)}) found under {submitted}")
    for name in names:
        if name not in known:
            raise ValueError(f"unknown assignment {name!r}; known: {', '.join(known)}")
    specs = [load_assignment(name, course=course) for name in names]
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    if regrade:
        for stale in (work / "results").glob("*/*.json"):
            stale.unlink()
    students = find_students(submitted)
    others = cell_ids(course)
    tasks = [
        _Task(spec, locate(submitted, s, spec.name), others) for spec in specs for s in students
    ]
    nbgrader = NbgraderCourse(out / "course", results_dir=work / "results")
    install_mathjax(out / "feedback")
    failures: dict = {}
    releases = {}
    for spec in specs:
        try:
            releases[spec.name] = nbgrader.prepare(spec.notebook, spec.name)
        except Exception as error:  # noqa: BLE001 - grades must still be written
            log.exception("nbgrader generate_assignment failed for %s", spec.name)
            failures[spec.name] = str(error)

    timings = {"grading": 0.0, "nbgrader": 0.0}
    started = time.perf_counter()
    by_task: dict = {}
    graded = reused = 0
    pending_tasks = [t for t in tasks if t.located.path is not None]
    missing = [t for t in tasks if t.located.path is None]
    for task in missing:
        by_task[task.key] = records_for_all(
            task.assignment, task.located, battery_seed(task.assignment, seed), "not-submitted",
            f"no notebook submitted for {task.assignment.name} ({task.located.note}).",
        )
    bar = tqdm(total=len(pending_tasks), desc="grading", unit="notebook", file=sys.stderr,
               disable=not progress)
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {
            pool.submit(
                _grade_task, task, override=seed, sandbox=sandbox, work=work, interrupt=interrupt
            ): task
            for task in pending_tasks
        }
        remaining = set(futures)
        while remaining and not interrupt.is_set():
            done, remaining = wait(remaining, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                task = futures[future]
                try:
                    records, was_reused = future.result()
                except Interrupted:
                    continue
                by_task[task.key] = records
                graded += not was_reused
                reused += was_reused
                if task.assignment.name in releases and not interrupt.is_set():
                    # nbgrader works here, in this thread, while the pool keeps grading.
                    begin = time.perf_counter()
                    failure = _into_nbgrader(
                        nbgrader, task, records, releases[task.assignment.name], out
                    )
                    timings["nbgrader"] += time.perf_counter() - begin
                    if failure:
                        failures[f"{task.located.student}/{task.assignment.name}"] = failure
                bar.update(1)
        if interrupt.is_set():
            for future in futures:
                future.cancel()
            raise Interrupted(graded, len(pending_tasks) - graded - reused)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
    timings["grading"] = time.perf_counter() - started - timings["nbgrader"]

    records = with_manual_scores(
        [r for task in tasks for r in by_task[task.key]], nbgrader, names
    )
    run = {
        "seeds": {spec.name: battery_seed(spec, seed) for spec in specs},
        "seed_override": seed,
        "assignments": names,
        "students": students,
        "sandbox": sandbox.settings(),
        "jobs": jobs,
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "nbgrader_failures": failures,
    }
    begin = time.perf_counter()
    write_outputs(out, records, run=run, assignments=specs)
    timings["outputs"] = time.perf_counter() - begin
    seeds = run["seeds"]
    return BatchResult(records, out, seeds, graded, reused, len(missing), failures, timings)


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

    from .nbgrader_bridge import NbgraderCourse, install_mathjax
    from .records import GradeRecord

    out = Path(out)
    results = out / "results.json"
    if not results.is_file():
        raise FileNotFoundError(f"{results} does not exist: run `course grade --out {out}` first")
    stored = json.loads(results.read_text(encoding="utf-8"))
    run = stored.get("run", {})
    names = list(run.get("assignments", []))
    nbgrader = NbgraderCourse(out / "course", results_dir=out / "work" / "results")
    records = with_manual_scores([GradeRecord.from_json(r) for r in stored["records"]],
                                 nbgrader, names)
    install_mathjax(out / "feedback")
    for name in names:
        for student in nbgrader.staged(name):
            nbgrader.feedback(name, out / "feedback", student=student)
    write_outputs(out, records, run=run, assignments=names)
    return records


def grade_notebook_bytes(
    raw: bytes, *, assignment: str, student: str, course: LoadedCourse, seed: int | None = None
) -> list[GradeRecord]:
    """Grade one notebook given as bytes, in the configured sandbox (plain nbgrader's route)."""
    spec = load_assignment(assignment, course=course)
    seed = battery_seed(spec, seed)
    with tempfile.TemporaryDirectory(prefix="course-grade-") as folder:
        path = Path(folder) / f"{assignment}.ipynb"
        path.write_bytes(raw)
        located = Located(student, assignment, path)
        return grade_located(located, spec, seed=seed, sandbox=course.sandbox(),
                             others=cell_ids(course))
