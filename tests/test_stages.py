"""`grader stage check N`: each stage's exit criteria judged in real student repositories.

Repositories are real: `git init`, commits, tags and remotes made with git, workspaces made
with `start_workspace`, scorecards the grader recorded (tests/golden) saved in them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result

from grader.catalog import ExercisePack
from grader.scorecard.model import CheckResult, Scorecard
from grader.stages import StageReport, check_stage
from grader.workspace import save_scorecard
from tests.conftest import FIXTURE_PACK
from tests.test_progress import git, golden_card, invoke, make_pack, start

README_OK = """# Word tools

## Installation / 安装

    pip install -e .

## Usage / 运行

    python word_count.py book.txt

![a run](docs/run.png)

Test coverage / 测试覆盖率: 100% (`pytest --cov`).
"""


@pytest.fixture
def pack() -> ExercisePack:
    return ExercisePack(FIXTURE_PACK)


def write(repo: Path, relative: str, text: str) -> Path:
    path = repo / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def commit(repo: Path, *messages: str) -> None:
    for message in messages:
        git(repo, "commit", "-q", "--allow-empty", "-m", message)


def criterion(report: StageReport, criterion_id: str):  # type: ignore[no-untyped-def]
    return next(r for r in report.results if r.id == criterion_id)


def stage_check(pack: ExercisePack, repo: Path, stage: int, *extra: str) -> Result:
    return invoke(pack.root, "stage", "check", str(stage), "--repo", str(repo), *extra)


@pytest.fixture
def stage1_repo(tmp_path: Path, pack: ExercisePack) -> Path:
    """A repository meeting every automatic criterion of stage 1 (with the fixture pack)."""
    repo = tmp_path / "portfolio"
    workspace = start(pack, "word-count", repo, "word-count")
    save_scorecard(workspace, golden_card("full-marks"))
    write(repo, "README.md", README_OK)
    write(repo, "pyproject.toml", "[tool.coverage.run]\nbranch = true\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    commit(repo, "feat: count words", "test(words): cover ties", "docs: usage")
    git(repo, "remote", "add", "origin", "https://github.com/student/portfolio.git")
    return repo


def test_a_complete_stage_1_repository_passes_with_exit_0(
    stage1_repo: Path, pack: ExercisePack
) -> None:
    result = stage_check(pack, stage1_repo, 1)
    assert result.exit_code == 0, result.output
    assert "7 of 7 automatic criteria pass" in result.output
    assert "stage 1 exit criteria met" in result.output
    assert "Self-assessment (not counted)" in result.output
    assert (
        "[self-assessment] Explain the difference between @classmethod" in result.output
    )

    document = json.loads(stage_check(pack, stage1_repo, 1, "--json").output)
    assert document["passed"] is True and document["stage"] == 1
    assert document["title_zh"] == "Python基础 + 工程工具链"
    assert document["automatic"] == {"passed": 7, "total": 7}
    assert {c["id"] for c in document["criteria"]} == {
        "exercises",
        "engineering-checks",
        "readme-sections",
        "readme-screenshot-coverage",
        "tests-coverage",
        "conventional-commits",
        "git-remote",
    }
    for item in document["criteria"]:
        assert item["status"] == "pass" and item["automatic"] is True
        assert item["evidence"] and item["source"].startswith(("阶段1", "技术栈"))
        assert item["title"] and item["title_zh"]
    selfs = document["self_assessment"]
    assert selfs and all(
        s["status"] == "self-assessment" and s["automatic"] is False for s in selfs
    )
    exercises = next(c for c in document["criteria"] if c["id"] == "exercises")
    assert exercises["evidence"] == "1 of 1 stage 1 exercises passed"
    assert exercises["details"] == [
        "stage1/word-count: passed (best 100/100, 1 attempt(s))"
    ]


def test_a_folder_without_git_fails_the_git_criteria_with_git_init(
    tmp_path: Path, pack: ExercisePack
) -> None:
    repo = tmp_path / "plain"
    repo.mkdir()
    result = stage_check(pack, repo, 1, "--json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["passed"] is False and document["automatic"]["passed"] == 0
    by_id = {c["id"]: c for c in document["criteria"]}
    for git_criterion in ("conventional-commits", "git-remote"):
        assert by_id[git_criterion]["status"] == "fail"
        assert "not a git repository" in by_id[git_criterion]["evidence"]
        assert by_id[git_criterion]["next_step"].startswith("git init")
    assert (
        by_id["exercises"]["evidence"]
        == "0 of 1 stage 1 exercises passed; 1 not started"
    )
    assert (
        "grader start stage1/word-count word-count" in by_id["exercises"]["next_step"]
    )
    assert (
        by_id["engineering-checks"]["evidence"]
        == "no scorecard for a stage 1 exercise yet"
    )
    assert by_id["readme-sections"]["evidence"] == "no README at the repository root"
    assert "## Installation / 安装" in by_id["readme-sections"]["next_step"]
    assert "no report and no configuration" in by_id["tests-coverage"]["evidence"]
    assert "pytest-cov" in by_id["tests-coverage"]["next_step"]


def test_conventional_commits_share_offenders_and_merges(
    tmp_path: Path, pack: ExercisePack
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "feat: add loader", "fix(parser): empty lines", "docs: readme")
    commit(repo, "chore!: drop python 3.9", "update stuff")
    found = criterion(
        check_stage(stage=1, repo=repo, pack=pack), "conventional-commits"
    )
    assert found.status == "pass"
    assert found.evidence.startswith("4 of 5 commits (80%) follow")
    assert len(found.details) == 1 and found.details[0].endswith(" update stuff")

    # A merge commit is git's own message, not the student's: it is left out.
    git(repo, "checkout", "-q", "-b", "topic")
    commit(repo, "test: cover the loader")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "topic", "-m", "Merge branch 'topic'")
    commit(repo, "WIP", "feat：中文冒号")
    found = criterion(
        check_stage(stage=1, repo=repo, pack=pack), "conventional-commits"
    )
    assert found.status == "fail"
    assert found.evidence.startswith("5 of 8 commits (62%) follow")
    assert [d.split(" ", 1)[1] for d in found.details] == [
        "feat：中文冒号",
        "WIP",
        "update stuff",
    ]
    assert "feat: add CSV export" in found.next_step


def test_a_repository_without_commits(tmp_path: Path, pack: ExercisePack) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    found = criterion(
        check_stage(stage=1, repo=repo, pack=pack), "conventional-commits"
    )
    assert (found.status, found.evidence) == ("fail", "no commits yet")
    assert found.next_step.startswith("git add -A && git commit -m 'feat:")


@pytest.mark.parametrize(
    ("name", "text", "passes", "evidence"),
    [
        ("README.md", README_OK, True, "install: 'Installation / 安装'"),
        ("README.md", "# 词频\n## 安装步骤\n## 运行示例\n", True, "run: '运行示例'"),
        (
            "readme.md",
            "Tool\n====\n\nSetup\n-----\n\nRunning\n-------\n",
            True,
            "'Setup'",
        ),
        (
            "README.rst",
            "Tool\n====\n\nInstall\n~~~~~~~\n\nUsage\n~~~~~\n",
            True,
            "'Usage'",
        ),
        ("README.md", "## Install\n```\n# Usage\n```\n", False, "run: missing"),
        ("README.md", "Install with pip, then run it.\n", False, "install: missing"),
    ],
)
def test_readme_sections_in_english_or_chinese(
    tmp_path: Path,
    pack: ExercisePack,
    name: str,
    text: str,
    passes: bool,
    evidence: str,
) -> None:
    repo = tmp_path / "repo"
    write(repo, name, text)
    found = criterion(check_stage(stage=1, repo=repo, pack=pack), "readme-sections")
    assert (found.status == "pass") is passes
    assert evidence in found.evidence
    if not passes:
        assert "add to" in found.next_step and "## " in found.next_step


def test_readme_screenshot_and_coverage(tmp_path: Path, pack: ExercisePack) -> None:
    repo = tmp_path / "repo"
    write(repo, "README.md", "## Usage\n\n![a run](docs/run.png)\n")
    found = criterion(
        check_stage(stage=1, repo=repo, pack=pack), "readme-screenshot-coverage"
    )
    assert found.status == "fail"
    assert (
        found.evidence
        == "README.md: screenshot: 'docs/run.png'; coverage: not mentioned"
    )
    assert (
        "Coverage / 测试覆盖率" in found.next_step
        and "screenshot" not in found.next_step
    )
    write(repo, "README.md", '覆盖率 95%\n<img src="shot.png" width=400>\n')
    found = criterion(
        check_stage(stage=1, repo=repo, pack=pack), "readme-screenshot-coverage"
    )
    assert found.status == "pass"
    assert found.evidence == "README.md: screenshot: 'shot.png'; coverage: mentioned"


@pytest.mark.parametrize(
    ("extra", "passes"),
    [
        ({}, False),
        ({".coverage": "data"}, True),
        ({"coverage.xml": "<coverage/>"}, True),
        ({"htmlcov/index.html": "<html></html>"}, True),
        (
            {"pyproject.toml": '[tool.pytest.ini_options]\naddopts = "--cov=app"\n'},
            True,
        ),
        ({"pyproject.toml": "[project]\nname = 'app'\n"}, False),
    ],
)
def test_tests_and_a_coverage_report(
    tmp_path: Path, pack: ExercisePack, extra: dict[str, str], passes: bool
) -> None:
    repo = tmp_path / "repo"
    write(repo, "app/tests/test_app.py", "def test_x():\n    assert True\n")
    for relative, text in extra.items():
        write(repo, relative, text)
    found = criterion(check_stage(stage=1, repo=repo, pack=pack), "tests-coverage")
    assert (found.status == "pass") is passes
    assert found.evidence.startswith("1 test file(s) in 1 tests folder(s) (app/tests)")
    if passes:
        assert next(iter(extra)).split("/")[0] in found.evidence
    else:
        assert "pytest-cov" in found.next_step


def test_no_tests_folder_fails(tmp_path: Path, pack: ExercisePack) -> None:
    repo = tmp_path / "repo"
    write(repo, "test_loose.py", "def test_x():\n    pass\n")  # not in a tests folder
    write(repo, ".coveragerc", "[run]\nbranch = True\n")
    found = criterion(check_stage(stage=1, repo=repo, pack=pack), "tests-coverage")
    assert found.status == "fail"
    assert (
        found.evidence.startswith("0 test file(s)") and ".coveragerc" in found.evidence
    )
    assert found.next_step == "add tests/test_<module>.py with pytest tests"


def test_exercises_started_failed_and_passed(
    tmp_path: Path, pack: ExercisePack
) -> None:
    repo = tmp_path / "repo"
    workspace = start(pack, "word-count", repo, "wc")
    found = criterion(check_stage(stage=1, repo=repo, pack=pack), "exercises")
    assert found.status == "fail"
    assert found.details == (
        "stage1/word-count: not passed yet (started, never submitted)",
    )
    assert found.next_step == "grader submit wc"

    save_scorecard(
        workspace, golden_card("syntax-error", finished_at="2026-03-01T09:00:00Z")
    )
    found = criterion(check_stage(stage=1, repo=repo, pack=pack), "exercises")
    assert found.details == (
        "stage1/word-count: not passed yet (best 0/100 error, 1 attempt(s))",
    )
    assert found.next_step.startswith("grader submit wc (last time: ")

    # A pass counts even when a later attempt failed: the best scorecard decides.
    save_scorecard(
        workspace, golden_card("full-marks", finished_at="2026-03-02T09:00:00Z")
    )
    save_scorecard(
        workspace, golden_card("exit-at-import", finished_at="2026-03-03T09:00:00Z")
    )
    found = criterion(check_stage(stage=1, repo=repo, pack=pack), "exercises")
    assert found.status == "pass"
    assert found.details == ("stage1/word-count: passed (best 100/100, 3 attempt(s))",)


def test_engineering_checks_follow_the_latest_scorecard(
    tmp_path: Path, pack: ExercisePack
) -> None:
    repo = tmp_path / "repo"
    workspace = start(pack, "word-count", repo, "wc")
    save_scorecard(
        workspace, golden_card("full-marks", finished_at="2026-03-01T09:00:00Z")
    )
    save_scorecard(
        workspace, golden_card("unformatted", finished_at="2026-03-02T09:00:00Z")
    )
    found = criterion(check_stage(stage=1, repo=repo, pack=pack), "engineering-checks")
    assert found.status == "fail"
    assert found.evidence.startswith(
        "2 engineering check(s) not green on the latest scorecards of 1 of 1"
    )
    assert [d.split(":")[1].strip() for d in found.details] == [
        "flake8 fail",
        "black fail",
    ]
    assert found.next_step.startswith("cd wc && flake8 .")

    save_scorecard(
        workspace, golden_card("full-marks", finished_at="2026-03-03T09:00:00Z")
    )
    found = criterion(check_stage(stage=1, repo=repo, pack=pack), "engineering-checks")
    assert found.status == "pass" and found.next_step == ""
    assert found.evidence.startswith(
        "flake8, black, coverage pass on the latest scorecard"
    )


def test_stage_2_demands_coverage_above_70_and_api_docs(tmp_path: Path) -> None:
    pack = make_pack(tmp_path / "pack", (2, "word-stats", "Word statistics"))
    repo = tmp_path / "repo"
    workspace = start(pack, "word-stats", repo, "stats")
    card = golden_card("low-coverage", slug="stage2/word-stats", stage=2)
    save_scorecard(workspace, card)
    report = check_stage(stage=2, repo=repo, pack=pack)
    found = criterion(report, "engineering-checks")
    assert found.title == "flake8 passes and coverage above 70%"
    assert found.status == "fail" and "coverage fail" in found.details[0]

    # 73.68% passes the exercise's own threshold and the stage's 70%.
    later = golden_card(
        "timeout-swallowed",
        slug="stage2/word-stats",
        stage=2,
        finished_at="2026-04-01T00:00:00Z",
    )
    save_scorecard(workspace, later)
    found = criterion(check_stage(stage=2, repo=repo, pack=pack), "engineering-checks")
    assert found.status == "pass" and "(coverage > 70%)" in found.evidence

    write(repo, "README.md", "## Install\n## Usage\n")
    report = check_stage(stage=2, repo=repo, pack=pack)
    sections = criterion(report, "readme-sections")
    assert sections.status == "fail" and "deploy: missing" in sections.evidence
    assert "## Deployment / 部署" in sections.next_step
    assert criterion(report, "readme-api-docs").status == "fail"
    write(
        repo,
        "README.md",
        "## Install\n## Usage\n## 部署（Docker）\n[API 文档](http://localhost:8000/docs)\n",
    )
    report = check_stage(stage=2, repo=repo, pack=pack)
    assert criterion(report, "readme-sections").status == "pass"
    docs = criterion(report, "readme-api-docs")
    assert docs.status == "pass" and "http://localhost:8000/docs" in docs.evidence


def test_stage_3_dockerfile_pins_and_model_tag(
    tmp_path: Path, pack: ExercisePack
) -> None:
    repo = tmp_path / "repo"
    write(repo, "service/Dockerfile", "# FROM python AS build\nFROM python:3.11-slim\n")
    write(repo, "requirements.txt", "fastapi>=0.110  # web\nuvicorn==0.29.0\n")
    git(repo, "init", "-q")
    commit(repo, "feat: model")
    git(repo, "tag", "release-candidate")
    report = check_stage(stage=3, repo=repo, pack=pack)
    docker = criterion(report, "dockerfile-multistage")
    assert docker.status == "fail"
    assert docker.evidence == "service/Dockerfile (1 stage(s))"
    assert "COPY --from=build" in docker.next_step
    pins = criterion(report, "pinned-requirements")
    assert pins.status == "fail" and pins.evidence == "requirements.txt: 1 of 2 pinned"
    assert pins.details == ("requirements.txt: fastapi>=0.110",)
    tag = criterion(report, "model-version-tag")
    assert (
        tag.status == "fail"
        and tag.evidence == "no version tag; other tags: release-candidate"
    )
    assert tag.next_step.startswith("git tag -a model-v1.0.0")
    # The exercises of stage 3 are not in this pack: nothing to pass there.
    assert criterion(report, "exercises").status == "pass"

    write(
        repo,
        "service/Dockerfile",
        "FROM python:3.11-slim AS build\nRUN pip wheel .\nFROM python:3.11-slim\n",
    )
    write(
        repo,
        "requirements.txt",
        "fastapi==0.110.0\nuvicorn[standard]==0.29.0 ; python_version>'3'\n",
    )
    git(repo, "tag", "v1.0.0-model")
    report = check_stage(stage=3, repo=repo, pack=pack)
    assert (
        criterion(report, "dockerfile-multistage").evidence
        == "service/Dockerfile (2 stage(s))"
    )
    assert criterion(report, "pinned-requirements").status == "pass"
    tag = criterion(report, "model-version-tag")
    assert tag.status == "pass" and tag.evidence == "version tag(s): v1.0.0-model"

    (repo / "requirements.txt").write_text("pandas\n")
    write(repo, "poetry.lock", "# locked\n")
    found = criterion(check_stage(stage=3, repo=repo, pack=pack), "pinned-requirements")
    assert found.status == "pass" and found.evidence == "lock file: poetry.lock"


def test_stage_4_package_type_hints_and_ci(tmp_path: Path, pack: ExercisePack) -> None:
    repo = tmp_path / "repo"
    write(
        repo,
        "toolkit/core.py",
        "def load(path: str) -> list[str]:\n    return []\n\n"
        "def clean(rows):\n    return rows\n\n"
        "class Model:\n    def __init__(self, size: int):\n        self.size = size\n",
    )
    write(repo, "tests/test_core.py", "def test_load():\n    assert True\n")
    report = check_stage(stage=4, repo=repo, pack=pack)
    hints = criterion(report, "type-hints")
    assert hints.status == "fail"
    assert hints.evidence.startswith(
        "2 of 3 functions (67%) fully annotated in 1 file(s)"
    )
    assert hints.details == ("toolkit/core.py:4 clean()",)
    assert criterion(report, "reusable-package").status == "fail"
    ci = criterion(report, "ci-workflow")
    assert ci.status == "fail" and ".github/workflows/ci.yml" in ci.next_step

    write(repo, "toolkit/core.py", "def load(path: str) -> list[str]:\n    return []\n")
    write(repo, "pyproject.toml", '[project]\nname = "toolkit"\nversion = "0.2.0"\n')
    write(
        repo,
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  t:\n    steps:\n      - run: echo\n",
    )
    report = check_stage(stage=4, repo=repo, pack=pack)
    assert criterion(report, "type-hints").status == "pass"
    package = criterion(report, "reusable-package")
    assert (
        package.status == "pass"
        and package.evidence == "pyproject.toml: package 'toolkit' (0.2.0)"
    )
    ci = criterion(report, "ci-workflow")
    assert ci.status == "fail" and ci.evidence.endswith("none of them runs pytest")
    write(
        repo,
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  t:\n    steps:\n      - run: pytest -q\n",
    )
    assert (
        criterion(check_stage(stage=4, repo=repo, pack=pack), "ci-workflow").status
        == "pass"
    )


def types_card(status: str, finished_at: str) -> Scorecard:
    """A stage-4 scorecard of `typed-count` whose types check ended with `status`."""
    card = golden_card(
        "full-marks", slug="stage4/typed-count", stage=4, finished_at=finished_at
    )
    message = "no type errors" if status == "pass" else "1 problem(s); first: x.py:1:1"
    errors = (
        []
        if status == "pass"
        else [
            {
                "path": "x.py",
                "line": 1,
                "col": 1,
                "code": "return-value",
                "message": "m",
            }
        ]
    )
    card.checks.append(
        CheckResult(
            "types",
            "Type checking (mypy)",
            status,  # type: ignore[arg-type]
            10.0 if status == "pass" else 0.0,
            10.0,
            message=message,
            details={"errors": errors, "count": len(errors)},
        )
    )
    return card


def test_stage_4_type_hints_follow_the_types_check_where_an_exercise_has_it(
    tmp_path: Path,
) -> None:
    pack = make_pack(tmp_path / "pack", (4, "typed-count", "Typed count"))
    toml = pack.root / "stage4" / "typed-count" / "exercise.toml"
    toml.write_text(toml.read_text() + "\n[checks.types]\nweight = 10\n")
    repo = tmp_path / "repo"
    workspace = start(pack, "typed-count", repo, "typed")
    # Unannotated package code: the count would fail it; mypy's verdict decides instead.
    write(repo, "toolkit/core.py", "def clean(rows):\n    return rows\n")
    found = criterion(check_stage(stage=4, repo=repo, pack=pack), "type-hints")
    assert found.status == "fail" and found.next_step == "grader submit typed"
    assert found.details == (
        "stage4/typed-count: no scorecard with the types check yet",
    )

    save_scorecard(workspace, types_card("fail", "2026-03-01T09:00:00Z"))
    found = criterion(check_stage(stage=4, repo=repo, pack=pack), "type-hints")
    assert found.status == "fail"
    assert found.evidence == (
        "mypy passes on the latest scorecard of 0 of 1 stage 4 exercise(s) graded "
        "with the types check"
    )
    assert found.next_step.startswith("cd typed && mypy --disallow-untyped-defs")
    assert found.details[0].startswith("stage4/typed-count: fail: 1 problem(s)")
    engineering = criterion(
        check_stage(stage=4, repo=repo, pack=pack), "engineering-checks"
    )
    assert "typed-count: types fail" in engineering.details[0]

    save_scorecard(workspace, types_card("pass", "2026-03-02T09:00:00Z"))
    found = criterion(check_stage(stage=4, repo=repo, pack=pack), "type-hints")
    assert found.status == "pass"
    assert found.details == ("stage4/typed-count: no type errors",)


def test_remote_credentials_are_never_shown(
    stage1_repo: Path, pack: ExercisePack
) -> None:
    git(
        stage1_repo,
        "remote",
        "set-url",
        "origin",
        "https://student:ghp_secret@github.com/s/p.git",
    )
    found = criterion(check_stage(stage=1, repo=stage1_repo, pack=pack), "git-remote")
    assert found.status == "pass"
    assert found.evidence == "remote(s): origin → https://***@github.com/s/p.git"


def test_terminal_view_shows_text_as_text_and_damaged_scorecards(
    stage1_repo: Path, pack: ExercisePack
) -> None:
    commit(stage1_repo, "[red]oops[/red]", "more [bold]stuff[/bold]")
    (stage1_repo / "word-count" / ".grader" / "scorecards" / "broken.json").write_text(
        "{"
    )
    result = stage_check(pack, stage1_repo, 1)
    assert result.exit_code == 1
    assert "· " in result.output and "[red]oops[/red]" in result.output
    assert "✗ FAIL  Conventional commit messages" in result.output
    assert "note: 1 damaged scorecard file(s) skipped" in result.output
    assert "6 of 7 automatic criteria pass" in result.output


@pytest.mark.parametrize("stage", ["0", "5", "two"])
def test_a_bad_stage_number_exits_2(
    stage1_repo: Path, pack: ExercisePack, stage: str
) -> None:
    result = invoke(pack.root, "stage", "check", stage, "--repo", str(stage1_repo))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_an_unreadable_repository_exits_2(tmp_path: Path, pack: ExercisePack) -> None:
    missing = stage_check(pack, tmp_path / "missing", 1)
    assert missing.exit_code == 2 and "is not a folder" in missing.output
    a_file = write(tmp_path, "file.txt", "x")
    assert stage_check(pack, a_file, 1).exit_code == 2


def test_check_stage_refuses_a_stage_without_criteria(
    tmp_path: Path, pack: ExercisePack
) -> None:
    from grader.stages import UnknownStageError

    with pytest.raises(UnknownStageError, match="there is no stage 7"):
        check_stage(stage=7, repo=tmp_path, pack=pack)
