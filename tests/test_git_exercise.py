"""The Git exercise (stage1/git-merge): its generated repository, the bundle that carries it,
the sandbox's unpacking, and the hidden suite rejecting every kept wrong answer."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from pathlib import Path

import pytest

from grader.authoring.validate import graded_folder
from grader.catalog import ExercisePack
from grader.catalog.loader import load_exercise
from grader.catalog.model import BUNDLE_NAME, Exercise, Repository
from grader.errors import ExerciseError, WorkspaceError
from grader.pipeline import grade_workspace
from grader.runner.repository import (
    apply_script,
    bundle_repository,
    clean_git_env,
    generate_repository,
)
from grader.runner.submission import collect_submission
from grader.sandbox import git_bundle
from grader.workspace import start_workspace

ROOT = Path(__file__).resolve().parents[1]
EXERCISE_DIR = ROOT / "exercises" / "stage1" / "git-merge"
WRONG = sorted((EXERCISE_DIR / "wrong").glob("*.sh"))
# Wrong answers that `grader submit` refuses before any check runs, and what it says.
REFUSED = {
    "unfinished": "a merge is still in progress",
    "uncommitted_fix": "uncommitted changes",
}


@pytest.fixture(scope="module")
def exercise() -> Exercise:
    return ExercisePack(ROOT / "exercises").get("stage1/git-merge")


def git(repo: Path, *args: str) -> str:
    env = clean_git_env(repo)
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def generated(exercise: Exercise, dest: Path, script: Path | None = None) -> Path:
    dest.mkdir()
    generate_repository(exercise, dest)
    if script is not None:
        apply_script(script, dest, exercise)
    return dest


def hidden_constants() -> dict[str, str]:
    text = (EXERCISE_DIR / "hidden" / "test_git_merge.py").read_text(encoding="utf-8")
    return dict(re.findall(r'^([A-Z_]+) = "([0-9a-f]{40})"$', text, re.MULTILINE))


# The generated starter.


def test_generation_is_deterministic_and_matches_the_hidden_suite(exercise, tmp_path):
    first = generated(exercise, tmp_path / "one")
    second = generated(exercise, tmp_path / "two")
    log = git(first, "log", "--all", "--format=%H %s")
    assert log == git(second, "log", "--all", "--format=%H %s")
    known = hidden_constants()
    assert set(known) == {"BASE", "FEATURE_FIRST", "FEATURE_TIP", "MAIN_TIP"}
    assert git(first, "rev-parse", "main").strip() == known["MAIN_TIP"]
    assert git(first, "rev-parse", "feature/discount").strip() == known["FEATURE_TIP"]
    assert known["BASE"] in log and known["FEATURE_FIRST"] in log


def test_starter_is_stopped_mid_merge_with_both_files_conflicted(exercise, tmp_path):
    repo = generated(exercise, tmp_path / "repo")
    assert (repo / ".git" / "MERGE_HEAD").is_file()
    status = git(repo, "status", "--porcelain")
    for name in ("pricing.py", "tests/test_pricing.py", "README.md"):
        assert f"UU {name}" in status
    assert "<<<<<<< HEAD" in (repo / "pricing.py").read_text(encoding="utf-8")


def test_the_users_git_config_takes_no_part(exercise, tmp_path, monkeypatch):
    """A global config naming another default branch, diff3 markers and a failing hook
    changes nothing in the generated repository."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for name in ("pre-commit", "commit-msg", "post-checkout"):
        (hooks / name).write_text("#!/bin/sh\nexit 1\n")
        (hooks / name).chmod(0o755)
    config = tmp_path / "gitconfig"
    config.write_text(
        "[init]\n\tdefaultBranch = trunk\n[merge]\n\tconflictStyle = diff3\n"
        f"[core]\n\thooksPath = {hooks}\n[user]\n\tname = Someone Else\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    workspace = start_workspace(exercise, tmp_path / "ws")
    repo = workspace.root
    assert git(repo, "rev-parse", "main").strip() == hidden_constants()["MAIN_TIP"]
    assert "|||||||" not in (repo / "pricing.py").read_text(encoding="utf-8")


def test_start_leaves_only_the_conflict_to_do(exercise, tmp_path):
    """The instructions and the grader's marker are there, but not in git's way."""
    workspace = start_workspace(exercise, tmp_path / "ws")
    root = workspace.root
    assert (root / "instructions.md").is_file()
    assert (root / ".grader" / "exercise.json").is_file()
    assert not (root / "starter").exists()
    untracked = git(root, "status", "--porcelain", "--untracked-files=all")
    assert "??" not in untracked


def test_start_refuses_a_folder_with_work_in_it(exercise, tmp_path):
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "notes.txt").write_text("mine")
    with pytest.raises(WorkspaceError, match="not empty"):
        start_workspace(exercise, tmp_path / "ws")


def test_a_failing_generator_leaves_the_folder_empty(exercise, tmp_path):
    root = tmp_path / "broken"
    (root / "repository").mkdir(parents=True)
    (root / "repository" / "generate.py").write_text(
        "import os, sys\n"
        "os.makedirs(os.path.join(sys.argv[1], '.git', 'objects'))\n"
        "sys.exit('git refused')\n"
    )
    broken = dataclasses.replace(exercise, root=root)
    with pytest.raises(WorkspaceError, match="git refused") as caught:
        start_workspace(broken, tmp_path / "ws")
    assert "empty folder" in str(caught.value)
    assert list((tmp_path / "ws").iterdir()) == []


# The bundle `grader submit` sends.


def test_a_finished_repository_is_sent_as_a_bundle_of_every_ref(exercise, tmp_path):
    repo = generated(exercise, tmp_path / "repo", EXERCISE_DIR / "reference/resolve.sh")
    submission = collect_submission(repo, exercise)
    assert submission.problems == []
    assert {f.path for f in submission.files} == {
        "pricing.py",
        "tests/test_pricing.py",
        BUNDLE_NAME,
    }
    bundle = tmp_path / "sent.bundle"
    bundle.write_bytes(submission.contents[BUNDLE_NAME])
    heads = subprocess.run(
        ["git", "bundle", "list-heads", str(bundle)],
        env=clean_git_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "refs/heads/main" in heads and "refs/tags/v1.1.0" in heads
    assert "refs/heads/feature/discount" in heads


def test_not_a_repository_is_refused(exercise, tmp_path):
    data, problems = bundle_repository(tmp_path, exercise)
    assert data == b"" and "is not a git repository" in problems[0].text
    assert "grader start git-merge" in problems[0].text


def test_a_merge_in_progress_is_refused_with_how_to_finish(exercise, tmp_path):
    repo = generated(exercise, tmp_path / "repo")
    _, problems = bundle_repository(repo, exercise)
    assert "a merge is still in progress" in problems[0].text
    assert "git commit" in problems[0].text


def test_uncommitted_changes_are_refused_by_name(exercise, tmp_path):
    repo = generated(exercise, tmp_path / "repo", EXERCISE_DIR / "reference/resolve.sh")
    (repo / "notes.txt").write_text("mine, never graded\n")
    (repo / ".venv").mkdir()
    (repo / ".venv" / "pyvenv.cfg").write_text("home = /usr\n")
    assert bundle_repository(repo, exercise)[1] == []
    (repo / "pricing.py").write_text("# changed\n")
    git(repo, "mv", "README.md", "READ_ME.md")
    _, problems = bundle_repository(repo, exercise)
    assert "uncommitted changes" in problems[0].text
    assert "pricing.py" in problems[0].text and "READ_ME.md" in problems[0].text
    assert "notes.txt" not in problems[0].text


def test_a_graded_file_git_does_not_track_is_refused(exercise, tmp_path):
    repo = generated(exercise, tmp_path / "repo", EXERCISE_DIR / "reference/resolve.sh")
    git(repo, "rm", "-q", "--cached", "tests/test_pricing.py")
    git(repo, "commit", "-qm", "chore: stop tracking the tests")
    _, problems = bundle_repository(repo, exercise)
    assert (
        "uncommitted changes" in problems[0].text
        and "tests/test_pricing.py" in problems[0].text
    )


def test_a_bundle_over_the_limit_is_refused(exercise, tmp_path):
    repo = generated(exercise, tmp_path / "repo", EXERCISE_DIR / "reference/resolve.sh")
    (repo / "big.bin").write_bytes(os.urandom(40 * 1024))
    git(repo, "add", "big.bin")
    git(repo, "commit", "-qm", "chore: add a big file")
    small = dataclasses.replace(
        exercise, repository=Repository("x.py", max_bundle_kb=8)
    )
    _, problems = bundle_repository(repo, small)
    assert "the limit is 8 KB" in problems[0].text


# The sandbox's side.


def test_unpack_clones_bare_and_the_hidden_helper_reads_history(exercise, tmp_path):
    repo = generated(exercise, tmp_path / "repo", EXERCISE_DIR / "reference/resolve.sh")
    submission = tmp_path / "job" / "submission"
    submission.mkdir(parents=True)
    data, _ = bundle_repository(repo, exercise)
    (submission / BUNDLE_NAME).write_bytes(data)
    trusted = tmp_path / "job" / "work" / "trusted"
    (trusted / "hidden").mkdir(parents=True)
    assert git_bundle.unpack(submission, trusted, owner=None)
    found = git_bundle.repository(trusted / "hidden" / "test_x.py")
    assert not (found / "pricing.py").exists()  # bare: nothing checked out
    assert not list((found / "hooks").glob("*")) if (found / "hooks").exists() else True
    log = git_bundle.git(found, "log", "--format=%s", "main")
    assert "Merge branch 'feature/discount'" in log
    assert git_bundle.git_succeeds(found, "rev-parse", "--verify", "refs/tags/v1.1.0")


def test_the_clones_config_and_the_environment_run_nothing(tmp_path, monkeypatch):
    """A hostile global config (an fsmonitor and a pager command) is never read."""
    marker = tmp_path / "ran"
    config = tmp_path / "gitconfig"
    config.write_text(
        f"[core]\n\tfsmonitor = touch {marker}\n\tpager = touch {marker}\n"
        f"[alias]\n\tlog = !touch {marker}\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(config))
    source = tmp_path / "src"
    source.mkdir()
    env = clean_git_env(tmp_path)
    for args in (
        ["init", "-q", "-b", "main"],
        ["commit", "-q", "--allow-empty", "-m", "x"],
    ):
        subprocess.run(["git", "-C", str(source), *args], env=env, check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(source),
            "bundle",
            "create",
            "-q",
            str(tmp_path / "b"),
            "--all",
        ],
        env=env,
        check=True,
    )
    submission = tmp_path / "submission"
    submission.mkdir()
    (tmp_path / "b").rename(submission / BUNDLE_NAME)
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    git_bundle.unpack(submission, trusted, owner=None)
    git_bundle.git(trusted / git_bundle.REPOSITORY_NAME, "log", "main")
    assert not marker.exists()


def test_a_broken_bundle_is_reported_to_the_hidden_tests(tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / BUNDLE_NAME).write_bytes(b"# v2 git bundle\nnot really\n")
    trusted = tmp_path / "trusted"
    (trusted / "hidden").mkdir(parents=True)
    assert git_bundle.unpack(submission, trusted, owner=None)
    with pytest.raises(
        git_bundle.RepositoryUnavailable, match="not a valid git bundle"
    ):
        git_bundle.repository(trusted / "hidden" / "test_x.py")


def test_no_bundle_and_a_linked_bundle_are_not_unpacked(tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    trusted = tmp_path / "trusted"
    (trusted / "hidden").mkdir(parents=True)
    assert not git_bundle.unpack(submission, trusted, owner=None)
    (tmp_path / "elsewhere").write_bytes(b"x")
    (submission / BUNDLE_NAME).symlink_to(tmp_path / "elsewhere")
    assert not git_bundle.unpack(submission, trusted, owner=None)
    with pytest.raises(git_bundle.RepositoryUnavailable, match="no repository"):
        git_bundle.repository(trusted / "hidden" / "test_x.py")


# The exercise.toml field.


def test_a_generator_outside_the_exercise_is_refused(tmp_path):
    copy = tmp_path / "git-merge"
    copy.mkdir()
    text = (EXERCISE_DIR / "exercise.toml").read_text(encoding="utf-8")
    for name in ("hints.md", "hints.zh.md"):
        (copy / name).write_text((EXERCISE_DIR / name).read_text(encoding="utf-8"))
    (copy / "exercise.toml").write_text(
        text.replace('"repository/generate.py"', '"../generate.py"')
    )
    with pytest.raises(ExerciseError, match="repository.generator"):
        load_exercise(copy)
    (copy / "exercise.toml").write_text(text.replace('"bundle"', '"tarball"'))
    with pytest.raises(ExerciseError, match="submit"):
        load_exercise(copy)


# The reference and the kept wrong answers, graded.


def test_reference_passes_and_the_starter_scores_0(exercise, local_backend):
    with graded_folder(exercise, "reference") as folder:
        card = grade_workspace(folder, exercise=exercise, backend=local_backend)
    assert card.status == "pass" and card.score == card.max_score
    with graded_folder(exercise, "starter") as folder:
        card = grade_workspace(folder, exercise=exercise, backend=local_backend)
    assert card.status != "pass" and card.score == 0
    assert "a merge is still in progress" in card.message


def test_at_least_ten_wrong_answers_are_kept():
    assert len(WRONG) >= 10


@pytest.mark.slow
@pytest.mark.parametrize("script", WRONG, ids=[p.stem for p in WRONG])
def test_every_wrong_answer_is_rejected(exercise, local_backend, tmp_path, script):
    repo = generated(exercise, tmp_path / "repo", script)
    card = grade_workspace(repo, exercise=exercise, backend=local_backend)
    assert card.status != "pass", f"{script.name} passed"
    if script.stem in REFUSED:
        assert REFUSED[script.stem] in card.message
        return
    # Graded, and the hidden suite is what rejects it: a task's gate does not hold.
    # Markers committed in pricing.py stop it earlier, at the syntax error they make.
    tests = card.check("tests")
    assert tests is not None
    if tests.status == "error":
        assert "SyntaxError" in tests.message and card.score == 0, tests.message
        return
    missed = [g.task for g in card.gates if g.task is not None and not g.held]
    assert missed, f"{script.name}: every task's gate held"
