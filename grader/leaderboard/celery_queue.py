"""Grading on Celery workers, on as many machines as needed: GRADER_QUEUE=celery.

The jobs table stays the record of truth (`grader.leaderboard.queue`); Redis only carries
one message per job to whichever `grader worker` is free. The message holds the job's id
and the uploaded archive (base64, at most the upload limit), so a worker needs the broker
and the database, never the server's data dir or an HTTP route into the server.

Nothing is lost when a worker dies mid-job: messages are acknowledged only after the
result is in the database (`acks_late`); a pool process that dies has its message put back
at once (`task_reject_on_worker_lost`); a whole worker (or machine) that dies leaves its
message unacknowledged in Redis, which hands it to another worker once the visibility
timeout has passed. Such a redelivered job is graded once more; a job interrupted twice
ends as an error scorecard instead of taking down worker after worker.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from celery import Celery, Task

from grader.leaderboard import queue
from grader.leaderboard.db import open_database
from grader.leaderboard.db.models import Job, Submission
from grader.leaderboard.exercises import load_catalog
from grader.leaderboard.operations import Heartbeat
from grader.leaderboard.settings import Settings
from grader.leaderboard.worker import GradingContext, give_up, run_job

log = logging.getLogger("grader.leaderboard")

TASK_NAME = "grader.grade_job"
QUEUE_NAME = "grader"
# The first run and one retry after its worker died; then an error scorecard.
MAX_TRIES = 2
# A job whose student has another one running goes back to the broker after this pause.
DEFER_SECONDS = 1.0
# Bounded publishing: a broker that is down costs a request at most a few seconds.
PUBLISH_RETRY = {
    "max_retries": 2,
    "interval_start": 0.2,
    "interval_step": 0.5,
    "interval_max": 1.0,
}


def celery_app(settings: Settings) -> Celery:
    """A Celery application on `settings.broker_url`, configured for no lost jobs."""
    app = Celery("grader", broker=settings.broker_url, set_as_current=False)
    timeout = settings.visibility_timeout
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_default_queue=QUEUE_NAME,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # A worker reserves only the jobs it is grading: a backlog waits in Redis, where
        # any free worker can take it.
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": timeout,
            # Look for abandoned messages a few times per timeout (kombu's default is
            # every 100 s).
            "unacked_restore_interval": max(1, min(60, int(timeout // 4))),
            "unacked_restore_throttle": 1,
            "socket_connect_timeout": 5,
        },
        task_publish_retry_policy=PUBLISH_RETRY,
        worker_hijack_root_logger=False,
    )
    return app


class CeleryQueue:
    """The server's side: one message per queued job; workers run `grader worker`."""

    name = "celery"

    def __init__(self, ctx: GradingContext) -> None:
        self.ctx = ctx
        self.app = celery_app(ctx.settings)
        self._stopping = threading.Event()
        self._sweeper: threading.Thread | None = None

    def start(self) -> None:
        """Send every queued job again: a duplicate is dropped by the worker's claim.

        Jobs left `running` longer than a redelivery takes (their message was lost with the
        broker's data) are queued again first; then, every quarter of the visibility
        timeout, a thread looks for more.
        """
        longest = max(
            (queue.job_seconds(e) for e in self.ctx.catalog.exercises), default=0.0
        )
        if longest > self.ctx.settings.visibility_timeout:
            log.warning(
                "GRADER_VISIBILITY_TIMEOUT=%g is shorter than the longest grading "
                "(%g s): such a job would be handed to a second worker",
                self.ctx.settings.visibility_timeout,
                longest,
            )
        self.recover_lost()
        queued = queue.queued_ids(self.ctx.db)
        for sent, job_id in enumerate(queued):
            if not self._send(job_id):  # the broker is down: the rest would wait too
                log.error("%d queued jobs wait for the next start", len(queued) - sent)
                return
        if queued:
            log.info("sent %d queued jobs to the workers", len(queued))
        self._stopping.clear()
        self._sweeper = threading.Thread(
            target=self._sweep, name="grader-lost-jobs", daemon=True
        )
        self._sweeper.start()

    def recover_lost(self) -> list[int]:
        """Queue again (and send) the jobs no worker holds any more; see `lost_after`."""
        requeued = queue.recover_stale(
            self.ctx.db,
            older_than=lost_after(self.ctx.settings.visibility_timeout),
            max_attempts=MAX_TRIES,
            give_up=lambda job_id, message: give_up(self.ctx, job_id, message),
        )
        for job_id in requeued:
            log.warning("job %s was running with no worker: queued again", job_id)
            self._send(job_id)
        return requeued

    def _sweep(self) -> None:
        pause = max(1.0, self.ctx.settings.visibility_timeout / 4)
        while not self._stopping.wait(pause):
            try:
                self.recover_lost()
            except Exception:  # the database was busy or gone: the next sweep retries
                log.exception("could not look for lost jobs")

    def notify(self, job_id: int) -> None:
        self._send(job_id)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self.app.close()

    def _send(self, job_id: int) -> bool:
        """Publish the job; False (logged) when the broker cannot be reached.

        The job stays queued in the database either way, and the next start sends it.
        """
        try:
            self.app.send_task(TASK_NAME, kwargs=job_message(self.ctx, job_id))
        except Exception as exc:  # kombu raises several types for a broker that is down
            log.error("could not send job %s to the broker: %s", job_id, exc)
            return False
        return True


def job_message(ctx: GradingContext, job_id: int) -> dict[str, Any]:
    """The task's arguments: the job and the archive as a remote worker needs them."""
    with ctx.db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        submission: Submission = job.submission
        path = ctx.settings.data_dir / submission.archive_path
    return {
        "job_id": job_id,
        "archive": base64.b64encode(path.read_bytes()).decode("ascii"),
    }


def send_jobs(settings: Settings, db: Any, job_ids: list[int]) -> None:
    """Send queued jobs to the workers from outside the server (`grader class regrade`)."""
    app = celery_app(settings)
    try:
        for job_id in job_ids:
            with db.session() as session:
                path = (
                    settings.data_dir / session.get(Job, job_id).submission.archive_path
                )
            archive = base64.b64encode(path.read_bytes()).decode("ascii")
            app.send_task(TASK_NAME, kwargs={"job_id": job_id, "archive": archive})
    finally:
        app.close()


def lost_after(visibility_timeout: float) -> float:
    """Seconds after which a `running` job has lost its worker and its message.

    A grading ends within the visibility timeout (it must be set so); a dead worker's
    message is redelivered a quarter timeout later, and the new worker's claim restarts the
    job's clock. Twice the timeout is past both.
    """
    return 2 * visibility_timeout


def grade_delivery(
    ctx: GradingContext,
    job_id: int,
    *,
    archive: bytes,
    redelivered: bool,
    defer: Callable[[], None] | None = None,
) -> str:
    """What a worker does with one message; returns what became of it (for the log).

    A job whose student has another one running is not graded now: after DEFER_SECONDS
    `defer` sends its message again, behind the classmates' jobs waiting in the broker
    (one job per student at a time, and no student holds up the others).
    """
    taken = queue.claim_delivery(
        ctx.db, job_id, redelivered=redelivered, max_attempts=MAX_TRIES
    )
    if taken == "busy":
        if defer is not None:
            time.sleep(DEFER_SECONDS)
            defer()
        return "deferred"
    if taken == "exhausted":
        message = queue.interrupted_message(
            MAX_TRIES, "the worker grading it stopped or its machine died"
        )
        give_up(ctx, job_id, message)
        return "gave up"
    if taken == "claimed":
        run_job(ctx, job_id, archive=archive)
        return "graded"
    return "skipped"


def worker_app(settings: Settings, *, backend: str) -> Celery:
    """The application a `grader worker` runs, with the grading task registered."""
    app = celery_app(settings)

    class GradeTask(Task):  # type: ignore[misc]
        """Each worker process opens its own database and backend, on its first job."""

        _context: GradingContext | None = None

        @property
        def context(self) -> GradingContext:
            if self._context is None:
                from grader.runner import get_backend

                self._context = GradingContext(
                    db=open_database(settings.db_url),
                    settings=settings,
                    catalog=load_catalog(settings.exercises_dir),
                    backend=get_backend(backend),
                )
            return self._context

    @app.task(name=TASK_NAME, bind=True, base=GradeTask)
    def grade_job(self: GradeTask, job_id: int, archive: str) -> None:
        redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
        outcome = grade_delivery(
            self.context,
            job_id,
            archive=base64.b64decode(archive),
            redelivered=redelivered,
            defer=lambda: app.send_task(
                TASK_NAME, kwargs={"job_id": job_id, "archive": archive}
            ),
        )
        log.info("job %s: %s", job_id, outcome)

    return app


def run_worker(
    settings: Settings, *, backend: str, concurrency: int, loglevel: str = "INFO"
) -> None:
    """Run a Celery worker in this process until it is stopped (Ctrl-C, SIGTERM)."""
    # Each pool process checks the migrations on its first job: quietly.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = worker_app(settings, backend=backend)
    # The server's health counts this worker while it beats.
    db = open_database(settings.db_url)
    heartbeat = Heartbeat(db, kind="celery", queue="celery", concurrency=concurrency)
    heartbeat.start()
    try:
        _run(app, concurrency, loglevel)
    finally:
        heartbeat.stop()
        db.close()


def _run(app: Celery, concurrency: int, loglevel: str) -> None:
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel}",
            f"--queues={QUEUE_NAME}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


__all__ = ["CeleryQueue", "celery_app", "grade_delivery", "run_worker", "worker_app"]
