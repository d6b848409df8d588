"""Isolation levels: every scorecard says which it was graded under; grading that counts for
others (batch, the class server) refuses anything below full unless the teacher allows it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import runner as runner_module
from grader.batch import grade_batch
from grader.catalog.model import Exercise
from grader.cli import cli
from grader.errors import BackendUnavailable
from grader.pipeline import grade_workspace
from grader.runner import (
    IsolationRefused,
    LocalBackend,
    get_backend,
    isolation_level,
    require_isolation,
)
from grader.scorecard import serialize
from tests.conftest import FIXTURE_PACK, WORD_COUNT


class Named(LocalBackend):
    """Runs like the local backend, but claims another backend's name (no Docker needed)."""

    def __init__(self, name: str, sandboxed: bool = True) -> None:
        self.name, self.sandboxed = name, sandboxed


@pytest.mark.parametrize(
    ("backend", "level"),
    [(Named("docker"), "full"), (Named("bwrap"), "reduced"), (LocalBackend(), "none")],
)
def test_the_level_for_each_backend(backend: LocalBackend, level: str) -> None:
    got, reason = isolation_level(backend)
    assert got == level
    assert reason


@pytest.mark.parametrize(
    ("backend", "level"),
    [(Named("docker"), "full"), (Named("bwrap"), "reduced"), (LocalBackend(), "none")],
)
def test_every_scorecard_records_its_level(
    word_count: Exercise, reference_copy: Path, backend: LocalBackend, level: str
) -> None:
    card = grade_workspace(reference_copy, exercise=word_count, backend=backend)
    document = serialize.to_dict(card)
    assert serialize.schema_errors(document) == []
    assert document["integrity"]["level"] == level
    assert document["integrity"]["level_reason"] == isolation_level(backend)[1]


def test_the_schema_refuses_an_unknown_level(
    word_count: Exercise, reference_copy: Path
) -> None:
    card = grade_workspace(reference_copy, exercise=word_count, backend=LocalBackend())
    document = serialize.to_dict(card)
    document["integrity"]["level"] = "total"
    assert serialize.schema_errors(document)


def test_require_isolation_refuses_below_full_unless_allowed(
    word_count: Exercise,
) -> None:
    assert require_isolation(Named("docker"), word_count, allow_reduced=False)[0] == (
        "full"
    )
    with pytest.raises(IsolationRefused, match="--allow-reduced-isolation"):
        require_isolation(LocalBackend(), word_count, allow_reduced=False)
    with pytest.raises(IsolationRefused, match="stage1/word-count"):
        require_isolation(Named("bwrap"), word_count, allow_reduced=False)
    assert require_isolation(LocalBackend(), word_count, allow_reduced=True)[0] == (
        "none"
    )


# --- --backend auto says what it chose and why -------------------------------------------


def test_auto_says_what_it_chose_and_why_on_stderr_and_in_the_scorecard(
    word_count: Exercise,
    reference_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from grader.runner import bwrap_backend, docker_backend

    def no_docker() -> None:
        raise BackendUnavailable("Docker is not running")

    monkeypatch.setattr(docker_backend, "DockerBackend", no_docker)
    monkeypatch.setattr(bwrap_backend, "bwrap_available", lambda: False)
    with pytest.warns(runner_module.NoSandboxWarning):
        backend = get_backend("auto")
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "auto chose" in line]
    assert len(lines) == 1
    assert "auto chose local" in lines[0] and "Docker is not running" in lines[0]
    card = grade_workspace(reference_copy, exercise=word_count, backend=backend)
    assert card.integrity["backend_choice"].startswith("auto chose local: ")
    assert "Docker is not running" in card.integrity["backend_choice"]
    assert card.integrity["level"] == "none"


def test_a_named_backend_records_no_auto_choice(
    word_count: Exercise, reference_copy: Path
) -> None:
    card = grade_workspace(reference_copy, exercise=word_count, backend=LocalBackend())
    assert "backend_choice" not in card.integrity


# --- grader batch ---------------------------------------------------------------------------


def _students(root: Path) -> Path:
    for name in ("alice", "bob"):
        dest = root / name
        dest.mkdir(parents=True)
        for rel in ("word_count.py", "tests/test_word_count.py"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes((WORD_COUNT / "reference" / rel).read_bytes())
    return root


def test_batch_refuses_reduced_isolation_without_the_flag(tmp_path: Path) -> None:
    root = _students(tmp_path / "subs")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["--exercises", str(FIXTURE_PACK), "batch", str(root), "--exercise"]
        + ["word-count", "--backend", "local", "--out", str(out)],
    )
    assert result.exit_code == 2, result.output
    assert "none isolation" in result.output
    assert "--allow-reduced-isolation" in result.output
    assert not (out / "grades.csv").exists()


def test_batch_refuses_reduced_isolation_naming_the_exercise(
    word_count: Exercise, tmp_path: Path
) -> None:
    root = _students(tmp_path / "subs")
    with pytest.raises(IsolationRefused, match="the exercise stage1/word-count"):
        grade_batch(
            root,
            exercise=word_count,
            backend=Named("bwrap"),
            out_dir=tmp_path / "out",
            jobs=1,
        )
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_batch_with_the_flag_marks_every_row(tmp_path: Path) -> None:
    root = _students(tmp_path / "subs")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["--exercises", str(FIXTURE_PACK), "batch", str(root), "--exercise"]
        + ["word-count", "--backend", "local", "--out", str(out)]
        + ["--allow-reduced-isolation"],
    )
    assert result.exit_code == 0, result.output
    lines = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",isolation")
    assert [line.rsplit(",", 1)[1] for line in lines[1:]] == ["none", "none"]
    assert "grades.csv marks every row" in result.stderr


# --- grader serve / grader worker refuse at start -------------------------------------------


def test_serve_refuses_to_grade_with_reduced_isolation_without_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("GRADER_ALLOW_REDUCED_ISOLATION", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    args = ["--exercises", str(FIXTURE_PACK), "serve", "--data-dir", str(tmp_path)]
    args += ["--backend", "local", "--workers", "1"]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 2, refused.output
    assert "--allow-reduced-isolation" in refused.output
    allowed = CliRunner().invoke(cli, [*args, "--allow-reduced-isolation"])
    assert allowed.exit_code == 0, allowed.output
    assert "every such score is marked" in allowed.stderr
    monkeypatch.setenv("GRADER_ALLOW_REDUCED_ISOLATION", "1")
    by_env = CliRunner().invoke(cli, args)
    assert by_env.exit_code == 0, by_env.output


def test_worker_refuses_to_grade_with_reduced_isolation_without_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("celery")
    from grader.leaderboard import celery_queue

    started: list[object] = []
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("GRADER_ALLOW_REDUCED_ISOLATION", raising=False)
    monkeypatch.setattr(celery_queue, "run_worker", lambda *a, **k: started.append(a))
    args = ["--exercises", str(FIXTURE_PACK), "worker", "--data-dir", str(tmp_path)]
    args += ["--backend", "local"]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 2, refused.output
    assert "--allow-reduced-isolation" in refused.output
    assert started == []
    allowed = CliRunner().invoke(cli, [*args, "--allow-reduced-isolation"])
    assert allowed.exit_code == 0, allowed.output
    assert len(started) == 1
    settings = started[0][0]
    assert settings.allow_reduced_isolation is True  # type: ignore[attr-defined]


@pytest.mark.docker
def test_a_batch_in_docker_needs_no_leave_and_says_full(
    word_count: Exercise, tmp_path: Path
) -> None:
    import os

    from grader.runner.docker_backend import DockerBackend

    try:
        backend = DockerBackend()
    except BackendUnavailable as exc:
        if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
            pytest.fail(f"Docker is required here: {exc.message}")
        pytest.skip(exc.message)
    root = _students(tmp_path / "subs")
    summary = grade_batch(
        root, exercise=word_count, backend=backend, out_dir=tmp_path / "out", jobs=2
    )
    assert summary.isolation == "full"
    assert [r.isolation for r in summary.sorted_results()] == ["full", "full"]
    card = serialize.load(tmp_path / "out" / "scorecards" / "alice.json")
    assert card.integrity["level"] == "full"
    assert "process split" in card.integrity["level_reason"]
