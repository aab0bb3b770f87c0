"""The sample class graded by ``course grade``: each answer gets what the corpus says it must.

The sample class (``autograde/samples``) is written by ``autograde/sample_class.py`` from
the masters and the corpus's sample answers (``autograde/answers.py``). Graded once here:

- every sample answer gets its verdict and exactly its specific diagnosis codes;
- every record is, field for field, the one on record in
  ``tests/sample_class_records.json`` (all but the seconds a call took). A change to
  the grader that changes what any student of the sample class is told or given shows
  here; when the change is meant, write the file again with
  ``python tests/test_sample_class.py`` and review the difference before committing it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib.grading.assess import GENERIC_CODES

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CLASS = ROOT / "autograde" / "samples"
ON_RECORD = Path(__file__).with_name("sample_class_records.json")
VARYING = ("seconds",)
"""Record fields that depend on the machine, not on the grading."""


def grade_sample_class(out: Path) -> list[dict]:
    """``course grade`` on the sample class with the course's own configuration."""
    done = subprocess.run(
        [sys.executable, "-m", "course_lib.cli", "grade", "--submitted", str(SAMPLE_CLASS),
         "--out", str(out), "--quiet", "--jobs", "2"],
        capture_output=True, text=True, timeout=1200, cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"course grade failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads((out / "results.json").read_text(encoding="utf-8"))["records"]


def comparable(records: list[dict]) -> list[dict]:
    """The records in today's JSON form (a record on file from before ``auto_score`` had its
    own name is read as :class:`GradeRecord` reads it), without :data:`VARYING` fields, in a
    fixed order."""
    from course_lib.grader.records import GradeRecord

    current = [GradeRecord.from_json({"seconds": 0.0, **r}).to_json() for r in records]
    kept = [{k: v for k, v in r.items() if k not in VARYING} for r in current]
    return sorted(kept, key=lambda r: (r["assignment"], r["student"], r["grade_id"]))


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> list[dict]:
    return grade_sample_class(tmp_path_factory.mktemp("sample-class") / "out")


def test_each_sample_answer_gets_its_verdict_and_its_diagnosis(records):
    """The verdict (failed, timeout, crashed, rejected) and exactly the specific codes the
    corpus gives each answer a student of the sample class hands in."""
    from answers import SAMPLES

    from sample_class import HANDED_IN

    checked = 0
    for assignment, students in HANDED_IN.items():
        for student, names in students.items():
            for name in names:
                answer = SAMPLES[name]
                mine = [r for r in records if (r["assignment"], r["student"], r["function"])
                        == (assignment, student, answer.function)]
                assert mine, (assignment, student, name)
                # Generic codes count where the corpus names them (wrong-shape is both).
                codes = {code for r in mine for code in r["diagnoses"]
                         if code not in GENERIC_CODES or code in answer.expected}
                assert answer.status in {r["status"] for r in mine}, (student, name, mine)
                assert codes == set(answer.expected), (student, name)
                checked += 1
    assert checked == len(SAMPLES)  # every sample answer is handed in by someone


def test_the_records_are_the_ones_on_record(records):
    """Field for field, every record of the sample class is the one on record."""
    expected = comparable(json.loads(ON_RECORD.read_text(encoding="utf-8")))
    actual = comparable(records)
    assert len(actual) == len(expected)
    for mine, stored in zip(actual, expected, strict=True):
        assert mine == stored, (mine["student"], mine["assignment"], mine["grade_id"])


def test_committed_sample_notebooks_read_and_the_unreadable_ones_are_made_not_committed():
    """Every notebook of the sample class that git tracks is JSON; the unreadable
    submissions (``sample_class.UNREADABLE``) are made by ``write_unreadable``, which the
    test suite calls at its start, and git ignores them."""
    from sample_class import BROKEN, UNREADABLE, write_unreadable

    made = write_unreadable()
    kinds = [kind for students in BROKEN.values() for kind in students.values()]
    unreadable = sum(kind in UNREADABLE for kind in kinds)
    assert len(made) == unreadable > 0
    for path in made:
        assert path.is_file()
        with pytest.raises(json.JSONDecodeError):
            json.loads(path.read_text(encoding="utf-8"))
    tracked = subprocess.run(["git", "ls-files", "-z", "--", str(SAMPLE_CLASS)], cwd=ROOT,
                             capture_output=True, check=True).stdout.decode().split("\0")
    notebooks = [ROOT / name for name in tracked if name.endswith(".ipynb")]
    assert len(notebooks) > 20
    for notebook in notebooks:
        json.loads(notebook.read_text(encoding="utf-8"))
    relative = [str(path.relative_to(ROOT)) for path in made]
    assert not set(relative) & set(tracked)
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *relative], cwd=ROOT,
                             capture_output=True, text=True)
    assert sorted(ignored.stdout.split()) == sorted(relative)


if __name__ == "__main__":
    import tempfile

    sys.path.insert(0, str(ROOT / "autograde"))
    from sample_class import write_unreadable

    write_unreadable()
    with tempfile.TemporaryDirectory() as scratch:
        graded = comparable(grade_sample_class(Path(scratch) / "out"))
    ON_RECORD.write_text(json.dumps(graded, indent=1, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    print(f"wrote {len(graded)} records to {ON_RECORD}")
