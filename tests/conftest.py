"""Shared test configuration: headless plotting, hypothesis profiles, project paths."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "default", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", deadline=None, max_examples=500, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent

# The sample class generator and the corpus of typical answers are instructor tooling
# outside course_lib (autograde/): tests import them as `sample_class` and `answers`.
sys.path.insert(0, str(ROOT / "autograde"))
# The sample class's unreadable submissions are not committed: every test process makes
# them (atomically, only when missing or different) before any test grades the class.
from sample_class import write_unreadable  # noqa: E402

write_unreadable()
# Test helper modules (routes.py) are imported by name.
sys.path.insert(0, str(ROOT / "tests"))
# The classroom's provisioner and rehearsal (classroom/) are imported by name.
sys.path.insert(0, str(ROOT / "classroom"))

CLASSROOM_ENV = Path(os.environ.get("CLASSROOM_ENV", "/opt/convolution-classroom/env"))
"""The classroom's shared environment (the course's wheel, JupyterHub), shared with
`make classroom`; the tests bring it up to date and keep it."""
TEST_ACCOUNTS = f"convolution course classroom (test run {os.getpid()})"
"""The comment of every Linux account this test process creates: a later run removes any
that a killed run left, never those of a run still going (another pytest, an xdist worker)."""
_TEST_ACCOUNTS = re.compile(r"^convolution course classroom \(test run (\d+)\)$")


BROWSER_GROUP = "browser"
"""The xdist group of the tests that drive Chromium (JupyterLab, the hub) and of the
classroom's load test: one after another on one worker, so that a page waiting for a widget
never shares the machine with thirty students' servers starting at once."""
_BESIDE_BROWSERS = {"tests.test_classroom_load"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Keep what tests share on one xdist worker (``--dist loadgroup``, as ``make test`` runs).

    Browser tests and the classroom's load test join :data:`BROWSER_GROUP`; a test that
    uses a module-scoped fixture (a graded class, a started lab, a cluster, a classroom's
    accounts) joins its module's group, so the fixture is built once; every
    other test goes to whichever worker is free. A module may name its group itself
    (``pytest.mark.xdist_group``). Classrooms on two workers do not meet: their account
    names carry the worker's PID, and the classroom's set-up takes its turn at the
    machine's account files and at building the wheel (``classroom/provision.py``).

    It runs before xdist's own hook, which reads the groups (``tests/test_packaging.py``
    checks that the groups hold).
    """
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None or item.get_closest_marker("xdist_group"):
            continue
        module = getattr(getattr(item, "module", None), "__name__", None)  # None: a doctest
        if item.get_closest_marker("browser") or module in _BESIDE_BROWSERS:
            item.add_marker(pytest.mark.xdist_group(BROWSER_GROUP))
        elif any(fixture[-1].scope == "module" for fixture in info.name2fixturedefs.values()):
            item.add_marker(pytest.mark.xdist_group(module))


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository's top folder."""
    return ROOT


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests save screenshots and reports for people to look at."""
    folder = ROOT / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


CHROMIUM_OPTIONS = {
    # Debian's chromium; Playwright must never download a browser of its own.
    "executable_path": "/usr/bin/chromium",
    # Root in CI needs --no-sandbox; the rest keep Chromium off the (closed) network.
    "args": [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ],
}


@pytest.fixture(scope="session")
def chromium_options() -> dict:
    """Keyword arguments for playwright's chromium.launch()."""
    return dict(CHROMIUM_OPTIONS)


def write_course_config(path: Path, **sandbox) -> Path:
    """Write a config file that is the course's own plus ``c.Sandbox`` options."""
    lines = ["c = get_config()", f"load_subconfig({str(ROOT / 'nbgrader_config.py')!r})"]
    lines += [f"c.Sandbox.{name} = {value!r}" for name, value in sandbox.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def course_config():
    """Returns ``write(path, **sandbox_options)``: the course's config plus sandbox options."""
    return write_course_config


@pytest.fixture(scope="session")
def classroom_env() -> Path:
    """The classroom's Python environment, made from Debian's python3 with the course's wheel
    installed (no checkout, no exercise definitions), JupyterHub and nbgrader; up to date."""
    import provision

    if os.geteuid() != 0:
        pytest.fail("the classroom tests create Linux accounts and need root")
    provision.ensure_environment(CLASSROOM_ENV)
    provision.ensure_proxy(CLASSROOM_ENV.parent / "proxy")
    import pwd

    for entry in pwd.getpwall():
        left = _TEST_ACCOUNTS.match(entry.pw_gecos)
        if left and not Path(f"/proc/{left.group(1)}").exists():
            provision.remove_account(entry.pw_name, comment=entry.pw_gecos)
    return CLASSROOM_ENV
