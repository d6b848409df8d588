"""`grader exercism-run` writes what Exercism's own Python test runner writes.

Each folder of tests/fixtures/exercism/conformance is an exercise of ours showing one
behaviour, and its `results.json` is what Exercism's runner (python-test-runner, pytest 8.4,
pytest-subtests 0.14) wrote for it, run as Exercism runs it (the solution's folder shares
only `/` with the runner's, so the runner writes every `/` of a message as `.`): recorded
once with bench/exercism_conformance.py's setup, checked in because CI cannot fetch it.
Ours must write the same, field by field, with the local backend and, where an engine runs,
Docker.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from grader.exercism_runner import run_exercism
from tests.conftest import TESTS

FIXTURES = TESTS / "fixtures" / "exercism" / "conformance"
# What each fixture shows.
BEHAVIOURS = {
    "tide-table": "task_id 0 for tests outside any task",
    "ticket-price": "messages start with the exception's type; a / reads .",
    "bus-route": "several test files, ordered by line; no solution file declared",
    "garden-hose": "no config: the tests import a module not named after the slug",
    "byte-counter": "a helper module listed with the tests and imported by them",
    "soup-recipe": "an editor file imported by the solution and the tests; tasks",
    "coin-sorter": "subtests, one entry each",
}


def compared(document: dict[str, Any]) -> dict[str, Any]:
    """The fields the two runners must agree on."""
    return {
        "status": document["status"],
        "message": document.get("message"),
        "tests": [
            {
                key: test.get(key)
                for key in ("name", "status", "task_id", "message", "output")
            }
            for test in document["tests"]
        ],
    }


def grade(slug: str, backend: str, tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "solution"
    shutil.copytree(
        FIXTURES / slug, folder, ignore=shutil.ignore_patterns("results.json")
    )
    run = run_exercism(
        slug=slug, input_dir=folder, output_dir=tmp_path / "out", backend=backend
    )
    return json.loads(run.path.read_text(encoding="utf-8"))


def test_every_fixture_is_named_with_its_behaviour() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(BEHAVIOURS)


@pytest.mark.parametrize("slug", BEHAVIOURS)
def test_local_backend_writes_the_reference_results(slug: str, tmp_path: Path) -> None:
    expected = json.loads((FIXTURES / slug / "results.json").read_text("utf-8"))
    ours = grade(slug, "local", tmp_path)
    assert compared(ours) == compared(expected)
    # The code shown for each test is the reference's too.
    assert [t["test_code"] for t in ours["tests"]] == [
        t["test_code"] for t in expected["tests"]
    ]


@pytest.mark.parametrize("slug", BEHAVIOURS)
def test_docker_backend_writes_the_reference_results(
    slug: str, tmp_path: Path, docker_backend: Any
) -> None:
    expected = json.loads((FIXTURES / slug / "results.json").read_text("utf-8"))
    assert compared(grade(slug, "docker", tmp_path)) == compared(expected)


def test_the_module_entry_point_writes_the_same_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader.exercism_runner import main

    folder = tmp_path / "solution"
    shutil.copytree(
        FIXTURES / "ticket-price", folder, ignore=shutil.ignore_patterns("results.json")
    )
    code = main(
        ["ticket-price", str(folder), str(tmp_path / "out"), "--backend", "local"]
    )
    assert code == 0
    assert "fail: results written to" in capsys.readouterr().err
    expected = json.loads(
        (FIXTURES / "ticket-price" / "results.json").read_text("utf-8")
    )
    ours = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    assert compared(ours) == compared(expected)


def test_the_module_entry_point_exits_2_when_the_output_cannot_be_written(
    tmp_path: Path,
) -> None:
    from grader.exercism_runner import main

    blocker = tmp_path / "out"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    assert main(["ticket-price", str(tmp_path), str(blocker / "x")]) == 2


def test_a_helper_module_not_listed_in_the_config_is_imported_too(
    tmp_path: Path,
) -> None:
    # error-handling's test_utils.py sits beside the tests without being listed: Exercism's
    # runner imports it from the folder, and so do we.
    folder = tmp_path / "solution"
    shutil.copytree(
        FIXTURES / "byte-counter", folder, ignore=shutil.ignore_patterns("results.json")
    )
    config = folder / ".meta" / "config.json"
    document = json.loads(config.read_text(encoding="utf-8"))
    document["files"]["test"] = ["byte_counter_test.py"]
    config.write_text(json.dumps(document), encoding="utf-8")
    run = run_exercism(
        slug="byte-counter",
        input_dir=folder,
        output_dir=tmp_path / "out",
        backend="local",
    )
    expected = json.loads(
        (FIXTURES / "byte-counter" / "results.json").read_text("utf-8")
    )
    assert compared(json.loads(run.path.read_text("utf-8"))) == compared(expected)
