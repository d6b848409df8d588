"""The leaderboard's order (exercises passed, then best score, ties to the earlier time),
stages over all their exercises, practice rows left out, and the CSV export."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sqlalchemy import text as sql_text

from grader.leaderboard import auth
from grader.leaderboard.db import open_database
from grader.leaderboard.queue import latest_job
from grader.leaderboard.worker import finish_job
from grader.scorecard import serialize
from grader.scorecard.model import ExerciseRef, Scorecard
from tests.conftest import FIXTURE_PACK
from tests.leaderboard.conftest import (
    Tokens,
    browser,
    sign_in,
    upload,
    workspace_archive,
)

SECOND = "stage2/word-freq"
OTHER = (
    "stage1/word-total"  # stage 1's second exercise, which the tests leave unattempted
)
TEACHER: dict[str, str] = {}  # the board fixture fills in the teacher's header


@pytest.fixture
def two_stage_pack(tmp_path: Path) -> Path:
    """The fixture pack plus copies of word-count: word-total in stage 1, word-freq in
    stage 2 (100 points each)."""
    pack = tmp_path / "pack"
    shutil.copytree(FIXTURE_PACK, pack)
    for qualified in (SECOND, OTHER):
        stage, slug = qualified.split("/")
        copy = pack / stage / slug
        shutil.copytree(pack / "stage1" / "word-count", copy)
        toml = copy / "exercise.toml"
        text = toml.read_text().replace('slug = "word-count"', f'slug = "{slug}"')
        toml.write_text(text.replace("stage = 1", f"stage = {stage[-1]}"))
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
    # Over all three exercises of the pack, word-total unattempted included.
    assert whole["max_score"] == 300 and whole["exercises"] == 2
    assert whole["percent"] == 50.0


def test_exercises_passed_rank_before_the_total_score(board, graded_cards) -> None:
    client, tokens = board
    card = graded_cards["reference"]
    graded(client, tokens["Ann"], card, 80)  # pass
    graded(client, tokens["Ann"], card, 80, exercise=SECOND)  # pass
    graded(client, tokens["Bob"], card, 100)  # pass
    graded(client, tokens["Bob"], card, 79, exercise=SECOND)  # fail, higher total
    graded(client, tokens["Cy"], card, 95)  # one pass, total below Bob's
    rows = client.get("/api/v1/leaderboard", headers=TEACHER).json()["rows"]
    assert [(r["student"], r["passed"], r["score"]) for r in rows] == [
        ("Ann", 2, 160),
        ("Bob", 1, 179),
        ("Cy", 1, 95),
    ]
    # The page ranks the same way and shows the passes.
    page = board_page(client, tokens["teacher"])
    assert page.index("Ann") < page.index("Bob") < page.index("Cy")
    # A later failing try keeps the pass: passing is for good.
    graded(client, tokens["Cy"], card, 10)
    graded(client, tokens["Cy"], card, 85, exercise=SECOND)
    rows = client.get("/api/v1/leaderboard", headers=TEACHER).json()["rows"]
    # Two passes each now: the higher total (95 + 85) goes first.
    assert [(r["student"], r["passed"]) for r in rows][:2] == [("Cy", 2), ("Ann", 2)]


def test_a_stage_percent_counts_its_unattempted_exercises(board, graded_cards) -> None:
    client, tokens = board
    graded(client, tokens["Ann"], graded_cards["reference"], 90)
    stage = client.get("/api/v1/leaderboard", params={"stage": 1}, headers=TEACHER)
    [ann] = stage.json()["rows"]
    assert (ann["score"], ann["max_score"], ann["percent"]) == (90, 200, 45.0)
    one = client.get(
        "/api/v1/leaderboard", params={"exercise": "word-count"}, headers=TEACHER
    ).json()["rows"][0]
    assert (one["max_score"], one["percent"]) == (100, 90.0)
    # The page's histogram bands follow the same percent: 45 % is the 40-49 band.
    page = board_page(client, tokens["teacher"], stage=1)
    assert "<title>40–49 %: 1</title>" in page


def board_page(client: TestClient, token: str, **params: object) -> str:
    """The board page as a browser signed in with `token` reads it."""
    reader = browser(client.app)
    sign_in(reader, token)
    response = reader.get("/", params=params)
    assert response.status_code == 200, response.text
    return response.text


def _write_practice(client: TestClient, submission_id: str, text: str) -> None:
    """A practice scorecard written into a graded row behind the server's back."""
    with client.app.state.context.db.session() as session:
        session.execute(
            sql_text(
                "UPDATE submissions SET score = 100, max_score = 100, result = 'pass', "
                "scorecard = :card WHERE id = :id"
            ),
            {"card": text, "id": submission_id},
        )
    client.app.state.context.db.results_changed()


def test_a_practice_scorecard_in_a_row_never_ranks_or_counts(
    board, graded_cards
) -> None:
    client, tokens = board
    card = graded_cards["reference"]
    practice = replace(card, practice=True, score=100.0, status="pass")
    graded(client, tokens["Ann"], card, 50)
    graded(client, tokens["Bob"], card, 40)
    _write_practice(
        client, graded(client, tokens["Bob"], card, 40), serialize.dumps(practice)
    )
    compact = json.dumps(serialize.to_dict(practice), separators=(",", ":"))
    _write_practice(client, graded(client, tokens["Cy"], card, 30), compact)
    assert ranking(client, exercise="word-count") == [("Ann", 50), ("Bob", 40)]
    rows = client.get("/api/v1/leaderboard", headers=TEACHER).json()["rows"]
    assert [(r["student"], r["passed"]) for r in rows] == [("Ann", 0), ("Bob", 0)]
    assert "Cy" not in board_page(client, tokens["teacher"])
    # The class grid and the gradebook do not count them either.
    grid = client.get("/api/v1/class", headers=TEACHER).json()
    cells = {s["name"]: s["cells"][0] for s in grid["students"] if s["name"] != "Dee"}
    assert cells["Bob"]["grade"] == 40 and cells["Bob"]["passed"] is False
    assert cells["Cy"]["grade"] == 0 and cells["Cy"]["passed"] is False


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
