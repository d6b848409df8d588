"""Class server load: the leaderboard page and the submission endpoint under 50 clients.

Builds a class with 10,000 stored scorecards (inserted through the models, from a real
scorecard JSON, spread over the bundled exercises), starts `grader serve --workers 0` (a real
uvicorn; submissions are accepted and queued, not graded), then, in one run, sends the page
and the submission endpoint a fixed number of requests from `--clients` concurrent clients
on loopback. Prints requests per second and p50/p95/p99 latency for each.

The machine is shared, so each endpoint is measured side by side with a baseline: a bare
ASGI app under the same uvicorn, answering the same clients with a few bytes and no work,
measured just before it. The ratio of the two p95s is what the server's own work costs,
whatever else the machine runs.

Targets at 50 concurrent clients on SQLite: leaderboard page p95 < 50 ms, submission p95
< 100 ms.
Run: python bench/server_load.py [--scorecards 10000] [--clients 50] [--requests 3000]
     python bench/server_load.py --quick   (2,000 scorecards, 1,000 requests: a minute)
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

from grader.clock import utc_now
from grader.leaderboard import auth
from grader.leaderboard.db import open_database
from grader.leaderboard.db.models import DONE, Account, Job, Submission
from grader.leaderboard.exercises import load_catalog
from grader.leaderboard.sessions import COOKIE, start_session

ROOT = Path(__file__).resolve().parent.parent
CARD = ROOT / "tests" / "golden" / "full-marks" / "expected.json"
ARCHIVE_SOURCE = ROOT / "exercises" / "stage1" / "grade-book" / "reference"
GRADER = Path(sys.executable).with_name("grader")
SESSION_COOKIE: list[str] = []  # set by seed()
Measured = tuple[float, list[float], int]  # seconds, latencies, errors


def seed(data_dir: Path, *, scorecards: int, students: int) -> list[str]:
    """A class of `students` with `scorecards` graded submissions; their tokens."""
    db = open_database(f"sqlite:///{data_dir / 'grader.db'}")
    catalog = load_catalog(None)
    template = json.loads(CARD.read_text())
    rng = random.Random(1)
    with db.session() as session:
        auth.create_teacher(session)
        tokens = [
            auth.add_student(session, f"Student {n:03d}", pseudonym=f"animal-{n:03d}")
            for n in range(students)
        ]
    with db.session() as session:  # the board is private: a signed-in student reads it
        student = auth.find_account(session, tokens[0].student_id or "")
        SESSION_COOKIE.append(start_session(session, student))
    ids = {t.name: n + 2 for n, t in enumerate(tokens)}  # the teacher is account 1
    start = utc_now() - timedelta(days=30)
    rows, jobs = [], []
    for n in range(scorecards):
        exercise = rng.choice(catalog.exercises)
        score = float(rng.choice(range(0, 101, 5)))
        card = dict(template, score=score, status="pass" if score >= 80 else "fail")
        card["exercise"] = {
            "slug": exercise.qualified_slug,
            "stage": exercise.stage,
            "version": exercise.version,
        }
        moment = start + timedelta(seconds=n * 97)
        sid = f"{n:032x}"
        rows.append(
            Submission(
                id=sid,
                account_id=ids[f"Student {rng.randrange(students):03d}"],
                exercise=exercise.qualified_slug,
                stage=exercise.stage,
                archive_path=f"archives/{sid}.tar.gz",
                archive_sha256="0" * 64,
                archive_bytes=1000,
                created_at=moment,
                status=DONE,
                result=card["status"],
                score=score,
                max_score=100.0,
                message=card["message"],
                scorecard=json.dumps(card),
                graded_at=moment,
            )
        )
        jobs.append(
            Job(
                submission_id=sid,
                reason="submit",
                status=DONE,
                attempts=1,
                queued_at=moment,
                started_at=moment,
                finished_at=moment,
                error="",
            )
        )
    with db.session() as session:
        session.add_all(rows)
        session.flush()
        session.add_all(jobs)
        session.flush()
        if hasattr(Account, "served_at"):  # (servers before migration 0006 have none)
            # What the claims would have written: when each student was last served.
            session.execute(
                text(
                    "UPDATE accounts SET served_at = (SELECT max(jobs.started_at) "
                    "FROM jobs JOIN submissions ON submissions.id = jobs.submission_id "
                    "WHERE submissions.account_id = accounts.id)"
                )
            )
    db.close()
    return [t.token for t in tokens]


def archive() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(ARCHIVE_SOURCE.rglob("*.py")):
            tar.add(path, arcname=path.relative_to(ARCHIVE_SOURCE).as_posix())
    return buffer.getvalue()


def serve(data_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "GRADER_RATE_LIMIT": "1000000"}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [str(GRADER), "serve", "--workers", "0", "--backend", "local"]
        + ["--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_up(process, f"http://127.0.0.1:{port}/api/v1/health")
    return process


BASELINE_APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})
"""


def serve_baseline(port: int) -> subprocess.Popen:
    """A bare ASGI app under uvicorn as `grader serve` runs it (same loop, same log)."""
    code = BASELINE_APP + (
        "import uvicorn\n"
        f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='info')\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_up(process, f"http://127.0.0.1:{port}/")
    return process


def wait_until_up(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{url} did not start")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def page_request() -> bytes:
    cookie = f"Cookie: {COOKIE}={SESSION_COOKIE[-1]}\r\n".encode()
    return b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + cookie + b"\r\n"


def submit_request(token: str, data: bytes) -> bytes:
    """A multipart upload of `data` for stage1/grade-book, as `grader submit` sends it."""
    boundary = "benchboundary7f3a"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="exercise"\r\n\r\n'
            "stage1/grade-book\r\n"
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="archive"; filename="w.tar.gz"\r\n'
            "Content-Type: application/gzip\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    head = (
        "POST /api/v1/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    """Send one request on a kept-alive connection; read the whole answer; its status."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(head[9:12])


async def load(
    port: int, *, clients: int, requests: int, call: str, tokens: list[str]
) -> tuple[float, list[float], int]:
    """`requests` calls from `clients` concurrent clients: (seconds, latencies, errors).

    A bare HTTP/1.1 client on kept-alive connections: a full-featured client costs more
    CPU per request than the server, and on the same machine it would be what is measured.
    """
    latencies: list[float] = []
    errors = 0
    data = archive()
    wanted = 202 if call == "submit" else 200
    prepared = {
        "page": [page_request()],
        "baseline": [b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"],
        "submit": [submit_request(token, data) for token in tokens],
    }[call]
    remaining = iter(range(requests))

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for n in remaining:
                began = time.perf_counter()
                status = await exchange(reader, writer, prepared[n % len(prepared)])
                latencies.append(time.perf_counter() - began)
                errors += status != wanted
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - began, latencies, errors


def report(name: str, seconds: float, latencies: list[float], errors: int) -> float:
    cuts = statistics.quantiles(latencies, n=100)
    p50, p95, p99 = (1000 * cuts[i] for i in (49, 94, 98))
    print(
        f"{name:<26} {len(latencies) / seconds:8.0f} req/s   p50 {p50:7.1f} ms   "
        f"p95 {p95:7.1f} ms   p99 {p99:7.1f} ms   errors {errors}"
    )
    return p95


def side_by_side(
    name: str, measured: Measured, baseline: Measured, target_ms: float
) -> None:
    """The endpoint's figures, its baseline's, the ratio of the p95s and the target."""
    base = report("  baseline (bare ASGI app)", *baseline)
    p95 = report(name, *measured)
    verdict = "met" if p95 < target_ms else "MISSED"
    print(
        f"  p95 ratio to the baseline: {p95 / base:.1f}x; "
        f"target p95 < {target_ms:g} ms: {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scorecards", type=int, default=10_000)
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a shorter run: 2,000 scorecards and 1,000 requests per measurement",
    )
    args = parser.parse_args()
    if args.quick:
        args.scorecards, args.requests = 2_000, 1_000
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        data_dir = Path(tmp)
        began = time.perf_counter()
        tokens = seed(data_dir, scorecards=args.scorecards, students=args.students)
        print(
            f"seeded {args.scorecards} scorecards for {args.students} students in "
            f"{time.perf_counter() - began:.1f} s; {args.clients} concurrent clients, "
            f"{args.requests} requests per measurement; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        port, bare_port = free_port(), free_port()
        server, bare = serve(data_dir, port), serve_baseline(bare_port)
        try:
            common = {
                "clients": args.clients,
                "requests": args.requests,
                "tokens": tokens,
            }
            # The first request computes the standings from every scorecard.
            cold = asyncio.run(
                load(port, call="page", tokens=tokens, clients=1, requests=1)
            )
            asyncio.run(load(port, call="page", tokens=tokens, clients=5, requests=50))
            asyncio.run(load(bare_port, call="baseline", **common))  # warm up
            page_base = asyncio.run(load(bare_port, call="baseline", **common))
            page = asyncio.run(load(port, call="page", **common))
            submit_base = asyncio.run(load(bare_port, call="baseline", **common))
            submit = asyncio.run(load(port, call="submit", **common))
        finally:
            for process in (server, bare):
                process.terminate()
                process.wait(20)
    print(f"first GET / (cold, computes the standings): {1000 * cold[1][0]:.0f} ms")
    side_by_side("GET / (leaderboard)", page, page_base, 50)
    side_by_side("POST /api/v1/submissions", submit, submit_base, 100)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
