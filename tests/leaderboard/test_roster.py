"""The roster: imported from a CSV (again and again), students keyed by their id, tokens
to files only; disable, enable, rename and remove, with submissions kept."""

from __future__ import annotations

import csv
import stat
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from grader.cli import cli
from grader.leaderboard import roster
from grader.leaderboard.db.models import Submission
from tests.leaderboard.conftest import Tokens, record_grading, upload, workspace_archive

HEADER = "student_id,name,email,section\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("id,name\nS1,Ann\n", "no email column"),
        (
            HEADER + "S1,Ann,ann@x.edu,A\nS1,Bob,bob@x.edu,A\n",
            "line 3: the student id 'S1' is already on line 2",
        ),
        (HEADER + "S1,Ann,not-an-email,A\n", "line 2: 'not-an-email' is not an email"),
        (
            HEADER + ",Ann,ann@x.edu,A\n",
            "line 2: the student id and the name are required",
        ),
        (HEADER, "lists no students"),
    ],
)
def test_a_bad_roster_is_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(roster.RosterError, match=message.replace("(", r"\(")):
        roster.read_roster(text, "roster.csv")


def test_old_mac_line_endings_are_read() -> None:
    assert (
        len(roster.read_roster(HEADER.replace("\n", "\r") + "S1,Ann,a@x.edu,A\r")) == 1
    )


def test_headers_from_other_tools_are_understood() -> None:
    students = roster.read_roster(
        "\ufeffID number,Full name,Email address\nS1,Ann Lee,ann@x.edu\n"
    )
    assert students == [roster.Student("S1", "Ann Lee", "ann@x.edu", None)]


def cli_run(*args: str, data: Path) -> object:
    result = CliRunner().invoke(cli, [*args, "--data-dir", str(data)])
    return result


def test_import_is_idempotent_and_hands_out_tokens_only_to_new_students(
    tmp_path: Path, database_url: str | None, monkeypatch
) -> None:
    if database_url:
        monkeypatch.setenv("DATABASE_URL", database_url)
    data = tmp_path / "data"
    assert cli_run("class", "init", data=data).exit_code == 0
    first = tmp_path / "roster.csv"
    first.write_text(
        HEADER
        + "S1,Wang Wei,w1@uni.edu,A\nS2,Wang Wei,w2@uni.edu,B\nS3,Li Na,li@uni.edu,A\n"
    )
    out = tmp_path / "first.csv"
    result = cli_run("class", "import", str(first), "--tokens", str(out), data=data)
    assert result.exit_code == 0, result.output
    assert "3 added, 0 updated, 0 unchanged" in result.output
    assert "grt_" not in result.output
    issued = list(csv.DictReader(out.open()))
    assert [r["student_id"] for r in issued] == ["S1", "S2", "S3"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    # The term goes on: Li Na's email changed, a student joined, one left the file.
    first.write_text(
        HEADER
        + "S1,Wang Wei,w1@uni.edu,A\nS3,Li Na,na.li@uni.edu,A\nS4,Zhao Lei,z@uni.edu,B\n"
    )
    folder = tmp_path / "handout"
    again = cli_run(
        "class", "import", str(first), "--tokens-dir", str(folder), data=data
    )
    assert again.exit_code == 0, again.output
    assert "1 added, 1 updated, 1 unchanged" in again.output
    assert "1 enrolled students are not in this file (S2)" in again.output
    assert sorted(p.name for p in folder.iterdir()) == ["S4.txt"]
    listing = cli_run("class", "students", data=data).output
    assert "S3\tLi Na\tna.li@uni.edu\tA\t" in listing
    assert listing.count("Wang Wei") == 2


def test_disable_rename_remove_keep_submissions_and_change_access(
    client: TestClient, tokens: Tokens, graded_cards
) -> None:
    sid = record_grading(client, tokens.bob, graded_cards["reference"], 70)
    db = client.app.state.context.db
    with db.session() as session:
        roster.set_state(session, "Bob", "disabled")
    refused = upload(client, tokens.bob, workspace_archive())
    assert refused.status_code == 403 and refused.json()["error"] == "account_disabled"
    with db.session() as session:
        roster.set_state(session, "Bob", "active")
        roster.rename(session, "Bob", "Robert")
    assert upload(client, tokens.bob, workspace_archive()).status_code == 202
    teacher = Tokens.header(tokens.teacher)
    board = client.get("/api/v1/leaderboard", headers=teacher).json()
    assert [r["student"] for r in board["rows"]] == ["Robert"]
    with db.session() as session:
        roster.set_state(session, "Robert", "removed")
        assert session.get(Submission, sid) is not None  # kept for the record
    # The board is cached: a roster change made elsewhere shows within a second or so.
    deadline = time.monotonic() + 5
    while client.get("/api/v1/leaderboard", headers=teacher).json()["rows"]:
        assert time.monotonic() < deadline, "a removed student stayed on the board"
        time.sleep(0.1)
    names = [
        s["name"]
        for s in client.get("/api/v1/class", headers=teacher).json()["students"]
    ]
    assert names == ["Ann"]
