"""The progress report as one self-contained HTML file: inline CSS and SVG, works offline.

No script, no font, no stylesheet or image is fetched: a Content-Security-Policy says so to
the browser too. Every text that comes from a file (slugs, titles, messages, paths) is
escaped, so a scorecard cannot inject markup into the page.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

from grader.clock import utc_now
from grader.progress.collect import ExerciseProgress, ProgressReport
from grader.progress.svg_charts import (
    Bar,
    ChartPoint,
    completion_bars,
    score_line_chart,
)
from grader.progress.terminal import damaged_note
from grader.scorecard.caps import cap_text
from grader.files import write_atomic
from grader.catalog.titles import stage_heading

MESSAGE_CHARS = 300

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC",
  "Microsoft YaHei", sans-serif; margin: 2rem auto; max-width: 1100px; color: #212121;
  padding: 0 1rem; }
h1 { margin-bottom: .2rem; } .meta { color: #616161; margin-top: 0; }
.note { background: #fff8e1; border-left: 4px solid #f9a825; padding: .5rem .8rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; font-size: .9rem; }
th, td { border-bottom: 1px solid #e0e0e0; padding: .35rem .5rem; text-align: left;
  vertical-align: top; }
th { background: #f5f5f5; } td.num { text-align: right; white-space: nowrap; }
.pass { color: #2e7d32; font-weight: 600; } .fail { color: #c62828; font-weight: 600; }
.error { color: #8e24aa; font-weight: 600; } .muted { color: #9e9e9e; }
.message { color: #616161; font-size: .8rem; }
.charts { display: flex; flex-wrap: wrap; gap: .8rem; }
figure { margin: 0; border: 1px solid #e0e0e0; border-radius: 6px; padding: .4rem; }
figcaption { font-size: .8rem; color: #424242; }
section { margin-bottom: 2rem; } svg text { font-family: inherit; }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'"


def render_html(report: ProgressReport, *, generated_at: datetime | None = None) -> str:
    """The whole page as a string."""
    when = (generated_at or utc_now()).strftime("%Y-%m-%d %H:%M UTC")
    stages = report.stages()
    body = [
        "<h1>Progress / 学习进度</h1>",
        f'<p class="meta">{escape(str(report.repo))} · generated {escape(when)}</p>',
    ]
    if report.damaged:
        body.append(f'<p class="note">{escape(str(damaged_note(report)))}</p>')
    bars = [Bar(f"Stage {s}" if s else "Other", *report.completion(s)) for s in stages]
    body.append(
        "<section><h2>Completion per stage / 各阶段完成度</h2>"
        + completion_bars(bars, title="Exercises passed per stage")
        + "</section>"
    )
    for stage in stages:
        body.append(_stage_section(report, stage))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Progress — {escape(report.repo.name)}</title>"
        f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write_html_report(report: ProgressReport, path: Path) -> None:
    """Write the page atomically: a reader never sees half a report."""
    write_atomic(path, render_html(report))


def _stage_section(report: ProgressReport, stage: int) -> str:
    exercises = report.for_stage(stage)
    passed, total = report.completion(stage)
    rows = "".join(_row(e) for e in exercises)
    charts = "".join(_chart(e) for e in exercises)
    return (
        f'<section id="stage-{stage}"><h2>{escape(stage_heading(stage))}</h2>'
        f"<p>{passed} of {total} exercises passed</p>"
        "<table><thead><tr><th>exercise</th><th>title / 标题</th><th>best</th>"
        "<th>attempts</th><th>last status</th><th>last attempt</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f'<h3>Score over attempts / 历次得分</h3><div class="charts">{charts}</div>'
        "</section>"
    )


def _row(entry: ExerciseProgress) -> str:
    best, last = entry.best, entry.last
    status = entry.last_status
    css = status if status in ("pass", "fail", "error") else "muted"
    message = ""
    if last and last.card.status != "pass" and last.card.message:
        text = cap_text(last.card.message, MESSAGE_CHARS)
        message = f'<div class="message">{escape(text)}</div>'
    return (
        f"<tr><td>{escape(entry.slug)}</td>"
        f"<td>{escape(entry.title_en)} / {escape(entry.title_zh)}</td>"
        f'<td class="num">{_score(best.card.score, best.card.max_score) if best else "-"}</td>'
        f'<td class="num">{len(entry.attempts)}</td>'
        f'<td class="{css}">{escape(status)}{message}</td>'
        f'<td>{escape(last.when) if last else "-"}</td></tr>'
    )


def _chart(entry: ExerciseProgress) -> str:
    caption = f"<figcaption>{escape(entry.slug)}</figcaption>"
    if not entry.attempts:
        return f'<figure>{caption}<p class="muted">{escape(entry.last_status)}</p></figure>'
    points = [
        ChartPoint(
            percent=a.percent,
            status=a.card.status,
            label=f"attempt {i}: {_score(a.card.score, a.card.max_score)} "
            f"{a.card.status}, {a.when}",
        )
        for i, a in enumerate(entry.attempts, start=1)
    ]
    chart = score_line_chart(
        points,
        title=f"{entry.slug}: score over {len(points)} attempts",
        pass_percent=entry.attempts[-1].card.pass_percent,
    )
    return f"<figure>{chart}{caption}</figure>"


def _score(score: float, max_score: float) -> str:
    return escape(f"{score:g}/{max_score:g}")
