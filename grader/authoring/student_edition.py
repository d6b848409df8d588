"""The students' edition of a pack: what a class hands out when its hidden suites are secret.

`grader pack build --student OUT` copies, for every exercise, what a student may read —
exercise.toml, the instructions and hints in both languages, starter/ (stubs and visible
tests) and data/ — and nothing else: no hidden/, no reference/. A marker file at the
edition's root (`STUDENT_EDITION_MARKER`) tells grader what it is, so `grader submit` on it
grades a practice run and the class server refuses to grade with it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.catalog.loader import STUDENT_EDITION_MARKER, ExercisePack
from grader.clock import utc_stamp
from grader.errors import GraderError

# An exercise's files and folders a student may read; everything else stays with the teacher.
STUDENT_FILES = (
    "exercise.toml",
    "instructions.md",
    "instructions.zh.md",
    "hints.md",
    "hints.zh.md",
)
# A Git exercise's generator (repository/) creates its starter at `grader start`.
STUDENT_FOLDERS = ("starter", "repository", "data")
_CACHES = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


@dataclass(frozen=True)
class EditionBuilt:
    """What `build_student_edition` wrote: where, and how many exercises."""

    root: Path
    exercises: int


def build_student_edition(pack: ExercisePack, out: Path) -> EditionBuilt:
    """Write the students' edition of `pack` to `out` (absent or an empty folder).

    The pack is loaded first, so a broken pack is refused before anything is written; on
    any failure the half-written edition is removed and `out` is left as it was.
    """
    if pack.is_student_edition:
        raise GraderError(
            f"{pack.root} is already a students' edition (it has "
            f"{STUDENT_EDITION_MARKER}); build from the full pack, the one with hidden/ "
            "and reference/ in each exercise: grader --exercises FULL_PACK pack build "
            "--student OUT"
        )
    out = Path(out)
    _require_empty(out, pack.root)
    exercises = pack.exercises()
    if not exercises:
        raise GraderError(
            f"{pack.root} holds no exercises (stage<N>/<slug>/exercise.toml); "
            "pass the pack with --exercises DIR"
        )
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        for exercise in exercises:
            _copy_exercise(exercise.root, out / exercise.root.relative_to(pack.root))
        (out / STUDENT_EDITION_MARKER).write_text(_marker_text(pack), encoding="utf-8")
    except BaseException:
        _undo(out, created)
        raise
    return EditionBuilt(root=out, exercises=len(exercises))


def _require_empty(out: Path, source: Path) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise GraderError(
            f"{out} exists and is not a folder; pass a new folder for the students' edition"
        )
    if out.is_dir() and any(out.iterdir()):
        raise GraderError(
            f"{out} exists and is not empty; pass a new or empty folder "
            "(nothing was written)"
        )
    resolved_out, resolved_source = out.resolve(), source.resolve()
    if resolved_out == resolved_source or resolved_source in resolved_out.parents:
        raise GraderError(
            f"{out} is inside the pack {source}; pass a folder outside it"
        )


def _copy_exercise(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for name in STUDENT_FILES:
        if (source / name).is_file():
            shutil.copyfile(source / name, target / name)
    for name in STUDENT_FOLDERS:
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name, ignore=_CACHES)


def _marker_text(pack: ExercisePack) -> str:
    return (
        "# A students' edition, built by `grader pack build --student`: no hidden\n"
        "# suites, no reference solutions. `grader submit` here grades practice runs;\n"
        "# the class server grades with the full pack (`grader submit --server URL`).\n"
        'edition = "student"\n'
        f'built_at = "{utc_stamp()}"\n'
        f'grader_version = "{__version__}"\n'
    )


def _undo(out: Path, created: bool) -> None:
    """Remove what was written: the folder itself when it was made here, else its content."""
    if created:
        shutil.rmtree(out, ignore_errors=True)
        return
    for child in out.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
