"""The leaderboard page in real headless Chromium (Debian's), driven by Playwright.

No browser is downloaded: Playwright runs /usr/bin/chromium (GRADER_CHROMIUM overrides).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from grader.leaderboard import auth
from grader.leaderboard.app import create_app
from grader.leaderboard.queue import latest_job
from grader.leaderboard.settings import Settings
from grader.leaderboard.worker import finish_job
from grader.runner import LocalBackend
from grader.scorecard.model import ExerciseRef
from tests.leaderboard.conftest import LiveServer, upload, workspace_archive

# The page's database does not matter here: the API suite covers both.
pytestmark = pytest.mark.parametrize("database_url", [None], ids=["sqlite"])

PHONE = {"width": 375, "height": 740}
LONG_NAME = "Maximiliana-Konstantinopolskaya-Wolfeschlegelsteinhausenberger"
STUDENTS = {  # name: (pseudonym, stage 1 score, stage 2 score or None)
    "Ann Lee": ("owl", 95.0, 80.0),
    "Bo Chen": ("fox", 60.0, None),
    LONG_NAME: ("heron", 42.0, 100.0),
}


def record_score(app: FastAPI, card: Any, name: str, slug: str, score: float) -> None:
    """Submit for `name` for real; record `card` with `score` as its grading."""
    with app.state.context.db.session() as session:
        account = auth.find_account(session, name)
        token = auth.rotate_token(session, account).token
    with TestClient(app) as client:
        response = upload(client, token, workspace_archive(), exercise=slug)
        assert response.status_code == 202, response.text
        sid = response.json()["id"]
    with app.state.context.db.session() as session:
        job_id = latest_job(session, sid).id
    stage = int(slug[5])
    ref = ExerciseRef(slug=slug, stage=stage, version="1.0.0")
    finish_job(app.state.context.db, job_id, replace(card, score=score, exercise=ref))


@pytest.fixture
def board(
    settings: Settings, two_stage_pack: Path, graded_cards: dict[str, Any]
) -> FastAPI:
    app = create_app(
        settings.with_changes(exercises_dir=two_stage_pack, refresh_seconds=2),
        backend=LocalBackend(),
    )
    with app.state.context.db.session() as session:
        app.state.teacher_token = auth.create_teacher(session).token
        for name, (pseudonym, _, _) in STUDENTS.items():
            auth.add_student(session, name, pseudonym=pseudonym)
    card = graded_cards["reference"]
    for name, (_, first, second) in STUDENTS.items():
        record_score(app, card, name, "stage1/word-count", first)
        if second is not None:
            record_score(app, card, name, "stage2/word-freq", second)
    return app


def rows(page: Any) -> list[str]:
    return [
        cell.strip() for cell in page.locator("tbody td:nth-child(2)").all_inner_texts()
    ]


def sign_in_page(page: Any, url: str, token: str) -> None:
    """Open `url`, get sent to the sign-in form, type the token, land back on `url`."""
    page.goto(url)
    page.wait_for_url("**/signin?next=*")
    page.get_by_label("Your token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url)


def assert_fits_a_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width} px"


def test_tabs_pseudonyms_and_chart_on_a_phone(
    board: FastAPI, chromium: Any, tmp_path: Path
) -> None:
    with LiveServer(board) as live:
        page = chromium.new_page(viewport=PHONE)
        sign_in_page(page, live.url + "/", board.state.teacher_token)
        assert page.locator("h1").inner_text() == "Class leaderboard · All stages"
        # Whole class: the sum of each student's best per exercise.
        assert rows(page) == ["Ann Lee", LONG_NAME, "Bo Chen"]
        chart = page.locator("figure svg")
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 50
        assert page.locator("rect.band").count() == 10
        assert_fits_a_phone(page)
        page.screenshot(path=str(tmp_path / "leaderboard-375px.png"), full_page=True)

        page.get_by_role("link", name="Stage 2", exact=True).click()
        page.wait_for_url("**/?stage=2")
        current = page.locator('nav a[aria-current="page"]').all_inner_texts()
        assert current == ["Stage 2"]
        assert rows(page) == [LONG_NAME, "Ann Lee"]  # Bo has no stage 2 score
        assert_fits_a_phone(page)

        page.get_by_role("link", name="Word frequencies").click()
        page.wait_for_url("**exercise=stage2%2Fword-freq")
        assert "Stage 2: Word frequencies" in page.locator("h1").inner_text()
        assert rows(page) == [LONG_NAME, "Ann Lee"]

        page.get_by_role("link", name="Show pseudonyms").click()
        page.wait_for_url("**pseudonyms=true")
        assert rows(page) == ["heron", "owl"]
        assert "Ann Lee" not in page.content()
        # The choice survives moving between tabs.
        page.get_by_role("link", name="Stage 1", exact=True).click()
        page.wait_for_url("**/?stage=1&pseudonyms=true")
        assert rows(page) == ["owl", "fox", "heron"]
        assert_fits_a_phone(page)
        page.get_by_role("link", name="Show names").click()
        page.wait_for_url("**/?stage=1")
        assert rows(page) == ["Ann Lee", "Bo Chen", LONG_NAME]
        page.screenshot(path=str(tmp_path / "stage1-375px.png"), full_page=True)
        page.close()
    shots = sorted(p.name for p in tmp_path.glob("*.png"))
    assert shots == ["leaderboard-375px.png", "stage1-375px.png"]
    assert all((tmp_path / name).stat().st_size > 5_000 for name in shots)


def test_the_page_refreshes_itself_with_new_scores(
    board: FastAPI, chromium: Any, graded_cards: dict[str, Any]
) -> None:
    with board.state.context.db.session() as session:
        auth.add_student(session, "Newcomer", pseudonym="wren")
    with LiveServer(board) as live:
        page = chromium.new_page(viewport=PHONE)
        sign_in_page(page, live.url + "/?stage=1", board.state.teacher_token)
        loads: list[str] = []
        page.on("load", lambda: loads.append(page.url))
        page.goto(live.url + "/?stage=1")
        assert "Newcomer" not in rows(page)
        record_score(
            board, graded_cards["reference"], "Newcomer", "stage1/word-count", 99.0
        )
        # Nothing here navigates: the page's own refresh (every 2 s) shows the score.
        page.locator("tbody td", has_text="Newcomer").wait_for(timeout=10_000)
        assert rows(page)[0] == "Newcomer"
        assert len(loads) >= 2 and set(loads) == {live.url + "/?stage=1"}
        page.close()
