"""Hostile values stored in the database never break the board (issue 11, item 5).

A submission row is written directly, past every check of the grading path: NaN, infinite
and huge scores, missing fields, wrong types (SQLite stores any type in any column), a
scorecard that is not JSON. Every page, API endpoint and export still answers, and the
hostile row is skipped on the board (never ranked first) and shown as an error.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from grader.leaderboard import auth
from grader.leaderboard.classroom import list_students
from grader.leaderboard.queue import latest_job
from grader.leaderboard.worker import finish_job
from grader.scorecard import serialize
from tests.leaderboard.conftest import (
    SLUG,
    Tokens,
    browser,
    sign_in,
    upload,
    workspace_archive,
)

NAN, INF = float("nan"), float("inf")
DONE = {"status": "done", "result": "pass"}


def _card(**changes: object) -> str:
    return json.dumps({"schema_version": "1.0", "status": "pass", **changes})


# Column values written over a real submission of Bob's; Ann's real grading scores 100.
CASES: dict[str, dict[str, object]] = {
    "nan-score": {**DONE, "score": NAN, "max_score": 100.0},
    "inf-score": {**DONE, "score": INF, "max_score": 100.0},
    "minus-inf-score": {**DONE, "score": -INF, "max_score": 100.0},
    "huge-score": {**DONE, "score": 1e300, "max_score": 100.0},
    "huge-score-and-max": {**DONE, "score": 1e300, "max_score": 1e300},
    "inf-score-and-max": {**DONE, "score": INF, "max_score": INF},
    "nan-score-and-max": {**DONE, "score": NAN, "max_score": NAN},
    "inf-max": {**DONE, "score": 500.0, "max_score": INF},
    "negative-score": {**DONE, "score": -5.0, "max_score": 100.0},
    "score-over-max": {**DONE, "score": 900.0, "max_score": 100.0},
    "missing-score": {**DONE, "score": None, "max_score": None},
    "unknown-status": {"status": "bogus", "result": "bogus", "score": 50.0},
    "not-json": {**DONE, "score": 50.0, "max_score": 100.0, "scorecard": "{not json"},
    "json-nan": {**DONE, "score": 50.0, "max_score": 100.0, "scorecard": '{"s": NaN}'},
    "json-list": {**DONE, "score": 50.0, "max_score": 100.0, "scorecard": "[1, 2]"},
    "json-missing-fields": {
        **DONE,
        "score": 50.0,
        "max_score": 100.0,
        "scorecard": "{}",
    },
    "json-wrong-types": {
        **DONE,
        "score": 50.0,
        "max_score": 100.0,
        "scorecard": _card(score="abc", checks="none"),
    },
}
# SQLite keeps whatever type it is given; PostgreSQL refuses these at the write.
SQLITE_CASES: dict[str, dict[str, object]] = {
    "text-score": {**DONE, "score": "abc", "max_score": 100.0},
    "text-score-and-max": {**DONE, "score": "abc", "max_score": "zzz"},
    "blob-score": {**DONE, "score": b"\x00\xff", "max_score": b"\x01"},
    "text-max": {**DONE, "score": 500.0, "max_score": "abc"},
    "blob-scorecard": {**DONE, "score": 50.0, "max_score": 100.0, "scorecard": b"\xff"},
    "number-message": {**DONE, "score": 50.0, "max_score": 100.0, "message": 12345},
    "number-exercise-fields": {"status": 7, "result": 3.5, "score": 50.0},
}
ALL_CASES = {**CASES, **SQLITE_CASES}


@pytest.fixture
def hostile_board(
    make_app: Callable[..., FastAPI], database_url: str | None, request
) -> tuple[FastAPI, dict[str, str], str]:
    """The app with Ann graded (100 of 100) and Bob's submission overwritten by `case`."""
    case = request.param
    if case in SQLITE_CASES and database_url is not None:
        pytest.skip("PostgreSQL refuses a value of the wrong type at the write")
    app = make_app()
    with app.state.context.db.session() as session:
        tokens = {
            "teacher": auth.create_teacher(session).token,
            "Ann": auth.add_student(session, "Ann", pseudonym="owl").token,
            "Bob": auth.add_student(session, "Bob", pseudonym="fox").token,
        }
    return app, tokens, case


def _submit(client: TestClient, token: str) -> str:
    response = upload(client, token, workspace_archive())
    assert response.status_code == 202, response.text
    return response.json()["id"]


def _overwrite(app: FastAPI, submission_id: str, values: dict[str, object]) -> None:
    """Write `values` into the submission's row with plain SQL, nothing in between."""
    columns = ", ".join(f"{name} = :{name}" for name in values)
    with app.state.context.db.session() as session:
        session.execute(
            text(f"UPDATE submissions SET {columns} WHERE id = :id"),
            {**values, "id": submission_id},
        )


def _bob_first(rows: list[str]) -> bool:
    return bool(rows) and rows[0] in ("Bob", "fox")


@pytest.mark.parametrize("hostile_board", list(ALL_CASES), indirect=True)
def test_a_hostile_stored_result_breaks_no_page_and_never_ranks_first(
    hostile_board, graded_cards, settings
) -> None:
    app, tokens, case = hostile_board
    with browser(app) as client:
        ann = _submit(client, tokens["Ann"])
        db = app.state.context.db
        with db.session() as session:
            job_id = latest_job(session, ann).id
        finish_job(db, job_id, graded_cards["reference"])
        bob = _submit(client, tokens["Bob"])
        _overwrite(app, bob, ALL_CASES[case])
        db.results_changed()

        teacher = Tokens.header(tokens["teacher"])
        sign_in(client, tokens["teacher"])
        for query in ("", "?stage=1", f"?exercise={SLUG}", "?pseudonyms=true"):
            page = client.get("/" + query)
            assert page.status_code == 200, (query, page.text[:500])
            names = [n for n in ("Ann", "owl", "Bob", "fox") if n in page.text]
            order = sorted(names, key=page.text.index)
            assert not _bob_first(order), (query, order)

            board = client.get("/api/v1/leaderboard" + query, headers=teacher)
            assert board.status_code == 200, (query, board.text[:500])
            rows = board.json()["rows"]
            assert not _bob_first([r["student"] for r in rows]), rows
            for row in rows:
                assert 0 <= row["score"] <= row["max_score"], row
                assert 0 <= row["percent"] <= 100, row

        export = client.get("/api/v1/export.csv", headers=teacher)
        assert export.status_code == 200, export.text[:500]
        records = list(csv.DictReader(io.StringIO(export.text)))
        assert [r["student"] for r in records][:1] == ["Ann"]
        for record in records:
            best, most = float(record["best_score"]), float(record["max_score"])
            assert math.isfinite(best) and 0 <= best <= most <= 1e6, record

        for who, submission in (("teacher", bob), ("Bob", bob), ("Ann", ann)):
            view = client.get(
                f"/api/v1/submissions/{submission}",
                headers=Tokens.header(tokens[who]),
            )
            assert view.status_code == 200, (who, view.text[:500])
            body = view.json()
            if submission == ann:
                assert body["result"] == "pass" and body["score"] == 100
                continue
            assert body["result"] == "error", body
            assert body["score"] is None and body["scorecard"] is None, body
            assert "malformed" in body["message"], body
        ok = client.get(f"/api/v1/submissions/{ann}", headers=teacher).json()
        assert serialize.is_valid(ok["scorecard"])

        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/api/v1/exercises").status_code == 200
        # The teacher's views and the gradebook: the hostile row counts as nothing.
        for path in (
            "/teacher",
            f"/teacher/exercises/{SLUG}",
            f"/teacher/submissions/{bob}",
        ):
            assert client.get(path).status_code == 200, path
        wide = client.get(
            "/api/v1/gradebook", params={"format": "wide"}, headers=teacher
        )
        grades = {r["name"]: r[SLUG] for r in csv.DictReader(io.StringIO(wide.text))}
        assert grades["Ann"] == "100", wide.text
        assert 0 <= float(grades["Bob"]) < 100, wide.text
        long = client.get(
            "/api/v1/gradebook", params={"format": "long"}, headers=teacher
        )
        assert long.status_code == 200 and "nan" not in long.text.lower()
        mine = client.get("/api/v1/me", headers=Tokens.header(tokens["Bob"]))
        assert mine.status_code == 200
        assert 0 <= mine.json()["exercises"][0]["grade"] < 100
    students = list_students(settings)
    assert [s.name for s in students] == ["Ann", "Bob"]


def test_a_stored_practice_scorecard_is_a_problem_never_a_grade(
    make_app: Callable[..., FastAPI], graded_cards, settings
) -> None:
    """A practice scorecard (no hidden suite) written into a row is shown as a problem.

    No worker stores one (tests/leaderboard/test_every_job_ends.py); this is a row written
    behind the server's back, like the other hostile rows."""
    from dataclasses import replace

    app = make_app()
    with app.state.context.db.session() as session:
        teacher = auth.create_teacher(session).token
        bob = auth.add_student(session, "Bob", pseudonym="fox").token
    practice = replace(graded_cards["reference"], practice=True)
    with browser(app) as client:
        submission = _submit(client, bob)
        _overwrite(
            app,
            submission,
            {
                **DONE,
                "score": 100.0,
                "max_score": 100.0,
                "scorecard": serialize.dumps(practice),
            },
        )
        app.state.context.db.results_changed()
        for token in (bob, teacher):
            view = client.get(
                f"/api/v1/submissions/{submission}", headers=Tokens.header(token)
            ).json()
            assert view["result"] == "error" and view["score"] is None
            assert "a practice scorecard (graded without the hidden suite)" in (
                view["message"]
            )
            assert view["scorecard"] is None
