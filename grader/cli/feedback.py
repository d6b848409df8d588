"""What a student reads after the scorecard: each failing task's hint and where its
instructions are, and after a pass, what comes next on the path; and what to do first,
after `grader start`."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.catalog.model import Exercise, Task
from grader.i18n.catalog import say
from grader.i18n.message import Message, both, msg
from grader.scorecard.model import Scorecard, outcomes_of
from grader.text_escape import terminal_text

# Test outcomes that make their task need a hint.
NOT_PASSED = ("failed", "error", "timeout")


def failing_tasks(card: Scorecard, exercise: Exercise) -> list[Task]:
    """The tasks with a test that did not pass or a gate that did not hold, in order."""
    ids = {g.task for g in card.gates if not g.held and g.task is not None}
    for check in card.checks:
        ids |= {t.task for t in outcomes_of(check) if t.status in NOT_PASSED}
    return [t for t in exercise.tasks if t.id in ids]


def print_hints(
    console: Console, card: Scorecard, exercise: Exercise, lang: str
) -> None:
    """Under the failures: each failing task's hint and its section of the instructions."""
    for task in failing_tasks(card, exercise):
        title = both(task.title_en, task.title_zh)
        console.print(
            Text(
                say(
                    msg("Hint for task {task} ({title}):", task=task.id, title=title),
                    lang,
                ),
                style="bold yellow",
            )
        )
        hint = (task.hint_zh if lang == "zh" else task.hint_en) or task.hint_en
        for line in hint.strip().splitlines():
            console.print(_indented(terminal_text(line), "  "))
        if lang == "zh":
            where = msg("see “Task {task}” in instructions.zh.md", task=task.id)
        else:
            where = msg("see “Task {task}” in instructions.md", task=task.id)
        console.print(Text("  → " + say(where, lang), style="cyan"))


def next_step(
    exercise: Exercise, pack_exercises: list[Exercise], passed: set[str]
) -> Message:
    """After a pass: the next exercise of the stage by `order` not yet passed, or the
    stage's exit criteria when every exercise of it is."""
    done = passed | {exercise.qualified_slug}
    stage = sorted(
        (e for e in pack_exercises if e.stage == exercise.stage),
        # Those after this one on the path first, then any skipped before it.
        key=lambda e: (e.order <= exercise.order, e.order, e.slug),
    )
    for candidate in stage:
        if candidate.qualified_slug not in done:
            return msg(
                "next: {slug} ({title}); start it with `grader start {slug}`",
                slug=candidate.qualified_slug,
                title=both(candidate.title_en, candidate.title_zh),
            )
    return msg(
        "every exercise of stage {stage} is passed: run `grader stage check {stage}`",
        stage=exercise.stage,
    )


def start_lines(slug: str, root: str, lang: str) -> list[str]:
    """What `grader start` says: the workspace, the instructions in the reader's language
    first (the other one beside it), and the commands to run next."""
    if lang == "zh":
        read = msg(
            "read {path} (English: {other})",
            path=f"{root}/instructions.zh.md",
            other="instructions.md",
        )
    else:
        read = msg(
            "read {path} (中文: {other})",
            path=f"{root}/instructions.md",
            other="instructions.zh.md",
        )
    then = msg("then {command}", command=f"cd {root} && grader test && grader submit")
    started = msg("Started {slug} in {folder}", slug=slug, folder=root)
    return [say(started, lang), "  " + say(read, lang), "  " + say(then, lang)]


def print_next_step(console: Console, step: Message, lang: str) -> None:
    console.print(Text("→ " + terminal_text(say(step, lang)), style="bold green"))


def _indented(text: str, indent: str) -> Table:
    """A line whose wrapped parts stay right of its indent (and of a list's dash)."""
    bullet = text[:2] if text.startswith(("- ", "* ")) else ""
    grid = Table.grid()
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(indent + bullet), Text(text[len(bullet) :]))
    return grid
