"""Atomic file writes: readers see the old file or the new one, never half of one.

The recipe: write the new content to a temporary file in the *same directory*,
flush it and ``os.fsync`` it to the disk, then ``os.replace`` it over the target
(an atomic rename on POSIX and Windows). If anything fails before the rename,
delete the temporary file and leave the target alone::

    with atomic_write("settings.json") as f:
        json.dump(settings, f)

    with AtomicWriter("site") as out:          # several files: all or nothing
        with out.open("index.html") as f:
            f.write(page)
        with out.open("logo.png", "wb") as f:
            f.write(png_bytes)
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Iterator

TEXT_MODES = ("w", "wt")
BINARY_MODES = ("wb",)


def _check_mode(mode: str) -> bool:
    """Return True for a binary mode; raise ValueError for an unsupported one."""
    if mode not in TEXT_MODES + BINARY_MODES:
        raise ValueError(f"unsupported mode {mode!r}: use 'w', 'wt' or 'wb'")
    return mode in BINARY_MODES


def _check_target(target: Path) -> None:
    """Raise a clear error when ``target`` cannot be written atomically."""
    parent = target.parent
    if not parent.exists():
        raise FileNotFoundError(f"parent directory does not exist: {parent}")
    if not parent.is_dir():
        raise NotADirectoryError(f"parent is not a directory: {parent}")
    if target.is_dir():
        raise IsADirectoryError(f"target is a directory: {target}")


def _default_mode() -> int:
    """Permissions of a newly created file: 0o666 minus the process umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _target_mode(target: Path) -> int:
    """The permission bits the new file must get."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return _default_mode()


def _open_temp(target: Path, binary: bool, encoding: str) -> tuple[IO[Any], str]:
    """Create a temporary file next to ``target``; return it and its path."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    try:
        if binary:
            handle: IO[Any] = open(temp, "wb")
        else:
            handle = open(temp, "w", encoding=encoding)
    except BaseException:  # e.g. LookupError for an unknown encoding
        os.unlink(temp)
        raise
    return handle, temp


def _finish(handle: IO[Any], temp: str, mode: int) -> None:
    """Flush, fsync and close ``handle`` and give the file its final permissions."""
    if handle.closed:
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    else:
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
    os.chmod(temp, mode)


def _discard(handle: IO[Any], temp: str) -> None:
    """Close ``handle`` and delete ``temp``, ignoring errors."""
    try:
        handle.close()
    except OSError:
        pass
    try:
        os.unlink(temp)
    except FileNotFoundError:
        pass


def _sync_directory(directory: Path) -> None:
    """fsync a directory so a rename in it survives a crash (POSIX)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_write(
    path: str | os.PathLike[str], mode: str = "w", encoding: str = "utf-8"
) -> Iterator[IO[Any]]:
    """Open a temporary file that replaces ``path`` when the block succeeds.

    ``mode`` is ``"w"``/``"wt"`` (text, written with ``encoding``) or ``"wb"``
    (bytes; ``encoding`` is ignored). On success the data is flushed and
    fsynced and the temporary file replaces ``path`` with ``os.replace``,
    keeping the permission bits of the old file (a new file gets
    ``0o666 & ~umask``). On any exception, including ``KeyboardInterrupt``,
    the temporary file is deleted, ``path`` is left as it was and the
    exception propagates.

    Raises:
        ValueError: for an unsupported ``mode``.
        FileNotFoundError: if the parent directory does not exist.
        NotADirectoryError: if the parent is not a directory.
        IsADirectoryError: if ``path`` is a directory.
    """
    binary = _check_mode(mode)
    target = Path(path)
    _check_target(target)
    handle, temp = _open_temp(target, binary, encoding)
    try:
        yield handle
        _finish(handle, temp, _target_mode(target))
        os.replace(temp, target)
    except BaseException:
        _discard(handle, temp)
        raise
    _sync_directory(target.parent)


class AtomicWriter:
    """Write several files of one directory, all of them or none.

    Files opened with :meth:`open` inside the ``with`` block go to temporary
    files. When the block ends without an exception every one of them replaces
    its target; when it raises, every temporary file is deleted and no target
    changes.
    """

    def __init__(
        self, directory: str | os.PathLike[str], *, encoding: str = "utf-8"
    ) -> None:
        """Prepare a writer for ``directory``.

        Raises:
            FileNotFoundError: if ``directory`` does not exist.
            NotADirectoryError: if ``directory`` is not a directory.
        """
        self.directory = Path(directory)
        if not self.directory.exists():
            raise FileNotFoundError(f"directory does not exist: {self.directory}")
        if not self.directory.is_dir():
            raise NotADirectoryError(f"not a directory: {self.directory}")
        self.encoding = encoding
        self._used = False
        self._open = False
        self._files: dict[str, tuple[IO[Any], str]] = {}

    def __enter__(self) -> AtomicWriter:
        if self._used:
            raise RuntimeError("an AtomicWriter can only be used once")
        self._used = self._open = True
        return self

    def open(self, name: str, mode: str = "w") -> IO[Any]:
        """Return a file object whose content becomes ``directory/name`` on commit.

        Raises:
            RuntimeError: outside the ``with`` block.
            ValueError: for a name that is not a plain file name, a name that
                was already opened, or an unsupported ``mode``.
            IsADirectoryError: if ``directory/name`` is a directory.
        """
        if not self._open:
            raise RuntimeError("open() only works inside the with block")
        binary = _check_mode(mode)
        separators = {os.sep, "/", os.altsep} - {None}
        if (
            not isinstance(name, str)
            or name in ("", ".", "..")
            or any(sep in name for sep in separators)
        ):
            raise ValueError(f"not a plain file name: {name!r}")
        if name in self._files:
            raise ValueError(f"{name!r} is already open in this writer")
        target = self.directory / name
        if target.is_dir():
            raise IsADirectoryError(f"target is a directory: {target}")
        handle, temp = _open_temp(target, binary, self.encoding)
        self._files[name] = (handle, temp)
        return handle

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        if exc_type is None:
            self._commit()
        else:
            self._rollback()

    def _rollback(self) -> None:
        for handle, temp in self._files.values():
            _discard(handle, temp)

    def _commit(self) -> None:
        try:
            for name, (handle, temp) in self._files.items():
                _finish(handle, temp, _target_mode(self.directory / name))
            for name in self._files:
                if (self.directory / name).is_dir():
                    raise IsADirectoryError(
                        f"target is a directory: {self.directory / name}"
                    )
        except BaseException:
            self._rollback()
            raise
        self._replace_all()
        _sync_directory(self.directory)

    def _replace_all(self) -> None:
        """Replace every target; if one fails, put the earlier ones back."""
        done: list[tuple[Path, str | None]] = []
        try:
            for name, (_, temp) in self._files.items():
                target = self.directory / name
                backup = None
                if target.exists():
                    backup = f"{temp}.old"
                    os.link(target, backup)  # keeps the old content reachable
                try:
                    os.replace(temp, target)
                except BaseException:
                    if backup is not None:
                        os.unlink(backup)
                    raise
                done.append((target, backup))
        except BaseException:
            for target, backup in reversed(done):
                if backup is None:
                    os.unlink(target)
                else:
                    os.replace(backup, target)
            self._rollback()
            raise
        for _, backup in done:
            if backup is not None:
                os.unlink(backup)
