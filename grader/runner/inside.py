"""The entrypoint that runs inside the sandbox: `python -I -m grader.runner.inside JOB`.

It runs every in-sandbox check of the job concurrently and writes JOB/out/results.json
atomically. It never imports the submission itself: each check that runs student code does
so in a child process.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from grader.catalog.model import CheckConfig
from grader.graders import SANDBOX_CHECKS
from grader.graders.base import CheckContext, result, timed
from grader.runner.job import RESULTS_NAME
from grader.scorecard.caps import MESSAGE_CHARS, cap_text
from grader.scorecard.model import CheckResult
from grader.scorecard.serialize import to_plain, write_atomic

# The host's own deadline is run_seconds plus a margin; this keeps inside well within it.
INSIDE_MARGIN_SECONDS = 5.0
STUDENT_UID_ENV = "GRADER_STUDENT_UID"


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


def student_uid() -> int | None:
    """The uid for the submission's processes: only when we can switch to it (root)."""
    wanted = os.environ.get(STUDENT_UID_ENV)
    if wanted and os.getuid() == 0:
        return int(wanted)
    return None


def prepare_work(ctx: CheckContext) -> None:
    """A private folder for the trusted checks, and one the submission's processes own."""
    ctx.trusted_work.mkdir(mode=0o700, exist_ok=True)
    # tmp_path folders of the hidden tests: created by the trusted process, opened up to the
    # student process test by test; the student cannot replace the folder itself.
    (ctx.work / "tmp").mkdir(mode=0o755, exist_ok=True)
    ctx.student_work.mkdir(mode=0o755, exist_ok=True)
    if ctx.student_uid is not None:
        os.chown(ctx.student_work, ctx.student_uid, ctx.student_uid)
    else:
        os.chmod(ctx.student_work, 0o777)


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
        student_uid=student_uid(),
        tests_isolation=spec.get("tests_isolation", "process"),
    )
    prepare_work(ctx)
    configs = [CheckConfig(**c) for c in spec["checks"] if c["id"] in SANDBOX_CHECKS]
    with ThreadPoolExecutor(max_workers=max(1, len(configs))) as pool:
        futures = [pool.submit(_run_check, ctx, config) for config in configs]
        checks = [f.result() for f in futures]
    return {"checks": [to_plain(c) for c in checks], "integrity": {}}


def _run_check(ctx: CheckContext, config: CheckConfig) -> CheckResult:
    """A check that crashes becomes an error result; the other checks still report."""
    try:
        return timed(lambda: SANDBOX_CHECKS[config.id](ctx, config))
    except Exception as exc:  # a harness fault inside one check, reported as data
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return result(
            config.id,
            "error",
            config.weight,
            message=cap_text(
                f"the {config.id} check failed inside the grader: {detail}",
                MESSAGE_CHARS,
            ),
        )


def main(argv: list[str]) -> int:
    job_root = Path(argv[1])
    document = run_job(job_root)
    document["nonce"] = json.loads((job_root / "job.json").read_text())["nonce"]
    # ASCII escapes: a lone surrogate in a student's output cannot break the encoding.
    write_atomic(
        job_root / "out" / RESULTS_NAME, json.dumps(document, ensure_ascii=True)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
