"""Grading a folder of submissions (one sub-folder per student) for an instructor.

OUT_DIR/scorecards/<student>.json   every scorecard, as `grader submit` would save it
OUT_DIR/grades.csv                  one row per student; rewritten as results arrive
OUT_DIR/summary.json                counts, mean and median, per-student results

A batch that was stopped (Ctrl-C, a crash, SIGKILL) resumes when run again with the same
OUT_DIR: every student with a scorecard there is kept, the rest are graded; --overwrite
grades everyone again. Every file is written whole or not at all, and nothing below the
submissions folder or OUT_DIR is written through a link (`grader.files`).
"""

from __future__ import annotations

import csv
import io
import json
import statistics
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader.catalog.model import Exercise
from grader.clock import utc_stamp
from grader.errors import GraderError
from grader.files import make_folders, remove_file, write_atomic
from grader.pipeline import grade_workspace
from grader.runner import Backend, require_isolation
from grader.scorecard import serialize
from grader.scorecard.caps import MESSAGE_CHARS, cap_text
from grader.text_escape import spreadsheet_safe
from grader.workspace import MARKER_DIR, MARKER_FILE

CSV_COLUMNS = (
    "student",
    "exercise",
    "score",
    "max_score",
    "status",
    "message",
    "isolation",
)
STATUSES = ("pass", "fail", "error")
SCORECARDS_DIR = "scorecards"
GRADES_CSV = "grades.csv"
SUMMARY_JSON = "summary.json"


class BatchError(GraderError):
    """The batch cannot start: no such folder, no students, or results would be overwritten."""


@dataclass
class StudentResult:
    """One row of grades.csv. `score` is None when no scorecard could be made."""

    student: str
    exercise: str
    status: str
    message: str
    score: float | None = None
    max_score: float | None = None
    scorecard: Path | None = None
    isolation: str = ""
    # Graded by an earlier run of the same batch, and kept.
    kept: bool = False

    def csv_row(self) -> list[str]:
        """The row as a spreadsheet shows it: a name or message starting with `=`, `+`,
        `-` or `@` is text (a leading `'`), never a live formula."""
        return [
            spreadsheet_safe(self.student),
            spreadsheet_safe(self.exercise),
            "" if self.score is None else f"{self.score:g}",
            "" if self.max_score is None else f"{self.max_score:g}",
            self.status,
            spreadsheet_safe(self.message),
            self.isolation,
        ]


@dataclass
class BatchSummary:
    exercise: str
    backend: str
    out_dir: Path
    isolation: str
    students: int
    jobs: int
    started_at: str
    duration: float = 0.0
    interrupted: bool = False
    kept: int = 0
    results: list[StudentResult] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.results:
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts

    @property
    def scores(self) -> list[float]:
        return [r.score for r in self.results if r.score is not None]

    @property
    def mean(self) -> float | None:
        return round(statistics.fmean(self.scores), 2) if self.scores else None

    @property
    def median(self) -> float | None:
        return round(statistics.median(self.scores), 2) if self.scores else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "backend": self.backend,
            "isolation": self.isolation,
            "jobs": self.jobs,
            "started_at": self.started_at,
            "duration": self.duration,
            "interrupted": self.interrupted,
            "students": self.students,
            "graded": len(self.results),
            "kept": self.kept,
            "counts": self.counts,
            "mean_score": self.mean,
            "median_score": self.median,
            "results": {
                r.student: {
                    "score": r.score,
                    "max_score": r.max_score,
                    "status": r.status,
                    "message": r.message,
                }
                for r in self.sorted_results()
            },
        }

    def sorted_results(self) -> list[StudentResult]:
        return sorted(self.results, key=lambda r: r.student)


def default_out_dir(root: Path) -> Path:
    """DIR/../<dirname>-grades: beside the submissions, never among them."""
    root = root.resolve()
    return root.parent / f"{root.name}-grades"


def find_students(root: Path, out_dir: Path | None = None) -> list[Path]:
    """The student folders of `root`, sorted; hidden entries, files and `out_dir` are skipped."""
    if not root.is_dir():
        raise BatchError(
            f"{root} is not a folder; pass the folder that holds the submissions"
        )
    skip = {out_dir.resolve()} if out_dir is not None else set()
    # A link to a folder is listed (and refused when graded, with its reason), not skipped.
    students = sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.resolve() not in skip
    )
    if not students:
        raise BatchError(
            f"{root} has no student folders; put each submission in its own sub-folder "
            "named after the student"
        )
    return students


def grade_batch(
    root: Path,
    *,
    exercise: Exercise,
    backend: Backend,
    out_dir: Path,
    jobs: int,
    progress: Callable[[StudentResult], None] | None = None,
    overwrite: bool = False,
    allow_reduced: bool = False,
) -> BatchSummary:
    """Grade every student folder of `root` as a workspace of `exercise`, `jobs` at a time.

    One student's failure (even a harness exception) is an error row, never the end of the
    batch. Students whose scorecard an earlier run left in `out_dir` are kept (`kept`),
    unless `overwrite`. `progress` is called in the calling thread after each student
    (kept ones first). On Ctrl-C, queued students are dropped, running ones are waited
    for (a second Ctrl-C stops waiting) and the summary comes back with `interrupted` set;
    everything graded so far is on disk.

    A batch's grades count for its students: below full isolation (see
    `grader.runner.isolation_level`) it refuses to start (IsolationRefused) unless
    `allow_reduced`, and then every row says its isolation in grades.csv.
    """
    level, _ = require_isolation(backend, exercise, allow_reduced=allow_reduced)
    students = find_students(root, out_dir)
    kept = _prepare_out_dir(out_dir, overwrite, exercise, students)
    clock = time.monotonic()
    summary = BatchSummary(
        exercise=exercise.qualified_slug,
        backend=backend.name,
        out_dir=out_dir,
        isolation=level,
        students=len(students),
        jobs=jobs,
        started_at=utc_stamp(),
        kept=len(kept),
    )

    def record(future: Future[StudentResult]) -> None:
        summary.results.append(future.result())
        # Rewritten on every result so that a crash loses nothing already graded.
        _write_csv(out_dir / GRADES_CSV, summary.sorted_results())
        if progress is not None:
            progress(summary.results[-1])

    # Threads suffice: each run is its own subprocess or container. One backend serves all
    # threads: LocalBackend is stateless; BwrapBackend keeps only a cgroup parent and names
    # each run's cgroup uniquely; DockerBackend's one piece of state is a docker client (a
    # requests session with a connection pool), safe enough for concurrent calls that each
    # create, wait for and remove their own labelled container.
    pool = ThreadPoolExecutor(
        max_workers=max(1, min(jobs, len(students))), thread_name_prefix="grader-batch"
    )
    pending: set[Future[StudentResult]] = set()
    try:
        for result in kept:
            summary.results.append(result)
            if progress is not None:
                progress(result)
        done = {r.student for r in kept}
        for folder in students:
            if folder.name not in done:
                pending.add(
                    pool.submit(_grade_student, folder, exercise, backend, out_dir)
                )
        for future in as_completed(list(pending)):
            pending.discard(future)
            record(future)
    except KeyboardInterrupt:
        summary.interrupted = True
        for future in pending:
            future.cancel()
        # Running gradings live in their own session or container, out of Ctrl-C's reach,
        # and the process waits for them anyway: keep their results.
        try:
            for future in as_completed(f for f in pending if not f.cancelled()):
                record(future)
        except KeyboardInterrupt:
            pass
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        summary.duration = round(time.monotonic() - clock, 3)
        _write_csv(out_dir / GRADES_CSV, summary.sorted_results())
        write_atomic(
            out_dir / SUMMARY_JSON,
            json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n",
            folder=out_dir,
        )
    return summary


def _grade_student(
    folder: Path, exercise: Exercise, backend: Backend, out_dir: Path
) -> StudentResult:
    """Never raises an Exception: whatever goes wrong is this student's error row."""
    student = folder.name
    slug = exercise.qualified_slug
    if folder.is_symlink():
        # Whatever it points at (another student's work, the teacher's files) is not this
        # student's submission.
        return StudentResult(
            student,
            slug,
            "error",
            "not graded: this folder is a symlink; put the submission itself in the "
            "folder, then run the batch again",
        )
    try:
        other = _marked_exercise(folder)
        if other is not None and other not in (exercise.slug, slug):
            return StudentResult(
                student,
                slug,
                "error",
                f"not graded: this folder is a workspace of {other}, not {slug}",
            )
        card = grade_workspace(folder, exercise=exercise, backend=backend)
        path = out_dir / SCORECARDS_DIR / f"{student}.json"
        serialize.write(card, path, folder=out_dir)
    except Exception as exc:  # a harness fault for one student must not end the batch
        return StudentResult(
            student,
            slug,
            "error",
            cap_text(f"grading failed: {type(exc).__name__}: {exc}", MESSAGE_CHARS),
        )
    return StudentResult(
        student,
        slug,
        card.status,
        card.message,
        score=card.score,
        max_score=card.max_score,
        scorecard=path,
        isolation=str(card.integrity.get("level", "")),
    )


def _marked_exercise(folder: Path) -> str | None:
    """The exercise a .grader marker names; None without a (readable) marker."""
    marker = folder / MARKER_DIR / MARKER_FILE
    try:
        slug = json.loads(marker.read_text(encoding="utf-8"))["exercise"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # the marker is optional in a batch: DIR and --exercise decide
    return str(slug)


def _prepare_out_dir(
    out_dir: Path, overwrite: bool, exercise: Exercise, students: list[Path]
) -> list[StudentResult]:
    """Make `out_dir` ready; return what an earlier run of this batch graded (kept)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise BatchError(f"{out_dir} is a file; pass --out with a folder")
    kept: list[StudentResult] = []
    if out_dir.is_dir() and any(out_dir.iterdir()):
        for leftover in out_dir.glob(".*.tmp"):  # a write cut short by a kill
            remove_file(leftover, folder=out_dir)
        strangers = sorted(
            p.name for p in out_dir.iterdir() if p.name not in _BATCH_NAMES
        )
        if strangers and not overwrite:
            raise BatchError(
                f"{out_dir} already exists and holds files a batch does not write "
                f"({', '.join(strangers[:3])}); pass --out with another folder, or "
                "--overwrite to replace its grades"
            )
        if overwrite:
            # Remove only what a batch writes: stale scorecards of students no longer in
            # DIR would otherwise sit next to the new ones.
            for stale in _batch_files(out_dir):
                remove_file(stale, folder=out_dir)
        else:
            kept = _kept_results(out_dir, exercise, students)
    make_folders(out_dir / SCORECARDS_DIR, folder=out_dir)
    return kept


_BATCH_NAMES = frozenset({SCORECARDS_DIR, GRADES_CSV, SUMMARY_JSON})


def _kept_results(
    out_dir: Path, exercise: Exercise, students: list[Path]
) -> list[StudentResult]:
    """The scorecards an earlier run saved for students still in DIR, as rows.

    One of another exercise stops the batch (the folder holds another batch's grades); an
    unreadable one is graded again.
    """
    slug = exercise.qualified_slug
    kept = []
    for folder in students:
        path = out_dir / SCORECARDS_DIR / f"{folder.name}.json"
        if path.is_symlink() or not path.is_file():
            continue
        try:
            card = serialize.load(path)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if card.exercise.slug != slug:
            raise BatchError(
                f"{out_dir} holds the grades of {card.exercise.slug}, not {slug}; pass "
                "--out with another folder, or --overwrite to replace them"
            )
        kept.append(
            StudentResult(
                folder.name,
                slug,
                card.status,
                card.message,
                score=card.score,
                max_score=card.max_score,
                scorecard=path,
                isolation=str(card.integrity.get("level", "")),
                kept=True,
            )
        )
    return kept


def _batch_files(out_dir: Path) -> list[Path]:
    files = list((out_dir / SCORECARDS_DIR).glob("*.json"))
    return files + [
        out_dir / name
        for name in (GRADES_CSV, SUMMARY_JSON)
        if (out_dir / name).is_file()
    ]


def _write_csv(path: Path, rows: list[StudentResult]) -> None:
    """Whole or not at all: a batch killed at any moment leaves the last complete table."""
    buffer = io.StringIO()
    # "\n" line endings, like every other file grader writes.
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(r.csv_row() for r in rows)
    write_atomic(path, buffer.getvalue(), folder=path.parent)


__all__ = [
    "CSV_COLUMNS",
    "BatchError",
    "BatchSummary",
    "StudentResult",
    "default_out_dir",
    "find_students",
    "grade_batch",
]
