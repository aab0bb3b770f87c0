"""The instructor's class report: one self-contained HTML file with embedded plots.

Shows the score distribution, the pass rate per graded test cell, the most
frequent diagnoses, and the students whose grading hit a timeout, a crash, the
memory limit, tampering or a rejection (or whose notebook was missing or
unreadable). Plots are matplotlib PNGs embedded as base64 data URIs.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter, defaultdict
from pathlib import Path

__all__ = ["render_report", "write_report"]

_FLAGGED = ("timeout", "crashed", "memory", "rejected", "missing", "error")


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{encoded}">'


def _plots(records, totals, max_total, pass_rates, diagnoses) -> list[str]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    images = []
    figure, axis = plt.subplots(figsize=(6, 3))
    axis.hist(list(totals.values()) or [0], bins=min(10, max(len(totals), 1)), color="#4477aa")
    axis.set(xlabel=f"total score (out of {max_total:g})", ylabel="students",
             title="Score distribution")
    images.append(_png(figure))
    figure, axis = plt.subplots(figsize=(6, 0.35 * max(len(pass_rates), 2) + 1))
    names = list(pass_rates)
    axis.barh(names, [pass_rates[n] * 100 for n in names], color="#228833")
    axis.set(xlabel="students passing (%)", xlim=(0, 100), title="Pass rate per test cell")
    axis.invert_yaxis()
    images.append(_png(figure))
    if diagnoses:
        common = diagnoses.most_common(10)
        figure, axis = plt.subplots(figsize=(6, 0.35 * len(common) + 1))
        axis.barh([c for c, _ in common], [n for _, n in common], color="#ee6677")
        axis.set(xlabel="occurrences", title="Most frequent diagnoses")
        axis.invert_yaxis()
        images.append(_png(figure))
    return images


def render_report(records: list[dict], *, run: dict) -> str:
    """Return the class report as an HTML page.

    Parameters
    ----------
    records : list of dict
        Every record of the run (see results.json).
    run : dict
        The run's description (seed, assignments, limits).
    """
    totals: dict = defaultdict(float)
    max_by_student: dict = defaultdict(float)
    cells: dict = defaultdict(list)
    diagnoses: Counter = Counter()
    flagged: dict = defaultdict(set)
    for record in records:
        totals[record["student"]] += record["score"]
        max_by_student[record["student"]] += record["max_score"]
        key = f"{record['assignment']}: {record['grade_id']}"
        cells[key].append(record["status"] == "passed")
        diagnoses.update(record.get("diagnoses", []))
        if record["status"] in _FLAGGED:
            flagged[record["student"]].add(f"{record['assignment']}/{record['function']}: "
                                           f"{record['status']}")
        if "tampering" in record.get("diagnoses", []):
            flagged[record["student"]].add(f"{record['assignment']}/{record['function']}: "
                                           "tampering")
    max_total = max(max_by_student.values(), default=0.0)
    pass_rates = {key: sum(v) / len(v) for key, v in cells.items()}
    images = _plots(records, totals, max_total, pass_rates, diagnoses)
    escape = html.escape
    rate_rows = "".join(
        f"<tr><td>{escape(k)}</td><td>{100 * v:.0f}%</td></tr>" for k, v in pass_rates.items()
    )
    diagnosis_rows = "".join(
        f"<tr><td>{escape(c)}</td><td>{n}</td></tr>" for c, n in diagnoses.most_common(15)
    )
    flagged_rows = "".join(
        f"<tr><td>{escape(s)}</td><td>{escape('; '.join(sorted(v)))}</td></tr>"
        for s, v in sorted(flagged.items())
    )
    score_rows = "".join(
        f"<tr><td>{escape(s)}</td><td>{totals[s]:g} / {max_by_student[s]:g}</td></tr>"
        for s in sorted(totals)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Class grading report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px}}</style></head>
<body><h1>Class grading report</h1>
<p>{len(totals)} students; assignments: {escape(", ".join(run.get("assignments", [])))};
hidden-battery seed {escape(str(run.get("seed")))}.</p>
<h2>Score distribution</h2>{images[0]}
<table><tr><th>student</th><th>total</th></tr>{score_rows}</table>
<h2>Pass rate per test cell</h2>{images[1]}
<table><tr><th>test cell</th><th>passed</th></tr>{rate_rows}</table>
<h2>Most frequent diagnoses</h2>{"".join(images[2:])}
<table><tr><th>diagnosis</th><th>count</th></tr>{diagnosis_rows}</table>
<h2>Students to look at (timeout, crash, memory, tampering, rejected, missing, error)</h2>
<table><tr><th>student</th><th>what happened</th></tr>{flagged_rows}</table>
</body></html>
"""


def write_report(path: Path, records: list[dict], *, run: dict) -> None:
    """Write report.html."""
    Path(path).write_text(render_report(records, run=run), encoding="utf-8")
