"""Deadlines and the late policy: the grade a rule gives, uploads refused when closed or
not open yet, extensions, and lateness judged at upload time (never by the queue)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from grader.clock import utc_now
from grader.leaderboard import auth, deadlines
from grader.leaderboard.db.models import Submission
from tests.leaderboard.conftest import (
    SLUG,
    Tokens,
    record_grading,
    upload,
    workspace_archive,
)

UTC = ZoneInfo("UTC")
DUE = datetime(2026, 10, 1, 15, 59, tzinfo=timezone.utc)


def rule(**changes: object) -> deadlines.Rule:
    values: dict[str, object] = {
        "target": SLUG,
        "opens_at": None,
        "due_at": DUE,
        "late_days": 3.0,
        "penalty_per_day": 10.0,
        "late_cap": None,
    }
    values.update(changes)
    return deadlines.Rule(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("uploaded", "kind", "grade"),
    [
        (DUE, "on_time", 90.0),
        (DUE + timedelta(minutes=1), "late", 81.0),  # a started day counts: -10 %
        (DUE + timedelta(days=1, minutes=1), "late", 72.0),  # 2 days: -20 %
        (DUE + timedelta(days=3), "late", 63.0),
        (DUE + timedelta(days=3, seconds=1), "after_window", 0.0),
    ],
)
def test_a_late_upload_loses_a_percent_per_started_day(
    uploaded: datetime, kind: str, grade: float
) -> None:
    judged = deadlines.judge(rule(), uploaded, UTC)
    assert judged.kind == kind
    assert judged.grade(90, 100) == grade
    assert "due 2026-10-01 15:59 UTC" in judged.note


def test_a_cap_limits_late_work_and_the_note_says_so() -> None:
    judged = deadlines.judge(
        rule(penalty_per_day=0, late_cap=50), DUE + timedelta(hours=5), UTC
    )
    assert judged.grade(90, 100) == 50 and judged.grade(40, 100) == 40
    assert judged.note.startswith("late 1 day capped at 50%")


def test_times_are_written_in_the_class_zone_and_stored_in_utc() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    due = deadlines.parse_moment("2026-10-01 23:59", shanghai, end_of_day=True)
    assert due == DUE
    assert deadlines.parse_moment("2026-10-01", shanghai, end_of_day=True) == DUE
    assert deadlines.shown(due, shanghai) == "2026-10-01 23:59 Asia/Shanghai"
    with pytest.raises(deadlines.DeadlineError, match="YYYY-MM-DD HH:MM"):
        deadlines.parse_moment("1st October", shanghai, end_of_day=True)
    with pytest.raises(deadlines.DeadlineError, match="IANA name"):
        deadlines.parse_zone("Mars/Olympus")


def set_rule(client: TestClient, **values: object) -> None:
    with client.app.state.context.db.session() as session:  # type: ignore[attr-defined]
        deadlines.set_deadline(session, target=SLUG, **values)  # type: ignore[arg-type]


def test_a_closed_exercise_refuses_uploads_and_an_extension_reopens_it(
    client: TestClient, tokens: Tokens, graded_cards
) -> None:
    now = utc_now()
    set_rule(
        client,
        due_at=now - timedelta(days=2),
        opens_at=None,
        late_days=1.0,
        penalty_per_day=10.0,
        late_cap=None,
    )
    refused = upload(client, tokens.ann, workspace_archive())
    assert refused.status_code == 403
    body = refused.json()
    assert body["error"] == "exercise_closed"
    assert "closed at" in body["message"] and "extension" in body["message"]
    db = client.app.state.context.db
    with db.session() as session:
        account = auth.find_account(session, "Ann")
        deadlines.extend(
            session,
            account_id=account.id,
            target=SLUG,
            due_at=now + timedelta(days=1),
            reason="ill",
        )
    sid = record_grading(client, tokens.ann, graded_cards["reference"], 90)
    assert upload(client, tokens.bob, workspace_archive()).status_code == 403
    me = client.get("/api/v1/me", headers=Tokens.header(tokens.ann)).json()
    graded = {s["id"]: s for s in me["submissions"]}[sid]
    assert graded["grade"] == 90 and graded["note"].startswith("on time")
    assert "(extended)" in graded["note"]
    assert me["deadlines"][0]["extended"] is True


def test_an_exercise_not_open_yet_refuses_uploads(
    client: TestClient, tokens: Tokens
) -> None:
    now = utc_now()
    set_rule(
        client,
        due_at=now + timedelta(days=9),
        opens_at=now + timedelta(days=2),
        late_days=0.0,
        penalty_per_day=0.0,
        late_cap=None,
    )
    refused = upload(client, tokens.ann, workspace_archive())
    assert refused.status_code == 403
    assert refused.json()["error"] == "exercise_not_open"
    assert "opens at" in refused.json()["message"]


def test_lateness_is_judged_at_upload_time_not_when_graded(
    client: TestClient, tokens: Tokens, graded_cards
) -> None:
    """An upload made on time but graded after the due date (a stalled queue, or a
    regrade) stays on time; one uploaded late is late however fast it is graded."""
    now = utc_now()
    set_rule(
        client,
        due_at=now - timedelta(hours=1),
        opens_at=None,
        late_days=2.0,
        penalty_per_day=25.0,
        late_cap=None,
    )
    on_time = record_grading(client, tokens.ann, graded_cards["reference"], 80)
    late = record_grading(client, tokens.bob, graded_cards["reference"], 80)
    db = client.app.state.context.db
    with db.session() as session:  # Ann's upload came in before the due date
        session.execute(
            update(Submission)
            .where(Submission.id == on_time)
            .values(created_at=now - timedelta(hours=2))
        )
    teacher = Tokens.header(tokens.teacher)
    grid = client.get("/api/v1/class", headers=teacher).json()
    cells = {s["name"]: s["cells"][0] for s in grid["students"]}
    assert cells["Ann"]["grade"] == 80 and not cells["Ann"]["late"]
    assert cells["Bob"]["grade"] == 60 and cells["Bob"]["late"]
    assert cells["Bob"]["note"].startswith("late 1 day -25%")
    assert late


def test_the_deadline_commands_say_what_is_wrong(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from grader.cli import cli
    from tests.conftest import FIXTURE_PACK

    monkeypatch.delenv("DATABASE_URL", raising=False)
    data = ["--data-dir", str(tmp_path / "data")]

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(
            cli, ["--exercises", str(FIXTURE_PACK), *args, *data]
        )
        return result.exit_code, result.output

    code, out = run("class", "init", "--timezone", "Mars/Olympus")
    assert code == 2 and "IANA name" in out
    assert run("class", "init", "--timezone", "Europe/Berlin")[0] == 0
    cases = [
        (("class", "deadline", "nope", "--due", "2026-10-01"), "no exercise 'nope'"),
        (("class", "deadline", SLUG, "--due", "soon"), "YYYY-MM-DD HH:MM"),
        (
            ("class", "deadline", SLUG, "--stage", "1", "--due", "2026-10-01"),
            "name one exercise",
        ),
        (("class", "deadline", "--stage", "7", "--due", "2026-10-01"), "no stage 7"),
        (
            ("class", "deadline", SLUG, "--due", "2026-10-01", "--opens", "2026-10-02"),
            "must open before it is due",
        ),
        (
            ("class", "deadline", SLUG, "--due", "2026-10-01", "--late-cap", "150"),
            "0<=x<=100",
        ),
        (("class", "extend", "Nobody", SLUG, "--until", "2026-10-03"), "no student"),
    ]
    for args, message in cases:
        code, out = run(*args)
        assert code == 2 and message in out, (args, out)
    code, out = run("class", "deadline", SLUG, "--due", "2026-10-01")
    assert code == 0 and "due 2026-10-01 23:59 Europe/Berlin" in out
