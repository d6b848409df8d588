"""Similarity report for an exercise: pairs of submissions that share code, MOSS-style.

Each student's latest submission is read from its stored archive; its Python files are
tokenised and normalised (every name becomes `V`, every number `N`, every string `S`;
comments and layout are dropped), so renaming variables or reformatting hides nothing.
Hashes of every K-token run are winnowed (the smallest hash of each window of W, as in
Schleimer, Wilkerson and Aiken's winnowing) into fingerprints. Fingerprints that also
occur in the exercise's starter files (its stub and visible tests) are base code and
removed. A pair's similarity is the share of the smaller submission's fingerprints the
other one holds too; the shared runs are shown side by side.
"""

from __future__ import annotations

import hashlib
import io
import keyword
import tokenize
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from sqlalchemy import select

from grader.catalog import Exercise
from grader.leaderboard.archives import ArchiveRejected, read_members
from grader.leaderboard.db import Database
from grader.leaderboard.db.models import REMOVED, STUDENT, Account, Submission
from grader.leaderboard.settings import Settings

K = 12  # tokens per hashed run: shorter runs are common in any Python code
W = 8  # window: any shared run of K + W - 1 tokens is certain to be found
THRESHOLD = 0.3
MAX_PAIRS = 50
MAX_FRAGMENTS = 6
SKIPPED = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
}


@dataclass(frozen=True)
class Fragment:
    left_file: str
    left_lines: tuple[int, int]
    left_code: str
    right_file: str
    right_lines: tuple[int, int]
    right_code: str


@dataclass
class Pair:
    left: str  # student names
    right: str
    left_submission: str
    right_submission: str
    similarity: float
    shared: int
    fragments: list[Fragment] = field(default_factory=list)


@dataclass
class Work:
    """One submission's fingerprints: hash -> (file, first line, last line)."""

    name: str
    submission: str
    files: dict[str, list[str]]
    prints: dict[int, tuple[str, int, int]]


def tokens(source: str) -> list[tuple[str, int, int]]:
    """(normalised token, first line, last line); unreadable code yields what it can."""
    found: list[tuple[str, int, int]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in SKIPPED:
                continue
            if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string):
                text = "V"
            elif tok.type == tokenize.NUMBER:
                text = "N"
            elif tok.type == tokenize.STRING:
                text = "S"
            else:
                text = tok.string
            found.append((text, tok.start[0], tok.end[0]))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found


def fingerprints(path: str, source: str) -> dict[int, tuple[str, int, int]]:
    """Winnowed hashes of K-token runs, each with the lines it covers."""
    toks = tokens(source)
    grams = []
    for i in range(len(toks) - K + 1):
        run = toks[i : i + K]
        digest = hashlib.blake2b(" ".join(t for t, _, _ in run).encode(), digest_size=8)
        grams.append((int.from_bytes(digest.digest(), "big"), run[0][1], run[-1][2]))
    chosen: dict[int, tuple[str, int, int]] = {}
    for i in range(max(len(grams) - W + 1, 1 if grams else 0)):
        window = grams[i : i + W]
        value, first, last = min(reversed(window), key=lambda g: g[0])
        chosen.setdefault(value, (path, first, last))
    return chosen


def base_prints(exercise: Exercise) -> set[int]:
    """The fingerprints of the starter files (stub and visible tests): base code."""
    found: set[int] = set()
    starter = Path(exercise.starter_dir)
    if starter.is_dir():
        for path in sorted(starter.rglob("*.py")):
            rel = path.relative_to(starter).as_posix()
            found |= set(fingerprints(rel, path.read_text(errors="replace")))
    return found


def similarity_report(
    db: Database, settings: Settings, exercise: Exercise
) -> list[Pair]:
    """Pairs of enrolled students' latest submissions above THRESHOLD, most similar first."""
    base = base_prints(exercise)
    works = [w for w in _latest_works(db, settings, exercise) if w.prints]
    for work in works:
        work.prints = {h: v for h, v in work.prints.items() if h not in base}
    pairs = []
    for a, b in combinations(works, 2):
        shared = set(a.prints) & set(b.prints)
        smaller = min(len(a.prints), len(b.prints))
        if not smaller or not shared:
            continue
        score = len(shared) / smaller
        if score >= THRESHOLD:
            pair = Pair(a.name, b.name, a.submission, b.submission, score, len(shared))
            pair.fragments = _fragments(a, b, shared)
            pairs.append(pair)
    pairs.sort(key=lambda p: (-p.similarity, p.left, p.right))
    return pairs[:MAX_PAIRS]


def _latest_works(db: Database, settings: Settings, exercise: Exercise) -> list[Work]:
    with db.session() as session:
        rows = session.execute(
            select(Submission.id, Submission.archive_path, Account.name, Account.id)
            .join(Account, Account.id == Submission.account_id)
            .where(
                Submission.exercise == exercise.qualified_slug,
                Account.role == STUDENT,
                Account.state != REMOVED,
            )
            .order_by(Account.id, Submission.created_at.desc())
        ).all()
    works, seen = [], set()
    allowed = {f for f in exercise.submitted_files if f.endswith(".py")}
    for submission_id, archive_path, name, account_id in rows:
        if account_id in seen:
            continue
        seen.add(account_id)
        try:
            data = (settings.data_dir / archive_path).read_bytes()
            members = read_members(data, settings.archive)
        except (OSError, ArchiveRejected):
            continue
        files, prints = {}, {}
        for path, content in sorted(members.items()):
            if not path.endswith(".py") or (allowed and path not in allowed):
                continue
            text = content.decode("utf-8", "replace")
            files[path] = text.splitlines()
            for value, where in fingerprints(path, text).items():
                prints.setdefault(value, where)
        works.append(Work(name, submission_id, files, prints))
    return works


def _fragments(a: Work, b: Work, shared: set[int]) -> list[Fragment]:
    """Shared runs merged into line ranges, in the order of the left submission."""
    spans = sorted((a.prints[h], b.prints[h]) for h in shared)
    merged: list[list[tuple[str, int, int]]] = []
    for left, right in spans:
        if merged:
            last_left, last_right = merged[-1]
            if (
                left[0] == last_left[0]
                and right[0] == last_right[0]
                and left[1] <= last_left[2] + 2
                and abs(right[1] - last_right[2]) <= 2 + (right[2] - right[1])
            ):
                merged[-1] = [
                    (left[0], last_left[1], max(last_left[2], left[2])),
                    (
                        right[0],
                        min(last_right[1], right[1]),
                        max(last_right[2], right[2]),
                    ),
                ]
                continue
        merged.append([left, right])
    merged.sort(key=lambda m: -(m[0][2] - m[0][1]))
    out = []
    for left, right in merged[:MAX_FRAGMENTS]:
        out.append(
            Fragment(
                left[0],
                (left[1], left[2]),
                _lines(a, left),
                right[0],
                (right[1], right[2]),
                _lines(b, right),
            )
        )
    return out


def _lines(work: Work, where: tuple[str, int, int]) -> str:
    path, first, last = where
    return "\n".join(work.files.get(path, [])[first - 1 : last])


__all__ = ["Fragment", "Pair", "fingerprints", "similarity_report", "tokens"]
