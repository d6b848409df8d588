"""A Git exercise's repository on the host: generated at `grader start`, sent as a bundle.

Git runs here with a clean environment: the user's global and system configuration take
no part (a generated repository is the same on every machine, its hashes included), no
prompt, no hook, no fsmonitor.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from grader.catalog.model import Exercise
from grader.i18n.message import Message, both, msg

GENERATE_SECONDS = 60.0
GIT_SECONDS = 60.0
# What the student's repository must not be in the middle of, and how to finish it.
_MERGE, _REBASE = both("a merge", "合并"), both("a rebase", "变基")
_UNFINISHED = (
    ("MERGE_HEAD", _MERGE, "`git commit` (or `git merge --continue`)"),
    ("CHERRY_PICK_HEAD", both("a cherry-pick", "拣选"), "`git cherry-pick --continue`"),
    ("REVERT_HEAD", both("a revert", "还原"), "`git revert --continue`"),
    ("rebase-merge", _REBASE, "`git rebase --continue` (or `git rebase --abort`)"),
    ("rebase-apply", _REBASE, "`git rebase --continue` (or `git rebase --abort`)"),
)
# Options that keep the repository's own settings from running anything.
SAFE_OPTIONS = ("-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false")


# A bundle made (and checked) on the student's machine, as a class server stores it: its
# worker grades the bytes that were sent, with no repository on the server's disk.
_STORED: ContextVar[bytes | None] = ContextVar("stored_bundle", default=None)


@contextmanager
def stored_bundle(data: bytes) -> Iterator[None]:
    """While inside, `bundle_repository` answers `data` instead of reading a workspace."""
    token = _STORED.set(data)
    try:
        yield
    finally:
        _STORED.reset(token)


class RepositoryError(Exception):
    """A generator or a script that failed; the message says which and why."""


def clean_git_env(home: Path) -> dict[str, str]:
    """Only what git needs: no global or system config, no inherited GIT_* variable."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "TMPDIR", "SYSTEMROOT")}
    env.update(
        HOME=str(home),
        LC_ALL="C",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_TERMINAL_PROMPT="0",
        GIT_EDITOR="true",
        GIT_AUTHOR_NAME="Grader",
        GIT_AUTHOR_EMAIL="grader@example.invalid",
        GIT_COMMITTER_NAME="Grader",
        GIT_COMMITTER_EMAIL="grader@example.invalid",
    )
    return env


def generate_repository(exercise: Exercise, dest: Path) -> None:
    """Run the exercise's generator: it creates the starter repository in `dest`."""
    script = exercise.generator_path
    if script is None:
        raise RepositoryError(f"{exercise.qualified_slug} is not a Git exercise")
    command = [sys.executable, "-I", str(script.resolve()), str(dest.resolve())]
    _run(command, dest, script)


def apply_script(script: Path, repo: Path, exercise: Exercise) -> None:
    """Run an author's shell script (a resolution, a wrong answer) inside `repo`.

    The script finds the exercise's reference files through $REFERENCE.
    """
    extra = {"REFERENCE": str(exercise.reference_dir.resolve())}
    _run(["sh", "-eu", str(script.resolve())], repo, script, extra)


def _run(
    command: list[str], cwd: Path, script: Path, extra: dict[str, str] | None = None
) -> None:
    with tempfile.TemporaryDirectory(prefix="grader-git-home-") as home:
        env = {**clean_git_env(Path(home)), **(extra or {})}
        try:
            done = subprocess.run(
                command,
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=GENERATE_SECONDS,
                check=False,
            )
        except FileNotFoundError as exc:
            raise RepositoryError(
                f"cannot run {script}: {exc.filename} is not installed"
            ) from None
        except subprocess.TimeoutExpired:
            raise RepositoryError(
                f"{script} ran longer than {GENERATE_SECONDS:g} s and was stopped"
            ) from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise RepositoryError(
            f"{script} failed (exit code {done.returncode}): " + " | ".join(tail)
        )


def bundle_repository(
    workspace: Path, exercise: Exercise
) -> tuple[bytes, list[Message]]:
    """`git bundle create --all` of the workspace's repository, or the problems that stop it.

    The repository must sit at the workspace's root, be in no merge, rebase or cherry-pick,
    and have no uncommitted change to a tracked or graded file: what is graded is what was
    committed.
    """
    assert exercise.repository is not None
    stored = _STORED.get()
    if stored is not None:
        return stored, []
    git_dir = workspace / ".git"
    if git_dir.is_symlink() or not git_dir.is_dir():
        return b"", [
            msg(
                "{workspace} is not a git repository (no .git folder at its root); "
                "this exercise is graded from its repository: start again with "
                "`grader start {slug} NEW_DIR` and redo your commits there",
                workspace=str(workspace),
                slug=exercise.slug,
            )
        ]
    for name, what, finish in _UNFINISHED:
        if (git_dir / name).exists():
            return b"", [
                msg(
                    "{what} is still in progress in {workspace}; finish it with "
                    "{finish}, then submit again",
                    what=what,
                    workspace=str(workspace),
                    finish=finish,
                )
            ]
    with tempfile.TemporaryDirectory(prefix="grader-bundle-") as scratch:
        home = Path(scratch)
        status = _git(
            workspace, home, "status", "--porcelain=v1", "-z", "--untracked-files=all"
        )
        if status.returncode != 0:
            return b"", [
                msg(
                    "git cannot read the repository in {workspace}: {error}; repair it "
                    "or start again",
                    workspace=str(workspace),
                    error=_last_line(status.stderr),
                )
            ]
        changed = _uncommitted(status.stdout, exercise)
        if changed:
            shown = ", ".join(p.decode("utf-8", "replace") for p in changed[:5])
            more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
            return b"", [
                msg(
                    "uncommitted changes in {workspace}: {files}; commit them "
                    "(`git add`, `git commit`) or remove them: only committed work is "
                    "graded",
                    workspace=str(workspace),
                    files=shown + more,
                )
            ]
        bundle = home / "repository.bundle"
        done = _git(
            workspace, home, "bundle", "create", "--quiet", str(bundle), "--all"
        )
        if done.returncode != 0 or not bundle.is_file():
            return b"", [
                msg(
                    "`git bundle create` failed in {workspace}: {error}; check the "
                    "repository with `git status`",
                    workspace=str(workspace),
                    error=_last_line(done.stderr),
                )
            ]
        size = bundle.stat().st_size
        limit = exercise.repository.max_bundle_kb
        if size > limit * 1024:
            return b"", [
                msg(
                    "the repository's bundle is {size} KB; the limit is {limit} KB "
                    "— keep large files out of the repository's history",
                    size=f"{size / 1024:.0f}",
                    limit=limit,
                )
            ]
        return bundle.read_bytes(), []


def _uncommitted(porcelain: bytes, exercise: Exercise) -> list[bytes]:
    """Changed tracked files, and the graded files git does not track yet.

    Other untracked files (notes, a virtual environment) are not in the bundle and change
    nothing that is graded, so they are left alone.
    """
    graded = {name.encode() for name in exercise.submitted_files}
    found = []
    entries = iter(porcelain.split(b"\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if code in (b"R ", b"C ") or code[:1] in (b"R", b"C"):
            next(entries, None)  # a rename's source follows as its own entry
        if code != b"??" or path in graded:
            found.append(path)
    return found


def _git(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = clean_git_env(home)
    command = ["git", *SAFE_OPTIONS, "--no-optional-locks", "-C", str(repo), *args]
    try:
        return subprocess.run(
            command, env=env, capture_output=True, timeout=GIT_SECONDS, check=False
        )
    except FileNotFoundError:
        return subprocess.CompletedProcess(
            command, 127, b"", b"git is not installed (or not on PATH); install git"
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(
            command, 124, b"", f"git did not answer within {GIT_SECONDS:g} s".encode()
        )


def _last_line(data: bytes) -> str:
    lines = data.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"
