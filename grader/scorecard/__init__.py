"""Scorecard v1: model, JSON Schema and serializer."""

from grader.scorecard.model import (
    SCHEMA_VERSION,
    CheckResult,
    ExerciseRef,
    RunnerInfo,
    Scorecard,
    SubmissionRef,
    SubmittedFile,
    TestOutcome,
)
from grader.scorecard.serialize import dumps, load, schema_errors, scorecard_schema

__all__ = [
    "SCHEMA_VERSION",
    "CheckResult",
    "ExerciseRef",
    "RunnerInfo",
    "Scorecard",
    "SubmissionRef",
    "SubmittedFile",
    "TestOutcome",
    "dumps",
    "load",
    "schema_errors",
    "scorecard_schema",
]
