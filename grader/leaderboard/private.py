"""The class's data at rest, readable by its owner only.

The database (a SQLite file and its -wal and -shm files) holds every scorecard and real
name; the archives hold every upload. Folders the server makes are 0700 and files 0600,
whatever the process umask; `grader serve` warns about any found readable by others.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

from grader.leaderboard.settings import Settings

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """Make `path` (and missing parents) as folders only the owner can enter.

    A folder that exists already keeps its mode: `grader serve` warns about it instead.
    """
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    for folder in missing:  # mkdir's mode is cut by the umask; parents ignore it
        os.chmod(folder, DIR_MODE)
    return path


def private_file(path: Path) -> None:
    """Create `path` empty, owner-only, unless it exists (its mode is then kept)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, FILE_MODE)


def sqlite_path(url: str) -> Path | None:
    """The database file of a `sqlite:///PATH` URL; None for memory or another server."""
    if not url.startswith("sqlite"):
        return None
    database = url.split("///", 1)[-1].split("?", 1)[0]
    if not database or database == ":memory:":
        return None
    return Path(database)


def tighten_sqlite_files(database: Path) -> None:
    """-wal and -shm files SQLite made beside `database`, as private as the database.

    SQLite gives them the database file's mode; this also covers a umask or an older
    SQLite that did not.
    """
    for suffix in SQLITE_SIDE_FILES:
        side = Path(f"{database}{suffix}")
        try:
            mode = side.stat().st_mode
        except FileNotFoundError:
            continue
        if _exposed(mode) and _owned(side):
            os.chmod(side, FILE_MODE)


def exposure_warnings(settings: Settings) -> list[str]:
    """One line per path of the class's data that group or others may read (or change),
    with the fix."""
    paths: list[Path] = [settings.data_dir]
    database = sqlite_path(settings.db_url)
    if database is not None:
        paths.append(database.parent)
        paths += [database] + [Path(f"{database}{s}") for s in SQLITE_SIDE_FILES]
    paths += [settings.archives_dir, settings.work_dir]
    # The tokens handed out: whoever reads them signs in as the teacher or a student.
    paths += [settings.data_dir / "teacher-token.txt", settings.data_dir / "tokens"]
    lines: list[str] = []
    seen: set[Path] = set()
    for path in paths:
        path = path.resolve()
        if path in seen:
            continue
        seen.add(path)
        line = _warning(path)
        if line:
            lines.append(line)
    archives = settings.archives_dir
    if archives.is_dir():
        exposed = [p for p in sorted(archives.iterdir()) if _exposed_path(p)]
        for path in exposed[:5]:
            lines.append(_warning(path.resolve()) or "")
        if len(exposed) > 5:
            lines.append(
                f"WARNING: {len(exposed) - 5} more archives in {archives.resolve()} are "
                f"open to other users; fix: chmod 600 "
                f"{shlex.quote(str(archives.resolve()))}/*"
            )
    return lines


def _warning(path: Path) -> str | None:
    if not _exposed_path(path):
        return None
    folder = path.is_dir()
    mode = FILE_MODE if not folder else DIR_MODE
    what = "folder" if folder else "file"
    return (
        f"WARNING: the class's {what} {path} is open to other users "
        f"(mode {stat.S_IMODE(path.stat().st_mode):04o}); fix: chmod {mode:o} "
        f"{shlex.quote(str(path))}"
    )


def _exposed_path(path: Path) -> bool:
    try:
        mode = path.lstat().st_mode
    except OSError:
        return False
    return not stat.S_ISLNK(mode) and _exposed(mode)


def _exposed(mode: int) -> bool:
    return bool(mode & (stat.S_IRWXG | stat.S_IRWXO))


def _owned(path: Path) -> bool:
    try:
        return path.stat().st_uid == os.geteuid()
    except OSError:
        return False


__all__ = [
    "exposure_warnings",
    "private_dir",
    "private_file",
    "sqlite_path",
    "tighten_sqlite_files",
]
