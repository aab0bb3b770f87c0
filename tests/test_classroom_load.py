"""Thirty students fetch and submit at the same moment: nothing is lost or mixed up.

Real Linux accounts (created by the fixture and removed again, also on failure),
nbgrader's own fetch and submit run as each account, all started together;
the instructor collects and grades. Only local files and 127.0.0.1 are used.
How long it takes is printed by benchmarks/classroom_load.py, not asserted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import provision
import pytest
from conftest import TEST_ACCOUNTS
from rehearsal import rehearse

pytestmark = pytest.mark.slow

STUDENTS = 30


@pytest.fixture(scope="module")
def rehearsal(classroom_env):
    tag = f"l{os.getpid() % 100000}"
    state = Path(tempfile.mkdtemp(prefix="classroom-load-test-"))
    state.chmod(0o755)
    room = provision.Classroom(
        prefix=state, env=classroom_env, instructor=f"{tag}inst",
        students=[f"{tag}s{i:02d}" for i in range(STUDENTS)], exchange=str(state / "exchange"),
        group=f"{tag}-instructors", comment=TEST_ACCOUNTS)
    try:
        room.up()
        yield room, rehearse(room)
    finally:
        room.down()
        shutil.rmtree(state, ignore_errors=True)


def test_every_student_fetches_and_submits_at_once_without_an_error(rehearsal):
    """No fetch, submit, collect or grade fails when all thirty act together."""
    _, seen = rehearsal
    assert seen.failures == {}


def test_every_submission_arrives_once_owned_by_its_author(rehearsal):
    """The exchange's inbound folder holds exactly one submission per student, each owned
    by that student's account."""
    room, seen = rehearsal
    inbound = Path(room.exchange) / room.course_id / "inbound"
    owners = {}
    for entry in inbound.iterdir():
        student = entry.name.split("+")[0]
        owners.setdefault(student, []).append(provision.pwd.getpwuid(entry.stat().st_uid).pw_name)
    assert owners == {student: [student] for student in seen.students}


def test_each_collected_notebook_is_its_authors_and_is_graded_as_theirs(rehearsal):
    """Collected notebooks carry their own author's mark, and every student's grade is the
    one their answer deserves (right 8, flipped kernel 3)."""
    _, seen = rehearsal
    assert seen.collected_from == {student: student for student in seen.students}
    assert seen.scores == seen.expected
    assert len(seen.scores) == STUDENTS
