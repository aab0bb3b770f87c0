"""Grading throughput: ``course grade --jobs 2`` against plain ``nbgrader autograde``.

Run: ``.venv/bin/python benchmarks/grading_throughput.py`` (about 8 minutes on a quiet
2-core machine: plain nbgrader executes every notebook, explorations included).

Builds a class of 40 submissions (a mix of the sample variants: correct answers,
typical mistakes, a tampering attempt), split over the assignments that have samples,
then grades the same submissions twice in this run:

- ``course grade --jobs 2``: authoritative out-of-process grading, nbgrader
  autograde without execution, gradebook, feedback HTML and the class report;
- plain nbgrader: ``generate_assignment`` then ``autograde`` (which executes
  every notebook in a kernel), one submission after another, through
  nbgrader's Python API in a separate process.

Prints total wall time, median seconds per submission and the ratio.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLASS_SIZE = 40
MIX = ("alice", "bob", "carol", "dave", "erin", "heidi")

PLAIN_NBGRADER = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from traitlets.config import Config
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
root, assignments, students = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
c = Config()
c.CourseDirectory.root = root
c.CourseDirectory.course_id = "plain"
c.NbGraderAPI.log_level = "ERROR"
api = NbGraderAPI(coursedir=CourseDirectory(config=c), config=c)
times = []
for assignment in assignments:
    assert api.generate_assignment(assignment, force=True, create=True)["success"]
    for student in students:
        started = time.perf_counter()
        result = api.autograde(assignment, student, force=True, create=True)
        times.append(time.perf_counter() - started)
        if not result["success"]:
            print(result.get("error"), file=sys.stderr)
print(json.dumps(times))
"""


def build_class(folder: Path) -> list[str]:
    """Write 40 submissions (variants cycled; the students split over the assignments that
    have samples, e.g. 20 students x 2 assignments); return the assignments."""
    sys.path.insert(0, str(ROOT / "autograde"))
    from sample_class import VARIANTS, student_notebook

    assignments = [
        name for name in VARIANTS if (ROOT / "solutions" / name / f"{name}.ipynb").is_file()
    ]
    students = CLASS_SIZE // max(len(assignments), 1)
    for assignment in assignments:
        variants = VARIANTS[assignment]
        notebook = json.loads((ROOT / "solutions" / assignment / f"{assignment}.ipynb").read_text())
        mix = [name for name in MIX if name in variants] or ["alice"]
        for index in range(students):
            answers = variants.get(mix[index % len(mix)], {})
            target = folder / f"s{index:02d}" / assignment / f"{assignment}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(student_notebook(notebook, answers), indent=1))
    return assignments


def main() -> int:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as scratch:
        scratch = Path(scratch)
        submitted = scratch / "submitted"
        assignments = build_class(submitted)
        students = sorted(p.name for p in submitted.iterdir())
        count = len(students) * len(assignments)
        print(f"class: {len(students)} students x {assignments} = {count} submissions")

        out = scratch / "ours"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "course_lib.cli", "grade", *assignments, "--submitted",
             str(submitted), "--out", str(out), "--jobs", "2", "--quiet"],
            check=True, env=env, stdout=subprocess.DEVNULL,
        )
        ours_total = time.perf_counter() - started
        records = json.loads((out / "results.json").read_text())["records"]
        per_submission: dict = {}
        for record in records:
            key = (record["student"], record["assignment"])
            per_submission[key] = per_submission.get(key, 0.0) + record["seconds"]
        ours_median = statistics.median(per_submission.values())

        plain = scratch / "plain"
        for assignment in assignments:
            shutil.copytree(ROOT / "solutions" / assignment, plain / "source" / assignment)
        shutil.copytree(submitted, plain / "submitted")
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", PLAIN_NBGRADER, str(plain), ",".join(assignments),
             ",".join(students)],
            check=True, env=env, capture_output=True, text=True, cwd=plain,
        )
        plain_total = time.perf_counter() - started
        plain_median = statistics.median(json.loads(done.stdout.strip().splitlines()[-1]))

    print(f"{'':28}{'total wall (s)':>16}{'median s/submission':>22}")
    print(f"{'course grade --jobs 2':28}{ours_total:16.1f}{ours_median:22.2f}")
    print(f"{'plain nbgrader autograde':28}{plain_total:16.1f}{plain_median:22.2f}")
    print(f"ratio (plain / course grade), total wall time: {plain_total / ours_total:.2f}x")
    print("course grade includes the out-of-process grading, gradebook, feedback and report;")
    print("its median is the child processes' time per submission (two at a time).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
