"""`make lab` starts a JupyterLab server that serves the course notebooks."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from contextlib import contextmanager

import pytest

pytestmark = pytest.mark.slow

TOKEN = "course-test-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def make_lab(project_root, tmp_path, port: int, *, env=None):
    """`make lab` on 127.0.0.1:port, stopped (with its process group) afterwards."""
    environment = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), **(env or {}))
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={TOKEN}"
    server = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"],
        cwd=project_root,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _get(port: int, path: str, *, wait: float = 90.0):
    """GET a JSON API path once the server answers; (status, body)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            url = f"http://127.0.0.1:{port}{path}?token={TOKEN}"
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_make_lab_serves_the_course(project_root, tmp_path):
    """The README's lab command answers HTTP on localhost and lists the notebooks folder."""
    port = _free_port()
    with make_lab(project_root, tmp_path, port) as server:
        status, body = _get(port, "/api/contents")
        assert server.poll() is None, "the lab command exited instead of serving"
        assert status == 200
        listed = {item["name"] for item in json.loads(body)["content"]}
        assert any(name.startswith("01_") for name in listed), listed
        lab_url = f"http://127.0.0.1:{port}/lab?token={TOKEN}"
        with urllib.request.urlopen(lab_url, timeout=5) as page:
            assert page.status == 200
            assert "JupyterLab" in page.read().decode()


async def _kernel_answers_a_large_message(port: int, kernel_id: str, padding: int) -> bool:
    """Send a kernel_info_request carrying ``padding`` bytes; True if the reply comes back."""
    from tornado.websocket import WebSocketClosedError, websocket_connect

    url = f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?token={TOKEN}"
    connection = await websocket_connect(url)
    msg_id = uuid.uuid4().hex
    message = {
        "header": {
            "msg_id": msg_id,
            "msg_type": "kernel_info_request",
            "session": uuid.uuid4().hex,
            "username": "test",
            "date": datetime.datetime.now(datetime.UTC).isoformat(),
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {"padding": "x" * padding},
        "content": {},
        "channel": "shell",
        "buffers": [],
    }
    try:
        await connection.write_message(json.dumps(message))
        while True:
            raw = await asyncio.wait_for(connection.read_message(), timeout=60)
            if raw is None:  # the server closed the connection: the message was too large
                return False
            reply = json.loads(raw)
            if reply["channel"] == "shell" and reply["parent_header"].get("msg_id") == msg_id:
                return reply["header"]["msg_type"] == "kernel_info_reply"
    except WebSocketClosedError:
        return False
    finally:
        connection.close()
        # Wait for the closing handshake, so no socket is left for the garbage collector.
        while await asyncio.wait_for(connection.read_message(), timeout=10) is not None:
            pass


def test_make_lab_lets_a_30_megabyte_upload_reach_the_kernel(project_root, tmp_path):
    """A 30 MB websocket message (a large photo in FileUpload) gets through make lab's server.

    Jupyter's default limit (10 MiB) would close the connection and the upload would never
    arrive; make lab's jupyter-config raises it, so the widget can answer every file.
    """
    port = _free_port()
    with make_lab(project_root, tmp_path, port):
        _get(port, "/api/status")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/kernels?token={TOKEN}",
            data=json.dumps({"name": "python3"}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            kernel_id = json.loads(response.read())["id"]
        assert asyncio.run(_kernel_answers_a_large_message(port, kernel_id, 1000))
        assert asyncio.run(_kernel_answers_a_large_message(port, kernel_id, 30_000_000))
