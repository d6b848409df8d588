"""Fixtures for the class server: settings on tmp_path, apps, accounts, archives, scorecards.

Every test that uses `settings` runs twice: on SQLite and on a real PostgreSQL
(`tests/leaderboard/services.py` starts a throwaway cluster, or uses
GRADER_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import io
import socket
import tarfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from grader.catalog import ExercisePack
from grader.pipeline import grade_workspace
from grader.leaderboard import auth
from grader.leaderboard.app import create_app
from grader.leaderboard.settings import Settings
from grader.runner import LocalBackend
from grader.scorecard.model import Scorecard
from tests.conftest import FIXTURE_PACK, WORD_COUNT
from tests.leaderboard.services import PostgresCluster, RedisServer

SLUG = "stage1/word-count"
# The class server's own pack: `nap`, whose submissions say how long their grading takes.
NAP_PACK = Path(__file__).parent / "fixtures" / "pack"
NAP = "stage1/nap"
REFERENCE = WORD_COUNT / "reference"
STARTER = WORD_COUNT / "starter"
SOURCES = ("word_count.py", "tests/test_word_count.py")


@dataclass
class Tokens:
    teacher: str
    ann: str
    bob: str

    @staticmethod
    def header(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for the SQLite file in the data dir, else a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    url = cluster.new_database()
    yield url
    if cluster.external:
        cluster.drop_database(url)


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    """No workers by default: a test that needs grading asks for them."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        exercises_dir=FIXTURE_PACK,
        backend="local",
        workers=0,
        idle_poll_seconds=0.1,
        # The local backend is no sandbox: a teacher must allow it, as these tests do.
        allow_reduced_isolation=True,
    )


@pytest.fixture
def make_app(settings: Settings) -> Callable[..., FastAPI]:
    def make(**changes: object) -> FastAPI:
        return create_app(settings.with_changes(**changes), backend=LocalBackend())

    return make


@pytest.fixture
def app(make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app()


@pytest.fixture
def tokens(app: FastAPI) -> Tokens:
    with app.state.context.db.session() as session:
        teacher = auth.create_teacher(session)
        ann = auth.add_student(session, "Ann", pseudonym="owl")
        bob = auth.add_student(session, "Bob", pseudonym="fox")
    return Tokens(teacher=teacher.token, ann=ann.token, bob=bob.token)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with browser(app) as test_client:
        yield test_client


def browser(app: FastAPI) -> TestClient:
    """A client that keeps cookies like a browser; over https, so the Secure session
    cookie is sent back."""
    return TestClient(app, base_url="https://testserver")


def sign_in(client: TestClient, token: str) -> None:
    """Sign in through the form, as a person does: the session cookie is kept."""
    response = client.post(
        "/signin", data={"token": token, "next": ""}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert "grader_session" in client.cookies


def csrf_of(client: TestClient, page: str = "/signout") -> str:
    """The CSRF token of the signed-in session, read from a page's form."""
    import re

    html = client.get(page).text
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def tar_gz(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zip_bytes(
    files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def workspace_archive(folder: Path = REFERENCE) -> bytes:
    return tar_gz({rel: (folder / rel).read_bytes() for rel in SOURCES})


def nap_archive(seconds: float = 0.0) -> bytes:
    """A passing `nap` submission whose grading takes `seconds` longer."""
    source = (NAP_PACK / "stage1" / "nap" / "reference" / "nap.py").read_text()
    source = source.replace("NAP_SECONDS = 0.0", f"NAP_SECONDS = {seconds!r}")
    return tar_gz({"nap.py": source.encode()})


def upload(
    client: TestClient, token: str, data: bytes, exercise: str = SLUG
) -> "object":
    return client.post(
        "/api/v1/submissions",
        data={"exercise": exercise},
        files={"archive": ("work.tar.gz", data, "application/gzip")},
        headers=Tokens.header(token),
    )


def wait_until_graded(
    client: TestClient, submission_id: str, token: str, seconds: float = 120.0
) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = client.get(
            f"/api/v1/submissions/{submission_id}", headers=Tokens.header(token)
        ).json()
        if body["status"] in ("done", "error"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"submission {submission_id} was not graded in {seconds} s")


@pytest.fixture(scope="session")
def graded_cards() -> dict[str, Scorecard]:
    """A real scorecard of the reference (full marks), graded once for the session."""
    exercise = ExercisePack(FIXTURE_PACK).get("word-count")
    card = grade_workspace(REFERENCE, exercise=exercise, backend=LocalBackend())
    return {"reference": card}


class LiveServer:
    """The app under a real uvicorn on a loopback port, in a thread."""

    def __init__(self, app: FastAPI) -> None:
        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="error"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise AssertionError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(20)


def record_grading(
    client: TestClient,
    token: str,
    card: Scorecard,
    score: float,
    exercise: str = SLUG,
) -> str:
    """Upload for real, then store `card` with `score` as the grading's outcome."""
    from dataclasses import replace

    from grader.leaderboard.queue import latest_job
    from grader.leaderboard.worker import finish_job
    from grader.scorecard.model import ExerciseRef

    response = upload(client, token, workspace_archive(), exercise=exercise)
    assert response.status_code == 202, response.text
    submission_id = response.json()["id"]
    db = client.app.state.context.db  # type: ignore[attr-defined]
    with db.session() as session:
        job_id = latest_job(session, submission_id).id
    stage = int(exercise.split("/")[0][5:])
    result = replace(
        card,
        score=score,
        exercise=ExerciseRef(slug=exercise, stage=stage, version="1.0.0"),
        status="pass" if score >= 80 else "fail",
    )
    finish_job(db, job_id, result)
    return submission_id


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (no browser is downloaded)."""
    import os

    from tests.leaderboard.services import unavailable

    executable = os.environ.get("GRADER_CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        unavailable(f"{executable} is missing (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        yield browser
        browser.close()


@pytest.fixture
def two_stage_pack(tmp_path: Path) -> Path:
    """The fixture pack plus a copy of word-count as stage 2's `word-freq`."""
    import shutil

    pack = tmp_path / "pack"
    shutil.copytree(FIXTURE_PACK, pack)
    copy = pack / "stage2" / "word-freq"
    shutil.copytree(pack / "stage1" / "word-count", copy)
    toml = copy / "exercise.toml"
    text = toml.read_text().replace('slug = "word-count"', 'slug = "word-freq"')
    text = text.replace('en = "Word count"', 'en = "Word frequencies"')
    toml.write_text(text.replace("stage = 1", "stage = 2"))
    return pack
