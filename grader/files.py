"""Writing a file whole or not at all, and never through a link.

Standard library only: the sandbox writes its results file with it.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class UnsafeWriteError(OSError):
    """The target, or a folder on the way to it, is a symlink or a hard link."""


def write_atomic(
    path: Path, content: str | bytes, *, folder: Path | None = None
) -> None:
    """Write all of `content` (text as UTF-8) to `path` or nothing: a crash never leaves a
    half-written file.

    `folder` (by default `path`'s own folder) is the folder the caller trusts: below it,
    no folder on the way to `path` may be a symlink, and `path` itself may be neither a
    symlink nor a file with another hard link; UnsafeWriteError says which path and what
    to do. Missing folders below `folder` are created. The content goes to a temporary
    file in the same folder, is flushed to disk, then replaces `path`.
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    top = path.parent if folder is None else Path(folder)
    _refuse_linked_folders(path, top)
    path.parent.mkdir(parents=True, exist_ok=True)
    _refuse_linked_target(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _refuse_linked_folders(path: Path, top: Path) -> None:
    try:
        below = path.parent.relative_to(top)
    except ValueError:
        raise UnsafeWriteError(
            f"refusing to write {path}: it is not inside {top}; "
            "give a path inside the folder"
        ) from None
    current = top
    for part in below.parts:
        current = current / part
        if current.is_symlink():
            raise UnsafeWriteError(
                f"refusing to write {path}: the folder {current} is a symlink; "
                "replace it with a real folder (or remove it)"
            )


def _refuse_linked_target(path: Path) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeWriteError(
            f"refusing to write {path}: it is a symlink; remove it, then try again"
        )
    if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
        raise UnsafeWriteError(
            f"refusing to write {path}: it has {info.st_nlink - 1} other hard link(s); "
            "remove it (or copy it to a file of its own), then try again"
        )
