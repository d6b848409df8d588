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

Replace every ``raise NotImplementedError`` with a real implementation. Keep the
names and signatures: the hidden tests import them. Add imports (tempfile,
stat, ...) and private helpers as you need them; the two halves of this
exercise can share most of their code.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from types import TracebackType
from typing import IO, Any, Iterator


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
    raise NotImplementedError
    yield  # a @contextmanager function must be a generator: keep a yield


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
        raise NotImplementedError

    def __enter__(self) -> AtomicWriter:
        """Start the block and return ``self``.

        Raises:
            RuntimeError: if this writer has been used before.
        """
        raise NotImplementedError

    def open(self, name: str, mode: str = "w") -> IO[Any]:
        """Return a file object whose content becomes ``directory/name`` on commit.

        Raises:
            RuntimeError: outside the ``with`` block.
            ValueError: for a name that is not a plain file name, a name that
                was already opened, or an unsupported ``mode``.
            IsADirectoryError: if ``directory/name`` is a directory.
        """
        raise NotImplementedError

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        """Commit every file if the block succeeded, else roll back; return False.

        Commit: finish every temporary file (flush, fsync, close, permissions),
        then replace the targets. If any target cannot be replaced, no target
        may end up changed and the error propagates.
        """
        raise NotImplementedError
