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

from grader.i18n.message import Message, msg
from grader.i18n.outcomes import CUT_MARK
from grader.scorecard.caps import OUTPUT_CHARS, cap_text

POLL_SECONDS = 0.02
# The plugin's timer fires at the limit; the watchdog waits this much longer before killing.
KILL_GRACE_SECONDS = 2.0
LOG_CHARS = 20_000
# More records than any suite writes: a flood is cut off, never buffered without bound.
RECORDS_BYTES = 32 * 1024 * 1024


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
    # What the submission printed while collection imported it (the first collection's).
    import_output: str = ""


def pytest_command(
    *,
    ini: Path,
    rootdir: Path,
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
        "grader.sandbox.pytest_plugin",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:legacypath",
        "--import-mode=importlib",
        "-q",
        # A failed assert explained whole (both sides, the full diff), quiet as the run is.
        "-o",
        "verbosity_assertions=2",
        "--no-header",
        "-rN",
        f"--grader-test-seconds={test_seconds}",
        f"--grader-student-root={student_root}",
    ]


def run_pytest_watched(
    command: list[str],
    targets: list[str],
    *,
    cwd: Path,
    log_path: Path,
    test_seconds: float,
    deadline: float,
    env: dict[str, str] | None = None,
    uid: int | None = None,
    pass_fds: tuple[int, ...] = (),
    before_start: Callable[[], None] | None = None,
    jail: list[str] | None = None,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> PytestRun:
    """Run until every collected test has a result, or `deadline` (time.monotonic) passes.

    The records come back through a pipe this process holds (`--grader-results-fd`): no
    other process can unlink or replace it. `log_path` must lie where the process under test
    cannot write: it is opened here. `jail` (the argv of `grader.sandbox.jail`) runs pytest
    in the submission's jail; the pipe and `pass_fds` pass through it. `on_record` sees
    each record as it arrives (for progress: a failing callback is dropped, never fatal).
    """
    if uid is not None:
        preexec: Callable[[], None] | None = drop_privileges(uid)
    else:
        preexec = student_first_for_oom if jail else None
    run = PytestRun()
    finished: list[str] = []
    while True:
        deselect = [arg for nodeid in finished for arg in ("--deselect", nodeid)]
        if before_start is not None:
            before_start()
        records_read, records_write = os.pipe()
        os.set_blocking(records_read, False)
        try:
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(
                    [
                        *(jail or []),
                        *command,
                        f"--grader-results-fd={records_write}",
                        *deselect,
                        *targets,
                    ],
                    cwd=cwd,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=env,
                    start_new_session=True,
                    pass_fds=(records_write, *pass_fds),
                    preexec_fn=preexec,
                )
                os.close(records_write)
                records_write = -1
                stream = _RecordStream(records_read, on_record)
                current, killed_for = _watch(proc, stream, test_seconds, deadline)
        finally:
            if records_write >= 0:
                os.close(records_write)
            os.close(records_read)
        _merge(run, stream.records)
        run.exit_code = proc.returncode
        run.log = log_path.read_bytes()[-LOG_CHARS:].decode("utf-8", "replace")
        finished = list(run.results)
        if current is None or current in run.results:
            if killed_for == "deadline":
                run.out_of_time = True
            return run
        # A test was running when the process stopped: it gets the blame, the rest go on.
        meta = next((m for m in run.collected if m["id"] == current), {"id": current})
        printed = stream.printed_during(current)
        if killed_for == "deadline":
            run.out_of_time = True
            run.results[current] = _blamed(
                meta,
                "timeout",
                "the grading run ran out of time during this test",
                printed,
            )
            return run
        if killed_for == "test":
            run.results[current] = _blamed(
                meta,
                "timeout",
                f"the test ran past its time limit of {test_seconds:g} s and was stopped",
                printed,
            )
        else:
            code = proc.returncode
            run.anomalies.append(
                f"the test process ended during {current} (exit code {code})"
            )
            run.results[current] = _blamed(meta, "error", _death_message(code), printed)
        finished = list(run.results)
        if time.monotonic() >= deadline:
            run.out_of_time = True
            return run


class _RecordStream:
    """The JSON-lines records read so far from the pytest process's pipe."""

    def __init__(
        self, fd: int, on_record: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        self.fd = fd
        self.on_record = on_record
        # What the student's code printed during the test that started last, as the
        # proxy streamed it (`output` records): kept for a test this process must blame.
        self.started: str | None = None
        self.printed: list[str] = []
        self.printed_cut = False
        self.buffer = b""
        self.records: list[dict[str, Any]] = []
        self.size = 0

    def read(self) -> list[dict[str, Any]]:
        """The records that arrived since the last call (never blocks)."""
        chunks = []
        while self.size < RECORDS_BYTES:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            self.size += len(chunk)
        *lines, self.buffer = (self.buffer + b"".join(chunks)).split(b"\n")
        fresh = [r for r in (_parse(line) for line in lines) if r]
        for record in fresh:
            self._follow_output(record)
        fresh = [r for r in fresh if r.get("event") not in ("output", "output_cut")]
        self.records += fresh
        if self.on_record is not None:
            try:
                for record in fresh:
                    self.on_record(dict(record))
            except Exception:  # progress is only shown: it never stops a run
                self.on_record = None
        return fresh

    def _follow_output(self, record: dict[str, Any]) -> None:
        kind = record.get("event")
        if kind == "start":
            self.started, self.printed, self.printed_cut = record.get("id"), [], False
        elif kind == "output" and isinstance(record.get("text"), str):
            if sum(map(len, self.printed)) < OUTPUT_CHARS:
                self.printed.append(record["text"])
        elif kind == "output_cut":
            self.printed_cut = True

    def printed_during(self, test_id: str) -> str:
        """What the test's code printed as streamed, capped with a marker ("" for a test
        other than the one that started last)."""
        if test_id != self.started:
            return ""
        text = cap_text("".join(self.printed), OUTPUT_CHARS)
        return text + ("\n" + CUT_MARK.text if self.printed_cut else "")


def _watch(
    proc: subprocess.Popen[bytes],
    stream: _RecordStream,
    test_seconds: float,
    deadline: float,
) -> tuple[str | None, str | None]:
    """Follow the record stream; kill the group on a stuck test or the deadline.

    Returns the test that had started without finishing (if any) and why the process was killed.
    """
    current: str | None = None
    started = time.monotonic()
    while True:
        code = proc.poll()
        # Read after poll: whatever the process wrote before it ended is in the pipe now.
        for event in stream.read():
            if event.get("event") == "start":
                current, started = event.get("id"), time.monotonic()
            elif event.get("event") == "result" and event.get("id") == current:
                current = None
        if code is not None:
            return current, None
        now = time.monotonic()
        if now >= deadline:
            _kill_group(proc)
            stream.read()
            return current, "deadline"
        if (
            current is not None
            and test_seconds > 0
            and now - started > test_seconds + KILL_GRACE_SECONDS
        ):
            _kill_group(proc)
            stream.read()
            return current, "test"
        time.sleep(POLL_SECONDS)


# The kernel's OOM killer picks the highest score: the submission's processes go first, the
# trusted ones next, the entrypoint (0) last, so a memory bomb fails a test, not the run.
STUDENT_OOM_SCORE = 1000
TRUSTED_OOM_SCORE = 500


def student_first_for_oom() -> None:
    """A preexec function for a jailed student process: the OOM killer takes it first."""
    try:
        with open("/proc/self/oom_score_adj", "w") as score:
            score.write(str(STUDENT_OOM_SCORE))
    except OSError:  # no /proc (not Linux): the limits still hold, only the order not
        pass


def drop_privileges(
    uid: int, *, umask: int = 0, oom_score_adj: int = STUDENT_OOM_SCORE
) -> Callable[[], None]:
    """A preexec function that makes the child run as `uid` with no groups and no caps.

    The default umask 0 is for the processes of a hidden-test run: files either side creates
    in a test's tmp_path stay usable by the other, and permission checks agree.
    """

    def drop() -> None:
        try:
            with open("/proc/self/oom_score_adj", "w") as score:
                score.write(str(oom_score_adj))
        except (
            OSError
        ):  # no /proc (not Linux): the limits still hold, only the order not
            pass
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        os.umask(umask)

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
        elif kind == "import_output" and not run.import_output:
            run.import_output = str(record.get("text") or "")
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


# Who did not start, as the checks name them (a message, for the views in Chinese).
WHO = {"the hidden tests": msg("the hidden tests"), "your tests": msg("your tests")}


def early_exit_message(run: PytestRun, what: str | Message) -> Message | None:
    """Why no test could run, when the process ended before collection finished."""
    if run.collection_finished or run.collect_errors:
        return None
    who = WHO.get(what, what) if isinstance(what, str) else what
    if run.out_of_time:
        return msg(
            "{what} did not start: importing your code took until the time limit",
            what=who,
        )
    return msg(
        "{what} did not start: the test process exited (code {code}) while importing "
        "your code; remove code that runs at import time (sys.exit, os._exit, input(), "
        "endless loops)",
        what=who,
        code=run.exit_code,
    )


def _blamed(
    meta: dict[str, Any], status: str, message: str, output: str = ""
) -> dict[str, Any]:
    return {
        "id": meta["id"],
        "title": meta.get("title", meta["id"]),
        "task": meta.get("task"),
        "points": meta.get("points", 1.0),
        "status": status,
        "message": message,
        "location": "",
        "output": output,
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
