"""`grader exercises new`: a new exercise laid out as the format demands, ready to fill in.

The scaffold already holds together: its reference gets full marks, its starter fails the
hidden suite, and `grader exercises validate` names what is left to write (more hidden
tests). Authors replace the example function and keep the shape.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.catalog.loader import ExercisePack
from grader.errors import ExerciseError
from grader.files import write_atomic
from grader.registry.declaration import Scaffold
from grader.registry.checks import declarations

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def new_exercise(
    pack: ExercisePack, *, slug: str, stage: int, title_en: str, title_zh: str
) -> Path:
    """Create `stage<stage>/<slug>/` in `pack` and return its folder.

    Raises ExerciseError for a slug that is malformed or already used in the pack, or a
    stage outside 1-4; nothing is written then.
    """
    if not SLUG.fullmatch(slug) or len(slug) > 64:
        raise ExerciseError(
            f"slug {slug!r} is not valid: use lowercase letters, digits and single "
            "hyphens, such as 'word-count'"
        )
    if stage not in (1, 2, 3, 4):
        raise ExerciseError(f"stage {stage} does not exist: use 1, 2, 3 or 4")
    for existing in pack.exercise_dirs():
        if existing.name == slug:
            raise ExerciseError(
                f"slug {slug!r} is already used by {existing}; slugs are unique in a pack"
            )
    root = pack.root / f"stage{stage}" / slug
    if root.exists():
        raise ExerciseError(f"{root} already exists; choose another slug")
    module = slug.replace("-", "_")
    if module[0].isdigit():
        module = f"ex_{module}"
    files = _files(slug, stage, module, title_en, title_zh)
    for relative, text in files.items():
        write_atomic(root / relative, text, folder=root)
    return root


def _files(
    slug: str, stage: int, module: str, title_en: str, title_zh: str
) -> dict[str, str]:
    test_file = f"tests/test_{module}.py"
    scaffolds = [d.scaffold for d in declarations() if d.scaffold is not None]
    on = [s for s in scaffolds if s.on]
    return {
        "exercise.toml": _EXERCISE_TOML.format(
            slug=slug,
            stage=stage,
            title_en=_toml_string(title_en),
            title_zh=_toml_string(title_zh),
            module=module,
            test_file=test_file,
        )
        + "\n".join(_toml_section(s) for s in scaffolds),
        "instructions.md": _INSTRUCTIONS_EN.format(
            title=title_en,
            rows="\n".join(s.row_en for s in on).format(module=module),
            switch_off=_list([s.switch_off_en for s in on], ";", "."),
        ),
        "instructions.zh.md": _INSTRUCTIONS_ZH.format(
            title=title_zh,
            rows="\n".join(s.row_zh for s in on).format(module=module),
            switch_off=_list([s.switch_off_zh for s in on], "；", "。"),
        ),
        f"starter/{module}.py": _STARTER.format(title=_docstring_text(title_en)),
        f"starter/{test_file}": _VISIBLE_TESTS.format(module=module),
        f"reference/{module}.py": _REFERENCE.format(title=_docstring_text(title_en)),
        f"reference/{test_file}": _REFERENCE_TESTS.format(module=module),
        f"hidden/test_{module}.py": _HIDDEN_TESTS.format(module=module),
        "hints.md": _HINTS_EN,
        "hints.zh.md": _HINTS_ZH,
    }


def _list(items: list[str], between: str, last: str) -> str:
    """A Markdown list of the non-empty `items`, punctuated as one sentence."""
    items = [item for item in items if item]
    ends = [between] * (len(items) - 1) + [last]
    return "\n".join(f"- {item}{end}" for item, end in zip(items, ends))


def _toml_section(scaffold: Scaffold) -> str:
    """A check's exercise.toml section; commented out for a check that is off by default."""
    if scaffold.on:
        return scaffold.toml
    return "".join(f"# {line}\n" for line in scaffold.toml.splitlines())


def _docstring_text(text: str) -> str:
    """`text` as it may stand inside a triple-quoted docstring."""
    return " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')


def _toml_string(text: str) -> str:
    """A TOML basic string holding `text`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in escaped) + '"'


_EXERCISE_TOML = """slug = "{slug}"
stage = {stage}
version = "0.1.0"
difficulty = "medium"
topics = []

[title]
en = {title_en}
zh = {title_zh}

[[tasks]]
id = 1
title = {{ en = "Double a whole number", zh = "把整数翻倍" }}

[[tasks]]
id = 2
title = {{ en = "Refuse what is not a whole number", zh = "拒绝非整数的输入" }}

[files]
solution = ["{module}.py"]
tests = ["{test_file}"]
extra = []

[limits]
run_seconds = 120
test_seconds = 10
memory_mb = 512
max_file_kb = 256

[grading]
pass_percent = 80

"""

_INSTRUCTIONS_EN = """# {title}

What the student builds, and why a team would want it.

## Task 1 — Double a whole number

`double(value)` returns `value * 2`.

## Task 2 — Refuse what is not a whole number

`double` raises `TypeError` for anything that is not an `int` (`bool` included).

## What the checks demand

| Check | Weight | Passes when |
|-------|--------|-------------|
{rows}

Comments that switch a check off do not count:

{switch_off}
"""

_INSTRUCTIONS_ZH = """# {title}

学生要构建什么，以及团队为什么需要它。

## 任务 1 — 把整数翻倍

`double(value)` 返回 `value * 2`。

## 任务 2 — 拒绝非整数的输入

对任何不是 `int` 的值（包括 `bool`），`double` 抛出 `TypeError`。

## 评分检查要求

| 检查 | 权重 | 通过条件 |
|------|------|----------|
{rows}

关闭检查的注释不算数：

{switch_off}
"""

_STARTER = '''"""{title}."""


def double(value: int) -> int:
    """Return ``value * 2``; raise TypeError when ``value`` is not an int."""
    raise NotImplementedError("Task 1 and Task 2")
'''

_REFERENCE = '''"""{title}."""


def double(value: int) -> int:
    """Return ``value * 2``; raise TypeError when ``value`` is not an int."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"double needs an int, got {{type(value).__name__}}")
    return value * 2
'''

_VISIBLE_TESTS = """from {module} import double


def test_double_of_a_small_number():
    assert double(2) == 4
"""

_REFERENCE_TESTS = """import pytest

from {module} import double


def test_double_of_a_small_number():
    assert double(2) == 4


def test_double_refuses_a_string():
    with pytest.raises(TypeError):
        double("2")
"""

_HIDDEN_TESTS = '''"""Hidden tests: each has a task marker, points, and a docstring title.

`core` marks the tests that carry a task's lesson: the task's gate needs them to pass.
"""

import pytest

from {module} import double


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.core
@pytest.mark.parametrize("value, expected", [(0, 0), (3, 6), (-4, -8), (10**20, 2 * 10**20)])
def test_double_of_whole_numbers(value, expected):
    """double returns twice a whole number, negative and huge ones included"""
    assert double(value) == expected


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.core
@pytest.mark.parametrize("value", ["2", 2.0, None, True], ids=["str", "float", "none", "bool"])
def test_double_refuses_what_is_not_an_int(value):
    """double raises TypeError for a value that is not an int (bool included)"""
    with pytest.raises(TypeError):
        double(value)
'''

_HINTS_EN = """## Task 1

- Multiplying by 2 works for any int, however large: Python's ints have no fixed size.

## Task 2

- `isinstance(True, int)` is true: check for `bool` first.
"""

_HINTS_ZH = """## 任务 1

- 乘以 2 对任何大小的 int 都成立：Python 的 int 没有固定位数。

## 任务 2

- `isinstance(True, int)` 为真：先判断是不是 `bool`。
"""
