"""The server's settings: one frozen object, built from the command line and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.errors import GraderError

DATABASE_FILE = "grader.db"
QUEUE_KINDS = ("inprocess", "celery")
DEFAULT_BROKER_URL = "redis://localhost:6379/0"
MIB = 1024 * 1024


class SettingsError(GraderError):
    """A setting (option or environment variable) has a value the server cannot use."""


@dataclass(frozen=True)
class ArchiveLimits:
    """What an uploaded archive may hold; anything beyond is rejected before extraction."""

    max_files: int = 200
    max_total_bytes: int = 16 * MIB
    # A ratio this high only matters past `ratio_floor_bytes`: small text compresses well too.
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 1 * MIB
    max_path_chars: int = 240


@dataclass(frozen=True)
class Settings:
    """Everything `create_app` and the workers need; defaults suit a class on one machine."""

    data_dir: Path
    database_url: str | None = None
    exercises_dir: Path | None = None
    backend: str = "auto"
    workers: int = 2
    queue: str = "inprocess"
    max_upload_bytes: int = 5 * MIB
    archive: ArchiveLimits = field(default_factory=ArchiveLimits)
    rate_limit: int = 10
    rate_window_seconds: float = 60.0
    refresh_seconds: int = 30
    force_pseudonyms: bool = False
    # The board (page and API) without signing in, with pseudonyms only. Off: every page
    # and the leaderboard API need a signed-in student or the teacher.
    public_board: bool = False
    # The session cookie is Secure (sent over HTTPS, and by browsers to localhost). Off only
    # for a classroom LAN on plain HTTP, where browsers would drop a Secure cookie.
    secure_cookies: bool = True
    # Queued this long with no live worker: the job shows as delayed (teacher, student).
    stalled_after_seconds: float = 60.0
    # Grade below full isolation (bwrap without a cgroup, local); every such score is
    # marked on the board and in the export. Off: such a job ends as an error that says so.
    allow_reduced_isolation: bool = False
    idle_poll_seconds: float = 1.0
    max_attempts: int = 3
    broker_url: str = DEFAULT_BROKER_URL
    # Seconds before Redis hands a job whose worker vanished to another worker; must be
    # longer than the slowest grading (an exercise's run_seconds plus the sandbox's start).
    visibility_timeout: float = 900.0

    @property
    def db_url(self) -> str:
        """DATABASE_URL when given, else a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / DATABASE_FILE).resolve()}"

    @property
    def archives_dir(self) -> Path:
        return self.data_dir / "archives"

    @property
    def work_dir(self) -> Path:
        """Where archives are extracted for grading; each job gets a fresh folder here."""
        return self.data_dir / "work"

    def with_changes(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]


def settings_from_env(
    *,
    data_dir: Path | None = None,
    exercises_dir: Path | None = None,
    **overrides: object,
) -> Settings:
    """Settings from options (`overrides`) over the environment over the defaults.

    Environment: GRADER_DATA_DIR, DATABASE_URL, GRADER_QUEUE (inprocess or celery),
    GRADER_BROKER_URL, GRADER_VISIBILITY_TIMEOUT (seconds), GRADER_RATE_LIMIT (submissions
    per minute), GRADER_MAX_UPLOAD_MB, GRADER_ALLOW_REDUCED_ISOLATION (1 or true),
    GRADER_PUBLIC_BOARD (1: the board without signing in, pseudonyms only),
    GRADER_INSECURE_COOKIES (1: a session cookie without Secure, for plain HTTP on a LAN).
    """
    env = os.environ
    values: dict[str, object] = {
        "data_dir": Path(data_dir or env.get("GRADER_DATA_DIR") or "grader-data"),
        "database_url": env.get("DATABASE_URL") or None,
        "exercises_dir": exercises_dir,
        "queue": env.get("GRADER_QUEUE", "inprocess"),
        "broker_url": env.get("GRADER_BROKER_URL") or DEFAULT_BROKER_URL,
    }
    if "GRADER_VISIBILITY_TIMEOUT" in env:
        values["visibility_timeout"] = float(
            _positive_int("GRADER_VISIBILITY_TIMEOUT", env)
        )
    if "GRADER_RATE_LIMIT" in env:
        values["rate_limit"] = _positive_int("GRADER_RATE_LIMIT", env)
    if env.get("GRADER_ALLOW_REDUCED_ISOLATION", "").lower() in ("1", "true", "yes"):
        values["allow_reduced_isolation"] = True
    for name, key in (
        ("GRADER_PUBLIC_BOARD", "public_board"),
        ("GRADER_INSECURE_COOKIES", "secure_cookies"),
    ):
        if env.get(name, "").lower() in ("1", "true", "yes"):
            values[key] = key == "public_board"
    if "GRADER_MAX_UPLOAD_MB" in env:
        values["max_upload_bytes"] = _positive_int("GRADER_MAX_UPLOAD_MB", env) * MIB
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.queue not in QUEUE_KINDS:
        raise SettingsError(
            f"GRADER_QUEUE={settings.queue!r} is not a queue this server runs; "
            f"use one of: {', '.join(QUEUE_KINDS)}"
        )
    return settings


def _positive_int(name: str, env: os._Environ[str]) -> int:
    try:
        value = int(env[name])
    except ValueError:
        value = 0
    if value < 1:
        raise SettingsError(f"{name}={env[name]!r} must be a positive whole number")
    return value
