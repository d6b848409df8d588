"""Run pytest with our plugin under a watchdog that survives tests which will not stop.

The plugin's own timer stops most overrunning tests. A test that ignores it (a C loop, a
swallowed BaseException, SIG_IGN) is stopped from outside: the whole process group is killed,
the test is marked `timeout`, and pytest is started again with every finished test deselected.
A process that dies mid-test (os._exit, a segfault, the OOM killer) is handled the same way.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

POLL_SECONDS = 0.02
# The plugin's timer fires at the limit; the watchdog waits this much longer before killing.
KILL_GRACE_SECONDS = 2.0
LOG_CHARS = 20_000


@dataclass
class PytestRun:
    collected: list[dict[str, Any]] = field(default_factory=list)
    collection_finished: bool = False
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    collect_errors: list[dict[str, Any]] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)
    isolation: dict[str, Any] = field(default_factory=dict)
    exit_code: int | None = None
    log: str = ""
    out_of_time: bool = False


def pytest_command(
    *,
    ini: Path,
    rootdir: Path,
    results: Path,
    test_seconds: float,
    student_root: Path,
    wrapper: list[str] | None = None,
) -> list[str]:
    """The argv of an isolated pytest run with our plugin; `wrapper` goes before `-m pytest`."""
    return [
        sys.executable,
        "-I",
        *(wrapper or []),
        "-m",
        "pytest",
        "-c",
        str(ini),
        f"--rootdir={rootdir}",
        "-p",
        "grader.runner.pytest_plugin",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:legacypath",
        "--import-mode=importlib",
        "-q",
        "--no-header",
        "-rN",
        f"--grader-results={results}",
        f"--grader-test-seconds={test_seconds}",
        f"--grader-student-root={student_root}",
    ]


def run_pytest_watched(
    command: list[str],
    targets: list[str],
    *,
    cwd: Path,
    results_path: Path,
    test_seconds: float,
    deadline: float,
    env: dict[str, str] | None = None,
    uid: int | None = None,
    log_path: Path | None = None,
) -> PytestRun:
    """Run until every collected test has a result, or `deadline` (time.monotonic) passes.

    `log_path` must lie where the process under test cannot write: it is opened here.
    """
    run = PytestRun()
    finished: list[str] = []
    log_path = log_path or results_path.with_suffix(".log")
    while True:
        results_path.unlink(missing_ok=True)
        deselect = [arg for nodeid in finished for arg in ("--deselect", nodeid)]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [*command, *deselect, *targets],
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
                preexec_fn=drop_privileges(uid) if uid is not None else None,
            )
            current, killed_for = _watch(proc, results_path, test_seconds, deadline)
        records = _read_records(results_path)
        _merge(run, records)
        run.exit_code = proc.returncode
        run.log = log_path.read_bytes()[-LOG_CHARS:].decode("utf-8", "replace")
        finished = list(run.results)
        if current is None or current in run.results:
            if killed_for == "deadline":
                run.out_of_time = True
            return run
        # A test was running when the process stopped: it gets the blame, the rest go on.
        meta = next((m for m in run.collected if m["id"] == current), {"id": current})
        if killed_for == "deadline":
            run.out_of_time = True
            run.results[current] = _blamed(
                meta, "timeout", "the grading run ran out of time during this test"
            )
            return run
        if killed_for == "test":
            run.results[current] = _blamed(
                meta,
                "timeout",
                f"the test ran past its time limit of {test_seconds:g} s and was stopped",
            )
        else:
            code = proc.returncode
            run.anomalies.append(
                f"the test process ended during {current} (exit code {code})"
            )
            run.results[current] = _blamed(meta, "error", _death_message(code))
        finished = list(run.results)
        if time.monotonic() >= deadline:
            run.out_of_time = True
            return run


def _watch(
    proc: subprocess.Popen[bytes],
    results_path: Path,
    test_seconds: float,
    deadline: float,
) -> tuple[str | None, str | None]:
    """Follow the record stream; kill the group on a stuck test or the deadline.

    Returns the test that had started without finishing (if any) and why the process was killed.
    """
    current: str | None = None
    started = time.monotonic()
    offset = 0
    buffer = b""
    while True:
        code = proc.poll()
        if results_path.exists():
            with open(results_path, "rb") as stream:
                stream.seek(offset)
                chunk = stream.read()
            offset += len(chunk)
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                event = _parse(line)
                if event.get("event") == "start":
                    current, started = event.get("id"), time.monotonic()
                elif event.get("event") == "result" and event.get("id") == current:
                    current = None
        if code is not None:
            return current, None
        now = time.monotonic()
        if now >= deadline:
            _kill_group(proc)
            return current, "deadline"
        if (
            current is not None
            and test_seconds > 0
            and now - started > test_seconds + KILL_GRACE_SECONDS
        ):
            _kill_group(proc)
            return current, "test"
        time.sleep(POLL_SECONDS)


def drop_privileges(uid: int) -> Callable[[], None]:
    """A preexec function that makes the child run as `uid` with no groups and no caps."""

    def drop() -> None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        # The trusted test process uses the same umask: files either side creates in a
        # test's tmp_path stay usable by the other, and permission checks agree.
        os.umask(0)

    return drop


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _parse(line: bytes) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _read_records(path: Path) -> list[dict[str, Any]]:
    try:  # never through a link: the stream may lie in a folder the student owns
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return []
    with os.fdopen(fd, "rb") as stream:
        data = stream.read()
    return [r for r in (_parse(line) for line in data.splitlines()) if r]


def _merge(run: PytestRun, records: list[dict[str, Any]]) -> None:
    for record in records:
        kind = record.pop("event", None)
        if kind == "collected" and not run.collection_finished:
            run.collected = record.get("items", [])
            run.collection_finished = True
        elif kind == "result":
            run.results[record["id"]] = record
        elif kind == "collect_error":
            run.collect_errors.append(record)
        elif kind == "isolation":
            restarts = run.isolation.get("restarts", 0) + int(record.get("restarts", 0))
            anomalies = run.isolation.get("anomalies", []) + list(
                record.get("anomalies", [])
            )
            run.isolation = {
                **record,
                "restarts": restarts,
                "anomalies": anomalies[:20],
            }


def early_exit_message(run: PytestRun, what: str) -> str | None:
    """Why no test could run, when the process ended before collection finished."""
    if run.collection_finished or run.collect_errors:
        return None
    if run.out_of_time:
        return f"{what} did not start: importing your code took until the time limit"
    return (
        f"{what} did not start: the test process exited (code {run.exit_code}) while "
        "importing your code; remove code that runs at import time "
        "(sys.exit, os._exit, input(), endless loops)"
    )


def _blamed(meta: dict[str, Any], status: str, message: str) -> dict[str, Any]:
    return {
        "id": meta["id"],
        "title": meta.get("title", meta["id"]),
        "task": meta.get("task"),
        "points": meta.get("points", 1.0),
        "status": status,
        "message": message,
        "location": "",
        "output": "",
        "duration": 0.0,
    }


def _death_message(code: int | None) -> str:
    if code is not None and code < 0:
        name = (
            signal.Signals(-code).name
            if -code in signal.Signals._value2member_map_
            else str(-code)
        )
        if -code == signal.SIGKILL:
            return (
                "the test process was killed (SIGKILL) during this test: "
                "it may have run out of memory"
            )
        return f"the test process was killed by {name} during this test"
    return (
        f"the test process exited (code {code}) during this test: "
        "do not call sys.exit() or os._exit()"
    )
