"""Criteria judged from git: conventional commit messages, a model version tag, a remote."""

from __future__ import annotations

import re

from grader.stages.model import Evaluate, Finding, StageContext

# https://www.conventionalcommits.org: `type(scope)!: summary`; types are case-insensitive.
CONVENTIONAL = re.compile(
    r"^(feat|fix|docs|style|refactor|perf|test|build|ci|chore|revert)"
    r"(\([^()\r\n]+\))?!?: \S",
    re.IGNORECASE,
)
# v1.2.0, model-v1.2.0, v1.0.0-model, 1.2.0
VERSION_TAG = re.compile(
    r"^(model[-_/]?)?v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$", re.IGNORECASE
)
SHOWN = 5


def conventional_commits(threshold: float) -> Evaluate:
    """At least `threshold` % of the commit subjects (merges left out) are conventional."""

    def evaluate(ctx: StageContext) -> Finding:
        git = ctx.git
        if not git.is_repo:
            return Finding(False, git.problem, git.next_step)
        if not git.commits:
            return Finding(
                False,
                "no commits yet",
                "git add -A && git commit -m 'feat: first version of <project>'",
            )
        offending = [(h, s) for h, s in git.commits if not CONVENTIONAL.match(s)]
        total = len(git.commits)
        good = total - len(offending)
        share = 100.0 * good / total
        scope = f"the last {total}" if git.truncated else f"{total}"
        evidence = (
            f"{good} of {scope} commits ({share:.0f}%) follow `type(scope): summary` "
            f"(feat, fix, docs, test, refactor, chore, ...); {threshold:g}% needed"
        )
        details = tuple(f"{h} {s}" for h, s in offending[:SHOWN])
        if share >= threshold:
            return Finding(True, evidence, details=details)
        return Finding(
            False,
            evidence,
            "write the next messages as `feat: add CSV export` or "
            "`fix(parser): handle empty lines`; the last message can be reworded with "
            "git commit --amend -m 'fix: ...' (before pushing)",
            details,
        )

    return evaluate


def version_tag(ctx: StageContext) -> Finding:
    """A git tag names a model version (model-v1.2.0, v1.0.0-model, v1.2.0)."""
    git = ctx.git
    if not git.is_repo:
        return Finding(False, git.problem, git.next_step)
    versions = [t for t in git.tags if VERSION_TAG.match(t)]
    if versions:
        return Finding(True, "version tag(s): " + ", ".join(versions[:SHOWN]))
    others = f"; other tags: {', '.join(git.tags[:SHOWN])}" if git.tags else ""
    return Finding(
        False,
        "no version tag" + others,
        "git tag -a model-v1.0.0 -m 'model v1.0.0: <what changed>' && git push --tags",
    )


def git_remote(ctx: StageContext) -> Finding:
    """The repository has a remote it is pushed to (GitHub, or another host)."""
    git = ctx.git
    if not git.is_repo:
        return Finding(False, git.problem, git.next_step)
    if git.remotes:
        return Finding(
            True, "remote(s): " + ", ".join(f"{n} → {u}" for n, u in git.remotes)
        )
    return Finding(
        False,
        "no git remote",
        "create the repository on GitHub, then git remote add origin "
        "git@github.com:<you>/<repo>.git && git push -u origin HEAD",
    )
