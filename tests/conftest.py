"""Shared fixtures: the small fixture pack, a workspace factory, the local backend."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.catalog import ExercisePack
from grader.catalog.model import Exercise
from grader.runner import LocalBackend

TESTS = Path(__file__).parent
FIXTURE_PACK = TESTS / "fixtures" / "pack"
WORD_COUNT = FIXTURE_PACK / "stage1" / "word-count"


@pytest.fixture
def pack() -> ExercisePack:
    return ExercisePack(FIXTURE_PACK)


@pytest.fixture
def word_count(pack: ExercisePack) -> Exercise:
    return pack.get("word-count")


@pytest.fixture
def local_backend() -> LocalBackend:
    return LocalBackend()


@pytest.fixture
def reference_copy(tmp_path: Path) -> Path:
    """A writable copy of the word-count reference, as a student's workspace would hold it."""
    dest = tmp_path / "submission"
    shutil.copytree(WORD_COUNT / "reference", dest)
    return dest
