"""Progress while grading: the entrypoint's lines reach the host as they come, and only its own."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

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
