"""The entrypoint that runs inside the sandbox: `python -I -m grader.sandbox.entrypoint JOB`.

It runs every in-sandbox check of the job concurrently and writes JOB/out/results.json
atomically. It never imports the submission itself: each check that runs student code does
so in a child process.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from grader.catalog.model import CheckConfig
from grader.graders.base import CheckContext, result, timed
from grader.registry.checks import declaration, runs_in
from grader.sandbox import git_bundle, jail
from grader.i18n.message import Message, msg
from grader.sandbox.progress import ProgressWriter, progress_token, use_writer
from grader.sandbox.results import RESULTS_FD_ENV, RESULTS_MAX_BYTES, RESULTS_NAME
from grader.scorecard.caps import MESSAGE_CHARS, cap_text
from grader.scorecard.model import CheckResult
from grader.files import write_atomic

# The host's own deadline is run_seconds plus a margin; this keeps inside well within it.
INSIDE_MARGIN_SECONDS = 5.0
STUDENT_UID_ENV = "GRADER_STUDENT_UID"
TRUSTED_UID_ENV = "GRADER_TRUSTED_UID"


def syntax_errors(submission: Path, python_files: list[str]) -> dict[str, str]:
    """`path -> "path:line:col: SyntaxError: msg"` for every file that does not compile."""
    errors: dict[str, str] = {}
    for rel in python_files:
        source = (submission / rel).read_bytes()
        try:
            compile(source, rel, "exec", dont_inherit=True)
        except SyntaxError as exc:
            errors[rel] = (
                f"{rel}:{exc.lineno}:{exc.offset or 0}: SyntaxError: {exc.msg}"
            )
        except (ValueError, MemoryError, RecursionError) as exc:
            errors[rel] = (
                f"{rel}: cannot compile ({type(exc).__name__}): simplify this file"
            )
    return errors


def sandbox_uid(variable: str) -> int | None:
    """A uid from the environment, for processes we can switch to it (we are root)."""
    wanted = os.environ.get(variable)
    if wanted and os.getuid() == 0:
        return int(wanted)
    return None


def prepare_work(ctx: CheckContext) -> None:
    """The work folders, each writable only by the uid that must write there.

    entry/    root 0700: the entrypoint's logs
    trusted/  root:trusted 0750: the hidden suite and the trusted pytest's ini (read-only)
    shared/   root 0755: configuration the submission's processes read
    tmp/      trusted 0711: the coverage report; tmp/hidden/ (same) holds the hidden tests'
              basetemp (tmp_path folders are opened up test by test)
    student/  student 0755: the submission's own processes write here
    """
    owner = ctx.trusted_uid if ctx.trusted_uid is not None else -1
    student = ctx.student_uid if ctx.student_uid is not None else -1
    for folder, mode, uid, gid in (
        (ctx.entry_work, 0o700, -1, -1),
        (ctx.trusted_work, 0o750, -1, owner),
        (ctx.shared_config, 0o755, -1, -1),
        (ctx.trusted_scratch, 0o711 if owner >= 0 else 0o755, owner, owner),
        (ctx.hidden_scratch, 0o711 if owner >= 0 else 0o755, owner, owner),
        (ctx.student_work, 0o755 if student >= 0 else 0o777, student, student),
    ):
        folder.mkdir(exist_ok=True)
        os.chown(folder, uid, gid)
        os.chmod(folder, mode)
    # The trusted pytest reads its own copy: the job's hidden/ is readable by root only.
    copy = ctx.trusted_work / "hidden"
    shutil.copytree(ctx.hidden, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for path in [copy, *copy.rglob("*")]:
        os.chown(path, -1, owner, follow_symlinks=False)
        os.chmod(path, 0o750 if path.is_dir() else 0o640)


def run_job(job_root: Path) -> dict[str, Any]:
    spec = json.loads((job_root / "job.json").read_text(encoding="utf-8"))
    submission = job_root / "submission"
    deadline = time.monotonic() + max(1.0, spec["run_seconds"] - INSIDE_MARGIN_SECONDS)
    ctx = CheckContext(
        submission=submission,
        hidden=job_root / "hidden",
        work=job_root / "work",
        solution_files=tuple(spec["solution_files"]),
        test_files=tuple(spec["test_files"]),
        python_files=tuple(spec["python_files"]),
        test_seconds=float(spec["test_seconds"]),
        deadline=deadline,
        syntax_errors=syntax_errors(submission, spec["python_files"]),
        student_uid=sandbox_uid(STUDENT_UID_ENV),
        trusted_uid=sandbox_uid(TRUSTED_UID_ENV),
        jail=jail.enabled(),
    )
    prepare_work(ctx)
    # A Git exercise: its bundle is cloned for the hidden suite before any check runs.
    git_bundle.unpack(submission, ctx.trusted_work, owner=ctx.trusted_uid)
    configs = [
        CheckConfig(**c) for c in spec["checks"] if runs_in(c["id"]) == "sandbox"
    ]
    for config in configs:  # their modules load here, one by one, not in the threads
        declaration(config.id)
    progress = ProgressWriter(progress_token(spec["nonce"]))
    use_writer(progress)  # a check may report more as it goes (the running test count)
    with ThreadPoolExecutor(max_workers=max(1, len(configs))) as pool:
        futures = [
            pool.submit(_run_and_report, ctx, config, progress) for config in configs
        ]
        checks = [f.result() for f in futures]
    return {"checks": [asdict(c) for c in checks], "integrity": dict(ctx.facts)}


def _run_and_report(
    ctx: CheckContext, config: CheckConfig, progress: ProgressWriter
) -> CheckResult:
    progress.emit(check=config.id, state="running")
    check = _run_check(ctx, config)
    progress.emit(check=config.id, state="done", status=check.status)
    return check


def _run_check(ctx: CheckContext, config: CheckConfig) -> CheckResult:
    """A check that crashes becomes an error result; the other checks still report."""
    try:
        return timed(lambda: declaration(config.id).run(ctx, config))
    except Exception as exc:  # reported as data: the other checks go on
        exhausted = exhausted_resource(exc)
        if exhausted:
            # Only the submission's processes can use up the sandbox: the grader's own use
            # is bounded. So this is the submission's failure, not the grader's.
            details = declaration(config.id).empty_details(config)
            return result(
                config.id,
                "fail",
                config.weight,
                message=msg(
                    "the sandbox ran out of {what} during the {check} check: your code's "
                    "processes used it all up (look for processes or threads started in "
                    "a loop, data that grows without bound, or files written without end)",
                    what=exhausted,
                    check=config.id,
                ),
                details=details,
            )
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return result(
            config.id,
            "error",
            config.weight,
            message=msg(
                "the {check} check failed inside the grader: {error}",
                check=config.id,
                error=cap_text(detail, MESSAGE_CHARS),
            ),
        )


# errno -> what ran out, in words a student can act on.
_EXHAUSTION = {
    errno.EAGAIN: msg("processes (the process limit)"),
    errno.ENOMEM: msg("memory"),
    errno.ENOSPC: msg("disk space"),
    errno.EDQUOT: msg("disk space"),
    errno.EFBIG: msg("file size (the per-file limit)"),
    errno.EMFILE: msg("open files"),
    errno.ENFILE: msg("open files"),
}


def exhausted_resource(exc: BaseException) -> Message | None:
    """What ran out, when `exc` (or an exception it was raised from) says a limit was hit."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, MemoryError):
            return msg("memory")
        if isinstance(seen, OSError) and seen.errno in _EXHAUSTION:
            return _EXHAUSTION[seen.errno]
        seen = seen.__cause__ or seen.__context__
    return None


def stop_processes_of(uids: set[int], seconds: float = 5.0) -> list[int]:
    """SIGKILL every process whose real or effective uid is in `uids`, until none is left.

    Everything is frozen first (SIGSTOP, until every one of them shows as stopped) and only
    then killed: killing frees process slots, and a fork bomb would fill each one again.
    Returns the pids that could not be stopped in time (an empty list is the normal case).
    Zombies are already dead: they count as gone.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        running = [pid for pid, state in _processes_of(uids) if state not in "TtZX"]
        if not running:
            break
        _signal_all(running, signal.SIGSTOP)
    while True:
        alive = [pid for pid, state in _processes_of(uids) if state != "Z"]
        if not alive or time.monotonic() >= deadline:
            return alive
        _signal_all(alive, signal.SIGKILL)
        try:  # our own children: reap them so they leave the table
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        time.sleep(0.02)


def _signal_all(pids: list[int], number: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, number)
        except (ProcessLookupError, PermissionError):
            pass


def _processes_of(uids: set[int]) -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:  # gone while we looked
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        ids = fields.get("Uid", "").split()
        if ids[:2] and {int(i) for i in ids[:2]} & uids:
            found.append((int(entry.name), fields.get("State", "").strip()[:1]))
    return found


def main(argv: list[str]) -> int:
    job_root = Path(argv[1])
    out = job_root / "out"
    results_fd = _results_fd()
    others = {
        uid
        for uid in (sandbox_uid(STUDENT_UID_ENV), sandbox_uid(TRUSTED_UID_ENV))
        if uid is not None
    }
    owners = {os.stat(job_root / "job.json").st_uid}
    if results_fd is None:
        owners.add(os.stat(out).st_uid)
    if owners & others:
        print(
            "the job folder belongs to a uid the sandbox gives to graded processes; "
            "run the grader as another user",
            file=sys.stderr,
        )
        return 3
    nonce = json.loads((job_root / "job.json").read_text())["nonce"]
    document = run_job(job_root)
    if others:
        # Nobody but this process is left when the results are written: no process can
        # stop this one, or replace the file after it is written.
        left = stop_processes_of(others)
        if left:
            print(f"processes {left} could not be stopped", file=sys.stderr)
            return 3
    document["nonce"] = nonce
    # ASCII escapes: a lone surrogate in a student's output cannot break the encoding.
    text = json.dumps(document, ensure_ascii=True)
    if len(text) > RESULTS_MAX_BYTES:
        print(f"the results ({len(text)} bytes) are over the cap", file=sys.stderr)
        return 3
    if results_fd is not None:
        with os.fdopen(results_fd, "wb") as pipe:
            pipe.write(text.encode("ascii"))
        return 0
    write_atomic(out / RESULTS_NAME, text)
    return 0


def _results_fd() -> int | None:
    """The pipe the host reads the results from, kept from every child process."""
    value = os.environ.get(RESULTS_FD_ENV)
    if not value:
        return None
    fd = int(value)
    os.set_inheritable(fd, False)
    return fd


if __name__ == "__main__":
    sys.exit(main(sys.argv))
