"""`make lab` starts a JupyterLab server that serves the course notebooks."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_lab_serves_the_course(project_root, tmp_path):
    """The README's lab command answers HTTP on localhost and lists the notebooks folder."""
    port = _free_port()
    token = "course-test-token"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    server = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"],
        cwd=project_root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        status, body = None, ""
        while time.monotonic() < deadline and server.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/api/contents?token={token}"
                with urllib.request.urlopen(url, timeout=2) as response:
                    status, body = response.status, response.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert server.poll() is None, "the lab command exited instead of serving"
        assert status == 200
        listed = {item["name"] for item in json.loads(body)["content"]}
        assert any(name.startswith("01_") for name in listed), listed
        lab_url = f"http://127.0.0.1:{port}/lab?token={token}"
        with urllib.request.urlopen(lab_url, timeout=5) as page:
            assert page.status == 200
            assert "JupyterLab" in page.read().decode()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
