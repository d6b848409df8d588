"""The leaderboard's order (best score, ties to the earlier time), stages, and the CSV export."""

from __future__ import annotations

import csv
import re
import io
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from grader.leaderboard import auth
from grader.leaderboard.db import open_database
from grader.leaderboard.queue import latest_job
from grader.leaderboard.worker import finish_job
from grader.scorecard.model import ExerciseRef, Scorecard
from tests.conftest import FIXTURE_PACK
from tests.leaderboard.conftest import Tokens, upload, workspace_archive

SECOND = "stage2/word-freq"
TEACHER: dict[str, str] = {}  # the board fixture fills in the teacher's header


@pytest.fixture
def two_stage_pack(tmp_path: Path) -> Path:
    """The fixture pack plus a copy of word-count as a stage 2 exercise."""
    pack = tmp_path / "pack"
    shutil.copytree(FIXTURE_PACK, pack)
    copy = pack / "stage2" / "word-freq"
    shutil.copytree(pack / "stage1" / "word-count", copy)
    toml = copy / "exercise.toml"
    text = toml.read_text().replace('slug = "word-count"', 'slug = "word-freq"')
    toml.write_text(text.replace("stage = 1", "stage = 2"))
    return pack


@pytest.fixture
def board(
    make_app: Callable[..., FastAPI], two_stage_pack: Path
) -> tuple[TestClient, dict[str, str]]:
    app = make_app(exercises_dir=two_stage_pack)
    names = ["Ann", "Bob", "Cy", "Dee", '=HYPERLINK("http://x")']
    with app.state.context.db.session() as session:
        tokens = {name: auth.add_student(session, name).token for name in names}
        tokens["teacher"] = auth.create_teacher(session).token
    TEACHER.clear()
    TEACHER.update(Tokens.header(tokens["teacher"]))
    with TestClient(app) as client:
        yield client, tokens


def graded(
    client: TestClient,
    token: str,
    card: Scorecard,
    score: float,
    exercise: str = "stage1/word-count",
) -> str:
    """Submit for real, then record `card` with `score` as the grading's outcome."""
    response = upload(client, token, workspace_archive(), exercise=exercise)
    assert response.status_code == 202, response.text
    submission_id = response.json()["id"]
    db = client.app.state.context.db
    with db.session() as session:
        job_id = latest_job(session, submission_id).id
    stage = int(exercise[5])
    result = replace(
        card,
        score=score,
        exercise=ExerciseRef(slug=exercise, stage=stage, version="1.0.0"),
        status="pass" if score >= 80 else "fail",
    )
    finish_job(db, job_id, result)
    return submission_id


def ranking(client: TestClient, **params: object) -> list[tuple[str, float]]:
    body = client.get("/api/v1/leaderboard", params=params, headers=TEACHER).json()
    return [(row["student"], row["score"]) for row in body["rows"]]


def test_best_score_wins_and_ties_go_to_the_earlier_time(board, graded_cards) -> None:
    client, tokens = board
    card = graded_cards["reference"]
    graded(client, tokens["Ann"], card, 80)
    graded(client, tokens["Bob"], card, 90)
    graded(client, tokens["Cy"], card, 100)
    graded(client, tokens["Ann"], card, 90)  # ties Bob, but later
    graded(client, tokens["Dee"], card, 90)
    graded(client, tokens["Dee"], card, 90)
    graded(client, tokens["Bob"], card, 40)  # a worse try later changes nothing
    upload(client, tokens["Ann"], workspace_archive())  # still queued: not counted
    rows = client.get(
        "/api/v1/leaderboard", params={"exercise": "word-count"}, headers=TEACHER
    ).json()
    assert [(r["rank"], r["student"], r["score"]) for r in rows["rows"]] == [
        (1, "Cy", 100),
        (2, "Bob", 90),
        (3, "Ann", 90),
        (4, "Dee", 90),
    ]
    bob = rows["rows"][1]
    assert bob["submissions"] == 2 and bob["exercises"] == 1 and bob["percent"] == 90.0
    assert rows["rows"][2]["submissions"] == 3


def test_stage_and_class_boards_sum_the_best_of_each_exercise(
    board, graded_cards
) -> None:
    client, tokens = board
    card = graded_cards["reference"]
    graded(client, tokens["Ann"], card, 100)
    graded(client, tokens["Bob"], card, 60, exercise=SECOND)
    graded(client, tokens["Bob"], card, 70)
    graded(client, tokens["Ann"], card, 30, exercise=SECOND)
    graded(client, tokens["Bob"], card, 80, exercise=SECOND)
    assert ranking(client, stage=1) == [("Ann", 100), ("Bob", 70)]
    assert ranking(client, stage=2) == [("Bob", 80), ("Ann", 30)]
    assert ranking(client) == [("Bob", 150), ("Ann", 130)]
    missing = client.get("/api/v1/leaderboard", params={"stage": 3}, headers=TEACHER)
    assert missing.status_code == 404 and missing.json()["error"] == "unknown_stage"
    whole = client.get("/api/v1/leaderboard", headers=TEACHER).json()["rows"][0]
    assert whole["max_score"] == 200 and whole["exercises"] == 2


def test_pseudonyms_replace_names(board, graded_cards) -> None:
    client, tokens = board
    with client.app.state.context.db.session() as session:
        pip = auth.add_student(session, "Pip Real-Name", pseudonym="heron").token
    graded(client, pip, graded_cards["reference"], 100)
    graded(client, tokens["Ann"], graded_cards["reference"], 50)
    assert ranking(client) == [("Pip Real-Name", 100), ("Ann", 50)]
    hidden = client.get(
        "/api/v1/leaderboard", params={"pseudonyms": "true"}, headers=TEACHER
    ).json()
    assert hidden["pseudonyms"] is True
    students = [row["student"] for row in hidden["rows"]]
    # Ann was given none: hers is random, not a number that follows the roster.
    assert students[0] == "heron" and re.fullmatch(r"[a-z]+-[a-z]+-\d\d", students[1])
    assert "Pip Real-Name" not in str(hidden)


def test_csv_export_has_each_students_best_per_exercise(board, graded_cards) -> None:
    client, tokens = board
    card = graded_cards["reference"]
    graded(client, tokens["Ann"], card, 50)
    graded(client, tokens["Ann"], card, 95)
    graded(client, tokens["Ann"], card, 60, exercise=SECOND)
    evil = '=HYPERLINK("http://x")'
    graded(client, tokens[evil], card, 70)
    response = client.get(
        "/api/v1/export.csv", headers=Tokens.header(tokens["teacher"])
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "grades.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    table = {(r["student"], r["exercise"]): r for r in rows}
    assert table[("Ann", "stage1/word-count")]["best_score"] == "95"
    assert table[("Ann", "stage1/word-count")]["submissions"] == "2"
    assert table[("Ann", SECOND)]["best_score"] == "60"
    assert table[("Ann", SECOND)]["stage"] == "2"
    # A name that is a formula is exported as text, not run by the spreadsheet.
    assert table[("'" + evil, "stage1/word-count")]["max_score"] == "100"
    assert len(rows) == 3


def test_results_stored_by_another_process_reach_the_board_within_seconds(
    board, graded_cards, settings
) -> None:
    client, tokens = board
    assert ranking(client) == []  # computed once, then served from the cache
    sid = upload(client, tokens["Ann"], workspace_archive()).json()["id"]
    # A Celery worker on another machine: its own connection, its own process.
    worker_db = open_database(settings.db_url)
    with worker_db.session() as session:
        job_id = latest_job(session, sid).id
    finish_job(worker_db, job_id, replace(graded_cards["reference"], score=77))
    worker_db.close()
    stored = time.monotonic()
    while ranking(client) != [("Ann", 77)]:
        assert time.monotonic() - stored < 5, "the board never showed the new result"
        time.sleep(0.1)
