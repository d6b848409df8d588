"""Writing a file whole or not at all, and never through a link.

Every host-side write at or below a folder someone else controls (a student's workspace, a
submission, a batch folder, a CI artifacts folder) goes through here. The folder the caller
names is trusted as given (the user may have made it a link); below it each folder is opened
from its parent's descriptor with O_NOFOLLOW, so a link swapped in at any moment is refused
rather than followed: there is no check-then-use window. The file itself is written under a
temporary name in that folder and renamed over the target, and a rename replaces a directory
entry, never writes through one.

Standard library only: the sandbox writes its results file with it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path, PurePath

# What a folder below the trusted one is opened with: never through a link.
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class FileWriteError(OSError):
    """A write that was refused or could not finish; nothing was written."""

    def __str__(self) -> str:
        return str(self.strerror) if self.strerror else super().__str__()


class UnsafeWriteError(FileWriteError):
    """The target, or a folder on the way to it, is a symlink or a hard link."""


class DiskFullError(FileWriteError):
    """The disk (or the quota) ran out while writing; the old file, if any, is kept."""


def write_atomic(
    path: Path,
    content: str | bytes,
    *,
    folder: Path | None = None,
    exclusive: bool = False,
    mode: int = 0o600,
) -> None:
    """Write all of `content` (text as UTF-8) to `path` or nothing: a crash never leaves a
    half-written file.

    `folder` (by default `path`'s own folder) is the folder the caller trusts: below it,
    no folder on the way to `path` may be a symlink, and `path` itself may be neither a
    symlink nor a file with another hard link; UnsafeWriteError says which path and what
    to do. Missing folders below `folder` are created. The content goes to a temporary
    file in the same folder, is flushed to disk, then replaces `path`; with `exclusive`
    an existing `path` is never replaced (FileExistsError). A full disk is DiskFullError.
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    with open_folder(path.parent, folder=folder) as fd:
        if not exclusive:
            _refuse_linked_target(fd, path)
        # An exclusive write never touches what is there: link() below fails on any
        # existing name, link or not. (Checking the target first would also race with
        # another exclusive write, whose file has two names for a moment.)
        temp = f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            out = os.open(temp, _TEMP_FLAGS, mode, dir_fd=fd)
            with os.fdopen(out, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if exclusive:
                os.link(temp, path.name, src_dir_fd=fd, dst_dir_fd=fd)
                os.unlink(temp, dir_fd=fd)
            else:
                os.replace(temp, path.name, src_dir_fd=fd, dst_dir_fd=fd)
            with contextlib.suppress(OSError):  # the rename itself, on disk
                os.fsync(fd)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=fd)
            if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
                raise DiskFullError(
                    exc.errno,
                    f"cannot write {path}: no space left on the disk (nothing was "
                    "written, and an earlier version of the file is unchanged); free "
                    "some space, then try again",
                ) from None
            raise


def make_folders(path: Path, *, folder: Path) -> None:
    """Create `path` and the folders on the way from `folder`, refusing links below it."""
    with open_folder(path, folder=folder):
        pass


def remove_file(path: Path, *, folder: Path) -> None:
    """Remove `path` (a link is removed, never followed); no error if it is gone."""
    with open_folder(path.parent, folder=folder, create=False) as fd:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path.name, dir_fd=fd)


@contextlib.contextmanager
def open_folder(
    path: Path, *, folder: Path | None = None, create: bool = True
) -> Iterator[int]:
    """A descriptor of the folder `path`, opened one component at a time from `folder`
    (by default `path` itself) with O_NOFOLLOW: a symlink or file on the way is
    UnsafeWriteError, whenever it appeared. Missing folders are created if `create`."""
    path = Path(path)
    top = path if folder is None else Path(folder)
    below = _parts_below(path, top)
    if create:  # the trusted folder itself is made as asked, links and all
        top.mkdir(parents=True, exist_ok=True)
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        current = top
        for part in below:
            current = current / part
            child = _open_child(fd, part, current, path, create)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _parts_below(path: Path, top: Path) -> tuple[str, ...]:
    try:
        below = PurePath(path).relative_to(top)
    except ValueError:
        raise UnsafeWriteError(
            errno.EPERM,
            f"refusing to write {path}: it is not inside {top}; "
            "give a path inside the folder",
        ) from None
    if ".." in below.parts:
        raise UnsafeWriteError(
            errno.EPERM,
            f"refusing to write {path}: it climbs out of {top} with '..'; "
            "give a path inside the folder",
        )
    return below.parts


def _open_child(fd: int, name: str, shown: Path, target: Path, create: bool) -> int:
    tries = 3  # a folder made (or removed) by someone else in between: try again
    for attempt in range(1, tries + 1):
        try:
            return os.open(name, _FOLDER_FLAGS, dir_fd=fd)
        except FileNotFoundError:
            if not create or attempt == tries:
                raise
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o777, dir_fd=fd)
        except OSError as exc:
            if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
                raise
            raise _not_a_folder(fd, name, shown, target) from None
    raise AssertionError("unreachable: the last try returns or raises")


def _not_a_folder(fd: int, name: str, shown: Path, target: Path) -> UnsafeWriteError:
    try:
        is_link = stat.S_ISLNK(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode)
    except OSError:
        is_link = False
    if is_link:
        return UnsafeWriteError(
            errno.ELOOP,
            f"refusing to write {target}: the folder {shown} is a symlink; "
            "replace it with a real folder (or remove it)",
        )
    return UnsafeWriteError(
        errno.ENOTDIR,
        f"refusing to write {target}: {shown} is a file, not a folder; "
        "move it out of the way, then try again",
    )


def _refuse_linked_target(fd: int, path: Path) -> None:
    """Only for a clear message: the rename that follows never writes through a link."""
    try:
        info = os.stat(path.name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeWriteError(
            errno.ELOOP,
            f"refusing to write {path}: it is a symlink; remove it, then try again",
        )
    if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
        raise UnsafeWriteError(
            errno.EMLINK,
            f"refusing to write {path}: it has {info.st_nlink - 1} other hard link(s); "
            "remove it (or copy it to a file of its own), then try again",
        )
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeWriteError(
            errno.EEXIST,
            f"refusing to write {path}: it is not a regular file; move it out of the "
            "way, then try again",
        )
