"""A fair queue: one running job per student, round-robin between students, FIFO within one;
a student flooding the queue with hanging uploads does not hold up a classmate."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from grader.leaderboard import auth, queue
from grader.leaderboard.db.models import RUNNING, Job, Submission, as_utc
from grader.leaderboard.worker import finish_job
from grader.sandbox.entrypoint import INSIDE_MARGIN_SECONDS
from tests.leaderboard.conftest import (
    NAP,
    NAP_PACK,
    Tokens,
    nap_archive,
    upload,
    wait_until_graded,
    workspace_archive,
)

# The exercise's limit; a hanging submission is stopped after JOB_SECONDS (the grader in the
# sandbox stops itself that much earlier).
RUN_SECONDS = 8
JOB_SECONDS = RUN_SECONDS - INSIDE_MARGIN_SECONDS


def short_nap_pack(tmp_path: Path) -> Path:
    """The `nap` exercise with a short run_seconds: a hanging upload ends in seconds."""
    pack = tmp_path / "pack"
    shutil.copytree(NAP_PACK, pack)
    toml = pack / "stage1" / "nap" / "exercise.toml"
    text = toml.read_text().replace("run_seconds = 60", f"run_seconds = {RUN_SECONDS}")
    toml.write_text(text)
    return pack


def test_jobs_go_round_robin_by_student_first_come_first_served_within_one(
    client: TestClient, tokens: Tokens, app: FastAPI, graded_cards
) -> None:
    db = app.state.context.db
    with db.session() as session:
        cid = auth.add_student(session, "Cy").token
    order = [tokens.ann] * 3 + [tokens.bob, cid]
    ids = [upload(client, t, workspace_archive()).json()["id"] for t in order]
    with db.session() as session:
        job_of = {
            sid: jid for jid, sid in session.execute(select(Job.id, Job.submission_id))
        }
    positions = [
        client.get(f"/api/v1/submissions/{i}", headers=Tokens.header(t)).json()[
            "position"
        ]
        for i, t in zip(ids, order)
    ]
    graded: list[str] = []
    while (job_id := queue.next_queued(db)) is not None:
        assert queue.claim(db, job_id)
        # While it runs, no other job of that student may start.
        with db.session() as session:
            sid = session.get(Job, job_id).submission_id
            owner = session.get(Submission, sid).account_id
            same = session.scalars(
                select(Job.id)
                .join(Submission)
                .where(Submission.account_id == owner, Job.status == "queued")
            ).all()
        assert not any(queue.claim(db, other) for other in same)
        finish_job(db, job_id, graded_cards["reference"])
        graded.append(sid)
    ann1, ann2, ann3, bob, cy = ids
    assert graded == [ann1, bob, cy, ann2, ann3]
    assert positions == [1, 4, 5, 2, 3]
    assert sorted(job_of) == sorted(ids)


def test_one_students_hanging_flood_does_not_hold_up_a_classmate(
    make_app: Callable[..., FastAPI], tokens: Tokens, tmp_path: Path
) -> None:
    app = make_app(workers=2, exercises_dir=short_nap_pack(tmp_path))
    db = app.state.context.db
    running_per_student: list[int] = []
    with TestClient(app) as client:
        flood = [
            upload(client, tokens.ann, nap_archive(3600), exercise=NAP).json()["id"]
            for _ in range(4)
        ]
        time.sleep(0.5)  # the workers have taken what they will take
        sid = upload(client, tokens.bob, nap_archive(0), exercise=NAP).json()["id"]
        deadline = time.monotonic() + 4 * (RUN_SECONDS + 15)
        while time.monotonic() < deadline:
            with db.session() as session:
                running = session.scalars(
                    select(Submission.account_id).join(Job).where(Job.status == RUNNING)
                ).all()
            running_per_student.append(max(map(running.count, running), default=0))
            done = client.get(
                f"/api/v1/submissions/{sid}", headers=Tokens.header(tokens.bob)
            ).json()
            if done["status"] in ("done", "error"):
                break
            time.sleep(0.1)
        result = wait_until_graded(client, sid, tokens.bob, seconds=5)
        with db.session() as session:
            job = session.scalar(select(Job).where(Job.submission_id == sid))
            waited = (as_utc(job.started_at) - as_utc(job.queued_at)).total_seconds()
        # The flood is graded too, each stopped at its limit.
        timed_out = [wait_until_graded(client, f, tokens.ann, 120) for f in flood]
    assert result["status"] == "done" and result["score"] == 100, result
    # Bob's grading started within one job's time (it started at once: a worker was free).
    assert waited < JOB_SECONDS, waited
    assert max(running_per_student) == 1
    assert all(r["score"] == 0 for r in timed_out)
