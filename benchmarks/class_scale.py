"""Grading a whole class: this machine, a two-worker Dask cluster, and plain nbgrader.

Run: ``.venv/bin/python benchmarks/class_scale.py [--students 300]``.

Builds a class of N students x the five assignments from the sample answers
(``autograde/sample_class.py``: correct answers and typical mistakes), with one
student in every hundred whose first graded function hangs and one whose
first graded function crashes the process, in every assignment. Then, in the
same run:

- ``course grade --jobs 2`` on this machine;
- ``course grade --scheduler`` on a Dask cluster started here on 127.0.0.1
  (a scheduler and two one-thread workers), checked to give the same records;
- plain ``nbgrader autograde`` (nbgrader's own configuration: it executes each
  notebook in a kernel), one notebook after another, on the first ten
  notebooks of the same class;
- the coordinator alone: ``course grade`` again on the local run's output,
  where every result is already stored, so results arrive as fast as they
  can and what is measured is the coordinator's own work per notebook
  (planning, nbgrader's gradebook and feedback pages, the reports), once on
  both cores and once held to one core (``os.sched_setaffinity``).

Prints notebooks per minute for each, the ratio to plain nbgrader per
notebook, and where ``course grade``'s time went (from its results.json).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HONEST = ("alice", "bob", "carol", "dave", "erin")
"""Sample students whose answers are correct or typical mistakes (no hang, crash or tampering)."""

HANG = "def {name}(*args, **kwargs):\n    while True:\n        pass\n"
CRASH = "import os\n\n\ndef {name}(*args, **kwargs):\n    os._exit(1)\n"

PLAIN_NBGRADER = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from traitlets.config import Config
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
root, pairs = sys.argv[1], json.loads(sys.argv[2])
c = Config()
c.CourseDirectory.root = root
c.CourseDirectory.course_id = "plain"
c.NbGraderAPI.log_level = "ERROR"
api = NbGraderAPI(coursedir=CourseDirectory(config=c), config=c)
for assignment in sorted({a for _, a in pairs}):
    assert api.generate_assignment(assignment, force=True, create=True)["success"]
started = time.perf_counter()
for student, assignment in pairs:
    api.autograde(assignment, student, force=True, create=True)
print(json.dumps(time.perf_counter() - started))
"""


def build_class(folder: Path, students: int) -> list[str]:
    """Write the class; return its assignments."""
    sys.path.insert(0, str(ROOT / "autograde"))
    from course_lib.config import load_course
    from course_lib.grading import exercises
    from sample_class import VARIANTS, student_notebook

    course = load_course()
    assignments = [name for name in course.assignments if course.master(name).is_file()]
    for assignment in assignments:
        master = json.loads(course.master(assignment).read_text())
        first = exercises.for_assignment(assignment)[0].name
        mix = [VARIANTS.get(assignment, {}).get(name, {}) for name in HONEST]
        for index in range(students):
            answers = dict(mix[index % len(mix)])
            if index % 100 == 37:
                answers[first] = HANG.format(name=first)
            elif index % 100 == 73:
                answers[first] = CRASH.format(name=first)
            target = folder / f"s{index:04d}" / assignment / f"{assignment}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(student_notebook(master, answers)))
    return assignments


def course_grade(submitted: Path, out: Path, *extra: str, cores=None) -> tuple[float, str]:
    """Wall seconds of one ``course grade`` run, and its one-line time summary; ``cores``:
    the CPUs it may run on (all of them when None)."""
    started = time.perf_counter()
    pinned = None if cores is None else (lambda: os.sched_setaffinity(0, cores))
    done = subprocess.run([sys.executable, "-m", "course_lib.cli", "grade", "--submitted",
                           str(submitted), "--out", str(out), "--quiet", *extra],
                          check=True, capture_output=True, text=True, preexec_fn=pinned)
    seconds = time.perf_counter() - started
    line = next((ln.strip() for ln in done.stdout.splitlines() if ln.strip().startswith("time:")),
                "")
    return seconds, line


class LocalCluster:
    """A Dask scheduler and worker processes on 127.0.0.1, started with the dask command line."""

    def __init__(self, folder: Path, workers: int) -> None:
        self.file = folder / "scheduler.json"
        dask = str(Path(sys.executable).parent / "dask")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
                 "start_new_session": True}
        self.processes = [subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(self.file)], **quiet)]
        deadline = time.monotonic() + 60
        while not self.file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.address = json.loads(self.file.read_text())["address"]
        for number in range(workers):
            self.processes.append(subprocess.Popen(
                [dask, "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                 "--host", "127.0.0.1", "--name", f"worker-{number}"], **quiet))

    def close(self) -> None:
        for process in reversed(self.processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _verdicts(out: Path) -> dict:
    records = json.loads((out / "results.json").read_text())["records"]
    return {(r["student"], r["grade_id"]): (r["score"], r["status"], r["diagnoses"], r["message"])
            for r in records}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--plain", type=int, default=10, help="notebooks for plain nbgrader")
    parser.add_argument("--no-cluster", action="store_true", help="skip the Dask run")
    args = parser.parse_args()
    env_path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    os.environ["PATH"] = env_path
    with tempfile.TemporaryDirectory(prefix="class-scale-") as scratch:
        scratch = Path(scratch)
        submitted = scratch / "submitted"
        assignments = build_class(submitted, args.students)
        count = args.students * len(assignments)
        print(f"class: {args.students} students x {len(assignments)} assignments = {count} "
              f"notebooks ({2 * (args.students // 100 + (args.students % 100 > 37))} "
              "hang or crash in a graded function per assignment)")
        rows = []
        local, summary = course_grade(submitted, scratch / "local", "--jobs", "2")
        rows.append(("course grade --jobs 2", count, local))
        timings = json.loads((scratch / "local" / "results.json").read_text())["run"]["timings"]
        coordinator = {}
        for label, cores in (("both cores", None), ("one core", {min(os.sched_getaffinity(0))})):
            coordinator[label], _ = course_grade(submitted, scratch / "local", "--jobs", "2",
                                                 cores=cores)
        if not args.no_cluster:
            cluster = LocalCluster(scratch, workers=2)
            try:
                seconds, _ = course_grade(submitted, scratch / "cluster", "--scheduler",
                                          cluster.address)
            finally:
                cluster.close()
            same = _verdicts(scratch / "local") == _verdicts(scratch / "cluster")
            rows.append(("course grade, Dask 2 workers", count, seconds))
        plain = scratch / "plain"
        pairs = [(f"s{i:04d}", a) for i in range(args.students) for a in assignments]
        pairs = pairs[: args.plain]
        for assignment in {a for _, a in pairs}:
            shutil.copytree(ROOT / "solutions" / assignment, plain / "source" / assignment)
        for student, assignment in pairs:
            shutil.copytree(submitted / student / assignment,
                            plain / "submitted" / student / assignment)
        done = subprocess.run([sys.executable, "-c", PLAIN_NBGRADER, str(plain), json.dumps(pairs)],
                              check=True, capture_output=True, text=True, cwd=plain)
        rows.append(("plain nbgrader (kernel)", len(pairs),
                     json.loads(done.stdout.strip().splitlines()[-1])))

    plain_each = rows[-1][2] / rows[-1][1]
    print(f"\n{'':32}{'notebooks':>10}{'wall (s)':>10}{'per minute':>12}{'vs plain':>10}")
    for label, notebooks, seconds in rows:
        ratio = plain_each / (seconds / notebooks)
        print(f"{label:32}{notebooks:10d}{seconds:10.1f}{60 * notebooks / seconds:12.1f}"
              f"{ratio:9.1f}x")
    if not args.no_cluster:
        print(f"Dask run's records identical to the local run's: {same}")
    print("\ncoordinator alone (every result stored; nbgrader's gradebook and feedback pages, "
          "the reports):")
    for label, seconds in coordinator.items():
        print(f"  {label:12}{count:6d} notebooks in {seconds:7.1f} s: "
              f"{count / seconds:5.1f} notebooks per second")
    print("\nwhere course grade --jobs 2 spent its time (seconds; results.json run.timings):")
    for key, label in (
        ("grading", "grading, wall clock"),
        ("sandbox_start", "  starting sandboxed zygotes"),
        ("children", "  children (fork, student code, clean-up), summed over both jobs"),
        ("student_code", "  student code (the graded calls), summed"),
        ("nbgrader", "nbgrader bookkeeping, beside the grading"),
        ("nbgrader_generate_assignment", "  generate_assignment"),
        ("nbgrader_stage", "  staging the submissions"),
        ("nbgrader_autograde", "  autograde (no execution: the scores are written in)"),
        ("nbgrader_gradebook", "  gradebook check"),
        ("nbgrader_feedback", "  feedback pages"),
        ("nbgrader_after_grading", "  of which after the last notebook was graded"),
    ):
        if key in timings:
            print(f"  {label:66}{timings[key]:8.1f}")
    reports = re.search(r"reports ([\d.]+) s", summary)
    if reports:
        print(f"  {'results.json, grades.csv, report.html':66}{float(reports.group(1)):8.1f}")
    print(f"  course grade's own summary: {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
