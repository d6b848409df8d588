"""Criteria judged from saved scorecards: exercises passed, engineering checks green."""

from __future__ import annotations

from grader.registry.declaration import CheckDeclaration
from grader.registry.checks import declaration, declarations
from grader.progress.collect import ExerciseProgress
from grader.scorecard.caps import cap_text
from grader.scorecard.model import Scorecard
from grader.stages.model import Evaluate, Finding, StageContext

MESSAGE_CHARS = 160


def engineering() -> list[CheckDeclaration]:
    """The checks a stage counts as engineering checks (a `stage` hint), in order."""
    return [d for d in declarations() if d.stage is not None]


def fix_step(ctx: StageContext, entry: ExerciseProgress, check_id: str) -> str:
    """What to run in the exercise's workspace to fix the check, then submit again."""
    hint = declaration(check_id).stage
    command = hint.fix_command if hint else "grader test"
    return f"cd {workspace_of(ctx, entry)} && {command}, then grader submit"


def exercises_passed(ctx: StageContext) -> Finding:
    """Every exercise of the stage has a saved scorecard with status pass."""
    if not ctx.exercises:
        return Finding(True, f"the exercise pack has no stage {ctx.stage} exercises")
    details: list[str] = []
    not_started: list[ExerciseProgress] = []
    not_passed: list[ExerciseProgress] = []
    for entry in ctx.exercises:
        best = entry.best
        if entry.passed and best:
            details.append(
                f"{entry.slug}: passed (best {_score(entry)}, "
                f"{len(entry.attempts)} attempt(s))"
            )
        elif not entry.started:
            not_started.append(entry)
            details.append(f"{entry.slug}: not started")
        else:
            not_passed.append(entry)
            details.append(
                f"{entry.slug}: not passed yet "
                + (
                    f"(best {_score(entry)} {best.card.status}, "
                    f"{len(entry.attempts)} attempt(s))"
                    if best
                    else "(started, never submitted)"
                )
            )
    total = len(ctx.exercises)
    done = total - len(not_started) - len(not_passed)
    evidence = f"{done} of {total} stage {ctx.stage} exercises passed"
    if not_started:
        evidence += f"; {len(not_started)} not started"
    if done == total:
        return Finding(True, evidence, details=tuple(details))
    if not_passed:
        first = not_passed[0]
        step = f"grader submit {workspace_of(ctx, first)}"
        if first.last and first.last.card.message:
            step += f" (last time: {cap_text(first.last.card.message, MESSAGE_CHARS)})"
    else:
        first = not_started[0]
        name = first.slug.rpartition("/")[2]
        step = (
            f"grader start {first.slug} {name} (in {ctx.repo}), solve it, "
            f"then grader submit {name}"
        )
    others = len(not_started) + len(not_passed) - 1
    if others:
        step += f"; {others} more exercise(s) to go after that"
    return Finding(False, evidence, step, tuple(details))


def engineering_checks(min_percent: float | None = None) -> Evaluate:
    """The engineering checks (flake8, black, coverage, ... where graded) pass on each
    latest scorecard.

    `min_percent`: what a stage demands above the exercise's own threshold of the checks
    that measure a percentage (coverage).
    """

    def evaluate(ctx: StageContext) -> Finding:
        counted = [d.id for d in engineering()]
        measured = [d.id for d in engineering() if d.stage and d.stage.percent]
        graded = [e for e in ctx.exercises if e.last]
        if not graded:
            return Finding(
                False,
                f"no scorecard for a stage {ctx.stage} exercise yet",
                f"grader submit DIR in a stage {ctx.stage} workspace "
                f"(grader list --stage {ctx.stage} shows the exercises)",
            )
        seen: list[str] = []
        problems: list[tuple[ExerciseProgress, str, str]] = []
        for entry in graded:
            card = entry.attempts[-1].card
            seen += [c.id for c in card.checks if c.id in counted]
            problems += [
                (entry, check_id, why)
                for check_id, why in _not_green(card, min_percent)
            ]
        seen = [c for c in counted if c in seen]
        names = ", ".join(seen) or "no engineering checks"
        if min_percent is not None:
            names += f" ({', '.join(measured)} > {min_percent:g}%)"
        details = tuple(f"{e.slug}: {cid} {why}" for e, cid, why in problems)
        if not problems:
            return Finding(
                True,
                f"{names} pass on the latest scorecard of all {len(graded)} graded "
                f"stage {ctx.stage} exercise(s)",
            )
        entry, check_id, _ = problems[0]
        failing = len({e.slug for e, _, _ in problems})
        return Finding(
            False,
            f"{len(problems)} engineering check(s) not green on the latest scorecards of "
            f"{failing} of {len(graded)} graded exercise(s); checked: {names}",
            fix_step(ctx, entry, check_id),
            details,
        )

    return evaluate


def _not_green(card: Scorecard, min_percent: float | None) -> list[tuple[str, str]]:
    """(check id, why) for each engineering check of `card` that is not green."""
    found = []
    for check in card.checks:
        hint = declaration(check.id).stage
        if hint is None:
            continue
        if check.status != "pass":
            why = cap_text(check.message, MESSAGE_CHARS) or "no message"
            found.append((check.id, f"{check.status}: {why}"))
        elif hint.percent is not None and min_percent is not None:
            percent = hint.percent(check)
            if percent is None:
                found.append((check.id, f"no {check.id} figure in the scorecard"))
            elif percent <= min_percent:
                found.append(
                    (check.id, f"{percent:.1f}%, more than {min_percent:g}% needed")
                )
    return found


def _score(entry: ExerciseProgress) -> str:
    best = entry.best
    return f"{best.card.score:g}/{best.card.max_score:g}" if best else "-"


def workspace_of(ctx: StageContext, entry: ExerciseProgress) -> str:
    """The exercise's workspace as the student names it (its folder name if none)."""
    if entry.workspaces:
        return ctx.relative(entry.workspaces[0])
    return entry.slug.rpartition("/")[2]
