"""The Compose exercise (stage3/compose-stack): the reference passes, the starter scores 0,
and the hidden suite rejects every kept wrong answer with the test that names its mistake.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.authoring.validate import graded_folder
from grader.catalog import ExercisePack
from grader.catalog.model import Exercise
from grader.pipeline import grade_workspace
from grader.scorecard.model import Scorecard

ROOT = Path(__file__).resolve().parents[1]
EXERCISE_DIR = ROOT / "exercises" / "stage3" / "compose-stack"
WRONG = sorted(p for p in (EXERCISE_DIR / "wrong").iterdir() if p.is_dir())
# Each wrong answer: the hidden test that must fail on it (the function name, with its
# parameter where it has one) and a phrase of the message that tells the student why.
# The YAML that cannot be read fails every test with the same message.
EXPECTED = {
    "alias_bomb": ("test_file_is_valid_against_the_compose_schema", "more than 10000"),
    "api_no_healthcheck": ("test_api_has_a_healthcheck", "services.api.healthcheck"),
    "api_port_not_published": ("test_api_publishes_port_8000", "services.api.ports"),
    "build_context_root": (
        "test_api_builds_here_or_uses_a_pinned_image",
        "services.api.build context is '/'",
    ),
    "built_image_latest": (
        "test_api_builds_here_or_uses_a_pinned_image",
        "churn-api:latest",
    ),
    "bind_mount_data": (
        "test_redis_data_lives_in_a_named_volume",
        "services.redis.volumes",
    ),
    "depends_on_list": ("test_api_waits_for_a_healthy_redis", "list form"),
    "depends_on_missing_service": (
        "test_depends_on_names_services_that_exist",
        "'cache'",
    ),
    "depends_on_started": ("test_api_waits_for_a_healthy_redis", "service_started"),
    "duplicate_key": (
        "test_file_is_valid_against_the_compose_schema",
        "'restart' is given twice",
    ),
    "env_example_missing_var": (
        "test_env_example_lists_every_variable",
        "does not list API_KEY",
    ),
    "env_example_real_value": (
        "test_env_example_lists_every_variable",
        "gives API_KEY a value",
    ),
    "interval_bare_number": (
        "test_redis_has_a_healthcheck",
        "services.redis.healthcheck.interval is '5'",
    ),
    "interval_typo": (
        "test_api_has_a_healthcheck",
        "services.api.healthcheck.interval is '10 seconds'",
    ),
    "latest_tag": ("test_api_builds_here_or_uses_a_pinned_image", "churn-api:latest"),
    "no_limits": (
        "test_service_has_resource_limits[service-api]",
        "services.api.deploy.resources.limits",
    ),
    "no_restart": (
        "test_service_restarts_on_failure[service-api]",
        "services.api.restart",
    ),
    "password_default": (
        "test_no_secret_is_written_in_the_file[service-api]",
        "services.api.environment.API_KEY",
    ),
    "password_inline": (
        "test_no_secret_is_written_in_the_file[service-api]",
        "services.api.environment.API_KEY",
    ),
    "redis_host_network": (
        "test_redis_is_not_published_to_the_host",
        "network_mode is 'host'",
    ),
    "redis_latest": ("test_redis_image_is_pinned", "redis:latest"),
    "redis_no_healthcheck": (
        "test_redis_has_a_healthcheck",
        "services.redis.healthcheck",
    ),
    "redis_port_published": (
        "test_redis_is_not_published_to_the_host",
        "services.redis.ports",
    ),
    "requirepass_inline": (
        "test_no_secret_is_written_in_the_file[service-redis]",
        "--requirepass",
    ),
    "schema_typo_key": (
        "test_file_is_valid_against_the_compose_schema",
        "unknown key 'healtcheck'",
    ),
    "volume_not_declared": ("test_named_volumes_are_declared", "'redis-data'"),
    "worker_without_limits": (
        "test_service_has_resource_limits[service-worker]",
        "services.worker.deploy.resources.limits",
    ),
}


@pytest.fixture(scope="module")
def exercise() -> Exercise:
    return ExercisePack(ROOT / "exercises").get("stage3/compose-stack")


def workspace(wrong: Path, dest: Path) -> Path:
    """A student's folder holding the wrong answer, with the reference's env.example
    unless the wrong answer brings its own."""
    dest.mkdir()
    shutil.copy(EXERCISE_DIR / "reference" / "env.example", dest / "env.example")
    for path in wrong.iterdir():
        shutil.copy(path, dest / path.name)
    return dest


def failed_tests(card: Scorecard) -> dict[str, str]:
    """{test name (function[param]): message} of the hidden tests that did not pass."""
    tests = card.check("tests")
    assert tests is not None and tests.status in ("pass", "fail"), tests
    return {
        t["id"].split("::", 1)[1]: t["message"]
        for t in tests.details["tests"]
        if t["status"] != "passed"
    }


def assert_rejected(card: Scorecard, name: str) -> None:
    test, phrase = EXPECTED[name]
    failed = failed_tests(card)
    assert card.status != "pass", f"{name} passed"
    assert test in failed, f"{name}: {test} passed; these failed: {sorted(failed)}"
    assert phrase in failed[test], failed[test]
    # The gate of the task that test belongs to does not hold.
    tests = card.check("tests")
    task = next(t["task"] for t in tests.details["tests"] if t["id"].endswith(test))
    assert task in [g.task for g in card.gates if g.task is not None and not g.held]


def test_reference_passes_and_the_starter_scores_0(exercise, local_backend):
    with graded_folder(exercise, "reference") as folder:
        card = grade_workspace(folder, exercise=exercise, backend=local_backend)
    assert card.status == "pass" and card.score == card.max_score, card.message
    with graded_folder(exercise, "starter") as folder:
        card = grade_workspace(folder, exercise=exercise, backend=local_backend)
    assert card.status != "pass" and card.score == 0
    assert all(not g.held for g in card.gates if g.task is not None)
    assert "services.api must be a mapping" in next(iter(failed_tests(card).values()))


def test_the_schema_is_vendored_with_its_licence_and_origin():
    hidden = EXERCISE_DIR / "hidden"
    assert "Apache License" in (hidden / "LICENSE-compose-spec").read_text()
    readme = (hidden / "README.md").read_text()
    assert "docker-compose==1.29.2" in readme and "compose_spec.json" in readme


def test_at_least_ten_wrong_answers_are_kept_and_each_has_an_expectation():
    assert len(WRONG) >= 10
    assert sorted(p.name for p in WRONG) == sorted(EXPECTED)


@pytest.mark.slow
@pytest.mark.parametrize("wrong", WRONG, ids=[p.name for p in WRONG])
def test_every_wrong_answer_is_rejected(exercise, local_backend, tmp_path, wrong):
    folder = workspace(wrong, tmp_path / "submission")
    card = grade_workspace(folder, exercise=exercise, backend=local_backend)
    assert_rejected(card, wrong.name)


@pytest.mark.docker
def test_a_wrong_answer_is_rejected_in_the_docker_sandbox(
    exercise, docker_backend, tmp_path
):
    """The stage 3 image holds PyYAML and jsonschema: the suite runs there as on the host."""
    for name in ("redis_port_published", "duplicate_key"):
        folder = workspace(EXERCISE_DIR / "wrong" / name, tmp_path / name)
        card = grade_workspace(folder, exercise=exercise, backend=docker_backend)
        assert_rejected(card, name)
