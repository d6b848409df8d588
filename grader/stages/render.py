"""The terminal view of a stage check: each criterion with its evidence and next step."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from grader.stages.model import CriterionResult, StageReport
from grader.catalog.titles import stage_heading

SHOWN_DETAILS = 8


def print_stage_report(console: Console, report: StageReport) -> None:
    """Text from the repository (messages, file names) is printed as text, never as markup."""
    console.print(Text(stage_heading(report.stage), style="bold"))
    console.print(Text(f"Repository: {report.repo}", style="dim"))
    if report.damaged_scorecards:
        console.print(
            Text(
                f"note: {len(report.damaged_scorecards)} damaged scorecard file(s) skipped",
                style="yellow",
            )
        )
    console.print()
    for result in report.results:
        _print_result(console, result)
    console.print(
        Text("Self-assessment (not counted) / 自我评估（不计入）", style="bold cyan")
    )
    for item in report.self_checks:
        line = Text("  ○ [self-assessment] ", style="cyan")
        line.append(f"{item.title} / {item.title_zh}")
        console.print(line)
        console.print(
            Text(f"      hint: {item.hint}  (source: {item.source})", style="dim")
        )
    console.print()
    verdict = Text(
        f"{report.passed_count} of {len(report.results)} automatic criteria pass — ",
        style="bold",
    )
    if report.passed:
        verdict.append(
            f"stage {report.stage} exit criteria met / 阶段{report.stage}达标",
            style="bold green",
        )
    else:
        verdict.append(
            f"stage {report.stage} not complete yet / 阶段{report.stage}尚未达标",
            style="bold red",
        )
    console.print(verdict)


def _print_result(console: Console, result: CriterionResult) -> None:
    passed = result.status == "pass"
    line = Text(
        "✓ PASS  " if passed else "✗ FAIL  ",
        style="bold green" if passed else "bold red",
    )
    line.append(f"{result.title} / {result.title_zh}", style="bold")
    console.print(line)
    console.print(Text(f"        found:  {result.evidence}"))
    if result.next_step:
        console.print(Text(f"        next:   {result.next_step}", style="yellow"))
    for detail in result.details[:SHOWN_DETAILS]:
        console.print(Text(f"          · {detail}", style="dim"))
    if len(result.details) > SHOWN_DETAILS:
        console.print(
            Text(
                f"          · … and {len(result.details) - SHOWN_DETAILS} more",
                style="dim",
            )
        )
    console.print(Text(f"        source: {result.source}", style="dim"))
