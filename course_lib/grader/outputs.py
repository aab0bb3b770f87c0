"""The outputs of a grading run, all made from the same records: results.json,
grades.csv and report.html.

Every figure is computed once, here (:class:`ClassSummary`), and every file is
written whole or not at all (:mod:`course_lib.files`). The report is rendered from the
jinja2 template ``templates/report.html.j2`` (escaping is automatic), with
its plots embedded as PNG data URIs, so it is one self-contained file.
"""

from __future__ import annotations

import base64
import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.files import write_atomic, write_json

from .records import NOTEBOOK_DIAGNOSES, GradeRecord

__all__ = ["ClassSummary", "grade_table", "not_graded", "render_report", "write_outputs"]


def penalties_of(submissions) -> dict:
    """``(student, assignment) -> late penalty`` from the run's submission entries."""
    return {(s["student"], s["assignment"]): float(s.get("late_penalty", 0.0))
            for s in submissions or () if s.get("late_penalty")}


def not_graded(records: list[GradeRecord]) -> list[dict]:
    """The submissions the grader could not grade: student, assignment and the reason.

    Examples
    --------
    >>> r = GradeRecord("a", "01", "01.ipynb", "f_visible", "f", "visible", 0.0, 2.0,
    ...                 "ungraded", message="not graded: the sandbox did not start")
    >>> for entry in not_graded([r, r.replace(grade_id="f_hidden", battery="hidden")]):
    ...     print(entry["student"], entry["assignment"], entry["cells"], entry["reason"])
    a 01 2 not graded: the sandbox did not start
    """
    found: dict = {}
    for record in records:
        if not record.graded:
            entry = found.setdefault((record.student, record.assignment), {
                "student": record.student, "assignment": record.assignment, "cells": 0,
                "reason": record.message})
            entry["cells"] += 1
    return list(found.values())


def grade_table(records: list[GradeRecord], assignments: list[str], *,
                penalties: dict | None = None) -> list[dict]:
    """One row per student: the score per assignment (manual grades included, late
    penalties taken off, as nbgrader's ``score``) and the total. An assignment the grader
    could not grade (:func:`not_graded`) has no score yet, and then neither has the total.

    Examples
    --------
    >>> r = GradeRecord("a", "01", "01.ipynb", "f_visible", "f", "visible", 1.5, 2.0, "failed")
    >>> grade_table([r, r.replace(grade_id="f_hidden", battery="hidden", auto_score=2.0)], ["01"])
    [{'student': 'a', '01': 3.5, 'total': 3.5}]
    >>> grade_table([r], ["01"], penalties={("a", "01"): 1.5})
    [{'student': 'a', '01': 0.0, 'total': 0.0}]
    >>> grade_table([r.replace(status="ungraded", auto_score=0.0)], ["01"])
    [{'student': 'a', '01': '', 'total': ''}]
    """
    pending = {(e["student"], e["assignment"]) for e in not_graded(records)}
    scores: dict = defaultdict(lambda: defaultdict(float))
    for record in records:
        scores[record.student][record.assignment] += record.score
    for (student, assignment), penalty in (penalties or {}).items():
        if student in scores:
            scores[student][assignment] = max(0.0, scores[student][assignment] - penalty)
    rows = []
    for student in sorted(scores):
        row = {"student": student}
        row.update({a: "" if (student, a) in pending else round(scores[student].get(a, 0.0), 2)
                    for a in assignments})
        known = [row[a] for a in assignments]
        row["total"] = "" if "" in known else round(sum(known), 2)
        rows.append(row)
    return rows


@dataclass
class Flag:
    """A student an instructor should look at, with every reason and the feedback pages."""

    student: str
    reasons: list[str] = field(default_factory=list)
    pages: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ClassSummary:
    """Every figure of the report, computed once from the records.

    Attributes
    ----------
    assignments : list of str
    students : list of str
    submitted : dict
        assignment -> students who handed in a notebook for it.
    missing : dict
        assignment -> students who did not.
    totals, max_totals : dict
        student -> total score (manual grades included) and the most they could get.
    averages : dict
        assignment -> (mean score over students who submitted, maximum score).
    pass_rates : dict
        ``"<assignment>: <grade_id>"`` -> share of submitters whose cell passed.
    diagnoses : Counter
        diagnosis -> number of (student, assignment, function) it was given to (of
        (student, assignment) for diagnoses about a whole notebook, such as tampering).
    flags : list of Flag
        Students to look at, each once, with the reasons.
    manual : int
        Test cells graded by hand (formgrader).
    late : list of dict
        Submissions handed in after the due date: student, assignment, timestamp,
        seconds late and the penalty taken off (nbgrader's late-submission plugin).
    """

    assignments: list[str]
    students: list[str]
    submitted: dict
    missing: dict
    totals: dict
    max_totals: dict
    averages: dict
    pass_rates: dict
    diagnoses: Counter
    flags: list[Flag]
    manual: int = 0
    late: list = field(default_factory=list)
    ungraded: list = field(default_factory=list)
    """Students with a submission the grader could not grade (no total yet)."""

    @classmethod
    def of(cls, records: list[GradeRecord], assignments: list[str], *,
           submissions=None) -> ClassSummary:
        """Summarise the records of a run (``submissions``: when each came in, its penalty)."""
        students = sorted({r.student for r in records})
        submitted: dict = defaultdict(set)
        missing: dict = defaultdict(set)
        totals: dict = defaultdict(float)
        max_totals: dict = defaultdict(float)
        scores: dict = defaultdict(lambda: defaultdict(float))
        per_student_max: dict = defaultdict(float)
        cells: dict = defaultdict(list)
        diagnosed: dict = defaultdict(set)
        flags: dict = {}
        # A submission with a cell still ungraded has no score yet, even if others are graded.
        pending = {(e["student"], e["assignment"]) for e in not_graded(records)}
        for record in records:
            totals[record.student] += record.score
            max_totals[record.student] += record.max_score
            per_student_max[(record.assignment, record.student)] += record.max_score
            if record.status == "not-submitted":
                missing[record.assignment].add(record.student)
                continue
            submitted[record.assignment].add(record.student)
            if record.graded:  # an ungraded cell is no grade: not in averages or pass rates
                if (record.student, record.assignment) not in pending:
                    scores[record.assignment][record.student] += record.score
                cells[f"{record.assignment}: {record.grade_id}"].append(
                    record.status == "passed")
                for code in record.diagnoses:
                    where = "" if code in NOTEBOOK_DIAGNOSES else record.function
                    diagnosed[code].add((record.student, record.assignment, where))
            if record.flagged:
                flag = flags.setdefault(record.student, Flag(record.student))
                if "tampering" in record.diagnoses and record.status in ("passed", "failed"):
                    # Found in the notebook, not in one function: named once, on no function.
                    text = f"{record.assignment}: tampering in the notebook"
                else:
                    text = f"{record.assignment} {record.function}: {record.status}"
                if text not in flag.reasons:
                    flag.reasons.append(text)
                page = (record.assignment, f"feedback/{record.student}/{record.assignment}.html")
                if page not in flag.pages:
                    flag.pages.append(page)
        for (student, name), penalty in penalties_of(submissions).items():
            if student in scores[name]:
                taken = min(penalty, scores[name][student])
                totals[student] -= taken
                scores[name][student] -= taken
        averages = {
            name: (
                sum(scores[name].values()) / len(scores[name]) if scores[name] else None,
                max((m for (a, _), m in per_student_max.items() if a == name), default=0.0),
            )
            for name in assignments
        }
        return cls(
            assignments=list(assignments),
            students=students,
            submitted={a: sorted(submitted[a]) for a in assignments},
            missing={a: sorted(missing[a]) for a in assignments},
            totals=dict(totals),
            max_totals=dict(max_totals),
            averages=averages,
            pass_rates={key: sum(v) / len(v) for key, v in cells.items()},
            diagnoses=Counter({code: len(who) for code, who in diagnosed.items()}),
            flags=[flags[s] for s in sorted(flags)],
            manual=sum(r.manual_score is not None for r in records),
            late=[s for s in submissions or () if s.get("seconds_late", 0) > 0],
            ungraded=sorted({r.student for r in records if not r.graded}),
        )

    @property
    def notebooks_submitted(self) -> int:
        """Notebooks handed in (readable or not)."""
        return sum(len(v) for v in self.submitted.values())

    @property
    def notebooks_missing(self) -> int:
        """Student x assignment pairs without a notebook."""
        return sum(len(v) for v in self.missing.values())


def _png(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _plots(summary: ClassSummary) -> dict:
    import matplotlib
    import numpy as np

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    plots = {}
    figure, axis = plt.subplots(figsize=(6, 3))
    totals = [total for student, total in summary.totals.items()
              if student not in summary.ungraded] or [0]
    most = max(summary.max_totals.values(), default=0.0)
    # One bar per point (up to 40 points; then 40 equal bins), from 0 to the maximum, so
    # that a bar's position is a score and its height a number of students.
    top = max(most, max(totals), 1.0)
    edges = (np.arange(0, int(np.ceil(top)) + 2) - 0.5 if top <= 40
             else np.linspace(0, top, 41))
    axis.hist(totals, bins=edges, color="#4477aa", edgecolor="white")
    axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set(xlabel=f"total score (out of {most:g})", ylabel="students",
             title="Score distribution", xlim=(edges[0], edges[-1]))
    plots["scores"] = _png(figure)
    if summary.pass_rates:
        names = list(summary.pass_rates)
        figure, axis = plt.subplots(figsize=(6, 0.35 * max(len(names), 2) + 1))
        axis.barh(names, [summary.pass_rates[n] * 100 for n in names], color="#228833")
        axis.set(xlabel="students passing, of those who submitted (%)", xlim=(0, 100),
                 title="Pass rate per test cell")
        axis.invert_yaxis()
        plots["pass_rates"] = _png(figure)
    if summary.diagnoses:
        common = summary.diagnoses.most_common(10)
        figure, axis = plt.subplots(figsize=(6, 0.35 * len(common) + 1))
        axis.barh([c for c, _ in common], [n for _, n in common], color="#ee6677")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set(xlabel="students x functions", title="Most frequent diagnoses")
        axis.invert_yaxis()
        plots["diagnoses"] = _png(figure)
    return plots


def render_report(records: list[GradeRecord], *, run: dict, assignments: list[str],
                  submissions=None) -> str:
    """Return the class report as one self-contained HTML page.

    Parameters
    ----------
    records : list of GradeRecord
        Every record of the run.
    run : dict
        The run's description (seed, sandbox settings, timings).
    assignments : list of str
        The assignments graded, in release order.
    submissions : list of dict, optional
        When each submission came in and its late penalty (see :func:`write_outputs`).
    """
    import jinja2

    summary = ClassSummary.of(records, assignments, submissions=submissions)
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("course_lib.grader", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template("report.html.j2")
    return template.render(summary=summary, run=run, plots=_plots(summary))


def write_outputs(out: Path, records: list[GradeRecord], *, run: dict, assignments,
                  submissions=None) -> None:
    """Write results.json, grades.csv and report.html into ``out`` (each atomically).

    ``submissions`` lists, for the notebooks that came through nbgrader's exchange,
    ``{student, assignment, timestamp, seconds_late, late_penalty}`` from the gradebook;
    penalties are taken off in grades.csv and the report, as nbgrader's ``score`` does.
    """
    names = [a if isinstance(a, str) else a.name for a in assignments]
    summary = ClassSummary.of(records, names, submissions=submissions)
    run = {
        **run,
        "notebooks_submitted": summary.notebooks_submitted,
        "notebooks_missing": summary.notebooks_missing,
        "not_graded": not_graded(records),
    }
    write_json(Path(out) / "results.json", {"run": run, "records": [r.to_json() for r in records],
                                            "submissions": list(submissions or [])})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["student", *names, "total"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(grade_table(records, names, penalties=penalties_of(submissions)))
    write_atomic(Path(out) / "grades.csv", buffer.getvalue())
    write_atomic(Path(out) / "report.html", render_report(records, run=run, assignments=names,
                                                          submissions=submissions))
