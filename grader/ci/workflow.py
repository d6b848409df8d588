"""`grader init ci`: the GitHub Actions workflow that runs `grader ci` on a student's fork."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from grader.gitcmd import repo_root
from grader.errors import GraderError
from grader.files import write_atomic

WORKFLOW_PATH = Path(".github") / "workflows" / "grader.yml"


class WorkflowExists(GraderError):
    """The workflow file is there already and --force was not given."""


def workflow_text() -> str:
    """The workflow, as shipped in the package (grader/ci/grader.yml)."""
    return resources.files("grader.ci").joinpath("grader.yml").read_text("utf-8")


def default_repo(cwd: Path) -> Path:
    """The repository root holding `cwd` (GitHub reads workflows only there), else `cwd`."""
    return repo_root(cwd) or cwd.resolve()


def write_workflow(*, repo: Path, force: bool) -> Path:
    """Write `.github/workflows/grader.yml` under `repo`; refuse to replace one unless
    `force`. Returns the path written."""
    if not repo.is_dir():
        raise GraderError(f"{repo} is not a folder; give --repo your repository's root")
    path = repo / WORKFLOW_PATH
    if path.exists() and not force:
        raise WorkflowExists(
            f"{path} already exists and was left as it is; "
            "rerun with --force to replace it with grader's workflow"
        )
    write_atomic(path, workflow_text(), folder=repo)
    return path
