"""Grading one workspace end to end: collect, run in a backend, validate, weigh, scorecard."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.catalog.model import Exercise
from grader.registry.declaration import HostJob
from grader.registry.checks import CHECKS, declaration
from grader.clock import utc_stamp
from grader.runner import Backend, isolation_level, require_backend
from grader.runner.backend import RunOutcome
from grader.runner.job import Job, prepare_job, remove_job
from grader.runner.log_stream import ProgressCallback
from grader.sandbox.results import RESULTS_MAX_BYTES
from grader.runner.submission import Submission, collect_submission
from grader.i18n.message import Message, msg
from grader.scorecard.caps import MESSAGE_CHARS, cap_text, clean_text
from grader.verdict.builder import (
    build_scorecard,
    not_graded,
    runner_info,
    score_check,
)
from grader.scorecard.model import CheckResult, Scorecard, SubmissionRef
from grader.scorecard.serialize import check_errors, check_from_dict, loads_finite

# The checks that run on the host's engine, never in the sandbox.
HOST_CHECKS = frozenset(c.id for c in CHECKS if c.runs_in == "host")


class MalformedResults(ValueError):
    """The results document breaks its shape: a non-finite or absurd number, a bad check."""


def grade_workspace(
    workspace: Path,
    *,
    exercise: Exercise,
    backend: Backend,
    deadline: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> Scorecard:
    """Grade the allow-listed files of `workspace`. Every outcome is a scorecard.

    `deadline` (time.monotonic()) is when the whole grading must be over: the host's
    checks get what the sandbox's run left of it. `on_progress` receives what the grading
    is doing as it goes (`{"step": ...}`, and each check's `{"check": id, "state": ...}`),
    for display only. An exercise whose `backends` leaves out `backend` is refused
    (BackendRefused) before anything runs.
    """
    if exercise.check("tests") is not None:  # the student's own checks run anywhere
        require_backend(backend, exercise)
    say = on_progress or (lambda event: None)
    say({"step": "preparing"})
    started = utc_stamp()
    clock = time.monotonic()
    submission = collect_submission(workspace, exercise)
    if submission.problems:
        return _finish(
            exercise,
            submission,
            backend,
            started,
            clock,
            checks=not_graded(exercise, msg("the submission could not be collected")),
            # each problem says what to do; in Chinese too, joined with "；"
            message=msg("{problems}", problems=list(submission.problems)),
            outcome=None,
        )
    job = prepare_job(exercise, submission)
    try:
        say({"step": "sandbox", "backend": backend.name})
        outcome = backend.run(job, on_progress)
        report = read_results(job, outcome)
        if any(c.id in HOST_CHECKS for c in exercise.checks):
            say({"step": "host checks"})
        host = run_host_checks(job, backend, deadline=deadline)
        checks = merge_host_checks(exercise, report.checks, host)
    finally:
        remove_job(job)
    return _finish(
        exercise,
        submission,
        backend,
        started,
        clock,
        checks=checks,
        message=report.said or report.problem,
        outcome=outcome,
        sandbox_facts=report.facts,
    )


@dataclass
class SandboxReport:
    """What the sandbox's run reported, validated: its checks and its isolation facts.

    `problem` is set (and the checks are errors) when the run reported nothing usable.
    """

    checks: list[CheckResult]
    problem: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    # `problem` as a message (its id and parameters), for the scorecard.
    said: Message | None = None


def _not_graded(exercise: Exercise, reason: Message) -> SandboxReport:
    checks = not_graded(exercise, reason, status="error")
    return SandboxReport(checks, reason.text, said=reason)


# The isolation facts a sandbox may report, each an object (the scorecard's schema holds
# their fields): anything else in the results is refused as malformed.
SANDBOX_FACTS = frozenset({"hidden_tests"})


def read_results(job: Job, outcome: RunOutcome) -> SandboxReport:
    """The checks from the run's results file, validated; or error checks and the reason."""
    exercise = job.exercise
    if outcome.timed_out:
        reason = msg(
            "the grading run took longer than {seconds:g} s and was stopped; look for "
            "an endless loop or a very slow test in your code",
            seconds=exercise.limits.run_seconds,
        )
        return _not_graded(exercise, reason)
    if outcome.out_of_memory:
        reason = msg(
            "the grading run used more than {memory} MB of memory and was stopped; "
            "look for data structures that grow without bound",
            memory=exercise.limits.memory_mb,
        )
        return _not_graded(exercise, reason)
    path = job.results_path
    try:
        if path.is_symlink() or not path.is_file():
            raise ValueError("no results file was written")
        strays = sorted(p.name for p in path.parent.iterdir() if p != path)
        if strays:  # the entrypoint writes one file: anything else came from elsewhere
            raise ValueError(
                f"the output folder holds files of unknown origin: {strays[:5]}"
            )
        if path.stat().st_size > RESULTS_MAX_BYTES:
            raise ValueError(
                f"the results file is larger than {RESULTS_MAX_BYTES} bytes"
            )
        if outcome.exit_code != 0:
            raise ValueError("the grading process did not finish cleanly")
        try:
            document = scrub(loads_finite(path.read_text(encoding="utf-8")))
        except ValueError as exc:  # NaN, Infinity, 1e400 or not JSON at all
            raise MalformedResults(f"not standard JSON: {exc}") from None
        if not isinstance(document, dict) or document.get("nonce") != job.nonce:
            raise ValueError("the results file was not written by this run's grader")
        checks = _validated_checks(document, exercise)
        facts = _validated_facts(document)
    except MalformedResults as exc:
        reason = msg(
            "the results from the sandbox were malformed ({error}); nothing was scored",
            error=cap_text(str(exc), MESSAGE_CHARS - 200),
        )
        return _not_graded(exercise, reason)
    except (ValueError, OSError) as exc:
        tail = clean_text(outcome.log_tail)[-1000:]
        reason = msg(
            "the grader crashed inside the sandbox ({error}; exit code {code}){tail}",
            error=cap_text(str(exc), 500),
            code=outcome.exit_code,
            tail=(": " + tail) if tail else "",
        )
        return _not_graded(exercise, reason)
    return SandboxReport(checks, facts=facts)


def _validated_facts(document: dict[str, Any]) -> dict[str, Any]:
    facts = document.get("integrity", {})
    if not isinstance(facts, dict):
        raise MalformedResults("the isolation facts are not an object")
    unknown = sorted(set(facts) - SANDBOX_FACTS)
    if unknown:
        raise MalformedResults(f"unknown isolation facts: {unknown[:5]}")
    if any(not isinstance(value, dict) for value in facts.values()):
        raise MalformedResults("an isolation fact is not an object")
    return facts


def scrub(value: Any) -> Any:
    """Replace lone surrogates (valid in JSON escapes, not in UTF-8) throughout a document."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    return value


def _validated_checks(document: Any, exercise: Exercise) -> list[CheckResult]:
    if not isinstance(document, dict) or not isinstance(document.get("checks"), list):
        raise MalformedResults("the results file is not a results document")
    by_id: dict[str, CheckResult] = {}
    for raw in document["checks"]:
        errors = check_errors(raw)
        if errors:
            raise MalformedResults(f"invalid check result: {errors[0]}")
        if raw["id"] in by_id:
            raise MalformedResults(f"check {raw['id']} reported twice")
        by_id[raw["id"]] = check_from_dict(raw)
    checks = []
    for config in exercise.checks:
        if config.id in HOST_CHECKS:
            continue
        if config.id not in by_id:
            raise MalformedResults(f"check {config.id} did not report")
        check = score_check(by_id[config.id], config.weight)
        if not (math.isfinite(check.score) and math.isfinite(check.max_score)):
            raise MalformedResults(f"check {config.id} scores {check.score}")
        checks.append(check)
    return checks


def run_host_checks(
    job: Job, backend: Backend, *, deadline: float | None = None
) -> dict[str, CheckResult]:
    """Checks that need the host (building the student's Dockerfile), never the sandbox.

    Each ends by `deadline` (time.monotonic()) when one is given, whatever its own limits.
    """
    host = HostJob(
        submission=job.root / "submission",
        client=getattr(backend, "client", None),
        image=getattr(backend, "image", None),
        deadline=deadline,
    )
    return {
        config.id: declaration(config.id).run(host, config)
        for config in job.exercise.checks
        if config.id in HOST_CHECKS
    }


def merge_host_checks(
    exercise: Exercise, checks: list[CheckResult], host: dict[str, CheckResult]
) -> list[CheckResult]:
    """The sandbox's checks and the host's, in the exercise's order, scored by the host."""
    by_id = {c.id: c for c in checks}
    for check_id, check in host.items():
        config = exercise.check(check_id)
        by_id[check_id] = score_check(check, config.weight if config else 0.0)
    return [by_id[c.id] for c in exercise.checks if c.id in by_id]


def _finish(
    exercise: Exercise,
    submission: Submission,
    backend: Backend,
    started: str,
    clock: float,
    *,
    checks: list[CheckResult],
    message: Message | str,
    outcome: RunOutcome | None,
    sandbox_facts: dict[str, Any] | None = None,
) -> Scorecard:
    level, level_reason = isolation_level(
        backend, outcome.integrity if outcome is not None else None
    )
    integrity: dict[str, Any] = {
        "level": level,
        "level_reason": level_reason,
        "sandboxed": backend.sandboxed,
        "allowed_files": list(exercise.submitted_files),
        "ignored_files": submission.ignored,
    }
    if getattr(backend, "auto_choice", None):
        integrity["backend_choice"] = backend.auto_choice  # type: ignore[attr-defined]
    if outcome is not None:
        integrity.update(outcome.integrity)
    integrity.update(sandbox_facts or {})
    return build_scorecard(
        exercise,
        submission=SubmissionRef(sha256=submission.sha256, files=submission.files),
        runner=runner_info(
            backend.name,
            backend.sandboxed,
            image=outcome.image if outcome else None,
            image_digest=outcome.image_digest if outcome else None,
        ),
        checks=checks,
        integrity=integrity,
        started_at=started,
        duration=time.monotonic() - clock,
        message=message,
    )
