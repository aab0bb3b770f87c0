"""`course grade --scheduler`: a real Dask scheduler and worker processes on 127.0.0.1.

The sample class graded through two workers gets exactly the records of a
local run; a worker killed in the middle of a run costs nothing, and a submission
the cluster gives up on is left ungraded, never given a grade; a worker that
cannot run bubblewrap is refused before it gets any work, with a message. The
scheduler and workers are started with the dask command line and stopped by
the tests; every address is 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_lib.config import load_course

pytestmark = pytest.mark.slow

COURSE = load_course()
SAMPLES = COURSE.path("sample_class")
DASK = str(Path(sys.executable).parent / "dask")
LIMITS = {"wall_seconds": 20, "cpu_seconds": 20}
"""The defaults: a hanging call meets the 10 s per-call limit well before the run's wall-clock
limit, whatever the load, so every run reports a hang the same way."""


class Processes:
    """Processes started here, each in its own session, all stopped by :meth:`close`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[subprocess.Popen] = []

    def start(self, argv, *, name: str) -> subprocess.Popen:
        with (self.folder / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        process.log = self.folder / f"{name}.log"
        self.started.append(process)
        return process

    def close(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler on 127.0.0.1; workers are added by the tests."""
    folder = tmp_path_factory.mktemp("cluster")
    processes = Processes(folder)
    scheduler_file = folder / "scheduler.json"
    processes.start([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(scheduler_file)], name="scheduler")
    deadline = time.monotonic() + 60
    while not scheduler_file.exists():
        assert time.monotonic() < deadline, "the scheduler did not start"
        time.sleep(0.2)
    address = json.loads(scheduler_file.read_text())["address"]
    assert address.startswith("tcp://127.0.0.1:")
    try:
        yield {"address": address, "processes": processes, "folder": folder}
    finally:
        processes.close()


def _worker_argv(address: str, name: str) -> list[str]:
    return [DASK, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
            "--host", "127.0.0.1", "--name", name]


def start_worker(cluster, name: str, *, without_bubblewrap: bool = False) -> subprocess.Popen:
    argv = _worker_argv(cluster["address"], name)
    if without_bubblewrap:
        # A machine without bubblewrap: the worker runs in a mount namespace of its own where
        # /usr/bin/bwrap is an empty, non-executable file.
        hide = f"mount --bind /dev/null {shutil.which('bwrap')} && exec \"$@\""
        user = [] if os.geteuid() == 0 else ["--user", "--map-current-user"]
        argv = ["unshare", *user, "--mount", "--propagation", "private", "--", "sh", "-c",
                hide, "worker", *argv]
    return cluster["processes"].start(argv, name=name)


def wait_for_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout=30, set_as_default=False) as client:
        client.wait_for_workers(count, timeout=60)


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def grade(out: Path, config: Path, *extra, wait: bool = True):
    argv = [sys.executable, "-m", "course_lib.cli", "grade", "--submitted", str(SAMPLES),
            "--out", str(out), "--config", str(config), "--quiet", *extra]
    if not wait:
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    return subprocess.run(argv, capture_output=True, text=True, timeout=1200)


def verdicts(out: Path) -> dict:
    records = json.loads((out / "results.json").read_text())["records"]
    return {(r["student"], r["assignment"], r["grade_id"]):
            (r["score"], r["status"], r["diagnoses"], r["message"], r["passed"], r["total"])
            for r in records}


@pytest.fixture(scope="module")
def config(tmp_path_factory, course_config):
    return course_config(tmp_path_factory.mktemp("config") / "nbgrader_config.py", **LIMITS)


@pytest.fixture(scope="module")
def local(tmp_path_factory, config):
    """The sample class graded on this machine: what every cluster run must equal."""
    out = tmp_path_factory.mktemp("local")
    done = grade(out, config, "--jobs", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    return verdicts(out)


def test_two_workers_grade_the_sample_class_exactly_as_this_machine(cluster, config, local,
                                                                   tmp_path):
    """Same records, every grade cell of every student; the coordinator keeps the outputs."""
    workers = [start_worker(cluster, f"w{n}") for n in range(2)]
    wait_for_workers(cluster["address"], 2)
    done = grade(tmp_path, config, "--scheduler", cluster["address"])
    assert done.returncode == 0, done.stderr[-3000:]
    assert verdicts(tmp_path) == local
    run = json.loads((tmp_path / "results.json").read_text())["run"]
    assert run["graded_on"] == cluster["address"]
    for name in ("grades.csv", "report.html"):
        assert (tmp_path / name).is_file()
    assert (tmp_path / "course" / "gradebook.db").is_file()
    assert len(list((tmp_path / "feedback").glob("*/*.html"))) > 0
    for worker in workers:
        stop(worker)


def test_a_worker_killed_mid_run_costs_nothing(cluster, config, local, tmp_path):
    """One of two workers is killed while notebooks are being graded; the scheduler gives its
    work to the other and the run ends with the same records."""
    doomed, survivor = start_worker(cluster, "doomed"), start_worker(cluster, "survivor")
    wait_for_workers(cluster["address"], 2)
    running = grade(tmp_path, config, "--scheduler", cluster["address"], wait=False)
    results = tmp_path / "work" / "results"
    deadline = time.monotonic() + 300
    while len(list(results.glob("*/*.json"))) < 3:
        assert time.monotonic() < deadline and running.poll() is None, running.communicate()
        time.sleep(0.1)
    stop(doomed)
    out, err = running.communicate(timeout=1200)
    assert running.returncode == 0, err[-3000:]
    assert len(list(results.glob("*/*.json"))) > 3
    assert verdicts(tmp_path) == local
    stop(survivor)


def _allowed_failures(address: str, count: int) -> int:
    """Set how many workers may die running one task before the scheduler gives up on it
    (Dask's ``allowed-failures``); return the previous value."""
    from distributed import Client

    def change(dask_scheduler, count=count):
        previous, dask_scheduler.allowed_failures = dask_scheduler.allowed_failures, count
        return previous

    with Client(address, timeout=30, set_as_default=False) as client:
        return client.run_on_scheduler(change)


def test_a_submission_the_cluster_gives_up_on_is_not_graded_and_the_next_run_grades_it(
        cluster, config, local, tmp_path):
    """The worker grading a submission dies and the scheduler gives up on it (Dask's
    KilledWorker): no point is taken, the run lists it as not graded with the reason and
    exits 1, and the same command grades it once a worker is back."""
    previous = _allowed_failures(cluster["address"], 0)
    try:
        doomed = start_worker(cluster, "doomed-for-good")
        wait_for_workers(cluster["address"], 1)
        running = grade(tmp_path, config, "01_convolution", "--scheduler", cluster["address"],
                        wait=False)
        results = tmp_path / "work" / "results"
        deadline = time.monotonic() + 300
        while not list(results.glob("*/*.json")):
            assert time.monotonic() < deadline and running.poll() is None, running.communicate()
            time.sleep(0.05)
        stop(doomed)
        survivor = start_worker(cluster, "after-the-loss")
        out, err = running.communicate(timeout=1200)
    finally:
        _allowed_failures(cluster["address"], previous)
    assert running.returncode == 1, err[-3000:]
    run = json.loads((tmp_path / "results.json").read_text())["run"]
    lost = {(entry["student"], entry["assignment"]) for entry in run["not_graded"]}
    assert lost and all("KilledWorker" in entry["reason"] for entry in run["not_graded"])
    assert "NOT GRADED" in out and "no student lost a point" in err
    mine = {key: verdict for key, verdict in local.items() if key[1] == "01_convolution"}
    try:  # the survivor leaves the shared cluster whatever happens, for the next tests
        graded = verdicts(tmp_path)
        for key, verdict in graded.items():
            if (key[0], key[1]) in lost:  # no score at all, not a zero
                assert verdict[1] == "ungraded" and verdict[0] is None, key
            else:
                assert verdict == mine[key], key

        done = grade(tmp_path, config, "01_convolution", "--scheduler", cluster["address"])
        assert done.returncode == 0, done.stderr[-3000:]
        assert verdicts(tmp_path) == mine
    finally:
        stop(survivor)


def test_a_worker_without_bubblewrap_is_refused_before_it_takes_work(cluster, config, local,
                                                                     tmp_path):
    """Alone, it makes `course grade` stop with a message naming it and the reason; beside a
    good worker, it never grades (every task ran on the good one)."""
    from distributed import Client

    bad = start_worker(cluster, "no-bwrap", without_bubblewrap=True)
    wait_for_workers(cluster["address"], 1)
    done = grade(tmp_path / "alone", config, "--scheduler", cluster["address"])
    assert done.returncode == 2
    assert "no Dask worker" in done.stderr and "cannot run the sandbox" in done.stderr
    assert "bwrap" in done.stderr
    assert not (tmp_path / "alone" / "results.json").exists()

    good = start_worker(cluster, "good")
    wait_for_workers(cluster["address"], 2)
    done = grade(tmp_path / "both", config, "02_padding", "--scheduler", cluster["address"])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "refused" in done.stderr
    with Client(cluster["address"], timeout=30, set_as_default=False) as client:
        workers = client.scheduler_info(n_workers=-1)["workers"]
        names = {address: info["name"] for address, info in workers.items()}
        resources = {info["name"]: info["resources"].get("course-sandbox", 0)
                     for info in workers.values()}
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    executed = {names[address]: count for address, count in executed.items()}
    assert resources == {"no-bwrap": 0, "good": 1}
    assert executed["no-bwrap"] == 0 and executed["good"] > 0
    assert verdicts(tmp_path / "both") == {
        key: verdict for key, verdict in local.items() if key[1] == "02_padding"
    }
    for worker in (bad, good):
        stop(worker)
