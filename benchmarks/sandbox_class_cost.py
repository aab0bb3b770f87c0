"""What the sandbox costs when grading the whole sample class.

Run: ``.venv/bin/python benchmarks/sandbox_class_cost.py [--rounds N] [--jobs N]``
(a few minutes).

Each round grades the bundled sample class (``autograde/samples``) twice with
``course grade``, into fresh output folders and with the same seed: once
sandboxed (bubblewrap, the default) and once with ``--unsafe`` (resource
limits only). The order alternates between rounds so that background load
hits both alike. Prints the wall time of every run, the medians and the
ratio sandboxed / unsafe; the sandbox's share of grading time is that ratio
minus one. The sample class includes a submission that never returns, which
costs both modes the same per-function time limit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE = [sys.executable, "-m", "course_lib.cli"]


def grade_once(out: Path, *, unsafe: bool, jobs: int, seed: int) -> float:
    """Grade the sample class into ``out``; return the wall time in seconds."""
    command = [*COURSE, "grade", "--out", str(out), "--jobs", str(jobs),
               "--seed", str(seed), "--quiet"]
    if unsafe:
        command.append("--unsafe")
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "autograde"))
    from sample_class import write_unreadable

    write_unreadable()  # the class's unreadable submissions are not committed
    times: dict[str, list[float]] = {"sandboxed": [], "unsafe": []}
    with tempfile.TemporaryDirectory(prefix="sandbox-class-cost-") as scratch:
        for round_number in range(args.rounds):
            order = ["sandboxed", "unsafe"] if round_number % 2 == 0 else ["unsafe", "sandboxed"]
            for mode in order:
                out = Path(scratch) / f"{mode}-{round_number}"
                seconds = grade_once(out, unsafe=mode == "unsafe", jobs=args.jobs, seed=1234)
                times[mode].append(seconds)
                print(f"round {round_number + 1}: {mode:9s} {seconds:7.1f} s", flush=True)
    sandboxed = statistics.median(times["sandboxed"])
    unsafe = statistics.median(times["unsafe"])
    print(f"\nsample class, --jobs {args.jobs}, load average {os.getloadavg()[0]:.1f}")
    print(f"{'mode':10s} {'median s':>9s}")
    print(f"{'sandboxed':10s} {sandboxed:9.1f}")
    print(f"{'unsafe':10s} {unsafe:9.1f}")
    print(f"ratio sandboxed / unsafe: {sandboxed / unsafe:.3f} "
          f"(sandbox share of grading time: {(sandboxed / unsafe - 1) * 100:+.1f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
