"""Rename many files at once, safely: plan, check, rename, and undo.

::

    python batch_rename.py photos 'IMG_\\d+\\.JPG' '{date}_{n:03d}.jpg' --dry-run
    python batch_rename.py photos '*.JPG' 'holiday_{n:02d}.jpg' --glob
    python batch_rename.py photos --undo

The tool never overwrites a file: every collision is found before anything is
renamed. The renames go through temporary names, so swaps (``a -> b``,
``b -> a``), chains and case-only renames (``A.JPG -> a.jpg``) work. A real
run writes a JSON journal that ``--undo`` uses to put every name back.

Replace every ``raise NotImplementedError`` with a real implementation. Keep the
names and signatures: the hidden tests import them. Add imports (re, fnmatch,
json, datetime, ...) and private helpers as you need them.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

JOURNAL_NAME = ".batch-rename-journal.json"
RESERVED_FIELDS = ("n", "name", "ext", "date")

Plan = list[tuple[str, str]]


class RenameError(Exception):
    """A problem with the user's request: bad pattern, template, journal, ..."""


class CollisionError(RenameError):
    """The renames would overwrite a file or merge two files into one name."""


def plan_renames(
    directory: str | os.PathLike[str],
    pattern: str,
    template: str,
    *,
    start: int = 1,
    glob: bool = False,
) -> Plan:
    """Return the ``(old, new)`` names for the matching files of ``directory``.

    Files (not directories, not names starting with ``.``) whose name matches
    ``pattern`` (a regular expression that must match the whole name, or a
    shell pattern when ``glob`` is true) are numbered from ``start`` in name
    order, and ``template`` is filled with ``n``, ``name``, ``ext``, ``date``
    and the named groups of the pattern. Pairs whose name does not change are
    left out. Nothing on disk changes.

    Raises:
        RenameError: for an invalid pattern, template, new name or ``start``.
        CollisionError: if two files would get the same name (ignoring case)
            or a new name is taken by a file that is not renamed.
        FileNotFoundError, NotADirectoryError: for a bad ``directory``.
    """
    raise NotImplementedError


def apply_renames(
    directory: str | os.PathLike[str],
    plan: Sequence[tuple[str, str]],
    *,
    journal: str | os.PathLike[str] | None = None,
) -> None:
    """Rename the files of ``plan`` and record them in the JSON journal.

    The journal (``directory/JOURNAL_NAME`` unless ``journal`` is given) is
    ``{"version": 1, "renames": [[old, new], ...]}``. Nothing is renamed and
    no journal is written when ``plan`` is empty.

    Raises:
        RenameError: if a file of the plan is missing.
        CollisionError: if a new name is taken (ignoring case) by a file that
            is not renamed, or two files would get one name.
    """
    raise NotImplementedError


def undo(
    directory: str | os.PathLike[str],
    *,
    journal: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
) -> Plan:
    """Reverse the renames recorded in the journal and delete the journal.

    Returns the ``(current, original)`` pairs, in the journal's order. With
    ``dry_run`` nothing is renamed and the journal is kept.

    Raises:
        RenameError: if there is no journal, it is broken, or a renamed file
            is missing.
        CollisionError: if an original name is taken by another file.
    """
    raise NotImplementedError


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for ``DIRECTORY [PATTERN TEMPLATE] [options]``.

    Options: ``--glob``, ``--start N``, ``--dry-run``, ``--undo``,
    ``--journal PATH``. PATTERN and TEMPLATE are optional positionals
    (``nargs="?"``) because ``--undo`` needs neither.
    """
    raise NotImplementedError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return 0 on success and 2 on any error.

    Prints one ``OLD -> NEW`` line per rename to stdout; errors go to stderr
    as ``error: ...``. Never lets an exception or SystemExit escape.
    """
    raise NotImplementedError


if __name__ == "__main__":
    sys.exit(main())
