"""The Markdown job summary of a CI run ($GITHUB_STEP_SUMMARY).

A table of every graded exercise, then, for each one that did not pass, what to fix:
failing tests, lint problems, the coverage shortfall. GitHub refuses a step summary over
1 MiB, so the text is cut to fit what the step has left, table first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.ci.run import CiRun, GradedWorkspace
from grader.i18n.catalog import ci_language, say, stored, translator
from grader.i18n.message import Message, msg
from grader.i18n.outcomes import outcome_message, output_marker
from grader.registry.checks import declaration
from grader.scorecard.caps import MESSAGE_CHARS, OUTPUT_CHARS, cap_text
from grader.scorecard.model import CheckResult, TestOutcome
from grader.text_escape import markdown_code, markdown_text, terminal_text

GITHUB_LIMIT_BYTES = 1024 * 1024
MARGIN_BYTES = 4 * 1024
FIRST_N = 20
LINE_CHARS = 300
ICON = {"pass": "✅", "fail": "❌", "error": "⚠️"}


def append_summary(path: Path, run: CiRun, *, out_name: str) -> None:
    """Append the summary to `path`, within what is left of GitHub's 1 MiB."""
    try:
        used = path.stat().st_size
    except OSError:
        used = 0
    budget = GITHUB_LIMIT_BYTES - used - MARGIN_BYTES
    if budget <= 0:
        return
    text = render_summary(run, limit=budget, out_name=out_name, lang=ci_language())
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def append_error(path: Path, message: str, lang: str | None = None) -> None:
    """Append why nothing was graded (a bad ref, no sandbox, ...), headed in `lang`
    (GRADER_LANG by default)."""
    heading = say(msg("grader: could not grade"), lang or ci_language())
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"## {heading}\n\n{_plain(message)}\n")


# A run's status in the summary's table, in its reader's language.
STATUS_WORDS = {"pass": msg("pass"), "fail": msg("fail"), "error": msg("error")}
# A test's status, beside its title.
TEST_WORDS = {
    "failed": msg("failed"),
    "error": msg("error"),
    "timeout": msg("timeout"),
    "skipped": msg("skipped"),
}


def render_summary(run: CiRun, *, limit: int, out_name: str, lang: str = "en") -> str:
    """The summary as Markdown in `lang` (GRADER_LANG), at most `limit` bytes of UTF-8."""
    _ = translator(lang)
    if not run.graded:
        why = (
            msg(
                "no exercise workspace changed since {ref} ({found} found).",
                ref=markdown_code(run.changed_since or ""),
                found=run.found,
            )
            if run.changed_since is not None
            else msg(
                "no exercise workspace in this repository ({found} found).",
                found=run.found,
            )
        )
        heading = say(msg("grader: nothing to grade"), lang)
        return _fit(f"## {heading}\n\n{say(why, lang)}\n", limit)
    passed = sum(g.card.status == "pass" for g in run.graded)
    columns = (_("Exercise"), _("Folder"), _("Status"), _("Score"), _("Checks"))
    head = [
        "## grader: "
        + _("{passed} of {total} exercises passed").format(
            passed=passed, total=len(run.graded)
        )
        + "\n",
        "| " + " | ".join(columns + (_("Backend"),)) + " |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    rows = [_row(g, lang) for g in run.graded]
    footer = "\n" + say(
        msg(
            "Full scorecards: {folder} (uploaded by the workflow as an artifact).",
            folder=markdown_code(f"{out_name}/"),
        ),
        lang,
    )
    footer += "\n"
    parts = "\n".join(head) + "\n"
    budget = limit - len(footer.encode()) - 200
    for index, row in enumerate(rows):
        if _size(parts + row + "\n") > budget:
            more = msg(
                "… and {count} more exercises: see the scorecards",
                count=len(rows) - index,
            )
            parts += f"\n{say(more, lang)}\n"
            return _fit(parts + footer, limit)
        parts += row + "\n"
    failing = [g for g in run.graded if g.card.status != "pass"]
    for index, graded in enumerate(failing):
        section = "\n" + _section(graded, lang)
        if _size(parts + section) > budget:
            more = msg(
                "… details of {count} more exercises are in the scorecards",
                count=len(failing) - index,
            )
            parts += f"\n{say(more, lang)}\n"
            break
        parts += section
    return _fit(parts + footer, limit)


def _row(graded: GradedWorkspace, lang: str = "en") -> str:
    card = graded.card
    checks = " · ".join(
        f"{_plain(c.id)} {c.score:g}/{c.max_score:g}" for c in card.checks
    )
    backend = card.runner.backend
    if not card.runner.sandboxed:
        backend = say(msg("{backend} (no sandbox)", backend=backend), lang)
    cells = [
        _plain(card.exercise.slug),
        markdown_code(graded.folder, table_cell=True),
        f"{ICON[card.status]} {say(STATUS_WORDS[card.status], lang)}",
        f"{card.score:g} / {card.max_score:g}",
        checks,
        _plain(backend),
    ]
    return "| " + " | ".join(cells) + " |"


def _section(graded: GradedWorkspace, lang: str = "en") -> str:
    card = graded.card
    score, max_score = f"{card.score:g}", f"{card.max_score:g}"
    heading = msg(
        "{slug} in {folder}: {status}, {score} / {max_score}",
        slug=_plain(card.exercise.slug),
        folder=markdown_code(graded.folder),
        status=STATUS_WORDS[card.status],
        score=score,
        max_score=max_score,
    )
    lines = [
        f"### {ICON[card.status]} {say(heading, lang)}",
        "",
        _plain(_first_line(stored(card, lang))),
        "",
    ]
    markdown = _Markdown(graded, lang=lang)
    for check in card.checks:
        lines += declaration(check.id).present.summary(check, markdown)
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _Markdown:
    """How a check writes its part of one workspace's section (`Markdown` of its
    declaration): escaped, one line each, paths from the repository root."""

    graded: GradedWorkspace
    first_n: int = FIRST_N
    lang: str = "en"

    def say(self, message: Message | str | dict[str, str]) -> str:
        if isinstance(message, Message):
            return say(message, self.lang)
        if isinstance(message, dict):
            return str(message.get(self.lang) or message.get("en", ""))
        return message

    def stored(self, check: CheckResult) -> str:
        return stored(check, self.lang)

    def text(self, text: str) -> str:
        return _plain(text)

    def code(self, text: str) -> str:
        return _code(text)

    def first_line(self, text: str) -> str:
        return _first_line(text)

    def path(self, name: str) -> str:
        return _path(self.graded, name)

    def test(self, test: TestOutcome) -> str:
        """The test's heading line, then pytest's whole explanation and what the
        student's code printed, each in a code block of the list item (capped)."""
        status = TEST_WORDS.get(test.status)
        facts: list[str] = [self.say(status) if status else _plain(test.status)]
        if test.task is not None:
            facts.append(self.say(msg("task {task}", task=test.task)))
        if test.location:
            facts.append(_code(_path(self.graded, test.location)))
        separator = "，" if self.lang == "zh" else ", "
        item = f"- **{_plain(test.title)}** ({separator.join(facts)}) {_code(test.id)}"
        message = cap_text(test.message.strip(), MESSAGE_CHARS)
        ours = outcome_message(message)  # why grader stopped it: in the reader's words
        if message:
            item += "\n\n" + _code_block(self.say(ours) if ours else message)
        output = _markers_said(cap_text(test.output.rstrip(), OUTPUT_CHARS), self.lang)
        if output:
            printed = self.say(msg("Your code printed:"))
            item += f"\n\n  {printed}\n\n" + _code_block(output)
        return item + "\n"


def _markers_said(output: str, lang: str) -> str:
    """The student's output with grader's marker lines in it in `lang`."""
    if lang == "en":
        return output
    lines = output.splitlines()
    return "\n".join(
        say(marker, lang) if (marker := output_marker(line)) else line for line in lines
    )


def _path(graded: GradedWorkspace, name: str) -> str:
    """A place in the workspace ("file.py:3 in f"), named from the repository root; one
    outside it (an absolute path, `..`) is shown as it is, never glued to the folder."""
    path = name.replace("\\", "/")
    outside = PurePosixPath(path).is_absolute() or ".." in path.split(":")[0].split("/")
    if graded.folder == "." or outside:
        return name
    return f"{graded.folder}/{name}"


def _code_block(text: str) -> str:
    """`text` as a fenced code block indented into a list item: its fence is longer than
    any run of backticks inside, so the text cannot close it; controls are dropped."""
    shown = terminal_text(text)
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * max(3, longest + 1)
    body = "\n".join(f"  {line}".rstrip() for line in shown.splitlines())
    return f"  {fence}text\n{body}\n  {fence}"


def _first_line(text: str) -> str:
    stripped = text.strip()
    return (
        cap_text(stripped.splitlines()[0], LINE_CHARS, separator=" ")
        if stripped
        else ""
    )


def _plain(text: str | None) -> str:
    """Text shown as text: one line, Markdown and HTML characters escaped."""
    return markdown_text(text)


def _code(text: str) -> str:
    """Inline code that survives any backticks inside it (outside the table)."""
    return markdown_code(text, limit=LINE_CHARS)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _fit(text: str, limit: int) -> str:
    """`text` cut to `limit` bytes on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: max(limit, 0)].decode("utf-8", errors="ignore")
