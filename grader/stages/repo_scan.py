"""The files of a student's repository, listed once for every file-based criterion."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MAX_FILES = 20_000
MAX_READ_BYTES = 1_000_000
# Folders that hold tools, environments or build output, not the student's own work.
SKIPPED_DIRS = {
    "node_modules",
    "__pycache__",
    "site-packages",
    "venv",
    "env",
    "build",
    "dist",
}


@dataclass(frozen=True)
class RepoFiles:
    """Paths relative to `root`, sorted. Hidden folders (.git, .venv, .grader) are not listed;
    hidden files (.coverage, .coveragerc) are."""

    root: Path
    files: tuple[Path, ...]
    dirs: tuple[Path, ...]
    truncated: bool = False

    def named(self, *names: str) -> list[Path]:
        """Files whose name is one of `names` (case-insensitive)."""
        wanted = {n.lower() for n in names}
        return [p for p in self.files if p.name.lower() in wanted]

    def dirs_named(self, *names: str) -> list[Path]:
        wanted = {n.lower() for n in names}
        return [p for p in self.dirs if p.name.lower() in wanted]

    def read(self, relative: Path) -> str:
        return read_text(self.root / relative)


def read_text(path: Path) -> str:
    """The file's text (at most MAX_READ_BYTES, bad bytes replaced); "" when unreadable."""
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_READ_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def scan_repo(root: Path, *, limit: int = MAX_FILES) -> RepoFiles:
    """Walk `root` without following links; stop after `limit` files (and say so)."""
    files: list[Path] = []
    dirs: list[Path] = []
    truncated = False
    for folder, subdirs, names in os.walk(root, followlinks=False):
        subdirs[:] = sorted(
            d for d in subdirs if not d.startswith(".") and d not in SKIPPED_DIRS
        )
        here = Path(folder).relative_to(root)
        dirs.extend(here / d for d in subdirs)
        files.extend(here / n for n in names)
        if len(files) >= limit:
            truncated = True
            break
    return RepoFiles(
        root=root,
        files=tuple(sorted(files[:limit])),
        dirs=tuple(sorted(dirs)),
        truncated=truncated,
    )
