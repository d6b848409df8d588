"""`grader list`'s view: the exercises in path order, readable at 80 columns and in a pipe.

A slug is what a student types next (`grader start SLUG`), so it is never cut: on a narrow
terminal the topics go first, then the difficulty, and the titles wrap. In a pipe, one
plain line per exercise, tab-separated, for grep and cut.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from grader.catalog.model import Exercise
from grader.text_escape import terminal_text

# Below these widths a column is left out, so that the slug and the titles keep their room.
TOPICS_FROM = 120
DIFFICULTY_FROM = 72


def print_exercises(console: Console, exercises: list[Exercise]) -> None:
    if not console.is_terminal:
        for ex in exercises:
            fields = [ex.qualified_slug, ex.title_en, ex.title_zh, ex.difficulty]
            # Written as it is: rich would turn the tabs into spaces.
            console.file.write("\t".join(terminal_text(f) for f in fields) + "\n")
        return
    console.print(exercise_table(exercises, console.width))


def exercise_table(exercises: list[Exercise], width: int) -> Table:
    slug_width = max((len(ex.qualified_slug) for ex in exercises), default=4)
    table = Table(title="Exercises / 练习", show_lines=False, expand=False)
    table.add_column("slug", no_wrap=True, min_width=slug_width)
    table.add_column("title / 标题", ratio=1)
    if width >= DIFFICULTY_FROM:
        table.add_column("difficulty", no_wrap=True)
    if width >= TOPICS_FROM:
        table.add_column("topics", ratio=1)
    for ex in exercises:
        row = [ex.qualified_slug, f"{ex.title_en}\n{ex.title_zh}"]
        if width >= DIFFICULTY_FROM:
            row.append(ex.difficulty)
        if width >= TOPICS_FROM:
            row.append(", ".join(ex.topics))
        table.add_row(*(terminal_text(cell) for cell in row))
    return table
