"""Exports of real scorecards, checked against each system's published result rules.

The rules are written here from the public documentation, not from our exporters:
Exercism's test-runner interface (results.json v3), Gradescope's autograder specifications,
PrairieLearn's external-grading results format, and the JUnit XML schemas of Jenkins
(junit-10.xsd) and Ant (JUnit.xsd).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.pipeline import grade_workspace
from grader.scorecard import serialize
from grader.scorecard.exports import FORMATS, export
from grader.scorecard.exports.exercism import TestSource, readable_name, results
from grader.scorecard.model import Scorecard
from tests.conftest import TESTS

GOLDEN = TESTS / "golden"

# --- Exercism: exercism.org/docs/building/tooling/test-runners/interface -----------------
EXERCISM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "status"],
    "properties": {
        "version": {"const": 3},
        "status": {"enum": ["pass", "fail", "error"]},
        # Required when status is error; otherwise null or absent. At most 65535 characters.
        "message": {"type": ["string", "null"], "maxLength": 65535},
        "tests": {"type": "array", "items": {"$ref": "#/$defs/test"}},
    },
    "if": {"properties": {"status": {"const": "error"}}},
    "then": {
        "required": ["message"],
        "properties": {"message": {"type": "string", "minLength": 1}},
    },
    "else": {"required": ["tests"], "properties": {"message": {"type": "null"}}},
    "$defs": {
        "test": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "status"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "status": {"enum": ["pass", "fail", "error"]},
                "message": {"type": ["string", "null"]},
                "output": {"type": ["string", "null"], "maxLength": 500},
                "test_code": {"type": "string"},
                "task_id": {"type": "integer", "minimum": 1},
            },
        }
    },
}


def exercism_problems(document: dict[str, Any]) -> list[str]:
    """Schema errors, and the status rules the interface states in prose."""
    problems = [
        e.message
        for e in jsonschema.Draft202012Validator(EXERCISM_SCHEMA).iter_errors(document)
    ]
    statuses = [t["status"] for t in document.get("tests", [])]
    status = document.get("status")
    if status == "error" and statuses:
        problems.append("error means no test was executed, yet tests are listed")
    if status == "pass" and any(s != "pass" for s in statuses):
        problems.append("pass, but a test did not pass")
    if status == "fail" and all(s == "pass" for s in statuses):
        problems.append("fail, but every test passed")
    for test in document.get("tests", []):
        if test["status"] == "pass" and test.get("message"):
            problems.append(f"{test['name']}: a passing test carries a failure message")
    return problems


# --- Gradescope: gradescope-autograders.readthedocs.io/en/latest/specs/ -----------------
_VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
_FORMAT = {"enum": ["text", "simple_format", "html", "md", "ansi"]}
GRADESCOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    # A top-level score, or a score on every test.
    "anyOf": [
        {"required": ["score"]},
        {
            "required": ["tests"],
            "properties": {"tests": {"items": {"required": ["score"]}}},
        },
    ],
    "properties": {
        "score": {"type": "number"},
        "max_score": {
            "type": "number",
            "minimum": 0,
        },  # ours: not in the spec, ignored there
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": _FORMAT,
        "test_output_format": _FORMAT,
        "test_name_format": _FORMAT,
        "visibility": _VISIBILITY,
        "stdout_visibility": _VISIBILITY,
        "extra_data": {"type": "object"},
        "leaderboard": {"type": "array"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string"},
                    "name_format": _FORMAT,
                    "number": {"type": "string"},
                    "output": {"type": "string"},
                    "output_format": _FORMAT,
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": _VISIBILITY,
                    "extra_data": {"type": "object"},
                },
            },
        },
    },
}

# --- PrairieLearn: docs.prairielearn.com/externalGrading/ (Grading results) --------------
PRAIRIELEARN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "gradable": {"type": "boolean"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "format_errors": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}},
            ]
        },
        "message": {"type": "string"},
        "output": {"type": "string"},
        "images": {"type": "array"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "points": {"type": "number", "minimum": 0},
                    "max_points": {"type": "number", "minimum": 0},
                    "message": {"type": "string"},
                    "output": {"type": "string"},
                    "images": {"type": "array"},
                },
            },
        },
    },
    # A gradable result needs a score; `gradable: false` comes with format errors.
    "if": {"required": ["gradable"], "properties": {"gradable": {"const": False}}},
    "then": {"required": ["format_errors"]},
    "else": {"required": ["score"]},
}
PRAIRIELEARN_MAX_BYTES = 1_000_000


def schema_problems(schema: dict[str, Any], document: Any) -> list[str]:
    return [
        e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(document)
    ]


# --- JUnit XML: Jenkins xunit-plugin junit-10.xsd, with what Ant's JUnit.xsd requires -----
SUITES_ATTRS = {"name", "time", "tests", "failures", "errors"}
SUITE_ATTRS = {
    "name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp",
    "hostname", "id", "package", "file", "log", "url",
}  # fmt: skip
SUITE_REQUIRED = {
    "name",
    "tests",
    "failures",
    "errors",
    "time",
    "timestamp",
    "hostname",
}
CASE_ATTRS = {"name", "time", "classname", "group"}
OUTCOMES = {"failure", "error", "skipped"}
TIME = re.compile(r"^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$")  # SUREFIRE_TIME
TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$")


def junit_problems(text: str) -> list[str]:
    """Structure, attributes and counts of a JUnit report, as the schemas lay them out."""
    problems: list[str] = []
    root = ET.fromstring(text)
    if root.tag != "testsuites":
        return [f"root is <{root.tag}>, not <testsuites>"]
    problems += [f"testsuites@{a} not allowed" for a in set(root.attrib) - SUITES_ATTRS]
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for index, suite in enumerate(root):
        where = f"testsuite[{index}]"
        if suite.tag != "testsuite":
            problems.append(f"<{suite.tag}> inside <testsuites>")
            continue
        problems += [
            f"{where}@{a} not allowed" for a in set(suite.attrib) - SUITE_ATTRS
        ]
        problems += [f"{where}@{a} missing" for a in SUITE_REQUIRED - set(suite.attrib)]
        if suite.get("id") != str(index) or not suite.get("package"):
            problems.append(
                f"{where}: Ant numbers suites from 0 and names their package"
            )
        if not TIMESTAMP.match(suite.get("timestamp", "")):
            problems.append(
                f"{where}@timestamp {suite.get('timestamp')!r} (no time zone)"
            )
        if not TIME.match(suite.get("time", "")):
            problems.append(f"{where}@time {suite.get('time')!r}")
        tags = [child.tag for child in suite]
        expected_order = ["properties"] + ["testcase"] * tags.count("testcase")
        if tags != expected_order + ["system-out", "system-err"]:
            problems.append(
                f"{where}: children {tags} not properties, testcase*, out, err"
            )
        for prop in suite.iter("property"):
            if set(prop.attrib) != {"name", "value"}:
                problems.append(f"{where}: property needs exactly name and value")
        counts = {"failure": 0, "error": 0, "skipped": 0}
        cases = suite.findall("testcase")
        for case in cases:
            problems += [
                f"{where} testcase@{a} not allowed"
                for a in set(case.attrib) - CASE_ATTRS
            ]
            if not case.get("name") or not case.get("classname"):
                problems.append(f"{where}: testcase without name or classname")
            if not TIME.match(case.get("time", "")) or not case.get("time"):
                problems.append(f"{where}: testcase@time {case.get('time')!r}")
            outcomes = [c for c in case if c.tag in OUTCOMES]
            if len(outcomes) > 1:
                problems.append(
                    f"{where}: testcase {case.get('name')} has two outcomes"
                )
            for child in case:
                if child.tag not in OUTCOMES | {"system-out", "system-err"}:
                    problems.append(f"{where}: <{child.tag}> inside <testcase>")
                if child.tag in OUTCOMES:
                    counts[child.tag] += 1
                    if set(child.attrib) - {"type", "message"}:
                        problems.append(
                            f"{where}: <{child.tag}> attributes {child.attrib}"
                        )
                    if child.tag != "skipped" and not child.get("type"):
                        problems.append(f"{where}: <{child.tag}> without type (Ant)")
        for attribute, value in (
            ("tests", len(cases)),
            ("failures", counts["failure"]),
            ("errors", counts["error"]),
            ("skipped", counts["skipped"]),
        ):
            if suite.get(attribute) != str(value):
                problems.append(
                    f"{where}@{attribute}={suite.get(attribute)}, counted {value}"
                )
        for attribute in totals:
            totals[attribute] += int(suite.get(attribute, 0))
    for attribute, value in totals.items():
        if root.get(attribute) != str(value):
            problems.append(
                f"testsuites@{attribute}={root.get(attribute)}, sum {value}"
            )
    return problems


RULES = {
    "exercism": lambda text: exercism_problems(json.loads(text)),
    "gradescope": lambda text: schema_problems(GRADESCOPE_SCHEMA, json.loads(text)),
    "prairielearn": lambda text: schema_problems(PRAIRIELEARN_SCHEMA, json.loads(text)),
    "junit": junit_problems,
}


# --- Real scorecards -----------------------------------------------------------------------


def golden_card(scenario: str) -> Scorecard:
    """A golden scorecard with its volatile fields (normalized away on disk) put back."""
    data = json.loads((GOLDEN / scenario / "expected.json").read_text(encoding="utf-8"))
    data.update(started_at="2026-03-01T09:30:00Z", finished_at="2026-03-01T09:30:04Z")
    data["duration"] = 4.2
    data["submission"]["sha256"] = "a" * 64
    for entry in data["submission"]["files"]:
        entry["sha256"] = "b" * 64
    data["runner"]["grader_version"] = "0.1.0"
    for check in data["checks"]:
        check["duration"] = 0.5
        for test in check["details"].get("tests", []):
            test["duration"] = 0.012
    return serialize.from_dict(data)


@pytest.fixture(scope="module")
def failing_card(tmp_path_factory: pytest.TempPathFactory) -> Scorecard:
    """A real grading run that ends below the pass mark: a failing test, lint and format."""
    from grader.catalog import ExercisePack
    from grader.runner import LocalBackend
    from tests.conftest import FIXTURE_PACK

    workspace = tmp_path_factory.mktemp("failing") / "submission"
    shutil.copytree(GOLDEN / "failing-tests" / "submission", workspace)
    with open(workspace / "word_count.py", "a", encoding="utf-8") as source:
        source.write("\nunused=[1,2 ,3]\n")
    exercise = ExercisePack(FIXTURE_PACK).get("word-count")
    card = grade_workspace(workspace, exercise=exercise, backend=LocalBackend())
    assert card.status == "fail" and 0 < card.score < card.max_score
    return card


CARDS = {
    "pass": "full-marks",
    "partial": "failing-tests",
    "timeout": "timeout-swallowed",
    "lint": "flake8-violations",
    "error-import": "import-error",
    "error-syntax": "syntax-error",
    "error-missing": "missing-file",
}


@pytest.fixture(params=sorted(CARDS))
def card(request: pytest.FixtureRequest) -> Scorecard:
    return golden_card(CARDS[request.param])


# --- Exercism ------------------------------------------------------------------------------


def test_exercism_results_follow_the_interface(card: Scorecard) -> None:
    document = json.loads(export(card, "exercism"))
    assert exercism_problems(document) == []
    # These error scorecards never ran a test: that, and only that, is an Exercism error.
    assert (document["status"] == "error") == (card.status == "error")


def test_exercism_error_scorecard_is_status_error_with_its_message() -> None:
    card = golden_card("import-error")
    document = results(card)
    assert document == {
        "version": 3,
        "status": "error",
        "message": card.message,
        "tests": [],
    }
    assert "could not import your code" in document["message"]


def test_exercism_error_in_another_check_after_the_tests_ran_is_a_fail() -> None:
    card = golden_card("full-marks")
    coverage = card.check("coverage")
    coverage.status, coverage.message = "error", "the coverage check failed inside"
    card.status, card.message = "error", coverage.message
    document = results(card)
    assert exercism_problems(document) == []
    assert document["status"] == "fail"
    assert document["tests"][-1] == {
        "name": "Coverage of your tests",
        "status": "error",
        "test_code": "",
        "message": "the coverage check failed inside",
    }


def test_exercism_partial_credit_names_statuses_tasks_and_messages() -> None:
    document = results(golden_card("failing-tests"))
    assert document["status"] == "fail"
    by_name = {t["name"]: t for t in document["tests"]}
    assert list(by_name)[:5] == [
        "test counts each word",
        "test counts ignore case",
        "test empty text",
        "test top words order",
        "test top words rejects negative n",
    ]
    failed = by_name["test counts ignore case"]
    assert (failed["status"], failed["task_id"]) == ("fail", 1)
    assert failed["message"].startswith(
        "assert {'Hello': 1, 'hello': 1} == {'hello': 2}"
    )
    assert by_name["test top words order"] == {
        "name": "test top words order",
        "status": "pass",
        "test_code": "",
        "task_id": 2,
    }
    # The engineering checks follow the tests, each one more test.
    assert [t["name"] for t in document["tests"][5:]] == [
        "flake8 (PEP 8 and errors)",
        "black formatting",
        "Coverage of your tests",
    ]


def test_exercism_timeout_is_a_test_error_and_lint_failures_fail(
    failing_card: Scorecard,
) -> None:
    timeout = results(golden_card("timeout-swallowed"))
    (late,) = [t for t in timeout["tests"] if t["status"] != "pass"]
    assert late["status"] == "error" and "time limit" in late["message"]
    assert timeout["status"] == "fail"
    lint = results(failing_card)
    (flake8,) = [t for t in lint["tests"] if t["name"].startswith("flake8")]
    assert flake8["status"] == "fail"
    assert "word_count.py:" in flake8["message"] and "E231" in flake8["message"]


def test_exercism_output_is_capped_at_500_characters_marker_included() -> None:
    card = golden_card("failing-tests")
    tests = card.check("tests").details["tests"]
    tests[0]["output"] = "x" * 3000
    tests[1]["output"] = "short\n"
    document = results(card)
    long, short = document["tests"][0]["output"], document["tests"][1]["output"]
    assert len(long) == 500
    assert long.endswith("[Output was truncated. Please limit to 500 chars]")
    assert short == "short"
    assert "output" not in document["tests"][2]


def test_exercism_test_code_and_file_order_come_from_the_sources() -> None:
    card = golden_card("failing-tests")
    ids = [t["id"] for t in card.check("tests").details["tests"]]
    # The file defines them in reverse of the order they ran in.
    sources = {
        test_id: TestSource(file_index=0, line=100 - i, code=f"assert step({i})")
        for i, test_id in enumerate(ids)
    }
    document = results(card, sources=sources)
    hidden = document["tests"][: len(ids)]
    assert [t["test_code"] for t in hidden] == [
        f"assert step({i})" for i in reversed(range(len(ids)))
    ]


@pytest.mark.parametrize(
    ("test_id", "name"),
    [
        (
            "lasagna_test.py::LasagnaTest::test_bake_time_remaining",
            "Lasagna > bake time remaining",
        ),
        ("x_test.py::ExampleHasStdoutTest::test_abc", "ExampleHasStdout > abc"),
        ("test_word_count.py::test_empty_text", "test empty text"),
        ("t_test.py::test_echo_times[3]", "test echo times[3]"),
    ],
)
def test_exercism_readable_names_follow_the_python_track(
    test_id: str, name: str
) -> None:
    assert readable_name(test_id) == name


# --- Gradescope ----------------------------------------------------------------------------


def test_gradescope_results_follow_the_specification(card: Scorecard) -> None:
    document = json.loads(export(card, "gradescope"))
    assert schema_problems(GRADESCOPE_SCHEMA, document) == []
    assert (document["score"], document["max_score"]) == (card.score, card.max_score)
    assert document["execution_time"] == card.duration
    for test in document["tests"]:
        assert 0 <= test["score"] <= test["max_score"] or test["max_score"] == 0
    if card.status != "error":
        assert sum(t["score"] for t in document["tests"]) == pytest.approx(
            card.score, abs=0.01 * len(document["tests"])
        )
        assert sum(t["max_score"] for t in document["tests"]) == pytest.approx(
            card.max_score, abs=0.01 * len(document["tests"])
        )


def test_gradescope_partial_credit_and_engineering_checks_as_tests() -> None:
    card = golden_card("failing-tests")
    document = json.loads(export(card, "gradescope"))
    names = [t["name"] for t in document["tests"]]
    assert names[-3:] == [
        "flake8 (PEP 8 and errors)",
        "black formatting",
        "Coverage of your tests",
    ]
    ignore_case = document["tests"][1]
    assert ignore_case["name"] == "Task 1: Counting ignores upper and lower case"
    assert ignore_case["status"] == "failed" and ignore_case["score"] == 0
    assert ignore_case["max_score"] == pytest.approx(10.0)  # 1 of 7 points of weight 70
    assert "{'hello': 2}" in ignore_case["output"]
    assert document["tests"][0]["score"] == pytest.approx(20.0)  # 2 points, passed
    assert document["output"].startswith(card.message)


def test_gradescope_error_leads_with_a_failed_grading_error() -> None:
    card = golden_card("syntax-error")
    document = json.loads(export(card, "gradescope"))
    first = document["tests"][0]
    assert first["name"] == "Grading error" and first["status"] == "failed"
    assert first["output"] == card.message
    assert document["output"].startswith(f"Grading error: {card.message}")
    assert document["score"] == 0 and document["extra_data"]["status"] == "error"


# --- PrairieLearn --------------------------------------------------------------------------


def test_prairielearn_results_follow_the_format(card: Scorecard) -> None:
    text = export(card, "prairielearn")
    document = json.loads(text)
    assert schema_problems(PRAIRIELEARN_SCHEMA, document) == []
    assert len(text.encode("utf-8")) <= PRAIRIELEARN_MAX_BYTES
    for test in document["tests"]:
        assert test["points"] <= test["max_points"]
    if card.status == "error":
        assert document["gradable"] is False
        assert document["format_errors"] == [card.message]
    else:
        assert document["score"] == pytest.approx(card.score / card.max_score)


def test_prairielearn_partial_credit(failing_card: Scorecard) -> None:
    document = json.loads(export(failing_card, "prairielearn"))
    assert document["gradable"] is True
    assert document["score"] == pytest.approx(failing_card.score / 100)
    failed = [t for t in document["tests"] if t["points"] < t["max_points"]]
    assert {t["name"] for t in failed} == {
        "Counting ignores upper and lower case",
        "flake8 (PEP 8 and errors)",
        "black formatting",
        # Engineering points follow the hidden tests: coverage passed, at a share of them.
        "Coverage of your tests",
    }
    assert document["message"] == failing_card.message


def test_prairielearn_keeps_a_huge_suite_under_one_megabyte() -> None:
    card = golden_card("failing-tests")
    tests = card.check("tests").details["tests"]
    template = dict(tests[1], message="m" * 2000, output="o" * 4000)
    tests[:] = [dict(template, id=f"test_x.py::test_{i}") for i in range(500)]
    text = export(card, "prairielearn")
    assert len(text.encode("utf-8")) <= PRAIRIELEARN_MAX_BYTES
    document = json.loads(text)
    assert schema_problems(PRAIRIELEARN_SCHEMA, document) == []
    assert (
        len(document["tests"]) == 503 and "shortened" in document["tests"][0]["output"]
    )


# --- JUnit ---------------------------------------------------------------------------------


def test_junit_report_has_the_schemas_structure_and_counts(card: Scorecard) -> None:
    assert junit_problems(export(card, "junit")) == []


def test_junit_one_suite_per_check_with_failures_and_errors(
    failing_card: Scorecard,
) -> None:
    root = ET.fromstring(export(failing_card, "junit"))
    suites = {s.get("name"): s for s in root}
    assert list(suites) == [
        f"stage1/word-count.{c}" for c in ("tests", "flake8", "black", "coverage")
    ]
    tests = suites["stage1/word-count.tests"]
    assert (tests.get("tests"), tests.get("failures"), tests.get("errors")) == (
        "5",
        "1",
        "0",
    )
    (failure,) = tests.iter("failure")
    assert failure.get("message").startswith("assert {'Hello': 1, 'hello': 1}")
    case = next(c for c in tests.iter("testcase") if c.find("failure") is not None)
    assert case.get("name") == "test_counts_ignore_case"
    assert case.get("classname") == "stage1.word-count.test_word_count"
    flake8 = suites["stage1/word-count.flake8"].find("testcase/failure")
    assert flake8.get("type") == "flake8" and "E231" in flake8.text
    assert root.get("failures") == "3"


def test_junit_error_and_skipped_checks() -> None:
    syntax = ET.fromstring(export(golden_card("syntax-error"), "junit"))
    error = syntax.find("testsuite/testcase/error")
    assert error is not None and "SyntaxError" in error.get("message")
    missing = ET.fromstring(export(golden_card("missing-file"), "junit"))
    assert [s.get("skipped") for s in missing] == ["1", "1", "1", "1"]


def test_junit_escapes_markup_and_drops_characters_xml_cannot_hold() -> None:
    card = golden_card("failing-tests")
    test = card.check("tests").details["tests"][1]
    test["message"] = "expected <b>&amp;</b> \x1b[31mred\x1b[0m \x00 done"
    test["output"] = "bell \x07 and a ]]> end"
    text = export(card, "junit")
    assert junit_problems(text) == []
    failure = ET.fromstring(text).find(".//failure")
    assert failure.text.startswith(
        "Task 1: Counting ignores upper and lower case\n\nexpected <b>&amp;</b> \ufffd[31mred"
    )


# --- The command ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_command_writes_every_format_of_a_real_scorecard(
    fmt: str, failing_card: Scorecard, tmp_path: Path
) -> None:
    saved = tmp_path / "card.json"
    serialize.write(failing_card, saved)
    out = tmp_path / "out" / f"results.{fmt}"
    result = CliRunner().invoke(
        cli, ["export", "--format", fmt, str(saved), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == export(failing_card, fmt)
    assert RULES[fmt](out.read_text(encoding="utf-8")) == []
    printed = CliRunner().invoke(cli, ["export", "--format", fmt, str(saved)])
    assert printed.exit_code == 0 and printed.stdout == export(failing_card, fmt)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "not JSON"),
        ('{"status": "pass"}', "not a valid scorecard"),
        (None, "no such file"),
    ],
)
def test_export_command_rejects_a_bad_scorecard_in_one_line(
    content: str | None, says: str, tmp_path: Path
) -> None:
    path = tmp_path / "card.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "--format", "junit", str(path)])
    assert result.exit_code == 2
    assert says in result.stderr and "grader submit" in result.stderr
    assert (
        "Traceback" not in result.output
        and len(result.stderr.strip().splitlines()) == 1
    )


def test_export_rejects_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="use one of: exercism, gradescope"):
        export(golden_card("full-marks"), "moodle")
    result = CliRunner().invoke(cli, ["export", "--format", "moodle", "x.json"])
    assert result.exit_code == 2


def test_exports_do_not_change_the_scorecard(failing_card: Scorecard) -> None:
    before = copy.deepcopy(serialize.to_dict(failing_card))
    for fmt in FORMATS:
        export(failing_card, fmt)
    assert serialize.to_dict(failing_card) == before


def test_gradescope_and_junit_say_the_isolation_level(failing_card: Scorecard) -> None:
    assert failing_card.integrity["level"] == "none"  # graded with the local backend
    document = json.loads(export(failing_card, "gradescope"))
    assert document["extra_data"]["isolation"] == "none"
    root = ET.fromstring(export(failing_card, "junit"))
    for suite in root:
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert props["isolation"] == "none"


def test_export_refuses_to_write_through_a_symlink_in_one_line(
    failing_card: Scorecard, tmp_path: Path
) -> None:
    saved = tmp_path / "card.json"
    serialize.write(failing_card, saved)
    elsewhere = tmp_path / "elsewhere.xml"
    elsewhere.write_text("keep me", encoding="utf-8")
    link = tmp_path / "junit.xml"
    link.symlink_to(elsewhere)
    result = CliRunner().invoke(
        cli, ["export", "--format", "junit", str(saved), "-o", str(link)]
    )
    assert result.exit_code == 2
    assert "is a symlink" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert elsewhere.read_text(encoding="utf-8") == "keep me"


def test_the_gates_that_did_not_hold_travel_in_every_text_export() -> None:
    card = golden_card("flake8-violations")
    whys = [g.why for g in card.gates if not g.held]
    assert card.status == "fail" and whys  # the score passes; the flake8 gate does not
    gradescope = json.loads(export(card, "gradescope"))["output"]
    prairielearn = json.loads(export(card, "prairielearn"))["output"]
    for text in (gradescope, prairielearn):
        assert "Gates not held (a pass needs every one):" in text
        assert f"- {whys[0]}" in text
    suites = ET.fromstring(export(card, "junit")).findall("testsuite")
    values = {p.get("name"): p.get("value") for p in suites[0].find("properties") or []}
    assert values["verdict"] == "fail"
    assert whys[0] in values["gates_not_held"]
    passing = json.loads(export(golden_card("full-marks"), "gradescope"))["output"]
    assert "Gates: every gate holds" in passing
