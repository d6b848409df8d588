"""The class server grades with full isolation, or refuses; a teacher's explicit leave to
grade below it (`--allow-reduced-isolation`) marks every such score on the board and in the
export."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from grader.leaderboard.app import create_app
from grader.leaderboard.settings import Settings
from grader.runner import LocalBackend
from tests.leaderboard.conftest import (
    Tokens,
    browser,
    sign_in,
    upload,
    wait_until_graded,
    workspace_archive,
)


class Named(LocalBackend):
    """Runs like the local backend but claims another backend's name (no Docker needed)."""

    def __init__(self, name: str, sandboxed: bool = True) -> None:
        self.name, self.sandboxed = name, sandboxed


def test_the_worker_refuses_reduced_isolation_without_leave(
    settings: Settings, tokens: Tokens
) -> None:
    app = create_app(
        settings.with_changes(workers=1, allow_reduced_isolation=False),
        backend=LocalBackend(),
    )
    with TestClient(app) as client:
        accepted = upload(client, tokens.ann, workspace_archive()).json()
        result = wait_until_graded(client, accepted["id"], tokens.ann)
        board = client.get(
            "/api/v1/leaderboard", headers=Tokens.header(tokens.teacher)
        ).json()
    assert result["status"] == "error"
    assert "none isolation" in result["message"]
    assert "--allow-reduced-isolation" in result["message"]
    assert result["score"] is None
    assert board["rows"] == []


def test_the_worker_refusing_reduced_isolation_names_the_exercise(
    settings: Settings, tokens: Tokens
) -> None:
    app = create_app(
        settings.with_changes(workers=1, allow_reduced_isolation=False),
        backend=Named("bwrap"),
    )
    with TestClient(app) as client:
        accepted = upload(client, tokens.ann, workspace_archive()).json()
        result = wait_until_graded(client, accepted["id"], tokens.ann)
    assert result["status"] == "error"
    assert "the exercise stage1/word-count" in result["message"]
    assert "reduced isolation" in result["message"]


def test_with_leave_every_reduced_score_is_marked_on_the_board_and_in_the_export(
    settings: Settings, tokens: Tokens
) -> None:
    # Bob is graded with full isolation (a backend that reports itself as Docker), Ann with
    # none (the local backend, allowed by the teacher).
    full = create_app(settings.with_changes(workers=1), backend=Named("docker"))
    with TestClient(full) as client:
        bob = upload(client, tokens.bob, workspace_archive()).json()
        assert wait_until_graded(client, bob["id"], tokens.bob)["result"] == "pass"
    full.state.context.db.close()
    reduced = create_app(settings.with_changes(workers=1), backend=LocalBackend())
    with browser(reduced) as client:
        sign_in(client, tokens.teacher)
        ann = upload(client, tokens.ann, workspace_archive()).json()
        graded = wait_until_graded(client, ann["id"], tokens.ann)
        assert graded["result"] == "pass"
        assert graded["scorecard"]["integrity"]["level"] == "none"
        page = client.get("/").text
        api = client.get(
            "/api/v1/leaderboard", headers=Tokens.header(tokens.teacher)
        ).json()
        export = client.get(
            "/api/v1/export.csv", headers=Tokens.header(tokens.teacher)
        ).text

    rows = {line.split("<td>")[1].split("</td>")[0]: line for line in page.splitlines()
            if "<td class=\"rank\">" in line}  # fmt: skip
    assert 'class="reduced"' in rows["Ann"]
    assert 'title="Graded with reduced isolation' in rows["Ann"]
    assert 'class="reduced"' not in rows["Bob"]

    flags = {row["student"]: row["reduced_isolation"] for row in api["rows"]}
    assert flags == {"Ann": True, "Bob": False}

    table = list(csv.DictReader(io.StringIO(export)))
    assert {r["student"]: r["isolation"] for r in table} == {
        "Ann": "none",
        "Bob": "full",
    }
