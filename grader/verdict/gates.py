"""The gates of a pass: what must hold besides the score reaching the pass mark.

- Each task of the hidden tests reaches its minimum: every test marked `core` passes, and
  at least `minimum` percent of the task's points (exercise.toml, default 50) are earned.
- Each engineering check (flake8, black, coverage, the Dockerfile, types: every check but
  the hidden tests) passes.

Engineering points follow the work: each engineering check's score is scaled by the share
of the hidden tests' points earned, so an untouched starter scores 0 and half a solution
earns half of them.
"""

from __future__ import annotations

from grader.catalog.model import Exercise
from grader.registry.checks import declaration
from grader.scorecard.model import CheckResult, Gate, outcomes_of

# How many of the gates that did not hold the verdict's line names.
NAMED_IN_VERDICT = 3


def hidden_tests(checks: list[CheckResult]) -> CheckResult | None:
    """The check whose tests are the exercise's hidden suite."""
    return next((c for c in checks if declaration(c.id).lists_tests), None)


def hidden_share(checks: list[CheckResult]) -> float:
    """The share of the hidden tests' points earned: 1.0 for an exercise without them."""
    hidden = hidden_tests(checks)
    if hidden is None:
        return 1.0
    if hidden.status not in ("pass", "fail"):
        return 0.0
    return max(0.0, min(1.0, declaration(hidden.id).fraction(hidden)))


def scale_engineering(checks: list[CheckResult]) -> None:
    """Scale each engineering check's score by the hidden tests' share (in place)."""
    share = hidden_share(checks)
    for check in checks:
        if not declaration(check.id).lists_tests and share < 1.0:
            check.score = round(check.score * share, 2)


def gates(exercise: Exercise, checks: list[CheckResult]) -> list[Gate]:
    """Every gate of the run, the tasks' first, in the exercise's order."""
    found: list[Gate] = []
    hidden = hidden_tests(checks)
    if hidden is not None:
        found += task_gates(exercise, hidden)
    for check in checks:
        if check is hidden:
            continue
        held = check.status == "pass"
        found.append(
            Gate(
                id=check.id,
                held=held,
                why="" if held else f"{check.title}: {check.message or check.status}",
            )
        )
    return found


def task_gates(exercise: Exercise, hidden: CheckResult) -> list[Gate]:
    ran = hidden.status in ("pass", "fail")
    outcomes = outcomes_of(hidden)
    found = []
    for task in exercise.tasks:
        name = f"task {task.id} ({task.title_en})"
        if not ran:
            found.append(
                Gate(f"task-{task.id}", False, f"{name}: the hidden tests did not run")
            )
            continue
        mine = [t for t in outcomes if t.task == task.id]
        total = sum(t.points for t in mine)
        earned = sum(t.points for t in mine if t.status == "passed")
        failed_core = [t for t in mine if t.core and t.status != "passed"]
        problems = []
        if total and 100.0 * earned < task.minimum * total:
            problems.append(
                f"at {earned:g} of {total:g} points ({task.minimum:g}% needed)"
            )
        if failed_core:
            first = failed_core[0].title
            more = f" and {len(failed_core) - 1} more" if len(failed_core) > 1 else ""
            problems.append(f"its core test “{first}”{more} must pass")
        found.append(
            Gate(
                id=f"task-{task.id}",
                held=not problems,
                why=f"{name}: " + "; ".join(problems) if problems else "",
                task=task.id,
            )
        )
    return found


def failed_gates_line(found: list[Gate]) -> str:
    """The gates that did not hold, for the verdict's line: the first few, then a count."""
    failed = [g.why for g in found if not g.held]
    line = "; ".join(failed[:NAMED_IN_VERDICT])
    if len(failed) > NAMED_IN_VERDICT:
        line += f"; and {len(failed) - NAMED_IN_VERDICT} more"
    return line
