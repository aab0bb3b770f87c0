"""nbgrader's own steps for a grading run: its course directory, gradebook and feedback.

:class:`NbgraderCourse` drives nbgrader's ``generate_assignment``,
``autograde`` and ``generate_feedback`` through
:class:`nbgrader.apps.NbGraderAPI`, configured by
:func:`~.nbgrader_plugins.use_course_grader`, in an :class:`NbgraderDirectory`
(a scratch course under the grading output, or the instructor's own course
directory). It also reads back what the gradebook holds (grades set by hand,
late submissions) and corrects ``auto_score`` where nbgrader's bookkeeping
would differ from the verdict.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from traitlets.config import Config

from course_lib.config import nbgrader_scripts_on_path
from course_lib.files import write_atomic

from .feedback_pages import offline_page
from .nbgrader_plugins import restoration_note, use_course_grader
from .records import GradeRecord

__all__ = [
    "COURSE_ID",
    "NBGRADER_FILES",
    "NbgraderCourse",
    "NbgraderDirectory",
    "one_engine_per_gradebook",
]

log = logging.getLogger(__name__)
COURSE_ID = "course"


@contextmanager
def _quiet_nbgrader():
    """nbgrader's SQLAlchemy use warns about its own session handling; keep that out."""
    with warnings.catch_warnings(), nbgrader_scripts_on_path():
        warnings.simplefilter("ignore")
        yield


@contextmanager
def one_engine_per_gradebook():
    """Let the nbgrader ``Gradebook``s opened inside share one engine and one schema check.

    nbgrader opens a new ``Gradebook`` several times for every notebook it
    autogrades or gives feedback on (each step opens its own), and each one
    made a new SQLAlchemy engine (with an empty statement cache), listed the
    database's tables, ran ``create_all`` and looked the course up: together
    about half of autograde's time in a class of hundreds. Inside this context
    every ``Gradebook`` of a database shares one engine, and only the first of
    each database and course checks its schema and course row; the others open
    their own session on it, as nbgrader's would. For the bookkeeping process,
    which does nothing else with the database.
    """
    import nbgrader.api as api

    create, open_gradebook = api.create_engine, api.Gradebook.__init__
    engines: dict = {}
    checked: set = set()

    def shared(url, **options):
        key = (str(url), tuple(sorted(options.items())))
        if key not in engines:
            engines[key] = create(url, **options)
        return engines[key]

    def open_checked_once(self, db_url, course_id="default_course", authenticator=None):
        if (db_url, course_id) not in checked:
            open_gradebook(self, db_url, course_id, authenticator)
            checked.add((db_url, course_id))
            return
        self.engine = shared(db_url, echo=False, future=True)
        self.db = api.scoped_session(api.sessionmaker(autoflush=True, bind=self.engine,
                                                      future=True))
        self.course_id = course_id
        self.authenticator = authenticator

    api.create_engine, api.Gradebook.__init__ = shared, open_checked_once
    try:
        yield
    finally:
        api.create_engine, api.Gradebook.__init__ = create, open_gradebook
        for engine in engines.values():
            engine.dispose()


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
                readable = self._restored(notebook, self._layout(release))
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

    def _layout(self, release: Path):
        """The released notebook's layout (:func:`~course_lib.assignments.layout_of`), read
        once per run: every submission of the assignment is restored from it."""
        import json

        from course_lib.assignments import layout_of

        layouts = self.__dict__.setdefault("_layouts", {})
        if release not in layouts:
            layouts[release] = layout_of(json.loads(Path(release).read_text(encoding="utf-8")))
        return layouts[release]

    @staticmethod
    def _restored(notebook: Path, released):
        """The submission with its graded cells as ``released``, valid for nbformat, and a
        note at the top when anything was changed (:mod:`.restore`); raises when unreadable."""
        from .program import read_notebook
        from .restore import restore

        data, notes = restore(read_notebook(notebook), released)
        readable = nbformat.from_dict(data)
        if notes:
            readable.cells.insert(0, nbformat.v4.new_markdown_cell(restoration_note(notes)))
        nbformat.validate(readable)
        return readable

    def autograde(self, assignment: str, student: str) -> str | None:
        """Run nbgrader's autograde (:class:`~.converters.WholeClassAutograde`: nothing is
        executed, each verdict comes from its result file); return an error or None."""
        from nbgrader.utils import capture_log, temp_attrs

        from .converters import WholeClassAutograde

        api = self._api()
        with _quiet_nbgrader(), temp_attrs(api.coursedir, assignment_id=assignment,
                                           student_id=student):
            converter = WholeClassAutograde(coursedir=api.coursedir, parent=api)
            converter.force = True
            converter.create_student = True
            result = capture_log(converter)
        if result.get("success"):
            return None
        log.error("nbgrader autograde failed for %s/%s", student, assignment)
        return str(result.get("error") or result.get("log"))[-2000:]

    def check_gradebook(self, assignment: str, records: list[GradeRecord]) -> None:
        """Make sure every graded cell's ``auto_score`` is the record's; a cell the grader
        could not grade has none (and needs a grade)."""
        from nbgrader.api import Gradebook, MissingEntry

        with _quiet_nbgrader(), Gradebook(self.db_url, self.course_id) as gradebook:
            for record in records:
                try:
                    grade = gradebook.find_grade(
                        record.grade_id, assignment, assignment, record.student
                    )
                except MissingEntry:
                    continue
                if not record.graded:
                    # No verdict: nbgrader's "needs manual grade", never a zero.
                    grade.auto_score = None
                    grade.needs_manual_grade = True
                elif grade.auto_score != record.auto_score:
                    grade.auto_score = record.auto_score
                    grade.needs_manual_grade = grade.manual_score is not None
            gradebook.db.commit()

    @contextmanager
    def _submissions(self, assignment: str):
        """nbgrader's submissions of ``assignment`` in an open gradebook (none if it has none)."""
        from nbgrader.api import Gradebook, MissingEntry

        if not self._has_gradebook():
            yield []
            return
        with _quiet_nbgrader(), Gradebook(self.db_url, self.course_id) as gradebook:
            try:
                submissions = gradebook.assignment_submissions(assignment)
            except MissingEntry:
                submissions = []
            yield submissions

    def manual_scores(self, assignment: str) -> dict[tuple[str, str], float]:
        """``(student, grade_id) -> score`` of every grade set by hand (formgrader)."""
        with self._submissions(assignment) as submissions:
            return {(submission.student_id, grade.name): float(grade.manual_score)
                    for submission in submissions for notebook in submission.notebooks
                    for grade in notebook.grades if grade.manual_score is not None}

    def late_submissions(self, assignment: str) -> dict[str, dict]:
        """``student -> {timestamp, seconds_late, late_penalty}`` for each submission of
        ``assignment`` that came with nbgrader's timestamp, as the gradebook has them (the
        due date and nbgrader's late-submission plugin decide the penalty)."""
        with self._submissions(assignment) as submissions:
            return {
                submission.student_id: {
                    "timestamp": submission.timestamp.isoformat(sep=" ") + " UTC",
                    "seconds_late": float(submission.total_seconds_late),
                    "late_penalty": float(submission.late_submission_penalty or 0.0),
                }
                for submission in submissions if submission.timestamp is not None
            }

    def staged(self, assignment: str) -> list[str]:
        """The students whose notebook for ``assignment`` is in the gradebook."""
        with self._submissions(assignment) as submissions:
            return sorted(s.student_id for s in submissions)

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
