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
