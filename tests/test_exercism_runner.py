"""`grader exercism-run` and bin/run.sh, driven as Exercism drives a test runner.

Each case lays out an input folder from tests/fixtures/exercism, runs the command, and reads
OUTPUT_DIR/results.json, which must follow Exercism's interface (rules in test_exports).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.errors import BackendUnavailable
from tests.conftest import TESTS
from tests.test_exports import exercism_problems

FIXTURES = TESTS / "fixtures" / "exercism"
PIZZA = FIXTURES / "pizza-order"
REPO = TESTS.parent
# As Exercism's runner names and orders a concept exercise's tests: each subtest is an
# entry, a task's test ends in `~`, and the tests go by task, then by name.
PIZZA_NAMES = [
    "PizzaOrder > delivery fee~",
    "PizzaOrder > pizza price [variation #1]",
    "PizzaOrder > pizza price [variation #2]",
    "PizzaOrder > pizza price [variation #3]",
    "PizzaOrder > pizza price~",
    "PizzaOrder > order total of nothing~",
    "PizzaOrder > order total~",
    "PizzaOrder > slices per person~",
]


def pizza_input(tmp_path: Path, solution: str | None) -> Path:
    """The pizza-order exercise as Exercism hands it over, with one of the solutions."""
    folder = tmp_path / "input"
    shutil.copytree(PIZZA, folder, ignore=shutil.ignore_patterns("solutions"))
    if solution is not None:
        shutil.copyfile(
            PIZZA / "solutions" / f"{solution}.py", folder / "pizza_order.py"
        )
    return folder


def run(
    slug: str, input_dir: Path, tmp_path: Path, *options: str
) -> tuple[dict[str, Any], Any]:
    out = tmp_path / "output"
    result = CliRunner().invoke(
        cli,
        [
            "exercism-run",
            slug,
            f"{input_dir}/",
            f"{out}/",
            "--backend",
            "local",
            *options,
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    # Exercism's own runner writes task_id 0 for a test outside any task, below the
    # interface's minimum of 1, and leaves "One or more variations ... failed" on a test
    # whose last variation passed: we write what the runner writes.
    assert [p for p in exercism_problems(document) if not reference_quirk(p)] == []
    return document, result


def reference_quirk(problem: str) -> bool:
    """What Exercism's runner itself writes against its interface's rules."""
    return problem == "0 is less than the minimum of 1" or problem.endswith(
        "a passing test carries a failure message"
    )


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in document["tests"]}


def test_all_pass_in_file_order_with_tasks_and_test_code(tmp_path: Path) -> None:
    document, result = run("pizza-order", pizza_input(tmp_path, "all_pass"), tmp_path)
    assert document["status"] == "pass" and "message" not in document
    # unittest collects methods alphabetically; results follow the tasks.
    assert [t["name"] for t in document["tests"]] == PIZZA_NAMES
    assert [t["task_id"] for t in document["tests"]] == [1, 2, 2, 2, 2, 3, 3, 4]
    assert {t["status"] for t in document["tests"]} == {"pass"}
    assert by_name(document)["PizzaOrder > pizza price~"]["test_code"] == (
        "for variant, name in enumerate(sorted(PRICES), start=1):\n"
        '    with self.subTest(f"variation #{variant}", name=name):\n'
        "        self.assertEqual(pizza_price(name), PRICES[name])"
    )
    assert "pass: results written to" in result.stderr


def test_a_failing_task_fails_only_its_test(tmp_path: Path) -> None:
    document, _ = run("pizza-order", pizza_input(tmp_path, "task3_wrong"), tmp_path)
    assert document["status"] == "fail"
    tests = by_name(document)
    total = tests["PizzaOrder > order total~"]
    assert (total["status"], total["message"], total["task_id"]) == (
        "fail",
        "AssertionError: 15 != 18",
        3,
    )
    # The order data comes from a helper file listed with the tests in .meta/config.json.
    assert total["test_code"] == (
        "for names, total in ORDERS:\n    self.assertEqual(order_total(names), total)"
    )
    others = [t["status"] for n, t in tests.items() if n != "PizzaOrder > order total~"]
    assert others == ["pass"] * 7


def test_a_failing_subtest_is_listed_on_its_own(tmp_path: Path) -> None:
    document, _ = run("pizza-order", pizza_input(tmp_path, "subtest_wrong"), tmp_path)
    tests = by_name(document)
    first = tests["PizzaOrder > pizza price [variation #1]"]
    assert (first["status"], first["message"], first["task_id"]) == (
        "fail",
        "AssertionError: 0 != 9",
        2,
    )
    assert tests["PizzaOrder > pizza price [variation #2]"]["status"] == "pass"
    # As Exercism's runner: the test itself says a variation failed, and takes the status
    # of its last variation (which passed); the run fails.
    price = tests["PizzaOrder > pizza price~"]
    assert (price["status"], price["message"]) == (
        "pass",
        "One or more variations of this test failed. Details can be found under each "
        "[variant#].",
    )
    assert document["status"] == "fail"


def test_a_syntax_error_is_status_error_naming_file_and_line(tmp_path: Path) -> None:
    folder = pizza_input(tmp_path, None)
    (folder / "pizza_order.py").write_text(
        "DELIVERY_FEE = 3\n\n\ndef pizza_price(name)\n    return 7\n", encoding="utf-8"
    )
    document, _ = run("pizza-order", folder, tmp_path)
    assert document["status"] == "error" and document["tests"] == []
    assert document["message"].startswith("pizza_order.py:4:")
    assert "SyntaxError" in document["message"]


def test_an_endless_loop_errors_its_test_at_the_time_limit(tmp_path: Path) -> None:
    document, _ = run(
        "pizza-order",
        pizza_input(tmp_path, "endless_loop"),
        tmp_path,
        "--test-seconds",
        "1",
    )
    tests = by_name(document)
    total = tests["PizzaOrder > order total~"]
    assert total["status"] == "error" and "time limit of 1 s" in total["message"]
    assert tests["PizzaOrder > order total of nothing~"]["status"] == "pass"
    assert tests["PizzaOrder > slices per person~"]["status"] == "pass"
    assert document["status"] == "fail"


def test_user_output_is_left_out_as_exercisms_runner_does(tmp_path: Path) -> None:
    # Exercism's runner reports no output for a test without subtests, printed or not.
    document, _ = run("pizza-order", pizza_input(tmp_path, "noisy"), tmp_path)
    assert document["status"] == "pass"
    assert [t for t in document["tests"] if "output" in t] == []


def test_the_test_files_own_import_message_reaches_the_student(tmp_path: Path) -> None:
    document, _ = run(
        "pizza-order", pizza_input(tmp_path, "missing_constant"), tmp_path
    )
    assert document["status"] == "error"
    assert "MISSING NAME --> we can not find 'DELIVERY_FEE' in 'pizza_order.py'" in (
        document["message"]
    )


def test_without_config_the_slug_names_the_files(tmp_path: Path) -> None:
    folder = tmp_path / "input"
    shutil.copytree(FIXTURES / "word-echo", folder)
    document, _ = run("word-echo", folder, tmp_path)
    assert [(t["name"], t["status"]) for t in document["tests"]] == [
        ("test echo twice by default", "pass"),
        ("test echo times[1]", "pass"),
        ("test echo times[3]", "pass"),
        ("test shout", "fail"),
    ]
    shout = document["tests"][3]
    assert shout["test_code"] == 'assert shout("hey") == "HEY!"'
    assert "'HEY' == 'HEY!'" in shout["message"] and shout["task_id"] == 0
    assert document["tests"][1]["test_code"] == (
        'assert echo("ho", times).split() == ["ho"] * times'
    )


@pytest.mark.parametrize(
    ("breakage", "says"),
    [
        # As Exercism's runner: the tests just run, and cannot import the solution.
        ("no-solution", "MISSING NAME --> we can not find 'pizza_order'"),
        ("no-tests", "the test file pizza_order_test.py is missing"),
        ("bad-config", ".meta/config.json cannot be read"),
        ("outside-config", "is not a file inside the input folder"),
        ("bad-slug", "is not an Exercism exercise slug"),
    ],
)
def test_a_broken_input_folder_is_status_error_and_exit_0(
    breakage: str, says: str, tmp_path: Path
) -> None:
    folder = pizza_input(tmp_path, None if breakage == "no-solution" else "all_pass")
    config = folder / ".meta" / "config.json"
    slug = "pizza-order"
    if breakage == "no-tests":
        (folder / "pizza_order_test.py").unlink()
    elif breakage == "bad-config":
        config.write_text("{files: ", encoding="utf-8")
    elif breakage == "outside-config":
        document = json.loads(config.read_text(encoding="utf-8"))
        document["files"]["solution"] = ["../pizza_order.py"]
        config.write_text(json.dumps(document), encoding="utf-8")
    elif breakage == "bad-slug":
        slug = "Pizza Order"
    document, _ = run(slug, folder, tmp_path)
    assert document["status"] == "error" and says in document["message"]


def test_a_machine_without_the_backend_is_status_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(name: str) -> None:
        raise BackendUnavailable("the Docker engine is not reachable; start dockerd")

    monkeypatch.setattr("grader.exercism_runner.get_backend", unavailable)
    document, _ = run("pizza-order", pizza_input(tmp_path, "all_pass"), tmp_path)
    assert document == {
        "version": 3,
        "status": "error",
        "message": "the Docker engine is not reachable; start dockerd",
        "tests": [],
    }


def test_a_harness_fault_still_writes_results_and_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("grader.exercism_runner.grade_workspace", broken)
    document, result = run("pizza-order", pizza_input(tmp_path, "all_pass"), tmp_path)
    assert document["message"] == "the test runner failed: RuntimeError: disk on fire"
    assert "Traceback" in result.stderr


def test_an_output_folder_that_cannot_be_made_is_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "output"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "exercism-run",
            "pizza-order",
            str(pizza_input(tmp_path, "all_pass")),
            str(blocker / "results"),
        ],
    )
    assert result.exit_code == 2
    assert "cannot create the output folder" in result.stderr


def test_bin_run_sh_takes_exercisms_three_arguments(tmp_path: Path) -> None:
    folder = tmp_path / "input"
    shutil.copytree(FIXTURES / "word-echo", folder)
    out = tmp_path / "output"
    env = {**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}"}
    usage = subprocess.run(
        ["sh", str(REPO / "bin" / "run.sh"), "word-echo"],
        capture_output=True,
        text=True,
    )
    assert usage.returncode == 2 and "usage: bin/run.sh SLUG" in usage.stderr
    done = subprocess.run(
        ["sh", str(REPO / "bin" / "run.sh"), "word-echo", f"{folder}/", f"{out}/"]
        + ["--backend", "local"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert document["status"] == "fail" and len(document["tests"]) == 4


@pytest.mark.docker
def test_docker_backend_gives_the_same_results(tmp_path: Path) -> None:
    from grader.runner.docker_backend import DockerBackend

    try:
        DockerBackend()
    except BackendUnavailable as exc:
        if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
            pytest.fail(f"Docker is required here: {exc.message}")
        pytest.skip(exc.message)
    folder = pizza_input(tmp_path, "task3_wrong")
    out = tmp_path / "output"
    result = CliRunner().invoke(
        cli,
        ["exercism-run", "pizza-order", str(folder), str(out), "--backend", "docker"],
    )
    assert result.exit_code == 0, result.output
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [p for p in exercism_problems(document) if not reference_quirk(p)] == []
    assert [(t["name"], t["status"]) for t in document["tests"]] == [
        (name, "fail" if name == "PizzaOrder > order total~" else "pass")
        for name in PIZZA_NAMES
    ]
