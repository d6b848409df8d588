"""A term on the class server, end to end, on SQLite and PostgreSQL.

60 students imported from a CSV; deadlines in the class's time zone, a late upload, a
closed stage and an extension; real gradings with a broken hidden test, then the fix and a
regrade all from the command line; the gradebook exported (wide, long, Canvas, Moodle) and
checked row by row; the teacher's and the student's pages in headless Chromium at 1280 px
and at phone width; anonymous readers refused.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import update

from grader.cli import cli
from grader.clock import utc_now
from grader.leaderboard.app import create_app
from grader.leaderboard.db.models import Submission
from grader.leaderboard.settings import Settings
from grader.runner import LocalBackend
from tests.leaderboard.conftest import (
    LiveServer,
    Tokens,
    browser,
    record_grading,
    upload,
    wait_until_graded,
    workspace_archive,
)

ZONE = ZoneInfo("Asia/Shanghai")
WC, WF = "stage1/word-count", "stage2/word-freq"
BROKEN = "\n\ndef test_a_wrong_expectation():\n    assert 1 == 2\n"
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path("/tmp/grader-course-screenshots")


def local(delta: timedelta) -> str:
    return (datetime.now(ZONE) + delta).strftime("%Y-%m-%d %H:%M")


def roster_csv(path: Path) -> None:
    lines = ["student_id,name,email,section"]
    for n in range(1, 61):
        name = "Wang Wei" if n in (1, 2) else f"Student {n:02d}"
        lines.append(f"S{n:03d},{name},s{n:03d}@uni.edu,{'AB'[n % 2]}")
    path.write_text("\n".join(lines) + "\n")


class Course:
    """The teacher's command line on one class (data dir, pack, database)."""

    def __init__(self, settings: Settings, pack: Path) -> None:
        self.settings, self.pack = settings, pack

    def run(self, *args: str) -> str:
        result = CliRunner().invoke(
            cli,
            ["--exercises", str(self.pack), *args]
            + ["--data-dir", str(self.settings.data_dir)],
        )
        assert result.exit_code == 0, (args, result.output)
        return result.output

    def app(self, workers: int) -> Any:
        return create_app(
            self.settings.with_changes(exercises_dir=self.pack, workers=workers),
            backend=LocalBackend(),
        )


def backdate(app: Any, exercise: str, days: float) -> None:
    with app.state.context.db.session() as session:
        session.execute(
            update(Submission)
            .where(Submission.exercise == exercise)
            .values(created_at=utc_now() - timedelta(days=days))
        )


@pytest.fixture
def course(
    settings: Settings, two_stage_pack: Path, monkeypatch: pytest.MonkeyPatch
) -> Course:
    if settings.database_url:
        monkeypatch.setenv("DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    return Course(settings, two_stage_pack)


def test_a_term_from_roster_to_gradebook(
    course: Course, tmp_path: Path, graded_cards: dict[str, Any], chromium: Any
) -> None:
    hidden = course.pack / "stage1" / "word-count" / "hidden" / "test_word_count.py"
    fixed = hidden.read_text()
    hidden.write_text(fixed + BROKEN)

    # The roster: 60 students, two of them named Wang Wei; tokens to a file.
    course.run("class", "init", "--timezone", "Asia/Shanghai")
    roster = tmp_path / "roster.csv"
    roster_csv(roster)
    out = course.run(
        "class", "import", str(roster), "--tokens", str(tmp_path / "t.csv")
    )
    assert "60 added, 0 updated, 0 unchanged" in out and "grt_" not in out
    tokens = {
        r["student_id"]: r["token"] for r in csv.DictReader((tmp_path / "t.csv").open())
    }
    assert len(tokens) == 60
    again = course.run(
        "class", "import", str(roster), "--tokens", str(tmp_path / "t2.csv")
    )
    assert "0 added, 0 updated, 60 unchanged" in again and "No new tokens" in again
    teacher = (course.settings.data_dir / "teacher-token.txt").read_text().strip()

    # Work handed in earlier in the term: 40 students on stage 2 (recorded), three on
    # word-count (graded for real, with the broken hidden test).
    first = course.app(workers=0)
    with browser(first) as client:
        for n in range(10, 50):
            record_grading(
                client, tokens[f"S{n:03d}"], graded_cards["reference"], 50 + n, WF
            )
        early = [
            upload(client, tokens[sid], workspace_archive(), exercise=WC).json()["id"]
            for sid in ("S001", "S002", "S003")
        ]
    backdate(first, WF, days=4)
    backdate(first, WC, days=2)
    first.state.context.db.close()

    # The rules, in the class's time zone: word-count was due an hour ago (three late
    # days at 10 % each); stage 2 closed yesterday, but S052 has an extension.
    course.run("class", "deadline", WC, "--due", local(-timedelta(hours=1)))
    course.run(
        "class", "deadline", WC, "--due", local(-timedelta(hours=1)),
        "--late-days", "3", "--penalty-per-day", "10",
    )  # fmt: skip
    course.run(
        "class",
        "deadline",
        "--stage",
        "2",
        "--due",
        local(-timedelta(days=3)),
        "--late-days",
        "1",
    )
    course.run(
        "class",
        "extend",
        "S052",
        WF,
        "--until",
        local(timedelta(days=1)),
        "--reason",
        "ill",
    )
    listed = course.run("class", "deadlines")
    assert "stage:2" in listed and "Asia/Shanghai" in listed

    app = course.app(workers=2)
    with LiveServer(app) as live, browser(app) as client:
        late = upload(client, tokens["S004"], workspace_archive(), exercise=WC).json()[
            "id"
        ]
        extended = upload(
            client, tokens["S052"], workspace_archive(), exercise=WF
        ).json()["id"]
        closed = upload(client, tokens["S053"], workspace_archive(), exercise=WF)
        assert closed.status_code == 403 and closed.json()["error"] == "exercise_closed"
        graded = {
            sid: wait_until_graded(client, sid, teacher, seconds=240)
            for sid in [*early, late, extended]
        }
        assert all(g["status"] == "done" for g in graded.values()), graded
        assert all(graded[sid]["score"] < 100 for sid in [*early, late])

        # The hidden test is fixed: regrade all, from the command line, with progress.
        hidden.write_text(fixed)
        regraded = course.run(
            "class", "regrade", WC, "--reason", "wrong hidden test removed", "--wait"
        )
        assert "4 submissions queued" in regraded and "graded 4 of 4" in regraded
        assert "4 scores changed" in regraded
        me = client.get("/api/v1/me", headers=Tokens.header(tokens["S004"])).json()
        assert [(c["new_score"], c["reason"]) for c in me["regrades"]] == [
            (100.0, "wrong hidden test removed")
        ]
        assert me["regrades"][0]["old_score"] == graded[late]["score"]

        check_exports(course, tmp_path, tokens)
        check_pages(chromium, live.url, teacher, tokens, tmp_path)
        similar = course.run("class", "similarity", WC)
        assert similar.count("100%") == 6  # S001..S004 handed in the same code


def check_exports(course: Course, tmp_path: Path, tokens: dict[str, str]) -> None:
    wide_path = tmp_path / "wide.csv"
    course.run("class", "export", "--format", "wide", "-o", str(wide_path))
    wide = {r["student_id"]: r for r in csv.DictReader(wide_path.open())}
    assert len(wide) == 60
    for n in range(1, 61):
        row, sid = wide[f"S{n:03d}"], f"S{n:03d}"
        if n <= 3:
            expected = (100.0, 0.0, "on time")
        elif n == 4:
            expected = (90.0, 0.0, "late 1 day -10%")
        elif 10 <= n < 50:
            expected = (0.0, float(50 + n), "on time")
        elif n == 52:
            expected = (0.0, 100.0, "on time")
        else:
            expected = (0.0, 0.0, "")
        assert (float(row[WC]), float(row[WF])) == expected[:2], (sid, row)
        assert float(row["total"]) == sum(expected[:2]), (sid, row)
        assert expected[2] in row["notes"], (sid, row)
    assert "(extended)" in wide["S052"]["notes"]
    assert [wide["S001"]["name"], wide["S002"]["name"]] == ["Wang Wei", "Wang Wei"]

    long_path = tmp_path / "long.csv"
    course.run("class", "export", "--format", "long", "-o", str(long_path))
    long = list(csv.DictReader(long_path.open()))
    assert len(long) == 3 + 40 + 1 + 1  # every submission, the refused one not
    s004 = [r for r in long if r["student_id"] == "S004"]
    assert [(r["score"], r["grade"], r["late_days"], r["counted"]) for r in s004] == [
        ("100", "90", "1", "yes")
    ]

    moodle = list(
        csv.DictReader(io.StringIO(course.run("class", "export", "--format", "moodle")))
    )
    assert len(moodle) == 60
    assert {r["ID number"]: r["Word count"] for r in moodle}["S004"] == "90"

    template = tmp_path / "canvas.csv"
    rows = [
        "Student,ID,SIS User ID,SIS Login ID,Section,Word count (501),Word frequencies (502)"
    ]
    rows.append("    Points Possible,,,,,10,100")
    rows += [
        f'"{n:02d}, Student",{1000 + n},S{n:03d},s{n:03d}@uni.edu,A,,'
        for n in range(1, 61)
    ]
    template.write_text("\r\n".join(rows) + "\r\n")
    canvas = course.run(
        "class", "export", "--format", "canvas", "--template", str(template)
    )
    lines = list(csv.reader(io.StringIO(canvas)))
    assert lines[0][-2:] == ["Word count (501)", "Word frequencies (502)"]
    by_id = {line[2]: line for line in lines[2:]}
    assert len(by_id) == 60
    assert by_id["S004"][-2:] == ["9", "0"] and by_id["S052"][-2:] == ["0", "100"]


def check_pages(
    chromium: Any, url: str, teacher: str, tokens: dict[str, str], tmp_path: Path
) -> None:
    SHOTS.mkdir(exist_ok=True)
    # Anonymous: nothing but the sign-in form.
    assert httpx.get(url + "/api/v1/leaderboard").status_code == 401
    nobody = chromium.new_page(viewport=DESKTOP)
    nobody.goto(url + "/teacher")
    assert "/signin" in nobody.url and nobody.locator("h1").inner_text() == "Sign in"
    nobody.close()

    page = chromium.new_page(viewport=DESKTOP)
    sign_in(page, url + "/teacher", teacher)
    assert page.locator("h1").inner_text() == "Class grid"
    assert page.locator("table.grid tbody tr").count() == 60
    s004 = page.locator("table.grid tbody tr", has_text="S004")
    assert "late" in (s004.locator("td").nth(1).get_attribute("class") or "")
    page.screenshot(path=str(SHOTS / "teacher-grid-1280.png"), full_page=True)
    page.get_by_role("link", name="Word count").first.click()
    page.wait_for_url("**/teacher/exercises/stage1/word-count")
    assert "4 of 60 students submitted" in page.content()
    page.screenshot(path=str(SHOTS / "teacher-exercise-1280.png"), full_page=True)
    page.close()

    phone = chromium.new_page(viewport=PHONE)
    sign_in(phone, url + "/me", tokens["S004"])
    text = phone.locator("body").inner_text()
    assert "late 1 day -10%" in text and "your score went from" in text
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"/me scrolls sideways: {width} px"
    phone.screenshot(path=str(SHOTS / "student-375.png"), full_page=True)
    phone.locator("a[href^='/me/submissions/']").first.click()
    phone.wait_for_url("**/me/submissions/*")
    assert "Scorecard" in phone.content() and "late 1 day -10%" in phone.content()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"a scorecard scrolls sideways: {width} px"
    phone.screenshot(path=str(SHOTS / "submission-375.png"), full_page=True)
    phone.goto(url + "/?stage=1")
    assert (
        phone.locator("tr.own").inner_text().startswith("1")
        or "(you)" in phone.content()
    )
    assert "Student 04 (you)" in phone.content() and "Wang Wei" not in phone.content()
    phone.screenshot(path=str(SHOTS / "board-student-375.png"), full_page=True)
    phone.close()
    for shot in SHOTS.glob("*.png"):
        assert shot.stat().st_size > 5_000
        shutil.copy(shot, tmp_path / shot.name)


def sign_in(page: Any, url: str, token: str) -> None:
    page.goto(url)
    page.get_by_label("Your token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url)
