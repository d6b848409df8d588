"""500 concurrent uploads on loopback against a real uvicorn: none lost, none unanswered."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from grader.leaderboard import auth
from grader.leaderboard.app import create_app
from grader.leaderboard.db.models import Job, Submission
from grader.leaderboard.settings import Settings
from grader.runner import LocalBackend
from tests.leaderboard.conftest import (
    NAP,
    NAP_PACK,
    LiveServer,
    Tokens,
    nap_archive,
    tar_gz,
)

STUDENTS = 25
PER_STUDENT = 20  # 17 good archives, 2 hostile ones, 1 for an exercise the server lacks
RATE_LIMIT = 4  # accepted per student: 100 gradings in all, the rest refused with 429
GOOD = nap_archive(0)
HOSTILE = tar_gz({"../nap.py": b"print('escaped')\n"})


def plan(tokens: list[str]) -> list[tuple[str, str]]:
    """(token, kind) for every upload, in a shuffled order."""
    kinds = ["good"] * 17 + ["hostile"] * 2 + ["unknown"]
    uploads = [(token, kind) for token in tokens for kind in kinds]
    assert len(uploads) == STUDENTS * PER_STUDENT == 500
    random.Random(7).shuffle(uploads)
    return uploads


async def send_all(url: str, uploads: list[tuple[str, str]]) -> list[Any]:
    """Every upload at once, each on its own connection; an exception is kept as such."""
    limits = httpx.Limits(max_connections=len(uploads), max_keepalive_connections=0)
    timeout = httpx.Timeout(180.0)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as http:

        async def one(token: str, kind: str) -> Any:
            archive = HOSTILE if kind == "hostile" else GOOD
            exercise = "stage1/no-such-exercise" if kind == "unknown" else NAP
            return await http.post(
                "/api/v1/submissions",
                data={"exercise": exercise},
                files={"archive": ("work.tar.gz", archive, "application/gzip")},
                headers=Tokens.header(token),
            )

        return await asyncio.gather(
            *(one(token, kind) for token, kind in uploads), return_exceptions=True
        )


def wait_for_the_queue(app: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.state.context.db.session() as session:
            pending = session.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.status.in_(("queued", "running")))
            )
        if not pending:
            return
        time.sleep(0.5)
    raise AssertionError(f"{pending} jobs still waiting after {seconds} s")


@pytest.mark.slow
def test_500_concurrent_uploads_are_each_graded_or_refused_with_a_reason(
    settings: Settings,
) -> None:
    app = create_app(
        settings.with_changes(
            exercises_dir=NAP_PACK,
            workers=2,
            rate_limit=RATE_LIMIT,
            rate_window_seconds=3600,
        ),
        backend=LocalBackend(),
    )
    with app.state.context.db.session() as session:
        tokens = [
            auth.add_student(session, f"student{n:02d}").token for n in range(STUDENTS)
        ]
    names = {token: f"student{n:02d}" for n, token in enumerate(tokens)}
    uploads = plan(tokens)
    with LiveServer(app) as live:
        started = time.monotonic()
        answers = asyncio.run(send_all(live.url, uploads))
        answered = time.monotonic() - started
        wait_for_the_queue(app, seconds=600)
        graded = time.monotonic() - started

    failures = [a for a in answers if isinstance(a, BaseException)]
    assert not failures, f"{len(failures)} uploads got no answer: {failures[:3]!r}"
    outcomes: Counter[tuple[str, int]] = Counter()
    accepted: dict[str, str] = {}  # submission id -> student
    for (token, kind), response in zip(uploads, answers):
        outcomes[(kind, response.status_code)] += 1
        body = response.json()
        if response.status_code == 202:
            assert kind == "good"
            accepted[body["id"]] = names[token]
            continue
        assert 400 <= response.status_code < 500, (kind, response.text)
        assert body["error"] and len(body["message"]) > 20, body
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) > 0
    assert set(outcomes) <= {
        ("good", 202),
        ("good", 429),
        ("hostile", 422),
        ("hostile", 429),
        ("unknown", 404),
    }, outcomes
    assert outcomes[("unknown", 404)] == STUDENTS
    # The limit holds under a burst: exactly RATE_LIMIT accepted per student.
    assert Counter(accepted.values()) == {name: RATE_LIMIT for name in names.values()}

    with app.state.context.db.session() as session:
        stored = dict(session.execute(select(Submission.id, Submission.status)).all())
        scores = set(session.scalars(select(Submission.score)))
        jobs = Counter(session.scalars(select(Job.status)))
    assert set(stored) == set(accepted)  # none lost, none extra
    assert set(stored.values()) == {"done"} and scores == {100.0}
    assert jobs == {"done": len(accepted)}
    print(
        f"\n500 concurrent uploads: answered in {answered:.1f} s, "
        f"{len(accepted)} graded by {graded:.1f} s; outcomes {dict(outcomes)}"
    )
