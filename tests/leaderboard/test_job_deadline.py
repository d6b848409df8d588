"""A job's time is bounded by its exercise's limits: a grading that hangs past them ends as
an error scorecard saying so, which the teacher can regrade, and the worker takes the next
job meanwhile. Each test runs on SQLite and PostgreSQL (the `settings` fixture)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from grader.catalog.model import CheckConfig
from grader.leaderboard import queue, worker
from grader.scorecard.model import Scorecard
from tests.leaderboard.conftest import (
    Tokens,
    upload,
    wait_until_graded,
    workspace_archive,
)

BOUND = 3.0  # the job's seconds in these tests, as its exercise's limits would give


def test_a_job_past_its_time_ends_as_an_error_and_the_worker_goes_on(
    make_app: Callable[..., FastAPI],
    tokens: Tokens,
    graded_cards: dict[str, Scorecard],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    deadlines: list[float] = []

    def grade(*args: object, deadline: float, **kwargs: object) -> Scorecard:
        deadlines.append(deadline - time.monotonic())
        if len(deadlines) == 1:
            release.wait(120)  # a part of the grading that never ends on its own
        return graded_cards["reference"]

    monkeypatch.setattr(worker, "grade_workspace", grade)
    monkeypatch.setattr(queue, "job_seconds", lambda exercise: BOUND)
    try:
        with TestClient(make_app(workers=1)) as client:
            started = time.monotonic()
            hung = upload(client, tokens.ann, workspace_archive()).json()["id"]
            other = upload(client, tokens.bob, workspace_archive()).json()["id"]
            ended = wait_until_graded(client, hung, tokens.ann, seconds=30)
            took = time.monotonic() - started
            graded = wait_until_graded(client, other, tokens.bob, seconds=30)

            release.set()  # the cause is gone: the teacher regrades it
            again = client.post(
                f"/api/v1/submissions/{hung}/regrade",
                headers=Tokens.header(tokens.teacher),
            )
            assert again.status_code == 202, again.json()
            regraded = wait_until_graded(client, hung, tokens.teacher, seconds=30)
    finally:
        release.set()
    assert ended["status"] == "error" and ended["result"] == "error"
    assert f"grading took longer than {BOUND:g} s" in ended["message"]
    assert "regrade" in ended["message"]
    card = ended["scorecard"]
    assert card["status"] == "error" and card["message"] == ended["message"]
    assert ended["score"] is None  # ranks nowhere
    assert took < BOUND + 5  # the bound, plus the poll of the test and the worker
    # The one worker was free again: the next student's job was graded.
    assert graded["status"] == "done" and graded["score"] == 100
    assert regraded["status"] == "done" and regraded["score"] == 100
    # The grading was told its deadline, less the time kept for clean-up and storing.
    assert deadlines[0] == pytest.approx(BOUND - worker.FINISH_SECONDS, abs=1.0)


def test_a_job_has_the_time_of_every_limit_on_its_way() -> None:
    tests = CheckConfig(id="tests", weight=1.0)
    docker = CheckConfig(
        id="dockerfile",
        weight=1.0,
        options={"build_seconds": 100, "health_seconds": 20},
    )
    plain = SimpleNamespace(limits=SimpleNamespace(run_seconds=10), checks=[tests])
    built = SimpleNamespace(limits=plain.limits, checks=[tests, docker])
    assert queue.job_seconds(plain) == 10 + queue.HOST_MARGIN_SECONDS + 60
    assert queue.job_seconds(built) == queue.job_seconds(plain) + 100 + 20
