"""The issue's terminal test: `grader submit` in a pty 80 columns wide, LANG=zh_CN.UTF-8,
on a workspace whose code fails a test while printing, shows a Chinese verdict, the
failure with its diff and its print output, and the task's Chinese hint."""

from __future__ import annotations

import fcntl
import json
import os
import re
import pty
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from rich.cells import cell_len

from grader.catalog import ExercisePack

ROOT = Path(__file__).resolve().parents[1]
GRADER = Path(sys.executable).with_name("grader")


def run_in_pty(
    command: list[str], cwd: Path, env: dict[str, str], columns: int = 80
) -> str:
    """Run `command` on a pseudo-terminal of `columns` columns; everything it wrote."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdin=follower, stdout=follower, stderr=follower
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(leader)
    return b"".join(chunks).decode("utf-8")


@pytest.mark.slow
def test_submit_in_chinese_at_80_columns(tmp_path: Path) -> None:
    exercise = ExercisePack(None).get("stage1/grade-book")
    workspace = tmp_path / "grade-book"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "GRADER_"))}
    env.update(LANG="zh_CN.UTF-8", TERM="xterm-256color")
    env.pop("COLUMNS", None)
    subprocess.run(
        [str(GRADER), "start", "stage1/grade-book", str(workspace)],
        check=True,
        env=env,
        capture_output=True,
    )
    shutil.copytree(exercise.reference_dir, workspace, dirs_exist_ok=True)
    solution = workspace / "grade_book.py"
    source = solution.read_text(encoding="utf-8")
    broken = source.replace(
        "            if student.score != previous:\n"
        "                rank = position\n"
        "                previous = student.score\n",
        '            print("ranking", student.student_id, position)\n'
        "            rank = position\n",
    )
    # A print when the module is imported, and an average that never returns.
    broken = broken.replace(
        "def validate_score(",
        'print("debug: grade_book loaded")\n\n\ndef validate_score(',
    ).replace(
        '            raise GradeBookError("cannot average an empty grade book")\n',
        '            raise GradeBookError("cannot average an empty grade book")\n'
        '        print("averaging", len(self._students), "students")\n'
        "        while self._students:\n"
        "            pass\n",
    )
    assert broken.count("averaging") == 1 and "debug: grade_book" in broken
    solution.write_text(broken, encoding="utf-8")

    out = run_in_pty(
        [str(GRADER), "submit", "--backend", "local"], cwd=workspace, env=env
    )

    assert "未通过" in out  # the verdict
    assert "尚未通过：任务 3（排名与统计）" in out
    assert "检查项" in out and "隐藏测试" in out  # the table, in Chinese
    assert "任务 3：Tied students share a rank" in out  # the failing test
    assert "At index 2 diff: (3, 'S003') != (2, 'S003')" in out  # its diff
    assert "你的代码输出了：" in out and "│ ranking S003 3" in out  # its print output
    task = exercise.task(3)
    assert task is not None and task.hint_zh
    assert "任务 3（排名与统计）的提示：" in out
    first_hint_words = task.hint_zh.strip().splitlines()[0].lstrip("- ")[:12]
    assert first_hint_words in out.replace("\r\n", "\n")
    assert "见 instructions.zh.md 的“任务 3”一节" in out
    flat = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.replace("\r\n", "\n"))
    # What the module printed on import leads the first failure's output, labelled.
    assert (
        "│ [导入你的代码时输出的内容]" in flat and "│ debug: grade_book loaded" in flat
    )
    # The endless average: why it stopped, in Chinese, and what it printed before.
    assert "测试超过了 10 秒的时间上限（当时执行到 grade_book.py:" in flat
    assert "│ averaging 3 students" in flat
    # Every failing test of the scorecard is shown (fewer than 20: none is left out).
    saved = json.loads(
        next((workspace / ".grader/scorecards").glob("*.json")).read_text()
    )
    tests = next(c for c in saved["checks"] if c["id"] == "tests")["details"]["tests"]
    failing = [t for t in tests if t["status"] != "passed"]
    assert 3 <= len(failing) <= 20
    for test in failing:
        assert f"任务 {test['task']}：{test['title'][:25]}" in flat, test["title"]
    assert "grader submit --all" not in flat
    for line in out.replace("\r\n", "\n").splitlines():
        assert "\ufffd" not in line  # nothing cut mid-character
        shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line)
        assert cell_len(shown) <= 80, shown  # wide characters counted twice
