"""Shared fixtures: the small fixture pack, a workspace factory, the local backend."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from grader.catalog import ExercisePack
from grader.catalog.model import Exercise
from grader.errors import BackendUnavailable
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


@pytest.fixture
def created_containers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Ids of the containers the Docker SDK creates during the test.

    Checking these ids, not a label pattern, keeps a test blind to the containers of
    other gradings sharing the engine (another run may grade the same submission).
    """
    from docker.models.containers import ContainerCollection

    ids: list[str] = []
    create = ContainerCollection.create

    def recording_create(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        container = create(self, *args, **kwargs)
        ids.append(container.id)
        return container

    monkeypatch.setattr(ContainerCollection, "create", recording_create)
    return ids


def leftover_containers(client: Any, ids: list[str]) -> list[str]:
    """Which of the containers `ids` still exist."""
    import docker.errors

    found = []
    for container_id in ids:
        try:
            client.containers.get(container_id)
        except docker.errors.NotFound:
            continue
        found.append(container_id)
    return found


@pytest.fixture(scope="module")
def docker_backend():
    """The Docker backend; skipped without an engine, unless GRADER_REQUIRE_DOCKER=1."""
    from grader.runner.docker_backend import DockerBackend

    try:
        return DockerBackend()
    except BackendUnavailable as exc:
        if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
            pytest.fail(f"Docker is required here: {exc.message}")
        pytest.skip(exc.message)
