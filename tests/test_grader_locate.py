"""Tests for course_lib.grader.locate: finding renamed or missing submissions."""

from __future__ import annotations

import pytest

from course_lib.grader.locate import find_students, locate


@pytest.mark.parametrize(
    "name",
    ["01_convolution (1).ipynb", "01_Convolution.ipynb", "Copy of 01_convolution.ipynb",
     "01_convolution-checkpoint.ipynb", "my_work.ipynb"],
)
def test_renamed_notebooks_are_found_with_a_note(tmp_path, name):
    """A wrongly named (or the only) notebook in the folder is graded, and the note says so."""
    folder = tmp_path / "ann" / "01_convolution"
    folder.mkdir(parents=True)
    (folder / name).write_text("{}")
    found = locate(tmp_path, "ann", "01_convolution")
    assert found.path == folder / name
    assert name in found.note


def test_exact_name_wins_and_folder_case_is_tolerated(tmp_path):
    """The expected file is taken silently; a folder in the wrong case is still used."""
    folder = tmp_path / "bo" / "01_Convolution"
    folder.mkdir(parents=True)
    (folder / "01_convolution.ipynb").write_text("{}")
    (folder / "01_convolution (1).ipynb").write_text("{}")
    found = locate(tmp_path, "bo", "01_convolution")
    assert found.path.name == "01_convolution.ipynb"


def test_missing_notebook_and_folder_are_reported(tmp_path):
    """No folder, or no plausible notebook among several, gives path None and a reason."""
    (tmp_path / "cy" / "01_convolution").mkdir(parents=True)
    for name in ("a.ipynb", "b.ipynb"):
        (tmp_path / "cy" / "01_convolution" / name).write_text("{}")
    assert locate(tmp_path, "cy", "02_padding").path is None
    found = locate(tmp_path, "cy", "01_convolution")
    assert found.path is None and "a.ipynb, b.ipynb" in found.note
    assert find_students(tmp_path) == ["cy"]
