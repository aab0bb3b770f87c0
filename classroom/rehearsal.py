"""A dress rehearsal of a class on this machine: many students fetch and submit at once.

``rehearse(classroom, students=30)`` releases 01, lets every student fetch it at
the same moment (each as their own Linux account, with nbgrader's own
commands, as their server's terminal would run them), answer it (every other
student flips the kernel) and submit at the same moment; then the instructor
collects with ``nbgrader collect`` and grades with ``course grade``. It checks
that every submission arrived, was collected from its own author and graded
as that author's answer, and returns what it saw and how long each step took.
Nothing leaves the machine: the exchange is a folder, the hub is not needed.

Used by ``tests/test_classroom_load.py`` (what must hold) and
``benchmarks/classroom_load.py`` (how long it takes).
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ASSIGNMENT = "01_convolution"
MARKER = "Handed in by {user}."
"""A markdown cell each student adds, so a mixed-up submission shows."""


@dataclass
class Rehearsal:
    """What a rehearsal saw.

    Attributes
    ----------
    students : list of str
    expected : dict
        student -> the score their answer deserves (8 right, 3 flipped kernel).
    seconds : dict
        step -> wall-clock seconds (release, fetch, answer, submit, collect, grade).
    failures : dict
        student -> what went wrong for them (empty when all went well).
    scores : dict
        student -> total score in ``course grade``'s results.json.
    collected_from : dict
        student -> the author whose marker their collected notebook carries.
    """

    students: list[str]
    expected: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)
    collected_from: dict = field(default_factory=dict)


def _timed(rehearsal: Rehearsal, step: str, function, *args, **kwargs):
    begin = time.perf_counter()
    try:
        return function(*args, **kwargs)
    finally:
        rehearsal.seconds[step] = time.perf_counter() - begin


def _all_at_once(room, command_for, users, rehearsal: Rehearsal, step: str) -> None:
    """Run one command per student, all started together; note who failed."""
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        done = dict(zip(users, pool.map(lambda u: room.run_as(u, *command_for(u), timeout=600),
                                        users), strict=True))
    for user, result in done.items():
        if result.returncode != 0:
            rehearsal.failures[user] = f"{step}: {(result.stdout + result.stderr)[-500:]}"


def _answer(room, user: str, answers: dict) -> None:
    from sample_class import answer_released

    path = Path(f"/home/{user}") / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook = answer_released(json.loads(path.read_text()), answers)
    notebook["cells"].append({"cell_type": "markdown", "metadata": {},
                              "source": MARKER.format(user=user)})
    room.run_as(user, "python", "-c", "import sys, pathlib; "
                "pathlib.Path(sys.argv[1]).write_text(sys.stdin.read())", path,
                input=json.dumps(notebook, indent=1), check=True)


def rehearse(room) -> Rehearsal:
    """Run the rehearsal in ``room`` (a :class:`provision.Classroom` that is ``up``)."""
    from answers import SAMPLES

    from sample_class import master_answers

    students = list(room.students)
    rehearsal = Rehearsal(students)
    inst = room.instructor
    course = room.course_dir
    release = _timed(rehearsal, "release", room.run_as, inst, "course", "release", ASSIGNMENT,
                     "--exchange", "--force", cwd=course)
    if release.returncode != 0:
        rehearsal.failures[inst] = f"release: {(release.stdout + release.stderr)[-500:]}"
        return rehearsal
    master = json.loads((room.course_dir / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
                        .read_text())
    right = master_answers(master)
    flipped = {**right, "convolve": SAMPLES["convolve: flips the kernel"].source}
    _timed(rehearsal, "fetch", _all_at_once, room,
           lambda u: ("nbgrader", "fetch_assignment", ASSIGNMENT), students, rehearsal, "fetch")

    def answer_all():
        for number, user in enumerate(students):
            if user in rehearsal.failures:
                continue
            _answer(room, user, right if number % 2 == 0 else flipped)
            rehearsal.expected[user] = 8.0 if number % 2 == 0 else 3.0

    _timed(rehearsal, "answer", answer_all)
    ready = [u for u in students if u not in rehearsal.failures]
    _timed(rehearsal, "submit", _all_at_once, room,
           lambda u: ("nbgrader", "submit", ASSIGNMENT), ready, rehearsal, "submit")
    collect = _timed(rehearsal, "collect", room.run_as, inst, "nbgrader", "collect",
                     "--update", ASSIGNMENT, cwd=course)
    if collect.returncode != 0:
        rehearsal.failures[inst] = f"collect: {collect.stderr[-500:]}"
    grade = _timed(rehearsal, "grade", room.run_as, inst, "course", "grade", ASSIGNMENT,
                   "--jobs", "2", "--quiet", cwd=course)
    if grade.returncode != 0:
        rehearsal.failures[inst] = f"grade: {(grade.stdout + grade.stderr)[-500:]}"
        return rehearsal
    results = json.loads((room.course_dir / "grading-output" / "results.json").read_text())
    for record in results["records"]:
        rehearsal.scores[record["student"]] = (rehearsal.scores.get(record["student"], 0.0)
                                               + record["score"])
    submitted = room.course_dir / "autograde" / "submitted"
    for user in students:
        notebook = submitted / user / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        if notebook.is_file():
            text = notebook.read_text()
            rehearsal.collected_from[user] = next(
                (other for other in students if MARKER.format(user=other) in text), None)
    return rehearsal
