"""Style checks that mean what they say: `# noqa` and `# flake8: noqa` silence nothing but
the codes an exercise allows, and black refuses `fmt: off` / `fmt: skip` / `yapf: disable`.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from grader.catalog.loader import load_exercise
from grader.catalog.model import CheckConfig
from grader.errors import ExerciseError
from grader.graders import black_check, flake8_check
from grader.graders.base import CheckContext
from grader.graders.pragmas import black_pragmas, has_noqa, noqa_codes
from tests.conftest import WORD_COUNT

BAD_STYLE = "def f( a ):\n    return a+1\n"


def context(folder: Path, files: dict[str, str]) -> CheckContext:
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    work = folder.parent / "work"
    work.mkdir(exist_ok=True)
    return CheckContext(
        submission=folder,
        hidden=folder.parent / "hidden",
        work=work,
        solution_files=tuple(files),
        test_files=(),
        python_files=tuple(files),
        test_seconds=10.0,
        deadline=time.monotonic() + 120,
    )


def flake8(tmp_path: Path, source: str, **options: object):  # type: ignore[no-untyped-def]
    ctx = context(tmp_path / "submission", {"mod.py": source})
    config = CheckConfig(
        "flake8", 10.0, {"max_line_length": 88, "extend_ignore": ["E203", "W503"]}
    )
    config.options.update(options)
    return flake8_check.run(ctx, config)


def black(tmp_path: Path, source: str):  # type: ignore[no-untyped-def]
    ctx = context(tmp_path / "submission", {"mod.py": source})
    return black_check.run(ctx, CheckConfig("black", 10.0, {"line_length": 88}))


# ---- flake8 --------------------------------------------------------------------------


def test_file_level_flake8_noqa_silences_nothing(tmp_path: Path) -> None:
    outcome = flake8(tmp_path, "# flake8: noqa\n" + BAD_STYLE)
    assert (outcome.status, outcome.score) == ("fail", 0.0)
    assert {v["code"] for v in outcome.details["violations"]} >= {"E201", "E202"}
    assert "`# noqa` and `# flake8: noqa` are ignored here" in outcome.message


def test_inline_noqa_silences_nothing(tmp_path: Path) -> None:
    outcome = flake8(tmp_path, "import os  # noqa\nimport sys  # noqa: F401\n")
    assert outcome.status == "fail"
    assert [v["code"] for v in outcome.details["violations"]] == ["F401", "F401"]


def test_clean_code_passes_without_a_hint(tmp_path: Path) -> None:
    outcome = flake8(tmp_path, "def f(a):\n    return a + 1\n")
    assert (outcome.status, outcome.message) == ("pass", "no problems")


LONG = "x = '" + "a" * 100 + "'"


def test_an_allowed_code_is_excused_on_its_own_line_only(tmp_path: Path) -> None:
    source = f"{LONG}  # noqa: E501\n{LONG}\n"
    outcome = flake8(tmp_path, source, noqa_allowed=["E501"])
    assert outcome.status == "fail"
    assert [(v["line"], v["code"]) for v in outcome.details["violations"]] == [
        (2, "E501")
    ]
    assert "except `# noqa: CODE` on the line for E501" in outcome.message


def test_an_allowed_code_named_on_the_line_passes(tmp_path: Path) -> None:
    outcome = flake8(tmp_path, f"{LONG}  # noqa:E501,W291\n", noqa_allowed=["E501"])
    assert outcome.status == "pass", outcome.message


def test_the_excuse_covers_exactly_the_named_allowed_code(tmp_path: Path) -> None:
    # E225 is on the same line but not allowed; a bare `# noqa` excuses nothing; naming
    # a code that is not allowed excuses nothing.
    source = (
        "y=len('" + "a" * 100 + "')  # noqa: E501, E225\n"
        f"{LONG}  # noqa\n"
        "import os  # noqa: F401\n"
    )
    outcome = flake8(tmp_path, source, noqa_allowed=["E501"])
    found = [(v["line"], v["code"]) for v in outcome.details["violations"]]
    assert (1, "E225") in found
    assert (1, "E501") not in found
    assert (2, "E501") in found
    assert (3, "F401") in found


def test_a_noqa_inside_a_string_is_not_a_comment(tmp_path: Path) -> None:
    source = "x = '" + "a" * 100 + " # noqa: E501'\n"
    outcome = flake8(tmp_path, source, noqa_allowed=["E501"])
    assert [v["code"] for v in outcome.details["violations"]] == ["E501"]


def test_noqa_allowed_is_part_of_the_exercise_schema(tmp_path: Path) -> None:
    folder = tmp_path / "word-count"
    shutil.copytree(WORD_COUNT, folder)
    toml = folder / "exercise.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace("[checks.black]", 'noqa_allowed = ["E501"]\n\n[checks.black]'),
        encoding="utf-8",
    )
    check = load_exercise(folder).check("flake8")
    assert check is not None and check.options["noqa_allowed"] == ["E501"]
    toml.write_text(
        text.replace("[checks.black]", 'noqa_allowed = ["E5*"]\n\n[checks.black]'),
        encoding="utf-8",
    )
    with pytest.raises(ExerciseError, match="noqa_allowed"):
        load_exercise(folder)


def test_noqa_comments_are_read_with_the_tokenizer() -> None:
    source = (
        "a = 1  # noqa: E501,W291\n"
        "b = '# noqa: E999'\n"
        "c = 2  # NOQA:e731\n"
        "d = 3  # noqa\n"
    )
    assert noqa_codes(source) == {1: {"E501", "W291"}, 3: {"E731"}}
    assert has_noqa("x = 1  # noqa\n")
    assert has_noqa("# flake8: noqa\n")
    assert not has_noqa("x = '# noqa'\n")


# ---- black ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "comment",
    [
        "# fmt: off",
        "# fmt:off",
        "# fmt: skip",
        "# fmt:skip",
        "# yapf: disable",
        "# fmt: on",
        "# yapf: enable",
        "# noqa # fmt: skip",
        "# type: ignore; fmt: skip",
        "#fmt: off",
    ],
)
def test_every_black_pragma_is_found(comment: str) -> None:
    (pragma,) = black_pragmas(f"x = 1\ny = [1,2]  {comment}\n")
    assert pragma.line == 2
    assert pragma.text == comment


def test_pragma_words_in_strings_are_not_pragmas() -> None:
    source = (
        '"""Docs: # fmt: off is refused."""\n'
        "x = '# fmt: off'\n"
        'y = """\n# fmt: skip\n"""\n'
    )
    assert black_pragmas(source) == []


def test_fmt_off_on_badly_formatted_code_fails_naming_file_and_line(
    tmp_path: Path,
) -> None:
    outcome = black(tmp_path, "x = 1\n# fmt: off\n" + BAD_STYLE + "# fmt: on\n")
    assert (outcome.status, outcome.score) == ("fail", 0.0)
    assert outcome.message.startswith("mod.py:2: `# fmt: off` is not allowed")
    assert "(and 1 more)" in outcome.message
    assert outcome.details["files"] == ["mod.py"]
    assert [p["line"] for p in outcome.details["pragmas"]] == [2, 5]


def test_fmt_skip_is_refused_even_on_formatted_code(tmp_path: Path) -> None:
    outcome = black(tmp_path, "x = [1, 2]  # fmt: skip\n")
    assert outcome.status == "fail"
    assert "mod.py:1: `# fmt: skip` is not allowed" in outcome.message
    assert "black leaves this statement unformatted" in outcome.message


def test_formatted_code_with_pragma_words_in_strings_passes(tmp_path: Path) -> None:
    outcome = black(tmp_path, 'NOTE = "# fmt: off"\n')
    assert (outcome.status, outcome.message) == ("pass", "formatted")
