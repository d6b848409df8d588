"""GRADER_QUEUE=celery: a real Redis, real `grader worker` processes, workers that die."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from grader.cli import cli
from grader.errors import BackendUnavailable
from grader.leaderboard import auth
from grader.leaderboard.app import create_app
from grader.leaderboard.celery_queue import MAX_TRIES, grade_delivery
from grader.leaderboard.db.models import RUNNING, Job
from grader.leaderboard.settings import SettingsError, Settings, settings_from_env
from grader.runner import LocalBackend
from tests.leaderboard.conftest import (
    NAP,
    NAP_PACK,
    Tokens,
    nap_archive,
    upload,
    wait_until_graded,
)
from tests.leaderboard.services import RedisServer, free_port

GRADER = Path(sys.executable).with_name("grader")


class Workers:
    """`grader worker` processes, each in its own session so it can be killed whole."""

    def __init__(self, settings: Settings, logs: Path) -> None:
        self.settings, self.logs = settings, logs
        self.processes: list[subprocess.Popen] = []

    def start(self, backend: str = "local") -> subprocess.Popen:
        env = {
            **os.environ,
            "GRADER_BROKER_URL": self.settings.broker_url,
            "GRADER_VISIBILITY_TIMEOUT": str(int(self.settings.visibility_timeout)),
        }
        env.pop("DATABASE_URL", None)
        if self.settings.database_url:
            env["DATABASE_URL"] = self.settings.database_url
        log = open(self.logs / f"worker{len(self.processes)}.log", "wb")
        process = subprocess.Popen(
            [str(GRADER), "--exercises", str(NAP_PACK), "worker"]
            + ["--backend", backend, "--concurrency", "1"]
            + (["--allow-reduced-isolation"] if backend != "docker" else [])
            + ["--data-dir", str(self.settings.data_dir)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and everything it started, as a machine dying would."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(10)

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs.glob("*.log"))


@pytest.fixture
def celery_settings(settings: Settings, redis_server: RedisServer) -> Settings:
    redis_server.flush()
    return settings.with_changes(
        queue="celery",
        broker_url=redis_server.url,
        exercises_dir=NAP_PACK,
        visibility_timeout=30.0,
    )


@pytest.fixture
def make_celery_app(celery_settings: Settings) -> Callable[..., FastAPI]:
    def make(**changes: object) -> FastAPI:
        return create_app(
            celery_settings.with_changes(**changes), backend=LocalBackend()
        )

    return make


@pytest.fixture
def student(make_celery_app: Callable[..., FastAPI]) -> Tokens:
    app = make_celery_app()
    with app.state.context.db.session() as session:
        teacher = auth.create_teacher(session).token
        ann = auth.add_student(session, "Ann").token
        bob = auth.add_student(session, "Bob").token
    app.state.context.db.close()
    return Tokens(teacher=teacher, ann=ann, bob=bob)


@pytest.fixture
def workers(celery_settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(celery_settings, tmp_path)
    yield pool
    pool.stop_all()


def job_rows(app: FastAPI) -> list[tuple[str, str, int]]:
    with app.state.context.db.session() as session:
        rows = session.execute(
            select(Job.submission_id, Job.status, Job.attempts).order_by(Job.id)
        )
        return [tuple(row) for row in rows]


def wait_for_log(workers: Workers, line: str, seconds: float) -> int:
    """How many times the workers' logs say `line`, once they say it at all."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        count = workers.log_text().count(line)
        if count:
            return count
        time.sleep(0.1)
    raise AssertionError(f"the workers never logged {line!r}:\n{workers.log_text()}")


def wait_for_status(
    client: TestClient, sid: str, token: str, status: str, seconds: float = 60
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        path = f"/api/v1/submissions/{sid}"
        if client.get(path, headers=Tokens.header(token)).json()["status"] == status:
            return
        time.sleep(0.1)
    raise AssertionError(f"submission {sid} never became {status}")


@pytest.mark.slow
def test_a_celery_worker_grades_a_submission_end_to_end(
    make_celery_app: Callable[..., FastAPI], student: Tokens, workers: Workers
) -> None:
    app = make_celery_app()
    with TestClient(app) as client:
        health = client.get("/api/v1/health").json()
        assert (health["queue"], health["workers"]) == ("celery", 0)
        accepted = upload(client, student.ann, nap_archive(0), exercise=NAP)
        assert accepted.status_code == 202, accepted.text
        workers.start()
        result = wait_until_graded(client, accepted.json()["id"], student.ann, 90)
        # Health counts the `grader worker` that is really grading, by its heartbeat.
        health = client.get("/api/v1/health").json()
        assert health["worker_processes"] >= 1 and health["workers"] >= 1, health
        assert health["stalled"] == 0
    assert result["status"] == "done", (result, workers.log_text())
    assert result["result"] == "pass" and result["score"] == 100
    assert result["scorecard"]["exercise"]["slug"] == NAP
    assert job_rows(app) == [(accepted.json()["id"], "done", 1)]


@pytest.mark.docker
@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_a_celery_worker_grades_in_its_machines_docker_sandbox(
    make_celery_app: Callable[..., FastAPI], student: Tokens, workers: Workers
) -> None:
    from grader.runner.docker_backend import DockerBackend

    try:
        DockerBackend()
    except BackendUnavailable as exc:
        if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
            pytest.fail(f"Docker is required here: {exc.message}")
        pytest.skip(exc.message)
    app = make_celery_app()
    with TestClient(app) as client:
        sid = upload(client, student.ann, nap_archive(0), exercise=NAP).json()["id"]
        workers.start(backend="docker")
        result = wait_until_graded(client, sid, student.ann, 300)
    assert result["status"] == "done", (result, workers.log_text())
    runner = result["scorecard"]["runner"]
    assert (runner["backend"], runner["sandboxed"]) == ("docker", True)
    assert result["result"] == "pass" and result["score"] == 100


@pytest.mark.slow
def test_a_worker_killed_mid_job_loses_nothing(
    make_celery_app: Callable[..., FastAPI], student: Tokens, workers: Workers
) -> None:
    # Redis hands an abandoned job to another worker 8 s after it was taken.
    app = make_celery_app(visibility_timeout=8.0)
    workers.settings = app.state.context.settings
    with TestClient(app) as client:
        sid = upload(client, student.ann, nap_archive(3), exercise=NAP).json()["id"]
        first = workers.start()
        wait_for_status(client, sid, student.ann, "running")  # claimed: under way
        workers.kill(first)
        assert job_rows(app) == [(sid, "running", 1)]
        killed_at = time.monotonic()
        workers.start()
        result = wait_until_graded(client, sid, student.ann, 120)
        waited = time.monotonic() - killed_at
    assert result["status"] == "done", (result, workers.log_text())
    assert result["result"] == "pass" and result["score"] == 100
    assert job_rows(app) == [(sid, "done", 2)]  # the first try and the one retry
    assert waited >= 5.0  # it was Redis's redelivery, after the visibility timeout


def test_a_job_interrupted_twice_ends_as_an_error_scorecard(
    make_celery_app: Callable[..., FastAPI], student: Tokens
) -> None:
    app = make_celery_app()
    grading = app.state.context.queue.ctx
    archive = nap_archive(0)
    with TestClient(app) as client:
        sid = upload(client, student.ann, archive, exercise=NAP).json()["id"]
        [(_, _, _)] = job_rows(app)
        with app.state.context.db.session() as session:
            job_id = session.scalar(select(Job.id))
            session.execute(update(Job).values(status=RUNNING, attempts=1))
        # A duplicate message while another worker holds the job: left alone.
        assert grade_delivery(grading, job_id, archive=archive, redelivered=False) == (
            "skipped"
        )
        assert job_rows(app) == [(sid, "running", 1)]
        # Redelivered after its worker died, tried MAX_TRIES times already: given up.
        with app.state.context.db.session() as session:
            session.execute(update(Job).values(attempts=MAX_TRIES))
        outcome = grade_delivery(grading, job_id, archive=archive, redelivered=True)
        result = client.get(
            f"/api/v1/submissions/{sid}", headers=Tokens.header(student.ann)
        ).json()
    assert outcome == "gave up"
    assert result["status"] == "error" and result["result"] == "error"
    assert "interrupted 2 times" in result["message"]
    assert "regrade" in result["message"]
    card = result["scorecard"]
    assert card["status"] == "error" and card["message"] == result["message"]
    assert {c["status"] for c in card["checks"]} == {"error"}
    assert result["score"] is None  # an error of the grader ranks nowhere
    assert job_rows(app) == [(sid, "error", MAX_TRIES)]


def test_a_redelivered_job_under_the_limit_is_graded_again(
    make_celery_app: Callable[..., FastAPI], student: Tokens
) -> None:
    app = make_celery_app()
    grading = app.state.context.queue.ctx
    archive = nap_archive(0)
    with TestClient(app) as client:
        sid = upload(client, student.ann, archive, exercise=NAP).json()["id"]
        with app.state.context.db.session() as session:
            job_id = session.scalar(select(Job.id))
            session.execute(update(Job).values(status=RUNNING, attempts=1))
        outcome = grade_delivery(grading, job_id, archive=archive, redelivered=True)
        again = grade_delivery(grading, job_id, archive=archive, redelivered=True)
    assert (outcome, again) == ("graded", "skipped")  # a late duplicate changes nothing
    assert job_rows(app) == [(sid, "done", 2)]


def test_an_archive_changed_on_the_way_is_not_graded(
    make_celery_app: Callable[..., FastAPI], student: Tokens
) -> None:
    app = make_celery_app()
    grading = app.state.context.queue.ctx
    with TestClient(app) as client:
        sid = upload(client, student.ann, nap_archive(0), exercise=NAP).json()["id"]
        with app.state.context.db.session() as session:
            job_id = session.scalar(select(Job.id))
        other = nap_archive(1)
        assert grade_delivery(grading, job_id, archive=other, redelivered=False) == (
            "graded"
        )
        result = client.get(
            f"/api/v1/submissions/{sid}", headers=Tokens.header(student.ann)
        ).json()
    assert result["status"] == "error"
    assert "not the one that was uploaded" in result["message"]


@pytest.mark.slow
def test_a_restart_resends_queued_jobs_even_when_the_broker_lost_them(
    make_celery_app: Callable[..., FastAPI],
    student: Tokens,
    workers: Workers,
    redis_server: RedisServer,
) -> None:
    first = make_celery_app()
    with TestClient(first) as client:
        lost = upload(client, student.ann, nap_archive(0), exercise=NAP).json()["id"]
        redis_server.flush()  # the broker restarted without its messages
        kept = upload(client, student.bob, nap_archive(0), exercise=NAP).json()["id"]
    first.state.context.db.close()
    # The next start sends both again: `kept` now has two messages, graded once.
    second = make_celery_app()
    with TestClient(second) as client:
        workers.start()
        results = [
            wait_until_graded(client, sid, student.teacher, 90) for sid in (lost, kept)
        ]
        with second.state.context.db.session() as session:
            job_of = dict(session.execute(select(Job.submission_id, Job.id)).all())
        # The duplicate of `kept` arrives and is dropped: the worker says so per message.
        dropped = wait_for_log(workers, f"job {job_of[kept]}: skipped", 60)
    assert [r["status"] for r in results] == ["done", "done"], workers.log_text()
    assert dropped == 1
    assert f"job {job_of[lost]}: skipped" not in workers.log_text()
    assert sorted(job_rows(second)) == sorted([(lost, "done", 1), (kept, "done", 1)])
    with second.state.context.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 2


def test_the_queue_is_chosen_from_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRADER_QUEUE", "celery")
    monkeypatch.setenv("GRADER_BROKER_URL", "redis://queue.example:6379/3")
    monkeypatch.setenv("GRADER_VISIBILITY_TIMEOUT", "1200")
    settings = settings_from_env(data_dir=tmp_path)
    assert settings.queue == "celery"
    assert settings.broker_url == "redis://queue.example:6379/3"
    assert settings.visibility_timeout == 1200
    monkeypatch.setenv("GRADER_QUEUE", "rabbit")
    with pytest.raises(SettingsError, match="inprocess, celery"):
        settings_from_env(data_dir=tmp_path)


def test_grader_worker_says_in_one_line_when_the_database_is_unreachable(
    monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://grader@127.0.0.1:9/none")
    result = CliRunner().invoke(
        cli, ["worker", "--backend", "local", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "cannot open the database" in result.output
    assert "Traceback" not in result.output


def test_a_submission_is_kept_while_the_broker_is_down(
    make_celery_app: Callable[..., FastAPI], student: Tokens
) -> None:
    app = make_celery_app(broker_url=f"redis://127.0.0.1:{free_port()}/0")
    began = time.monotonic()
    with TestClient(app) as client:
        response = upload(client, student.ann, nap_archive(0), exercise=NAP)
    assert time.monotonic() - began < 20  # bounded retries, no hang
    assert response.status_code == 202, response.text
    # Stored and queued: the server's next start sends it to the workers.
    assert job_rows(app) == [(response.json()["id"], "queued", 0)]


def test_a_students_second_job_waits_behind_a_classmates(
    make_celery_app: Callable[..., FastAPI], student: Tokens
) -> None:
    app = make_celery_app()
    grading = app.state.context.queue.ctx
    archive = nap_archive(0)
    sent: list[int] = []
    with TestClient(app) as client:
        ann = [
            upload(client, student.ann, archive, exercise=NAP).json()["id"]
            for _ in range(2)
        ]
        bob = upload(client, student.bob, archive, exercise=NAP).json()["id"]
        with app.state.context.db.session() as session:
            first, second, bobs = session.scalars(select(Job.id).order_by(Job.id))
            session.execute(
                update(Job).where(Job.id == first).values(status=RUNNING, attempts=1)
            )
        # Ann's first job is running: her second goes back to the broker, Bob's is graded.
        outcome = grade_delivery(
            grading,
            second,
            archive=archive,
            redelivered=False,
            defer=lambda: sent.append(second),
        )
        assert grade_delivery(grading, bobs, archive=archive, redelivered=False) == (
            "graded"
        )
    assert outcome == "deferred" and sent == [second]
    assert [row[:2] for row in job_rows(app)] == [
        (ann[0], "running"),
        (ann[1], "queued"),
        (bob, "done"),
    ]


def test_a_running_job_whose_message_was_lost_is_recovered_at_start(
    make_celery_app: Callable[..., FastAPI],
    student: Tokens,
    redis_server: RedisServer,
) -> None:
    first = make_celery_app()
    with TestClient(first) as client:
        lost, given_up = [
            upload(client, student.ann, nap_archive(0), exercise=NAP).json()["id"]
            for _ in range(2)
        ]
    # Both were running on a worker when Redis lost its data; one already had its retry.
    long_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    with first.state.context.db.session() as session:
        session.execute(update(Job).values(status=RUNNING, started_at=long_ago))
        session.execute(update(Job).where(Job.submission_id == lost).values(attempts=1))
        session.execute(
            update(Job).where(Job.submission_id == given_up).values(attempts=MAX_TRIES)
        )
    first.state.context.db.close()
    redis_server.flush()
    app = make_celery_app()
    with TestClient(app) as client:
        gone = client.get(
            f"/api/v1/submissions/{given_up}", headers=Tokens.header(student.ann)
        ).json()
        again = client.post(
            f"/api/v1/submissions/{given_up}/regrade",
            headers=Tokens.header(student.teacher),
        )
    import redis

    assert redis.Redis.from_url(redis_server.url).llen("grader") >= 1
    assert [row[:2] for row in job_rows(app)][:2] == [
        (lost, "queued"),
        (given_up, "error"),
    ]
    assert gone["status"] == "error" and "regrade" in gone["message"]
    assert again.status_code == 202


@pytest.mark.slow
def test_regrade_all_from_the_command_line_reaches_celery_workers(
    make_celery_app: Callable[..., FastAPI],
    celery_settings: Settings,
    student: Tokens,
    workers: Workers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_celery_app()
    with TestClient(app) as client:
        sid = upload(client, student.ann, nap_archive(0), exercise=NAP).json()["id"]
        workers.start()
        assert wait_until_graded(client, sid, student.ann, 90)["status"] == "done"
        monkeypatch.setenv("GRADER_QUEUE", "celery")
        monkeypatch.setenv("GRADER_BROKER_URL", celery_settings.broker_url)
        if celery_settings.database_url:
            monkeypatch.setenv("DATABASE_URL", celery_settings.database_url)
        result = CliRunner().invoke(
            cli,
            ["--exercises", str(NAP_PACK), "class", "regrade", NAP]
            + ["--reason", "hidden suite updated", "--wait"]
            + ["--data-dir", str(celery_settings.data_dir)],
        )
        assert result.exit_code == 0, (result.output, workers.log_text())
        assert "1 submissions queued" in result.output
        assert "graded 1 of 1" in result.output
    assert [status for _, status, _ in job_rows(app)] == ["done", "done"]
