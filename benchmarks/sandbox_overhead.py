"""Sandbox overhead: one small numpy program, run plainly, with limits only, and sandboxed.

Run: ``.venv/bin/python benchmarks/sandbox_overhead.py [--runs N]`` (about 20 s).

Each round runs the same program (``python -c "import numpy; ..."``) three
ways, in rotating order so that background load hits all three alike:

- ``plain``: ``subprocess.run``, no limits, the caller's environment;
- ``unsafe``: ``Sandbox(unsafe=True).run``: a zygote started for this run
  forks the program with the limits, scrubbed environment, wall clock and
  output cap, without bubblewrap;
- ``sandbox``: ``Sandbox().run``: the same zygote inside bubblewrap with its
  namespaces and mounts, and the uid switch.

Prints the median seconds per run of each and the ratios against ``plain``:
``sandbox - plain`` is what one ``Sandbox.run`` costs, the zygote's start
included. Grading forks each graded function's run from a long-lived zygote
(docs/sandbox.md), so it pays that start once, not per function.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from course_lib.sandbox import Sandbox

PROGRAM = "import numpy as np; a = np.arange(1e4).reshape(100, 100); print(float((a @ a).sum()))"


def plain() -> bytes:
    """The program without any sandbox."""
    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, check=True)
    return done.stdout


def through(sandbox: Sandbox):
    """A runner for the program in ``sandbox``."""

    def run() -> bytes:
        result = sandbox.run([sys.executable, "-c", PROGRAM])
        if not result.succeeded:
            raise RuntimeError(f"{sandbox!r} failed: {result.message}\n{result.stderr.decode()}")
        return result.stdout

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds (default 15)")
    runs = parser.parse_args().runs
    Sandbox.check_available()
    ways = {
        "plain": plain,
        "unsafe": through(Sandbox(wall_seconds=60, unsafe=True)),
        "sandbox": through(Sandbox(wall_seconds=60)),
    }
    expected = plain()
    for run in ways.values():
        assert run() == expected, "every way must compute the same result"
    times: dict[str, list[float]] = {name: [] for name in ways}
    names = list(ways)
    for round_number in range(runs):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            ways[name]()
            times[name].append(time.perf_counter() - started)
    base = statistics.median(times["plain"])
    print(f"sandbox overhead: {runs} runs of a small numpy program")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"  {name:8s} median {median * 1000:7.1f} ms   ratio vs plain {median / base:5.2f}"
            f"   (min {min(values) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms)"
        )
    extra = statistics.median(times["sandbox"]) - base
    print(f"  sandbox minus plain: {extra * 1000:+.1f} ms per run (medians)")


if __name__ == "__main__":
    main()
