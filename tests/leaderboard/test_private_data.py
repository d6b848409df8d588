"""The class's data at rest is its owner's only (issue 11, item 9).

The SQLite database and its -wal and -shm files, the uploaded archives and the folders
holding them are created 0600 and 0700 whatever the umask; `grader serve` warns, one line
per path with the `chmod` that fixes it, about any it finds open to other users.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from grader.cli import cli
from grader.leaderboard import auth
from grader.leaderboard.app import create_app
from grader.leaderboard.settings import Settings
from grader.runner import LocalBackend
from tests.conftest import FIXTURE_PACK
from tests.leaderboard.conftest import upload, wait_until_graded, workspace_archive


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_database_archives_and_folders_are_created_owner_only(
    tmp_path: Path, umask: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    data = tmp_path / "class" / "data"
    settings = Settings(
        data_dir=data,
        exercises_dir=FIXTURE_PACK,
        backend="local",
        workers=1,
        idle_poll_seconds=0.1,
        allow_reduced_isolation=True,
    )
    app = create_app(settings, backend=LocalBackend())
    with app.state.context.db.session() as session:
        token = auth.add_student(session, "Ann").token
    with TestClient(app) as client:
        response = upload(client, token, workspace_archive())
        assert response.status_code == 202, response.text
        wait_until_graded(client, response.json()["id"], token)
        database = data / "grader.db"
        side_files = [Path(f"{database}-wal"), Path(f"{database}-shm")]
        assert all(p.exists() for p in side_files), list(data.iterdir())
        archives = list((data / "archives").iterdir())
        assert len(archives) == 1
        files = [database, *side_files, *archives]
        folders = [tmp_path / "class", data, data / "archives", data / "work"]
        assert {str(p): mode(p) for p in files} == {str(p): 0o600 for p in files}
        assert {str(p): mode(p) for p in folders} == {str(p): 0o700 for p in folders}


def _serve(data: Path, monkeypatch: pytest.MonkeyPatch) -> "object":
    import uvicorn

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    return CliRunner().invoke(
        cli,
        ["--exercises", str(FIXTURE_PACK), "serve", "--data-dir", str(data)]
        + ["--backend", "local", "--workers", "0"],
    )


def test_serve_warns_about_class_data_open_to_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    first = _serve(data, monkeypatch)
    assert first.exit_code == 0, first.output
    assert "open to other users" not in first.stderr, first.stderr
    # A first start makes the class and says where the token is, never what it is.
    token_file = data / "teacher-token.txt"
    assert f"the teacher token is in {token_file}" in first.stderr
    assert "grt_" not in first.output and "grt_" not in first.stderr
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    restarted = _serve(data, monkeypatch)
    assert "A new, empty class" not in restarted.stderr

    (data / "archives").mkdir(exist_ok=True)
    upload_file = data / "archives" / "0123.tar.gz"
    upload_file.write_bytes(b"x")
    for path, loose in [
        (data, 0o755),
        (data / "grader.db", 0o644),
        (data / "archives", 0o750),
        (upload_file, 0o604),
    ]:
        os.chmod(path, loose)
    again = _serve(data, monkeypatch)
    assert again.exit_code == 0, again.output
    warnings = [
        line for line in again.stderr.splitlines() if "open to other users" in line
    ]
    expected = {
        f"chmod 700 {data.resolve()}",
        f"chmod 600 {(data / 'grader.db').resolve()}",
        f"chmod 700 {(data / 'archives').resolve()}",
        f"chmod 600 {upload_file.resolve()}",
    }
    assert len(warnings) == len(expected), again.stderr
    for fix in expected:
        assert sum(line.endswith(fix) for line in warnings) == 1, (fix, warnings)
