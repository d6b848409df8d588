"""Throwaway Redis and PostgreSQL servers for the class server's tests, on loopback ports.

A missing binary skips the tests that need it, with the reason, on a developer's machine;
under CI=true or GRADER_REQUIRE_SERVICES=1 it fails them instead (`.ci/run` installs both).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

POSTGRES_ENV = "GRADER_TEST_POSTGRES_URL"


def services_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true"
        or os.environ.get("GRADER_REQUIRE_SERVICES") == "1"
    )


def unavailable(reason: str) -> None:
    """Skip with `reason`, or fail where the services are required."""
    if services_required():
        pytest.fail(f"{reason} (CI=true or GRADER_REQUIRE_SERVICES=1 require it)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{what} did not listen on port {port} in 30 s")


class RedisServer:
    """`redis-server` in the foreground on a free port, nothing saved to disk."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable(
                "redis-server is not installed (Debian: apt-get install redis-server)"
            )
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                str(binary),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process, "redis-server")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def flush(self) -> None:
        """Forget every message, as a broker restarted without persistence would."""
        import redis

        redis.Redis.from_url(self.url).flushall()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


class PostgresCluster:
    """A cluster made with Debian's initdb in a tmp dir, or GRADER_TEST_POSTGRES_URL."""

    def __init__(self) -> None:
        self.external = os.environ.get(POSTGRES_ENV)
        self.root: Path | None = None
        if self.external:
            return
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            unavailable(
                "PostgreSQL is not installed (Debian: apt-get install postgresql), "
                f"and {POSTGRES_ENV} is not set"
            )
        bin_dir = Path(found[-1]).parent
        self.user = _cluster_user()
        # Not under pytest's tmp dir: its parents are closed to the cluster's user.
        self.root = Path(tempfile.mkdtemp(prefix="grader-pg-"))
        if self.user is not None:
            shutil.chown(self.root, self.user)
        self.port = free_port()
        data = self.root / "data"
        self._run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "grader"]
            + ["--auth=trust", "-E", "UTF8", "--no-sync"]
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data)]
        self._run(
            self.pg_ctl
            + ["-l", str(self.root / "log"), "-o", options, "-w", "-t", "60", "start"]
        )

    @property
    def admin_url(self) -> str:
        if self.external:
            return self.external
        return f"postgresql://grader@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        """The URL of a new empty database in the cluster."""
        from sqlalchemy import create_engine, text

        from grader.leaderboard.db import driver_url

        name = f"grader_test_{uuid.uuid4().hex[:12]}"
        engine = create_engine(driver_url(self.admin_url), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        base = self.admin_url.rsplit("/", 1)[0]
        return f"{base}/{name}"

    def drop_database(self, url: str) -> None:
        from sqlalchemy import create_engine, text

        from grader.leaderboard.db import driver_url

        name = url.rsplit("/", 1)[1]
        engine = create_engine(driver_url(self.admin_url), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    def stop(self) -> None:
        if self.root is None:
            return
        self._run(self.pg_ctl + ["-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, command: list[str]) -> None:
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--"] + command
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} failed: {done.stdout}{done.stderr}"
            )


def _cluster_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, run it as `postgres` (or nobody)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    unavailable("running as root with neither a postgres nor a nobody user")
    return None
