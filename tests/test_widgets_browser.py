"""The filter picker works in a real JupyterLab, driven by a real headless Chromium."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "widget-browser-test"
WAIT_MS = 120_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_notebook(folder: Path) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from course_lib.widgets import filter_picker\npicker = filter_picker()\npicker"
        ),
        nbformat.v4.new_code_cell(
            "from course_lib.widgets import kernel_editor, pooling_explorer\nkernel_editor(size=5)"
        ),
        nbformat.v4.new_code_cell('pooling_explorer(image="mnist", seed=0)'),
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, folder / "widget_demo.ipynb")
    return "widget_demo.ipynb"


def _quiet_lab_settings(folder: Path) -> None:
    """No news or update checks: they would pop notifications over the page."""
    settings = folder / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )


def _start_lab(root: Path, state: Path, port: int, log) -> subprocess.Popen:
    jupyter = Path(sys.executable).parent / "jupyter"
    env = dict(
        os.environ,
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
    )
    command = [
        str(jupyter),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    return subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _wait_until_serving(server: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 120
    url = f"http://127.0.0.1:{port}/api/status?token={TOKEN}"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer within 120 s:\n{log_path.read_text()[-3000:]}")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def _run_all_cells(page) -> None:
    """Run > Run All Cells, retried if the first click lands before the menu is live."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    prompt = page.locator(".jp-Cell .jp-InputPrompt").first
    for _ in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        item = page.locator(".lm-Menu-item[data-command='runmenu:run-all']")
        item.wait_for(state="visible", timeout=WAIT_MS)
        item.click()
        try:
            # "[*]:" while running, "[1]:" when done; "[ ]:" means the click was lost.
            page.wait_for_function(
                "el => !el.textContent.includes('[ ]')", arg=prompt.element_handle(), timeout=20_000
            )
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    pytest.fail("Run > Run All Cells did not start the notebook after three tries")


@pytest.mark.timeout(600)
def test_widgets_render_and_redraw_in_jupyterlab(tmp_path, artifacts_dir):
    """Choosing another kernel in the page redraws the picker's result; all widgets render."""
    from playwright.sync_api import sync_playwright

    root, state = tmp_path / "notebooks", tmp_path / "state"
    root.mkdir()
    state.mkdir()
    _quiet_lab_settings(state / "settings")
    name = _write_notebook(root)
    port = _free_port()
    log_path = tmp_path / "jupyter.log"
    with open(log_path, "wb") as log:
        server = _start_lab(root, state, port, log)
    try:
        _wait_until_serving(server, port, log_path)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            try:
                page.goto(f"http://127.0.0.1:{port}/lab/tree/{name}?token={TOKEN}")
                page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=WAIT_MS)
                page.wait_for_selector(
                    ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=WAIT_MS
                )
                _run_all_cells(page)

                result = page.locator("img.course-result-image")
                result.wait_for(state="visible", timeout=WAIT_MS)
                # Scoped to the picker's output: the other widgets have status lines too.
                output = page.locator(".jp-OutputArea-output").filter(has=result)
                status = output.locator(".course-status-ok")
                status.wait_for(state="visible", timeout=WAIT_MS)
                output.screenshot(path=str(artifacts_dir / "widget_picker_identity.png"))
                before_src = result.get_attribute("src")
                before_pixels = result.screenshot()

                dropdown = page.locator(".course-kernel-dropdown select")
                dropdown.click()
                dropdown.select_option(label="sobel_right")
                page.wait_for_function(
                    "old => document.querySelector('img.course-result-image').src !== old",
                    arg=before_src,
                    timeout=WAIT_MS,
                )
                status.wait_for(state="visible", timeout=WAIT_MS)
                output.screenshot(path=str(artifacts_dir / "widget_picker_sobel_right.png"))
                after_pixels = result.screenshot()
                caption = output.locator(".course-result-caption").inner_text()
                widget_text = output.inner_text()

                # The other two widgets render in the same notebook.
                grid = page.locator(".course-kernel-grid")
                grid.wait_for(state="visible", timeout=WAIT_MS)
                grid_inputs = grid.locator("input").count()
                editor = page.locator(".jp-OutputArea-output").filter(has=grid)
                editor.scroll_into_view_if_needed()
                editor.screenshot(path=str(artifacts_dir / "widget_kernel_editor.png"))
                pooled = page.locator("img.course-pooled-image")
                pooled.wait_for(state="visible", timeout=WAIT_MS)
                explorer = page.locator(".jp-OutputArea-output").filter(has=pooled)
                explorer.scroll_into_view_if_needed()
                explorer.screenshot(path=str(artifacts_dir / "widget_pooling_explorer.png"))
                explorer_text = explorer.inner_text()
            except Exception:
                page.screenshot(path=str(artifacts_dir / "widget_picker_failure.png"))
                raise
            finally:
                browser.close()
    finally:
        _stop(server)
    assert after_pixels != before_pixels, "the result image looks the same after the change"
    # Sobel responses are signed: the page must show them with the diverging colormap.
    assert "RdBu_r" in caption, caption
    assert "vertical edges" in widget_text, widget_text
    assert "Problem" not in widget_text, widget_text
    assert grid_inputs == 25, f"the 5x5 kernel editor shows {grid_inputs} weight fields"
    assert "(14, 14)" in explorer_text, explorer_text
