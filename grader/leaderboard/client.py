"""Submitting a workspace to a class server and waiting for its scorecard.

Used by `grader submit --server` and `grader ci --server`. Only the files grading reads are
sent: the exercise's allow-list when this machine knows the exercise, else the workspace's
Python sources (the server applies its own allow-list either way). A Git exercise's
repository travels as `repository.bundle`, made and refused exactly as `grader submit` does.
"""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from grader.catalog import ExercisePack
from grader.catalog.model import BUNDLE_NAME, Exercise
from grader.errors import ExerciseError, GraderError
from grader.gitcmd import repo_root
from grader.runner.repository import bundle_repository
from grader.runner.submission import INFLUENTIAL
from grader.scorecard import serialize
from grader.scorecard.model import Scorecard

REQUEST_SECONDS = 60.0
FIRST_POLL, MAX_POLL = 0.5, 5.0
FALLBACK_NAMES = ("Dockerfile", "requirements.txt")
SKIPPED_FOLDERS = {"__pycache__", "node_modules", "venv", "env", "site-packages"}
MAX_FILES = 200


class ServerError(GraderError):
    """The class server refused the submission or could not grade it."""


class ServerUnreachable(ServerError):
    """No answer from the server at all."""


class ServerAuthError(ServerError):
    """The token was missing, wrong or not allowed to do this."""


def submit_to_server(
    *,
    server: str,
    token: str,
    slug: str,
    workspace: Path,
    progress: Callable[[str], None] | None = None,
    timeout: float = 900.0,
) -> Scorecard:
    """Upload the workspace for `slug`, wait (at most `timeout` s) and return the scorecard.

    `progress` receives one short line whenever something changes (uploaded, place in the
    queue, grading). Refusals and failures raise ServerError subclasses with the server's
    own message; an unreachable server is ServerUnreachable.
    """
    say = progress or (lambda _line: None)
    base = server.rstrip("/") + "/"
    archive, count = pack_workspace(workspace, slug)
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=REQUEST_SECONDS) as http:
        say(f"uploading {count} files ({len(archive) / 1024:.1f} KB) to {base}")
        accepted = _call(
            http,
            "POST",
            "api/v1/submissions",
            server=base,
            data={"exercise": slug},
            files={"archive": ("workspace.tar.gz", archive, "application/gzip")},
        )
        status_url = urljoin(base, str(accepted["status_url"]))
        say(f"submission {accepted['id']} accepted")
        card = _wait(http, status_url, base, deadline, timeout, say)
        try:  # the grade under the deadline rules, and any regrade: as `grader status`
            view = _call(http, "GET", "api/v1/me", server=base)
        except ServerError:
            return card  # an older server: the scorecard is what counts
        for line in status_lines(view, submission=str(accepted["id"])):
            say(line)
        return card


def fetch_status(*, server: str, token: str) -> dict[str, Any]:
    """The student's own view from the server: grades, deadlines, submissions, regrades."""
    base = server.rstrip("/") + "/"
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=REQUEST_SECONDS) as http:
        return _call(http, "GET", "api/v1/me", server=base)


def status_lines(view: dict[str, Any], *, submission: str | None = None) -> list[str]:
    """What a student reads: each exercise's grade and deadline, the latest submissions,
    and every regrade that changed a score. With `submission`, only that one's rule and
    the regrades."""
    lines: list[str] = []
    for sub in view.get("submissions", []):
        if sub.get("id") == submission:
            grade = sub.get("grade")
            shown = (
                f"grade {grade:g}" if isinstance(grade, (int, float)) else "no grade"
            )
            lines.append(f"{sub.get('exercise')}: {shown} ({sub.get('note')})")
    if submission is None:
        deadlines = {d["exercise"]: d for d in view.get("deadlines", [])}
        lines.append(
            f"{view.get('student')} ({view.get('student_id')}), times in {view.get('timezone')}"
        )
        for cell in view.get("exercises", []):
            d = deadlines.get(cell["exercise"], {})
            due = "no deadline"
            if d.get("due"):
                extended = " (extended)" if d.get("extended") else ""
                due = f"due {d['due']}{extended}; {d.get('state', '')}"
            mark = " passed" if cell.get("passed") else ""
            lines.append(
                f"  {cell['exercise']}: {cell['grade']:g}/{cell['max_score']:g}{mark}; "
                f"{due}"
            )
        for sub in view.get("submissions", [])[:10]:
            score = sub.get("score")
            lines.append(
                f"  {sub['submitted_local']}  {sub['exercise']}  "
                f"{'%g/%g' % (score, sub['max_score']) if score is not None else sub['status']}"
                f"  {sub['note']}"
            )
    for change in view.get("regrades", []):
        lines.append(
            f"regraded {change['exercise']}: {change.get('old_score')} -> "
            f"{change.get('new_score')} ({change.get('reason') or 'no reason given'})"
        )
    return lines


def pack_workspace(workspace: Path, slug: str) -> tuple[bytes, int]:
    """The files to send as a tar.gz (no links, no metadata), and how many there are."""
    root = workspace.resolve()
    exercise: Exercise | None = None
    try:
        exercise = ExercisePack().get(slug)
        names = [rel for rel in exercise.submitted_files if _regular(root / rel, root)]
    except ExerciseError:  # an exercise of the teacher's own pack: send the sources
        names = _sources(root)
    extra = _bundle(root, exercise) if exercise is not None else {}
    if not names and not extra:
        raise ServerError(
            f"{root} holds none of the files of {slug}; run this in your exercise folder"
        )
    if len(names) > MAX_FILES:
        raise ServerError(
            f"{root} holds {len(names)} source files, more than the {MAX_FILES} a "
            "server accepts; submit from the exercise's own folder"
        )
    buffer = io.BytesIO()
    contents = {rel: (root / rel).read_bytes() for rel in names} | extra
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for rel, data in sorted(contents.items()):
            info = tarfile.TarInfo(rel)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue(), len(contents)


def _bundle(root: Path, exercise: Exercise) -> dict[str, bytes]:
    """A Git exercise's repository as its bundle; the same refusals as `grader submit`."""
    if exercise.repository is None:
        return {}
    outer = repo_root(root) if not (root / ".git").exists() else None
    if outer is not None and outer != root:
        # `grader ci` in a student's repository: the exercise's own repository is not
        # committed with the outer one, so a checkout of it never holds the history.
        raise ServerError(
            f"{exercise.qualified_slug} is graded from its own git repository, and "
            f"{root} has none: it lies inside the repository {outer}, which does not "
            "carry a repository nested in it. Submit this exercise from the folder "
            "where you made its commits, with `grader submit --server`"
        )
    data, problems = bundle_repository(root, exercise)
    if problems:
        raise ServerError("; ".join(problem.text for problem in problems))
    return {BUNDLE_NAME: data}


def _wait(
    http: httpx.Client,
    status_url: str,
    base: str,
    deadline: float,
    timeout: float,
    say: Callable[[str], None],
) -> Scorecard:
    delay, last = FIRST_POLL, ""
    while True:
        try:
            status = _call(http, "GET", status_url, server=base)
        except ServerUnreachable:
            # A restarting server keeps its queue: keep asking until the deadline.
            status = {"status": "unreachable"}
        state = str(status["status"])
        if state == "done":
            return _scorecard(status.get("scorecard"), base)
        if state == "error":
            raise ServerError(
                f"the server could not grade the submission: {status.get('message')}"
            )
        delayed = status.get("delayed")
        line = {
            "queued": (
                str(delayed)
                if delayed
                else f"queued: number {status.get('position')} in line"
            ),
            "running": "grading…",
            "unreachable": "the server is not answering; still trying",
        }.get(state, state)
        if line != last:
            say(line)
            last = line
        if time.monotonic() + delay > deadline:
            raise ServerError(
                f"no scorecard after {timeout:g} s (still {state}); it will be graded "
                f"anyway: look at {status_url} later"
            )
        time.sleep(delay)
        delay = min(delay * 1.5, MAX_POLL)


def _call(
    http: httpx.Client, method: str, url: str, *, server: str, **kwargs: Any
) -> dict[str, Any]:
    try:
        response = http.request(method, url, **kwargs)
    except httpx.TransportError as exc:
        raise ServerUnreachable(
            f"cannot reach the grading server at {server} ({exc.__class__.__name__}: "
            f"{exc}); check --server (or GRADER_SERVER) and that the server is running"
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ServerError(
            f"{server} answered {response.status_code} without a grader message; "
            "is it a grader server?"
        )
    if response.status_code >= 400:
        message = str(body.get("message") or body.get("detail") or body)
        if response.status_code in (401, 403):
            raise ServerAuthError(
                f"{message} (the token comes from --token or GRADER_TOKEN)"
            )
        raise ServerError(f"the server refused: {message}")
    return body


def _scorecard(document: Any, server: str) -> Scorecard:
    try:
        if not isinstance(document, dict):
            raise ValueError("no scorecard in the answer")
        return serialize.from_dict(document)
    except (ValueError, TypeError) as exc:
        raise ServerError(
            f"{server} sent a scorecard this grader cannot read ({exc}); "
            "the server and this grader may be different versions"
        ) from None


def _regular(path: Path, root: Path) -> bool:
    return (
        path.is_file() and not path.is_symlink() and path.resolve().is_relative_to(root)
    )


def _sources(root: Path) -> list[str]:
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(p.startswith(".") or p in SKIPPED_FOLDERS for p in rel.parts[:-1]):
            continue
        if rel.name in INFLUENTIAL or rel.name.startswith("."):
            continue
        if (path.suffix == ".py" or rel.name in FALLBACK_NAMES) and _regular(
            path, root
        ):
            found.append(rel.as_posix())
    return found
