"""`grader list`: slugs are never cut, at 80 columns or in a pipe; the path's order holds."""

from __future__ import annotations

import io

from rich.console import Console

from grader.catalog import ExercisePack
from grader.cli.exercise_list import print_exercises


def _shown(width: int, terminal: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=terminal, color_system=None)
    print_exercises(console, ExercisePack().exercises())
    return out.getvalue()


def test_every_slug_is_whole_on_an_80_column_terminal() -> None:
    shown = _shown(80, terminal=True)
    for exercise in ExercisePack().exercises():
        assert exercise.qualified_slug in shown
    assert all(len(line) <= 80 for line in shown.splitlines())
    # the topics column is the first to go on a narrow terminal
    assert "topics" not in _header(shown)


def test_a_wide_terminal_shows_the_topics_too() -> None:
    assert "topics" in _header(_shown(160, terminal=True))


def _header(shown: str) -> str:
    """The table's header line: the one that names the slug column."""
    return next(line for line in shown.splitlines() if "slug" in line)


def test_a_pipe_gets_one_plain_line_per_exercise() -> None:
    exercises = ExercisePack().exercises()
    lines = _shown(80, terminal=False).splitlines()
    assert len(lines) == len(exercises)
    first = lines[0].split("\t")
    assert first == [
        exercises[0].qualified_slug,
        exercises[0].title_en,
        exercises[0].title_zh,
        exercises[0].difficulty,
    ]


def test_exercises_come_in_the_order_of_the_path() -> None:
    exercises = ExercisePack().exercises()
    keys = [(e.stage, e.order, e.slug) for e in exercises]
    assert keys == sorted(keys)
