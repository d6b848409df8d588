"""The Docker backend against the real engine: every limit is shown by a submission or a probe.

Skipped when no engine or runner image is available, unless GRADER_REQUIRE_DOCKER=1 (CI).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.catalog import ExercisePack
from grader.cli import cli
from grader.pipeline import grade_workspace
from tests.conftest import FIXTURE_PACK, TESTS, leftover_containers

pytestmark = pytest.mark.docker
SANDBOX_PACK = TESTS / "fixtures" / "sandbox_pack"


def exercise_with(tmp_path: Path, pack: Path, slug: str, **limits: float):
    """A copy of a fixture exercise with some limits changed."""
    root = tmp_path / "pack"
    shutil.copytree(pack, root)
    toml = next(root.glob(f"stage*/{slug}/exercise.toml"))
    text = toml.read_text()
    for key, value in limits.items():
        text = "\n".join(
            f"{key} = {value}" if line.startswith(f"{key} =") else line
            for line in text.splitlines()
        )
    toml.write_text(text + "\n")
    return ExercisePack(root).get(slug)


def test_reference_gets_full_marks_in_docker(
    docker_backend, word_count, reference_copy, created_containers: list[str]
) -> None:
    card = grade_workspace(reference_copy, exercise=word_count, backend=docker_backend)
    assert card.status == "pass", card.message
    assert card.score == card.max_score
    assert card.runner.backend == "docker" and card.runner.sandboxed
    assert card.runner.image_digest and card.runner.image_digest.startswith("sha256:")
    assert card.integrity["network"] == "none"
    assert created_containers, "the backend created no container"
    assert leftover_containers(docker_backend.client, created_containers) == []


def test_every_limit_holds_inside_the_container(
    docker_backend, tmp_path: Path, created_containers: list[str]
) -> None:
    exercise = ExercisePack(SANDBOX_PACK).get("sandbox-probe")
    workspace = tmp_path / "ws"
    shutil.copytree(exercise.reference_dir, workspace)
    card = grade_workspace(workspace, exercise=exercise, backend=docker_backend)
    failing = {
        t["title"]: t["message"]
        for t in card.check("tests").details["tests"]
        if t["status"] != "passed"
    }
    assert failing == {}
    assert len(card.check("tests").details["tests"]) == 14
    assert created_containers, "the backend created no container"
    assert leftover_containers(docker_backend.client, created_containers) == []


def write_solution(workspace: Path, body: str) -> None:
    (workspace / "word_count.py").write_text(body)


def test_endless_import_ends_in_an_error_scorecard(
    docker_backend, tmp_path: Path, created_containers: list[str]
) -> None:
    exercise = exercise_with(tmp_path, FIXTURE_PACK, "word-count", run_seconds=12)
    ws = tmp_path / "ws"
    shutil.copytree(exercise.reference_dir, ws)
    write_solution(ws, "while True:\n    pass\n")
    card = grade_workspace(ws, exercise=exercise, backend=docker_backend)
    assert card.status == "error"
    assert card.check("tests").status == "error"
    message = card.check("tests").message
    assert "did not return within" in message or "time limit" in message
    assert created_containers, "the backend created no container"
    assert leftover_containers(docker_backend.client, created_containers) == []


def test_memory_bomb_fails_its_test_only(docker_backend, tmp_path: Path) -> None:
    exercise = exercise_with(tmp_path, FIXTURE_PACK, "word-count", memory_mb=256)
    ws = tmp_path / "ws"
    shutil.copytree(exercise.reference_dir, ws)
    source = (ws / "word_count.py").read_text()
    write_solution(
        ws,
        source.replace(
            "    if n < 0:\n",
            "    if n == 2:\n        hog = bytearray(2 * 1024**3)\n"
            "        hog[::4096] = b'x' * len(hog[::4096])\n    if n < 0:\n",
        ),
    )
    card = grade_workspace(ws, exercise=exercise, backend=docker_backend)
    tests = {t["id"].split("::")[1]: t for t in card.check("tests").details["tests"]}
    assert tests["test_top_words_order"]["status"] in ("error", "failed", "timeout")
    assert tests["test_counts_each_word"]["status"] == "passed"
    assert card.status != "pass" or card.score < card.max_score


def test_output_flood_is_truncated(docker_backend, tmp_path: Path) -> None:
    word_count = exercise_with(tmp_path, FIXTURE_PACK, "word-count", test_seconds=15)
    ws = tmp_path / "ws"
    shutil.copytree(word_count.reference_dir, ws)
    source = (ws / "word_count.py").read_text()
    write_solution(
        ws,
        source.replace(
            '    """Lower-cased word -> number of occurrences."""\n',
            '    """Lower-cased word -> number of occurrences."""\n'
            "    print('\\x00\\xff flood ' * 2_000_000)\n",
        ),
    )
    card = grade_workspace(ws, exercise=word_count, backend=docker_backend)
    outputs = [t["output"] for t in card.check("tests").details["tests"]]
    assert outputs and all(len(o) < 4_100 for o in outputs)
    assert any("[truncated:" in o for o in outputs)


def test_unreachable_engine_is_a_harness_error(
    monkeypatch, reference_copy: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    (reference_copy / ".grader").mkdir()
    (reference_copy / ".grader" / "exercise.json").write_text(
        '{"exercise": "word-count"}'
    )
    result = CliRunner().invoke(
        cli,
        [
            "--exercises",
            str(FIXTURE_PACK),
            "submit",
            str(reference_copy),
            "--backend",
            "docker",
        ],
    )
    assert result.exit_code == 2
    assert "Docker engine is not reachable" in result.output
    assert not (reference_copy / ".grader" / "scorecards").exists()


def test_a_crash_of_the_grader_inside_is_an_error_scorecard(
    docker_backend, word_count, reference_copy: Path
) -> None:
    from grader.pipeline import read_results
    from grader.runner.job import prepare_job, remove_job
    from grader.runner.submission import collect_submission

    job = prepare_job(word_count, collect_submission(reference_copy, word_count))
    try:
        (job.root / "job.json").write_text("{ not json")
        outcome = docker_backend.run(job)
        report = read_results(job, outcome)
        checks, problem = report.checks, report.problem
    finally:
        remove_job(job)
    assert "crashed inside the sandbox" in problem
    assert {c.status for c in checks} == {"error"}
    assert not job.root.exists()


def test_no_job_folder_is_left_in_tmp(
    docker_backend, word_count, reference_copy
) -> None:
    import tempfile

    before = set(Path(tempfile.gettempdir()).glob("grader-*"))
    card = grade_workspace(reference_copy, exercise=word_count, backend=docker_backend)
    after = set(
        Path(tempfile.gettempdir()).glob(f"grader-{card.submission.sha256[:12]}-*")
    )
    assert after - before == set()


def test_containers_of_a_killed_grader_are_swept_and_live_ones_kept(
    docker_backend,
) -> None:
    """A grader killed with SIGKILL never reaches `finally`: the next backend sweeps."""
    from grader.runner.docker_backend import JOB_LABEL

    client = docker_backend.client
    tag = f"sweep-test-{uuid.uuid4().hex[:8]}"

    def container(command: list[str]) -> Any:
        made = client.containers.create(
            docker_backend.image,
            command=command,
            labels={JOB_LABEL: tag},
            network_mode="none",
        )
        made.start()
        return made

    finished = container(["true"])
    finished.wait(timeout=60)
    running = container(["sleep", "60"])
    try:
        # Young and stopped: kept (its owner may still be reading it).
        assert finished.id not in docker_backend.sweep_abandoned()
        removed = docker_backend.sweep_abandoned(older_than_seconds=0)
        assert finished.id in removed
        assert running.id not in removed
        assert leftover_containers(client, [finished.id, running.id]) == [running.id]
    finally:
        for made in (finished, running):
            try:
                made.remove(force=True)
            except Exception:
                pass
