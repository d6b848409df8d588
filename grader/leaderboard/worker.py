"""Grading one job, and the in-process pool of worker threads that runs the queue.

A job's archive is inspected and extracted into a fresh folder, graded with
`grade_workspace` (the same collection, sandbox and scorecard as `grader submit`), and the
scorecard stored on the submission. A fault of the harness ends the job as `error` with its
message; the student's own failures are data in the scorecard.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError
from grader.grading import grade_workspace
from grader.leaderboard import queue
from grader.leaderboard.archives import ArchiveRejected, extract_archive
from grader.leaderboard.db import Database
from grader.leaderboard.db.models import DONE, ERROR, Job, utcnow
from grader.leaderboard.exercises import Catalog
from grader.leaderboard.settings import Settings
from grader.runner import Backend
from grader.scorecard import serialize
from grader.scorecard.model import Scorecard

log = logging.getLogger("grader.leaderboard")


@dataclass
class GradingContext:
    """What a worker needs; one per process, shared by its threads."""

    db: Database
    settings: Settings
    catalog: Catalog
    backend: Backend


def run_job(ctx: GradingContext, job_id: int) -> None:
    """Grade a claimed (running) job and record the outcome; never raises for a submission."""
    with ctx.db.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        archive = ctx.settings.data_dir / job.submission.archive_path
        slug = job.submission.exercise
    exercise = ctx.catalog.find(slug)
    if exercise is None:
        fail_job(ctx.db, job_id, f"the exercise {slug} is no longer on this server")
        return
    ctx.settings.work_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"job{job_id}-", dir=ctx.settings.work_dir))
    try:
        extract_archive(archive.read_bytes(), scratch / "ws", ctx.settings.archive)
        card = grade_workspace(scratch / "ws", exercise=exercise, backend=ctx.backend)
    except (ArchiveRejected, GraderError, OSError) as exc:
        fail_job(ctx.db, job_id, f"the submission could not be graded: {exc}")
        return
    except Exception as exc:  # a harness bug: keep the pool alive, say what happened
        log.exception("grading job %s failed", job_id)
        fail_job(ctx.db, job_id, f"the grader failed ({type(exc).__name__}: {exc})")
        return
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    finish_job(ctx.db, job_id, card)


def finish_job(db: Database, job_id: int, card: Scorecard) -> None:
    """Store the scorecard on the job's submission (validated against the schema)."""
    document = serialize.to_dict(card)
    errors = serialize.schema_errors(document)
    if errors:
        fail_job(db, job_id, "the grader produced an invalid scorecard: " + errors[0])
        return
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        now = utcnow()
        job.status, job.finished_at = DONE, now
        submission = job.submission
        submission.status, submission.result = DONE, card.status
        submission.score, submission.max_score = card.score, card.max_score
        submission.message = card.message
        submission.scorecard = json.dumps(document, ensure_ascii=False)
        submission.graded_at = now


def fail_job(db: Database, job_id: int, message: str) -> None:
    """End the job as `error`; an earlier scorecard of the submission (regrade) is kept."""
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.status, job.error, job.finished_at = ERROR, message, utcnow()
        job.submission.status, job.submission.message = ERROR, message


class InProcessPool:
    """N worker threads in the server process, taking jobs from the table in order.

    Threads suffice: each grading runs in its own subprocess or container. Workers also poll
    every `idle_poll_seconds`, so jobs queued by another process are found too.
    """

    name = "inprocess"

    def __init__(self, ctx: GradingContext, *, workers: int) -> None:
        self.ctx, self.workers = ctx, workers
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        requeued = queue.recover(
            self.ctx.db, max_attempts=self.ctx.settings.max_attempts
        )
        if requeued:
            log.info("re-queued %d jobs left running by the previous start", requeued)
        self._stopping.clear()
        for n in range(self.workers):
            thread = threading.Thread(
                target=self._work, name=f"grader-worker-{n}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def notify(self, job_id: int) -> None:
        with self._wake:
            self._wake.notify()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout / max(len(self._threads), 1))
        self._threads.clear()

    def _work(self) -> None:
        pause = self.ctx.settings.idle_poll_seconds
        while not self._stopping.is_set():
            try:
                job_id = queue.next_queued(self.ctx.db)
                if job_id is not None:
                    if queue.claim(self.ctx.db, job_id):
                        run_job(self.ctx, job_id)
                    continue
            except Exception:  # the database was busy or gone: wait, then try again
                log.exception("worker could not take a job")
                self._stopping.wait(pause)
                continue
            with self._wake:
                self._wake.wait(pause)
