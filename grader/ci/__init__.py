"""Grading a student's repository in CI: which workspaces, the job summary, annotations,
and the GitHub Actions workflow or GitLab pipeline that runs it all (`grader ci`,
`grader init ci`)."""

from grader.ci.annotations import (
    Annotation,
    annotations_for,
    github_command,
    plain_line,
)
from grader.ci.changes import ChangesError, changed_files, touched_workspaces
from grader.ci.run import DEFAULT_OUT, CiRun, GradedWorkspace, grade_repository
from grader.ci.summary import append_summary, render_summary
from grader.ci.workflow import WORKFLOW_PATH, default_repo, write_workflow

__all__ = [
    "DEFAULT_OUT",
    "WORKFLOW_PATH",
    "Annotation",
    "ChangesError",
    "CiRun",
    "GradedWorkspace",
    "annotations_for",
    "append_summary",
    "changed_files",
    "default_repo",
    "github_command",
    "grade_repository",
    "plain_line",
    "render_summary",
    "touched_workspaces",
    "write_workflow",
]
