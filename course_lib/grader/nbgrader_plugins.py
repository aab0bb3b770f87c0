"""The plugins nbgrader loads: the course's release, autograde and feedback steps.

nbgrader stays the workflow, and its autograde step is the course's grader:
:class:`GradeOutOfProcess` replaces nbgrader's ``Execute`` preprocessor. It
fills every graded test cell with the out-of-process verdict (the report as
printed output, the points as the cell's result), which nbgrader's own
SaveAutoGrades stores in the gradebook. With ``results_dir`` set it reads the
verdicts ``course grade`` computed in parallel; otherwise it grades the
notebook itself, so plain ``nbgrader autograde`` with the course's config
gives the same scores.

Autograde keeps nbgrader's sanitising steps, after the course's own
(:class:`RestoreFromRelease`, :class:`KeepFirstGradeIds`); feedback runs
ClearHiddenTests, so hidden test code never reaches a student.
:func:`use_course_grader` is the one place that puts these steps into an
nbgrader configuration.
"""

from __future__ import annotations

import functools
import html
import traceback
from pathlib import Path

import jsonschema
import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.nbgraderformat import (
    MetadataValidator,
    SchemaTooNewError,
    SchemaTooOldError,
    ValidationError,
)
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    NbGraderPreprocessor,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)
from traitlets import Unicode
from traitlets.config import Config

from course_lib.config import put_nbgrader_scripts_on_path

from .feedback_pages import FeedbackPageExporter
from .records import GradeRecord
from .store import read_result

__all__ = [
    "AUTOGRADE_STEPS",
    "FEEDBACK_STEPS",
    "CheckCellMetadataOnce",
    "SANITIZE_STEPS",
    "FeedbackStyle",
    "GetCourseGrades",
    "GradeOutOfProcess",
    "GraderFault",
    "ReportGraderFaults",
    "SaveCourseGrades",
    "KeepFirstGradeIds",
    "RestoreFromRelease",
    "TidyRelease",
    "not_graded_note",
    "restoration_note",
    "use_course_grader",
]


def _cell_outputs(record: GradeRecord | None):
    if record is not None and not record.graded:
        # No points at all, not even 0: SaveCourseGrades leaves the cell without a grade.
        return [nbformat.v4.new_output("stream", name="stdout", text=record.report() + "\n")]
    if record is None:
        text, score = "Not graded: no out-of-process verdict for this cell.\n", 0.0
    else:
        text, score = record.report() + "\n", record.auto_score
    return [
        nbformat.v4.new_output("stream", name="stdout", text=text),
        nbformat.v4.new_output(
            "execute_result", data={"text/plain": repr(float(score))}, execution_count=None
        ),
    ]


class GradeOutOfProcess(NbGraderPreprocessor):
    """nbgrader's grading step: every test cell gets the out-of-process grader's verdict.

    Code cells get no other output: nothing of the submission runs in
    nbgrader's process or in a kernel. A test cell without a verdict gets 0
    points and says so, so nothing is ever given for free.
    """

    results_dir = Unicode(
        "",
        help="Folder of the result files `course grade` wrote (<assignment>/<student>.json); "
        "empty: grade each notebook here, in the sandbox configured by c.Sandbox.",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        assignment = resources["nbgrader"]["assignment"]
        student = resources["nbgrader"]["student"]
        if self.results_dir:
            path = Path(self.results_dir) / assignment / f"{student}.json"
            records = read_result(path) or []
        else:
            records = self._grade(nb, assignment, student)
        self._verdicts = {r.grade_id: r for r in records}
        faults = {r.grade_id: r.message for r in records if not r.graded}
        resources[_NOT_GRADED] = {"cells": faults, "report": not self.results_dir}
        return super().preprocess(nb, resources)

    def _grade(self, nb, assignment: str, student: str) -> list[GradeRecord]:
        from course_lib.config import LoadedCourse

        from .submission import grade_notebook_bytes

        course = LoadedCourse(self.config, None)
        return grade_notebook_bytes(
            nbformat.writes(nb).encode("utf-8"),
            assignment=assignment,
            student=student,
            course=course,
        )

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        cell.outputs = []
        nbgrader = cell.metadata.get("nbgrader", {})
        if nbgrader.get("grade") and not nbgrader.get("solution"):
            cell.outputs = _cell_outputs(self._verdicts.get(nbgrader.get("grade_id")))
        return cell, resources


_NOT_GRADED = "course_not_graded"
"""Key of the resources entry in which :class:`GradeOutOfProcess` tells the later steps which
cells the grader could not grade (grade id -> reason)."""


class SaveCourseGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades, in one transaction per notebook, except that a cell the
    grader could not grade gets no score at all: it stays "needs manual grade" in the
    gradebook, never a zero.

    nbgrader looks each cell's grade up and commits it on its own; this step reads
    the notebook's grades and comments once and commits them together. What it
    writes is what SaveAutoGrades writes: the automatic score from the cell's
    output (:func:`nbgrader.utils.determine_grade`), "needs manual grade" where
    there is a manual score or no automatic one, and "No response." for an
    unchanged solution cell.
    """

    def preprocess(self, nb, resources):
        ids = resources["nbgrader"]
        faults = resources.get(_NOT_GRADED, {}).get("cells", {})
        with Gradebook(ids["db_url"]) as gradebook:
            notebook, grades, comments = _submitted_notebook(gradebook, ids)
            for cell in nb.cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if utils.is_grade(cell):
                    grade = _entry(grades, grade_id, "grade")
                    if grade_id in faults:
                        grade.auto_score = None
                    else:
                        grade.auto_score, _ = utils.determine_grade(cell, self.log)
                    grade.needs_manual_grade = (
                        grade.manual_score is not None or grade.auto_score is None)
                if utils.is_solution(cell) or utils.is_task(cell):
                    unchanged = cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(
                        cell)
                    comment = _entry(comments, grade_id, "comment")
                    comment.auto_comment = (
                        "No response." if unchanged and not utils.is_task(cell) else None)
            gradebook.db.commit()
        return nb, resources


def _submitted_notebook(gradebook, ids: dict):
    """A submitted notebook in the gradebook with its grades and comments by name, read in one
    go (``ids``: nbgrader's resources with the notebook, assignment and student)."""
    notebook = gradebook.find_submission_notebook(ids["notebook"], ids["assignment"],
                                                  ids["student"])
    return (notebook, {grade.name: grade for grade in notebook.grades},
            {comment.name: comment for comment in notebook.comments})


def _entry(entries: dict, grade_id: str, kind: str):
    """A submitted notebook's grade or comment by name; MissingEntry, as nbgrader's lookups
    raise, when the gradebook has none."""
    try:
        return entries[grade_id]
    except KeyError:
        raise MissingEntry(f"no {kind} {grade_id!r} in the gradebook") from None


class GraderFault(RuntimeError):
    """The grader could not grade some cells of a submission (plain ``nbgrader autograde``)."""


class ReportGraderFaults(NbGraderPreprocessor):
    """The last autograde step of plain ``nbgrader autograde``: when the grader could not grade
    a cell, fail this submission, so nbgrader exits non-zero and names it (the cells are in
    the gradebook without a grade, and the same command grades them once it is fixed).
    ``course grade`` reports such faults itself."""

    def preprocess(self, nb, resources):
        fault = resources.get(_NOT_GRADED, {})
        if fault.get("report") and fault.get("cells"):
            student = resources["nbgrader"]["student"]
            reason = next(iter(fault["cells"].values()))
            raise GraderFault(
                f"{len(fault['cells'])} cells of {student}'s notebook were not graded, because "
                f"the grader failed ({reason}); nothing was taken from the student"
            )
        return nb, resources


def restoration_note(notes) -> str:
    """The Markdown cell text that tells a student what was put back in their notebook."""
    items = "\n".join(f"- {note}" for note in notes)
    return ("**Before grading, your notebook was put back in shape from the released one** "
            "(your code is as you wrote it):\n\n" + items)


class RestoreFromRelease(NbGraderPreprocessor):
    """The first sanitising step: graded cells as released (:mod:`.restore`).

    A graded cell turned into Markdown becomes code again, stripped nbgrader
    metadata is put back, deleted test cells are put back, and what nbformat
    or nbconvert cannot take is repaired; a Markdown cell at the top says what
    was done. ``course grade`` and ``course validate`` restore the same way, so
    every route grades the same notebook.
    """

    def preprocess(self, nb, resources):
        from course_lib.assignments import load_assignment
        from course_lib.config import LoadedCourse

        from .restore import restore

        assignment = resources["nbgrader"]["assignment"]
        released = self.__dict__.setdefault("_released", {})  # a class's notebooks share it
        if assignment not in released:
            course = LoadedCourse(self.config, None)
            released[assignment] = load_assignment(assignment, course=course).released
        data, notes = restore(nb, released[assignment])
        restored = nbformat.from_dict(data)
        if notes:
            restored.cells.insert(0, nbformat.v4.new_markdown_cell(restoration_note(notes)))
        return restored, resources


class KeepFirstGradeIds(NbGraderPreprocessor):
    """A grade id used twice (an answer cell copied, metadata and all) stays on its first cell.

    Students copy cells to experiment. nbgrader's own DeduplicateIds then
    empties the metadata of the earlier cells, and CheckCellMetadata rejects
    the whole notebook; this step, run before them, keeps the first cell (the
    one in the released notebook's place) and makes the copies plain code
    cells. Grading does not depend on it: programs follow Run All, by position.
    """

    def preprocess(self, nb, resources):
        seen = set()
        for cell in nb.cells:  # RestoreFromRelease, before it, made every cell id unique
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in seen:
                del cell.metadata["nbgrader"]
            elif grade_id:
                seen.add(grade_id)
        return nb, resources


class _SchemaCheckedOnce(BaseMetadataValidator):
    """The schema part of nbgrader's cell check, with the JSON schema's validator made once.

    ``jsonschema.validate``, which nbgrader calls for every cell, first checks the schema
    itself against its meta-schema: most of autograde's metadata check. The version checks
    and the error raised (jsonschema's best match) are nbgrader's.
    """

    def __init__(self) -> None:
        super().__init__()  # reads the schema
        kind = jsonschema.validators.validator_for(self.schema)
        kind.check_schema(self.schema)
        self._compiled = kind(self.schema)

    def validate_cell(self, cell) -> None:
        if "nbgrader" not in cell.metadata:
            return
        meta = cell.metadata["nbgrader"]
        version = meta.get("schema_version", 0)
        if version < self.schema_version:
            raise SchemaTooOldError(
                f"Outdated schema version: {version} (expected {self.schema_version})",
                version, self.schema_version)
        if version > self.schema_version:
            raise SchemaTooNewError(
                f"Schema version is too new: {version} (expected {self.schema_version})",
                version, self.schema_version)
        error = jsonschema.exceptions.best_match(self._compiled.iter_errors(meta))
        if error is not None:
            raise error


class _MetadataValidator(MetadataValidator, _SchemaCheckedOnce):
    """nbgrader's current metadata validator; its ``super()`` call reaches
    :class:`_SchemaCheckedOnce` instead of the per-cell ``jsonschema.validate``."""


class CheckCellMetadataOnce(CheckCellMetadata):
    """nbgrader's ``CheckCellMetadata``, the same checks and errors, with the metadata
    schema read and checked once per step rather than once per notebook and cell (see
    :class:`_SchemaCheckedOnce`)."""

    @functools.cached_property
    def _validator(self) -> _MetadataValidator:
        return _MetadataValidator()

    def preprocess(self, nb, resources):
        try:
            self._validator.validate_nb(nb)
        except ValidationError as error:
            self.log.error(traceback.format_exc())
            # nbgrader's own words, so a log reads the same on either route.
            raise ValidationError(
                "Notebook failed to validate; the nbgrader metadata may be corrupted.") from error
        return nb, resources


SANITIZE_STEPS = (
    RestoreFromRelease,
    KeepFirstGradeIds,
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    OverwriteCells,
    CheckCellMetadataOnce,
)
"""nbgrader autograde's own sanitising steps, after :class:`RestoreFromRelease` and
:class:`KeepFirstGradeIds`; its ``CheckCellMetadata`` as :class:`CheckCellMetadataOnce`."""

AUTOGRADE_STEPS = (
    GradeOutOfProcess,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveCourseGrades,
    AssignLatePenalties,
    ReportGraderFaults,
)
"""nbgrader autograde's steps with its kernel ``Execute`` replaced by :class:`GradeOutOfProcess`.

nbgrader ends these steps with a second ``CheckCellMetadata``; none of the steps here touches
nbgrader's cell metadata after the sanitising steps checked it (a fifth of autograde's time
in a class), so it is checked once."""


class TidyRelease(NbGraderPreprocessor):
    """The last step of ``generate_assignment``: the student copy as ``course release`` writes
    it (:func:`course_lib.assignments.tidy_notebook`: no instructor metadata such as the
    hidden battery's seed, no outputs, no editor noise)."""

    def preprocess(self, nb, resources):
        from course_lib.assignments import tidy_notebook

        return tidy_notebook(nb), resources


def use_course_grader(c: Config) -> Config:
    """Make nbgrader in config ``c`` release and autograde as the ``course`` commands do.

    The one place that says how nbgrader is set up: the course's
    ``nbgrader_config.py`` calls it for plain ``nbgrader generate_assignment``
    and ``nbgrader autograde``, and :class:`NbgraderCourse` for the gradebook
    ``course grade`` keeps.
    """
    from nbgrader.converters import GenerateAssignment

    release_steps = GenerateAssignment.class_traits()["preprocessors"].default()
    c.GenerateAssignment.preprocessors = [*release_steps, TidyRelease]
    c.Autograde.sanitize_preprocessors = list(SANITIZE_STEPS)
    c.Autograde.autograde_preprocessors = list(AUTOGRADE_STEPS)
    c.GenerateFeedback.preprocessors = list(FEEDBACK_STEPS)
    c.ClearHiddenTests.enforce_metadata = False
    c.GenerateFeedback.exporter_class = FeedbackPageExporter
    # Validate each notebook once, after all the steps, not after every step: an invalid
    # notebook is still refused, and a class's autograde spends a sixth less time on it.
    c.NotebookExporter.optimistic_validation = True
    c.FeedbackPageExporter.optimistic_validation = True
    put_nbgrader_scripts_on_path()
    return c


FEEDBACK_CSS = """
/* Reports and diagnoses are preformatted text: wrap long lines instead of cutting them. */
div.output_area pre, div.output_text pre { white-space: pre-wrap; overflow-wrap: break-word; }
"""


class FeedbackStyle(NbGraderPreprocessor):
    """Adds the course's CSS to feedback pages (long report lines wrap)."""

    def preprocess(self, nb, resources):
        resources.setdefault("inlining", {}).setdefault("css", []).append(FEEDBACK_CSS)
        return nb, resources


def not_graded_note(grade_ids) -> str:
    """The text of the Markdown cell (an HTML alert box, on nbgrader's Bootstrap page) that
    opens a feedback page with test cells still without a score: nbgrader's page shows them
    as 0 points, and the student must not read that as a grade."""
    cells = ", ".join(f"<code>{html.escape(grade_id)}</code>" for grade_id in grade_ids)
    return ('<div class="alert alert-danger" role="alert">'
            f"<strong>Not graded yet: {len(grade_ids)} of this notebook's test cells "
            f"({cells}).</strong> The grader failed before it could grade them. That is a "
            "fault on the course's side, not in your code, and your instructor has been told. "
            "This page shows them as 0 points only because they have no score yet: nothing "
            "was taken off, and they will be graded.</div>")


class GetCourseGrades(GetGrades):
    """nbgrader's GetGrades, reading a notebook's grades and comments from the gradebook in
    one go instead of one lookup per cell: the same scores, points, comments and totals on
    the feedback page. A page with test cells the grader could not grade opens with
    :func:`not_graded_note`."""

    def preprocess(self, nb, resources):
        ids = resources["nbgrader"]
        without_score = []
        with Gradebook(ids["db_url"]) as gradebook:
            notebook, grades, comments = _submitted_notebook(gradebook, ids)
            for cell in nb.cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if utils.is_solution(cell) or utils.is_task(cell):
                    cell.metadata.nbgrader["comment"] = _entry(comments, grade_id,
                                                               "comment").comment
                if utils.is_grade(cell) or utils.is_task(cell):
                    grade = _entry(grades, grade_id, "grade")
                    cell.metadata.nbgrader["score"] = grade.score
                    cell.metadata.nbgrader["points"] = grade.max_score
                    if (grade.auto_score is None and grade.manual_score is None
                            and not utils.is_solution(cell) and not utils.is_task(cell)):
                        without_score.append(grade_id)  # a test nbgrader shows as 0.0
            penalty = notebook.late_submission_penalty
            if penalty is None:
                penalty = 0
            else:
                self.log.warning("Late submission penalty: %s", penalty)
            ids["score"] = notebook.score - penalty
            ids["max_score"] = notebook.max_score
            ids["late_penalty"] = penalty
        if without_score:
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(not_graded_note(without_score)))
        return nb, resources


FEEDBACK_STEPS = (GetCourseGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor, FeedbackStyle)
"""nbgrader's feedback steps with ClearHiddenTests: hidden test code never reaches a student,
by ``course grade`` or by plain ``nbgrader generate_feedback``."""
