"""Criteria judged from the repository's files: tests, coverage, Docker, pins, CI, packaging."""

from __future__ import annotations

import re
from pathlib import Path

from grader.stages.model import Finding, StageContext
from grader.stages.repo_scan import read_text
from grader.tomlfile import TomlError, load_toml

SHOWN = 5
TEST_DIRS = ("tests", "test")
COVERAGE_REPORTS = (".coverage", "coverage.xml", "coverage.json", "coverage.lcov")
# Where coverage can be configured, and what in that file says so.
COVERAGE_CONFIG = {
    "pyproject.toml": re.compile(r"^\s*\[tool\.coverage|--cov\b", re.M),
    "setup.cfg": re.compile(r"^\s*\[coverage:|--cov\b", re.M),
    "tox.ini": re.compile(r"^\s*\[coverage:|--cov\b", re.M),
    "pytest.ini": re.compile(r"--cov\b"),
    ".coveragerc": re.compile(r"\S"),
}
LOCK_FILES = (
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
    "pdm.lock",
    "requirements.lock",
    "conda-lock.yml",
)
_FROM = re.compile(r"^\s*FROM\s+\S", re.IGNORECASE | re.MULTILINE)
_PINNED = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*===?\s*[^*,;\s]+(\s*;.*)?$"
)
_RUNS_TESTS = re.compile(r"pytest|grader\s+(ci|submit)|\btox\b|\bnox\b|make\s+test")


def is_test_file(path: Path) -> bool:
    return path.suffix == ".py" and (
        path.name.startswith("test_") or path.stem.endswith("_test")
    )


def tests_and_coverage(ctx: StageContext) -> Finding:
    """A tests folder with test files, and a coverage report or coverage configuration."""
    files = ctx.files
    tests = [
        p for p in files.files if is_test_file(p) and set(p.parts[:-1]) & set(TEST_DIRS)
    ]
    folders = sorted({str(_test_dir(p)) for p in tests})
    reports = [str(p) for p in files.named(*COVERAGE_REPORTS)]
    reports += [f"{p}/" for p in files.dirs_named("htmlcov")]
    configs = [
        str(p)
        for p in files.named(*COVERAGE_CONFIG)
        if COVERAGE_CONFIG[p.name.lower()].search(files.read(p))
    ]
    coverage = reports + [f"{c} (coverage configured)" for c in configs]
    evidence = (
        f"{len(tests)} test file(s) in {len(folders)} tests folder(s)"
        + (f" ({', '.join(folders[:SHOWN])})" if folders else "")
        + "; coverage: "
        + (
            ", ".join(coverage[:SHOWN])
            if coverage
            else "no report and no configuration"
        )
    )
    steps = []
    if not tests:
        steps.append("add tests/test_<module>.py with pytest tests")
    if not coverage:
        steps.append(
            "pip install pytest-cov && pytest --cov --cov-report=xml "
            "(or add a [tool.coverage.run] table to pyproject.toml)"
        )
    return Finding(not steps, evidence, "; ".join(steps))


def dockerfile_multistage(ctx: StageContext) -> Finding:
    """A Dockerfile, with a multi-stage build (two FROM lines or more)."""
    dockerfiles = [
        p
        for p in ctx.files.files
        if p.name == "Dockerfile"
        or p.name.endswith(".Dockerfile")
        or p.name.startswith("Dockerfile.")
    ]
    if not dockerfiles:
        return Finding(
            False,
            "no Dockerfile in the repository",
            "write a Dockerfile: FROM python:3.11-slim AS build (install requirements), "
            "then FROM python:3.11-slim with COPY --from=build",
        )
    stages = {p: len(_FROM.findall(ctx.files.read(p))) for p in dockerfiles}
    evidence = ", ".join(f"{p} ({n} stage(s))" for p, n in stages.items())
    if any(n >= 2 for n in stages.values()):
        return Finding(True, evidence)
    first = dockerfiles[0]
    return Finding(
        False,
        evidence,
        f"make {first} multi-stage: a `FROM ... AS build` stage that installs, and a final "
        "slim stage that copies only what runs (COPY --from=build)",
    )


def pinned_requirements(ctx: StageContext) -> Finding:
    """A lock file, or a requirements file in which every requirement is pinned with ==."""
    locks = [str(p) for p in ctx.files.named(*LOCK_FILES)]
    if locks:
        return Finding(True, "lock file: " + ", ".join(locks[:SHOWN]))
    requirement_files = [
        p
        for p in ctx.files.files
        if p.suffix == ".txt"
        and (p.name.startswith("requirements") or p.parent.name == "requirements")
    ]
    if not requirement_files:
        return Finding(
            False,
            "no requirements file and no lock file",
            "pip freeze > requirements.txt (or pip-compile requirements.in)",
        )
    summary, unpinned_all, fully = [], [], []
    for path in requirement_files:
        requirements = _requirements(ctx.files.read(path))
        unpinned = [r for r in requirements if not _PINNED.match(r)]
        summary.append(
            f"{path}: {len(requirements) - len(unpinned)} of {len(requirements)} pinned"
        )
        unpinned_all += [f"{path}: {r}" for r in unpinned]
        if requirements and not unpinned:
            fully.append(path)
    evidence = "; ".join(summary[:SHOWN])
    if fully:
        return Finding(True, evidence)
    return Finding(
        False,
        evidence,
        f"pin every version with == in {requirement_files[0]}: "
        "pip freeze > requirements.txt (or pip-compile requirements.in)",
        tuple(unpinned_all[:SHOWN]),
    )


def ci_workflow(ctx: StageContext) -> Finding:
    """A CI workflow (GitHub Actions or GitLab CI) that runs the tests."""
    workflows_dir = ctx.repo / ".github" / "workflows"
    found = sorted(workflows_dir.glob("*.y*ml")) if workflows_dir.is_dir() else []
    gitlab = ctx.repo / ".gitlab-ci.yml"
    if gitlab.is_file():
        found.append(gitlab)
    if not found:
        return Finding(
            False,
            "no .github/workflows/*.yml and no .gitlab-ci.yml",
            "add .github/workflows/ci.yml that runs `pytest` (and flake8/black) on every push",
        )
    running = [p for p in found if _RUNS_TESTS.search(read_text(p))]
    names = ", ".join(ctx.relative(p) for p in found)
    if running:
        return Finding(True, f"{names}; runs the tests: {ctx.relative(running[0])}")
    return Finding(
        False,
        f"{names}; none of them runs pytest",
        f"add a step `run: pytest` to {ctx.relative(found[0])}",
    )


def package_metadata(ctx: StageContext) -> Finding:
    """A reusable, installable package: pyproject.toml with a name (or setup.py/setup.cfg)."""
    for path in ctx.files.named("pyproject.toml"):
        try:
            data = load_toml(ctx.files.read(path))
        except TomlError:
            continue
        project = data.get("project") or data.get("tool", {}).get("poetry") or {}
        if isinstance(project, dict) and project.get("name"):
            version = project.get("version") or "dynamic version"
            return Finding(True, f"{path}: package {project['name']!r} ({version})")
    legacy = ctx.files.named("setup.py") + [
        p for p in ctx.files.named("setup.cfg") if "[metadata]" in ctx.files.read(p)
    ]
    if legacy:
        return Finding(True, f"{legacy[0]} describes an installable package")
    return Finding(
        False,
        "no pyproject.toml with [project] name, no setup.py",
        "add pyproject.toml with [project] name, version and dependencies, "
        "then check `pip install -e .` works",
    )


def _requirements(text: str) -> list[str]:
    """Requirement lines without comments, options (-r, -e, --hash) or continuations."""
    joined = text.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        line = re.sub(r"(^|\s)#.*", "", line).strip()
        if line and not line.startswith("-"):
            found.append(re.sub(r"\s--\S+.*$", "", line).strip())
    return found


def _test_dir(path: Path) -> Path:
    for i in range(len(path.parts) - 1, 0, -1):
        if path.parts[i - 1] in TEST_DIRS:
            return Path(*path.parts[:i])
    return path.parent
