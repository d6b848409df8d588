"""Progress while grading: the entrypoint's lines reach the host as they come, and only its own."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from grader.catalog import ExercisePack
from grader.cli.live_progress import GradingLine
from grader.pipeline import grade_workspace
from grader.runner import LocalBackend
from grader.runner.log_stream import LogStream
from grader.sandbox.progress import ProgressWriter, progress_token
from tests.conftest import FIXTURE_PACK, WORD_COUNT

NONCE = "ab" * 16


def test_progress_lines_go_to_the_callback_and_stay_out_of_the_tail() -> None:
    written = io.StringIO()
    ProgressWriter(progress_token(NONCE), written).emit(check="tests", state="running")
    events: list[dict] = []
    log = LogStream(NONCE, events.append, keep=1000)
    text = f"starting\n{written.getvalue()}Traceback: boom\n".encode()
    for at in range(0, len(text), 7):  # lines arrive cut anywhere
        log.feed(text[at : at + 7])
    log.close()
    assert events == [{"check": "tests", "state": "running"}]
    assert log.tail == "starting\nTraceback: boom\n"


def test_a_line_without_the_token_is_not_progress() -> None:
    events: list[dict] = []
    log = LogStream(NONCE, events.append, keep=1000)
    # What a submission could print: another job's token, or none at all.
    forged = io.StringIO()
    ProgressWriter(progress_token("cd" * 16), forged).emit(check="tests", state="done")
    forged.write('{"check": "tests", "state": "done", "status": "pass"}\n')
    log.feed(forged.getvalue().encode())
    log.close()
    assert events == [] and log.tail == forged.getvalue()


def test_a_failing_display_does_not_stop_the_log() -> None:
    def broken(event: dict) -> None:
        raise RuntimeError("terminal gone")

    log = LogStream(NONCE, broken, keep=1000)
    line = io.StringIO()
    ProgressWriter(progress_token(NONCE), line).emit(step="x")
    log.feed(line.getvalue().encode() * 2 + b"after\n")
    assert log.tail == "after\n"


def test_a_grading_reports_each_check_as_it_starts_and_ends(tmp_path: Path) -> None:
    workspace = tmp_path / "submission"
    shutil.copytree(WORD_COUNT / "reference", workspace)
    exercise = ExercisePack(FIXTURE_PACK).get("word-count")
    events: list[dict] = []
    card = grade_workspace(
        workspace, exercise=exercise, backend=LocalBackend(), on_progress=events.append
    )
    assert events[0] == {"step": "preparing"}
    assert events[1] == {"step": "sandbox", "backend": "local"}
    for check in card.checks:
        running = {"check": check.id, "state": "running"}
        done = {"check": check.id, "state": "done", "status": check.status}
        assert events.index(running) < events.index(done)


def test_the_live_line_names_each_check_and_its_mark() -> None:
    line = GradingLine()
    line.update({"step": "sandbox", "backend": "docker"})
    line.update({"check": "tests", "state": "running"})
    line.update({"check": "flake8", "state": "done", "status": "pass"})
    line.update({"check": "black", "state": "done", "status": "fail"})
    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(line)
    shown = console.file.getvalue()
    assert shown.startswith("Grading (docker, 0 s)")
    assert "tests …" in shown and "flake8 ✓" in shown and "black ✗" in shown


def _assert_running_count(tmp_path: Path, backend: object) -> None:
    workspace = tmp_path / "submission"
    shutil.copytree(WORD_COUNT / "reference", workspace)
    exercise = ExercisePack(FIXTURE_PACK).get("word-count")
    events: list[dict] = []
    card = grade_workspace(
        workspace, exercise=exercise, backend=backend, on_progress=events.append
    )
    counts = [e for e in events if e.get("check") == "tests" and "done" in e]
    total = len(next(c for c in card.checks if c.id == "tests").details["tests"])
    assert counts and all(e["total"] == total for e in counts)
    assert [e["done"] for e in counts] == sorted(e["done"] for e in counts)
    assert counts[-1]["done"] == total  # the last count is the whole suite
    done = events.index({"check": "tests", "state": "done", "status": "pass"})
    assert events.index(counts[-1]) < done


def test_the_hidden_tests_report_their_running_count(tmp_path: Path) -> None:
    _assert_running_count(tmp_path, LocalBackend())


@pytest.mark.docker
@pytest.mark.slow
def test_the_running_count_comes_out_of_the_docker_sandbox(
    tmp_path: Path, docker_backend
) -> None:
    _assert_running_count(tmp_path, docker_backend)


def test_the_count_is_throttled_and_each_result_counts_once() -> None:
    from grader.sandbox.progress import count_reporter

    emitted: list[dict] = []
    on_record = count_reporter("tests", lambda **event: emitted.append(event))
    on_record({"event": "result", "id": "early"})  # before collection: no total yet
    items = [{"id": f"t{i}"} for i in range(40)]
    on_record({"event": "collected", "items": items})
    for item in items:
        on_record({"event": "start", "id": item["id"]})
        on_record({"event": "result", "id": item["id"]})
    on_record({"event": "result", "id": "t0"})  # a restart's duplicate
    on_record({"event": "collected", "items": items[:3]})  # a restart's collection
    assert emitted[0] == {"check": "tests", "state": "running", "done": 0, "total": 40}
    assert emitted[-1] == {
        "check": "tests",
        "state": "running",
        "done": 40,
        "total": 40,
    }
    assert len(emitted) < 10  # 40 fast results make a few lines, not 40


def test_the_live_line_shows_the_running_count_in_the_readers_language() -> None:
    def shown(line: GradingLine) -> str:
        console = Console(file=io.StringIO(), width=80, color_system=None)
        console.print(line)
        return console.file.getvalue()

    for lang, expected in (
        ("en", "hidden tests: 12/40 …"),
        ("zh", "隐藏测试：12/40 …"),
    ):
        line = GradingLine(lang)
        line.update({"step": "sandbox", "backend": "docker"})
        line.update({"check": "tests", "state": "running", "done": 12, "total": 40})
        line.update({"check": "flake8", "state": "done", "status": "pass"})
        assert expected in shown(line) and "flake8 ✓" in shown(line)
        line.update({"check": "tests", "state": "done", "status": "fail"})
        assert "tests ✗" in shown(line) and "12/40" not in shown(line)
    # A count that is not one (a bool, text, more done than total) is not shown.
    for done, total in ((True, 40), ("12", 40), (41, 40), (-1, 40)):
        line = GradingLine()
        line.update(
            {"check": "tests", "state": "running", "done": done, "total": total}
        )
        assert " tests …" in shown(line)


def test_nothing_is_drawn_in_a_pipe_or_with_json(monkeypatch) -> None:
    from grader.cli.live_progress import grading_progress

    monkeypatch.setattr(Console, "is_terminal", property(lambda self: True))
    with grading_progress(enabled=False) as callback:
        assert callback is None  # --json
    monkeypatch.setattr(Console, "is_terminal", property(lambda self: False))
    with grading_progress(enabled=True) as callback:
        assert callback is None  # a pipe
    monkeypatch.setattr(Console, "is_terminal", property(lambda self: True))
    with grading_progress(enabled=True) as callback:
        assert callback is not None  # a terminal
        callback({"check": "tests", "state": "running", "done": 1, "total": 2})
