"""The hostile-submission corpus: every case tries to forge or break grading in Docker.

Each folder in `adversarial_cases/` is a workspace for the word-count fixture exercise: a
BROKEN solution (so a pass could only come from forgery) plus an attack, and an
`expect.json` with the safe outcome; a case may add hidden tests to its copy of the
exercise in `hidden_extra/` (never part of the workspace). Each case is graded once (the
state case twice) with the real Docker backend, and every case must end in:

- no false pass: the hidden tests never score more than an honest broken solution would,
  and the tests the broken code cannot pass are not "passed";
- a scorecard that validates against the schema and can be written as UTF-8;
- no hidden-test or reference source anywhere in the scorecard;
- nothing left behind: no container of the job, no process in it or naming it, no job
  folder, an unchanged workspace, no marker file the attack tried to drop on the host.

expect.json keys (all optional except "attack"):
  attack            what the submission tries
  limits            exercise.toml [limits] overrides, e.g. {"run_seconds": 20}
  status            allowed overall statuses (default ["fail", "error"])
  checks            {check id: allowed statuses}, e.g. {"flake8": ["fail"]}
  max_tests_score   the hidden tests' score ceiling (default: the honest broken score)
  not_passed        hidden test names that must not pass (default: those {} / [] fail)
  not_submitted     workspace files that must stay out of the submission
  includes          strings the scorecard JSON must contain (evidence the attack ran)
  excludes          strings the scorecard JSON must not contain
  links             {workspace path: "reference:<file>" | absolute target} symlinks to make
  stale_pyc         {workspace .pyc path: "reference:<file>"} compiled, unchecked-hash
  runs              gradings of the same submission (default 1)
  settle_seconds    wait before the leftover checks (late writers)
  harness_bug       a known hole this case exposes: xfail, unless GRADER_ADVERSARIAL_STRICT=1
  backends          where the case is graded (default ["docker"]); "bwrap" for attacks whose
                    defence is not the Docker sandbox itself (the proxy's trusted end)

Evidence strings ("includes") are built at run time, never literal in a case's source: a
black diff of the submission would otherwise show them. Skipped without an engine and runner
image, unless GRADER_REQUIRE_DOCKER=1; the bwrap runs are skipped where bwrap cannot make
namespaces.
"""

from __future__ import annotations

import hashlib
import json
import os
import py_compile
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from grader.catalog import ExercisePack
from grader.catalog.model import Exercise
from grader.errors import BackendUnavailable
from grader.pipeline import grade_workspace
from grader.scorecard.caps import DIFF_CHARS, MESSAGE_CHARS, OUTPUT_CHARS
from grader.scorecard.model import Scorecard
from grader.scorecard.serialize import dumps, schema_errors, to_dict
from tests.conftest import FIXTURE_PACK, WORD_COUNT, leftover_containers

pytestmark = pytest.mark.docker

CASES = Path(__file__).parent / "adversarial_cases"
CASE_NAMES = sorted(p.parent.name for p in CASES.glob("*/expect.json"))
# Files of a case folder that describe the case rather than belong to the workspace.
NOT_WORKSPACE = ("expect.json", "hidden_extra")
MARKER = "grader-adv-marker"
# count_words -> {} and top_words -> [] pass only test_empty_text: 1 of 7 points of 70.
HONEST_BROKEN_SCORE = 10.0
BROKEN_FAILS = (
    "test_counts_each_word",
    "test_counts_ignore_case",
    "test_top_words_order",
    "test_top_words_rejects_negative_n",
)
# Free-text fields and their stated caps (plus room for the truncation marker).
CAPS = {"message": MESSAGE_CHARS, "output": OUTPUT_CHARS, "diff": DIFF_CHARS}
MARKER_ROOM = 100
EXPECT_KEYS = {
    "attack",
    "limits",
    "status",
    "checks",
    "max_tests_score",
    "not_passed",
    "not_submitted",
    "includes",
    "excludes",
    "links",
    "stale_pyc",
    "runs",
    "settle_seconds",
    "harness_bug",
    "backends",
}


def _secret_lines() -> list[str]:
    """Source lines of the hidden suite and the reference that no scorecard may show."""
    hidden = (WORD_COUNT / "hidden" / "test_word_count.py").read_text(encoding="utf-8")
    reference = (WORD_COUNT / "reference" / "word_count.py").read_text(encoding="utf-8")
    lines = [
        line.strip()
        for line in hidden.splitlines()
        if line.strip().startswith(("assert ", "with pytest.raises", "top_words("))
    ]
    lines += [
        line.strip()
        for line in reference.splitlines()
        if line.strip().startswith(("WORD =", "ranked =", "counts[word] ="))
    ]
    assert len(lines) >= 8, "the fixture exercise changed: update _secret_lines"
    return [hidden.strip(), reference.strip(), *lines]


SECRETS = _secret_lines()


@dataclass
class Case:
    name: str
    attack: str
    limits: dict[str, float] = field(default_factory=dict)
    status: list[str] = field(default_factory=lambda: ["fail", "error"])
    checks: dict[str, list[str]] = field(default_factory=dict)
    max_tests_score: float = HONEST_BROKEN_SCORE
    not_passed: list[str] = field(default_factory=lambda: list(BROKEN_FAILS))
    not_submitted: list[str] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    stale_pyc: dict[str, str] = field(default_factory=dict)
    runs: int = 1
    settle_seconds: float = 0.0
    harness_bug: str = ""
    backends: list[str] = field(default_factory=lambda: ["docker"])

    @property
    def folder(self) -> Path:
        return CASES / self.name


def load_case(name: str) -> Case:
    raw = json.loads((CASES / name / "expect.json").read_text(encoding="utf-8"))
    unknown = set(raw) - EXPECT_KEYS
    assert not unknown, f"{name}/expect.json: unknown keys {sorted(unknown)}"
    return Case(name=name, **raw)


def exercise_for(case: Case, tmp_path: Path) -> Exercise:
    """A copy of the fixture pack with the case's limits and extra hidden tests."""
    root = tmp_path / "pack"
    shutil.copytree(FIXTURE_PACK, root)
    folder = root / "stage1" / "word-count"
    toml = folder / "exercise.toml"
    text = toml.read_text(encoding="utf-8")
    for key, value in case.limits.items():
        line = f"{key} = {value}"
        if re.search(rf"^{key} =", text, flags=re.MULTILINE):
            text = re.sub(rf"^{key} =.*$", line, text, flags=re.MULTILINE)
        else:
            text = text.replace("[limits]\n", f"[limits]\n{line}\n", 1)
    toml.write_text(text, encoding="utf-8")
    extra = case.folder / "hidden_extra"
    if extra.is_dir():
        for path in extra.glob("*.py"):
            shutil.copy(path, folder / "hidden" / path.name)
    return ExercisePack(root).get("word-count")


def workspace_for(case: Case, dest: Path) -> Path:
    shutil.copytree(case.folder, dest, ignore=shutil.ignore_patterns(*NOT_WORKSPACE))
    for rel, target in case.links.items():
        link = dest / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(_resolve_source(target))
    for rel, source in case.stale_pyc.items():
        pyc = dest / rel
        pyc.parent.mkdir(parents=True, exist_ok=True)
        py_compile.compile(
            str(_resolve_source(source)),
            cfile=str(pyc),
            dfile=rel,
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    return dest


def _resolve_source(spec: str) -> Path:
    if spec.startswith("reference:"):
        return WORD_COUNT / "reference" / spec.split(":", 1)[1]
    return Path(spec)


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under `folder`: file hashes, link targets, directories."""
    state: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            state[rel] = "link:" + os.readlink(path)
        elif path.is_file():
            state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            state[rel] = "dir"
    return state


def describe(card: Scorecard) -> str:
    """A short view of a scorecard for assertion messages."""
    lines = [f"{card.status} {card.score}/{card.max_score}: {card.message[:300]}"]
    for check in card.checks:
        lines.append(
            f"  {check.id} {check.status} {check.score}: {check.message[:200]!r}"
        )
    tests = card.check("tests")
    for test in tests.details.get("tests", []) if tests else []:
        lines.append(f"    {test['id']} {test['status']}: {test['message'][:120]!r}")
    return "\n".join(lines)


def assert_no_false_pass(card: Scorecard, case: Case, exercise: Exercise) -> None:
    view = describe(card)
    assert card.status in case.status, view
    assert card.status != "pass", view
    tests = card.check("tests")
    assert tests is not None, view
    assert tests.status != "pass", view
    assert tests.score < tests.max_score, view
    assert tests.score <= case.max_tests_score + 1e-9, view
    for test in tests.details.get("tests", []):
        if test["id"].split("::")[-1] in case.not_passed:
            assert test["status"] != "passed", view
    for check_id, allowed in case.checks.items():
        check = card.check(check_id)
        assert check is not None and check.status in allowed, view
    assert card.score <= card.max_score, view


def assert_valid_card(card: Scorecard, case: Case, exercise: Exercise) -> str:
    document = to_dict(card)
    assert schema_errors(document) == []
    assert capped_fields(document) == []
    text = dumps(card)
    text.encode("utf-8")  # `grader submit` writes it as UTF-8: no lone surrogates
    submitted = {f.path for f in card.submission.files}
    assert submitted <= set(exercise.submitted_files)
    for rel in case.not_submitted:
        assert rel not in submitted
    for secret in SECRETS:
        assert secret not in text, f"hidden or reference source leaked: {secret[:60]!r}"
    for needle in case.includes:
        assert needle in text, f"{needle!r} not in the scorecard:\n{describe(card)}"
    for needle in case.excludes:
        assert needle not in text, f"{needle!r} is in the scorecard:\n{describe(card)}"
    return text


def capped_fields(value: Any, path: str = "") -> list[str]:
    """Free-text fields longer than their cap, anywhere in a scorecard document."""
    over = []
    if isinstance(value, dict):
        for key, item in value.items():
            limit = CAPS.get(key)
            if isinstance(item, str) and limit and len(item) > limit + MARKER_ROOM:
                over.append(f"{path}.{key}: {len(item)} characters")
            over += capped_fields(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            over += capped_fields(item, f"{path}[{index}]")
    return over


def leftover_processes(card: Scorecard, ids: list[str]) -> list[str]:
    """Host processes inside the job's containers or naming the job's folder."""
    job = f"grader-{card.submission.sha256[:12]}-"
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cgroup = (proc / "cgroup").read_text()
        except OSError:  # the process ended while we looked
            continue
        if proc.name == str(os.getpid()):
            continue
        if job in cmdline or any(i in cgroup for i in ids):
            found.append(f"{proc.name}: {cmdline[:200]}")
    return found


def leftover_files(card: Scorecard) -> list[str]:
    """The job folder, and anything named like the attacks' markers, on the host."""
    job = f"grader-{card.submission.sha256[:12]}-"
    tmp = Path(tempfile.gettempdir())
    found = [str(p) for p in tmp.glob(f"{job}*")]
    roots = [tmp, Path.home(), Path("/dev/shm"), Path("/job"), Path.cwd(), CASES]
    for root in roots:
        if root.is_dir():
            found += [str(p) for p in root.glob(f"*{MARKER}*")]
            found += [str(p) for p in root.glob(f"*/*{MARKER}*")]
    return found


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hostile_submission_is_graded_safely(
    name: str,
    docker_backend,
    created_containers: list[str],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    case = load_case(name)
    if "docker" not in case.backends:
        pytest.skip("this case is graded on other backends only")
    grade_case_safely(case, docker_backend, created_containers, tmp_path, request)
    assert leftover_containers(docker_backend.client, created_containers) == []


BWRAP_CASES = [n for n in CASE_NAMES if "bwrap" in load_case(n).backends]


@pytest.mark.parametrize("name", BWRAP_CASES)
def test_hostile_submission_is_graded_safely_under_bwrap(
    name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from grader.runner.bwrap_backend import BwrapBackend, bwrap_available

    if not bwrap_available():
        pytest.skip("bwrap cannot create namespaces here")
    grade_case_safely(load_case(name), BwrapBackend(), [], tmp_path, request)


def grade_case_safely(
    case: Case,
    backend: Any,
    containers: list[str],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    if case.harness_bug and os.environ.get("GRADER_ADVERSARIAL_STRICT") != "1":
        request.applymarker(pytest.mark.xfail(reason=case.harness_bug, strict=False))
    exercise = exercise_for(case, tmp_path)
    source = snapshot(case.folder)
    for run in range(case.runs):
        workspace = workspace_for(case, tmp_path / f"workspace-{run}")
        before = snapshot(workspace)
        card = grade_workspace(workspace, exercise=exercise, backend=backend)
        if case.settle_seconds:
            time.sleep(case.settle_seconds)
        assert snapshot(workspace) == before, "the grading run changed the workspace"
        assert leftover_processes(card, containers) == []
        assert leftover_files(card) == []
        assert_valid_card(card, case, exercise)
        assert_no_false_pass(card, case, exercise)
    assert snapshot(case.folder) == source


def test_every_case_is_well_formed() -> None:
    """Each case has a broken solution, its own tests, and a known-key expect.json."""
    assert len(CASE_NAMES) >= 30
    for name in CASE_NAMES:
        case = load_case(name)
        assert case.attack, name
        assert (case.folder / "word_count.py").is_file(), name
        assert (case.folder / "tests" / "test_word_count.py").is_file(), name
