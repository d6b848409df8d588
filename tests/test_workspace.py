"""Finding a student's workspaces in a repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.errors import WorkspaceError
from grader.workspace import find_workspaces


def _mark(folder: Path, slug: str) -> None:
    marker = folder / ".grader" / "exercise.json"
    marker.parent.mkdir(parents=True)
    marker.write_text(json.dumps({"exercise": slug, "version": "1"}))


def test_finds_every_workspace_sorted_and_skips_hidden_and_envs(tmp_path: Path) -> None:
    _mark(tmp_path / "stage1" / "grade-book", "stage1/grade-book")
    _mark(tmp_path / "stage2" / "movie-cleaning", "stage2/movie-cleaning")
    _mark(tmp_path / "a-first", "stage1/decorators")
    # Copies inside a virtualenv, a hidden folder or node_modules are not the student's work.
    _mark(tmp_path / ".venv" / "copy", "stage1/grade-book")
    _mark(tmp_path / "node_modules" / "copy", "stage1/grade-book")
    # A folder inside a workspace is part of it, never a second workspace.
    _mark(tmp_path / "a-first" / "nested", "stage1/atomic-write")
    found = find_workspaces(tmp_path)
    assert [w.slug for w in found] == [
        "stage1/decorators",
        "stage1/grade-book",
        "stage2/movie-cleaning",
    ]
    assert found[1].root == (tmp_path / "stage1" / "grade-book").resolve()


def test_no_workspaces_is_an_empty_list(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    assert find_workspaces(tmp_path) == []


def test_a_damaged_marker_names_the_file(tmp_path: Path) -> None:
    marker = tmp_path / "w" / ".grader" / "exercise.json"
    marker.parent.mkdir(parents=True)
    marker.write_text("{not json")
    with pytest.raises(WorkspaceError, match="exercise.json is damaged"):
        find_workspaces(tmp_path)
