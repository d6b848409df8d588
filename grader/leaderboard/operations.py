"""Is anyone grading? Workers' heartbeats, and jobs that wait with no live worker.

Every worker (the in-process pool, and each `grader worker` process) writes a heartbeat
row every BEAT_SECONDS; a worker is live while its row is younger than LIVE_SECONDS. A job
queued longer than `stalled_after_seconds` while no worker is live is stalled: health
reports it, the teacher's grid warns about it, and the student is told their place and
that grading is delayed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from sqlalchemy import delete, func, select

from grader.clock import utc_now
from grader.leaderboard.db import Database
from grader.leaderboard.db.models import QUEUED, Job, WorkerBeat

log = logging.getLogger("grader.leaderboard")
BEAT_SECONDS = 5.0
LIVE_SECONDS = 20.0


def worker_name(kind: str) -> str:
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"


def beat(db: Database, *, name: str, queue: str, concurrency: int) -> None:
    with db.write_session() as session:
        row = session.get(WorkerBeat, name)
        if row is None:
            session.add(
                WorkerBeat(
                    name=name, queue=queue, concurrency=concurrency, seen_at=utc_now()
                )
            )
        else:
            row.seen_at, row.concurrency = utc_now(), concurrency


def forget(db: Database, name: str) -> None:
    with db.write_session() as session:
        session.execute(delete(WorkerBeat).where(WorkerBeat.name == name))


def live_workers(db: Database) -> tuple[int, int]:
    """(worker processes, grading slots) that beat in the last LIVE_SECONDS."""
    since = utc_now() - timedelta(seconds=LIVE_SECONDS)
    with db.session() as session:
        processes, slots = session.execute(
            select(
                func.count(), func.coalesce(func.sum(WorkerBeat.concurrency), 0)
            ).where(WorkerBeat.seen_at >= since)
        ).one()
    return int(processes), int(slots)


def stalled_jobs(db: Database, *, after_seconds: float) -> int:
    """Jobs queued longer than `after_seconds` while no worker is live (0 otherwise)."""
    if live_workers(db)[0]:
        return 0
    since = utc_now() - timedelta(seconds=after_seconds)
    with db.session() as session:
        count = session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.status == QUEUED, Job.queued_at < since)
        )
    return int(count or 0)


class Heartbeat:
    """A thread that beats for one worker until stopped, and forgets it at the end."""

    def __init__(
        self, db: Database, *, kind: str, queue: str, concurrency: int
    ) -> None:
        self.db, self.queue, self.concurrency = db, queue, concurrency
        self.name = worker_name(kind)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._beat()
        self._thread = threading.Thread(
            target=self._run, name="grader-heartbeat", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(BEAT_SECONDS + 1)
        try:
            forget(self.db, self.name)
        except Exception:  # the database is gone: the row ages out on its own
            log.warning("could not remove the heartbeat of %s", self.name)

    def _run(self) -> None:
        while not self._stop.wait(BEAT_SECONDS):
            self._beat()

    def _beat(self) -> None:
        try:
            beat(
                self.db,
                name=self.name,
                queue=self.queue,
                concurrency=self.concurrency,
            )
        except Exception:  # a busy database: the next beat tries again
            log.warning("heartbeat of %s failed", self.name, exc_info=True)


__all__ = ["Heartbeat", "live_workers", "stalled_jobs", "worker_name"]
