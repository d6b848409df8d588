"""The one scorecard builder: every scorecard grader writes is assembled here.

`grader submit`, `grader batch`, `grader ci` and the Exercism runner reach it through
`grader.pipeline.grade_workspace`; the class server's workers call `error_scorecard` for a
submission they could not grade. Each check's score (`score_check`), the total and the
verdict (pass, fail or error, and its message) are decided here and nowhere else, on the
host, from what the checks reported.
"""

from __future__ import annotations

from typing import Any

from grader import __version__
from grader.catalog.model import Exercise
from grader.clock import utc_stamp
from grader.i18n.message import Message, msg
from grader.registry.checks import declaration
from grader.verdict.gates import failed_gates_line, gates, scale_engineering
from grader.scorecard.caps import MESSAGE_CHARS, cap_text
from grader.scorecard.model import (
    CheckResult,
    CheckStatus,
    ExerciseRef,
    Gate,
    RunnerInfo,
    RunStatus,
    Scorecard,
    SubmissionRef,
    parts,
)


def runner_info(
    backend: str,
    sandboxed: bool,
    *,
    image: str | None = None,
    image_digest: str | None = None,
) -> RunnerInfo:
    """What graded: this grader's version, the backend, and the image when there was one."""
    return RunnerInfo(
        grader_version=__version__,
        backend=backend,
        sandboxed=sandboxed,
        image=image,
        image_digest=image_digest,
    )


def build_scorecard(
    exercise: Exercise,
    *,
    submission: SubmissionRef,
    runner: RunnerInfo,
    checks: list[CheckResult],
    integrity: dict[str, Any],
    started_at: str,
    duration: float,
    message: Message | str = "",
) -> Scorecard:
    """The scorecard of one grading. `message` set means the grading itself went wrong.

    The status is `error` when the grading or any check errored, `pass` when every gate
    holds and the score reaches the exercise's pass mark, `fail` otherwise; the message
    says which and why.
    """
    scale_engineering(checks)
    found = gates(exercise, checks)
    score = round(sum(c.score for c in checks), 2)
    max_score = round(sum(c.max_score for c in checks), 2)
    status, said = verdict(exercise, checks, found, score, max_score, message)
    text, message_id, message_params = parts(said)
    return Scorecard(
        exercise=exercise_ref(exercise),
        submission=submission,
        runner=runner,
        started_at=started_at,
        finished_at=utc_stamp(),
        duration=round(duration, 3),
        status=status,
        score=score,
        max_score=max_score,
        pass_percent=exercise.pass_percent,
        message=cap_text(text, MESSAGE_CHARS),
        checks=checks,
        integrity=integrity,
        gates=found,
        message_id=message_id,
        message_params=message_params,
    )


def verdict(
    exercise: Exercise,
    checks: list[CheckResult],
    found: list[Gate],
    score: float,
    max_score: float,
    problem: Message | str,
) -> tuple[RunStatus, Message | str]:
    """The run's status and the one-line message a student reads first."""
    errored = [c for c in checks if c.status == "error"]
    if problem:
        return "error", problem
    if errored:
        first = errored[0]
        if first.message_id:
            return "error", Message(first.message_id, first.message_params or {})
        return "error", first.message
    reaches = bool(max_score) and 100.0 * score / max_score >= exercise.pass_percent
    numbers = {
        "score": score,
        "max_score": max_score,
        "pass_mark": exercise.pass_percent,
    }
    if reaches and all(g.held for g in found):
        return "pass", msg(
            "passed: {score:g} of {max_score:g} (pass mark {pass_mark:g}%)", **numbers
        )
    reasons = failed_gates_line(found) if not all(g.held for g in found) else []
    if not reaches:
        reasons.append(
            msg(
                "{score:g} of {max_score:g}, {pass_mark:g}% is needed to pass",
                **numbers,
            )
        )
    return "fail", msg("not yet: {reasons}", reasons=reasons)


def practice_scorecard(card: Scorecard) -> Scorecard:
    """`card`, graded on a students' edition without the hidden suite, marked as practice:
    its message says that it is not a grade and where the hidden suite runs."""
    graded: Message | str = card.message
    if card.message_id:
        graded = Message(card.message_id, card.message_params or {})
    text, message_id, message_params = parts(
        msg(
            "practice run, not a grade (your tests and the engineering checks only): "
            "{verdict}; the hidden suite runs on the class server: "
            "grader submit --server URL --token TOKEN",
            verdict=graded,
        )
    )
    card.practice = True
    card.message = cap_text(text, MESSAGE_CHARS)
    card.message_id, card.message_params = message_id, message_params
    return card


def error_scorecard(
    exercise: Exercise,
    message: Message | str,
    *,
    submission: SubmissionRef,
    runner: RunnerInfo,
    integrity: dict[str, Any],
) -> Scorecard:
    """A scorecard for a submission that could not be graded: every check `error`, 0."""
    now = utc_stamp()
    return build_scorecard(
        exercise,
        submission=submission,
        runner=runner,
        checks=not_graded(exercise, message, status="error"),
        integrity=integrity,
        started_at=now,
        duration=0.0,
        message=message,
    )


def score_check(check: CheckResult, weight: float) -> CheckResult:
    """The host, never the sandbox, scores a check: its weight times the share of it that
    the check's declaration reads from the facts the check reported."""
    check.max_score = float(weight)
    fraction = max(0.0, min(1.0, declaration(check.id).fraction(check)))
    # Full marks are the weight itself; a share of it is rounded to cents.
    check.score = float(weight) if fraction >= 1.0 else round(weight * fraction, 2)
    return check


def not_graded(
    exercise: Exercise, reason: Message | str, *, status: CheckStatus = "skipped"
) -> list[CheckResult]:
    """Every check of `exercise` as not graded, for `reason`, scoring 0 of its weight."""
    found = [
        CheckResult(
            id=c.id,
            title=declaration(c.id).title,
            status=status,
            score=0.0,
            max_score=float(c.weight),
        )
        for c in exercise.checks
    ]
    for check in found:
        check.say(msg("not graded: {reason}", reason=reason))
        check.message = cap_text(check.message, MESSAGE_CHARS)
    return found


def exercise_ref(exercise: Exercise) -> ExerciseRef:
    return ExerciseRef(
        slug=exercise.qualified_slug, stage=exercise.stage, version=exercise.version
    )
