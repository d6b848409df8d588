"""`grader progress`: per-exercise progress from the scorecards in a student's repository.

Repositories are built in tmp_path with real workspaces (`start_workspace`) and scorecards
that the grader produced: one graded here with the local backend, the others recorded by
the golden tests (tests/golden/*/expected.json) with their exercise slug adjusted.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from grader.catalog import ExercisePack
from grader.cli import cli
from grader.pipeline import grade_workspace
from grader.progress import collect_progress
from grader.runner import LocalBackend
from grader.scorecard import serialize
from grader.scorecard.model import Scorecard
from grader.workspace import Workspace, save_scorecard, start_workspace
from tests.conftest import WORD_COUNT

GOLDEN = Path(__file__).parent / "golden"
NO_HASH = "0" * 64


def golden_card(
    scenario: str,
    *,
    slug: str = "stage1/word-count",
    stage: int = 1,
    finished_at: str = "2026-03-01T10:00:00Z",
    message: str | None = None,
) -> Scorecard:
    """A scorecard the grader recorded for a golden scenario, for exercise `slug`."""
    data = json.loads((GOLDEN / scenario / "expected.json").read_text(encoding="utf-8"))
    data["exercise"].update(slug=slug, stage=stage)
    data.update(started_at=finished_at, finished_at=finished_at, duration=1.5)
    data["submission"]["sha256"] = NO_HASH
    for item in data["submission"]["files"]:
        item["sha256"] = NO_HASH
    data["runner"]["grader_version"] = "0.1.0"
    for check in data[
        "checks"
    ]:  # durations are volatile, so golden files leave them out
        check["duration"] = 0.1
        for test in check["details"].get("tests", []):
            test["duration"] = 0.01
    if message is not None:
        data["message"] = message
    return serialize.from_dict(data)


def make_pack(root: Path, *specs: tuple[int, str, str]) -> ExercisePack:
    """A pack of copies of the fixture exercise, one per (stage, slug, English title)."""
    for stage, slug, title in specs:
        dest = root / f"stage{stage}" / slug
        shutil.copytree(WORD_COUNT, dest, ignore=shutil.ignore_patterns("__pycache__"))
        toml = (dest / "exercise.toml").read_text(encoding="utf-8")
        toml = (
            toml.replace('slug = "word-count"', f"slug = {json.dumps(slug)}")
            .replace("stage = 1", f"stage = {stage}")
            .replace('en = "Word count"', f"en = {json.dumps(title)}")
        )
        (dest / "exercise.toml").write_text(toml, encoding="utf-8")
    return ExercisePack(root)


def start(pack: ExercisePack, slug: str, repo: Path, folder: str) -> Workspace:
    return start_workspace(pack.get(slug), repo / folder)


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` as a student would, with an identity and no signing."""
    command = ["git", "-C", str(repo), "-c", "user.name=Student"]
    command += ["-c", "user.email=student@example.com", "-c", "commit.gpgsign=false"]
    done = subprocess.run([*command, *args], check=True, capture_output=True, text=True)
    return done.stdout


def invoke(pack_root: Path, *args: str) -> Result:
    return CliRunner(env={"COLUMNS": "240"}).invoke(
        cli, ["--exercises", str(pack_root), *args]
    )


@pytest.fixture
def two_stage_pack(tmp_path: Path) -> ExercisePack:
    return make_pack(
        tmp_path / "pack",
        (1, "word-count", "Word count"),
        (1, "word-freq", "Word frequencies"),
        (2, "word-stats", "Word statistics"),
    )


def test_a_really_graded_workspace_shows_its_score_and_attempt(tmp_path: Path) -> None:
    pack = ExercisePack(Path(__file__).parent / "fixtures" / "pack")
    repo = tmp_path / "repo"
    workspace = start(pack, "word-count", repo, "word-count")
    shutil.copytree(WORD_COUNT / "reference", workspace.root, dirs_exist_ok=True)
    card = grade_workspace(
        workspace.root, exercise=pack.get("word-count"), backend=LocalBackend()
    )
    save_scorecard(workspace, card)
    result = invoke(pack.root, "progress", "--repo", str(repo))
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "word-count" in line)
    assert "100/100" in row and "pass" in row and " 1 " in row
    assert card.finished_at[:10] in row
    assert "1 of 1 exercises passed (100%)" in result.output


def test_best_attempts_last_status_and_not_started(
    tmp_path: Path, two_stage_pack: ExercisePack
) -> None:
    repo = tmp_path / "repo"
    workspace = start(two_stage_pack, "word-count", repo, "wc")
    for scenario, when in (
        ("syntax-error", "2026-03-01T09:00:00Z"),
        ("full-marks", "2026-03-02T09:00:00Z"),
        ("unformatted", "2026-03-03T18:30:00Z"),
    ):
        save_scorecard(workspace, golden_card(scenario, finished_at=when))
    start(two_stage_pack, "word-stats", repo, "stats")  # started, never submitted

    report = collect_progress(repo=repo, pack=two_stage_pack)
    count, freq = report.for_stage(1)
    assert [a.card.score for a in count.attempts] == [0.0, 100.0, 80.0]
    assert count.best is not None and count.best.card.score == 100.0
    # The last attempt scores 80 but fails its formatting gates: it is not a pass.
    assert count.last_status == "fail" and count.last is not None
    assert count.last.when == "2026-03-03 18:30 UTC"
    assert freq.last_status == "not started" and not freq.attempts
    assert report.for_stage(2)[0].last_status == "not submitted"
    assert report.completion(1) == (1, 2) and report.completion(2) == (0, 1)

    output = invoke(two_stage_pack.root, "progress", "--repo", str(repo)).output
    lines = output.splitlines()
    row = next(line for line in lines if "stage1/word-count" in line)
    assert "100/100" in row and " 3 " in row and "2026-03-03 18:30 UTC" in row
    assert "not started" in next(line for line in lines if "word-freq" in line)
    assert "not submitted" in next(line for line in lines if "word-stats" in line)
    assert "Stage 1: " in output and "1 of 2 exercises passed (50%)" in output
    assert "0 of 1 exercises passed (0%)" in output


def test_damaged_scorecards_are_skipped_and_counted(
    tmp_path: Path, two_stage_pack: ExercisePack
) -> None:
    repo = tmp_path / "repo"
    workspace = start(two_stage_pack, "word-count", repo, "wc")
    save_scorecard(workspace, golden_card("full-marks"))
    folder = workspace.scorecards_dir
    (folder / "20260101T000000Z_truncated.json").write_text('{"exercise": {"slug"')
    (folder / "20260101T000001Z_not-a-card.json").write_text('{"hello": "world"}')
    (folder / "20260101T000002Z_binary.json").write_bytes(b"\xff\xfe\x00garbage")

    report_path = tmp_path / "progress.html"
    result = invoke(
        two_stage_pack.root, "progress", "--repo", str(repo), "--html", str(report_path)
    )
    assert result.exit_code == 0
    assert result.exception is None
    assert "3 damaged scorecard file(s) skipped" in result.output
    page = _Page()
    page.feed(report_path.read_text(encoding="utf-8"))
    assert "3 damaged scorecard file(s) skipped" in "".join(page.text)
    assert "Traceback" not in result.output
    row = next(line for line in result.output.splitlines() if "word-count" in line)
    assert "100/100" in row and " 1 " in row


def test_text_from_files_is_never_rich_markup(tmp_path: Path) -> None:
    pack = make_pack(tmp_path / "pack", (1, "word-count", "[bold red]Loud[/bold red]"))
    repo = tmp_path / "repo"
    start(pack, "word-count", repo, "wc")
    output = invoke(pack.root, "progress", "--repo", str(repo)).output
    assert "[bold red]Loud[/bold red]" in output


class _Page(HTMLParser):
    """What a browser would see: tags, attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_has_charts_escapes_text_and_needs_no_network(
    tmp_path: Path, two_stage_pack: ExercisePack
) -> None:
    repo = tmp_path / "repo"
    hostile = "stage1/<script>alert(1)</script>"
    workspace = start(two_stage_pack, "word-count", repo, "wc")
    for scenario, when in (
        ("exit-at-import", "2026-03-01T09:00:00Z"),
        ("low-coverage", "2026-03-02T09:00:00Z"),
        ("full-marks", "2026-03-03T09:00:00Z"),
    ):
        save_scorecard(workspace, golden_card(scenario, finished_at=when))
    other = Workspace(root=repo / "odd", slug=hostile)
    (other.root / ".grader").mkdir(parents=True)
    (other.root / ".grader" / "exercise.json").write_text(
        json.dumps({"exercise": hostile})
    )
    save_scorecard(
        other,
        golden_card("exit-at-import", slug=hostile, message='<img src=x onerror="y">'),
    )
    report_path = tmp_path / "out" / "progress.html"

    result = invoke(
        two_stage_pack.root, "progress", "--repo", str(repo), "--html", str(report_path)
    )
    assert result.exit_code == 0, result.output
    html = report_path.read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    assert "script" not in page.tags and "img" not in page.tags
    assert "<script>alert(1)</script>" in "".join(page.text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # 1 completion chart + 1 line chart per exercise with attempts (word-count, the odd one)
    assert page.tags.count("svg") == 3
    assert page.tags.count("circle") == 3 + 1  # one point per attempt
    assert page.tags.count("polyline") == 1  # a single attempt draws a point, no line
    assert "http://" not in html and "https://" not in html
    assert not any(name in ("src", "href") for name, _ in page.attributes)
    assert "@import" not in html and "url(" not in html
    assert "link" not in page.tags
    text = " ".join(page.text)
    assert "not started" in text and "Completion per stage" in text
    assert "attempt 2: 90/100 fail" in text  # the tooltip of the low-coverage attempt
    assert list(report_path.parent.iterdir()) == [report_path]  # no temporary file left


def test_html_report_replaces_an_old_report_and_bad_targets_exit_2(
    tmp_path: Path, two_stage_pack: ExercisePack
) -> None:
    repo = tmp_path / "repo"
    start(two_stage_pack, "word-count", repo, "wc")
    report_path = tmp_path / "progress.html"
    report_path.write_text("old")
    assert (
        invoke(
            two_stage_pack.root,
            "progress",
            "--repo",
            str(repo),
            "--html",
            str(report_path),
        ).exit_code
        == 0
    )
    assert report_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke(
        two_stage_pack.root,
        "progress",
        "--repo",
        str(repo),
        "--html",
        str(blocker / "r.html"),
    )
    assert result.exit_code == 2
    assert "cannot write" in result.output and "Traceback" not in result.output


def test_a_missing_repository_exits_2(
    tmp_path: Path, two_stage_pack: ExercisePack
) -> None:
    result = invoke(two_stage_pack.root, "progress", "--repo", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "is not a folder" in result.output


def test_default_repository_is_the_git_top_level(
    tmp_path: Path, two_stage_pack: ExercisePack, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    workspace = start(two_stage_pack, "word-count", repo, "wc")
    save_scorecard(workspace, golden_card("full-marks"))
    git(repo, "init", "-q")
    (repo / "notes").mkdir()
    monkeypatch.chdir(repo / "notes")
    output = invoke(two_stage_pack.root, "progress").output
    assert f"Progress in {repo.resolve()}" in output
    assert "1 of 2 exercises passed" in output


def test_reading_one_stage_skips_the_scorecards_of_other_stages(
    tmp_path: Path, two_stage_pack: ExercisePack
) -> None:
    repo = tmp_path / "repo"
    save_scorecard(
        start(two_stage_pack, "word-count", repo, "wc"), golden_card("full-marks")
    )
    stats = start(two_stage_pack, "word-stats", repo, "stats")
    save_scorecard(stats, golden_card("full-marks", slug="stage2/word-stats", stage=2))
    (stats.scorecards_dir / "broken.json").write_text("{")

    report = collect_progress(repo=repo, pack=two_stage_pack, stage=1)
    assert report.completion(1) == (1, 2)
    assert report.for_stage(2)[0].workspaces and not report.for_stage(2)[0].attempts
    assert report.damaged == []
    assert len(collect_progress(repo=repo, pack=two_stage_pack).damaged) == 1


def test_run_inside_one_workspace_it_shows_the_workspaces_beside_it(
    tmp_path: Path, two_stage_pack: ExercisePack, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "exercises"  # where the student ran `grader start`; no git
    wc = start(two_stage_pack, "word-count", home, "wc")
    save_scorecard(wc, golden_card("full-marks"))
    start(two_stage_pack, "word-stats", home, "stats")
    (wc.root / "tests").mkdir(exist_ok=True)
    monkeypatch.chdir(wc.root / "tests")
    result = invoke(two_stage_pack.root, "progress")
    assert result.exit_code == 0
    assert f"Progress in {home.resolve()}" in result.output
    assert "Only one workspace" not in result.output


def test_a_lone_workspace_says_where_to_run_progress(
    tmp_path: Path, two_stage_pack: ExercisePack, monkeypatch: pytest.MonkeyPatch
) -> None:
    wc = start(two_stage_pack, "word-count", tmp_path / "alone", "wc")
    monkeypatch.chdir(wc.root)
    result = invoke(two_stage_pack.root, "progress")
    assert result.exit_code == 0
    assert "Only one workspace was found" in result.output
    assert "the folder that holds your exercise folders" in result.output


def test_slugs_are_whole_at_80_columns(
    tmp_path: Path, two_stage_pack: ExercisePack
) -> None:
    import io

    from rich.console import Console

    from grader.progress.terminal import print_progress

    repo = tmp_path / "repo"
    save_scorecard(
        start(two_stage_pack, "word-count", repo, "wc"), golden_card("full-marks")
    )
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=True, color_system=None)
    print_progress(console, collect_progress(repo=repo, pack=two_stage_pack))
    shown = out.getvalue()
    assert "stage1/word-count" in shown and "stage2/word-stats" in shown
    assert all(len(line) <= 80 for line in shown.splitlines())
    assert "last attempt" not in shown  # the first column to go below 100 columns


def test_progress_speaks_chinese_to_a_chinese_reader(
    tmp_path: Path, two_stage_pack: ExercisePack
) -> None:
    import io

    from rich.console import Console

    from grader.progress.terminal import print_progress

    repo = tmp_path / "repo"
    save_scorecard(
        start(two_stage_pack, "word-count", repo, "wc"), golden_card("full-marks")
    )
    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=True, color_system=None)
    print_progress(console, collect_progress(repo=repo, pack=two_stage_pack), "zh")
    shown = out.getvalue()
    assert "中的进度" in shown and "最高分" in shown and "最近状态" in shown
    assert "阶段 1：" in shown and "个练习中通过了 1 个" in shown
    assert "未开始" in shown  # word-stats, never started
