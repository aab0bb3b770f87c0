"""results.json, grades.csv and report.html: figures computed once, counted the right way."""

from __future__ import annotations

import csv
import json

import pytest

from course_lib.grader.outputs import ClassSummary, render_report, write_outputs
from course_lib.grader.records import GradeRecord

CELLS = [("f_visible", "f", "visible", 1.0), ("f_hidden", "f", "hidden", 2.0),
         ("g_visible", "g", "visible", 1.0), ("g_hidden", "g", "hidden", 2.0)]


def _notebook(student, *, status="passed", fraction=1.0, diagnoses=(), assignment="01_x"):
    return [
        GradeRecord(student, assignment, f"{assignment}.ipynb", grade_id, function, battery,
                    round(points * fraction, 2), points, status, tuple(diagnoses))
        for grade_id, function, battery, points in CELLS
    ]


def _class():
    return [
        *_notebook("ann"),
        *_notebook("bob", status="failed", fraction=0.5, diagnoses=("transposed",)),
        *_notebook("cat", status="failed", fraction=0.0, diagnoses=("transposed", "tampering")),
        *_notebook("dan", status="not-submitted", fraction=0.0),
        *_notebook("eve", status="timeout", fraction=0.0),
    ]


def test_averages_and_pass_rates_count_only_students_who_submitted():
    """dan handed nothing in: he is missing, not a failing submission."""
    summary = ClassSummary.of(_class(), ["01_x"])
    assert summary.missing == {"01_x": ["dan"]}
    assert summary.submitted["01_x"] == ["ann", "bob", "cat", "eve"]
    average, most = summary.averages["01_x"]
    assert (average, most) == ((6 + 3 + 0 + 0) / 4, 6.0)
    assert summary.pass_rates["01_x: f_visible"] == 0.25
    assert summary.notebooks_submitted == 4 and summary.notebooks_missing == 1


def test_diagnoses_count_once_per_student_and_function_tampering_once_per_notebook():
    """Two test cells with the same diagnosis count once; tampering counts per notebook."""
    summary = ClassSummary.of(_class(), ["01_x"])
    assert summary.diagnoses["transposed"] == 4  # bob and cat, functions f and g
    assert summary.diagnoses["tampering"] == 1


def test_students_to_look_at_are_listed_once_with_reasons_and_pages():
    """Each flagged student appears once, with every reason and a link to the feedback page."""
    summary = ClassSummary.of(_class(), ["01_x"])
    flags = {flag.student: flag for flag in summary.flags}
    assert set(flags) == {"cat", "eve"}
    assert flags["eve"].reasons == ["01_x f: timeout", "01_x g: timeout"]
    # Tampering is a finding about the notebook: once, not pinned on a function.
    assert flags["cat"].reasons == ["01_x: tampering in the notebook"]
    assert flags["eve"].pages == [("01_x", "feedback/eve/01_x.html")]


def test_report_is_escaped_and_says_what_the_files_say(tmp_path):
    """A student id with HTML in it is shown as text; the counts match results.json."""
    records = _class() + _notebook("<b>mal</b>", status="crashed", fraction=0.0)
    write_outputs(tmp_path, records, run={"seed_override": None, "sandbox": {"unsafe": False}},
                  assignments=["01_x"])
    report = (tmp_path / "report.html").read_text()
    assert "<b>mal</b>" not in report and "&lt;b&gt;mal&lt;/b&gt;" in report
    assert "6 students; 5 notebooks submitted and graded, 1 missing" in " ".join(report.split())
    assert 'href="feedback/eve/01_x.html"' in report
    run = json.loads((tmp_path / "results.json").read_text())["run"]
    assert (run["notebooks_submitted"], run["notebooks_missing"]) == (5, 1)
    assert "Average" in report or "average" in report
    assert "4.50 / 6" not in report and "2.25 / 6" not in report
    assert "1.80 / 6" in report  # (6 + 3 + 0 + 0 + 0) / 5 submitters


def test_a_submission_with_a_cell_not_graded_yet_is_in_no_average(tmp_path):
    """bob's f cells were graded but the grader failed on his g cells: his notebook has no
    score yet, so the average is ann's alone and the report counts him as not graded."""
    bob = [r if r.function == "f" else r.replace(status="ungraded", auto_score=0.0)
           for r in _notebook("bob", status="failed", fraction=0.5)]
    records = _notebook("ann") + bob
    assert ClassSummary.of(records, ["01_x"]).averages["01_x"] == (6.0, 6.0)
    write_outputs(tmp_path, records, run={"seed_override": None, "sandbox": {"unsafe": False}},
                  assignments=["01_x"])
    report = " ".join((tmp_path / "report.html").read_text().split())
    assert ("2 students; 2 notebooks submitted, 1 of them graded and <strong>1 not graded "
            "yet</strong>") in report
    assert "average of those graded" in report and "6.00 / 6" in report
    assert "<strong>1 submission was not graded</strong>, because the grader itself could " \
        "not run on it." in report


def test_grades_csv_uses_manual_grades(tmp_path):
    """A grade the instructor set replaces the automatic one in grades.csv."""
    records = _notebook("ann", status="failed", fraction=0.0)
    records[0] = records[0].replace(manual_score=1.0)
    write_outputs(tmp_path, records, run={"seed_override": None, "sandbox": {"unsafe": False}},
                  assignments=["01_x"])
    with (tmp_path / "grades.csv").open() as stream:
        (row,) = list(csv.DictReader(stream))
    assert row == {"student": "ann", "01_x": "1.0", "total": "1.0"}


def test_render_report_without_any_diagnosis_or_flag():
    """A perfect class renders too: empty sections say so instead of breaking the page."""
    html = render_report(_notebook("ann"), run={"seed_override": 5, "sandbox": {"unsafe": True}},
                         assignments=["01_x"])
    assert "nobody" in html and "new batteries drawn with seed 5" in html
    assert "graded without the sandbox" in html


def test_feedback_pages_skip_only_nbconverts_soup_pass():
    """The feedback exporter writes the page nbconvert's HTML exporter writes, minus the final
    BeautifulSoup round trip (which changes nothing on a classic-template page whose images
    all have alt text): parsed by BeautifulSoup, ours is exactly theirs."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert.exporters import HTMLExporter

    from course_lib.config import load_course
    from course_lib.grader.feedback_pages import FeedbackPageExporter

    notebook = nbformat.read(load_course().master("01_convolution"), as_version=4)
    checks = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]
    checks[0].outputs = [nbformat.v4.new_output(
        "stream", name="stdout", text="convolve: 5 of 7 checks passed\n  flipped-kernel: ...")]
    checks[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1.71"},
                                                execution_count=3)]
    theirs, _ = HTMLExporter(template_name="classic").from_notebook_node(notebook)
    ours, _ = FeedbackPageExporter(template_name="classic").from_notebook_node(notebook)
    assert type(ours) is str and "flipped-kernel" in ours and "1.71" in ours
    assert str(BeautifulSoup(ours, features="html.parser")) == theirs
    import nbconvert.exporters.html as html_exporter

    assert html_exporter.BeautifulSoup is BeautifulSoup  # put back after each page


def test_one_feedback_exporter_renders_many_pages_as_nbconvert_renders_each():
    """One exporter renders a whole assignment's pages (nbgrader keeps it for the run) and
    renders each distinct cell source once: every page is still the page a fresh nbconvert
    exporter writes for that notebook alone, also where two pages share a source but not its
    attachments or its language."""
    import base64

    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert.exporters import HTMLExporter

    from course_lib.config import load_course
    from course_lib.grader.feedback_pages import FeedbackPageExporter

    course = load_course()
    pixel = base64.b64encode(bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a3a1e1e30000000049454e44ae426082"
    )).decode()
    notebooks = []
    for name in ("01_convolution", "04_pooling"):
        for path in (course.master(name), course.student(name), course.master(name)):
            notebooks.append(nbformat.read(path, as_version=4))
    shared = nbformat.v4.new_markdown_cell("![picture](attachment:pixel.png)")
    plain, attached = nbformat.v4.new_notebook(), nbformat.v4.new_notebook()
    plain.cells = [shared, nbformat.v4.new_code_cell("%%bash\necho hi")]
    attached.cells = [nbformat.from_dict({**shared, "attachments": {
        "pixel.png": {"image/png": pixel}}}), nbformat.v4.new_code_cell("%%bash\necho hi")]
    attached.cells[1].metadata["magics_language"] = "bash"
    attached.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    notebooks += [attached, plain.copy()]
    plain.cells = plain.cells[1:]
    notebooks.append(plain)

    exporter = FeedbackPageExporter(template_name="classic")
    for number, notebook in enumerate(notebooks):
        if number == len(notebooks) - 2:  # the attachment's source without the attachment
            for make in (lambda: exporter, lambda: HTMLExporter(template_name="classic")):
                with pytest.raises(Exception, match="missing attachment"):
                    make().from_notebook_node(notebook)
            continue
        ours, _ = exporter.from_notebook_node(notebook)
        theirs, _ = HTMLExporter(template_name="classic").from_notebook_node(notebook)
        assert str(BeautifulSoup(ours, features="html.parser")) == theirs, number
    assert exporter._highlighter._highlight.cache_info().hits > 0
    assert exporter._markdown.cache_info().hits > 0


def test_every_students_page_shares_one_rendering_of_each_markdown_cell():
    """Pages of different students (each notebook in its own folder) reuse one rendering of a
    Markdown source, and each is still the page nbconvert writes for that folder; with
    embedded images the folder matters, and is part of what is remembered."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert.exporters import HTMLExporter

    from course_lib.config import load_course
    from course_lib.grader.feedback_pages import FeedbackPageExporter

    notebook = nbformat.read(load_course().student("01_convolution"), as_version=4)
    markdown = len({cell.source for cell in notebook.cells if cell.cell_type == "markdown"})
    for embed in (False, True):
        exporter = FeedbackPageExporter(template_name="classic", embed_images=embed)
        for folder in ("/course/feedback/alice", "/course/feedback/bob"):
            resources = {"metadata": {"path": folder}}
            ours, _ = exporter.from_notebook_node(notebook, resources=resources)
            theirs, _ = HTMLExporter(template_name="classic", embed_images=embed
                                     ).from_notebook_node(notebook, resources=resources)
            assert str(BeautifulSoup(ours, features="html.parser")) == theirs, (embed, folder)
        assert exporter._markdown.cache_info().currsize == (2 if embed else 1) * markdown
