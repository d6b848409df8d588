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

from grader.catalog.model import Exercise, Task
from grader.i18n.message import Message, both, msg
from grader.registry.checks import declaration
from grader.scorecard.model import CheckResult, Gate, outcomes_of, parts

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
        found.append(_gate(check.id, None if held else check_why(check), task=None))
    return found


def check_why(check: CheckResult) -> Message:
    """`flake8 (PEP 8 and errors): 3 problem(s); …`: the check's title and message."""
    title = declaration(check.id)
    problem: Message | str = check.message or check.status
    if check.message_id:
        problem = Message(check.message_id, check.message_params or {})
    return msg(
        "{check}: {problem}",
        check=both(check.title, title.title_zh),
        problem=problem,
    )


def task_name(task: Task) -> Message:
    return msg(
        "task {task} ({title})", task=task.id, title=both(task.title_en, task.title_zh)
    )


def _gate(gate_id: str, why: Message | None, *, task: int | None) -> Gate:
    if why is None:
        return Gate(id=gate_id, held=True, why="", task=task)
    text, why_id, why_params = parts(why)
    return Gate(gate_id, False, text, task=task, why_id=why_id, why_params=why_params)


def task_gates(exercise: Exercise, hidden: CheckResult) -> list[Gate]:
    ran = hidden.status in ("pass", "fail")
    outcomes = outcomes_of(hidden)
    found = []
    for task in exercise.tasks:
        name = task_name(task)
        if not ran:
            why = msg("{task}: the hidden tests did not run", task=name)
            found.append(_gate(f"task-{task.id}", why, task=None))
            continue
        mine = [t for t in outcomes if t.task == task.id]
        total = sum(t.points for t in mine)
        earned = sum(t.points for t in mine if t.status == "passed")
        failed_core = [t for t in mine if t.core and t.status != "passed"]
        problems = []
        if total and 100.0 * earned < task.minimum * total:
            problems.append(
                msg(
                    "at {earned:g} of {total:g} points ({minimum:g}% needed)",
                    earned=earned,
                    total=total,
                    minimum=task.minimum,
                )
            )
        if len(failed_core) == 1:
            problems.append(
                msg("its core test “{title}” must pass", title=failed_core[0].title)
            )
        elif failed_core:
            problems.append(
                msg(
                    "its core test “{title}” and {count} more must pass",
                    title=failed_core[0].title,
                    count=len(failed_core) - 1,
                )
            )
        why = msg("{task}: {problems}", task=name, problems=problems)
        found.append(_gate(f"task-{task.id}", why if problems else None, task=task.id))
    return found


def failed_gates_line(found: list[Gate]) -> list[Message | str]:
    """The gates that did not hold, for the verdict's line: the first few, then a count."""
    failed = [_why(g) for g in found if not g.held]
    line = failed[:NAMED_IN_VERDICT]
    if len(failed) > NAMED_IN_VERDICT:
        line.append(msg("and {count} more", count=len(failed) - NAMED_IN_VERDICT))
    return line


def _why(gate: Gate) -> Message | str:
    return Message(gate.why_id, gate.why_params or {}) if gate.why_id else gate.why
