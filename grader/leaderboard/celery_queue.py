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
from typing import Any

from celery import Celery, Task

from grader.leaderboard import queue
from grader.leaderboard.db import open_database
from grader.leaderboard.db.models import Job, Submission
from grader.leaderboard.exercises import load_catalog
from grader.leaderboard.settings import Settings
from grader.leaderboard.worker import GradingContext, give_up, run_job

log = logging.getLogger("grader.leaderboard")

TASK_NAME = "grader.grade_job"
QUEUE_NAME = "grader"
# The first run and one retry after its worker died; then an error scorecard.
MAX_TRIES = 2
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

    def start(self) -> None:
        """Send every queued job again: a duplicate is dropped by the worker's claim."""
        queued = queue.queued_ids(self.ctx.db)
        for sent, job_id in enumerate(queued):
            if not self._send(job_id):  # the broker is down: the rest would wait too
                log.error("%d queued jobs wait for the next start", len(queued) - sent)
                return
        if queued:
            log.info("sent %d queued jobs to the workers", len(queued))

    def notify(self, job_id: int) -> None:
        self._send(job_id)

    def stop(self, timeout: float = 10.0) -> None:
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


def grade_delivery(
    ctx: GradingContext, job_id: int, *, archive: bytes, redelivered: bool
) -> str:
    """What a worker does with one message; returns what became of it (for the log)."""
    taken = queue.claim_delivery(
        ctx.db, job_id, redelivered=redelivered, max_attempts=MAX_TRIES
    )
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
