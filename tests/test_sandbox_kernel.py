"""Tests for course_lib.sandbox.kernel: notebooks executed by a kernel inside the sandbox."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

from course_lib.sandbox.kernel import SandboxedKernelManager

ROOT = Path(__file__).resolve().parent.parent
UIDS = range(61910, 61914)
"""Uids of these tests only, so that other sandboxes running meanwhile are not counted."""
POOL = Config({"Sandbox": {"uid": UIDS[0], "uid_pool": len(UIDS)}})
"""Config giving the kernels of these tests that pool."""


def notebook(*sources: str) -> nbformat.NotebookNode:
    """A notebook with one code cell per source."""
    book = nbformat.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    book.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    return book


def printed(cell) -> object:
    """The JSON value a cell printed."""
    text = "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")
    return json.loads(text.strip().splitlines()[-1])


def processes_of(uids: range) -> list[int]:
    """Pids of the processes running as one of ``uids``."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def left_running(uids: range, *, seconds: float = 10.0) -> list[str]:
    """The processes of ``uids`` still there after up to ``seconds`` (the killed processes of
    a pid namespace take a moment to be reaped on a busy machine; a process left running
    never goes), each as ``pid: command line``."""
    deadline = time.monotonic() + seconds
    while processes_of(uids) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = []
    for pid in processes_of(uids):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        left.append(f"{pid}: {command.decode(errors='replace').strip()}")
    return left


@pytest.fixture
def folders(tmp_path):
    """A notebook folder (the kernel's cwd), an allowed data folder and a secret file."""
    work = tmp_path / "notebook"
    work.mkdir()
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "data.txt").write_text("allowed")
    secret = tmp_path / "gradebook.db"
    secret.write_text("GRADES")
    for path in (work, allowed):
        path.chmod(0o755)
    (allowed / "data.txt").chmod(0o644)
    secret.chmod(0o644)
    return work, allowed, secret


@pytest.fixture
def local_server():
    """A TCP server on 127.0.0.1 that accepts connections until the test ends."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                server.accept()[0].close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


@pytest.mark.slow
def test_notebook_runs_in_sandboxed_kernel(folders, local_server):
    """A notebook runs in a kernel that sees only lo and allowed files and writes only HOME."""
    work, allowed, secret = folders
    config = Config(
        {"SandboxedKernelManager": {"readable": [str(allowed)]},
         "Sandbox": {"uid": UIDS[0], "uid_pool": len(UIDS)}}
    )
    book = notebook(
        "import json, os, socket\n"
        "print(json.dumps([os.getuid(), [n for _, n in socket.if_nameindex()], os.getcwd()]))",
        f"print(json.dumps(open({str(allowed / 'data.txt')!r}).read()))",
        "try:\n"
        f"    print(json.dumps(open({str(secret)!r}).read()))\n"
        "except OSError as error:\n"
        "    print(json.dumps(type(error).__name__))",
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {local_server}), timeout=3).close()\n"
        "    print(json.dumps('connected'))\n"
        "except OSError as error:\n"
        "    print(json.dumps(type(error).__name__))",
        "print(json.dumps([os.path.exists(p) for p in "
        f"({str(ROOT / 'solutions')!r}, {str(ROOT / 'autograde')!r}, '/root/.ssh')]))",
        "import numpy as np\nfrom course_lib import reference\n"
        "print(json.dumps(reference.correlate2d(np.eye(3), np.ones((2, 2))).tolist()))",
        "path = os.path.join(os.environ['HOME'], 'note.txt')\n"
        "open(path, 'w').write('kept')\n"
        "try:\n"
        "    open('here.txt', 'w')\n"
        "    print(json.dumps([open(path).read(), 'cwd writable']))\n"
        "except OSError as error:\n"
        "    print(json.dumps([open(path).read(), type(error).__name__]))",
    )
    client = NotebookClient(
        book,
        kernel_manager_class=SandboxedKernelManager,
        config=config,
        timeout=60,
        startup_timeout=60,
        resources={"metadata": {"path": str(work)}},
    )
    client.execute()
    uid, interfaces, cwd = printed(book.cells[0])
    assert uid in UIDS and uid != 0
    assert interfaces == ["lo"]
    assert cwd == str(work)
    assert printed(book.cells[1]) == "allowed"
    assert printed(book.cells[2]) == "FileNotFoundError"
    assert printed(book.cells[3]) == "ConnectionRefusedError"
    assert printed(book.cells[4]) == [False, False, False]
    assert printed(book.cells[5]) == [[2.0, 1.0], [1.0, 2.0]]
    assert printed(book.cells[6]) == ["kept", "OSError"]
    assert not (work / "here.txt").exists()
    assert client.km is None or not client.km.has_kernel
    assert left_running(UIDS) == []


async def _start_run_and_stop(manager: SandboxedKernelManager, cwd: Path) -> dict:
    """Start a kernel, run one cell, stop it; return what was seen while it ran."""
    await manager.start_kernel(cwd=str(cwd))
    try:
        seen = {"info": json.loads(Path(manager.connection_file).read_text())}
        seen["private"] = Path(manager.connection_file).parent
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        reply = await client.execute_interactive("import os; print(os.getpid())", timeout=30)
        seen["status"] = reply["content"]["status"]
        client.stop_channels()
    finally:
        await manager.shutdown_kernel(now=True)
    return seen


@pytest.mark.slow
def test_kernel_talks_over_ipc_sockets_in_a_private_folder(folders):
    """The manager uses ZeroMQ's ipc transport with socket files in a folder removed afterwards."""
    work, _, _ = folders
    manager = SandboxedKernelManager(config=POOL)
    seen = asyncio.run(_start_run_and_stop(manager, work))
    assert seen["info"]["transport"] == "ipc"
    assert Path(seen["info"]["ip"]).parent == seen["private"]
    assert seen["status"] == "ok"
    assert not seen["private"].exists()
    assert left_running(UIDS) == []


@pytest.mark.slow
def test_nbgrader_execute_preprocessor_accepts_the_manager(folders):
    """nbgrader's own Execute preprocessor runs a notebook through the sandboxed kernel."""
    from nbgrader.preprocessors import Execute

    work, _, _ = folders
    book = notebook("import os\nprint(os.getuid() != 0, sorted(os.listdir('/home')) if "
                    "os.path.exists('/home') else 'no /home')")
    preprocessor = Execute(kernel_manager_class=SandboxedKernelManager, config=POOL)
    book, _ = preprocessor.preprocess(book, {"metadata": {"path": str(work)}})
    assert book.cells[0].outputs[0]["text"] == "True no /home\n"


@pytest.mark.slow
def test_endless_cell_is_interrupted_and_the_kernel_lives_on(folders):
    """A cell timeout interrupts the sandboxed kernel (by message) and later cells still run."""
    work, _, _ = folders
    book = notebook("while True:\n    pass", "print('after')")
    client = NotebookClient(
        book,
        kernel_manager_class=SandboxedKernelManager,
        config=POOL,
        timeout=3,
        startup_timeout=60,
        interrupt_on_timeout=True,
        allow_errors=True,
        resources={"metadata": {"path": str(work)}},
    )
    client.execute()
    assert book.cells[0].outputs[0]["ename"] == "KeyboardInterrupt"
    assert book.cells[1].outputs[0]["text"] == "after\n"


MANAGER_THEN_WAIT = """
import asyncio, sys, time
from pathlib import Path
from traitlets.config import Config
from course_lib.sandbox.kernel import SandboxedKernelManager

async def main():
    pool = Config({"Sandbox": {"uid": int(sys.argv[1]), "uid_pool": int(sys.argv[2])}})
    manager = SandboxedKernelManager(config=pool)
    await manager.start_kernel()
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    print(Path(manager.connection_file).parent.parent, flush=True)
    time.sleep(600)

asyncio.run(main())
"""


@pytest.mark.slow
def test_kernel_dies_with_a_killed_manager():
    """When the process running the kernel manager is killed, the sandboxed kernel goes too."""
    import signal
    import subprocess

    uids = range(61916, 61918)
    manager = subprocess.Popen(
        [sys.executable, "-c", MANAGER_THEN_WAIT, str(uids[0]), str(len(uids))],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    private = Path(manager.stdout.readline().decode().strip())
    try:
        assert private.name.startswith("course-kernel-")
        assert processes_of(uids), "the kernel runs as a sandbox uid"
    finally:
        manager.send_signal(signal.SIGKILL)
        manager.wait()
        manager.stdout.close()
    assert left_running(uids) == []
    # The killed manager could not remove its private folder; the test does.
    shutil.rmtree(private)
