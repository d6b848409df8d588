"""Reading exercise.toml and exercise packs (the bundled one or a teacher's own)."""

from __future__ import annotations

import difflib
import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from grader.catalog.hints import HINT_FILES, read_hints
from grader.catalog.model import (
    BACKEND_CHOICES,
    DEFAULT_MAX_BUNDLE_KB,
    DEFAULT_PASS_PERCENT,
    DEFAULT_TASK_MINIMUM,
    CheckConfig,
    Exercise,
    Limits,
    Repository,
    Task,
)
from grader.errors import ExerciseError
from grader.i18n.message import msg
from grader.registry.checks import CHECK_IDS
from grader.tomlfile import TomlError, load_toml

EXERCISES_ENV = "GRADER_EXERCISES"
# At the root of a students' edition (`grader pack build --student`): the pack has no
# hidden suites and no reference solutions, so it grades practice runs only.
STUDENT_EDITION_MARKER = "student-edition.toml"


def is_student_edition(pack_root: Path) -> bool:
    """Whether the pack at `pack_root` is a students' edition (its marker file is there)."""
    return (Path(pack_root) / STUDENT_EDITION_MARKER).is_file()


def exercise_in_student_edition(exercise: Exercise) -> bool:
    """Whether `exercise` was loaded from a students' edition (`stage<N>/<slug>/` in it)."""
    return is_student_edition(exercise.root.parent.parent)


@lru_cache(maxsize=1)
def exercise_schema() -> dict[str, Any]:
    text = (
        resources.files("grader.catalog").joinpath("exercise.schema.json").read_text()
    )
    return json.loads(text)


def load_exercise(root: Path) -> Exercise:
    """Load and validate `root/exercise.toml`; raise ExerciseError naming what is wrong."""
    toml_path = root / "exercise.toml"
    try:
        raw = load_toml(toml_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExerciseError(f"{toml_path}: missing; every exercise needs one") from None
    except UnicodeDecodeError:
        raise ExerciseError(f"{toml_path}: not UTF-8; save it as UTF-8") from None
    except TomlError as exc:
        raise ExerciseError(f"{toml_path}: invalid TOML: {exc}") from None
    if "isolation" in raw.get("checks", {}).get("tests", {}):
        raise ExerciseError(
            f"{toml_path}: [checks.tests] isolation: the hidden tests always run in a "
            "process of their own now; delete the line (threads, files and servers work "
            "across the process split: see docs/exercise-format.md, 'Hidden tests and the "
            "process boundary')"
        )
    import jsonschema  # imported on use: the sandbox entrypoint never loads exercises

    errors = sorted(
        jsonschema.Draft202012Validator(exercise_schema()).iter_errors(raw),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path) or "(top level)"
        raise ExerciseError(f"{toml_path}: {where}: {first.message}")
    return _exercise_from_toml(raw, root)


def _repository(raw: dict[str, Any], root: Path) -> Repository | None:
    """A Git exercise's [repository] table; its generator must be a file in the exercise."""
    table = raw.get("repository")
    if table is None:
        return None
    script = (root / table["generator"]).resolve()
    if not script.is_relative_to(root.resolve()) or not script.is_file():
        raise ExerciseError(
            f"{root / 'exercise.toml'}: repository.generator: {table['generator']!r} is "
            "not a file inside the exercise folder; name the Python script that creates "
            "the starter repository, relative to the exercise (e.g. repository/generate.py)"
        )
    return Repository(
        generator=table["generator"],
        max_bundle_kb=int(table.get("max_bundle_kb", DEFAULT_MAX_BUNDLE_KB)),
    )


def _backends(raw: dict[str, Any], root: Path) -> tuple[str, ...]:
    """The `backends` list, each a known backend name."""
    names = tuple(raw.get("backends", ()))
    unknown = [n for n in names if n not in BACKEND_CHOICES]
    if unknown:
        raise ExerciseError(
            f"{root / 'exercise.toml'}: backends: unknown backend {unknown[0]!r}; "
            f"name some of {', '.join(BACKEND_CHOICES)} (or drop the line: any backend)"
        )
    return names


def _exercise_from_toml(raw: dict[str, Any], root: Path) -> Exercise:
    files = raw["files"]
    task_ids = {t["id"] for t in raw["tasks"]}
    hints = {lang: read_hints(root, lang, task_ids) for lang in HINT_FILES}
    checks = tuple(
        CheckConfig(
            id=check_id,
            weight=float(raw["checks"][check_id]["weight"]),
            options={k: v for k, v in raw["checks"][check_id].items() if k != "weight"},
        )
        for check_id in CHECK_IDS
        if check_id in raw["checks"]
    )
    limits = Limits(**raw.get("limits", {}))
    return Exercise(
        slug=raw["slug"],
        stage=raw["stage"],
        version=raw["version"],
        title_en=raw["title"]["en"],
        title_zh=raw["title"]["zh"],
        tasks=tuple(
            Task(
                id=t["id"],
                title_en=t["title"]["en"],
                title_zh=t["title"]["zh"],
                minimum=float(t.get("minimum", DEFAULT_TASK_MINIMUM)),
                hint_en=hints["en"].get(t["id"], ""),
                hint_zh=hints["zh"].get(t["id"], ""),
            )
            for t in raw["tasks"]
        ),
        solution_files=tuple(files["solution"]),
        test_files=tuple(files.get("tests", [])),
        extra_files=tuple(files.get("extra", [])),
        checks=checks,
        root=root,
        difficulty=raw.get("difficulty", "medium"),
        topics=tuple(raw.get("topics", [])),
        limits=limits,
        pass_percent=float(
            raw.get("grading", {}).get("pass_percent", DEFAULT_PASS_PERCENT)
        ),
        order=int(raw.get("order", 0)),
        prerequisites=tuple(raw.get("prerequisites", [])),
        repository=_repository(raw, root),
        backends=_backends(raw, root),
    )


def bundled_pack_root() -> Path:
    """The pack shipped with grader: inside the wheel, or at the repository root."""
    installed = Path(__file__).resolve().parents[1] / "_bundled_exercises"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "exercises"


class ExercisePack:
    """A folder of exercises laid out as `stage<N>/<slug>/exercise.toml`."""

    def __init__(self, root: Path | None = None) -> None:
        env_root = os.environ.get(EXERCISES_ENV)
        self.root = Path(root or env_root or bundled_pack_root())
        if not self.root.is_dir():
            raise ExerciseError(
                f"exercise pack {self.root} does not exist; "
                "pass --exercises DIR with a folder of stage<N>/<slug>/ exercises"
            )

    @property
    def is_student_edition(self) -> bool:
        """A students' edition: instructions, hints, starters; no hidden/, no reference/."""
        return is_student_edition(self.root)

    def require_full(self, purpose: str) -> None:
        """Refuse a students' edition for `purpose` (grading that counts needs the hidden
        suites), with what to do instead."""
        if self.is_student_edition:
            raise ExerciseError(
                f"{self.root} is a students' edition (it has {STUDENT_EDITION_MARKER}): "
                f"it has no hidden suites, so it cannot be used to {purpose}; "
                "pass the full pack with --exercises DIR (or GRADER_EXERCISES)"
            )

    def exercise_dirs(self) -> list[Path]:
        return sorted(p.parent for p in self.root.glob("stage*/*/exercise.toml"))

    def exercises(self) -> list[Exercise]:
        """Every exercise, sorted by stage then slug; a broken one raises ExerciseError."""
        loaded = [load_exercise(d) for d in self.exercise_dirs()]
        seen: dict[str, Path] = {}
        for ex in loaded:
            if ex.slug in seen:
                raise ExerciseError(
                    f"slug {ex.slug!r} is used twice: {seen[ex.slug]} and {ex.root}; "
                    "slugs must be unique across a pack"
                )
            seen[ex.slug] = ex.root
        return sorted(loaded, key=lambda e: (e.stage, e.order, e.slug))

    def get(self, slug: str) -> Exercise:
        """Find by `grade-book` or `stage1/grade-book`."""
        stage_part, _, name = slug.rpartition("/")
        candidates = [
            d
            for d in self.exercise_dirs()
            if d.name == name and (not stage_part or d.parent.name == stage_part)
        ]
        if not candidates:
            names = sorted({d.name for d in self.exercise_dirs()})
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            if close:
                raise ExerciseError(
                    msg(
                        "unknown exercise {slug}; did you mean {close}? "
                        "(`grader list` shows them all)",
                        slug=repr(slug),
                        close=close[0],
                    )
                )
            raise ExerciseError(
                msg(
                    "unknown exercise {slug}; run `grader list` to see them "
                    "(known: {known})",
                    slug=repr(slug),
                    known=", ".join(names) or "none",
                )
            )
        if len(candidates) > 1:
            raise ExerciseError(
                f"{slug!r} matches several exercises; name it as stage<N>/{name}"
            )
        return load_exercise(candidates[0])
