"""The submissions API: grading end to end, limits, the queue surviving a restart, OpenAPI."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from hashlib import sha256

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from grader.leaderboard.db.models import RUNNING, Job
from grader.leaderboard.queue import latest_job
from grader.leaderboard.worker import finish_job
from grader.scorecard import serialize
from tests.leaderboard.conftest import (
    SLUG,
    STARTER,
    Tokens,
    sign_in,
    upload,
    wait_until_graded,
    workspace_archive,
)


def test_a_submission_is_graded_end_to_end_with_its_scorecard(
    make_app: Callable[..., FastAPI], tokens: Tokens, settings
) -> None:
    with TestClient(make_app(workers=1)) as client:
        response = upload(
            client, tokens.ann, workspace_archive(), exercise="word-count"
        )
        assert response.status_code == 202, response.text
        accepted = response.json()
        assert accepted["exercise"] == SLUG and accepted["status"] == "queued"
        assert accepted["status_url"].endswith(f"/api/v1/submissions/{accepted['id']}")
        stored = list(settings.archives_dir.iterdir())
        assert [p.name for p in stored] == [f"{accepted['id']}.tar.gz"]
        result = wait_until_graded(client, accepted["id"], tokens.ann)
    assert result["status"] == "done", result
    assert result["result"] == "pass" and result["score"] == result["max_score"] == 100
    card = serialize.from_dict(result["scorecard"])
    assert card.exercise.slug == SLUG
    assert {f.path for f in card.submission.files} == {
        "word_count.py",
        "tests/test_word_count.py",
    }
    assert card.runner.backend == "local"
    assert not any(settings.work_dir.iterdir())  # the extracted copy is gone


def test_unknown_exercise_is_404_naming_the_known_ones(
    client: TestClient, tokens: Tokens
) -> None:
    response = upload(client, tokens.ann, workspace_archive(), exercise="word-cont")
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "unknown_exercise" and SLUG in body["message"]
    board = client.get(
        "/api/v1/leaderboard",
        params={"exercise": "nope"},
        headers=Tokens.header(tokens.teacher),
    )
    assert board.status_code == 404 and board.json()["error"] == "unknown_exercise"


def test_rate_limit_is_429_with_retry_after(
    make_app: Callable[..., FastAPI], tokens: Tokens
) -> None:
    with TestClient(make_app(rate_limit=2, rate_window_seconds=120)) as client:
        assert upload(client, tokens.ann, workspace_archive()).status_code == 202
        assert upload(client, tokens.ann, workspace_archive()).status_code == 202
        limited = upload(client, tokens.ann, workspace_archive())
        assert limited.status_code == 429
        assert limited.json()["error"] == "rate_limited"
        assert 100 <= int(limited.headers["Retry-After"]) <= 120
        assert "try again in" in limited.json()["message"]
        # The limit is per student: Bob is not slowed down by Ann.
        assert upload(client, tokens.bob, workspace_archive()).status_code == 202


def test_upload_over_the_size_limit_is_413(
    make_app: Callable[..., FastAPI], tokens: Tokens, settings
) -> None:
    with TestClient(make_app(max_upload_bytes=16 * 1024)) as client:
        big = os.urandom(200 * 1024)
        declared = upload(client, tokens.ann, big)
        assert declared.status_code == 413
        assert declared.json()["error"] == "upload_too_large"
        assert "larger than 16 KB" in declared.json()["message"]

        def chunks():  # no Content-Length: the limit applies as the body streams in
            for _ in range(20):
                yield os.urandom(10 * 1024)

        streamed = client.post(
            "/api/v1/submissions",
            content=chunks(),
            headers={
                **Tokens.header(tokens.ann),
                "Content-Type": "multipart/form-data; boundary=xyz",
            },
        )
        assert streamed.status_code == 413
        assert streamed.json()["error"] == "upload_too_large"
    assert not settings.archives_dir.exists() or not any(
        settings.archives_dir.iterdir()
    )


def test_regrade_queues_the_stored_archive_again(
    make_app: Callable[..., FastAPI], tokens: Tokens, graded_cards
) -> None:
    first_app = make_app()
    with TestClient(first_app) as client:
        accepted = upload(client, tokens.ann, workspace_archive(STARTER)).json()
    # Graded earlier with a score the stored archive does not deserve: the regrade fixes it.
    db = first_app.state.context.db
    with db.session() as session:
        job_id = latest_job(session, accepted["id"]).id
    finish_job(db, job_id, replace(graded_cards["reference"]))
    with TestClient(make_app(workers=1)) as client:
        first = client.get(
            f"/api/v1/submissions/{accepted['id']}", headers=Tokens.header(tokens.ann)
        ).json()
        assert first["result"] == "pass" and first["score"] == 100
        path = f"/api/v1/submissions/{accepted['id']}/regrade"
        again = client.post(path, headers=Tokens.header(tokens.teacher))
        assert again.status_code == 202 and again.json()["id"] == accepted["id"]
        second = wait_until_graded(client, accepted["id"], tokens.teacher)
    assert second["status"] == "done"
    assert second["result"] == "fail" and second["score"] < 100
    files = {f["path"]: f["sha256"] for f in second["scorecard"]["submission"]["files"]}
    assert (
        files["word_count.py"]
        == sha256((STARTER / "word_count.py").read_bytes()).hexdigest()
    )
    missing = client.post(
        "/api/v1/submissions/nope/regrade", headers=Tokens.header(tokens.teacher)
    )
    assert missing.status_code == 404


def test_regrade_of_a_queued_submission_is_409(
    client: TestClient, tokens: Tokens
) -> None:
    accepted = upload(client, tokens.ann, workspace_archive()).json()
    response = client.post(
        f"/api/v1/submissions/{accepted['id']}/regrade",
        headers=Tokens.header(tokens.teacher),
    )
    assert response.status_code == 409 and response.json()["error"] == "already_queued"


def test_queue_positions_count_the_jobs_ahead(
    client: TestClient, tokens: Tokens
) -> None:
    ids = [
        upload(client, tokens.ann, workspace_archive()).json()["id"] for _ in range(3)
    ]
    positions = [
        client.get(
            f"/api/v1/submissions/{i}", headers=Tokens.header(tokens.ann)
        ).json()["position"]
        for i in ids
    ]
    assert positions == [1, 2, 3]


def test_a_restart_with_queued_and_running_jobs_grades_them_all(
    make_app: Callable[..., FastAPI], tokens: Tokens
) -> None:
    # First start: no workers, so the jobs stay queued when the server stops.
    first = make_app()
    with TestClient(first) as client:
        ids = [
            upload(client, token, workspace_archive()).json()["id"]
            for token in (tokens.ann, tokens.bob)
        ]
    # One job was being graded when the server died.
    with first.state.context.db.session() as session:
        session.execute(
            update(Job)
            .where(Job.submission_id == ids[0])
            .values(status=RUNNING, attempts=1)
        )
    first.state.context.db.close()

    with TestClient(make_app(workers=2)) as client:
        results = [wait_until_graded(client, i, tokens.teacher) for i in ids]
    assert [r["status"] for r in results] == ["done", "done"]
    assert all(r["score"] == 100 for r in results)


def test_a_job_interrupted_too_often_ends_in_an_error(
    make_app: Callable[..., FastAPI], tokens: Tokens
) -> None:
    first = make_app()
    with TestClient(first) as client:
        sid = upload(client, tokens.ann, workspace_archive()).json()["id"]
    with first.state.context.db.session() as session:
        session.execute(update(Job).values(status=RUNNING, attempts=3))
    with TestClient(make_app(workers=1)) as client:
        result = wait_until_graded(client, sid, tokens.ann, seconds=10)
    assert result["status"] == "error" and "regrade" in result["message"]


def test_health_reports_the_queue(client: TestClient, tokens: Tokens) -> None:
    upload(client, tokens.ann, workspace_archive())
    body = client.get("/api/v1/health").json()
    assert body == {
        "status": "ok",
        "queue": "inprocess",
        "workers": 0,
        "worker_processes": 0,
        "stalled": 0,
        "jobs": {"queued": 1},
    }


def test_openapi_documents_every_endpoint_with_its_errors(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    submit = paths["/api/v1/submissions"]["post"]
    assert {"202", "401", "413", "415", "422", "429"} <= set(submit["responses"])
    assert submit["responses"]["413"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert "/api/v1/submissions/{submission_id}" in paths
    assert "/api/v1/submissions/{submission_id}/regrade" in paths
    assert "/api/v1/leaderboard" in paths and "/api/v1/export.csv" in paths
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_malformed_requests_are_4xx_json(client: TestClient, tokens: Tokens) -> None:
    no_file = client.post(
        "/api/v1/submissions",
        data={"exercise": SLUG},
        headers=Tokens.header(tokens.ann),
    )
    assert no_file.status_code == 422 and no_file.json()["error"] == "invalid_request"
    assert "archive" in no_file.json()["message"]
    bad_stage = client.get(
        "/api/v1/leaderboard",
        params={"stage": "x"},
        headers=Tokens.header(tokens.teacher),
    )
    assert bad_stage.status_code == 422
    # A stage the pack does not have is not found, on the API and the page alike.
    sign_in(client, tokens.teacher)
    for path in ("/api/v1/leaderboard", "/"):
        missing = client.get(
            path, params={"stage": 9}, headers=Tokens.header(tokens.teacher)
        )
        assert missing.status_code == 404, path
