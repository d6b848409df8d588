"""Rename many files at once, safely: plan, check, rename, and undo.

::

    python batch_rename.py photos 'IMG_\\d+\\.JPG' '{date}_{n:03d}.jpg' --dry-run
    python batch_rename.py photos '*.JPG' 'holiday_{n:02d}.jpg' --glob
    python batch_rename.py photos --undo

The tool never overwrites a file: every collision is found before anything is
renamed. The renames go through temporary names, so swaps (``a -> b``,
``b -> a``), chains and case-only renames (``A.JPG -> a.jpg``) work. A real
run writes a JSON journal that ``--undo`` uses to put every name back.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Sequence

JOURNAL_NAME = ".batch-rename-journal.json"
RESERVED_FIELDS = ("n", "name", "ext", "date")

Plan = list[tuple[str, str]]


class RenameError(Exception):
    """A problem with the user's request: bad pattern, template, journal, ..."""


class CollisionError(RenameError):
    """The renames would overwrite a file or merge two files into one name."""


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    if not directory.exists():
        raise FileNotFoundError(f"directory does not exist: {directory}")
    if not directory.is_dir():
        raise NotADirectoryError(f"not a directory: {directory}")
    with os.scandir(directory) as scan:
        return sorted(scan, key=lambda entry: entry.name)


def _matcher(pattern: str, glob: bool):
    if glob:
        return lambda name: {} if fnmatch.fnmatchcase(name, pattern) else None
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise RenameError(f"invalid regular expression {pattern!r}: {exc}") from exc
    clash = set(regex.groupindex) & set(RESERVED_FIELDS)
    if clash:
        raise RenameError(f"group names {sorted(clash)} are reserved")

    def match(name: str) -> dict[str, str] | None:
        found = regex.fullmatch(name)
        if found is None:
            return None
        return {key: value or "" for key, value in found.groupdict().items()}

    return match


def _render(template: str, fields: dict[str, object], source: str) -> str:
    try:
        new = template.format(**fields)
    except KeyError as exc:
        raise RenameError(f"unknown field {exc.args[0]!r} in template") from exc
    except (IndexError, ValueError) as exc:
        raise RenameError(f"bad template {template!r}: {exc}") from exc
    separators = {"/", "\0", os.sep, os.altsep} - {None}
    if new in ("", ".", "..") or any(sep in new for sep in separators):
        raise RenameError(f"template gives {source!r} the invalid name {new!r}")
    return new


def _check_collisions(plan: Plan, existing: Sequence[str]) -> None:
    """Raise CollisionError listing every problem of ``plan`` in that directory.

    ``plan`` may contain no-op pairs (old == new); they count as staying put.
    """
    problems = []
    by_target: dict[str, list[str]] = {}
    for old, new in plan:
        by_target.setdefault(new.casefold(), []).append(old)
    for old, new in plan:
        sources = by_target[new.casefold()]
        if len(sources) > 1 and sources[0] == old:
            problems.append(f"{', '.join(sources)} would all be renamed to {new}")
    sources = {old for old, _ in plan}
    staying = {name.casefold(): name for name in existing if name not in sources}
    for old, new in plan:
        blocker = staying.get(new.casefold())
        if old != new and blocker is not None:
            problems.append(f"cannot rename {old} to {new}: {blocker} already exists")
    if problems:
        raise CollisionError("\n".join(problems))


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
    left out.

    Raises:
        RenameError: for an invalid pattern, template, new name or ``start``.
        CollisionError: if two files would get the same name (ignoring case)
            or a new name is taken by a file that is not renamed.
        FileNotFoundError, NotADirectoryError: for a bad ``directory``.
    """
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise RenameError(f"start must be an integer >= 0, not {start!r}")
    folder = Path(directory)
    entries = _entries(folder)
    match = _matcher(pattern, glob)
    plan: Plan = []
    number = start
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_file():
            continue
        groups = match(entry.name)
        if groups is None:
            continue
        stem, ext = os.path.splitext(entry.name)
        stamp = datetime.fromtimestamp(entry.stat().st_mtime)
        fields: dict[str, object] = {
            **groups,
            "n": number,
            "name": stem,
            "ext": ext,
            "date": stamp.strftime("%Y-%m-%d"),
        }
        plan.append((entry.name, _render(template, fields, entry.name)))
        number += 1
    _check_collisions(plan, [entry.name for entry in entries])
    return [(old, new) for old, new in plan if old != new]


def _execute(folder: Path, plan: Plan) -> None:
    """Check ``plan`` against the directory as it is now, then rename in two steps."""
    names = [entry.name for entry in _entries(folder)]
    missing = [old for old, _ in plan if old not in names]
    if missing:
        raise RenameError(f"files to rename are missing: {', '.join(missing)}")
    _check_collisions(plan, names)
    token = uuid.uuid4().hex
    parked: list[tuple[str, str, str]] = []
    done: list[tuple[str, str]] = []
    try:
        for index, (old, new) in enumerate(plan):
            temp = f".batch-rename-{token}-{index}"
            os.rename(folder / old, folder / temp)
            parked.append((old, temp, new))
        while parked:
            old, temp, new = parked[0]
            if os.path.lexists(folder / new):  # appeared meanwhile: never overwrite
                raise CollisionError(f"cannot rename {old} to {new}: it exists now")
            os.rename(folder / temp, folder / new)
            done.append((old, new))
            parked.pop(0)
    except BaseException:
        _put_back(folder, parked, done)
        raise


def _put_back(
    folder: Path, parked: list[tuple[str, str, str]], done: list[tuple[str, str]]
) -> None:
    """Best effort after a failure: give every file its old name again."""
    moves = [(temp, old) for old, temp, _ in parked]
    moves += [(new, old) for old, new in reversed(done)]
    for current, old in moves:
        try:
            if not os.path.lexists(folder / old):
                os.rename(folder / current, folder / old)
        except OSError:
            pass


def _journal_path(folder: Path, journal: str | os.PathLike[str] | None) -> Path:
    return Path(journal) if journal is not None else folder / JOURNAL_NAME


def apply_renames(
    directory: str | os.PathLike[str],
    plan: Sequence[tuple[str, str]],
    *,
    journal: str | os.PathLike[str] | None = None,
) -> None:
    """Rename the files of ``plan`` and record them in the JSON journal.

    Nothing is renamed and no journal is written when ``plan`` is empty.

    Raises:
        RenameError: if a file of the plan is missing.
        CollisionError: if a new name is taken (ignoring case) by a file that
            is not renamed, or two files would get one name.
    """
    folder = Path(directory)
    pairs = [(str(old), str(new)) for old, new in plan]
    if not pairs:
        return
    _execute(folder, pairs)
    path = _journal_path(folder, journal)
    document = {"version": 1, "renames": [[old, new] for old, new in pairs]}
    path.write_text(json.dumps(document), "utf-8")


def _read_journal(path: Path) -> Plan:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RenameError(f"no journal to undo: {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RenameError(f"journal {path} is not valid JSON") from exc
    renames = document.get("renames") if isinstance(document, dict) else None
    if not isinstance(renames, list) or not all(
        isinstance(pair, list)
        and len(pair) == 2
        and all(isinstance(name, str) for name in pair)
        for pair in renames
    ):
        raise RenameError(f"journal {path} does not hold a list of renames")
    return [(old, new) for old, new in renames]


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
    folder = Path(directory)
    path = _journal_path(folder, journal)
    reverse = [(new, old) for old, new in _read_journal(path)]
    if not dry_run:
        _execute(folder, reverse)
        path.unlink()
    return reverse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batch_rename.py", description="Rename many files safely."
    )
    parser.add_argument("directory")
    parser.add_argument("pattern", nargs="?", help="regular expression (or glob)")
    parser.add_argument("template", nargs="?", help="e.g. '{date}_{n:03d}{ext}'")
    parser.add_argument("--glob", action="store_true", help="PATTERN is a glob")
    parser.add_argument("--start", type=int, default=1, help="first number")
    parser.add_argument("--dry-run", action="store_true", help="only print the plan")
    parser.add_argument("--undo", action="store_true", help="undo the last run")
    parser.add_argument("--journal", help=f"journal file (default DIR/{JOURNAL_NAME})")
    return parser


def _run(args: argparse.Namespace) -> None:
    if args.undo:
        pairs = undo(args.directory, journal=args.journal, dry_run=args.dry_run)
    else:
        pairs = plan_renames(
            args.directory,
            args.pattern,
            args.template,
            start=args.start,
            glob=args.glob,
        )
    if not pairs:
        print("nothing to rename")
        return
    if not args.undo and not args.dry_run:
        apply_renames(args.directory, pairs, journal=args.journal)
    for old, new in pairs:
        print(f"{old} -> {new}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return 0 on success and 2 on any error."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.undo and (args.pattern is not None or args.template is not None):
            parser.error("--undo takes no PATTERN or TEMPLATE")
        if not args.undo and args.template is None:
            parser.error("PATTERN and TEMPLATE are required (or use --undo)")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        _run(args)
    except (RenameError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
