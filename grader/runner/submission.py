"""Collecting a submission: only the exercise's allow-listed files, each checked first."""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from grader.catalog.model import BUNDLE_NAME, Exercise
from grader.i18n.message import Message, msg
from grader.registry.checks import tool_modules
from grader.scorecard.model import SubmittedFile

# Files that would change how Python, pytest or the linters behave if they took part.
# They never do (only allow-listed files are collected); the scorecard names the ones seen.
INFLUENTIAL = (
    "conftest.py",
    "pytest.ini",
    "pytest.toml",
    "pyproject.toml",
    "setup.cfg",
    "tox.ini",
    ".flake8",
    ".coveragerc",
    "mypy.ini",
    ".mypy.ini",
    "sitecustomize.py",
    "usercustomize.py",
    "__pycache__",
)


@dataclass
class Submission:
    files: list[SubmittedFile]
    contents: dict[str, bytes]
    problems: list[Message] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for f in sorted(self.files, key=lambda f: f.path):
            digest.update(f"{f.path}\0{f.sha256}\n".encode())
        return digest.hexdigest()


def collect_submission(workspace: Path, exercise: Exercise) -> Submission:
    """Read the allow-listed files; every problem is a sentence that says what to do.

    Nothing outside the allow-list is read, so a stray 50 MB file in the workspace costs nothing.
    """
    files: list[SubmittedFile] = []
    contents: dict[str, bytes] = {}
    problems: list[Message] = []
    limit = exercise.limits.max_file_kb * 1024
    root = workspace.resolve()
    for rel in exercise.submitted_files:
        shadowed = shadowed_module(rel)
        if shadowed:
            problems.append(
                msg(
                    "{file} would shadow the {module} module that grading relies on; "
                    "rename it",
                    file=rel,
                    module=repr(shadowed),
                )
            )
            continue
        path = workspace / rel
        if path.is_symlink() or not _inside(path.resolve(), root):
            problems.append(
                msg(
                    "{file} is a link (or lies outside the workspace); replace it with "
                    "a regular file",
                    file=rel,
                )
            )
            continue
        if not path.exists():
            if rel in exercise.extra_files:
                continue
            problems.append(
                msg(
                    "{file} is missing; create it (the starter version is in "
                    "`grader start {slug} NEW_DIR`)",
                    file=rel,
                    slug=exercise.slug,
                )
            )
            continue
        if not path.is_file():
            problems.append(msg("{file} is not a regular file", file=rel))
            continue
        size = path.stat().st_size
        if size > limit:
            problems.append(
                msg(
                    "{file} is {size} KB; the limit is {limit} KB "
                    "— keep data out of your source files",
                    file=rel,
                    size=f"{size / 1024:.0f}",
                    limit=exercise.limits.max_file_kb,
                )
            )
            continue
        data = path.read_bytes()
        if rel.endswith(".py"):
            problem = _text_problem(rel, data)
            if problem:
                problems.append(problem)
                continue
        contents[rel] = data
        files.append(
            SubmittedFile(path=rel, size=size, sha256=hashlib.sha256(data).hexdigest())
        )
    if exercise.repository is not None and not problems:
        _add_bundle(workspace, exercise, files, contents, problems)
    return Submission(
        files=files,
        contents=contents,
        problems=problems,
        ignored=ignored_influential(workspace),
    )


def _add_bundle(
    workspace: Path,
    exercise: Exercise,
    files: list[SubmittedFile],
    contents: dict[str, bytes],
    problems: list[Message],
) -> None:
    """A Git exercise sends its whole repository as one bundle; never the .git folder."""
    from grader.runner.repository import bundle_repository

    data, found = bundle_repository(workspace, exercise)
    problems.extend(found)
    if not found:
        contents[BUNDLE_NAME] = data
        files.append(
            SubmittedFile(
                path=BUNDLE_NAME,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )


def ignored_influential(workspace: Path) -> list[str]:
    """Configuration and start-up files in the workspace (top level and tests/) left out."""
    seen = []
    for folder in (workspace, workspace / "tests"):
        if not folder.is_dir():
            continue
        for name in INFLUENTIAL:
            if (folder / name).exists() or (folder / name).is_symlink():
                seen.append(str((folder / name).relative_to(workspace)))
        seen.extend(str(p.relative_to(workspace)) for p in sorted(folder.glob("*.pth")))
    return seen


# Modules grading itself imports, besides each check's tools (`modules` of its declaration):
# a submitted file of the same name must not replace them.
HARNESS_MODULES = frozenset({"grader", "sitecustomize", "usercustomize", "conftest"})


@lru_cache(maxsize=1)
def grader_tools() -> frozenset[str]:
    """Every top-level module a submitted file may not shadow, but the standard library's."""
    return HARNESS_MODULES | tool_modules()


def shadowed_module(rel: str) -> str | None:
    """The standard-library or tool module that `rel` would hide if imported, if any."""
    if not rel.endswith(".py") or rel.startswith("tests/"):
        return None
    top = rel.split("/")[0].removesuffix(".py")
    if top in sys.stdlib_module_names or top in grader_tools():
        return top
    return None


def _inside(path: Path, root: Path) -> bool:
    return path == root or str(path).startswith(str(root) + os.sep)


def _text_problem(rel: str, data: bytes) -> Message | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return msg(
            "{file} is not valid UTF-8 (byte {byte}, line {line}); "
            "save it with UTF-8 encoding in your editor",
            file=rel,
            byte=exc.start,
            line=line,
        )
    if "\0" in text:
        return msg("{file} contains NUL bytes; it is not a text file", file=rel)
    return None
