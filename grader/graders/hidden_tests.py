"""The hidden test suite against the submission, with partial credit by points."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from grader.catalog.model import CheckConfig
from grader.sandbox.proxy.client import module_names
from grader.graders import hidden_tests_present as present
from grader.i18n.message import Message, msg
from grader.i18n.outcomes import IMPORT_MARK as IMPORT_MESSAGE
from grader.i18n.outcomes import TEST_MARK as TEST_MESSAGE
from grader.graders.base import CheckContext, result, student_jail, write_pytest_ini
from grader.registry.declaration import CheckDeclaration, Presentation
from grader.sandbox.progress import count_reporter
from grader.sandbox.proxy.spawner import SpawnService, student_env
from grader.sandbox.pytest_session import (
    drop_privileges,
    early_exit_message,
    student_first_for_oom,
    pytest_command,
    run_pytest_watched,
)
from grader.sandbox.results import RESULTS_MAX_BYTES
from grader.scorecard.caps import OUTPUT_CHARS, cap_text
from grader.scorecard.model import TEST_OUTCOME_FIELDS, CheckResult, TestOutcome

# The tests' outcomes may use this much of the results file (grader.sandbox.results); the
# other checks' details are capped on their own and fit in the rest.
TESTS_TEXT_BYTES = RESULTS_MAX_BYTES * 3 // 4
MIN_TEST_TEXT_CHARS = 60


def run(ctx: CheckContext, config: CheckConfig) -> CheckResult:
    broken = {p: m for p, m in ctx.syntax_errors.items() if p in ctx.solution_files}
    if broken:
        path, message = next(iter(broken.items()))
        return result(
            "tests",
            "error",
            config.weight,
            message=msg(
                "{error} — fix this first: no hidden test can run until {path} compiles",
                error=message,
                path=path,
            ),
        )
    # The hidden tests run in a trusted process; the submission only ever in its own.
    hidden = ctx.trusted_work / "hidden"
    command = pytest_command(
        ini=write_pytest_ini(ctx.trusted_work / "hidden-pytest.ini", None),
        rootdir=hidden,
        test_seconds=ctx.test_seconds,
        student_root=ctx.submission,
    )
    command.append(f"--basetemp={ctx.hidden_scratch / 'tmp'}")
    spawner = None
    split = ctx.trusted_uid is not None and ctx.student_uid is not None
    if split or ctx.jail:
        # The trusted pytest cannot start a process under the student's uid (it has no
        # capabilities) or in the student's jail (it must not choose what the jail sees):
        # this process starts and stops the student processes it asks for.
        spawner = SpawnService(
            root=str(ctx.submission),
            env=student_env(),
            preexec=(
                drop_privileges(ctx.student_uid)
                if ctx.student_uid is not None
                else student_first_for_oom
            ),
            seal=lambda: seal_suite(hidden, sealed=True),
            jail=student_jail(ctx, writable=(ctx.hidden_scratch,)),
        )
    command += proxy_options(ctx, spawner.start() if spawner else None)
    try:
        session = run_pytest_watched(
            command,
            [str(hidden)],
            cwd=ctx.submission,
            log_path=ctx.entry_work / "hidden.log",
            test_seconds=ctx.test_seconds,
            deadline=ctx.deadline,
            env=pytest_env(),
            uid=ctx.trusted_uid,
            pass_fds=(spawner.theirs.fileno(),) if spawner else (),
            # A restart collects again: it needs the sources the last collection sealed.
            before_start=(
                (lambda: seal_suite(hidden, sealed=False)) if spawner else None
            ),
            on_record=count_reporter("tests"),  # "hidden tests: 12/40" on a terminal
        )
    finally:
        if spawner is not None:
            spawner.close()
    if session.collect_errors:
        first = session.collect_errors[0]
        exhausted = exhausted_at_start(first["message"])
        if exhausted is not None:
            return result(
                "tests",
                "fail",
                config.weight,
                message=msg(
                    "the sandbox ran out of {what} before the hidden tests could start "
                    "your code: your code's processes used it all up (look for processes "
                    "or threads started in a loop)",
                    what=exhausted,
                ),
                details={"tests": [], "points_earned": 0, "points_total": 0},
            )
        where = f" ({first['location']})" if first.get("location") else ""
        return result(
            "tests",
            "error",
            config.weight,
            message=msg(
                "the hidden tests could not import your code{where}: {error}",
                where=where,
                error=first["message"],
            ),
            details={"tests": [], "points_earned": 0, "points_total": 0},
        )
    early = early_exit_message(session, msg("the hidden tests"))
    if early or not session.collected:
        return result(
            "tests",
            "error",
            config.weight,
            message=early or msg("the hidden suite collected no tests"),
        )
    scored = score_tests(
        session.collected,
        session.results,
        config.weight,
        session.out_of_time,
        import_output=session.import_output,
    )
    ctx.facts["hidden_tests"] = {
        "mode": "process",
        "student_uid": ctx.student_uid,
        "restarts": session.isolation.get("restarts", 0),
        "anomalies": session.anomalies[:20] + session.isolation.get("anomalies", []),
    }
    return scored


# How the entrypoint refuses to start the submission's process when the sandbox has none
# (or no memory) left: the submission used it up, which is its failure, not the grader's.
_REFUSED = "OSError: the entrypoint refused: "
_NOT_STARTED = "StudentCrashed: the process that runs your code did not start within "
_EXHAUSTED = {"BlockingIOError": msg("processes"), "MemoryError": msg("memory")}


def exhausted_at_start(message: str) -> Message | None:
    """What ran out, when the student's process could not be started for want of it.

    Nothing but the submission's own processes runs in the sandbox: when its process cannot
    even start within the proxy's generous start-up time, they have used the processes or
    the CPU up.
    """
    if message.startswith(_NOT_STARTED):
        return msg("processes or CPU time")
    if not message.startswith(_REFUSED):
        return None
    kind = message[len(_REFUSED) :].split(":", 1)[0]
    return _EXHAUSTED.get(kind)


def seal_suite(suite: Path, *, sealed: bool) -> None:
    """Make the suite's files unreadable to the trusted uid (or readable again).

    Collection is the only time they are read (a suite loads its data files at import). A
    test that reads a file the submission has turned into a link to them would otherwise
    show them in its failure message.
    """
    for path in suite.rglob("*"):
        if path.is_file():  # root-owned folder: nothing in it is a link
            os.chmod(path, 0o000 if sealed else 0o640)


def proxy_options(ctx: CheckContext, spawner_fd: int | None) -> list[str]:
    """Options of the proxy plugin: the submission's modules are imported in another process."""
    options = [
        "-p",
        "grader.sandbox.proxy.plugin",
        f"--grader-proxy-root={ctx.submission}",
        "--grader-proxy-modules=" + ",".join(module_names(ctx.solution_files)),
        f"--grader-proxy-seconds={ctx.test_seconds}",
    ]
    if ctx.student_uid is not None:
        options.append(f"--grader-proxy-uid={ctx.student_uid}")
    if spawner_fd is not None:
        options.append(f"--grader-proxy-spawner-fd={spawner_fd}")
    return options


def score_tests(
    collected: list[dict[str, Any]],
    results: dict[str, dict[str, Any]],
    weight: float,
    out_of_time: bool = False,
    *,
    import_output: str = "",
) -> CheckResult:
    """Every collected test's outcome; a test with no result is an error, never a pass.

    No outcome is ever dropped: the host scores from all of them. Only their text is cut
    (`fit_text`) when there are so many that it would not fit the results. What the
    submission printed while it was imported goes to the first test that did not pass
    (`with_import_output`).
    """
    tests = []
    for meta in collected:
        record = results.get(meta["id"])
        if record is None:
            record = {
                **meta,
                "status": "error",
                "message": (
                    "not run: the grading run stopped before this test"
                    if out_of_time
                    else "not run: the test process stopped before this test"
                ),
                "location": "",
                "output": "",
                "duration": 0.0,
            }
        tests.append(
            TestOutcome(**{k: record.get(k, meta.get(k)) for k in TEST_OUTCOME_FIELDS})
        )
    with_import_output(tests, import_output)
    fit_text(tests, TESTS_TEXT_BYTES)
    total = sum(float(m.get("points", 1.0)) for m in collected)
    earned = sum(t.points for t in tests if t.status == "passed")
    failed = [t for t in tests if t.status != "passed"]
    status = "pass" if not failed else "fail"
    if failed:
        counts = {"passed": len(tests) - len(failed), "total": len(tests)}
        message = msg("{passed} of {total} tests passed", **counts)
        if out_of_time:
            message = msg(
                "{passed} of {total} tests passed; the run hit its time limit", **counts
            )
    else:
        message = msg("all {total} tests passed", total=len(tests))
    return result(
        "tests",
        status,
        weight,
        message=message,
        details={
            "tests": [outcome_json(t) for t in tests],
            "points_earned": earned,
            "points_total": total,
        },
    )


# Around what the submission printed at import time, in the output of the test that shows
# it (the views show the markers in their reader's language: grader.i18n.outcomes).
IMPORT_MARK = IMPORT_MESSAGE.text
TEST_MARK = TEST_MESSAGE.text


def with_import_output(tests: list[TestOutcome], printed: str) -> None:
    """Put what the submission printed while it was imported before the output of the
    first test that did not pass: that is where a student reads what their code printed
    (a debugging print at module level, a warning), and with every test passed there is
    nothing to fix. Both parts are capped with a marker; each is labelled."""
    printed = printed.rstrip()
    failing = next((t for t in tests if t.status not in ("passed", "skipped")), None)
    if not printed or failing is None:
        return
    # Half the output's room each, so the whole stays within the one cap on output.
    half = OUTPUT_CHARS // 2 - len(IMPORT_MARK) - len(TEST_MARK)
    parts = [IMPORT_MARK, cap_text(printed, half)]
    if failing.output.strip():
        parts += [TEST_MARK, cap_text(failing.output.rstrip(), half)]
    failing.output = cap_text("\n".join(parts), OUTPUT_CHARS)


def fit_text(tests: list[TestOutcome], budget: int) -> None:
    """Cut the tests' messages and output, all alike, until their JSON fits `budget` bytes.

    Each text keeps its own visible marker of what was cut; a few tests are never cut.
    """
    originals = [
        (t.message, t.output, [(s["message"], s["output"]) for s in t.subtests or []])
        for t in tests
    ]
    limit = OUTPUT_CHARS
    while _encoded_size(tests) > budget and limit > MIN_TEST_TEXT_CHARS:
        limit //= 2
        for test, (message, output, subtests) in zip(tests, originals):
            test.message = cap_text(message, limit)
            test.output = cap_text(output, limit)
            for subtest, (text, printed) in zip(test.subtests or [], subtests):
                subtest["message"] = cap_text(text, limit)
                subtest["output"] = cap_text(printed, limit)


def outcome_json(test: TestOutcome) -> dict[str, Any]:
    """A test's outcome as the results carry it; `subtests` only when it had some."""
    data = asdict(test)
    if not data.get("subtests"):
        data.pop("subtests", None)
    return data


def _encoded_size(tests: list[TestOutcome]) -> int:
    # ASCII escapes, as the entrypoint writes the results: a CJK character costs 6 bytes.
    return len(json.dumps([outcome_json(t) for t in tests], ensure_ascii=True))


def pytest_env() -> dict[str, str]:
    """A clean environment: no plugin autoload, no user site, no inherited PYTHON* settings."""
    keep = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
        PYTHONIOENCODING="utf-8",
    )
    return env


def _empty_details(config: CheckConfig) -> dict[str, Any]:
    return {"tests": [], "points_earned": 0, "points_total": 0}


DECLARATION = CheckDeclaration(
    id="tests",
    title="Hidden tests",
    title_zh="隐藏测试",
    runs_in="sandbox",
    run=run,
    details_schema=present.DETAILS_SCHEMA,
    options_schema={},
    empty_details=_empty_details,
    fraction=present.points_share,
    tools=("pytest==9.2.0",),
    modules=("pytest", "_pytest", "pluggy"),
    lists_tests=True,
    present=Presentation(
        terminal=present.terminal,
        summary=present.summary,
        annotations=present.problems,
    ),
    scaffold=present.SCAFFOLD,
)
