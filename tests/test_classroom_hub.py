"""The classroom in a real JupyterHub, used through a real headless Chromium, start to end.

The test starts the hub (PAM logins, each server as its own Linux account, on
127.0.0.1 only) and creates the accounts; both are stopped and removed again
however the test ends. One instructor releases 01 and 02. Three students log
in, fetch 01 from the Assignments tab, open it in JupyterLab, write their
answer in the answer cell (one right, one with the kernel flipped, one
nothing), validate it and submit it; one submits twice, one after the due
date. The instructor collects and runs `course grade` (as in a terminal of
their server), checks the scores and diagnoses in formgrader, writes a
comment there, and generates and releases the feedback from formgrader; each
student fetches their feedback and reads exactly their own score, diagnosis
and comment. Screenshots of every step go to test-artifacts/classroom/.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import provision
import pytest
from answers import SAMPLES
from conftest import TEST_ACCOUNTS

from sample_class import master_answers

pytestmark = [pytest.mark.slow, pytest.mark.browser]

FLIPPED = SAMPLES["convolve: flips the kernel"].source
"""The sample class's answer that flips the kernel (loses points, keeps some)."""

ASSIGNMENT = "01_convolution"
TAG = f"h{os.getpid() % 100000}"
ROLES = ("right", "flip", "none")
NAMES = {role: f"{TAG}{role}" for role in ("inst", *ROLES)}
WAIT = 120_000
COMMENT = "Look at which way round you index the kernel: compare with the impulse response."
EXPECTED = {"right": 8.0, "flip": 3.0, "none": 0.0}
"""Scores: the late submission (of 'none') is worth 0 anyway."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ok(done):
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done


@pytest.fixture(scope="module")
def shots(artifacts_dir) -> Path:
    folder = artifacts_dir / "classroom"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return folder


@pytest.fixture(scope="module")
def hub(classroom_env, artifacts_dir):
    """The classroom's accounts and its running hub; both gone afterwards."""
    state = Path(tempfile.mkdtemp(prefix="classroom-hub-test-"))
    state.chmod(0o755)
    room = provision.Classroom(
        prefix=state, env=classroom_env, instructor=NAMES["inst"],
        students=[NAMES[r] for r in ROLES], exchange=str(state / "exchange"),
        group=f"{TAG}-instructors", comment=TEST_ACCOUNTS,
        port=_free_port(), hub_port=_free_port(), proxy_api_port=_free_port())
    process = None
    try:
        passwords = room.up()
        log = artifacts_dir / "classroom-hub.log"
        log.unlink(missing_ok=True)
        process = room.start_hub(log=log)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{room.url}/hub/api/", timeout=2):
                    break
            except OSError:
                assert process.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "the hub did not start in 120 s"
                time.sleep(0.5)
        yield room, passwords
    finally:
        if process is not None:
            room.stop_hub(process)
        room.down()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(chromium_options):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**chromium_options)
        yield chromium
        chromium.close()


class Session:
    """One account logged in to the hub in a browser context of its own."""

    def __init__(self, browser, room, user: str, password: str, shots: Path) -> None:
        self.room, self.user, self.shots = room, user, shots
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(WAIT)
        self.page = self.context.new_page()
        self.page.goto(f"{room.url}/hub/login")
        self.page.fill("#username_input", user)
        self.page.fill("#password_input", password)
        self.page.click("#login_submit")
        self.page.wait_for_selector("#jp-main-dock-panel")
        self.page.wait_for_timeout(1500)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"))

    def nbgrader_menu(self) -> list[str]:
        self.page.click(".lm-MenuBar-itemLabel:text-is('Nbgrader')")
        self.page.wait_for_selector(".lm-Menu")
        items = [t for t in self.page.locator(".lm-Menu .lm-Menu-itemLabel").all_inner_texts()
                 if t.strip()]
        return items

    def open_from_menu(self, label: str) -> None:
        self.nbgrader_menu()
        self.page.locator(".lm-Menu .lm-Menu-itemLabel", has_text=re.compile(f"^{label}$")).click()

    def assignments(self):
        """The Assignments tab, refreshed."""
        if not self.page.locator("#assignments_toolbar").is_visible():
            self.open_from_menu("Assignment List")
        self.page.click("#refresh_assignments_list")
        self.page.wait_for_timeout(1500)
        return self.page.locator("#assignments")

    def terminal(self, command: str, *, done: Path, timeout: float = 900) -> str:
        """Type ``command`` into a JupyterLab terminal, as the account would, and wait until
        it has run (it writes its exit status to ``done``); return that status."""
        page = self.page
        done.unlink(missing_ok=True)
        if not page.locator(".jp-Terminal:visible").count():
            page.click(".lm-MenuBar-itemLabel:text-is('File')")
            page.locator(".lm-Menu .lm-Menu-itemLabel:text-is('New')").hover()
            page.locator(".lm-Menu .lm-Menu-itemLabel:text-is('Terminal')").click()
            page.wait_for_selector(".jp-Terminal .xterm-screen")
            page.wait_for_timeout(1500)
        page.locator(".jp-Terminal:visible .xterm-screen").click()
        page.keyboard.type(f"{command}; echo $? > {done}")
        page.keyboard.press("Enter")
        deadline = time.monotonic() + timeout
        while not (done.is_file() and done.read_text().strip()):
            assert time.monotonic() < deadline, f"{command!r} did not finish in {timeout} s"
            time.sleep(0.5)
        page.wait_for_timeout(500)
        return done.read_text().strip()

    def close(self) -> None:
        self.context.close()


def _answer_cell_source(notebook: Path, function: str) -> str:
    for cell in json.loads(notebook.read_text())["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == f"{function}_answer":
            return "".join(cell["source"])
    raise AssertionError(f"no answer cell for {function}")


def _answers(room) -> dict:
    master = json.loads((room.course_dir / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
                        .read_text())
    right = master_answers(master)
    return {"right": right, "flip": {**right, "convolve": FLIPPED}, "none": {}}


def _write_answer(session: Session, function: str, source: str) -> None:
    """Replace an answer cell's text in the open notebook, as typing it would."""
    page = session.page
    cell = page.locator(".jp-CodeCell", has_text=f"def {function}(").first
    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")


def _submit(session: Session) -> str:
    """Press Submit in the Assignments tab; return the submission's name in the exchange."""
    panel = session.assignments()
    row = panel.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT).first
    before = set(_exchange_submissions(session.room, session.user))
    row.locator("button:text-is('Submit')").click()
    deadline = time.monotonic() + 60
    while not set(_exchange_submissions(session.room, session.user)) - before:
        assert time.monotonic() < deadline, "the submission did not reach the exchange"
        time.sleep(0.5)
    session.page.wait_for_timeout(1000)
    (new,) = set(_exchange_submissions(session.room, session.user)) - before
    return new


def _exchange_submissions(room, user: str) -> list[str]:
    inbound = Path(room.exchange) / room.course_id / "inbound"
    return [p.name for p in inbound.iterdir() if p.name.startswith(f"{user}+{ASSIGNMENT}+")]


@pytest.fixture(scope="module")
def instructor(hub, browser, shots):
    room, passwords = hub
    session = Session(browser, room, NAMES["inst"], passwords[NAMES["inst"]], shots)
    yield session
    session.close()


@pytest.fixture(scope="module")
def story(hub, browser, shots, instructor):
    """Release, fetch, answer, validate, submit, collect, grade: what the class did."""
    room, passwords = hub
    inst = NAMES["inst"]
    home = Path(f"/home/{inst}")
    due = datetime.now(UTC) + timedelta(hours=2)
    told = {"validate": {}, "menus": {}, "submitted": {}}
    # The instructor releases in a terminal of their JupyterLab, as docs/classroom.md says.
    told["release"] = instructor.terminal(
        f"cd {room.course_folder} && course release {ASSIGNMENT} 02_padding --exchange "
        f"--duedate '{due:%Y-%m-%d %H:%M:%S} UTC'", done=home / ".release-done")
    instructor.shot("01_instructor_released_in_a_terminal")
    answers = _answers(room)
    sessions = {}
    for number, role in enumerate(ROLES, start=1):
        user = NAMES[role]
        session = Session(browser, room, user, passwords[user], shots)
        sessions[role] = session
        told["menus"][role] = session.nbgrader_menu()
        session.page.keyboard.press("Escape")
        panel = session.assignments()
        panel.locator("#released_assignments_list .list_item", has_text=ASSIGNMENT).locator(
            "button:text-is('Fetch')").click()
        session.page.wait_for_selector(f"#fetched_assignments_list :text('{ASSIGNMENT}')")
        if number == 1:
            session.shot("02_student_fetched_from_the_assignments_tab")
        # Open the notebook from the Assignments tab, as a student does.
        session.page.click("#fetched_assignments_list a.assignment-notebooks-link")
        session.page.locator(f"#nbgrader-{room.course_id}-{ASSIGNMENT} a",
                             has_text=ASSIGNMENT).click()
        session.page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
        session.page.wait_for_timeout(2000)
        for function, source in answers[role].items():
            _write_answer(session, function, source)
        session.page.keyboard.press("Control+s")
        session.page.wait_for_timeout(1500)
        notebook = Path(f"/home/{user}") / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        if role != "none":
            assert _answer_cell_source(notebook, "convolve") == answers[role]["convolve"]
        if number <= 2:
            session.shot(f"0{2 + number}_{role}_answered_in_jupyterlab")
        # Validate with nbgrader's toolbar button.
        session.page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate",
                                                                       exact=True).click()
        dialog = session.page.locator(".jp-Dialog")
        dialog.wait_for()
        session.page.wait_for_selector(".jp-Dialog :text-matches('Success|failed|error|Error',"
                                       " 'i')", timeout=WAIT)
        told["validate"][role] = dialog.inner_text()
        session.shot(f"05_{role}_validated")
        session.page.keyboard.press("Escape")
    for role in ("right", "flip"):
        told["submitted"].setdefault(role, []).append(_submit(sessions[role]))
    time.sleep(1.1)
    told["submitted"]["right"].append(_submit(sessions["right"]))
    sessions["right"].shot("06_right_submitted_twice")
    # The instructor sets the due date to now: what comes in from here on is late. (A second
    # apart from either side: the due date is given to the second.)
    time.sleep(1.1)
    instructor.terminal(f"nbgrader db assignment add {ASSIGNMENT} "
                        f"--duedate='{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC'",
                        done=home / ".due-done")
    time.sleep(1.1)
    told["submitted"]["none"] = [_submit(sessions["none"])]
    # The instructor, in the same terminal: collect, grade.
    told["grade"] = instructor.terminal(
        f"nbgrader collect --update {ASSIGNMENT} && course grade {ASSIGNMENT} --jobs 2 --quiet",
        done=home / ".grade-done")
    instructor.shot("06_instructor_collected_and_graded_in_a_terminal")
    told["sessions"] = sessions
    yield told
    for session in sessions.values():
        session.close()


def _formgrader(session: Session):
    """Formgrader, freshly opened from the Nbgrader menu (any earlier tab of it closed)."""
    tabs = session.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Formgrader")
    while tabs.count():
        tabs.first.locator(".lm-TabBar-tabCloseIcon").click()
        session.page.wait_for_timeout(300)
    session.open_from_menu("Formgrader")
    frame = session.page.frame_locator(".jp-MainAreaWidget iframe").first
    frame.locator("text=Manage Assignments").first.wait_for()
    return frame


def test_the_instructor_releases_collects_and_grades_in_a_jupyterlab_terminal(hub, story):
    """The commands docs/classroom.md gives, typed into the instructor's terminal, run: the
    course's `course` and `nbgrader` are on its PATH, and the grading reached the gradebook."""
    room, _ = hub
    assert story["release"] == "0" and story["grade"] == "0"
    assert (Path(room.exchange) / room.course_id / "outbound" / ASSIGNMENT).is_dir()
    assert (room.course_dir / "grading-output" / "results.json").is_file()


def test_students_get_the_assignments_tab_and_no_instructor_tools(hub, story, instructor):
    """A student's Nbgrader menu has the assignment list only, and their server has no
    formgrader; the instructor's has both."""
    for role in ROLES:
        assert story["menus"][role] == ["Assignment List"], story["menus"][role]
    room, _ = hub
    student = story["sessions"]["right"].page
    answer = student.request.get(f"{room.url}/user/{NAMES['right']}/formgrader")
    assert answer.status == 404
    menu = instructor.nbgrader_menu()
    instructor.page.keyboard.press("Escape")
    assert "Formgrader" in menu and "Assignment List" in menu


def test_validation_tells_each_student_where_they_stand(story):
    """nbgrader's Validate button in the notebook: success for the right answer, the failed
    check for the flipped kernel, and the unanswered cells for the empty notebook."""
    assert "Success" in story["validate"]["right"], story["validate"]["right"]
    assert "Success" not in story["validate"]["flip"]
    assert "Success" not in story["validate"]["none"]


def test_every_submission_reached_the_exchange_and_the_latest_was_collected(hub, story):
    """Two submissions of one student are both in the exchange; the later one is graded."""
    room, _ = hub
    assert len(story["submitted"]["right"]) == 2
    latest = max(name.split("+")[2] for name in story["submitted"]["right"])
    stamp = (room.course_dir / "autograde" / "submitted" / NAMES["right"] / ASSIGNMENT
             / "timestamp.txt").read_text()
    assert stamp == latest


@pytest.fixture(scope="module")
def formgrader(hub, story, instructor):
    """The instructor in formgrader: the scores of the three students, the flipped kernel's
    diagnosis on its submission, and a comment typed there (saved in the gradebook)."""
    room, _ = hub
    frame = _formgrader(instructor)
    instructor.shot("07_instructor_formgrader")
    frame.locator("a:text-is('Manual Grading')").click()
    frame.locator(f"tbody a:text-is('{ASSIGNMENT}')").first.click()  # the assignment
    frame.locator(".breadcrumb", has_text=ASSIGNMENT).wait_for()
    frame.locator(f"tbody a:text-is('{ASSIGNMENT}')").first.click()  # its notebook
    frame.locator("text=Show All Names").click()
    rows = {}
    for role in ROLES:
        row = frame.locator("tbody tr", has_text=NAMES[role])
        row.wait_for()
        rows[role] = row.inner_text()
    instructor.shot("08_instructor_scores_in_formgrader")
    frame.locator("tbody tr", has_text=NAMES["flip"]).locator("a:visible").first.click()
    diagnosis = frame.locator("pre", has_text="flipped-kernel").first
    diagnosis.wait_for()
    shown = diagnosis.inner_text()
    comment = frame.locator("#convolve_answer-comment")
    comment.scroll_into_view_if_needed()
    with instructor.page.expect_response(lambda r: "/api/comment/" in r.url
                                         and r.request.method == "PUT") as saved:
        comment.fill(COMMENT)
        frame.locator("#convolve_visible").click()
    instructor.shot("09_instructor_comment_on_the_flipped_kernel")
    return {"rows": rows, "diagnosis": shown, "saved": saved.value.ok}


def test_formgrader_shows_the_grades_and_diagnoses_and_takes_a_comment(hub, formgrader):
    """Manual grading lists the three scores; the flipped kernel's submission shows its
    diagnosis; the comment typed there is in the gradebook."""
    from nbgrader.api import Gradebook

    room, _ = hub
    for role, score in EXPECTED.items():
        assert f"{score:g} / 8" in formgrader["rows"][role], formgrader["rows"]
    assert "convolve (visible tests): failed, 0 / 2 points [flipped-kernel]" in \
        formgrader["diagnosis"]
    assert formgrader["saved"]
    with Gradebook(f"sqlite:///{room.course_dir / 'autograde' / 'gradebook.db'}",
                   room.course_id) as book:
        notebook = book.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, NAMES["flip"])
        assert any(c.manual_comment == COMMENT for c in notebook.comments)


@pytest.fixture(scope="module")
def feedback(hub, story, instructor, formgrader, shots):
    """Formgrader's Generate Feedback and Release Feedback; each student fetches theirs."""
    frame = _formgrader(instructor)
    frame.locator("a:text-is('Manage Assignments')").first.click()
    row = frame.locator("tbody tr", has_text=ASSIGNMENT).first
    row.wait_for()
    for number, (column, step) in enumerate(((10, "generated"), (11, "released")), start=10):
        row.locator(f"td:nth-child({column}) a").click()
        modal = frame.locator("#success-modal")
        modal.locator(f"text=Successfully {step} feedback").wait_for()
        instructor.shot(f"{number}_instructor_{step}_feedback")
        modal.locator("button:text-is('OK')").click()
        modal.wait_for(state="hidden")
        frame.locator("#success-modal").wait_for(state="detached")
    pages = {}
    for role in ROLES:
        session = story["sessions"][role]
        panel = session.assignments()
        panel.locator("#submitted_assignments_list button:text-is('Fetch Feedback')").click()
        link = panel.locator("#submitted_assignments_list a:text-is('(view feedback)')").last
        link.wait_for()
        session.shot(f"12_{role}_feedback_fetched")
        link.click()  # shows the feedback's folder in the file browser; open the page there
        page_file = session.page.locator(".jp-DirListing-item",
                                         has_text=f"{ASSIGNMENT}.html").first
        page_file.dblclick()
        viewer = session.page.locator(".jp-MainAreaWidget:visible iframe").last
        viewer.wait_for()
        body = session.page.frame_locator(".jp-MainAreaWidget:visible iframe").last.locator(
            "body")
        body.locator("text=Score:").first.wait_for()
        session.page.wait_for_timeout(1000)
        session.shot(f"13_{role}_reads_feedback")
        pages[role] = body.inner_text()
    return pages


def test_each_student_reads_exactly_their_own_feedback(feedback):
    """Each page: the student's own score and diagnosis; the comment on the flipped
    kernel's page only."""
    for role, score in EXPECTED.items():
        page = feedback[role]
        assert f"Score: {score:.1f} / 8.0" in page, role
        assert ("flipped-kernel" in page) == (role == "flip"), role
        assert (COMMENT in page) == (role == "flip"), role


def test_grades_csv_agrees_with_the_gradebook(hub, feedback):
    """`course report` after the comment: grades.csv, with the late penalty nbgrader's
    plugin gave, agrees with `nbgrader export`."""
    room, _ = hub
    inst = NAMES["inst"]
    _ok(room.run_as(inst, "course", "report", cwd=room.course_dir))
    out = room.course_dir / "grading-output"
    grades = {row["student"]: float(row[ASSIGNMENT])
              for row in csv.DictReader((out / "grades.csv").read_text().splitlines())}
    _ok(room.run_as(inst, "nbgrader", "export", "--to=exported.csv", cwd=room.course_dir))
    exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(
        io.StringIO((room.course_dir / "exported.csv").read_text()))
        if row["assignment"] == ASSIGNMENT and row["timestamp"]}
    assert grades == exported
    assert grades == {NAMES[r]: s for r, s in EXPECTED.items()}
    late = {s["student"]: s for s in json.loads((out / "results.json").read_text())
            ["submissions"]}
    assert late[NAMES["none"]]["seconds_late"] > 0
    assert late[NAMES["right"]]["seconds_late"] == 0
