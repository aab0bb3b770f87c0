"""`course grade` on hostile submissions: every attack fails, and the rest is still graded.

Each attacking student's ``convolve`` is correct, except that it returns a
wrong answer (the correct one plus 1) when its attack succeeds. So
``convolve`` passing means the attack failed, and ``output_size`` passing
means the student's other exercise was graded regardless. Where an attack is
harmless on the host, a control runs the same code unsandboxed and shows that
it does succeed there, so a passing test cannot be an attack that never worked.

Safety: limits (10 s, 1 GiB, 32 processes) are written to the config before
anything runs; the fork bomb is graded only after a probe through the same
sandbox has shown that the process limit is in force and the uid is not
root; the only network traffic is to a server this test starts on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from answers import CORRECT as CORRECT_ANSWERS
from leftovers import pool_processes

from course_lib.config import load_course
from sample_class import student_notebook

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01_convolution"
MASTER = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
# A uid pool of this module's own: "no process left" can only mean this module's processes,
# whatever other tests run in the sandbox beside it.
FIRST_UID = 61200
LIMITS = {"wall_seconds": 10, "cpu_seconds": 10, "memory_bytes": 2**30, "processes": 32,
          "uid": FIRST_UID}

# A correct convolve, plus a point for each attack that worked.
CORRECT = CORRECT_ANSWERS["convolve"].replace("def convolve(", "def _correct(") + '''

def convolve(image, kernel):
    return _correct(image, kernel) + (1.0 if _attack() else 0.0)
'''

ATTACKS = {
    "reads_secrets": '''
def _attack():
    """True if any file outside the submission could be read."""
    for path in TARGETS:
        try:
            with open(path, "rb") as handle:
                handle.read(1)
            return True
        except OSError:
            pass
    return False
''',
    "writes_files": '''
def _attack():
    """True if any file outside the sandbox could be changed or created."""
    for path in TARGETS:
        try:
            with open(path, "ab") as handle:
                handle.write(b"tampered")
            return True
        except OSError:
            pass
    return False
''',
    "network": '''
import socket


def _attack():
    """True if the test's server on the host's loopback could be reached."""
    try:
        with socket.create_connection(("127.0.0.1", TARGETS[0]), timeout=2):
            return True
    except OSError:
        return False
''',
    "interfaces": '''
def _attack():
    """True if any network interface but loopback, or any route, is visible."""
    with open("/proc/net/dev") as dev:
        names = [line.split(":")[0].strip() for line in dev.readlines()[2:]]
    try:
        with open("/proc/net/route") as table:
            routes = table.readlines()[1:]
    except OSError:
        routes = []
    return names != ["lo"] or bool(routes)
''',
    "fork_bomb": '''
import os


def _attack():
    while True:
        try:
            os.fork()
        except OSError:
            pass
''',
    "output_flood": '''
import os
import sys


def _attack():
    sys.stdout.write("x" * 100_000_000)
    os.write(1, b"y" * 50_000_000)
    os.write(2, b"z" * 50_000_000)
    return False
''',
    "kills_parent": '''
import os
import signal


def _attack():
    for target in (os.getppid(), 1):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.killpg(0, signal.SIGKILL)
    except OSError:
        pass
    return False
''',
    # Graded first (names sort), leaves traces for the next submissions.
    "p1_leaves_traces": '''
import os

os.environ["COURSE_TRACE"] = "left behind"
for _folder in [os.path.expanduser("~"), "/tmp", "/dev/shm", *TARGETS]:
    try:
        with open(os.path.join(_folder, "course_trace"), "w") as _handle:
            _handle.write("left behind")
    except OSError:
        pass


def _attack():
    return False
''',
    "p2_finds_traces": '''
import os


def _attack():
    """True if an earlier submission's environment variable or files are visible."""
    folders = [os.path.expanduser("~"), "/tmp", "/dev/shm", *TARGETS]
    found = [f for f in folders if os.path.exists(os.path.join(f, "course_trace"))]
    return bool(found) or "COURSE_TRACE" in os.environ
''',
}


def _answer(attack: str, targets: list) -> str:
    return f"TARGETS = {targets!r}\n" + ATTACKS[attack] + CORRECT


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class LoopbackServer:
    """A TCP server on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()


def _control_succeeds(attack: str, targets: list) -> bool:
    """Run the attacking convolve unsandboxed, in this process: does the attack work here?"""
    namespace = {"np": np}
    exec(compile(_answer(attack, targets), f"<{attack}>", "exec"), namespace)
    image, kernel = np.arange(12.0).reshape(3, 4), np.ones((2, 2))
    got = namespace["convolve"](image, kernel)
    return bool(np.allclose(got, namespace["_correct"](image, kernel) + 1))


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory, course_config):
    """A class of attackers graded once by `course grade`, with everything the tests compare."""
    base = tmp_path_factory.mktemp("hostile")
    submitted, out = base / "submitted", base / "out"
    config = course_config(base / "nbgrader_config.py", **LIMITS)
    secret = base / "instructor_secret.txt"
    secret.write_text("the answers")
    master = json.loads(MASTER.read_text())
    victim = submitted / "victim" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    victim.parent.mkdir(parents=True)
    victim.write_text(json.dumps(student_notebook(master, {})))
    gradebook = out / "course" / "gradebook.db"
    server = LoopbackServer()
    targets = {
        "reads_secrets": [str(MASTER), str(secret), str(victim), str(gradebook)],
        "writes_files": [str(victim), str(secret), str(gradebook), str(base / "new_file")],
        "network": [server.port],
        "interfaces": [],
        "fork_bomb": [],
        "output_flood": [],
        "kills_parent": [],
        "p1_leaves_traces": [str(ROOT / "course_lib"), str(ROOT / "data"), str(base)],
        "p2_finds_traces": [str(ROOT / "course_lib"), str(ROOT / "data"), str(base)],
    }
    for attack, paths in targets.items():
        notebook = student_notebook(master, {"convolve": _answer(attack, paths)})
        folder = submitted / attack / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(notebook))
    before = {path: _digest(path) for path in (victim, secret, MASTER)}

    # The fork bomb is only launched once the process limit is known to hold.
    probe = load_course(config).sandbox().run(
        [sys.executable, "-c", "import os, resource; "
         "print(os.getuid(), resource.getrlimit(resource.RLIMIT_NPROC)[0])"],
        timeout=30,
    )
    uid, nproc = (int(v) for v in probe.stdout.split())
    assert uid != 0 and 0 < nproc <= 32, (uid, nproc)

    try:
        done = subprocess.run(
            [sys.executable, "-m", "course_lib.cli", "grade", ASSIGNMENT,
             "--submitted", str(submitted), "--out", str(out), "--jobs", "1",
             "--config", str(config), "--seed", "7", "--quiet"],
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
            capture_output=True, text=True, timeout=900,
        )
        accepted_during_grading = server.accepted
    finally:
        server.close()
    assert done.returncode == 0, done.stderr[-3000:]
    records = json.loads((out / "results.json").read_text())["records"]
    return {
        "base": base,
        "out": out,
        "targets": targets,
        "before": before,
        "accepted": accepted_during_grading,
        "records": {(r["student"], r["grade_id"]): r for r in records},
        "server": server,
    }


ALL_ATTACKS = list(ATTACKS)


@pytest.mark.parametrize("attack", ALL_ATTACKS)
def test_the_attackers_other_exercise_is_still_graded(hostile_class, attack):
    """Whatever convolve does, output_size of the same notebook earns its points."""
    for battery in ("visible", "hidden"):
        record = hostile_class["records"][(attack, f"output_size_{battery}")]
        assert record["status"] == "passed", record
        assert record["score"] == record["max_score"] > 0


@pytest.mark.parametrize(
    "attack",
    ["reads_secrets", "writes_files", "network", "interfaces", "p2_finds_traces"],
)
def test_probing_attacks_fail_in_the_sandbox(hostile_class, attack):
    """Reading, writing, networking, looking for interfaces and traces all fail: full marks."""
    for battery in ("visible", "hidden"):
        record = hostile_class["records"][(attack, f"convolve_{battery}")]
        assert record["status"] == "passed", record
        assert record["score"] == record["max_score"]


def test_the_same_attacks_succeed_without_the_sandbox(tmp_path):
    """Controls: unsandboxed, the probes do see secrets, writable files, the server, interfaces."""
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    assert _control_succeeds("reads_secrets", [str(secret)])
    assert _control_succeeds("writes_files", [str(tmp_path / "written")])
    server = LoopbackServer()
    try:
        assert _control_succeeds("network", [server.port])
    finally:
        server.close()
    assert _control_succeeds("interfaces", [])
    os.environ["COURSE_TRACE"] = "set on the host"
    try:
        assert _control_succeeds("p2_finds_traces", [])
    finally:
        del os.environ["COURSE_TRACE"]


def test_no_file_outside_the_sandbox_was_read_back_or_changed(hostile_class):
    """The victim's submission, the instructor's file and the master are byte-for-byte intact."""
    for path, digest in hostile_class["before"].items():
        assert _digest(path) == digest, path
    assert not (hostile_class["base"] / "new_file").exists()
    for folder in hostile_class["targets"]["p1_leaves_traces"]:
        assert not (Path(folder) / "course_trace").exists(), folder
    assert not Path("/tmp/course_trace").exists()


def test_the_loopback_server_saw_no_connection(hostile_class):
    """Only this test's own control ever connects; grading made no connection at all."""
    assert hostile_class["accepted"] == 0


def test_fork_bomb_costs_only_its_exercise_and_leaves_no_process(hostile_class):
    """The fork bomb ends as a timeout or crash with 0 points, and leaves no process behind."""
    record = hostile_class["records"][("fork_bomb", "convolve_visible")]
    assert record["status"] in {"timeout", "crashed"}, record
    assert record["score"] == 0
    assert not pool_processes(FIRST_UID)


def test_output_flood_is_capped_and_the_batch_goes_on(hostile_class):
    """200 MB of output neither fills the results nor stops later students from being graded."""
    assert (hostile_class["out"] / "results.json").stat().st_size < 5_000_000
    record = hostile_class["records"][("output_flood", "convolve_visible")]
    assert len(record["message"]) < 20_000
    assert ("victim", "convolve_hidden") in hostile_class["records"]


def test_killing_the_parent_does_not_stop_the_batch(hostile_class):
    """SIGKILL aimed at the parent, pid 1 and the process group reaches nothing outside."""
    victim = hostile_class["records"][("victim", "convolve_hidden")]
    assert victim["status"] == "passed"
    record = hostile_class["records"][("kills_parent", "convolve_visible")]
    assert record["score"] == 0 or record["status"] == "passed"
