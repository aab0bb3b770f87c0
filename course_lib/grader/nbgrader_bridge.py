"""Put the authoritative grades into nbgrader: gradebook, autograded notebooks, feedback.

nbgrader stays the workflow, and its autograde step is the course's grader:

- :class:`GradeOutOfProcess` replaces nbgrader's ``Execute`` preprocessor.
  It fills every graded test cell with the out-of-process verdict (the
  report as printed output, the points as the cell's result), which
  nbgrader's own SaveAutoGrades stores in the gradebook. With
  ``results_dir`` set it reads the verdicts ``course grade`` computed in
  parallel; otherwise it grades the notebook itself, so plain ``nbgrader
  autograde`` with the course's config gives the same scores.
- :class:`NbgraderCourse` drives nbgrader's own ``generate_assignment``,
  ``autograde`` and ``generate_feedback`` in a course directory through
  :class:`nbgrader.apps.NbGraderAPI`. Autograde keeps its sanitising steps
  (cells restored from the gradebook by checksum); feedback runs
  ClearHiddenTests, so hidden test code never reaches a student, and pages
  read offline (MathJax from the installed ``jupyter_server_mathjax``
  package, long lines wrapped).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import sys
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
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

from course_lib.config import nbgrader_scripts_on_path
from course_lib.files import write_atomic

from .records import GradeRecord
from .store import read_result

__all__ = [
    "COURSE_ID",
    "FeedbackPageExporter",
    "FeedbackStyle",
    "GradeOutOfProcess",
    "KeepFirstGradeIds",
    "NbgraderCourse",
    "NbgraderDirectory",
    "RestoreFromRelease",
    "grading_preprocessors",
    "install_mathjax",
    "offline_page",
    "use_course_grader",
]

log = logging.getLogger(__name__)
COURSE_ID = "course"
MATHJAX_FOLDER = "mathjax"
"""Folder next to the feedback pages that holds the offline copy of MathJax."""
_MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"


def _cell_outputs(record: GradeRecord | None):
    if record is None:
        text, score = "Not graded: no out-of-process verdict for this cell.\n", 0.0
    else:
        text, score = record.report() + "\n", record.score
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
        released = load_assignment(assignment, course=LoadedCourse(self.config, None)).released
        data, notes = restore(nb, released)
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
        ids = set()
        for cell in nb.cells:
            if cell.get("id") in ids or not cell.get("id"):
                cell["id"] = uuid.uuid4().hex[:12]
            ids.add(cell["id"])
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in seen:
                del cell.metadata["nbgrader"]
            elif grade_id:
                seen.add(grade_id)
        return nb, resources


SANITIZE_STEPS = (
    RestoreFromRelease,
    KeepFirstGradeIds,
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    OverwriteCells,
    CheckCellMetadata,
)
"""nbgrader autograde's own sanitising steps, after :class:`RestoreFromRelease` and
:class:`KeepFirstGradeIds`."""

AUTOGRADE_STEPS = (
    GradeOutOfProcess,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
)
"""nbgrader autograde's steps with its kernel ``Execute`` replaced by :class:`GradeOutOfProcess`."""


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
    put_scripts_on_path()
    return c


def put_scripts_on_path() -> None:
    """Let nbgrader find the programs it starts by name (``alembic``, which creates the
    gradebook) next to this Python, for the rest of the process.

    ``.venv/bin/nbgrader`` typed by its path, without the environment activated, reads
    the course's config and so gets here before it needs them; without this, its first
    ``generate_assignment`` fails on creating the gradebook.
    """
    scripts = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if scripts not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join(p for p in (scripts, path) if p)


FEEDBACK_CSS = """
/* Reports and diagnoses are preformatted text: wrap long lines instead of cutting them. */
div.output_area pre, div.output_text pre { white-space: pre-wrap; overflow-wrap: break-word; }
"""


class FeedbackStyle(NbGraderPreprocessor):
    """Adds the course's CSS to feedback pages (long report lines wrap)."""

    def preprocess(self, nb, resources):
        resources.setdefault("inlining", {}).setdefault("css", []).append(FEEDBACK_CSS)
        return nb, resources


FEEDBACK_STEPS = (GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor, FeedbackStyle)
"""nbgrader's feedback steps with ClearHiddenTests: hidden test code never reaches a student,
by ``course grade`` or by plain ``nbgrader generate_feedback``."""


class _Unparsed(str):
    """Stands in for ``BeautifulSoup(html, features=...)`` in nbconvert's HTML exporter: the
    page as it is, with nothing to select."""

    def __new__(cls, markup, features=None):
        return super().__new__(cls, markup)

    def select(self, selector):
        return []


class FeedbackPageExporter(HTMLExporter):
    """nbconvert's HTML exporter without its closing BeautifulSoup pass, for feedback pages.

    That pass re-parses the finished page to give images without ``alt`` a
    placeholder text and to make JupyterLab-template cells focusable. A
    feedback page has neither (nbgrader's classic-based template; autograde
    cleared every output but the test cells' text), yet the pass took about
    half the time of each page: hundreds of pages per assignment in a large
    class. The page is otherwise the same (``tests/test_grader_outputs.py``
    compares the two exporters).
    """

    def from_notebook_node(self, nb, resources=None, **kw):
        import nbconvert.exporters.html as html_exporter

        parser = html_exporter.BeautifulSoup
        html_exporter.BeautifulSoup = _Unparsed
        try:
            html, resources = super().from_notebook_node(nb, resources, **kw)
        finally:
            html_exporter.BeautifulSoup = parser
        return str(html), resources


def grading_preprocessors() -> list[type]:
    """The preprocessors this module adds to nbgrader (for checking config options)."""
    return [GradeOutOfProcess, RestoreFromRelease, KeepFirstGradeIds, FeedbackStyle, TidyRelease]


def install_mathjax(folder: Path) -> Path:
    """Copy MathJax from the installed ``jupyter_server_mathjax`` package into ``folder``.

    Feedback pages then show their formulas without a network. The copy is
    made once per output folder.
    """
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    target = Path(folder) / MATHJAX_FOLDER
    if not (target / "MathJax.js").is_file():
        partial = target.with_name(f".{MATHJAX_FOLDER}.{uuid.uuid4().hex[:8]}")
        shutil.copytree(source, partial)
        if (target / "MathJax.js").is_file():
            shutil.rmtree(partial)
        else:
            shutil.rmtree(target, ignore_errors=True)
            partial.rename(target)
    return target


_CDN_MATHJAX = re.compile(r"https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/[^\"']+")


def offline_page(html: str) -> str:
    """A feedback page that loads MathJax from the copy beside it instead of a CDN.

    nbgrader's feedback template names the CDN in its ``mathjax()`` call; pages
    are copied to ``<out>/feedback/<student>/<assignment>.html``, next to
    ``<out>/feedback/mathjax`` (:func:`install_mathjax`).

    Examples
    --------
    >>> offline_page('<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/'
    ...              'latest.js?config=TeX-AMS_CHTML-full,Safe"></script>')
    '<script src="../mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"></script>'
    """
    local = f"../{MATHJAX_FOLDER}/MathJax.js?config={_MATHJAX_CONFIG}"
    return _CDN_MATHJAX.sub(local, html)


@contextmanager
def _quiet_nbgrader():
    """nbgrader's SQLAlchemy use warns about its own session handling; keep that out."""
    with warnings.catch_warnings(), nbgrader_scripts_on_path():
        warnings.simplefilter("ignore")
        yield


def _normalise(notebook):
    """Give every cell a unique id (text-editor copies duplicate them; nbgrader rejects that)."""
    seen = set()
    for cell in notebook.cells:
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = uuid.uuid4().hex[:12]
        seen.add(cell["id"])
    return notebook


@dataclass(frozen=True)
class NbgraderDirectory:
    """Where a grading run keeps nbgrader's state: folders, gradebook and course id.

    Two layouts (:meth:`scratch`, :meth:`of_course`): a working course under
    the grading output, or the instructor's own course directory, so that
    formgrader, ``nbgrader export`` and ``nbgrader release_feedback`` there see
    what ``course grade`` recorded. Folders are relative to ``root`` or absolute.
    """

    root: str
    course_id: str
    db_url: str
    source_directory: str = "source"
    release_directory: str = "release"
    submitted_directory: str = "submitted"
    autograded_directory: str = "autograded"
    feedback_directory: str = "feedback"
    masters_in_place: bool = False
    """Whether ``source_directory`` is the course's own masters (never copied over)."""
    config_file: str | None = None
    """The course's ``nbgrader_config.py``: its other nbgrader settings (the late-submission
    plugin, ...) apply; the folders, gradebook and course id are the layout's."""

    @classmethod
    def scratch(cls, folder: Path, *, config_file=None) -> NbgraderDirectory:
        """A working nbgrader course of its own in ``folder`` (``<out>/course``)."""
        folder = Path(folder)
        return cls(str(folder), COURSE_ID, f"sqlite:///{folder / 'gradebook.db'}",
                   config_file=str(config_file) if config_file else None)

    @classmethod
    def of_course(cls, course, work: Path) -> NbgraderDirectory:
        """The course directory of ``course`` (a :class:`~course_lib.config.LoadedCourse`).

        Gradebook, autograded and feedback folders are the course's; the
        collected submissions are staged into ``work/submitted`` (never
        changed where ``nbgrader collect`` put them) and the release generated
        for the gradebook goes to ``work/release`` (never over the committed
        student notebooks).
        """
        coursedir = course.coursedir
        work = Path(work).resolve()
        return cls(
            root=str(course.root),
            course_id=coursedir.course_id or COURSE_ID,
            db_url=coursedir.db_url,
            source_directory=coursedir.source_directory,
            release_directory=str(work / "release"),
            submitted_directory=str(work / "submitted"),
            autograded_directory=coursedir.autograded_directory,
            feedback_directory=coursedir.feedback_directory,
            masters_in_place=True,
            config_file=str(course.config_file) if course.config_file else None,
        )

    def to_json(self) -> dict:
        """The layout as JSON-ready data (for the bookkeeping job and results.json)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> NbgraderDirectory:
        """Rebuild the layout from :meth:`to_json`'s form."""
        return cls(**data)

    def folder(self, option: str, *parts: str) -> Path:
        """A folder of the layout by option name (``"feedback_directory"``), plus ``parts``."""
        return Path(self.root, getattr(self, option), *parts)

    @property
    def gradebook_file(self) -> Path | None:
        """The gradebook's file, for a SQLite gradebook."""
        prefix = "sqlite:///"
        return Path(self.db_url[len(prefix):]) if self.db_url.startswith(prefix) else None


NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")
"""Files nbgrader's exchange puts beside a submitted notebook: when it was handed in (late
penalties) and the secret the student's feedback is found by (``release_feedback``)."""


class NbgraderCourse:
    """nbgrader's own steps for a grading run, in an :class:`NbgraderDirectory`.

    Parameters
    ----------
    directory : NbgraderDirectory or Path
        The layout; a path stands for :meth:`NbgraderDirectory.scratch` of it.
    results_dir : Path
        Where the per-submission result files are.
    """

    def __init__(self, directory, *, results_dir: Path) -> None:
        if not isinstance(directory, NbgraderDirectory):
            directory = NbgraderDirectory.scratch(Path(directory))
        self.directory = directory
        self.root = Path(directory.root)
        self.results_dir = Path(results_dir)
        self._nbgrader = None
        self.root.mkdir(parents=True, exist_ok=True)

    @property
    def db_url(self) -> str:
        """The gradebook (formgrader and ``nbgrader export`` read it)."""
        return self.directory.db_url

    @property
    def course_id(self) -> str:
        """The gradebook's course id."""
        return self.directory.course_id

    def _config(self) -> Config:
        from course_lib.config import load_config

        layout = self.directory
        c = load_config(layout.config_file)[0] if layout.config_file else Config()
        c.CourseDirectory.root = str(self.root)
        c.CourseDirectory.course_id = layout.course_id
        c.CourseDirectory.db_url = layout.db_url
        for option in ("source_directory", "release_directory", "submitted_directory",
                       "autograded_directory", "feedback_directory"):
            c.CourseDirectory[option] = getattr(layout, option)
        use_course_grader(c)
        c.GradeOutOfProcess.results_dir = str(self.results_dir)
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
        if not self.directory.masters_in_place:
            source = self.directory.folder("source_directory", assignment)
            if source.exists():
                shutil.rmtree(source)
            shutil.copytree(Path(master).parent, source)
        with _quiet_nbgrader():
            result = self._api().generate_assignment(assignment, force=True, create=True)
        if not result.get("success"):
            raise RuntimeError(f"nbgrader generate_assignment failed: {result.get('error')}")
        return self.directory.folder("release_directory", assignment, f"{assignment}.ipynb")

    def stage(
        self, student: str, assignment: str, notebook: Path, release: Path, *, note=None,
        folder: Path | None = None,
    ) -> None:
        """Place a submission at nbgrader's expected path ``submitted/<student>/<assignment>/``.

        A file nbgrader cannot read is staged as the released copy with ``note``
        at the top, so the student still gets a feedback page that explains.
        nbgrader's own files in the submission's ``folder`` (:data:`NBGRADER_FILES`)
        come along, so late penalties and ``release_feedback`` work as with plain
        nbgrader.
        """
        staged = self.directory.folder("submitted_directory", student, assignment)
        target = staged / f"{assignment}.ipynb"
        for name in NBGRADER_FILES:
            if folder is not None and (Path(folder) / name).is_file():
                write_atomic(staged / name, (Path(folder) / name).read_bytes())
            else:
                (staged / name).unlink(missing_ok=True)
        readable = None
        if note is None:
            try:
                readable = self._restored(notebook, release)
            except Exception:  # noqa: BLE001 - any unreadable file gets the stand-in
                readable = None
        if readable is None:
            readable = nbformat.read(str(release), as_version=4)
            note = note or (
                "**Your submitted notebook could not be read**, so this is the released "
                "notebook; the test cells below explain what the grader found."
            )
            readable.cells.insert(0, nbformat.v4.new_markdown_cell(note))
        write_atomic(target, nbformat.writes(readable))

    @staticmethod
    def _restored(notebook: Path, release: Path):
        """The submission with its graded cells as released, valid for nbformat, and a note
        at the top when anything was changed (:mod:`.restore`); raises when unreadable."""
        import json

        from course_lib.assignments import layout_of

        from .program import load_notebook
        from .restore import restore

        released = layout_of(json.loads(Path(release).read_text(encoding="utf-8")))
        data, notes = restore(load_notebook(Path(notebook).read_bytes()), released)
        readable = _normalise(nbformat.from_dict(data))
        if notes:
            readable.cells.insert(0, nbformat.v4.new_markdown_cell(restoration_note(notes)))
        nbformat.validate(readable)
        return readable

    def autograde(self, assignment: str, student: str) -> str | None:
        """Run nbgrader autograde (without executing anything); return an error or None."""
        with _quiet_nbgrader():
            result = self._api().autograde(assignment, student, force=True, create=True)
        if result.get("success"):
            return None
        log.error("nbgrader autograde failed for %s/%s", student, assignment)
        return str(result.get("error") or result.get("log"))[-2000:]

    def check_gradebook(self, assignment: str, records: list[GradeRecord]) -> None:
        """Make sure every graded cell's ``auto_score`` is the record's score."""
        from nbgrader.api import Gradebook, MissingEntry

        with _quiet_nbgrader(), Gradebook(self.db_url, self.course_id) as gradebook:
            for record in records:
                try:
                    grade = gradebook.find_grade(
                        record.grade_id, assignment, assignment, record.student
                    )
                except MissingEntry:
                    continue
                if grade.auto_score != record.score:
                    grade.auto_score = record.score
                    grade.needs_manual_grade = grade.manual_score is not None
            gradebook.db.commit()

    def manual_scores(self, assignment: str) -> dict[tuple[str, str], float]:
        """``(student, grade_id) -> score`` of every grade set by hand (formgrader)."""
        from nbgrader.api import Gradebook, MissingEntry

        if not self._has_gradebook():
            return {}
        scores = {}
        with _quiet_nbgrader(), Gradebook(self.db_url, self.course_id) as gradebook:
            try:
                submissions = gradebook.assignment_submissions(assignment)
            except MissingEntry:
                return {}
            for submission in submissions:
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.manual_score is not None:
                            scores[(submission.student_id, grade.name)] = float(grade.manual_score)
        return scores

    def late_submissions(self, assignment: str) -> dict[str, dict]:
        """``student -> {timestamp, seconds_late, late_penalty}`` for each submission of
        ``assignment`` that came with nbgrader's timestamp, as the gradebook has them (the
        due date and nbgrader's late-submission plugin decide the penalty)."""
        from nbgrader.api import Gradebook, MissingEntry

        if not self._has_gradebook():
            return {}
        facts = {}
        with _quiet_nbgrader(), Gradebook(self.db_url, self.course_id) as gradebook:
            try:
                submissions = gradebook.assignment_submissions(assignment)
            except MissingEntry:
                return {}
            for submission in submissions:
                if submission.timestamp is None:
                    continue
                facts[submission.student_id] = {
                    "timestamp": submission.timestamp.isoformat(sep=" ") + " UTC",
                    "seconds_late": float(submission.total_seconds_late),
                    "late_penalty": float(submission.late_submission_penalty or 0.0),
                }
        return facts

    def staged(self, assignment: str) -> list[str]:
        """The students whose notebook for ``assignment`` is in the gradebook."""
        from nbgrader.api import Gradebook, MissingEntry

        if not self._has_gradebook():
            return []
        with _quiet_nbgrader(), Gradebook(self.db_url, self.course_id) as gradebook:
            try:
                return sorted(s.student_id for s in gradebook.assignment_submissions(assignment))
            except MissingEntry:
                return []

    def _has_gradebook(self) -> bool:
        path = self.directory.gradebook_file
        return path is None or path.is_file()

    def autograded(self, assignment: str, student: str) -> bool:
        """Whether nbgrader has an autograded notebook of ``student`` for ``assignment``."""
        return self.directory.folder(
            "autograded_directory", student, assignment, f"{assignment}.ipynb").is_file()

    def _feedback_page(self, student: str, assignment: str) -> Path:
        return self.directory.folder(
            "feedback_directory", student, assignment, f"{assignment}.html")

    def feedback_all(self, assignment: str, out: Path, *, students) -> set[str]:
        """Generate every autograded student's feedback for ``assignment`` in one nbgrader run;
        copy the pages of ``students`` to ``out/<student>/<assignment>.html`` (atomically).

        Returns the students whose page was written.
        """
        for student in students:  # a page left from an earlier run must not be copied again
            self._feedback_page(student, assignment).unlink(missing_ok=True)
        with _quiet_nbgrader():
            result = self._api().generate_feedback(assignment, force=True)
        if not result.get("success"):
            log.error("nbgrader generate_feedback failed for %s: %s", assignment,
                      str(result.get("error"))[-2000:])
        written = set()
        for student in students:
            html = self._feedback_page(student, assignment)
            if html.is_file():
                page = offline_page(html.read_text(encoding="utf-8"))
                write_atomic(Path(out) / student / f"{assignment}.html", page)
                written.add(student)
        return written

    def feedback(self, assignment: str, out: Path, *, student: str) -> Path:
        """Generate nbgrader's feedback for one student; copy it to
        ``out/<student>/<assignment>.html`` (atomically) and return that path."""
        with _quiet_nbgrader():
            result = self._api().generate_feedback(assignment, student, force=True)
        if not result.get("success"):
            raise RuntimeError(f"nbgrader generate_feedback failed: {result.get('error')}")
        html = self._feedback_page(student, assignment)
        page = offline_page(html.read_text(encoding="utf-8"))
        return write_atomic(Path(out) / student / f"{assignment}.html", page)
