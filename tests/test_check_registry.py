"""Each check is declared once (grader/registry): the registry, the declarations, the two
JSON schemas and every view agree, and no view singles a check out by its id."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from grader.catalog.loader import exercise_schema
from grader.registry.checks import CHECK_IDS, CHECKS, declaration, declarations
from grader.registry.declaration import CheckDeclaration
from grader.scorecard.serialize import scorecard_schema

GRADER = Path(__file__).resolve().parents[1] / "grader"

# The views that show or score every check: each reads the declarations.
VIEWS = [
    "cli/render.py",
    "ci/summary.py",
    "ci/annotations.py",
    "scorecard/exports/_shared.py",
    "scorecard/exports/exercism.py",
    "scorecard/exports/gradescope.py",
    "scorecard/exports/junit.py",
    "scorecard/exports/prairielearn.py",
    "stages/exercise_criteria.py",
    "stages/typing_criteria.py",
    "authoring/scaffold.py",
    "pipeline.py",
    "sandbox/entrypoint.py",
    "runner/image.py",
    "runner/submission.py",
    "catalog/loader.py",
]
# `check.id == "flake8"`, `config.id != 'tests'`, `"black" == check_id`.
ID_TEST = re.compile(
    r"""\bid\s*[!=]=\s*["'](?P<a>\w+)["']|["'](?P<b>\w+)["']\s*[!=]=\s*\w*\.?id\b"""
)


def plain(value: Any) -> Any:
    """A schema as JSON has it (tuples become lists)."""
    return json.loads(json.dumps(value))


def test_each_line_names_a_module_that_declares_that_check() -> None:
    assert len(set(CHECK_IDS)) == len(CHECK_IDS)
    for entry in CHECKS:
        module = importlib.import_module(entry.module)
        declared = module.DECLARATION
        assert isinstance(declared, CheckDeclaration)
        assert (declared.id, declared.runs_in) == (entry.id, entry.runs_in)
        assert declaration(entry.id) is declared
        assert declared.title and declared.title_zh
    assert [d.id for d in declarations()] == list(CHECK_IDS)


def test_only_a_host_check_adds_to_a_jobs_time_on_the_host() -> None:
    from grader.catalog.model import CheckConfig

    options = {"build_seconds": 100.0, "health_seconds": 20.0}
    for declared in declarations():
        seconds = declared.host_seconds(CheckConfig(declared.id, 10.0, options))
        assert seconds == (120.0 if declared.runs_in == "host" else 0.0), declared.id


def test_only_the_sandbox_checks_put_tools_in_the_runner_image() -> None:
    for declared in declarations("host"):
        assert declared.tools == () and declared.modules == ()
    assert all(d.tools for d in declarations("sandbox"))


def test_the_scorecard_schema_holds_each_declared_check() -> None:
    schema = scorecard_schema()
    check = schema["$defs"]["check"]
    assert check["properties"]["id"]["enum"] == list(CHECK_IDS)
    by_id = {
        rule["if"]["properties"]["id"]["const"]: rule["then"] for rule in check["allOf"]
    }
    assert list(by_id) == list(CHECK_IDS)
    for declared in declarations():
        ref = f"#/$defs/{declared.id}_details"
        assert by_id[declared.id] == {"properties": {"details": {"$ref": ref}}}
        assert schema["$defs"][f"{declared.id}_details"] == plain(
            declared.details_schema
        ), f"scorecard.schema.json $defs/{declared.id}_details differs from the declaration"


def test_the_exercise_schema_holds_each_declared_check_and_its_options() -> None:
    checks = exercise_schema()["properties"]["checks"]["properties"]
    assert list(checks) == list(CHECK_IDS)
    for declared in declarations():
        options = dict(checks[declared.id]["properties"])
        assert options.pop("weight") is True
        assert options == plain(
            declared.options_schema
        ), f"exercise.schema.json checks.{declared.id} differs from the declaration"


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_empty_details_follow_the_checks_details_schema(check_id: str) -> None:
    import jsonschema

    from grader.catalog.model import CheckConfig

    declared = declaration(check_id)
    schema = {**plain(declared.details_schema), "$defs": scorecard_schema()["$defs"]}
    empty = declared.empty_details(CheckConfig(check_id, 10.0, {"threshold": 85}))
    jsonschema.validate(empty, schema)


@pytest.mark.parametrize("view", VIEWS)
def test_no_view_singles_a_check_out_by_its_id(view: str) -> None:
    source = (GRADER / view).read_text(encoding="utf-8")
    named = [
        m.group("a") or m.group("b")
        for m in ID_TEST.finditer(source)
        if (m.group("a") or m.group("b")) in CHECK_IDS
    ]
    assert named == [], f"{view} tests a check's id: {named}"


def test_the_id_test_pattern_finds_what_it_is_for() -> None:
    lines = ['if check.id == "flake8":', "elif c.id != 'tests'", 'if "black" == c.id']
    assert [bool(ID_TEST.search(line)) for line in lines] == [True, True, True]
