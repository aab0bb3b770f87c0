"""GradeRecord: the one record type every output reads, with its JSON form and its text."""

from __future__ import annotations

import json

import pytest

from course_lib.grader.records import GradeRecord, RecordError


def _record(**changes) -> GradeRecord:
    base = GradeRecord("ann", "01_convolution", "01_convolution.ipynb", "convolve_hidden",
                       "convolve", "hidden", 1.5, 3.0, "failed", ("transposed",),
                       "convolve applies the transposed kernel", 5, 10, ("renamed file",), 7, 0.25)
    return base.replace(**changes)


def test_json_round_trip_is_exact():
    """A record survives results.json: to_json then from_json gives the same record."""
    record = _record(manual_score=2.5)
    assert GradeRecord.from_json(json.loads(json.dumps(record.to_json()))) == record


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"student": "a"}, "incomplete record"),
        ({**_record().to_json(), "bonus": 1}, "unknown record fields: bonus"),
        ({**_record().to_json(), "auto_score": "3"}, "auto_score must be a number"),
        ({**_record().to_json(), "status": "great"}, "record status must be one of"),
        ({**_record().to_json(), "diagnoses": "transposed"}, "diagnoses must be a list"),
    ],
)
def test_damaged_stored_records_are_refused(data, message):
    """A hand-edited or truncated result file is refused with the field named."""
    with pytest.raises(RecordError, match=message):
        GradeRecord.from_json(data)


def test_the_one_line_and_the_report():
    """One line for lists, the full report (explanation and notes) for students."""
    record = _record()
    assert record.line() == "convolve (hidden tests): failed, 1.5 / 3 points [transposed]"
    assert record.report().splitlines() == [
        record.line(), "convolve applies the transposed kernel", "note: renamed file"
    ]


def test_a_student_reads_that_the_grader_failed_not_how():
    """An ungraded cell's report says nothing was taken off; the sandbox's error, with its
    paths and settings, stays in the message for the instructor."""
    from course_lib.grader.records import FAULT_FOR_STUDENTS

    record = _record(status="ungraded", message="not graded: bwrap at /opt/x failed",
                     notes=("renamed file",))
    assert record.report().splitlines() == [record.line(), FAULT_FOR_STUDENTS,
                                            "note: renamed file"]
    assert "nothing was taken off" in record.line()
    assert record.to_json()["message"] == "not graded: bwrap at /opt/x failed"


def test_a_manual_grade_replaces_the_automatic_one_and_says_so():
    """The instructor's grade counts, and the text shows both."""
    record = _record(manual_score=3.0)
    assert record.score == 3.0
    assert "set by the instructor; automatic 1.5" in record.line()


def test_results_json_score_is_the_grade_that_counts_with_the_automatic_one_beside_it():
    """As nbgrader's Grade.score: the manual grade where one was given, and auto_score kept."""
    graded_by_hand = _record(manual_score=3.0).to_json()
    assert (graded_by_hand["score"], graded_by_hand["auto_score"]) == (3.0, 1.5)
    assert graded_by_hand["manual_score"] == 3.0
    automatic = _record().to_json()
    assert (automatic["score"], automatic["auto_score"], automatic["manual_score"]) == (
        1.5, 1.5, None
    )


def test_a_cell_the_grader_could_not_grade_has_no_score_in_results_json():
    """An ungraded cell's scores are null, not a zero someone could add up (a grade set by
    hand still counts), and the record reads back as it was."""
    ungraded = _record(status="ungraded", auto_score=0.0)
    data = ungraded.to_json()
    assert (data["score"], data["auto_score"], data["manual_score"]) == (None, None, None)
    assert GradeRecord.from_json(data) == ungraded
    by_hand = ungraded.replace(manual_score=2.0).to_json()
    assert (by_hand["score"], by_hand["auto_score"]) == (2.0, None)
    assert GradeRecord.from_json(by_hand).score == 2.0


def test_a_score_that_disagrees_with_its_parts_is_refused():
    """A hand-edited score that is not the manual or automatic grade is named, not trusted."""
    with pytest.raises(RecordError, match="record score 0 is not the grade that counts"):
        GradeRecord.from_json({**_record(manual_score=3.0).to_json(), "score": 0})


def test_a_record_from_before_auto_score_reads_its_score_as_the_automatic_one():
    """results.json written by an earlier version (score was then automatic) still loads."""
    old = _record(manual_score=3.0).to_json()
    del old["auto_score"]
    old["score"] = 1.5
    record = GradeRecord.from_json(old)
    assert (record.auto_score, record.manual_score, record.score) == (1.5, 3.0, 3.0)


def test_diagnoses_are_kept_once_in_order():
    """A code reported twice is listed once."""
    assert _record(diagnoses=("a", "b", "a")).diagnoses == ("a", "b")
