"""grader.gitcmd: git always with a timeout, a clear error when it cannot answer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from grader import gitcmd
from grader.gitcmd import GitError, repo_root, run_git

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


@needs_git
def test_run_git_and_repo_root(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "deep" / "er").mkdir(parents=True)
    done = run_git(tmp_path, "rev-parse", "--is-inside-work-tree", timeout=30)
    assert done.returncode == 0 and done.stdout.strip() == "true"
    assert repo_root(tmp_path / "deep" / "er") == tmp_path.resolve()


@needs_git
def test_repo_root_outside_a_repository_is_none(tmp_path: Path) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    env_ceiling = str(tmp_path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIT_CEILING_DIRECTORIES", env_ceiling)
        assert repo_root(outside) is None


def test_timeout_is_mandatory() -> None:
    with pytest.raises(TypeError):
        run_git(Path("."), "status")  # type: ignore[call-arg]


def test_missing_git_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GitError, match="git is not installed"):
        run_git(tmp_path, "status", timeout=5)


def test_a_git_that_does_not_answer_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow(*args: object, **kwargs: object) -> None:
        raise subprocess.TimeoutExpired(cmd="git", timeout=0.5)

    monkeypatch.setattr(gitcmd.subprocess, "run", slow)
    with pytest.raises(GitError, match="did not answer within 0.5 s"):
        run_git(tmp_path, "log", timeout=0.5)


def test_repo_root_walks_up_for_dot_git_without_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert repo_root(tmp_path / "a" / "b") == tmp_path.resolve()
