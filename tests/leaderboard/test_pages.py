"""The leaderboard page: escaped names, tabs that are links, the chart, pseudonyms, a phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from fastapi import FastAPI
from fastapi.testclient import TestClient

from grader.leaderboard import auth
from grader.leaderboard.queue import latest_job
from grader.leaderboard.worker import finish_job
from tests.leaderboard.conftest import browser, sign_in, upload, workspace_archive

EVIL = '<script>alert("x")</script>'


def seeded(app: FastAPI, graded_cards, scores: dict[str, tuple[str, float]]) -> str:
    """Students (name -> (pseudonym, score)), each with one graded submission; returns
    the teacher's token."""
    with app.state.context.db.session() as session:
        teacher = auth.create_teacher(session).token
        tokens = {
            name: auth.add_student(session, name, pseudonym=pseudonym).token
            for name, (pseudonym, _) in scores.items()
        }
    with TestClient(app) as client:
        for name, (_, score) in scores.items():
            submission_id = upload(client, tokens[name], workspace_archive()).json()[
                "id"
            ]
            with app.state.context.db.session() as session:
                job_id = latest_job(session, submission_id).id
            card = replace(graded_cards["reference"], score=score)
            finish_job(app.state.context.db, job_id, card)
    return teacher


def test_page_escapes_names_and_shows_tabs_chart_and_rows(
    make_app: Callable[..., FastAPI], graded_cards
) -> None:
    app = make_app(refresh_seconds=15)
    teacher = seeded(app, graded_cards, {EVIL: ("owl", 95), "Bo & Co": ("fox", 42)})
    with browser(app) as client:
        sign_in(client, teacher)
        page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith(
        "text/html"
    )
    html = page.text
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "Bo &amp; Co" in html
    assert html.index("&lt;script&gt;") < html.index("Bo &amp; Co")  # 95 before 42
    assert '<a href="/" aria-current="page">All stages</a>' in html
    assert '<a href="/?stage=1">Stage 1</a>' in html
    assert '<meta http-equiv="refresh" content="15">' in html
    assert (
        '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    )
    # The chart: one bar per score band, drawn inline; the 90-100 band holds one student.
    assert html.count('<rect class="band"') == 10
    assert "90–100 %: 1</title>" in html and "40–49 %: 1</title>" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from elsewhere
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_stage_tab_lists_its_exercises_as_links(
    make_app: Callable[..., FastAPI], graded_cards
) -> None:
    app = make_app()
    teacher = seeded(app, graded_cards, {"Ann": ("owl", 80)})
    with browser(app) as client:
        sign_in(client, teacher)
        stage = client.get("/", params={"stage": 1}).text
        exercise = client.get("/", params={"exercise": "stage1/word-count"}).text
        missing = client.get("/", params={"exercise": "nope"})
    assert '<a href="/?stage=1" aria-current="page">Stage 1</a>' in stage
    assert (
        '<a href="/?stage=1&amp;exercise=stage1%2Fword-count">Word count</a>' in stage
    )
    assert (
        '<a href="/?stage=1&amp;exercise=stage1%2Fword-count" aria-current="page">'
        "Word count</a>" in exercise
    )
    assert "Stage 1: Word count" in exercise and "Ann" in exercise
    assert missing.status_code == 404


def test_pseudonym_switch_and_the_server_wide_setting(
    make_app: Callable[..., FastAPI], graded_cards
) -> None:
    app = make_app()
    teacher = seeded(app, graded_cards, {"Ann Real": ("owl", 80)})
    with browser(app) as client:
        sign_in(client, teacher)
        named = client.get("/").text
        hidden = client.get("/", params={"pseudonyms": "true", "stage": 1}).text
    assert (
        "Ann Real" in named
        and '<a href="/?pseudonyms=true">Show pseudonyms</a>' in named
    )
    assert "Ann Real" not in hidden and "owl" in hidden
    assert '<a href="/?stage=1">Show names</a>' in hidden
    assert (
        'href="/?stage=1&amp;exercise=stage1%2Fword-count&amp;pseudonyms=true"'
        in hidden
    )
    forced = make_app(force_pseudonyms=True)
    with browser(forced) as client:
        sign_in(client, teacher)
        page = client.get("/").text
        api = client.get("/api/v1/leaderboard").json()
    assert "Ann Real" not in page and "owl" in page and "Show names" not in page
    assert api["pseudonyms"] is True and api["rows"][0]["student"] == "owl"


def test_empty_page_says_so(client: TestClient, tokens) -> None:
    sign_in(client, tokens.ann)
    html = client.get("/").text
    assert "No graded submissions here yet." in html
    assert html.count('<rect class="band"') == 10
