"""Hints per task: `hints.md` (English) and `hints.zh.md` (Chinese) beside the instructions.

One section per task, under a level-2 heading naming it: `## Task 2` or `## Task 2: Add,
look up and remove students`, and in Chinese `## 任务 2` or `## 任务 2：添加、查询与删除学生`
(either spelling works in either file). The section's text, up to the next level-2 heading,
is the hint. Text before the first heading is an introduction and belongs to no task.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.errors import ExerciseError

HINT_FILES = {"en": "hints.md", "zh": "hints.zh.md"}
_HEADING = re.compile(r"^##\s+(?:Task|任务)\s*(\d+)\s*(?:[:：].*)?$", re.IGNORECASE)


def read_hints(root: Path, language: str, task_ids: set[int]) -> dict[int, str]:
    """Each task's hint in `language` ({} when the exercise has no hints file)."""
    path = root / HINT_FILES[language]
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ExerciseError(f"{path}: not UTF-8; save it as UTF-8") from None
    return parse_hints(text, path, task_ids)


def parse_hints(text: str, path: Path, task_ids: set[int]) -> dict[int, str]:
    hints: dict[int, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("## "):
            found = _HEADING.match(line.strip())
            if found is None:
                raise ExerciseError(
                    f"{path}:{number}: a hints heading names a task, as `## Task 2` or "
                    f"`## 任务 2` (optionally followed by `: title`); found {line!r}"
                )
            task = int(found.group(1))
            if task not in task_ids:
                raise ExerciseError(
                    f"{path}:{number}: task {task} is not one of the exercise's tasks "
                    f"({', '.join(str(t) for t in sorted(task_ids))})"
                )
            if task in hints:
                raise ExerciseError(f"{path}:{number}: task {task} has two sections")
            current = hints[task] = []
        elif current is not None:
            current.append(line)
    return {task: "\n".join(lines).strip() for task, lines in hints.items()}
