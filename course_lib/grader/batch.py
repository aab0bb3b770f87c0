"""Grade a class: every student x assignment, in parallel, resumable, then nbgrader and reports.

Stages, each safe to re-run:

1. grade each submission out of process (``--jobs`` at a time) into its own
   result file (atomic; reused when its fingerprint matches);
2. nbgrader: generate_assignment, stage the submissions, autograde without
   execution (verdicts from the result files), sync the gradebook, feedback;
3. assemble results.json, grades.csv and report.html from the result files.

A failure in one submission is logged and becomes records with a status; it
never stops the batch.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from .assignment import SOLUTIONS_DIR, available_assignments, load_assignment
from .class_report import write_report
from .locate import find_students, locate
from .outputs import write_grades_csv, write_results_json
from .settings import GraderSettings
from .store import fingerprint, read_result, write_json_atomic
from .submission import grade_located

__all__ = ["BatchResult", "grade_class"]

log = logging.getLogger(__name__)


@dataclass
class BatchResult:
    """What a batch produced: the records and where the outputs are."""

    records: list[dict]
    out: Path
    seed: int
    reused: int
    graded: int
    nbgrader_failures: dict


def _seed(work: Path, *, seed: int | None, regrade: bool) -> int:
    state = work / "run.json"
    if seed is None and not regrade and state.is_file():
        try:
            return int(json.loads(state.read_text())["seed"])
        except (ValueError, KeyError, TypeError):
            pass
    chosen = secrets.randbelow(2**31) if seed is None else int(seed)
    write_json_atomic(state, {"seed": chosen})
    return chosen


def _assignments_in(submitted: Path, known: list[str]) -> list[str]:
    present = {p.name.lower() for p in submitted.glob("*/*") if p.is_dir()}
    return [name for name in known if name.lower() in present]


def _grade_one(task, *, seed, settings, work) -> tuple[list[dict], bool]:
    spec, located = task
    result_file = work / "results" / spec.name / f"{located.student}.json"
    expected = fingerprint(
        submitted=located.path,
        note=located.note,
        master_digest=spec.digest,
        seed=seed,
        limits=settings.limits,
    )
    stored = read_result(result_file, expected)
    if stored is not None:
        return stored, True
    try:
        records = grade_located(located, spec, seed=seed, settings=settings)
    except Exception as error:  # noqa: BLE001 - one submission must never sink the batch
        log.exception("grading %s/%s failed", located.student, spec.name)
        from .submission import _everything

        records = _everything(spec, located, seed, "error", f"the grader failed: {error}")
    write_json_atomic(
        result_file,
        {"fingerprint": expected, "located": str(located.path), "records": records},
    )
    return records, False


def _into_nbgrader(course, assignment, located, records, releases, out) -> str | None:
    """Autograde one submission in nbgrader and write its feedback; return an error or None."""
    try:
        course.stage(located.student, assignment, located.path, releases[assignment])
        failed = course.autograde(assignment, [located.student])
        if failed:
            # nbgrader could not take this file; the released copy still gets the grades in.
            note = (
                "**nbgrader could not process your notebook as submitted**, so this is the "
                "released notebook; the test cells below show your grade."
            )
            course.stage(located.student, assignment, None, releases[assignment], note=note)
            failed = course.autograde(assignment, [located.student])
        course.sync_gradebook(assignment, records)
        course.feedback(assignment, out / "feedback", student=located.student)
    except Exception as error:  # noqa: BLE001 - grades must still be written
        log.exception("nbgrader failed for %s/%s", located.student, assignment)
        return str(error)
    return failed.get(located.student)


def grade_class(
    *,
    submitted: Path,
    out: Path,
    assignments: list[str] | None = None,
    jobs: int = 1,
    settings: GraderSettings,
    seed: int | None = None,
    regrade: bool = False,
    progress: bool = True,
    solutions: Path = SOLUTIONS_DIR,
) -> BatchResult:
    """Grade every student's notebooks under ``submitted`` into ``out``.

    Parameters
    ----------
    submitted : Path
        ``<student>/<assignment>/<notebook>.ipynb`` tree.
    out : Path
        Output folder (results.json, grades.csv, feedback/, report.html,
        course/ for nbgrader, work/ for resumable state).
    assignments : list of str, optional
        Assignments to grade; default: those with a master that appear in the tree.
    jobs : int
        Submissions graded at the same time.
    settings : GraderSettings
        Limits of the grading children.
    seed : int, optional
        Hidden-battery seed; default: the seed of the run in ``out`` or a fresh one.
    regrade : bool
        Ignore stored results and draw a fresh seed (unless ``seed`` is given).
    progress : bool
        Show a progress bar on stderr.
    solutions : Path
        Folder of the master notebooks.
    """
    from tqdm import tqdm

    submitted, out = Path(submitted), Path(out)
    if not submitted.is_dir():
        raise FileNotFoundError(f"submitted folder {submitted} does not exist")
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    known = available_assignments(solutions)
    names = list(assignments) if assignments else _assignments_in(submitted, known)
    if not names:
        raise ValueError(f"no known assignment ({', '.join(known)}) found under {submitted}")
    specs = [load_assignment(name, solutions=solutions) for name in names]
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    seed = _seed(work, seed=seed, regrade=regrade)
    if regrade:
        for stale in (work / "results").glob("*/*.json"):
            stale.unlink()
    students = find_students(submitted)
    tasks = [(spec, locate(submitted, name, spec.name)) for spec in specs for name in students]
    from .nbgrader_bridge import NbgraderCourse

    course = NbgraderCourse(out / "course", results_dir=work / "results")
    failures: dict = {}
    releases = {}
    for spec in specs:
        try:
            releases[spec.name] = course.prepare(spec.master, spec.name)
        except Exception as error:  # noqa: BLE001 - grades must still be written
            log.exception("nbgrader generate_assignment failed for %s", spec.name)
            failures[spec.name] = str(error)

    started = time.perf_counter()
    by_task: dict = {}
    reused = 0
    with ThreadPoolExecutor(max_workers=jobs) as pool, tqdm(
        total=len(tasks), desc="grading", unit="notebook", file=sys.stderr, disable=not progress
    ) as bar:
        futures = {
            pool.submit(_grade_one, task, seed=seed, settings=settings, work=work): task
            for task in tasks
        }
        for future in as_completed(futures):
            spec, located = futures[future]
            records, was_reused = future.result()
            reused += was_reused
            by_task[(spec.name, located.student)] = records
            if spec.name in releases:
                # nbgrader works here, in this thread, while the pool keeps grading.
                failure = _into_nbgrader(course, spec.name, located, records, releases, out)
                if failure:
                    failures[f"{located.student}/{spec.name}"] = failure
            bar.update(1)
    grading_seconds = time.perf_counter() - started

    records = [r for spec in specs for s in students for r in by_task[(spec.name, s)]]
    run = {
        "seed": seed,
        "assignments": names,
        "students": students,
        "limits": {
            "wall_seconds": settings.timeout,
            "memory_bytes": settings.limits.memory_bytes,
            "cpu_seconds": settings.limits.cpu_seconds,
        },
        "unsafe": settings.unsafe,
        "jobs": jobs,
        "grading_seconds": round(grading_seconds, 2),
        "nbgrader_failures": failures,
    }
    write_results_json(out / "results.json", records, run=run)
    write_grades_csv(out / "grades.csv", records, names)
    write_report(out / "report.html", records, run=run)
    return BatchResult(records, out, seed, reused, len(tasks) - reused, failures)
