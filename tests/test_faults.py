"""Faults a grading survives with nothing lost: a batch killed midway, a full disk, two
submissions saving at once."""

from __future__ import annotations

import csv
import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import files, workspace as workspace_module
from grader.batch import CSV_COLUMNS
from grader.catalog.model import Exercise
from grader.cli import cli
from grader.files import DiskFullError
from grader.pipeline import grade_workspace
from grader.runner import LocalBackend
from grader.scorecard import serialize
from grader.scorecard.model import Scorecard
from grader.workspace import Workspace, save_scorecard, start_workspace
from tests.conftest import FIXTURE_PACK, WORD_COUNT

GRADER = [sys.executable, "-m", "grader", "--exercises", str(FIXTURE_PACK)]
LOCAL = ["--backend", "local", "--allow-reduced-isolation"]

HOLD_AT_IMPORT = """
import os as _os
import time as _time

with open({marker!r}, "a") as _f:
    _f.write(str(_os.getpid()) + "\\n")
_end = _time.monotonic() + 60
while _os.path.exists({hold!r}) and _time.monotonic() < _end:
    _time.sleep(0.05)
"""


@pytest.fixture
def card(tmp_path: Path, word_count: Exercise) -> Scorecard:
    """A real scorecard, made fast: a submission without its file is never run."""
    empty = tmp_path / "empty"
    empty.mkdir()
    return grade_workspace(empty, exercise=word_count, backend=LocalBackend())


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
        rows = list(reader)
    assert all(None not in row.values() for row in rows)  # no row cut short
    return rows


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc (children before they are orphaned)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        for child in parents.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def wait_for(condition, seconds: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_batch_killed_midway_resumes_without_regrading(tmp_path: Path) -> None:
    root, out = tmp_path / "subs", tmp_path / "out"
    marker, hold = tmp_path / "started", tmp_path / "hold"
    for name in ("a0", "a1", "b", "c"):
        shutil.copytree(WORD_COUNT / "reference", root / name)
    held = root / "b" / "word_count.py"
    held.write_text(
        HOLD_AT_IMPORT.format(marker=str(marker), hold=str(hold)) + held.read_text()
    )
    hold.touch()
    command = [*GRADER, "batch", str(root), "--exercise", "word-count", *LOCAL]
    command += ["--jobs", "1", "--out", str(out)]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    left: list[int] = []  # the orphaned grading of b, stopped after the kill
    try:
        wait_for(lambda: marker.exists() or first.poll() is not None)
        assert first.poll() is None, first.communicate()[0].decode()
        # b is held; the row of a1 (written as it finished) is on disk by now or soon.
        csv_file = out / "grades.csv"
        wait_for(lambda: csv_file.exists() and len(read_rows(csv_file)) == 2)
        left = descendants(first.pid)
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        for pid in left + descendants(first.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        hold.unlink()
        first.kill()
        first.wait()
    assert first.returncode == -signal.SIGKILL
    graded = read_rows(out / "grades.csv")
    assert [r["student"] for r in graded] == ["a0", "a1"]
    cards = {p.name: p.stat().st_mtime_ns for p in (out / "scorecards").glob("*.json")}
    assert sorted(cards) == ["a0.json", "a1.json"]

    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "kept 2 student(s) graded by an earlier run" in again.stdout
    rows = {r["student"]: r for r in read_rows(out / "grades.csv")}
    assert sorted(rows) == ["a0", "a1", "b", "c"]
    assert rows["c"]["status"] == "pass"
    for name, stamp in cards.items():  # kept, not graded again
        assert (out / "scorecards" / name).stat().st_mtime_ns == stamp
    assert not list(out.glob(".*.tmp"))


def test_a_batch_asked_to_overwrite_grades_everyone_again(tmp_path: Path) -> None:
    root, out = tmp_path / "subs", tmp_path / "out"
    (root / "dave").mkdir(parents=True)  # no files: graded without a run
    command = [*GRADER, "batch", str(root), "--exercise", "word-count", *LOCAL]
    command += ["--out", str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    before = (out / "scorecards" / "dave.json").stat().st_mtime_ns
    (out / ".grades.csv.dead.tmp").write_text("half")  # a write a kill cut short
    done = subprocess.run(
        [*command, "--overwrite"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "kept" not in done.stdout
    assert (out / "scorecards" / "dave.json").stat().st_mtime_ns != before
    assert sorted(p.name for p in out.iterdir()) == [
        "grades.csv",
        "scorecards",
        "summary.json",
    ]


@pytest.fixture
def small_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A 1 MiB tmpfs, filled up once the test is ready (root only)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> None:
    with open(folder / "ballast", "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_a_full_disk_is_a_clear_error_and_no_partial_scorecard(
    small_disk: Path, word_count: Exercise
) -> None:
    ws = start_workspace(word_count, small_disk / "ws")
    (ws.root / "word_count.py").unlink()  # graded without a run
    (ws.root / ".grader" / "scorecards").mkdir()
    fill(small_disk)
    result = CliRunner().invoke(
        cli, ["--exercises", str(FIXTURE_PACK), "submit", str(ws.root), *LOCAL[:2]]
    )
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "no space left on the disk" in text and "free some space" in text
    assert "Traceback" not in result.output
    assert list((ws.root / ".grader" / "scorecards").iterdir()) == []


def test_a_full_disk_at_flush_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same without root: the disk runs out as the data is flushed."""
    path = tmp_path / "grades.csv"
    path.write_text("old\n")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", no_space)
    with pytest.raises(DiskFullError, match="grades.csv: no space left on the disk"):
        files.write_atomic(path, "new\n" * 1000)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_two_submits_at_once_both_keep_their_scorecard(
    tmp_path: Path, word_count: Exercise
) -> None:
    ws = start_workspace(word_count, tmp_path / "ws")
    command = [*GRADER, "submit", str(ws.root), "--backend", "local"]
    both = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for proc in both:
        proc.communicate(timeout=300)
        assert proc.returncode == 1  # the starter fails its tests, and is saved
    saved = sorted((ws.root / ".grader" / "scorecards").iterdir())
    assert len(saved) == 2
    assert all(serialize.load(p).exercise.slug == "stage1/word-count" for p in saved)


def test_scorecards_saved_in_the_same_microsecond_are_all_kept(
    tmp_path: Path,
    word_count: Exercise,
    card: Scorecard,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    monkeypatch.setattr(workspace_module, "utc_now", lambda: moment)
    ws = Workspace(root=tmp_path / "ws", slug=word_count.qualified_slug)
    ws.root.mkdir()
    paths: list[Path] = []
    threads = [
        threading.Thread(target=lambda: paths.append(save_scorecard(ws, card)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(paths)) == 8
    assert sorted(ws.scorecards_dir.iterdir()) == sorted(paths)
    assert all(serialize.load(p).status == card.status for p in paths)
