"""`grader exercises mutate`: how many mutants of the reference the hidden suite kills."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.authoring.mutation import (
    DEFAULT_MAX_MUTANTS,
    OPERATORS,
    TARGET_PERCENT,
    MutationReport,
    mutation_score,
)
from grader.cli.student import pack_from
from grader.errors import EXIT_FAIL, EXIT_PASS


@click.command(
    "mutate", epilog="Example: grader exercises mutate grade-book --max-mutants 100"
)
@click.argument("slug")
@click.option(
    "--max-mutants",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_MUTANTS,
    show_default=True,
    help="Run at most N mutants, a seeded sample spread across operators and lines.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the report as JSON instead of tables.",
)
@click.pass_context
def mutate_command(
    ctx: click.Context, slug: str, max_mutants: int, as_json: bool
) -> None:
    """Measure the hidden suite of SLUG by mutation testing its reference solution.

    Each mutant is the reference with one small bug (an operator swapped, a constant off
    by one, a statement removed, ...); the hidden suite kills it by failing. Prints the
    share killed per operator and every surviving mutant, so you can add the tests that
    would catch it. Exit code 0 when at least 85% are killed, 1 otherwise.
    """
    exercise = pack_from(ctx).get(slug)
    report = mutation_score(exercise, max_mutants=max_mutants)
    if as_json:
        click.echo(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    else:
        print_report(Console(), report)
    sys.exit(EXIT_PASS if report.score >= TARGET_PERCENT else EXIT_FAIL)


def by_operator(report: MutationReport) -> dict[str, tuple[int, int]]:
    """operator -> (mutants, killed), for the operators that produced any."""
    counts = {op: (0, 0) for op in OPERATORS}
    for r in report.results:
        total, killed = counts[r.operator]
        counts[r.operator] = (total + 1, killed + r.killed)
    return {op: c for op, c in counts.items() if c[0]}


def report_json(report: MutationReport) -> dict[str, Any]:
    return {
        "slug": report.slug,
        "total": report.total,
        "killed": report.killed,
        "timed_out": sum(r.timed_out for r in report.results),
        "score": report.score,
        "target": TARGET_PERCENT,
        "passed": report.score >= TARGET_PERCENT,
        "candidates": report.candidates,
        "duration": round(report.duration, 3),
        "reference_seconds": round(report.reference_seconds, 3),
        "timeout_seconds": round(report.timeout_seconds, 3),
        "operators": {
            op: {"total": t, "killed": k} for op, (t, k) in by_operator(report).items()
        },
        "survived": [asdict(r) for r in report.survived],
    }


def print_report(console: Console, report: MutationReport) -> None:
    table = Table(title=f"Mutation score of {report.slug}", header_style="bold")
    for column in ("operator", "mutants", "killed", "score"):
        table.add_column(column, justify="left" if column == "operator" else "right")
    for op, (total, killed) in by_operator(report).items():
        table.add_row(op, str(total), str(killed), f"{100.0 * killed / total:.0f}%")
    table.add_section()
    table.add_row("all", str(report.total), str(report.killed), f"{report.score:g}%")
    console.print(table)
    timed_out = sum(r.timed_out for r in report.results)
    summary = f"{report.killed} of {report.total} mutants killed"
    if timed_out:
        summary += f", {timed_out} by the {report.timeout_seconds:.0f} s time limit"
    style = "green" if report.score >= TARGET_PERCENT else "red"
    console.print(
        f"[{style}]score {report.score:g}%[/{style}] (target {TARGET_PERCENT:g}%): "
        f"{summary}; {report.candidates} candidates; {report.duration:.1f} s",
        highlight=False,
    )
    if not report.survived:
        return
    survivors = Table(title="Surviving mutants", header_style="bold")
    for column in ("where", "operator", "mutated line"):
        survivors.add_column(column, overflow="fold")
    for r in report.survived:
        # Text, not str: source such as `counts[word]` would read as rich markup.
        survivors.add_row(f"{r.file}:{r.line}", r.operator, Text(r.mutated_line))
    console.print(survivors)
    console.print("No hidden test fails on these changes: add tests that would.")
