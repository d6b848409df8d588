"""The types check: mypy on the solution files, under the grader's own configuration only.

The check runs here in-process, as the sandbox's entrypoint runs it (without the uid switch);
the end-to-end tests grade a copy of the fixture exercise with `[checks.types]` switched on.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from grader.catalog.loader import load_exercise
from grader.catalog.model import CheckConfig, Exercise
from grader.errors import ExerciseError
from grader.graders import types_check
from grader.graders.base import CheckContext
from grader.pipeline import grade_workspace
from grader.runner import Backend, LocalBackend
from grader.scorecard import serialize
from grader.scorecard.model import CheckResult
from tests.conftest import WORD_COUNT

TYPED = "def double(n: int) -> int:\n    return n * 2\n"
TYPE_ERROR = "def double(n: int) -> str:\n    return n * 2\n"
# Imported by mypy only if it read a configuration that names it as a plugin.
PLUGIN = (
    "import pathlib\n"
    "pathlib.Path({marker!r}).write_text('the plugin ran')\n"
    "def plugin(version):\n"
    "    raise SystemExit(0)\n"
)


def context(
    root: Path, files: dict[str, str], solution: tuple[str, ...]
) -> CheckContext:
    submission = root / "submission"
    for rel, text in files.items():
        path = submission / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    work = root / "work"
    for name in ("entry", "trusted", "shared", "tmp", "student"):
        (work / name).mkdir(parents=True)
    return CheckContext(
        submission=submission,
        hidden=root / "hidden",
        work=work,
        solution_files=solution,
        test_files=(),
        python_files=tuple(f for f in files if f.endswith(".py")),
        test_seconds=10.0,
        deadline=time.monotonic() + 120,
    )


def check_types(
    root: Path, files: dict[str, str], **options: object
) -> tuple[CheckResult, CheckContext]:
    ctx = context(root, files, solution=("mod.py",))
    return types_check.run(ctx, CheckConfig("types", 10.0, dict(options))), ctx


def test_a_type_error_fails_the_check_with_the_error_listed(tmp_path: Path) -> None:
    found, _ = check_types(tmp_path, {"mod.py": TYPE_ERROR})
    assert found.status == "fail"
    error = {k: v for k, v in found.details["errors"][0].items() if k != "message"}
    assert error == {"path": "mod.py", "line": 2, "col": 12, "code": "return-value"}
    assert "Incompatible return value type" in found.details["errors"][0]["message"]
    assert found.details["count"] == 1
    assert found.message.startswith("1 problem(s); first: mod.py:2:12: Incompatible")


def test_typed_code_passes(tmp_path: Path) -> None:
    found, _ = check_types(tmp_path, {"mod.py": TYPED})
    assert (found.status, found.message) == ("pass", "no type errors")
    assert found.details == {"errors": [], "count": 0}


def test_a_function_without_types_fails_unless_the_exercise_allows_it(
    tmp_path: Path,
) -> None:
    untyped = "def double(n):\n    return n * 2\n"
    found, _ = check_types(tmp_path / "default", {"mod.py": untyped})
    assert found.status == "fail"
    assert [e["code"] for e in found.details["errors"]] == ["no-untyped-def"]
    allowed, _ = check_types(
        tmp_path / "allowed", {"mod.py": untyped}, disallow_untyped_defs=False
    )
    assert allowed.status == "pass"


def test_strict_is_the_exercises_choice(tmp_path: Path) -> None:
    bare_generic = "def first(items: list) -> object:\n    return items[0]\n"
    found, _ = check_types(tmp_path / "default", {"mod.py": bare_generic})
    assert found.status == "pass"
    strict, _ = check_types(tmp_path / "strict", {"mod.py": bare_generic}, strict=True)
    assert strict.status == "fail"
    assert [e["code"] for e in strict.details["errors"]] == ["type-arg"]


@pytest.mark.parametrize(
    "name, text",
    [
        ("mypy.ini", "[mypy]\nignore_errors = True\nplugins = evil_plugin\n"),
        (".mypy.ini", "[mypy]\nignore_errors = True\nplugins = evil_plugin\n"),
        ("setup.cfg", "[mypy]\nignore_errors = True\nplugins = evil_plugin\n"),
        (
            "pyproject.toml",
            '[tool.mypy]\nignore_errors = true\nplugins = ["evil_plugin"]\n',
        ),
    ],
)
def test_the_submissions_mypy_configuration_and_plugins_take_no_part(
    tmp_path: Path, name: str, text: str
) -> None:
    marker = tmp_path / "plugin-ran"
    files = {
        "mod.py": TYPE_ERROR,
        name: text,
        "evil_plugin.py": PLUGIN.format(marker=str(marker)),
    }
    found, _ = check_types(tmp_path, files)
    assert found.status == "fail"
    assert [e["code"] for e in found.details["errors"]] == ["return-value"]
    assert not marker.exists(), "mypy imported the submission's plugin"


def test_the_cache_lands_in_the_sandboxs_scratch_not_in_the_submission(
    tmp_path: Path,
) -> None:
    found, ctx = check_types(tmp_path, {"mod.py": TYPED})
    assert found.status == "pass"
    assert (ctx.trusted_scratch / "mypy-cache").is_dir()
    assert sorted(p.name for p in ctx.submission.rglob("*")) == ["mod.py"]
    command = types_check.mypy_command(ctx, CheckConfig("types", 1.0), ["mod.py"])
    assert f"--config-file={ctx.trusted_work / 'mypy.ini'}" in command
    assert f"--cache-dir={ctx.trusted_scratch / 'mypy-cache'}" in command


@pytest.mark.parametrize(
    "source",
    [
        "x: int = 'a'  # type: ignore\n",
        "# type: ignore\nx: int = 'a'\n",
        "# mypy: ignore-errors\nx: int = 'a'\n",
        "from typing import Any\n\n\ndef f(x: int) -> Any:  # type: ignore[misc]\n"
        "    return x\n",
        "import typing\n\n\n@typing.no_type_check\ndef f(x: int) -> str:\n"
        "    return x\n",
    ],
    ids=[
        "line-ignore",
        "file-ignore",
        "inline-config",
        "coded-ignore",
        "no-type-check",
    ],
)
def test_what_would_switch_mypy_off_is_refused(tmp_path: Path, source: str) -> None:
    found, _ = check_types(tmp_path, {"mod.py": source})
    assert found.status == "fail"
    refused = [e for e in found.details["errors"] if e["code"] == "refused-comment"]
    assert refused and refused[0]["path"] == "mod.py"
    assert "is not allowed" in refused[0]["message"]


def test_pragma_words_in_a_string_are_not_refused(tmp_path: Path) -> None:
    found, _ = check_types(tmp_path, {"mod.py": 'NOTE = "# type: ignore"\n'})
    assert found.status == "pass"


def test_no_python_solution_file_skips_the_check(tmp_path: Path) -> None:
    ctx = context(tmp_path, {"data.csv": "a,b\n"}, solution=("data.csv",))
    found = types_check.run(ctx, CheckConfig("types", 10.0))
    assert found.status == "skipped"


# ---- switched on in exercise.toml, graded end to end --------------------------------


def typed_exercise(
    root: Path, extra: tuple[str, ...] = (), options: str = ""
) -> Exercise:
    """A copy of the fixture exercise with the types check switched on; `extra` files may
    enter the sandbox too."""
    dest = root / "stage1" / "word-count"
    shutil.copytree(WORD_COUNT, dest, ignore=shutil.ignore_patterns("__pycache__"))
    toml = dest / "exercise.toml"
    tests = 'tests = ["tests/test_word_count.py"]'
    text = toml.read_text(encoding="utf-8").replace(
        tests, f"{tests}\nextra = {json.dumps(list(extra))}"
    )
    toml.write_text(text + f"\n[checks.types]\nweight = 10\n{options}", "utf-8")
    return load_exercise(dest)


def grade(
    exercise: Exercise, workspace: Path, backend: Backend
) -> dict[str, CheckResult]:
    card = grade_workspace(workspace, exercise=exercise, backend=backend)
    assert serialize.schema_errors(serialize.to_dict(card)) == []
    return {c.id: c for c in card.checks}


def test_an_unknown_option_of_the_check_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(ExerciseError, match="plugins"):
        typed_exercise(tmp_path, options='plugins = ["evil_plugin"]\n')


@pytest.mark.slow
def test_an_exercise_switches_the_check_on_and_only_then_grades_types(
    tmp_path: Path,
) -> None:
    backend = LocalBackend()
    plain = load_exercise(WORD_COUNT)
    without = grade(plain, WORD_COUNT / "reference", backend)
    assert "types" not in without
    exercise = typed_exercise(tmp_path / "pack")
    assert [c.id for c in exercise.checks][-1] == "types"
    passed = grade(exercise, WORD_COUNT / "reference", backend)
    assert list(passed) == ["tests", "flake8", "black", "coverage", "types"]
    assert (passed["types"].status, passed["types"].score) == ("pass", 10.0)
    workspace = tmp_path / "broken"
    shutil.copytree(WORD_COUNT / "reference", workspace)
    source = workspace / "word_count.py"
    source.write_text(
        source.read_text().replace("return ranked[:n]", "return len(ranked)")
    )
    failed = grade(exercise, workspace, backend)["types"]
    assert (failed.status, failed.score, failed.max_score) == ("fail", 0.0, 10.0)
    assert failed.details["errors"][0]["path"] == "word_count.py"
    assert failed.details["errors"][0]["code"] == "return-value"


@pytest.mark.docker
def test_in_the_docker_sandbox_the_submissions_mypy_settings_take_no_part(
    tmp_path: Path, docker_backend: Backend
) -> None:
    exercise = typed_exercise(tmp_path / "pack", ("mypy.ini", "evil_plugin.py"))
    workspace = tmp_path / "submission"
    shutil.copytree(WORD_COUNT / "reference", workspace)
    source = workspace / "word_count.py"
    source.write_text(
        source.read_text().replace("return ranked[:n]", "return len(ranked)")
    )
    (workspace / "mypy.ini").write_text(
        "[mypy]\nignore_errors = True\nplugins = evil_plugin\n"
    )
    (workspace / "evil_plugin.py").write_text(
        "def plugin(version):\n    raise SystemExit(0)\n"
    )
    found = grade(exercise, workspace, docker_backend)["types"]
    assert found.status == "fail", found.message
    assert [e["code"] for e in found.details["errors"]] == ["return-value"]
