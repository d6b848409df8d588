"""The terminal view of a student's progress: a table per stage and a completion line."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.i18n.catalog import reader_language, translator
from grader.progress.collect import ExerciseProgress, ProgressReport
from grader.catalog.titles import stage_heading

STYLE = {"pass": "green", "fail": "red", "error": "magenta"}
BAR_WIDTH = 20
# Below these terminal widths a column is left out, so that slugs keep their room.
WHEN_FROM = 100
TITLES_FROM = 80
SHOWN_DAMAGED = 3


def print_progress(
    console: Console, report: ProgressReport, lang: str | None = None
) -> None:
    """Every stage of the report, in the reader's language (`lang`, else the locale's);
    text from files is shown as text, never as markup."""
    _ = translator(lang or reader_language())
    console.print(Text(_("Progress in {repo}").format(repo=report.repo), style="bold"))
    if report.damaged:
        console.print(damaged_note(report), style="yellow")
    if not report.exercises:
        console.print(
            _("No exercises in the pack and no workspaces in this repository.")
        )
    for stage in report.stages():
        console.print(_stage_table(report.for_stage(stage), stage, console.width, _))
        console.print(completion_line(report, stage, _))
        console.print()


def damaged_note(report: ProgressReport) -> Text:
    """`note: 2 damaged scorecard files skipped: a.json, b.json`, paths relative to the repo."""
    names = [_relative(p, report.repo) for p in report.damaged[:SHOWN_DAMAGED]]
    more = len(report.damaged) - len(names)
    listed = ", ".join(names) + (f" and {more} more" if more > 0 else "")
    return Text(
        f"note: {len(report.damaged)} damaged scorecard file(s) skipped "
        f"(they are not valid scorecards; delete them or submit again): {listed}"
    )


def completion_line(
    report: ProgressReport, stage: int, _: Callable[[str], str] = str
) -> Text:
    passed, total = report.completion(stage)
    share = passed / total if total else 0.0
    filled = round(share * BAR_WIDTH)
    line = Text(_("Stage {stage}: ").format(stage=stage), style="bold")
    line.append("█" * filled, style="green")
    line.append("░" * (BAR_WIDTH - filled), style="dim")
    line.append(
        " "
        + _("{passed} of {total} exercises passed ({share:.0%})").format(
            passed=passed, total=total, share=share
        )
    )
    return line


def _stage_table(
    exercises: list[ExerciseProgress],
    stage: int,
    width: int,
    _: Callable[[str], str],
) -> Table:
    """A slug is never cut: on a narrow terminal the titles go first, then the time of
    the last attempt."""
    table = Table(title=stage_heading(stage), title_justify="left", title_style="bold")
    slug_width = max((len(e.slug) for e in exercises), default=8)
    table.add_column(_("exercise"), no_wrap=True, min_width=slug_width)
    titles = width >= TITLES_FROM
    if titles:
        table.add_column("title / 标题", ratio=1, overflow="fold")
    for column in (_("best"), _("tries"), _("last status")):
        table.add_column(column, no_wrap=True)
    when = width >= WHEN_FROM
    if when:
        table.add_column(_("last attempt"), no_wrap=True)
    for entry in exercises:
        best, last = entry.best, entry.last
        status = entry.last_status
        row = [Text(entry.slug)]
        if titles:
            row.append(Text(f"{entry.title_en}\n{entry.title_zh}"))
        row += [
            Text(f"{best.card.score:g}/{best.card.max_score:g}" if best else "-"),
            Text(str(len(entry.attempts))),
            Text(_status_text(status, _), style=STYLE.get(status, "")),
        ]
        if when:
            row.append(Text(last.when if last else "-"))
        table.add_row(*row)
    return table


def _status_text(status: str, _: Callable[[str], str]) -> str:
    labels = {
        "pass": _("pass"),
        "fail": _("fail"),
        "error": _("error"),
        "not submitted": _("not submitted"),
        "not started": _("not started"),
    }
    return labels.get(status, status)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
