"""The message catalogue: every message id in the code has its Chinese, with the same
fields; the reader's language is chosen as documented; stored messages render in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.i18n.catalog import (
    accept_language,
    catalogue,
    ci_language,
    localize,
    reader_language,
    say,
)
from grader.i18n.extract import message_ids
from grader.i18n.message import both, fields_of, msg


def test_every_message_in_the_code_has_its_chinese() -> None:
    found = message_ids()
    assert len(found) > 50
    chinese = catalogue("zh")
    missing = {m: places[0] for m, places in found.items() if m not in chinese}
    assert missing == {}, "add these to grader/i18n/locale/zh/LC_MESSAGES/grader.po"


def test_every_message_id_is_a_literal_the_catalogue_check_can_see() -> None:
    """`msg(name)` or `_(self.step)` would escape the check above: a reader would meet an
    id with no Chinese and no test would say so."""
    import ast

    package = Path(__file__).resolve().parent.parent / "grader"
    dynamic = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("msg", "_")
                and not (
                    node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                )
            ):
                dynamic.append(f"{path.relative_to(package)}:{node.lineno}")
    assert dynamic == [], "write the id as a string literal; pass the rest as fields"


def test_each_translation_keeps_the_fields_of_its_id() -> None:
    for message_id, text in catalogue("zh").items():
        assert fields_of(text) == fields_of(message_id), message_id


@pytest.mark.parametrize(
    "env, lang",
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "C"}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "GRADER_LANG": "en"}, "en"),
        ({"LANG": "C", "GRADER_LANG": "zh"}, "zh"),
    ],
)
def test_the_terminal_reader_language(env: dict[str, str], lang: str) -> None:
    assert reader_language(env) == lang


def test_ci_and_the_browser_choose_their_own_way() -> None:
    assert ci_language({"LANG": "zh_CN.UTF-8"}) == "en"
    assert ci_language({"GRADER_LANG": "zh"}) == "zh"
    assert accept_language("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert accept_language("en-US,en;q=0.9,zh;q=0.8") == "en"
    assert accept_language("fr;q=1, zh;q=0.5") == "zh"
    assert accept_language(None) == "en"


def test_a_nested_message_renders_in_either_language() -> None:
    gate = msg(
        "{task}: {problems}",
        task=msg("task {task} ({title})", task=3, title=both("Ranking", "排名")),
        problems=[msg("its core test “{title}” must pass", title="ties")],
    )
    verdict = msg("not yet: {reasons}", reasons=[gate, "flake8"])
    assert verdict.text == (
        "not yet: task 3 (Ranking): its core test “ties” must pass; flake8"
    )
    assert (
        say(verdict, "zh") == "尚未通过：任务 3（排名）：核心测试“ties”必须通过；flake8"
    )
    stored = localize(verdict.id, verdict.params, "zh", verdict.text)
    assert stored == say(verdict, "zh")


def test_a_message_without_id_or_with_unknown_id_shows_its_english() -> None:
    assert localize(None, None, "zh", "old text") == "old text"
    assert localize("no such {x}", {"x": 1}, "zh", "no such 1") == "no such 1"


def test_the_next_step_after_a_pass() -> None:
    from grader.catalog import ExercisePack
    from grader.cli.feedback import next_step

    pack = ExercisePack(None)
    stage1 = [e for e in pack.exercises() if e.stage == 1]
    path = sorted(stage1, key=lambda e: e.order)
    first, second = path[0], path[1]
    step = next_step(first, pack.exercises(), passed=set())
    assert step.params["slug"] == second.qualified_slug
    assert f"grader start {second.qualified_slug}" in say(step, "zh")
    everything = {e.qualified_slug for e in stage1}
    done = next_step(path[-1], pack.exercises(), passed=everything)
    assert say(done, "zh").endswith("`grader stage check 1` 检验本阶段")
    assert done.text == (
        "every exercise of stage 1 is passed: run `grader stage check 1`"
    )


def test_the_standard_library_reader_reads_the_catalogue_as_babel_does() -> None:
    from babel.messages.pofile import read_po as babel_read_po

    from grader.i18n.catalog import read_po

    path = (
        Path(__file__).resolve().parent.parent
        / "grader/i18n/locale/zh/LC_MESSAGES/grader.po"
    )
    with path.open("rb") as handle:
        babel = {
            str(m.id): str(m.string)
            for m in babel_read_po(handle, locale="zh")
            if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
        }
    assert read_po(path.read_text(encoding="utf-8")) == babel


def test_fuzzy_untranslated_and_continued_entries() -> None:
    from grader.i18n.catalog import read_po

    text = (
        'msgid "a"\nmsgstr "A"\n#, fuzzy\nmsgid "b"\nmsgstr "B"\n'
        'msgid "c"\nmsgstr ""\n"C1"\n"C\\"2\\n"\n\nmsgid "d"\nmsgstr ""\n'
    )
    assert read_po(text) == {"a": "A", "c": 'C1C"2\n'}


# ---- no English literal in a view in Chinese ------------------------------------------------
# Every view is rendered in Chinese with a catalogue that marks each translated text as
# ⟪…⟫. What is left outside the marks must be the scorecard's own data (test titles,
# pytest's messages, paths, codes) or a name: an English word of grader's own there is a
# literal that skipped the catalogue, which a Chinese reader would see in English.
NAMES = {
    # the checks' ids and tools, backends, grader's name, Markdown's code fence language
    *("tests", "flake8", "black", "coverage", "types", "dockerfile", "mypy"),
    *("docker", "local", "bwrap", "grader", "text"),
    # the annotations' level, as compilers write it (tools read it)
    *("error", "warning"),
}
SCENARIOS = ("failing-tests", "flake8-violations", "low-coverage", "import-error")


class _Marked(dict):
    def get(self, key, default=None):  # type: ignore[no-untyped-def]
        return f"⟪{key}⟫"


def _data_words(value, key: str = "", siblings: dict | None = None) -> set[str]:
    """The ASCII words of the scorecard's data: everything but message ids and the English
    text of a message that has an id (a view must render that from its id)."""
    import re

    if isinstance(value, dict):
        words: set[str] = set()
        for k, v in value.items():
            words |= _data_words(v, k, value)
        return words
    if isinstance(value, list):
        return set().union(*(_data_words(v, key, siblings) for v in value))
    if not isinstance(value, str) or key.endswith("_id") or key == "message_id":
        return set()
    if siblings and key in ("message", "why") and siblings.get(f"{key}_id"):
        return set()
    return set(re.findall(r"[A-Za-z]{2,}", value))


def _leaks(shown: str, allowed: set[str]) -> set[str]:
    import re

    while re.search(r"⟪[^⟪⟫]*⟫", shown):
        shown = re.sub(r"⟪[^⟪⟫]*⟫", " ", shown)
    return set(re.findall(r"[A-Za-z]{2,}", shown)) - allowed - NAMES


def test_the_views_in_chinese_leave_no_english_label(monkeypatch, tmp_path) -> None:
    import io
    from dataclasses import asdict

    from rich.console import Console

    import grader.i18n.catalog as catalog
    from grader.ci.annotations import annotations_for, plain_line
    from grader.ci.run import CiRun, GradedWorkspace
    from grader.ci.summary import render_summary
    from grader.cli.live_progress import GradingLine
    from grader.cli.render import print_scorecard
    from tests.test_exports import golden_card

    monkeypatch.setattr(catalog, "catalogue", lambda lang: _Marked())
    cards = [golden_card(name) for name in SCENARIOS]
    allowed = {"work", "scorecards"}  # the folders this test names
    for card in cards:
        allowed |= _data_words(asdict(card))
    graded = [
        GradedWorkspace(f"work/{card.exercise.slug}", None, card, tmp_path, tmp_path)
        for card in cards
    ]
    run = CiRun(tmp_path, found=len(graded), changed_since=None, graded=graded)
    summary = render_summary(run, limit=1 << 20, out_name="scorecards", lang="zh")
    assert _leaks(summary, allowed) == set(), "grader ci's summary"
    notes = [plain_line(n) for g in graded for n in annotations_for(g, lang="zh")]
    assert notes and _leaks("\n".join(notes), allowed) == set(), "annotations"
    for card in cards:
        out = io.StringIO()
        print_scorecard(Console(file=out, width=80), card, lang="zh")
        assert _leaks(out.getvalue(), allowed) == set(), card.exercise.slug
    line = GradingLine("zh")
    for event in (
        {"step": "sandbox", "backend": "docker"},
        {"check": "tests", "state": "running", "done": 3, "total": 9},
        {"check": "flake8", "state": "done", "status": "pass"},
        {"step": "host checks"},
    ):
        line.update(event)
        out = io.StringIO()
        Console(file=out, width=80).print(line)
        assert _leaks(out.getvalue(), allowed) == set(), event


def test_grader_ci_speaks_grader_lang(monkeypatch, tmp_path) -> None:
    from grader.ci.annotations import annotations_for, plain_line
    from grader.ci.run import CiRun, GradedWorkspace
    from grader.ci.summary import render_summary
    from tests.test_exports import golden_card

    card = golden_card("failing-tests")
    graded = GradedWorkspace("word-count", None, card, tmp_path, tmp_path)
    run = CiRun(tmp_path, found=1, changed_since=None, graded=[graded])
    summary = render_summary(run, limit=1 << 20, out_name="out", lang="zh")
    assert "### ❌ stage1/word-count（`word-count`）：未通过" in summary
    assert "**未通过的测试**" in summary and "任务 1" in summary
    assert "完整的评分卡：`out/`" in summary
    assert "Failing tests" not in summary and "Full scorecards" not in summary
    monkeypatch.setenv("GRADER_LANG", "zh")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    notes = [plain_line(n) for n in annotations_for(graded)]
    assert any("stage1/word-count：任务 1：" in n for n in notes)
    monkeypatch.setenv("GRADER_LANG", "en")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")  # the locale of a CI runner says nothing
    notes = [plain_line(n) for n in annotations_for(graded)]
    assert any("stage1/word-count: task 1: " in n for n in notes)


@pytest.mark.parametrize(
    "lang, first, read",
    [
        ("zh", "已在 ", "阅读 {root}/instructions.zh.md（English: instructions.md）"),
        ("en", "Started stage1/word-count in ", "read {root}/instructions.md (中文: "),
    ],
)
def test_grader_start_says_what_to_read_first_in_the_readers_language(
    tmp_path, monkeypatch, lang: str, first: str, read: str
) -> None:
    from click.testing import CliRunner

    from grader.cli import cli
    from tests.conftest import FIXTURE_PACK

    monkeypatch.setenv("GRADER_LANG", lang)
    root = tmp_path / "wc"
    result = CliRunner().invoke(
        cli, ["--exercises", str(FIXTURE_PACK), "start", "word-count", str(root)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(first) and read.format(root=root) in lines[1]
    assert f"cd {root} && grader test && grader submit" in lines[2]
