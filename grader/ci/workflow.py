"""`grader init ci`: the GitHub Actions workflow (or GitLab pipeline) that runs `grader ci`
on a student's fork, installing grader from a source a CI runner can reach."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata, resources
from pathlib import Path

from grader.ci.install_source import DISTRIBUTION
from grader.ci.run import DEFAULT_OUT
from grader.errors import GraderError
from grader.files import write_atomic
from grader.gitcmd import repo_root

WORKFLOW_PATH = Path(".github") / "workflows" / "grader.yml"
GITLAB_PATH = Path(".gitlab-ci.yml")
SPEC_PLACEHOLDER = "__GRADER_PIP_SPEC__"
TEMPLATES = {WORKFLOW_PATH: "grader.yml", GITLAB_PATH: "gitlab-ci.yml"}


class WorkflowExists(GraderError):
    """The workflow file is there already and --force was not given."""


def workflow_text(spec: str, *, gitlab: bool = False) -> str:
    """The workflow (grader/ci/grader.yml) or pipeline (gitlab-ci.yml) installing `spec`."""
    if not spec.strip() or any(c in spec for c in "\r\n\0"):
        raise GraderError(
            f"--install-from {spec!r} is not a pip requirement: give one line, such as "
            f"{DISTRIBUTION}==0.1.0"
        )
    name = TEMPLATES[GITLAB_PATH if gitlab else WORKFLOW_PATH]
    text = resources.files("grader.ci").joinpath(name).read_text("utf-8")
    # A JSON string is a double-quoted YAML scalar: any spec stays one value.
    return text.replace(SPEC_PLACEHOLDER, json.dumps(spec))


def default_repo(cwd: Path) -> Path:
    """The repository root holding `cwd` (CI reads workflows only there), else `cwd`."""
    return repo_root(cwd) or cwd.resolve()


def write_workflow(*, repo: Path, force: bool, spec: str, gitlab: bool = False) -> Path:
    """Write `.github/workflows/grader.yml` (or `.gitlab-ci.yml`) under `repo`, and have
    git ignore the scorecards `grader ci` copies; refuse to replace a workflow unless
    `force`. Returns the path written."""
    if not repo.is_dir():
        raise GraderError(f"{repo} is not a folder; give --repo your repository's root")
    path = repo / (GITLAB_PATH if gitlab else WORKFLOW_PATH)
    if path.exists() and not force:
        raise WorkflowExists(
            f"{path} already exists and was left as it is; "
            "rerun with --force to replace it with grader's"
        )
    text = workflow_text(spec, gitlab=gitlab)
    write_atomic(path, text, folder=repo)
    ignore_scorecards(repo)
    return path


def ignore_scorecards(repo: Path) -> bool:
    """Add `grader-scorecards/` to the repository's .gitignore unless it is there.
    Returns whether the file changed."""
    entry = f"{DEFAULT_OUT}/"
    gitignore = repo / ".gitignore"
    text = gitignore.read_text(encoding="utf-8") if gitignore.is_file() else ""
    same = {DEFAULT_OUT, entry, f"/{DEFAULT_OUT}", f"/{entry}"}
    if any(line.strip() in same for line in text.splitlines()):
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    write_atomic(gitignore, f"{text}{entry}\n", folder=repo)
    return True


def image_cache_key(spec: str, base: str) -> str:
    """The CI cache key of the runner image: it changes with this grader's version, where
    it came from, the Dockerfile it builds from and the base image."""
    dockerfile = resources.files("grader").joinpath("_build_context/Dockerfile")
    if not dockerfile.is_file():  # a checkout: the Dockerfile sits beside the package
        dockerfile = Path(__file__).resolve().parents[2] / "Dockerfile"
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        version = "unknown"
    digest = hashlib.sha256(dockerfile.read_bytes())
    # The scripts that build each stage's layer on the core shape the images too.
    for script in ("install_layer.sh", "seed_tmp.sh", "bootstrap_base.sh"):
        path = resources.files("grader.runner").joinpath(script)
        if path.is_file():
            digest.update(b"\0" + path.read_bytes())
    digest.update(f"\0{spec}\0{base}".encode())
    return f"grader-runner-{version}-{digest.hexdigest()[:20]}"
