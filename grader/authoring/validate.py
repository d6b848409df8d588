"""`grader exercises validate`: prove an exercise well-formed, passable, not trivially passed."""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader.catalog.hints import HINT_FILES
from grader.catalog.loader import load_exercise
from grader.catalog.model import Exercise
from grader.errors import ExerciseError
from grader.runner import Backend
from grader.runner.submission import shadowed_module
from grader.scorecard.model import Scorecard, outcomes_of

MIN_HIDDEN_TESTS = 15
# A Git exercise's reference: the steps that resolve its generated repository.
RESOLVE_SCRIPT = "resolve.sh"


@dataclass
class Validation:
    path: Path
    slug: str
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_exercise_dir(root: Path, backend: Backend) -> Validation:
    report = Validation(path=root, slug=root.name)
    try:
        exercise = load_exercise(root)
    except ExerciseError as exc:
        report.problems.append(exc.message)
        return report
    report.slug = exercise.qualified_slug
    report.problems.extend(layout_problems(exercise))
    if report.problems:
        return report
    from grader.runner.repository import RepositoryError

    from grader.runner import BackendRefused

    try:
        _grade_both(exercise, report, backend)
    except RepositoryError as exc:
        report.problems.append(f"{exercise.root}: {exc}")
    except BackendRefused as exc:  # it says which backend to validate with
        report.problems.append(exc.message)
    return report


def _grade_both(exercise: Exercise, report: Validation, backend: Backend) -> None:
    """Grade the reference (full marks, every gate) and the starter (0, no task gate)."""
    from grader.pipeline import grade_workspace

    with graded_folder(exercise, "reference") as folder:
        reference = grade_workspace(folder, exercise=exercise, backend=backend)
    report.problems.extend(reference_problems(reference))
    report.problems.extend(suite_problems(exercise, reference))
    tests = reference.check("tests")
    if tests is not None:
        report.facts.append(f"{len(tests.details.get('tests', []))} hidden tests")
    coverage = reference.check("coverage")
    if coverage is not None and "percent" in coverage.details:
        report.facts.append(f"reference coverage {coverage.details['percent']:.1f}%")
    with graded_folder(exercise, "starter") as folder:
        starter = grade_workspace(folder, exercise=exercise, backend=backend)
    report.problems.extend(starter_problems(exercise, starter))


@contextmanager
def graded_folder(exercise: Exercise, which: str) -> Iterator[Path]:
    """The folder graded as the starter or the reference.

    A Git exercise has no such folder: its starter is the repository its generator
    creates (stopped mid-merge), its reference that repository after reference/resolve.sh.
    """
    if exercise.repository is None:
        yield exercise.starter_dir if which == "starter" else exercise.reference_dir
        return
    from grader.runner.repository import apply_script, generate_repository

    with tempfile.TemporaryDirectory(prefix=f"grader-{which}-") as scratch:
        repo = Path(scratch) / exercise.slug
        repo.mkdir()
        generate_repository(exercise, repo)
        if which == "reference":
            apply_script(exercise.reference_dir / RESOLVE_SCRIPT, repo, exercise)
        yield repo


def starter_problems(exercise: Exercise, starter: Scorecard) -> list[str]:
    """An untouched starter fails the verdict, every task's gate, and scores 0."""
    where = exercise.starter_dir
    problems = []
    if starter.status == "pass":
        problems.append(f"{where}: the untouched starter passes; the stubs must fail")
    for gate in starter.gates:
        if gate.task is not None and gate.held:
            problems.append(
                f"{where}: the starter already reaches task {gate.task}'s minimum; "
                "mark the tests that carry the task's lesson `core`, or stub more"
            )
    if starter.score > 0:
        problems.append(
            f"{where}: the untouched starter scores {starter.score:g}; it must score 0 "
            "(a hidden test it passes earns points, and with them the engineering checks')"
        )
    return problems


def layout_problems(exercise: Exercise) -> list[str]:
    root = exercise.root
    problems = []
    for name in ("instructions.md", "instructions.zh.md"):
        if not (root / name).is_file():
            problems.append(f"{root / name}: missing")
    folders = [exercise.reference_dir]
    # A Git exercise has no starter folder: its starter is its generated repository.
    if exercise.repository is None:
        folders.insert(0, exercise.starter_dir)
    elif not (exercise.reference_dir / RESOLVE_SCRIPT).is_file():
        problems.append(
            f"{exercise.reference_dir / RESOLVE_SCRIPT}: missing; a Git exercise's "
            "reference is its generated repository after this script's resolution"
        )
    for folder in folders:
        for rel in exercise.solution_files + exercise.test_files:
            if not (folder / rel).is_file():
                problems.append(f"{folder / rel}: missing")
    for rel in exercise.submitted_files:
        shadowed = shadowed_module(rel)
        if shadowed:
            problems.append(
                f"{root}: files.{rel} shadows the {shadowed!r} module; rename it"
            )
    if not list(exercise.hidden_dir.glob("test_*.py")):
        problems.append(f"{exercise.hidden_dir}: no test_*.py files")
    if exercise.slug != root.name:
        problems.append(f"{root}: folder name differs from slug {exercise.slug!r}")
    if root.parent.name != f"stage{exercise.stage}":
        problems.append(
            f"{root}: lies under {root.parent.name}/ but says stage = {exercise.stage}"
        )
    for task in exercise.tasks:
        for language, hint in (("en", task.hint_en), ("zh", task.hint_zh)):
            if not hint:
                problems.append(
                    f"{root / HINT_FILES[language]}: task {task.id} has no hint "
                    "(a `## Task N` section; see docs/exercise-format.md)"
                )
    for name, pattern in (
        ("instructions.md", r"Task\s+{n}\b"),
        ("instructions.zh.md", r"任务\s*{n}\b"),
    ):
        path = root / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for task in exercise.tasks:
                if not re.search(pattern.format(n=task.id), text):
                    problems.append(f"{path}: task {task.id} has no section")
    return problems


def reference_problems(card: Scorecard) -> list[str]:
    """The reference passes with full marks and holds every gate."""
    problems = [
        f"reference: {c.id} scored {c.score:g}/{c.max_score:g} ({c.status}): {c.message}"
        for c in card.checks
        if c.score < c.max_score or c.status != "pass"
    ]
    problems += [
        f"reference: a gate does not hold: {g.why}" for g in card.gates if not g.held
    ]
    return problems


def suite_problems(exercise: Exercise, card: Scorecard) -> list[str]:
    tests_check = card.check("tests")
    if tests_check is None:
        return ["the exercise has no tests check"]
    tests = outcomes_of(tests_check)
    problems = []
    if len(tests) < MIN_HIDDEN_TESTS:
        problems.append(
            f"hidden suite has {len(tests)} tests; at least {MIN_HIDDEN_TESTS} are needed"
        )
    for what, values in (
        ("test id", [t.id for t in tests]),
        ("title", [t.title for t in tests]),
    ):
        for value, count in Counter(values).items():
            if count > 1:
                problems.append(f"hidden suite: {what} {value!r} is used {count} times")
    for t in tests:
        if t.task not in exercise.task_ids():
            problems.append(
                f"hidden test {t.id}: task {t.task!r} is not one of the exercise's tasks"
            )
        if t.title == t.id.rsplit("::", 1)[-1]:
            problems.append(
                f"hidden test {t.id}: no docstring (its first line is the title)"
            )
    covered_tasks = {t.task for t in tests}
    core_tasks = {t.task for t in tests if t.core}
    for task in exercise.tasks:
        if task.id not in covered_tasks:
            problems.append(f"task {task.id} ({task.title_en}) has no hidden test")
        elif task.id not in core_tasks:
            problems.append(
                f"task {task.id} ({task.title_en}) has no core test: mark the tests "
                "that carry its lesson with @pytest.mark.core"
            )
    return problems
