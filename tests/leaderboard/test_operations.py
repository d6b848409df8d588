"""Operations: health counts the workers really grading (by their heartbeats), and a job
queued with no live worker is reported as stalled, to the teacher and to its student (with
their place in line)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

import pytest

from grader.leaderboard.client import ServerError, submit_to_server
from tests.leaderboard.conftest import (
    REFERENCE,
    SLUG,
    LiveServer,
    Tokens,
    browser,
    sign_in,
    upload,
    wait_until_graded,
    workspace_archive,
)


def test_health_counts_the_in_process_workers_while_they_run(
    make_app: Callable[..., FastAPI], tokens: Tokens
) -> None:
    with browser(make_app(workers=2)) as client:
        health = client.get("/api/v1/health").json()
        assert (health["workers"], health["worker_processes"]) == (2, 1)
        sid = upload(client, tokens.ann, workspace_archive()).json()["id"]
        assert wait_until_graded(client, sid, tokens.ann)["status"] == "done"
    with browser(make_app(workers=0)) as client:  # the pool stopped: its beat is gone
        health = client.get("/api/v1/health").json()
        assert (health["workers"], health["worker_processes"]) == (0, 0)


def test_a_job_waiting_with_no_worker_is_reported_to_teacher_and_student(
    make_app: Callable[..., FastAPI], tokens: Tokens
) -> None:
    app = make_app(workers=0, stalled_after_seconds=0.0)
    with browser(app) as client:
        upload(client, tokens.bob, workspace_archive())
        sid = upload(client, tokens.ann, workspace_archive()).json()["id"]
        health = client.get("/api/v1/health").json()
        assert health["stalled"] == 2 and health["workers"] == 0
        view = client.get(
            f"/api/v1/submissions/{sid}", headers=Tokens.header(tokens.ann)
        ).json()
        assert view["position"] == 2
        assert view["delayed"].startswith("grading is delayed: no grader is running")
        assert "number 2 in line" in view["delayed"]
        sign_in(client, tokens.teacher)
        grid = client.get("/teacher").text
        assert "2 submissions waited over a minute with no grading worker" in grid
        student_page = client.get(f"/teacher/submissions/{sid}").text
        assert "grading is delayed" in student_page


def test_grader_submit_tells_the_student_grading_is_delayed(
    make_app: Callable[..., FastAPI], tokens: Tokens
) -> None:
    app = make_app(workers=0, stalled_after_seconds=0.0)
    lines: list[str] = []
    with LiveServer(app) as live:
        with pytest.raises(ServerError, match="no scorecard after"):
            submit_to_server(
                server=live.url,
                token=tokens.ann,
                slug=SLUG,
                workspace=REFERENCE,
                progress=lines.append,
                timeout=2,
            )
    assert any(line.startswith("grading is delayed") for line in lines), lines
