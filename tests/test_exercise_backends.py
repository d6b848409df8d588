"""An exercise's `backends`: its hidden suite runs only where its processes are contained."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.authoring.validate import validate_exercise_dir
from grader.catalog import ExercisePack, load_exercise
from grader.catalog.model import BACKEND_CHOICES, Exercise
from grader.cli import cli
from grader.errors import ExerciseError
from grader.pipeline import grade_workspace
from grader.runner import (
    BACKEND_NAMES,
    BackendRefused,
    IsolationRefused,
    LocalBackend,
    require_backend,
    require_isolation,
)
from grader.self_check import own_checks
from tests.conftest import WORD_COUNT


class Ran(Exception):
    """The backend was asked to run the job: nothing refused it before."""


class NamedBackend:
    """A backend that only has a name; running a job raises Ran."""

    sandboxed = True

    def __init__(self, name: str) -> None:
        self.name = name

    def run(self, job: object, on_progress: object = None) -> object:
        raise Ran(self.name)


def pack_with(tmp_path: Path, backends_line: str | None) -> Path:
    """A pack holding word-count, with `backends_line` added to its exercise.toml."""
    root = tmp_path / "pack" / "stage1" / "word-count"
    shutil.copytree(WORD_COUNT, root)
    if backends_line is not None:
        toml = root / "exercise.toml"
        text = toml.read_text(encoding="utf-8")
        toml.write_text(
            text.replace("stage = 1\n", f"stage = 1\n{backends_line}\n", 1),
            encoding="utf-8",
        )
    return root


def docker_only(tmp_path: Path) -> Exercise:
    return load_exercise(pack_with(tmp_path, 'backends = ["docker"]'))


def test_backends_are_read_from_exercise_toml(tmp_path: Path) -> None:
    root = pack_with(tmp_path, 'backends = ["docker", "bwrap"]')
    assert load_exercise(root).backends == ("docker", "bwrap")


def test_no_backends_line_allows_every_backend() -> None:
    exercise = load_exercise(WORD_COUNT)
    assert exercise.backends == ()
    for name in BACKEND_CHOICES:
        require_backend(NamedBackend(name), exercise)  # type: ignore[arg-type]


def test_an_unknown_backend_name_is_refused_with_the_known_ones(
    tmp_path: Path,
) -> None:
    root = pack_with(tmp_path, 'backends = ["docker", "lcoal"]')
    with pytest.raises(ExerciseError) as caught:
        load_exercise(root)
    assert "backends: unknown backend 'lcoal'" in caught.value.message
    assert "docker, bwrap, local" in caught.value.message


@pytest.mark.parametrize(
    "line",
    ['backends = "docker"', "backends = []", 'backends = ["docker", "docker"]'],
    ids=["not-a-list", "empty", "repeated"],
)
def test_a_malformed_backends_list_is_refused(tmp_path: Path, line: str) -> None:
    with pytest.raises(ExerciseError, match="backends"):
        load_exercise(pack_with(tmp_path, line))


def test_the_names_an_exercise_may_list_are_the_real_backends() -> None:
    assert set(BACKEND_CHOICES) == set(BACKEND_NAMES) - {"auto"}


def test_a_docker_only_exercise_refuses_local_and_says_what_to_run(
    tmp_path: Path,
) -> None:
    exercise = docker_only(tmp_path)
    with pytest.raises(BackendRefused) as caught:
        require_backend(LocalBackend(), exercise)
    message = caught.value.message
    assert "stage1/word-count" in message and "local backend" in message
    assert "grader submit --backend docker" in message
    assert "grader submit --server URL" in message
    require_backend(NamedBackend("docker"), exercise)  # type: ignore[arg-type]


def test_auto_falling_back_is_named_in_the_refusal(tmp_path: Path) -> None:
    backend = NamedBackend("bwrap")
    backend.auto_choice = "auto chose bwrap: Docker is not available"  # type: ignore
    with pytest.raises(BackendRefused, match="auto chose bwrap"):
        require_backend(backend, docker_only(tmp_path))  # type: ignore[arg-type]


def test_grading_refuses_before_the_backend_runs_anything(tmp_path: Path) -> None:
    exercise = docker_only(tmp_path)
    with pytest.raises(BackendRefused):
        grade_workspace(
            exercise.reference_dir,
            exercise=exercise,
            backend=NamedBackend("local"),  # type: ignore[arg-type]
        )
    with pytest.raises(Ran):  # an allowed backend gets the job
        grade_workspace(
            exercise.reference_dir,
            exercise=exercise,
            backend=NamedBackend("docker"),  # type: ignore[arg-type]
        )


def test_the_students_own_checks_still_run_on_any_backend(tmp_path: Path) -> None:
    exercise = own_checks(docker_only(tmp_path))  # no hidden suite: grader test
    with pytest.raises(Ran):
        grade_workspace(
            exercise.reference_dir,
            exercise=exercise,
            backend=NamedBackend("local"),  # type: ignore[arg-type]
        )


def test_batch_and_server_grading_refuse_up_front(tmp_path: Path) -> None:
    exercise = docker_only(tmp_path)
    with pytest.raises(IsolationRefused, match="allows only docker"):
        require_isolation(
            NamedBackend("bwrap"), exercise, allow_reduced=True  # type: ignore
        )


def test_validate_reports_the_refusal_as_a_problem(tmp_path: Path) -> None:
    root = pack_with(tmp_path, 'backends = ["docker"]')
    report = validate_exercise_dir(root, LocalBackend())
    assert not report.ok
    assert any("grader submit --backend docker" in p for p in report.problems)


def test_submit_with_the_local_backend_is_refused(tmp_path: Path) -> None:
    pack = pack_with(tmp_path, 'backends = ["docker"]').parents[1]
    runner = CliRunner()
    workspace = tmp_path / "ws"
    started = runner.invoke(
        cli, ["--exercises", str(pack), "start", "word-count", str(workspace)]
    )
    assert started.exit_code == 0, started.output
    submitted = runner.invoke(
        cli, ["--exercises", str(pack), "submit", str(workspace), "--backend", "local"]
    )
    assert submitted.exit_code == 2, submitted.output
    assert "grader submit --backend docker" in submitted.output
    assert not list((workspace / ".grader").glob("scorecards/*"))


def test_the_bundled_process_supervisor_runs_on_docker_only() -> None:
    exercise = ExercisePack().get("stage1/process-supervisor")
    assert exercise.backends == ("docker",)
    replaced = dataclasses.replace(exercise, backends=())
    require_backend(LocalBackend(), replaced)
