"""Grading one job, and the in-process pool of worker threads that runs the queue.

A job's archive is inspected and extracted into a fresh folder, graded with
`grade_workspace` (the same collection, sandbox and scorecard as `grader submit`), and the
scorecard stored on the submission. A fault of the harness ends the job as `error` with its
message and an error scorecard; the student's own failures are data in the scorecard.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from grader.catalog import Exercise
from grader.catalog.model import BUNDLE_NAME
from grader.clock import utc_now
from grader.errors import GraderError
from grader.pipeline import grade_workspace
from grader.leaderboard import queue
from grader.leaderboard.archives import ArchiveRejected, extract_archive
from grader.leaderboard.db import Database
from grader.leaderboard.db.models import DONE, ERROR, RUNNING, Job
from grader.leaderboard.db.text import storable, storable_text
from grader.leaderboard.exercises import Catalog
from grader.leaderboard.operations import Heartbeat
from grader.leaderboard.private import private_dir
from grader.leaderboard.regrades import record_change
from grader.leaderboard.settings import Settings
from grader.runner import (
    ISOLATION_LEVELS,
    Backend,
    IsolationRefused,
    require_isolation,
)
from grader.runner.repository import stored_bundle
from grader.scorecard import serialize
from grader.verdict.builder import error_scorecard, runner_info
from grader.scorecard.model import Scorecard, SubmissionRef

log = logging.getLogger("grader.leaderboard")
# Of a job's time, what the host's checks leave for their clean-up and for storing.
FINISH_SECONDS = 15.0


@dataclass
class GradingContext:
    """What a worker needs; one per process, shared by its threads."""

    db: Database
    settings: Settings
    catalog: Catalog
    backend: Backend


def run_job(ctx: GradingContext, job_id: int, *, archive: bytes | None = None) -> None:
    """Grade a claimed (running) job and record the outcome; never raises for a submission.

    `archive` is the upload's bytes as a remote worker received them; None reads the stored
    file from the data dir (a worker on the server's machine).
    """
    with ctx.db.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        stored = ctx.settings.data_dir / job.submission.archive_path
        slug, digest = job.submission.exercise, job.submission.archive_sha256
        attempt = job.attempts
    exercise = ctx.catalog.find(slug)
    if exercise is None:
        fail_job(ctx.db, job_id, f"the exercise {slug} is not in this worker's pack")
        return
    # One deadline for the whole job, from the exercise's limits. The grading runs in a
    # thread of its own, so a part of it that hangs past every limit of its own still ends
    # the job on time and frees this worker for the next one.
    seconds = queue.job_seconds(exercise)
    deadline = time.monotonic() + seconds
    graded: list[Scorecard | None] = []
    done = threading.Event()

    def grade() -> None:
        try:
            graded.append(
                grade_archive(
                    ctx,
                    job_id,
                    exercise,
                    stored,
                    digest,
                    archive,
                    deadline=deadline - FINISH_SECONDS,
                    attempt=attempt,
                )
            )
        finally:
            done.set()

    threading.Thread(target=grade, name=f"grader-job-{job_id}", daemon=True).start()
    if not done.wait(seconds):
        log.error("job %s ran past its %g s and was ended", job_id, seconds)
        give_up(ctx, job_id, overran_message(seconds), attempt=attempt)
        return
    card = graded[0] if graded else None
    if card is None:
        return
    try:
        finish_job(ctx.db, job_id, card, attempt=attempt)
    except Exception as exc:  # the database refused the result: the job still ends
        log.exception("storing the result of job %s failed", job_id)
        give_up(ctx, job_id, not_stored_message(exc))


def overran_message(seconds: float) -> str:
    """Why a job that outlasted its exercise's limits ended without a score."""
    return (
        f"grading took longer than {seconds:g} s, the most this exercise's limits allow "
        "(the sandbox's run, the Dockerfile build and health probe, and a margin), and "
        "was stopped; nothing was scored: ask your teacher to regrade it"
    )


def not_stored_message(exc: BaseException) -> str:
    """Why a result could not be stored, for the student and the teacher."""
    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [""])[0][:300]
    return (
        f"the result could not be stored ({type(cause).__name__}: {first}); "
        "nothing was scored: ask your teacher to regrade it"
    )


def grade_archive(
    ctx: GradingContext,
    job_id: int,
    exercise: Exercise,
    stored: Path,
    digest: str,
    archive: bytes | None,
    *,
    deadline: float | None = None,
    attempt: int | None = None,
) -> Scorecard | None:
    """The scorecard of the job's archive; None when the job was ended as an error.

    `deadline` (time.monotonic()) bounds the host's checks; with `attempt`, an error is
    stored only while the job is still that attempt's (see `finish_job`).
    """
    try:  # a class's scores are full isolation, or reduced by the teacher's explicit leave
        require_isolation(
            ctx.backend,
            exercise,
            allow_reduced=ctx.settings.allow_reduced_isolation,
        )
    except IsolationRefused as exc:
        give_up(ctx, job_id, f"not graded: {exc.message}", attempt=attempt)
        return None
    private_dir(ctx.settings.work_dir)
    scratch = Path(tempfile.mkdtemp(prefix=f"job{job_id}-", dir=ctx.settings.work_dir))
    try:
        data = stored.read_bytes() if archive is None else archive
        if hashlib.sha256(data).hexdigest() != digest:
            raise GraderError("the archive is not the one that was uploaded")
        extract_archive(data, scratch / "ws", ctx.settings.archive)
        with _uploaded_bundle(scratch / "ws", exercise):
            card = grade_workspace(
                scratch / "ws",
                exercise=exercise,
                backend=ctx.backend,
                deadline=deadline,
            )
    except (ArchiveRejected, GraderError, OSError) as exc:
        message = f"the submission could not be graded: {exc}"
        give_up(ctx, job_id, message, attempt=attempt)
        return None
    except Exception as exc:  # a harness bug: keep the pool alive, say what happened
        log.exception("grading job %s failed", job_id)
        message = f"the grader failed ({type(exc).__name__}: {exc})"
        give_up(ctx, job_id, message, attempt=attempt)
        return None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return card


def _uploaded_bundle(ws: Path, exercise: Exercise) -> AbstractContextManager[None]:
    """A Git exercise is graded from the bundle the student's grader made and checked."""
    if exercise.repository is None:
        return nullcontext()
    bundle = ws / BUNDLE_NAME
    if not bundle.is_file():
        raise GraderError(
            f"no {BUNDLE_NAME} was uploaded: this exercise is graded from its git "
            "repository; submit again with `grader submit --server` from the repository"
        )
    return stored_bundle(bundle.read_bytes())


def finish_job(
    db: Database, job_id: int, card: Scorecard, *, attempt: int | None = None
) -> None:
    """Store the scorecard on the job's submission (validated against the schema).

    Every string is made storable first (`storable`: no NUL, no lone surrogate). With
    `attempt`, the result is stored only while the job is still that attempt's: a job
    recovered meanwhile (requeued, or ended by its deadline) keeps what it has now.
    """
    document = storable(serialize.to_dict(card))
    errors = serialize.schema_errors(document)
    if errors:
        fail_job(db, job_id, "the grader produced an invalid scorecard: " + errors[0])
        return
    if card.practice:
        fail_job(
            db,
            job_id,
            "a practice scorecard (graded without the hidden suite) is never a grade: "
            "the server must grade with the full pack",
        )
        return
    with db.write_session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        if attempt is not None and (job.status, job.attempts) != (RUNNING, attempt):
            log.warning("job %s was recovered meanwhile: result dropped", job_id)
            return
        record_change(
            session,
            job,
            new_score=card.score,
            new_result=card.status,
            max_score=card.max_score,
        )
        now = utc_now()
        job.status, job.finished_at = DONE, now
        submission = job.submission
        submission.status, submission.result = DONE, card.status
        submission.score, submission.max_score = card.score, card.max_score
        submission.message = storable_text(card.message)
        submission.scorecard = json.dumps(document, ensure_ascii=False)
        submission.isolation = isolation_of(card)
        submission.graded_at = now
    db.results_changed()


def isolation_of(card: Scorecard) -> str | None:
    """The level the scorecard was graded under, when it names a known one."""
    level = card.integrity.get("level")
    return level if level in ISOLATION_LEVELS else None


def fail_job(
    db: Database,
    job_id: int,
    message: str,
    card: Scorecard | None = None,
    *,
    attempt: int | None = None,
) -> None:
    """End the job as `error` with `message` and, when given, an error scorecard.

    The error scorecard is stored only on a submission that has none yet: a regrade that
    fails keeps the earlier grading. Nothing here changes a score, so it ranks nowhere.
    Should even that write be refused, the job still ends, with the message alone. With
    `attempt`, only a job still running that attempt is ended (see `finish_job`).
    """
    message = storable_text(message)
    try:
        _store_failure(db, job_id, message, card, attempt)
    except Exception:
        log.exception("storing the error of job %s failed", job_id)
        _store_failure(db, job_id, message, None, attempt)


def _store_failure(
    db: Database,
    job_id: int,
    message: str,
    card: Scorecard | None,
    attempt: int | None,
) -> None:
    with db.write_session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        if attempt is not None and (job.status, job.attempts) != (RUNNING, attempt):
            log.warning("job %s has ended or was recovered: error dropped", job_id)
            return
        job.status, job.error, job.finished_at = ERROR, message, utc_now()
        submission = job.submission
        submission.status, submission.message = ERROR, message
        if card is not None and submission.scorecard is None:
            submission.result = card.status
            submission.isolation = isolation_of(card)
            submission.scorecard = json.dumps(
                storable(serialize.to_dict(card)), ensure_ascii=False
            )


def give_up(
    ctx: GradingContext, job_id: int, message: str, *, attempt: int | None = None
) -> None:
    """End the job as `error` with an error scorecard that carries `message`."""
    with ctx.db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        slug, digest = job.submission.exercise, job.submission.archive_sha256
    exercise = ctx.catalog.find(slug)
    card = None
    if exercise is not None:
        card = error_scorecard(
            exercise,
            message,
            submission=SubmissionRef(sha256=digest),
            runner=runner_info(ctx.backend.name, ctx.backend.sandboxed),
            integrity={"sandboxed": ctx.backend.sandboxed, "graded": False},
        )
    fail_job(ctx.db, job_id, message, card, attempt=attempt)


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
        self._heartbeat = Heartbeat(
            ctx.db, kind="inprocess", queue=self.name, concurrency=workers
        )

    def start(self) -> None:
        requeued = queue.recover(
            self.ctx.db,
            max_attempts=self.ctx.settings.max_attempts,
            give_up=lambda job_id, message: give_up(self.ctx, job_id, message),
        )
        if requeued:
            log.info("re-queued %d jobs left running by the previous start", requeued)
        self._stopping.clear()
        if self.workers:
            self._heartbeat.start()
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
        if self._threads:
            self._heartbeat.stop()
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
