"""The course in a real JupyterLab, started by `make lab`, driven by a real headless Chromium.

One JupyterLab server serves scratch copies of notebooks/ and solutions/ (Run
All saves outputs, which must never reach the committed notebooks) and a small
widget notebook. Every notebook is opened and run with Run > Run All Cells, as
a student would, and photographed page by page into test-artifacts/notebooks/
(untouched_NN_pXX.png for the released copies, master_NN_pXX.png for the
answered ones); people look at these pictures. The widgets are driven through
the page: a kernel chosen from the menu, a weight typed, files uploaded.
Network traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

from course_lib import assignments
from course_lib.grading import exercises
from course_lib.grading.assess import GENERIC_EXPLANATIONS
from course_lib.widgets._sources import MAX_UPLOAD_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOKEN = "widget-browser-test"
WAIT_MS = 120_000
RUN_ALL_MS = 420_000
VIEWPORT = {"width": 1280, "height": 1800}
NAMES = assignments.available_assignments()
SCROLLER = ".jp-NotebookPanel .jp-WindowedPanel-outer"
UNANSWERED = re.compile(rf"\w+ {re.escape(GENERIC_EXPLANATIONS['not-implemented'])} \(0 points\)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_widget_notebook(folder: Path) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from course_lib.widgets import filter_picker\npicker = filter_picker()\npicker"
        ),
        nbformat.v4.new_code_cell(
            "from course_lib.widgets import kernel_editor, pooling_explorer\nkernel_editor()"
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


def _lab_settings(folder: Path) -> None:
    """No news or update pop-ups; every cell rendered, so the whole page can be checked."""
    for plugin, settings in {
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "notebook-extension/tracker": {"windowingMode": "none"},
    }.items():
        path = folder / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))


def _wait_until_serving(server: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 120
    url = f"http://127.0.0.1:{port}/api/status?token={TOKEN}"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"make lab exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"make lab did not answer within 120 s:\n{log_path.read_text()[-3000:]}")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def _api(port: int, path: str, *, method: str = "GET"):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}?token={TOKEN}", method=method
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


def _shut_down_kernels(port: int) -> None:
    """Each notebook gets a fresh kernel; the finished ones would only hold memory."""
    for kernel in _api(port, "/api/kernels"):
        _api(port, f"/api/kernels/{kernel['id']}", method="DELETE")


@pytest.fixture(scope="module")
def lab(project_root, tmp_path_factory):
    """`make lab` serving scratch copies of the notebooks; yields (port, root)."""
    base = tmp_path_factory.mktemp("lab")
    root, state = base / "root", base / "state"
    for folder in ("notebooks", "solutions"):
        shutil.copytree(
            project_root / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_*")
        )
    _write_widget_notebook(root)
    _lab_settings(state / "settings")
    port = _free_port()
    log_path = base / "jupyter.log"
    # The kernels must draw inline figures, not use the tests' headless Agg backend.
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    env.update(
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
    )
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={TOKEN}"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            ["make", "--no-print-directory", "lab", f"LAB_DIR={root}", f"LAB_ARGS={args}"],
            cwd=project_root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_serving(server, port, log_path)
        yield port, root
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def browser(chromium_options):
    """One headless Debian Chromium for the whole module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**chromium_options)
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser, port: int, path: str):
    """A page showing the notebook at ``path``, its kernel idle, the left sidebar closed."""
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"http://127.0.0.1:{port}/doc/tree/{path}?token={TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=WAIT_MS)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=WAIT_MS)
    page.locator(".jp-Notebook .jp-Cell").first.click()
    _close_left_sidebar(page)
    return page


def _close_left_sidebar(page) -> None:
    """More width for the notebook (the restored layout may open the file browser late)."""
    is_open = (
        "() => { const stack = document.querySelector('#jp-left-stack'); "
        "return !!stack && !stack.classList.contains('lm-mod-hidden'); }"
    )
    for _ in range(4):
        page.wait_for_timeout(750)
        if page.evaluate(is_open):
            page.keyboard.press("Escape")
            page.keyboard.press("Control+b")


def _run_all(page) -> None:
    """Run > Run All Cells, then wait until no cell is queued or running and the kernel is idle."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    started = False
    for _ in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        item = page.locator(".lm-Menu-item[data-command='runmenu:run-all']")
        item.wait_for(state="visible", timeout=WAIT_MS)
        item.click()
        try:
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
                ".some(e => /\\[(\\*|\\d+)\\]/.test(e.textContent))",
                timeout=20_000,
            )
            started = True
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    if not started:
        pytest.fail("Run > Run All Cells did not start the notebook after three tries")
    done = (
        "() => document.querySelector(\".jp-Notebook-ExecutionIndicator[data-status='idle']\")"
        " && ![...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
        ".some(e => e.textContent.includes('*'))"
    )
    for _ in range(2):  # idle twice in a row: the kernel is idle between two queued cells
        page.wait_for_function(done, timeout=RUN_ALL_MS, polling=500)
        page.wait_for_timeout(1500)
    page.wait_for_function(done, timeout=RUN_ALL_MS, polling=500)


def _photograph(page, folder: Path, stem: str) -> list[Path]:
    """Screenshots of the whole notebook, one viewport height at a time."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{stem}_p*.png"):
        old.unlink()
    height, view = page.evaluate(
        f"() => {{ const s = document.querySelector('{SCROLLER}'); "
        "return [s.scrollHeight, s.clientHeight]; }"
    )
    panel = page.locator(".jp-NotebookPanel").first
    paths = []
    for index, top in enumerate(range(0, height, max(view - 120, 200))):
        page.evaluate(f"() => {{ document.querySelector('{SCROLLER}').scrollTop = {top}; }}")
        page.wait_for_timeout(250)
        path = folder / f"{stem}_p{index:02d}.png"
        panel.screenshot(path=str(path))
        paths.append(path)
    return paths


def _run_and_photograph(lab, browser, artifacts_dir, folder: str, name: str, label: str):
    port, _ = lab
    page = _open(browser, port, f"{folder}/{name}/{name}.ipynb")
    try:
        _run_all(page)
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
        errors = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        ).all_inner_texts()
        text = page.locator(".jp-Notebook").inner_text()
        figures = page.locator(".jp-OutputArea-output img").count()
        pages = _photograph(page, artifacts_dir / "notebooks", f"{label}_{name[:2]}")
    except Exception:
        page.screenshot(path=str(artifacts_dir / f"{label}_{name[:2]}_failure.png"))
        raise
    finally:
        page.close()
        _shut_down_kernels(port)
    return prompts, errors, text, figures, pages


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", NAMES)
def test_untouched_notebook_runs_all_in_jupyterlab(name, lab, browser, artifacts_dir):
    """Run All on a released copy reaches the last cell with no error output or traceback."""
    prompts, errors, text, figures, pages = _run_and_photograph(
        lab, browser, artifacts_dir, "notebooks", name, "untouched"
    )
    assert prompts and all(re.fullmatch(r"\[\d+\]:", p.strip()) for p in prompts), prompts
    # Each check cell reports "not implemented yet (0 points)" on stderr, which is how
    # nbgrader's Validate learns that it failed; nothing else may write there.
    unanswered = [e for e in errors if UNANSWERED.fullmatch(e.strip())]
    assert [e for e in errors if e not in unanswered] == []
    assert len(unanswered) == len(exercises.for_assignment(name))
    assert "Traceback" not in text and "NotImplementedError()" not in text.replace(
        "raise NotImplementedError()", ""
    )
    assert "Waiting for your" in text or "is not written yet" in text
    assert figures > 0 and pages


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", NAMES)
def test_master_notebook_runs_all_in_jupyterlab(name, lab, browser, artifacts_dir):
    """Run All on a master reaches the last cell with the answers' own results, no error."""
    prompts, errors, text, figures, pages = _run_and_photograph(
        lab, browser, artifacts_dir, "solutions", name, "master"
    )
    assert prompts and all(re.fullmatch(r"\[\d+\]:", p.strip()) for p in prompts), prompts
    assert errors == []
    assert "Traceback" not in text
    assert "Waiting for your" not in text and "is not written yet" not in text
    assert figures > 0 and pages


def _jpeg_photo(path: Path) -> Path:
    rows, cols = np.mgrid[0:3000, 0:4000]
    photo = np.stack([rows % 256, cols % 256, (rows // 12) % 256], axis=-1).astype(np.uint8)
    Image.fromarray(photo).save(path, format="JPEG", quality=85)
    return path


def _oversized_png(path: Path) -> Path:
    """A PNG of noise over 36 MB: it cannot be compressed, like a large scan."""
    noise = np.random.default_rng(2).integers(0, 256, size=(3500, 3500, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="PNG", compress_level=0)
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size > 36_000_000 > MAX_UPLOAD_BYTES
    return path


def _inside(container, element) -> bool:
    """Whether ``element`` is drawn entirely within ``container`` (not cut off at its edge)."""
    outer, inner = container.bounding_box(), element.bounding_box()
    return bool(outer and inner) and (
        inner["x"] >= outer["x"] - 1
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
        and inner["width"] > 20
    )


def _upload(page, widget, path: Path) -> None:
    """Click the widget's Upload button and choose ``path`` in the browser's file dialog."""
    with page.expect_file_chooser(timeout=WAIT_MS) as chooser:
        widget.locator("button.course-upload").click()
    chooser.value.set_files(str(path))


@pytest.mark.timeout(600)
def test_widgets_take_choices_and_uploads_in_jupyterlab(lab, browser, artifacts_dir, tmp_path):
    """The picker redraws on a menu choice and answers uploads, large or too large; the editor
    names a custom kernel; the explorer draws its windows."""
    port, _ = lab
    page = _open(browser, port, "widget_demo.ipynb")
    shots = artifacts_dir / "widgets"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        _run_all(page)
        result = page.locator("img.course-result-image")
        result.wait_for(state="visible", timeout=WAIT_MS)
        picker = page.locator(".jp-OutputArea-output").filter(has=result)
        picker.locator(".course-status-ok").wait_for(state="visible", timeout=WAIT_MS)
        picker.screenshot(path=str(shots / "picker_identity.png"))
        before_src = result.get_attribute("src")
        before_pixels = result.screenshot()

        dropdown = page.locator(".course-kernel-dropdown select")
        dropdown.select_option(label="sobel_right")
        page.wait_for_function(
            "old => document.querySelector('img.course-result-image').src !== old",
            arg=before_src,
            timeout=WAIT_MS,
        )
        picker.locator(".course-status-ok").wait_for(state="visible", timeout=WAIT_MS)
        picker.screenshot(path=str(shots / "picker_sobel_right.png"))
        after_pixels = result.screenshot()
        caption = picker.locator(".course-result-caption").inner_text()
        widget_text = picker.inner_text()

        _upload(page, picker, _jpeg_photo(tmp_path / "camera.jpg"))
        page.wait_for_function(
            "() => document.body.innerText.includes('downscaled from 3000 x 4000 to 768 x 1024')",
            timeout=WAIT_MS,
        )
        picker.screenshot(path=str(shots / "picker_upload_large_photo.png"))
        photo_text = picker.inner_text()
        _upload(page, picker, _oversized_png(tmp_path / "scan.png"))
        page.wait_for_function(
            "() => document.body.innerText.includes('scan.png is ')", timeout=WAIT_MS
        )
        picker.screenshot(path=str(shots / "picker_upload_too_large.png"))
        refusal = picker.locator(".course-status-error").inner_text()

        # A 31 x 31 Gaussian: drawn as a picture beside the result, not a table cut off.
        picker.locator("select").first.select_option(label="ascent (512 x 512, grey)")
        page.locator(".course-kernel-dropdown select").select_option(label="gaussian")
        size_slider = picker.locator(".widget-slider .noUi-handle").first
        size_slider.wait_for(state="visible", timeout=WAIT_MS)
        size_slider.focus()
        for _ in range(13):  # 5 -> 31 in steps of 2, as with the keyboard
            size_slider.press("ArrowRight")
        page.wait_for_function(
            "() => document.body.innerText.includes('31 x 31, sum 1')", timeout=WAIT_MS
        )
        picker.screenshot(path=str(shots / "picker_gaussian_31.png"))
        big_kernel = _inside(picker, picker.locator("img[alt='kernel weights']"))

        grid = page.locator(".course-kernel-grid")
        grid.wait_for(state="visible", timeout=WAIT_MS)
        editor = page.locator(".jp-OutputArea-output").filter(has=grid)
        editor.scroll_into_view_if_needed()
        editor.screenshot(path=str(shots / "kernel_editor_sharpen.png"))
        editor_caption = editor.locator(".course-result-caption").inner_text()
        editor.get_by_text("5 x 5", exact=True).click()
        page.wait_for_function(
            "() => document.querySelectorAll('.course-kernel-grid input').length === 25",
            timeout=WAIT_MS,
        )
        editor.locator("table").last.wait_for(state="visible", timeout=WAIT_MS)
        editor.screenshot(path=str(shots / "kernel_editor_5x5.png"))
        table_5x5 = _inside(editor, editor.locator("table").last)
        editor.get_by_text("3 x 3", exact=True).click()
        page.wait_for_function(
            "() => document.querySelectorAll('.course-kernel-grid input').length === 9",
            timeout=WAIT_MS,
        )
        preset = editor.locator(".course-preset-dropdown select")
        centre = grid.locator("input").nth(4)
        # Type only once the 3 x 3 sharpen preset has arrived in the new grid: a weight typed
        # while the kernel is still writing the preset's weights would be overwritten.
        page.wait_for_function(
            "([el, cell]) => el.options[el.selectedIndex] && "
            "el.options[el.selectedIndex].text.startsWith('sharpen') && Number(cell.value) === 5",
            arg=[preset.element_handle(), centre.element_handle()],
            timeout=WAIT_MS,
        )
        editor.locator(".course-status-ok").wait_for(state="visible", timeout=WAIT_MS)
        centre.fill("4")
        centre.press("Enter")
        page.wait_for_function(
            "el => el.options[el.selectedIndex] && "
            "el.options[el.selectedIndex].text.startsWith('custom')",
            arg=preset.element_handle(),
            timeout=WAIT_MS,
        )
        editor.screenshot(path=str(shots / "kernel_editor_custom.png"))

        windows = page.locator("img.course-windows-image")
        windows.wait_for(state="visible", timeout=WAIT_MS)
        explorer = page.locator(".jp-OutputArea-output").filter(has=windows)
        explorer.scroll_into_view_if_needed()
        explorer.screenshot(path=str(shots / "pooling_explorer.png"))
        explorer_text = explorer.inner_text()
        windows_box = windows.bounding_box()
    except Exception:
        page.screenshot(path=str(shots / "failure.png"))
        raise
    finally:
        page.close()
        _shut_down_kernels(port)
    assert after_pixels != before_pixels, "the result image looks the same after the change"
    # Sobel responses are signed: the page must show them with the diverging colormap.
    assert "RdBu_r" in caption, caption
    assert "vertical edges" in widget_text, widget_text
    assert "Problem" not in widget_text, widget_text
    assert "camera.jpg" in photo_text and "Problem" not in photo_text, photo_text
    assert f"more than the {MAX_UPLOAD_BYTES / 1e6:.1f} MB this widget accepts" in refusal
    assert "clamp" in editor_caption and "grey, 0 .. 255" in editor_caption, editor_caption
    assert big_kernel, "the 31 x 31 kernel picture is cut off"
    assert table_5x5, "the 5 x 5 kernel table is cut off"
    assert "(14, 14)" in explorer_text, explorer_text
    assert "windows of size 2, every 2 px" in explorer_text, explorer_text
    assert windows_box and windows_box["width"] > 200
