"""The pytest plugin that reports each test as one JSON line, in the process that runs it.

Loaded with `-p grader.sandbox.pytest_plugin`; it registers its reporter only when
`--grader-results-fd` (a pipe the grader holds: nothing on disk to replace) or
`--grader-results` (a file, for tools and tests) is given. It streams records (flushed per
test) so that the process that watches it can tell which test was running when a run had to
be killed, and resume after it.
Only the standard library, pytest and grader's own standard-library-only caps are imported
here: this runs beside student code.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from typing import IO, Any, Iterator

import pytest

from grader.scorecard.caps import MESSAGE_CHARS, OUTPUT_CHARS, cap_text


class TestTimeout(BaseException):
    """Raised in the test when it overruns; BaseException so `except Exception` cannot eat it."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader", "grader result reporting")
    group.addoption("--grader-results", default=None, help="JSON-lines file to write")
    group.addoption(
        "--grader-results-fd",
        type=int,
        default=None,
        help="inherited descriptor (a pipe the grader reads) to write the records to",
    )
    group.addoption(
        "--grader-test-seconds", type=float, default=0.0, help="per-test time limit"
    )
    group.addoption(
        "--grader-student-root",
        default=None,
        help="folder of the submission: failure locations point into it",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "task(n) or task(taskno=n): the exercise task this test belongs to",
    )
    config.addinivalue_line("markers", "points(p): how many points the test is worth")
    config.addinivalue_line(
        "markers",
        "core: the test carries its task's lesson; the task's gate holds only if it passes",
    )
    path = config.getoption("grader_results")
    fd = config.getoption("grader_results_fd")
    if fd is not None:
        stream: IO[str] = os.fdopen(fd, "w", encoding="utf-8")
    elif path:
        stream = open(path, "a", encoding="utf-8")
    else:
        return
    config.pluginmanager.register(JsonLinesReporter(config, stream), "grader")


def test_metadata(item: pytest.Item) -> dict[str, Any]:
    """Title (docstring's first line), task, points and whether it is core, of a test."""
    doc = (
        (getattr(item, "obj", None).__doc__ or "").strip()
        if hasattr(item, "obj")
        else ""
    )
    title = doc.splitlines()[0].strip() if doc else item.name
    callspec = getattr(item, "callspec", None)
    if doc and callspec is not None:
        title = f"{title} [{callspec.id}]"
    task_marker = item.get_closest_marker("task")
    task = None
    if task_marker is not None:
        task = (
            task_marker.args[0]
            if task_marker.args
            else task_marker.kwargs.get("taskno")
        )
    points_marker = item.get_closest_marker("points")
    points = 1.0
    if points_marker is not None and points_marker.args:
        points = float(points_marker.args[0])
    core = item.get_closest_marker("core") is not None
    return {
        "id": item.nodeid,
        "title": title,
        "task": task,
        "points": points,
        "core": core,
    }


def describe_failure(
    excinfo: pytest.ExceptionInfo[BaseException], root: str | None
) -> tuple[str, str]:
    """A message a student can act on, and the place in their own files where it happened."""
    exc = excinfo.value
    text = str(exc).strip()
    if isinstance(exc, TestTimeout):
        message = text
    elif isinstance(exc, AssertionError):
        # pytest's whole explanation (the run sets verbosity_assertions=2), not its first line.
        lines = [
            ln.rstrip()
            for ln in text.splitlines()
            if not ln.strip().startswith("Use -v to")
        ]
        message = "\n".join(lines).strip() or "assertion failed"
    else:
        message = f"{excinfo.typename}: {text}" if text else excinfo.typename
    location = ""
    remote_location = getattr(exc, "__dict__", {}).get("_grader_location")
    if remote_location and root:
        base = os.path.realpath(root)
        if remote_location.startswith(base + os.sep):
            remote_location = remote_location[len(base) + 1 :]
        return cap_text(message, MESSAGE_CHARS), remote_location
    if isinstance(exc, SyntaxError) and exc.filename and root:
        base = os.path.realpath(root)
        path = os.path.realpath(exc.filename)
        if path.startswith(base + os.sep):
            location = f"{os.path.relpath(path, base)}:{exc.lineno}"
            return cap_text(f"SyntaxError: {exc.msg}", MESSAGE_CHARS), location
    if root:
        base = os.path.realpath(root)
        for entry in excinfo.traceback:
            if str(entry.path).startswith(
                "<"
            ):  # frozen or generated code: not the student's
                continue
            path = os.path.realpath(str(entry.path))
            if path.startswith(base + os.sep):
                rel = os.path.relpath(path, base)
                location = f"{rel}:{entry.lineno + 1} in {entry.name}"
    return cap_text(message, MESSAGE_CHARS), location


# Where the proxy plugin puts what the student process printed during a test (a report's
# `user_properties`); the name is repeated here, as the plugins do not import each other.
STUDENT_OUTPUT = "grader_student_output"
# Room for cap_text's marker, which the student's output carries when it was cut.
_MARKER_ROOM = 64
# Subtests kept per test: a loop of them cannot fill the results file.
MAX_SUBTESTS = 200


def test_output(report: pytest.TestReport) -> str:
    """What a test's student code printed, capped with a marker.

    With the proxy, what the student process printed (its own stdout and stderr, nothing
    of the test's); without it (the student's own tests), what pytest captured.
    """
    for name, value in report.user_properties:
        if name == STUDENT_OUTPUT and isinstance(value, str):
            return cap_text(value, OUTPUT_CHARS + _MARKER_ROOM)
    return cap_text(report.capstdout + report.capstderr, OUTPUT_CHARS)


class JsonLinesReporter:
    def __init__(self, config: pytest.Config, stream: IO[str]) -> None:
        self.seconds = float(config.getoption("grader_test_seconds") or 0)
        self.root = config.getoption("grader_student_root")
        self.stream = stream
        self.lock = threading.Lock()
        self.pending: dict[str, dict[str, Any]] = {}
        self.collect_errors: dict[str, pytest.ExceptionInfo[BaseException]] = {}
        # The status and message of the last call report, for the subtest it belongs to.
        self.last_call: tuple[str, str] = ("passed", "")
        self.printed_seen: dict[str, int] = {}

    def write(self, record: dict[str, Any]) -> None:
        # One line at a time: the proxy's watcher thread writes records too.
        with self.lock:
            self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.stream.flush()

    def pytest_exception_interact(
        self,
        node: pytest.Item | pytest.Collector,
        call: pytest.CallInfo[Any],
        report: Any,
    ) -> None:
        if isinstance(report, pytest.CollectReport) and call.excinfo is not None:
            self.collect_errors[report.nodeid] = _root_cause(call.excinfo)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if not report.failed:
            return
        excinfo = self.collect_errors.pop(report.nodeid, None)
        if excinfo is None:
            message, location = cap_text(str(report.longrepr), MESSAGE_CHARS), ""
        else:
            message, location = describe_failure(excinfo, self.root)
        self.write(
            {
                "event": "collect_error",
                "id": report.nodeid,
                "message": message,
                "location": location,
            }
        )

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.write(
            {"event": "collected", "items": [test_metadata(i) for i in session.items]}
        )

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.write({"event": "start", "id": nodeid})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        armed = self.seconds > 0 and hasattr(signal, "setitimer")
        if armed:
            previous = signal.signal(signal.SIGALRM, _timeout_handler(self.seconds))
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        try:
            yield
        finally:
            if armed:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Iterator[None]:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        record = self.pending.setdefault(
            item.nodeid, {**test_metadata(item), "duration": 0.0}
        )
        record["duration"] = round(record["duration"] + report.duration, 4)
        if report.when == "call" or (report.when == "setup" and not report.passed):
            # Subtests report before their test does: a failed one stays failed when the
            # test's own call report then passes.
            self.last_call = (_status(report, call), "")
            if not (report.passed and record.get("status", "passed") != "passed"):
                record["status"] = self.last_call[0]
            if call.excinfo is not None and not report.skipped:
                record["message"], record["location"] = describe_failure(
                    call.excinfo, self.root
                )
                self.last_call = (self.last_call[0], record["message"])
            elif report.skipped:
                record["message"] = cap_text(
                    (
                        str(report.longrepr[-1])
                        if isinstance(report.longrepr, tuple)
                        else ""
                    ),
                    MESSAGE_CHARS,
                )
            record["output"] = test_output(report)
        elif (
            report.when == "teardown"
            and report.failed
            and record.get("status") == "passed"
        ):
            record["status"] = "error"
            record["message"], record["location"] = describe_failure(
                call.excinfo, self.root
            )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Each subtest on its test's record, in order: Exercism's runner lists them."""
        context = getattr(report, "context", None)
        record = self.pending.get(report.nodeid)
        if context is None or record is None or report.when != "call":
            return
        # What the student's code printed so far in this test; this subtest's is the rest.
        printed = next(
            (v for n, v in report.user_properties if n == STUDENT_OUTPUT),
            report.capstdout,
        )
        seen = self.printed_seen.get(report.nodeid, 0)
        self.printed_seen[report.nodeid] = len(printed)
        subtests = record.setdefault("subtests", [])
        if len(subtests) < MAX_SUBTESTS:
            status, message = self.last_call
            subtests.append(
                {
                    "msg": context.msg if isinstance(context.msg, str) else None,
                    "status": status,
                    "message": message,
                    "output": cap_text(printed[seen:], OUTPUT_CHARS + _MARKER_ROOM),
                }
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: Any) -> tuple[str, str, str] | None:
        """No progress letter for subtests: written mid-test, it would land in the output."""
        if report.when == "call" and type(report).__name__ == "SubtestReport":
            return ("failed" if report.failed else "subtests passed"), "", ""
        return None

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self.printed_seen.pop(nodeid, None)
        record = self.pending.pop(nodeid, None)
        if record is not None:
            record.setdefault("status", "error")
            record.setdefault("message", "")
            record.setdefault("location", "")
            record.setdefault("output", "")
            self.write({"event": "result", **record})

    def pytest_unconfigure(self) -> None:
        self.stream.close()


def _status(report: pytest.TestReport, call: pytest.CallInfo[None]) -> str:
    if call.excinfo is not None and (
        call.excinfo.errisinstance(TestTimeout)
        or call.excinfo.typename == "StudentTimeout"
    ):
        return "timeout"
    if report.passed:
        return "passed"
    if report.skipped:
        return "skipped"
    return "failed" if report.when == "call" else "error"


def _root_cause(
    excinfo: pytest.ExceptionInfo[BaseException],
) -> pytest.ExceptionInfo[BaseException]:
    """pytest wraps import failures in a CollectError; the student needs the original."""
    cause = excinfo.value.__cause__
    if cause is not None and type(excinfo.value).__name__ == "CollectError":
        return pytest.ExceptionInfo.from_exception(cause)
    return excinfo


def _timeout_handler(seconds: float) -> Any:
    def handler(signum: int, frame: object) -> None:
        raise TestTimeout(f"the test ran past its time limit of {seconds:g} s")

    return handler
