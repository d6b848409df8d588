"""Every job ends: hostile text is stored scrubbed, a result the database refuses ends the
job as an error scorecard that can be regraded, a crash's `running` job is recovered.

Each test runs on SQLite and PostgreSQL (the `settings` fixture)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from grader.leaderboard import auth, worker
from grader.leaderboard.db.models import DONE, RUNNING, Job, Submission
from grader.scorecard.model import Scorecard
from tests.leaderboard.conftest import (
    Tokens,
    upload,
    wait_until_graded,
    workspace_archive,
)

NUL_MESSAGE = "assert 'a\x00b' == 'ab'"
SURROGATES = "output: \ud800 and \udfff, then \x00 again"


def hostile(card: Scorecard) -> Scorecard:
    """The reference's scorecard with a NUL in a test's message and lone surrogates in the
    output, as a student's test can write them."""
    checks = [
        replace(check, message=NUL_MESSAGE + " " + SURROGATES) for check in card.checks
    ]
    return replace(card, checks=checks, message="summary \x00 \udcff")


@pytest.fixture
def hostile_grading(
    monkeypatch: pytest.MonkeyPatch, graded_cards: dict[str, Scorecard]
) -> None:
    def grade(*args: object, **kwargs: object) -> Scorecard:
        return hostile(graded_cards["reference"])

    monkeypatch.setattr(worker, "grade_workspace", grade)


def test_a_scorecard_with_nul_and_lone_surrogates_is_stored_scrubbed(
    make_app: Callable[..., FastAPI], tokens: Tokens, hostile_grading: None
) -> None:
    with TestClient(make_app(workers=1)) as client:
        sid = upload(client, tokens.ann, workspace_archive()).json()["id"]
        result = wait_until_graded(client, sid, tokens.ann, seconds=30)
        board = client.get("/api/v1/leaderboard", headers=Tokens.header(tokens.teacher))
    assert result["status"] == "done", result["message"]
    assert result["score"] == 100
    assert result["message"] == "summary \ufffd \ufffd"
    for check in result["scorecard"]["checks"]:
        assert "\x00" not in check["message"]
        assert check["message"].startswith("assert 'a\ufffdb' == 'ab'")
        assert "\ufffd and \ufffd" in check["message"]
    assert board.status_code == 200


def test_names_are_stored_scrubbed(app: FastAPI) -> None:
    with app.state.context.db.session() as session:
        issued = auth.add_student(session, "Ann\x00 \ud83d", pseudonym="o\x00wl")
    with app.state.context.db.session() as session:
        account = session.scalar(
            select(auth.Account).where(auth.Account.role == "student")
        )
        assert account is not None
        assert account.name == issued.name == "Ann\ufffd \ufffd"
        assert account.pseudonym == "o\ufffdwl"


class Refusal:
    """The database refuses to store any graded result (as PostgreSQL refused a NUL)."""

    def __init__(self) -> None:
        self.refused = 0
        event.listen(Session, "before_flush", self.refuse)

    def refuse(self, session: Session, *_: object) -> None:
        for row in session.dirty:
            if isinstance(row, Submission) and row.status == DONE:
                self.refused += 1
                raise DataError(
                    "UPDATE submissions",
                    {},
                    ValueError(
                        "PostgreSQL text fields cannot contain NUL (0x00) bytes"
                    ),
                )

    def lift(self) -> None:
        if event.contains(Session, "before_flush", self.refuse):
            event.remove(Session, "before_flush", self.refuse)


@pytest.fixture
def refusal() -> Iterator[Refusal]:
    refusal = Refusal()
    yield refusal
    refusal.lift()


def test_a_result_the_database_refuses_ends_as_an_error_that_can_be_regraded(
    make_app: Callable[..., FastAPI], tokens: Tokens, refusal: Refusal
) -> None:
    with TestClient(make_app(workers=1)) as client:
        sid = upload(client, tokens.ann, workspace_archive()).json()["id"]
        result = wait_until_graded(client, sid, tokens.ann, seconds=30)
        assert refusal.refused
        assert result["status"] == "error" and result["result"] == "error"
        assert "could not be stored" in result["message"]
        assert "cannot contain NUL" in result["message"]
        assert "regrade" in result["message"]
        card = result["scorecard"]
        assert card["status"] == "error" and card["message"] == result["message"]
        assert result["score"] is None  # ranks nowhere

        # The teacher regrades it once the cause is gone.
        refusal.lift()
        again = client.post(
            f"/api/v1/submissions/{sid}/regrade", headers=Tokens.header(tokens.teacher)
        )
        assert again.status_code == 202, again.json()
        graded = wait_until_graded(client, sid, tokens.teacher, seconds=30)
    assert graded["status"] == "done" and graded["score"] == 100


def test_a_job_left_running_by_a_crash_is_graded_after_the_restart(
    make_app: Callable[..., FastAPI], tokens: Tokens, hostile_grading: None
) -> None:
    first = make_app()
    with TestClient(first) as client:
        sid = upload(client, tokens.ann, workspace_archive()).json()["id"]
    # The server died mid-grading: the job is still `running`, and no worker holds it.
    with first.state.context.db.session() as session:
        session.execute(update(Job).values(status=RUNNING, attempts=1))
        session.execute(update(Submission).values(status=RUNNING))
    first.state.context.db.close()
    with TestClient(make_app(workers=1)) as client:
        result = wait_until_graded(client, sid, tokens.teacher, seconds=30)
    # Graded again, and this time its hostile result is stored.
    assert result["status"] == "done" and result["score"] == 100


def test_a_practice_scorecard_is_never_stored_as_a_grade(
    make_app: Callable[..., FastAPI],
    tokens: Tokens,
    monkeypatch: pytest.MonkeyPatch,
    graded_cards: dict[str, Scorecard],
) -> None:
    """A worker that somehow graded without the hidden suite (a students' edition) ends
    the job as an error saying so: the score ranks nowhere, whatever the card says."""

    def practice(*args: object, **kwargs: object) -> Scorecard:
        return replace(graded_cards["reference"], practice=True)

    monkeypatch.setattr(worker, "grade_workspace", practice)
    with TestClient(make_app(workers=1)) as client:
        sid = upload(client, tokens.ann, workspace_archive()).json()["id"]
        result = wait_until_graded(client, sid, tokens.ann, seconds=30)
        board = client.get(
            "/api/v1/leaderboard", headers=Tokens.header(tokens.teacher)
        ).json()
    assert result["status"] == "error" and result["score"] is None
    assert "a practice scorecard" in result["message"]
    assert "never a grade" in result["message"]
    assert board["rows"] == []  # nothing graded: Ann ranks nowhere
