"""The server's pages speak the browser's language (Accept-Language: zh-CN gets Chinese,
anything else English); the JSON API and the exports stay English (issue 13, item 5)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from grader.i18n.catalog import catalogue
from grader.i18n.message import fields_of
from grader.leaderboard import auth
from grader.leaderboard.queue import latest_job
from grader.leaderboard.worker import finish_job
from grader.scorecard.model import ExerciseRef
from tests.leaderboard.conftest import (
    Tokens,
    browser,
    sign_in,
    upload,
    workspace_archive,
)

TEMPLATES = Path(__file__).parents[2] / "grader" / "leaderboard" / "templates"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-US,en;q=0.9,zh;q=0.8"}
# `_(` in a template: its first argument must be a string literal (a stored value in
# `_` would count as markup, see grader/leaderboard/page_text.py).
CALL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|(.))""")


def test_every_template_text_is_a_literal_with_its_chinese() -> None:
    chinese = catalogue("zh")
    found = 0
    for template in sorted(TEMPLATES.glob("*.html")):
        for match in CALL.finditer(template.read_text(encoding="utf-8")):
            literal = match.group(1)
            assert literal is not None, f"{template.name}: _() of a non-literal"
            assert literal in chinese, f"{template.name}: no Chinese for {literal!r}"
            assert fields_of(chinese[literal]) == fields_of(literal), literal
            found += 1
    assert found > 80


@pytest.fixture
def course(make_app: Callable[..., FastAPI], graded_cards) -> tuple[FastAPI, dict]:
    """Ann graded on word-count (the fixture pack's one exercise, 单词计数 in Chinese)."""
    app = make_app()
    with app.state.context.db.session() as session:
        tokens = {
            "teacher": auth.create_teacher(session).token,
            "Ann": auth.add_student(session, "Ann", pseudonym="owl").token,
            "Bob": auth.add_student(session, "Bob", pseudonym="fox").token,
        }
    with TestClient(app) as client:
        response = upload(client, tokens["Ann"], workspace_archive())
        assert response.status_code == 202, response.text
        sid = response.json()["id"]
    with app.state.context.db.session() as session:
        job_id = latest_job(session, sid).id
    ref = ExerciseRef(slug="stage1/word-count", stage=1, version="1.0.0")
    finish_job(
        app.state.context.db, job_id, replace(graded_cards["reference"], exercise=ref)
    )
    tokens["submission"] = sid
    return app, tokens


def _reader(app: FastAPI, token: str) -> TestClient:
    client = browser(app)
    sign_in(client, token)
    return client


def test_the_board_follows_accept_language(course) -> None:
    app, tokens = course
    chinese_title = app.state.context.catalog.find("word-count").title_zh
    assert chinese_title and chinese_title != "Word count"
    reader = _reader(app, tokens["teacher"])
    zh = reader.get("/", params={"stage": 1}, headers=ZH)
    assert zh.status_code == 200
    assert '<html lang="zh-CN">' in zh.text and "班级排行榜" in zh.text
    assert "阶段 1" in zh.text and chinese_title in zh.text
    assert "Class leaderboard" not in zh.text and "All stages" not in zh.text
    assert zh.headers["content-language"] == "zh-CN"
    assert "accept-language" in zh.headers["vary"].lower()
    # The same board, cached, in English for the next reader; no header is English too.
    for headers in (EN, {}, {"Accept-Language": "fr-FR, de;q=0.8"}):
        en = reader.get("/", params={"stage": 1}, headers=headers)
        assert '<html lang="en">' in en.text and "Class leaderboard" in en.text
        assert "班级排行榜" not in en.text
    # A browser that prefers a language grader lacks, then Chinese, gets Chinese.
    second = reader.get("/", headers={"Accept-Language": "fr;q=1, zh-CN;q=0.5"})
    assert "班级排行榜" in second.text


def test_sign_in_and_error_pages_in_chinese(course) -> None:
    app, tokens = course
    anonymous = browser(app)
    form = anonymous.get("/signin", headers=ZH)
    assert "你的令牌" in form.text and "Your token" not in form.text
    wrong = anonymous.post(
        "/signin", data={"token": "grt_nope_nope", "next": ""}, headers=ZH
    )
    assert wrong.status_code == 401 and "这个令牌无效" in wrong.text
    missing = anonymous.get("/no-such-page", headers=ZH)
    assert missing.status_code == 404 and "没有这个页面。" in missing.text
    student = _reader(app, tokens["Bob"])
    refused = student.get("/teacher", headers=ZH)
    assert refused.status_code == 403 and "只有老师可以打开这个页面" in refused.text
    assert "only the teacher" in student.get("/teacher", headers=EN).text


def test_student_and_teacher_views_in_chinese(course) -> None:
    app, tokens = course
    ann = _reader(app, tokens["Ann"])
    mine = ann.get("/me", headers=ZH).text
    assert "我的作业" in mine and "练习与截止日期" in mine and "无截止日期" in mine
    assert "Exercises and deadlines" not in mine
    card = ann.get(f"/me/submissions/{tokens['submission']}", headers=ZH).text
    assert "成绩单" in card and "检查项" in card
    teacher = _reader(app, tokens["teacher"])
    grid = teacher.get("/teacher", headers=ZH).text
    assert "班级总表" in grid and "每格：最高成绩 / 最近一次分数" in grid
    page = teacher.get("/teacher/exercises/stage1/word-count", headers=ZH).text
    assert "全部重新评分" in page and "失败最多的测试" in page
    assert "Regrade all" not in page


def test_the_api_and_exports_stay_english(course) -> None:
    app, tokens = course
    with TestClient(app) as client:
        teacher = {**Tokens.header(tokens["teacher"]), **ZH}
        board = client.get("/api/v1/leaderboard", headers=teacher)
        assert board.headers["content-type"].startswith("application/json")
        assert "content-language" not in board.headers
        me = client.get("/api/v1/me", headers={**Tokens.header(tokens["Ann"]), **ZH})
        assert me.json()["exercises"][0]["title"] == "Word count"
        assert me.json()["deadlines"][0]["state"] == "no deadline"
        missing = client.get("/api/v1/leaderboard?stage=9", headers=teacher).json()
        assert missing["error"] == "unknown_stage" and missing["message"].isascii()
        export = client.get("/api/v1/export.csv", headers=teacher).text
        assert export.isascii() and export.startswith("student,pseudonym,")


def _record(app: FastAPI, card, token: str, score: float) -> None:
    """Submit for real; record `card` with `score` as the grading's outcome."""
    with TestClient(app) as client:
        response = upload(client, token, workspace_archive())
        assert response.status_code == 202, response.text
        sid = response.json()["id"]
    with app.state.context.db.session() as session:
        job_id = latest_job(session, sid).id
    ref = ExerciseRef(slug="stage1/word-count", stage=1, version="1.0.0")
    status = "pass" if score >= 80 else "fail"
    finish_job(
        app.state.context.db,
        job_id,
        replace(card, score=score, status=status, exercise=ref),
    )


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_the_board_in_chinese_in_chromium(
    course, chromium, graded_cards, tmp_path: Path
) -> None:
    from tests.leaderboard.conftest import LiveServer

    app, tokens = course
    for name, score in (("Wang Wei", 72.5), ("李娜", 91.0)):
        with app.state.context.db.session() as session:
            token = auth.add_student(session, name).token
        _record(app, graded_cards["reference"], token, score)
    with LiveServer(app) as live:
        context = chromium.new_context(
            locale="zh-CN", viewport={"width": 1280, "height": 800}
        )
        page = context.new_page()
        page.goto(live.url + "/")
        page.wait_for_url("**/signin?next=*")
        page.get_by_label("你的令牌").fill(tokens["teacher"])
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(live.url + "/")
        page.goto(live.url + "/?stage=1")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert page.locator("h1").inner_text() == "班级排行榜 · 阶段 1"
        names = page.locator("tbody td:nth-child(2)").all_inner_texts()
        assert [n.strip() for n in names] == ["Ann", "李娜", "Wang Wei"]
        headers = page.locator("thead th").all_inner_texts()
        assert headers[1:4] == ["学生", "通过", "得分"]
        page.screenshot(path=str(tmp_path / "board-zh-1280px.png"), full_page=True)
        context.close()
    assert (tmp_path / "board-zh-1280px.png").stat().st_size > 5_000


def test_deadline_notes_and_late_policy_in_chinese(course) -> None:
    """A submission made a day after the due date: the rule's note and the late policy
    read in Chinese on the pages, in English in the API (and its export columns)."""
    from datetime import timedelta

    from grader.clock import utc_now
    from grader.leaderboard.deadlines import set_deadline

    app, tokens = course
    with app.state.context.db.session() as session:
        set_deadline(
            session,
            target="stage1/word-count",
            due_at=utc_now() - timedelta(hours=20),
            opens_at=None,
            late_days=3,
            penalty_per_day=10,
            late_cap=None,
        )
    ann = _reader(app, tokens["Ann"])
    mine = ann.get("/me", headers=ZH).text
    assert "可迟交 3 天，每天 -10%" in mine and "迟交 1 天 -10%，截止" in mine
    english = ann.get("/me", headers=EN).text
    assert "3 days late allowed, -10% per day" in english
    assert "late 1 day -10%, due" in english
    with TestClient(app) as client:
        me = client.get(
            "/api/v1/me", headers={**Tokens.header(tokens["Ann"]), **ZH}
        ).json()
    assert me["submissions"][0]["note"].startswith("late 1 day -10%, due ")
    assert me["deadlines"][0]["late_policy"] == "3 days late allowed, -10% per day"
