"""The class server grading in the real sandbox (the Docker runner image)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from grader.errors import BackendUnavailable
from grader.leaderboard.app import create_app
from grader.leaderboard.settings import Settings
from tests.leaderboard.conftest import (
    Tokens,
    upload,
    wait_until_graded,
    workspace_archive,
)

pytestmark = pytest.mark.docker


@pytest.fixture
def docker_app(settings: Settings, app: FastAPI) -> Callable[[], FastAPI]:
    from grader.runner.docker_backend import DockerBackend

    try:
        backend = DockerBackend()
    except BackendUnavailable as exc:
        if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
            pytest.fail(f"Docker is required here: {exc.message}")
        pytest.skip(exc.message)
    return lambda: create_app(settings.with_changes(workers=1), backend=backend)


def test_a_submission_is_graded_in_the_docker_sandbox(
    docker_app: Callable[[], FastAPI], tokens: Tokens
) -> None:
    with TestClient(docker_app()) as client:
        accepted = upload(client, tokens.ann, workspace_archive()).json()
        result = wait_until_graded(client, accepted["id"], tokens.ann, seconds=300)
    assert result["status"] == "done", result
    card = result["scorecard"]
    assert card["runner"]["backend"] == "docker" and card["runner"]["sandboxed"] is True
    assert card["status"] == "pass" and card["score"] == 100
