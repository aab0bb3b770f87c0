"""Put the authoritative grades into nbgrader: gradebook, autograded notebooks, feedback.

nbgrader stays the workflow. In a working course directory (``OUT/course``:
``source`` = copies of the master folders, ``submitted`` = the submissions,
renamed where needed) this module runs nbgrader's own ``generate_assignment``,
``autograde`` and ``generate_feedback`` through :class:`nbgrader.apps.NbGraderAPI`
with a config built in code. Autograde keeps its sanitising steps (cells
restored from the gradebook by checksum: OverwriteCells, DeduplicateIds), but
its ``Execute`` step is replaced by :class:`AuthoritativeResults`, which fills
every graded test cell with the out-of-process verdict (the report as printed
output and the points as the cell's result). nbgrader's own SaveAutoGrades
then stores ``points * fraction`` in the gradebook, and feedback shows the
report. Feedback also runs ClearHiddenTests, so hidden test code never reaches
a student.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    NbGraderPreprocessor,
    SaveAutoGrades,
)
from traitlets import Unicode
from traitlets.config import Config

__all__ = ["AuthoritativeResults", "NbgraderCourse"]

log = logging.getLogger(__name__)
COURSE_ID = "course"


class AuthoritativeResults(NbGraderPreprocessor):
    """Fill graded test cells with the out-of-process grader's verdicts (replaces Execute).

    For each code test cell it sets two outputs: a stdout stream with the
    report (status, diagnoses, message) and an ``execute_result`` holding the
    points earned, which nbgrader reads as partial credit. A test cell without
    a verdict gets 0 points and says so, so nothing is ever given for free.
    """

    results_dir = Unicode("", help="Folder of per-submission result files").tag(config=True)

    def preprocess(self, nb, resources):
        assignment = resources["nbgrader"]["assignment"]
        student = resources["nbgrader"]["student"]
        path = Path(self.results_dir) / assignment / f"{student}.json"
        try:
            records = json.loads(path.read_text(encoding="utf-8"))["records"]
        except (OSError, ValueError, KeyError):
            records = []
        self._verdicts = {r["grade_id"]: r for r in records}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            return cell, resources
        cell.outputs = []
        if not nbgrader.get("grade") or nbgrader.get("solution"):
            return cell, resources
        record = self._verdicts.get(nbgrader.get("grade_id"))
        if record is None:
            text, score = "Not graded: no out-of-process verdict for this cell.\n", 0.0
        else:
            text, score = feedback_text(record), record["score"]
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text=text),
            nbformat.v4.new_output(
                "execute_result", data={"text/plain": repr(float(score))}, execution_count=None
            ),
        ]
        return cell, resources


def feedback_text(record: dict) -> str:
    """Return the report shown in a test cell's output.

    Examples
    --------
    >>> print(feedback_text({"function": "f", "battery": "visible", "status": "failed",
    ...     "score": 0.5, "max_score": 1.0, "diagnoses": ["transposed"],
    ...     "message": "rows and columns swapped", "notes": []}))
    f (visible tests): failed, 0.5 / 1 points
    diagnosis: transposed
    rows and columns swapped
    """
    lines = [
        f"{record['function']} ({record['battery']} tests): {record['status']}, "
        f"{record['score']:g} / {record['max_score']:g} points"
    ]
    if record.get("diagnoses"):
        lines.append("diagnosis: " + ", ".join(record["diagnoses"]))
    if record.get("message"):
        lines.append(record["message"])
    lines.extend(f"note: {note}" for note in record.get("notes", []))
    return "\n".join(lines)


@contextmanager
def _quiet_nbgrader():
    """nbgrader's SQLAlchemy use warns about its own session handling; keep that out."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _normalise(notebook):
    """Give every cell a unique id and keep only the last cell of a repeated grade_id.

    Text-editor copies duplicate cell ids, which nbgrader rejects; duplicated
    answer cells are graded with the last definition winning (as when the
    notebook runs top to bottom), so the feedback shows that one.
    """
    seen = set()
    for cell in notebook.cells:
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = uuid.uuid4().hex[:12]
        seen.add(cell["id"])
    last = {}
    for index, cell in enumerate(notebook.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            last[grade_id] = index
    notebook.cells = [
        cell
        for index, cell in enumerate(notebook.cells)
        if last.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"), index) == index
    ]
    return notebook


class NbgraderCourse:
    """A working nbgrader course directory under the grading output.

    Parameters
    ----------
    root : Path
        The course directory (created).
    results_dir : Path
        Where the per-submission result files are.
    """

    def __init__(self, root: Path, *, results_dir: Path) -> None:
        self.root = Path(root)
        self.results_dir = Path(results_dir)
        self._nbgrader = None
        self.root.mkdir(parents=True, exist_ok=True)
        # nbgrader runs the `alembic` tool by name when it creates a gradebook.
        tools = str(Path(sys.executable).parent)
        if tools not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")

    def _config(self) -> Config:
        c = Config()
        c.CourseDirectory.root = str(self.root)
        c.CourseDirectory.course_id = COURSE_ID
        c.CourseDirectory.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        c.Autograde.autograde_preprocessors = [
            AuthoritativeResults,
            IgnorePattern,
            ClearMetadataPreprocessor,
            LimitOutput,
            SaveAutoGrades,
            AssignLatePenalties,
            CheckCellMetadata,
        ]
        c.AuthoritativeResults.results_dir = str(self.results_dir)
        c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
        c.ClearHiddenTests.enforce_metadata = False
        c.NbGraderAPI.log_level = "WARN"
        return c

    def _api(self):
        if self._nbgrader is None:
            from nbgrader.apps import NbGraderAPI
            from nbgrader.coursedir import CourseDirectory

            config = self._config()
            coursedir = CourseDirectory(config=config)
            self._nbgrader = NbGraderAPI(coursedir=coursedir, config=config)
        return self._nbgrader

    def prepare(self, master: Path, assignment: str) -> Path:
        """Copy the master folder to ``source/`` and run generate_assignment; return the
        released student notebook (used as a stand-in for unreadable submissions)."""
        source = self.root / "source" / assignment
        if source.exists():
            shutil.rmtree(source)
        shutil.copytree(Path(master).parent, source)
        with _quiet_nbgrader():
            result = self._api().generate_assignment(assignment, force=True, create=True)
        if not result.get("success"):
            raise RuntimeError(f"nbgrader generate_assignment failed: {result.get('error')}")
        return self.root / "release" / assignment / f"{assignment}.ipynb"

    def stage(
        self, student: str, assignment: str, notebook: Path | None, release: Path, *, note=None
    ) -> None:
        """Place a submission (or, when unreadable or missing, the released copy with a
        note) at nbgrader's expected path ``submitted/<student>/<assignment>/``."""
        target = self.root / "submitted" / student / assignment / f"{assignment}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        readable = None
        if notebook is not None:
            try:
                readable = _normalise(nbformat.read(str(notebook), as_version=4))
                nbformat.validate(readable)
            except Exception:  # noqa: BLE001 - any unreadable file gets the stand-in
                readable = None
        if readable is None:
            readable = nbformat.read(str(release), as_version=4)
            note = note or (
                "**Your submitted notebook could not be read or was missing**, so this is the "
                "released notebook; the test cells below explain what the grader found."
            )
            readable.cells.insert(0, nbformat.v4.new_markdown_cell(note))
        nbformat.write(readable, str(target))

    def autograde(self, assignment: str, students: list[str]) -> dict[str, str]:
        """Run nbgrader autograde (without executing anything); return failures by student."""
        api = self._api()
        failures = {}
        for student in students:
            with _quiet_nbgrader():
                result = api.autograde(assignment, student, force=True, create=True)
            if not result.get("success"):
                failures[student] = str(result.get("error") or result.get("log"))[-2000:]
                log.error("nbgrader autograde failed for %s/%s", student, assignment)
        return failures

    def sync_gradebook(self, assignment: str, records: list[dict]) -> None:
        """Make sure every graded cell's ``auto_score`` is ``points * fraction``."""
        from nbgrader.api import Gradebook, MissingEntry

        with _quiet_nbgrader(), Gradebook(
            f"sqlite:///{self.root / 'gradebook.db'}", COURSE_ID
        ) as gradebook:
            for record in records:
                try:
                    grade = gradebook.find_grade(
                        record["grade_id"], assignment, assignment, record["student"]
                    )
                except MissingEntry:
                    continue
                if grade.auto_score != record["score"]:
                    grade.auto_score = record["score"]
                    grade.needs_manual_grade = False
            gradebook.db.commit()

    def feedback(self, assignment: str, out: Path, *, student: str | None = None) -> None:
        """Generate nbgrader feedback (for one student or all) and copy it to
        ``out/<student>/<assignment>.html``."""
        with _quiet_nbgrader():
            result = self._api().generate_feedback(assignment, student, force=True)
        if not result.get("success"):
            raise RuntimeError(f"nbgrader generate_feedback failed: {result.get('error')}")
        pattern = f"{student or '*'}/{assignment}/{assignment}.html"
        for html in sorted((self.root / "feedback").glob(pattern)):
            student = html.parent.parent.name
            target = Path(out) / student / f"{assignment}.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(html, target)
