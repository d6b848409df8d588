"""`grader ci` on real git repositories of workspaces, and the workflow `grader init ci` writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

from grader.catalog import ExercisePack
from grader.ci import GradedWorkspace, annotations_for, render_summary
from grader.ci.annotations import escape_data, escape_property
from grader.ci.run import CiRun
from grader.cli import cli
from grader.errors import BackendUnavailable
from grader.scorecard import serialize
from grader.workspace import find_workspaces, start_workspace
from tests.conftest import FIXTURE_PACK, TESTS, WORD_COUNT

REFERENCE = WORD_COUNT / "reference"
UNFORMATTED = TESTS / "golden" / "unformatted" / "submission" / "word_count.py"
# A folder whose name needs the workflow-command escaping of properties (",", "%").
ODD = "lint,100%"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=Ann", "-c", "user.email=ann@x.test",
         *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def make_workspace(repo: Path, folder: str, *, solved: bool = False) -> Path:
    dest = repo / folder
    start_workspace(ExercisePack(FIXTURE_PACK).get("word-count"), dest)
    if solved:
        shutil.copy(REFERENCE / "word_count.py", dest / "word_count.py")
        shutil.copy(REFERENCE / "tests" / "test_word_count.py", dest / "tests")
    return dest


def grader_ci(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        cli, ["--exercises", str(FIXTURE_PACK), "ci", *args], env=env
    )


def github_env(tmp: Path) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp / "summary.md")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A repository of three workspaces (solved, starter, unformatted), graded once."""
    tmp = tmp_path_factory.mktemp("ci")
    repo = tmp / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    make_workspace(repo, "solved", solved=True)
    make_workspace(repo, "starter")
    odd = make_workspace(repo, f"work/{ODD}", solved=True)
    shutil.copy(UNFORMATTED, odd / "word_count.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "three exercises")
    result = grader_ci("--repo", str(repo), "--backend", "local", env=github_env(tmp))
    summary = (tmp / "summary.md").read_text(encoding="utf-8")
    return {"repo": repo, "result": result, "summary": summary}


def test_a_failing_exercise_fails_the_job_with_a_line_per_exercise(graded) -> None:
    result = graded["result"]
    assert result.exit_code == 1, result.output
    assert "[1/3] solved: grading stage1/word-count" in result.stderr
    assert "[2/3] starter: FAIL" in result.stderr
    # 80 points, but flake8 and black are gates: lint problems fail the exercise.
    assert f"[3/3] work/{ODD}: FAIL 80/100" in result.stderr
    assert "1 of 3 exercises passed; scorecards in grader-scorecards/" in result.stdout


def test_the_summary_has_a_row_per_exercise_and_the_failing_tests(graded) -> None:
    summary = graded["summary"]
    assert summary.startswith("## grader: 1 of 3 exercises passed")
    rows = [line for line in summary.splitlines() if line.startswith("| stage1/")]
    assert [row.split(" | ")[1:4] for row in rows] == [
        ["`solved`", "✅ pass", "100 / 100"],
        ["`starter`", "❌ fail", "0 / 100"],  # engineering points follow the work
        [f"`work/{ODD}`", "❌ fail", "80 / 100"],
    ]
    details, lint = summary.split("### ")[1:]
    assert details.startswith("❌ stage1/word-count in `starter`: fail")
    assert "**Failing tests** (5 of 5)" in details
    assert "**A negative n raises ValueError**" in details
    assert "`starter/word_count.py:11 in top_words`" in details
    assert "**Coverage of your tests**" in details
    assert lint.startswith(f"❌ stage1/word-count in `work/{ODD}`: fail")
    assert "flake8" in lint and "black" in lint  # the gates that did not hold
    assert "`solved`" not in details + lint  # a passing exercise gets no section


def test_failing_tests_are_annotated_at_the_students_file_and_line(graded) -> None:
    lines = graded["result"].stdout.splitlines()
    assert (
        "::error file=starter/word_count.py,line=6,"
        "title=stage1/word-count%3A task 1%3A Each word is counted::NotImplementedError"
        "%0A(test_word_count.py::test_counts_each_word)"
    ) in lines
    assert any(
        line.startswith("::error file=starter/word_count.py,line=11,title=")
        and "ties alphabetically" in line
        and "%2C" in line.split("::")[1]  # the "," in the title is escaped
        for line in lines
    )


def test_lint_problems_fail_the_exercise_and_are_errors(graded) -> None:
    lines = graded["result"].stdout.splitlines()
    where = "work/lint%2C100%25/word_count.py"
    assert (
        f"::error file={where},line=19,col=26,title=flake8 E201::whitespace after '('"
        in lines
    )
    assert f"::error file={where},line=19,col=51,title=flake8 E202::" in "\n".join(
        lines
    )
    assert any(
        line.startswith(f"::error file={where},title=black::1 file(s) would be")
        for line in lines
    )
    assert not any("file=solved/" in line for line in lines)


def test_scorecards_are_saved_in_workspaces_and_copied_for_the_artifact(
    graded,
) -> None:
    repo = graded["repo"]
    out = sorted((repo / "grader-scorecards").iterdir())
    assert [p.name for p in out] == [
        "solved.json",
        "starter.json",
        f"work__{ODD}.json",
    ]
    for workspace, copy in zip(find_workspaces(repo), out):
        (saved,) = workspace.scorecards()
        assert saved.read_bytes() == copy.read_bytes()
    assert [serialize.load(p).status for p in out] == ["pass", "fail", "fail"]
    assert not list(repo.glob("grader-scorecards/.*"))  # no temporary files left


def test_changed_grades_only_workspaces_changed_since_the_ref(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    make_workspace(repo, "one", solved=True)
    make_workspace(repo, "two")
    (repo / "README.md").write_text("my exercises\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "start")
    base = git(repo, "rev-parse", "HEAD")

    nothing = grader_ci("--repo", str(repo), "--changed", base)
    assert nothing.exit_code == 0, nothing.output
    assert "Nothing to grade: no exercise workspace changed since" in nothing.stdout
    assert not (repo / "grader-scorecards").exists()

    # An uncommitted new file counts as a change; the other workspace is left alone.
    (repo / "two" / "notes.txt").write_text("todo\n")
    result = grader_ci("--repo", str(repo), "--changed", base, "--backend", "local")
    assert result.exit_code == 1, result.output
    assert "[1/1] two: FAIL" in result.stderr
    assert not (repo / "one" / ".grader" / "scorecards").exists()
    # Outside GitHub Actions the problems are plain compiler-style lines.
    assert "two/word_count.py:6: error: stage1/word-count: task 1: Each word is " \
        "counted: NotImplementedError" in result.stdout  # fmt: skip
    assert "::error" not in result.stdout

    # The scorecard that run saved in the workspace is no reason to grade it again.
    git(repo, "add", "two/notes.txt")
    git(repo, "commit", "-qm", "notes")
    assert list((repo / "two" / ".grader" / "scorecards").glob("*.json"))
    again = grader_ci("--repo", str(repo), "--changed", "HEAD")
    assert again.exit_code == 0 and "Nothing to grade" in again.stdout

    # A change committed since the ref.
    shutil.rmtree(repo / "grader-scorecards")
    git(repo, "add", "-A")
    # The workspace's scorecards stay out of git (.grader/.gitignore): nothing to commit.
    assert "scorecards" not in git(repo, "status", "--porcelain", "--ignored=no")
    git(repo, "commit", "-q", "--allow-empty", "-m", "nothing new")
    (repo / "one" / "word_count.py").write_text(
        (REFERENCE / "word_count.py").read_text() + "\n\n# done\n"
    )
    git(repo, "commit", "-qam", "finish one")
    result = grader_ci("--repo", str(repo), "--changed", "HEAD~1", "--backend", "local")
    assert result.exit_code == 0, result.output
    assert "[1/1] one: PASS 100/100" in result.stderr
    assert [p.name for p in (repo / "grader-scorecards").iterdir()] == ["one.json"]


def test_a_bad_ref_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    make_workspace(repo, "one")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "start")
    result = grader_ci(
        "--repo", str(repo), "--changed", "no-such-branch", env=github_env(tmp_path)
    )
    assert result.exit_code == 2
    assert "'no-such-branch' is not a commit" in result.stderr
    assert "fetch-depth: 0" in result.stderr
    assert "Traceback" not in result.output
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("## grader: could not grade")

    outside = tmp_path / "plain"
    make_workspace(outside, "one")
    result = grader_ci("--repo", str(outside), "--changed", "HEAD")
    assert result.exit_code == 2 and "not inside a git repository" in result.stderr


def test_an_unknown_exercise_or_missing_sandbox_stops_before_grading(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    make_workspace(repo, "one")
    result = grader_ci(
        "--repo", str(repo), "--backend", "docker",
        env={"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"},
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "Docker engine is not reachable" in result.stderr
    marker = repo / "two" / ".grader" / "exercise.json"
    make_workspace(repo, "two")
    marker.write_text(json.dumps({"exercise": "stage9/nope"}))
    result = grader_ci("--repo", str(repo), "--backend", "local")
    assert result.exit_code == 2 and "nope" in result.stderr
    assert not (repo / "one" / ".grader" / "scorecards").exists()


def test_an_empty_repository_passes_and_says_so(tmp_path: Path) -> None:
    result = grader_ci("--repo", str(tmp_path), env=github_env(tmp_path))
    assert result.exit_code == 0
    assert "Nothing to grade: no exercise workspace (0 found)" in result.stdout
    assert "nothing to grade" in (tmp_path / "summary.md").read_text()


def test_workflow_command_escaping() -> None:
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_the_summary_stays_within_its_byte_budget(graded) -> None:
    card = serialize.load(graded["repo"] / "grader-scorecards" / "starter.json")
    for test in card.check("tests").details["tests"]:
        test["title"] = "<script>|" * 50
        test["message"] = "`x` | y " * 500
    card.check("flake8").details["violations"] = [
        {"path": "word_count.py", "line": n, "col": 1, "code": "E1", "text": "x"}
        for n in range(1, 101)
    ]
    workspace = find_workspaces(graded["repo"])[1]
    many = [
        GradedWorkspace(f"w{i}", workspace, card, Path("s"), Path("c"))
        for i in range(3000)
    ]
    run = CiRun(root=graded["repo"], found=3000, changed_since=None, graded=many)
    text = render_summary(run, limit=200_000, out_name="grader-scorecards")
    assert len(text.encode()) <= 200_000
    assert "more exercises: see the scorecards" in text
    assert text.rstrip().endswith("(uploaded by the workflow as an artifact).")
    roomy = render_summary(run, limit=1_000_000, out_name="grader-scorecards")
    assert "details of" in roomy
    assert "<script>" not in roomy and "\\<script\\>\\|" in roomy
    # The whole message in a code block whose fence is longer than the backticks inside.
    assert "\n  ```text\n  `x` | y `x` | y" in roomy
    notes = annotations_for(many[0])
    assert len(notes) == 30 and "more problems" in notes[-1].title


@pytest.fixture
def class_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A class server on loopback that grades with the fixture pack: (url, a token)."""
    from grader.leaderboard import auth
    from grader.leaderboard.app import create_app
    from grader.leaderboard.settings import Settings
    from grader.runner import LocalBackend
    from tests.leaderboard.conftest import LiveServer

    settings = Settings(
        data_dir=tmp_path / "server",
        exercises_dir=FIXTURE_PACK,
        backend="local",
        workers=1,
        idle_poll_seconds=0.1,
        allow_reduced_isolation=True,
    )
    app = create_app(settings, backend=LocalBackend())
    with app.state.context.db.session() as session:
        token = auth.add_student(session, "Ann", pseudonym="owl").token
    with LiveServer(app) as server:
        yield server.url, token


def test_the_class_server_grades_with_server_and_token(
    tmp_path: Path, class_server: tuple[str, str], monkeypatch
) -> None:
    url, token = class_server
    monkeypatch.setenv("GRADER_TOKEN", token)
    monkeypatch.setenv("GRADER_EXERCISES", str(FIXTURE_PACK))
    repo = tmp_path / "repo"
    make_workspace(repo, "one", solved=True)
    result = grader_ci("--repo", str(repo), "--server", url)
    assert result.exit_code == 0, result.output
    assert "uploading" in result.stderr
    card = serialize.load(repo / "grader-scorecards" / "one.json")
    assert card.status == "pass" and card.score == 100
    assert "1 of 1 exercises passed" in result.stdout


@pytest.mark.docker
def test_ci_grades_in_the_docker_sandbox(tmp_path: Path) -> None:
    from grader.runner.docker_backend import DockerBackend

    try:
        DockerBackend()
    except BackendUnavailable as exc:
        if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
            pytest.fail(f"Docker is required here: {exc.message}")
        pytest.skip(exc.message)
    repo = tmp_path / "repo"
    make_workspace(repo, "one", solved=True)
    result = grader_ci("--repo", str(repo), "--backend", "docker")
    assert result.exit_code == 0, result.output
    card = serialize.load(repo / "grader-scorecards" / "one.json")
    assert card.status == "pass" and card.runner.backend == "docker"
    assert card.runner.sandboxed


# --- grader init ci ----------------------------------------------------------------


SPEC = "grader-harness==0.1.0"


def init_ci(*args: str, spec: str = SPEC) -> Result:
    return CliRunner().invoke(cli, ["init", "ci", "--install-from", spec, *args])


def test_init_ci_writes_a_valid_github_workflow(tmp_path: Path) -> None:
    result = init_ci("--repo", str(tmp_path))
    assert result.exit_code == 0, result.output
    path = tmp_path / ".github" / "workflows" / "grader.yml"
    workflow = yaml.safe_load(path.read_text())
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads(schema_file.joinpath("github-workflows.json").read_text())
    jsonschema.validate(workflow, schema)

    assert set(workflow["on"]) >= {"push", "pull_request"}
    assert workflow["env"]["GRADER_PIP_SPEC"] == SPEC
    steps = workflow["jobs"]["grade"]["steps"]
    uses = {s.get("uses", "").split("@")[0]: s for s in steps}
    assert uses["actions/checkout"]["with"]["fetch-depth"] == 0
    assert uses["actions/setup-python"]["with"]["python-version"] == "3.11"
    upload = uses["actions/upload-artifact"]
    assert upload["if"] == "always()" and upload["with"]["path"] == "grader-scorecards/"
    script = "\n".join(s.get("run", "") for s in steps)
    for needed in ("docker.io", "grader runner build", "bubblewrap", "grader ci"):
        assert needed in script
    assert 'pip install "$GRADER_PIP_SPEC"' in script


def grade_step_args(tmp_path: Path, before: str, repo: Path) -> list[str]:
    """Run the workflow's Grade step with a stand-in `grader` that prints its arguments."""
    text = (tmp_path / ".github" / "workflows" / "grader.yml").read_text()
    (step,) = [
        s
        for s in yaml.safe_load(text)["jobs"]["grade"]["steps"]
        if s.get("name") == "Grade"
    ]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "grader"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "BEFORE": before,
        "BACKEND": "docker",
        "GRADER_SERVER": "",
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=repo, env=env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.split("\n")


def test_the_workflow_grades_changes_or_everything_on_a_first_push(
    tmp_path: Path,
) -> None:
    assert init_ci("--repo", str(tmp_path)).exit_code == 0
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "commit", "-q", "--allow-empty", "-m", "first")
    sha = git(repo, "rev-parse", "HEAD")
    changed = grade_step_args(tmp_path, sha, repo)
    assert changed[:5] == ["ci", "--backend", "docker", "--changed", sha]
    first_push = grade_step_args(tmp_path, "0" * 40, repo)
    assert "--changed" not in first_push and "First push" in first_push[0]
    gone = grade_step_args(tmp_path, "1" * 40, repo)
    assert "--changed" not in gone and "not in the history" in gone[0]


def test_init_ci_never_overwrites_without_force(tmp_path: Path) -> None:
    path = tmp_path / ".github" / "workflows" / "grader.yml"
    path.parent.mkdir(parents=True)
    path.write_text("name: mine\n")
    result = init_ci("--repo", str(tmp_path))
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert path.read_text() == "name: mine\n"
    assert init_ci("--repo", str(tmp_path), "--force").exit_code == 0
    assert "grader ci" in path.read_text()


def test_init_ci_finds_the_repository_root_from_a_subfolder(
    tmp_path: Path, monkeypatch
) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "stage1").mkdir()
    monkeypatch.chdir(tmp_path / "stage1")
    assert init_ci().exit_code == 0
    assert (tmp_path / ".github" / "workflows" / "grader.yml").is_file()


# Folder names a student can choose, hostile to the runner's log (workflow commands, on
# stdout and stderr) and to the step summary's Markdown.
COMMANDS = "a\n::stop-commands::x"
V1_COMMAND = "b##[add-mask]c"
FAKE_HEADING = "x|y\n## All passed<!--"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A repository of three starter workspaces in hostile folders, graded once."""
    tmp = tmp_path_factory.mktemp("ci-hostile")
    repo = tmp / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    for folder in (COMMANDS, V1_COMMAND, FAKE_HEADING):
        make_workspace(repo, folder)
    result = grader_ci("--repo", str(repo), "--backend", "local", env=github_env(tmp))
    summary = (tmp / "summary.md").read_text(encoding="utf-8")
    return {"repo": repo, "result": result, "summary": summary}


def test_progress_lines_escape_hostile_folder_names(hostile) -> None:
    result = hostile["result"]
    assert result.exit_code == 1, result.output
    progress = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert [line.split(": ", 1)[0] for line in progress] == [
        "[1/3] a%0A::stop-commands::x",
        "[1/3] a%0A::stop-commands::x",
        "[2/3] b##%5Badd-mask]c",
        "[2/3] b##%5Badd-mask]c",
        "[3/3] x|y%0A## All passed<!--",
        "[3/3] x|y%0A## All passed<!--",
    ]


def test_no_hostile_folder_name_makes_a_workflow_command(hostile) -> None:
    result = hostile["result"]
    for stream in (result.stdout, result.stderr):
        for line in stream.splitlines():
            if line.lstrip().startswith("::"):  # the runner reads these as v2 only
                assert line.startswith(("::error file=", "::warning file=")), line
            else:
                assert "##[" not in line, line
    assert (
        "::error file=a%0A%3A%3Astop-commands%3A%3Ax/word_count.py,line=6,"
        "title=stage1/word-count%3A task 1%3A Each word is counted::NotImplementedError"
        "%0A(test_word_count.py::test_counts_each_word)"
    ) in result.stdout.splitlines()


def test_the_summary_shows_hostile_folder_names_as_text(hostile) -> None:
    summary = hostile["summary"]
    lines = summary.splitlines()
    rows = [line for line in lines if line.startswith("| stage1/")]
    assert [row.split(" | ")[1] for row in rows] == [
        "`a ::stop-commands::x`",
        "`b##[add-mask]c`",
        "`x\\|y ## All passed<!--`",
    ]
    assert all(row.endswith(" |") and row.count(" | ") == 5 for row in rows)
    headings = [line for line in lines if line.startswith("#")]
    assert headings == [
        "## grader: 0 of 3 exercises passed",
        "### ❌ stage1/word-count in `a ::stop-commands::x`: fail, 0 / 100",
        "### ❌ stage1/word-count in `b##[add-mask]c`: fail, 0 / 100",
        "### ❌ stage1/word-count in `x|y ## All passed<!--`: fail, 0 / 100",
    ]
    assert "`x|y ## All passed<!--/word_count.py:11 in top_words`" in summary
    assert "<!--" not in summary.replace("`x\\|y ## All passed<!--`", "").replace(
        "x|y ## All passed<!--", ""
    )


def test_a_plain_annotation_line_escapes_hostile_names() -> None:
    from grader.ci.annotations import Annotation, plain_line

    note = Annotation("error", f"t: {COMMANDS}", "::set-output name=a::b\nmore",
                      f"{V1_COMMAND}/w.py", 3)  # fmt: skip
    assert plain_line(note) == (
        "b##%5Badd-mask]c/w.py:3: error: t: a%0A::stop-commands::x: "
        "%3A:set-output name=a::b\n    more"  # every line of the message, escaped
    )


def test_an_error_naming_a_hostile_exercise_makes_no_command(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_workspace(repo, "one")
    marker = repo / "one" / ".grader" / "exercise.json"
    marker.write_text(json.dumps({"exercise": "x\n::add-mask::y ##[stop-commands]z"}))
    result = grader_ci("--repo", str(repo), "--backend", "local",
                       env=github_env(tmp_path))  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "##%5Bstop-commands]z" in result.stderr
    assert "##[" not in result.stderr
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "\\#\\#\\[stop-commands\\]z" in summary
