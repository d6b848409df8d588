"""grader's own words in a test's outcome (why it was stopped, the markers in its output)
are shown in the reader's language; pytest's text and the student's are shown as written.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from grader.cli.render import print_scorecard
from grader.i18n.catalog import say
from grader.i18n.outcomes import outcome_message, output_marker
from grader.sandbox.pytest_session import _death_message
from tests.test_exports import golden_card


@pytest.mark.parametrize(
    "text, english_id",
    [
        (
            "the test ran past its time limit of 10 s (it was at gb.py:168 in average)",
            "{message} (it was at {where})",
        ),
        (
            "the test ran past its time limit of 2.5 s and was stopped",
            "the test ran past its time limit of {seconds} s and was stopped",
        ),
        (
            "StudentTimeout: your code did not return within 5 s",
            "your code did not return within {seconds} s",
        ),
        (
            "StudentCrashed: your code ended the process (exit code 3); do not call "
            "sys.exit() or os._exit()",
            "your code ended the process (exit code {code}); do not call sys.exit() or "
            "os._exit()",
        ),
        (
            _death_message(-9),
            "the test process was killed (SIGKILL) during this test: "
            "it may have run out of memory",
        ),
        (
            _death_message(2),
            "the test process exited (code {code}) during this test: "
            "do not call sys.exit() or os._exit()",
        ),
    ],
)
def test_graders_own_words_become_messages(text: str, english_id: str) -> None:
    found = outcome_message(text)
    assert found is not None and found.id == english_id
    assert found.text == text.removeprefix("StudentTimeout: ").removeprefix(
        "StudentCrashed: "
    )
    assert not any("a" <= ch <= "z" for ch in say(found, "zh").split("（")[0][:4])


@pytest.mark.parametrize(
    "text",
    [
        "assert 3 == 2",
        "the test ran past its time limit of 10 s, said my own exception",
        "ValueError: the test ran past its time limit of 10 s",
        "",
    ],
)
def test_any_other_text_is_shown_as_written(text: str) -> None:
    assert outcome_message(text) is None


def test_the_output_markers_and_nothing_else() -> None:
    assert say(output_marker("[printed while your code was imported]"), "zh") == (
        "[导入你的代码时输出的内容]"
    )
    cut = output_marker("... [truncated: 120 more characters]")
    assert cut is not None and say(cut, "zh") == "……[已截断：还有 120 个字符]"
    assert output_marker("[printed while your code was imported] and more") is None
    assert output_marker("hello") is None


def test_the_terminal_in_chinese_says_why_a_test_stopped_and_keeps_the_gutter() -> None:
    card = golden_card("failing-tests")
    tests = card.check("tests")
    first = tests.details["tests"][0]
    first.update(
        status="timeout",
        message="the test ran past its time limit of 10 s (it was at w.py:3 in f)",
        output="[printed while your code was imported]\nloaded\n"
        "[printed during this test]\ncounting",
    )
    card.status = "fail"
    out = io.StringIO()
    print_scorecard(Console(file=out, width=80, color_system=None), card, lang="zh")
    shown = out.getvalue()
    assert "测试超过了 10 秒的时间上限（当时执行到 w.py:3 in f）" in shown
    assert "      │ [导入你的代码时输出的内容]\n      │ loaded\n" in shown
    assert "      │ [这个测试运行期间输出的内容]\n      │ counting" in shown
    out = io.StringIO()
    print_scorecard(Console(file=out, width=80, color_system=None), card, lang="en")
    assert (
        "the test ran past its time limit of 10 s (it was at w.py:3" in out.getvalue()
    )
    assert "      │ [printed while your code was imported]" in out.getvalue()
