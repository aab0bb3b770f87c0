"""Stored results are reused only when nothing that can change a score has changed."""

from __future__ import annotations

from pathlib import Path

from course_lib.grader import store
from course_lib.grader.records import GradeRecord

PACKAGE = Path(store.__file__).resolve().parents[1]


def test_the_code_digest_covers_every_module_grading_imports(monkeypatch):
    """kernels.py, _validation.py, the reference and the sandbox change the digest too."""
    seen = []
    real = Path.read_bytes

    def spy(path):
        seen.append(Path(path).relative_to(PACKAGE).as_posix())
        return real(path)

    store.code_digest.cache_clear()
    monkeypatch.setattr(Path, "read_bytes", spy)
    try:
        store.code_digest()
    finally:
        store.code_digest.cache_clear()
    for module in ("kernels.py", "_validation.py", "reference/_correlate.py", "grading/assess.py",
                   "grader/runner.py", "sandbox/sandbox.py", "grader/templates/report.html.j2"):
        assert module in seen, module


def test_every_setting_is_part_of_the_fingerprint():
    """unsafe, each limit and the seed all change the fingerprint; equal inputs do not."""
    inputs = {"seed": 1, "sandbox": {"unsafe": False, "cpu_seconds": 20}, "trusted": "abc"}
    base = store.fingerprint(submission=b"{}", inputs=inputs)
    assert base == store.fingerprint(submission=b"{}", inputs=dict(inputs))
    for changed in (
        {**inputs, "seed": 2},
        {**inputs, "sandbox": {"unsafe": True, "cpu_seconds": 20}},
        {**inputs, "sandbox": {"unsafe": False, "cpu_seconds": 21}},
        {**inputs, "trusted": "abd"},
    ):
        assert store.fingerprint(submission=b"{}", inputs=changed) != base
    assert store.fingerprint(submission=b"{ }", inputs=inputs) != base
    assert store.fingerprint(submission=None, inputs=inputs) != base


def test_results_are_read_back_only_with_their_fingerprint(tmp_path):
    """A stored file is reused with the same fingerprint, ignored with another or damaged."""
    record = GradeRecord("a", "01", "01.ipynb", "f_visible", "f", "visible", 1.0, 1.0, "passed")
    path = tmp_path / "r.json"
    store.write_result(path, fingerprint="x", source="a.ipynb", records=[record])
    assert store.read_result(path, "x") == [record]
    assert store.read_result(path, "y") is None
    path.write_text('{"fingerprint": "x", "records": [{"student": 1}]}')
    assert store.read_result(path, "x") is None
