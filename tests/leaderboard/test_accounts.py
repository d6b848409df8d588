"""Tokens: hashed at rest, checked on every call, replaced by rotation; roles and ownership."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from grader.cli import cli
from grader.leaderboard import auth
from grader.leaderboard.db import open_database
from grader.leaderboard.db.models import Base
from grader.leaderboard.settings import Settings
from tests.leaderboard.conftest import Tokens, upload, workspace_archive


def database_bytes(settings, db) -> bytes:
    """Everything the database holds: the SQLite file and its log, or every row."""
    if settings.database_url is None:
        files = sorted(settings.data_dir.glob("grader.db*"))
        return b"".join(p.read_bytes() for p in files)
    with db.session() as session:
        return b"".join(
            repr(tuple(row)).encode()
            for table in Base.metadata.sorted_tables
            for row in session.execute(select(table))
        )


def test_the_database_never_holds_a_token_or_its_secret(
    client: TestClient, tokens: Tokens, settings
) -> None:
    stored = database_bytes(settings, client.app.state.context.db)
    assert b"Ann" in stored  # the rows are there, only the secrets are not
    for token in (tokens.teacher, tokens.ann, tokens.bob):
        secret = token.split("_", 2)[2]
        assert token.encode() not in stored
        assert secret.encode() not in stored
    assert (
        client.get(
            "/api/v1/export.csv", headers=Tokens.header(tokens.teacher)
        ).status_code
        == 200
    )


def test_missing_or_wrong_token_is_401_with_a_clear_message(
    client: TestClient, tokens: Tokens
) -> None:
    missing = client.get("/api/v1/submissions/abc")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in missing.json()["message"]
    wrong_secret = tokens.ann[:-4] + "AAAA"
    for token in (wrong_secret, "grt_000000000000_x", "garbage", "grt__"):
        response = client.get("/api/v1/submissions/abc", headers=Tokens.header(token))
        assert response.status_code == 401, token
        assert response.json()["error"] == "unauthorized"


def test_rotating_a_token_locks_out_the_old_one(
    client: TestClient, tokens: Tokens
) -> None:
    with client.app.state.context.db.session() as session:
        new = auth.rotate_token(session, auth.find_account(session, "Ann"))
    assert upload(client, tokens.ann, workspace_archive()).status_code == 401
    assert upload(client, new.token, workspace_archive()).status_code == 202


def test_students_cannot_use_teacher_endpoints_and_teachers_cannot_submit(
    client: TestClient, tokens: Tokens
) -> None:
    accepted = upload(client, tokens.ann, workspace_archive()).json()
    for method, path in (
        ("GET", "/api/v1/export.csv"),
        ("POST", f"/api/v1/submissions/{accepted['id']}/regrade"),
    ):
        response = client.request(method, path, headers=Tokens.header(tokens.ann))
        assert response.status_code == 403
        assert response.json()["error"] == "teacher_only"
    refused = upload(client, tokens.teacher, workspace_archive())
    assert refused.status_code == 403 and "add-student" in refused.json()["message"]


def test_a_student_sees_only_their_own_submissions(
    client: TestClient, tokens: Tokens
) -> None:
    accepted = upload(client, tokens.ann, workspace_archive()).json()
    path = f"/api/v1/submissions/{accepted['id']}"
    mine = client.get(path, headers=Tokens.header(tokens.ann))
    assert mine.status_code == 200 and mine.json()["student"] == "Ann"
    theirs = client.get(path, headers=Tokens.header(tokens.bob))
    nothing = client.get("/api/v1/submissions/nope", headers=Tokens.header(tokens.bob))
    assert theirs.status_code == nothing.status_code == 404
    assert theirs.json()["error"] == nothing.json()["error"] == "submission_not_found"
    assert client.get(path, headers=Tokens.header(tokens.teacher)).status_code == 200


def test_class_commands_issue_list_and_rotate_tokens(
    tmp_path: Path, database_url: str | None, monkeypatch
) -> None:
    if database_url:
        monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "data")]
    init = runner.invoke(cli, ["class", "init", *data])
    assert init.exit_code == 0, init.output
    assert "grt_" not in init.output  # never on stdout: logs keep it
    token_file = tmp_path / "data" / "teacher-token.txt"
    assert str(token_file) in init.output
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    teacher_token = token_file.read_text().strip()
    again = runner.invoke(cli, ["class", "init", *data])
    assert again.exit_code == 2 and "already has a teacher token" in again.output
    out = tmp_path / "tokens.csv"
    added = runner.invoke(
        cli,
        ["class", "add-student", "Li Wei", "--student-id", "S1", "--pseudonym", "owl"]
        + ["--tokens", str(out), *data],
    )
    assert added.exit_code == 0, added.output
    assert "grt_" not in added.output and str(out) in added.output
    token = next(csv.DictReader(out.open()))["token"]
    assert token.startswith("grt_") and stat.S_IMODE(out.stat().st_mode) == 0o600
    duplicate = runner.invoke(
        cli, ["class", "add-student", "Li Wei", "--student-id", "S1", *data]
    )
    assert duplicate.exit_code == 2 and "already exists" in duplicate.output
    namesake = runner.invoke(
        cli, ["class", "add-student", "Li Wei", "--student-id", "S2", *data]
    )
    assert namesake.exit_code == 0, namesake.output  # two people, one name
    listing = runner.invoke(cli, ["class", "tokens", *data])
    assert "S1\tLi Wei\t" in listing.output and "S2\tLi Wei\t" in listing.output
    assert "grt_" not in listing.output
    ambiguous = runner.invoke(cli, ["class", "tokens", "--rotate", "Li Wei", *data])
    assert ambiguous.exit_code == 2 and "name one by its id" in ambiguous.output
    folder = tmp_path / "handout"
    rotated = runner.invoke(
        cli,
        ["class", "tokens", "--rotate", "S1", "--rotate-teacher"]
        + ["--tokens-dir", str(folder), *data],
    )
    assert rotated.exit_code == 0, rotated.output
    new_token = (folder / "S1.txt").read_text().split()[-1]
    assert new_token.startswith("grt_") and new_token != token
    assert token_file.read_text().strip() != teacher_token
    unknown = runner.invoke(cli, ["class", "tokens", "--rotate", "Nobody", *data])
    assert unknown.exit_code == 2 and "no student with the id or name" in unknown.output
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    db = open_database(settings.db_url)
    stored = database_bytes(settings, db)
    db.close()
    assert b"Li Wei" in stored
    assert token.encode() not in stored and new_token.encode() not in stored


def test_class_commands_never_create_a_class_by_themselves(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for command in (
        ["class", "students"],
        ["class", "add-student", "Ann"],
        ["class", "import", "roster.csv"],
        ["class", "deadlines"],
        ["class", "export"],
    ):
        result = runner.invoke(cli, command)
        assert result.exit_code == 2, (command, result.output)
        assert "no class in" in result.output and "grader class init" in result.output
    assert not (tmp_path / "grader-data" / "grader.db").exists()
    # GRADER_DATA_DIR finds the class wherever the command runs.
    monkeypatch.setenv("GRADER_DATA_DIR", str(tmp_path / "cs101"))
    assert runner.invoke(cli, ["class", "init"]).exit_code == 0
    monkeypatch.chdir(tmp_path / "cs101")
    listed = runner.invoke(cli, ["class", "students"])
    assert listed.exit_code == 0 and "No students yet" in listed.output
