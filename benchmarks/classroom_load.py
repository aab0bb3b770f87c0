"""A class of 30 through nbgrader's exchange at once: how long each step takes.

Run as root: ``.venv/bin/python benchmarks/classroom_load.py [--students N]``
(a few minutes; creates N + 1 Linux accounts and removes them again).

A rehearsal (``classroom/rehearsal.py``): the instructor releases 01; every
student fetches it at the same moment, answers it and submits at the same
moment, each as their own account with nbgrader's own commands; the
instructor collects and grades with ``course grade --jobs 2``. Then, for a
peer measured in the same run, the same students fetch and submit 02 one
after another. Prints each step's time and the ratio of one-at-a-time to
all-at-once for fetching and submitting. Everything stays on this machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "classroom"), str(ROOT / "autograde")]

import provision  # noqa: E402
from rehearsal import rehearse  # noqa: E402

COMMENT = "convolution course classroom (benchmark)"


def _one_after_another(room, command) -> float:
    begin = time.perf_counter()
    for user in room.students:
        room.run_as(user, *command, check=True)
    return time.perf_counter() - begin


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("classroom_load: needs root (it creates Linux accounts)", file=sys.stderr)
        return 2
    env = Path(os.environ.get("CLASSROOM_ENV", provision.DEFAULT_PREFIX / "env"))
    for leftover in provision.accounts_with_comment(COMMENT):
        provision.remove_account(leftover, comment=COMMENT)
    state = Path(tempfile.mkdtemp(prefix="classroom-load-"))
    state.chmod(0o755)
    tag = f"b{os.getpid() % 100000}"
    room = provision.Classroom(
        prefix=state, env=env, instructor=f"{tag}inst",
        students=[f"{tag}s{i:02d}" for i in range(args.students)],
        exchange=str(state / "exchange"), group=f"{tag}-instructors", comment=COMMENT)
    try:
        begin = time.perf_counter()
        room.up()
        setup = time.perf_counter() - begin
        seen = rehearse(room)
        room.run_as(room.instructor, "course", "release", "02_padding", "--exchange",
                    "--force", cwd=room.course_dir, check=True)
        fetch_serial = _one_after_another(room, ("nbgrader", "fetch_assignment", "02_padding"))
        submit_serial = _one_after_another(room, ("nbgrader", "submit", "02_padding"))
    finally:
        room.down()
        shutil.rmtree(state, ignore_errors=True)
    n = args.students
    print(f"classroom of {n} students on {os.cpu_count()} cores "
          f"(accounts and course set up in {setup:.1f} s)")
    print(f"{'step':28s} {'seconds':>8s} {'per student':>12s}")
    for step, seconds in seen.seconds.items():
        print(f"{step + (' (all at once)' if step in ('fetch', 'submit') else ''):28s} "
              f"{seconds:8.1f} {seconds / n:12.2f}")
    print(f"{'fetch (one after another)':28s} {fetch_serial:8.1f} {fetch_serial / n:12.2f}")
    print(f"{'submit (one after another)':28s} {submit_serial:8.1f} {submit_serial / n:12.2f}")
    print(f"one after another / all at once: fetch {fetch_serial / seen.seconds['fetch']:.2f}x, "
          f"submit {submit_serial / seen.seconds['submit']:.2f}x")
    lost = set(seen.students) - set(seen.scores)
    mixed = {s for s, author in seen.collected_from.items() if author != s}
    print(f"submissions graded: {len(seen.scores)} of {n}; lost: {len(lost)}; "
          f"mixed up: {len(mixed)}; failures: {len(seen.failures)}")
    return 0 if not (lost or mixed or seen.failures) else 1


if __name__ == "__main__":
    sys.exit(main())
