"""The API's response bodies (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

JobStatus = Literal["queued", "running", "done", "error"]


class ErrorBody(BaseModel):
    """Every refusal: a stable code and a sentence that says what to do."""

    error: str = Field(examples=["unknown_exercise"])
    message: str = Field(examples=["this server has no exercise 'grade-bok'"])


class SubmissionAccepted(BaseModel):
    id: str
    exercise: str = Field(description="The qualified slug, e.g. stage1/grade-book.")
    status: JobStatus
    position: int | None = Field(
        description="Place in the grading queue (1 = next); null once grading started."
    )
    status_url: str = Field(description="Poll this URL for the status and scorecard.")


class SubmissionStatus(BaseModel):
    id: str
    exercise: str
    student: str
    status: JobStatus
    position: int | None
    delayed: str | None = Field(
        None,
        description="Set when the job has waited over a minute with no live worker: "
        "grading is delayed, and this says the place in line.",
    )
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result: Literal["pass", "fail", "error"] | None = Field(
        description="The scorecard's status once graded."
    )
    score: float | None
    max_score: float | None
    message: str
    scorecard: dict[str, Any] | None = Field(
        description="The scorecard (see `grader schema`) once status is done."
    )


class LeaderboardRow(BaseModel):
    rank: int
    student: str = Field(description="The name, or the pseudonym when asked for.")
    score: float
    max_score: float
    percent: float = Field(
        description="Of the maximum over every exercise in scope, attempted or not."
    )
    exercises: int = Field(description="Exercises with a graded submission.")
    passed: int = Field(
        0, description="Exercises passed (every gate held): the first key of the rank."
    )
    submissions: int
    reached_at: datetime = Field(description="When this score was first reached.")
    reduced_isolation: bool = Field(
        False,
        description="Some best score here was graded below full isolation (allowed by "
        "the teacher with --allow-reduced-isolation).",
    )


class Leaderboard(BaseModel):
    stage: int | None
    exercise: str | None
    pseudonyms: bool
    rows: list[LeaderboardRow]


class ExerciseInfo(BaseModel):
    slug: str
    stage: int
    title: str
    title_zh: str


class Health(BaseModel):
    status: Literal["ok"]
    queue: str = Field(description="inprocess, or celery (grader worker processes).")
    workers: int = Field(
        description="Grading slots of the live workers: this server's threads and every "
        "`grader worker` process that beat in the last 20 s."
    )
    worker_processes: int = Field(0, description="Live worker processes.")
    stalled: int = Field(
        0,
        description="Jobs queued for over a minute while no worker is live: nobody is "
        "grading them.",
    )
    jobs: dict[str, int]
