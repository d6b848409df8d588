"""pytest plugin for the trusted hidden-test process: submission imports become proxies.

Loaded with `-p grader.sandbox.proxy.plugin --grader-proxy-root DIR --grader-proxy-modules a,b`.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Iterator

import pytest

from grader.sandbox.proxy import client
from grader.sandbox.proxy.client import StudentConnection, install
from grader.sandbox.proxy.spawner import seal, student_env
from grader.scorecard.caps import OUTPUT_CHARS


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader-proxy", "run the submission in a separate process")
    group.addoption("--grader-proxy-root", default=None, help="the submission's folder")
    group.addoption(
        "--grader-proxy-modules", default="", help="comma-separated module names"
    )
    group.addoption(
        "--grader-proxy-uid", type=int, default=None, help="uid of the student process"
    )
    group.addoption(
        "--grader-proxy-seconds", type=float, default=10.0, help="limit per call"
    )
    group.addoption(
        "--grader-proxy-spawner-fd",
        type=int,
        default=None,
        help="socket of the entrypoint that starts student processes for this one",
    )


def pytest_configure(config: pytest.Config) -> None:
    root = config.getoption("grader_proxy_root")
    if not root:
        return
    spawner_fd = config.getoption("grader_proxy_spawner_fd")
    connection = StudentConnection(
        root,
        call_seconds=config.getoption("grader_proxy_seconds"),
        uid=config.getoption("grader_proxy_uid"),
        env=student_env(),
        spawner=(socket.socket(fileno=spawner_fd) if spawner_fd is not None else None),
    )
    if connection.uid is not None:
        # The student process runs as another uid: what the tests create in tmp_path must
        # be writable by it (see pytest_session.drop_privileges, which matches this umask).
        os.umask(0)
    modules = [m for m in config.getoption("grader_proxy_modules").split(",") if m]
    install(connection, modules)
    config.stash[CONNECTION] = connection
    client.ACTIVE = connection
    config.pluginmanager.register(_StudentFiles(connection), "grader-proxy-files")
    output = _StudentOutput(connection, config)
    connection.on_copied = output.stream
    config.pluginmanager.register(output, "grader-proxy-output")


CONNECTION = pytest.StashKey[StudentConnection]()
# The name under which a test's report carries what the submission printed during it (its
# `user_properties`): the results plugin reports it as the test's output.
STUDENT_OUTPUT = "grader_student_output"


class _StudentOutput:
    """Each test's report carries what the student process printed while it ran; and as
    it prints, each piece goes to the results as an `output` record (at most
    OUTPUT_CHARS a test, then one `output_cut`): should this process be killed mid-test,
    the process that watches it still shows what the test's code printed."""

    def __init__(self, connection: StudentConnection, config: pytest.Config) -> None:
        self.connection = connection
        self.config = config
        self.streamed = 0
        self.cut = False

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.connection.printed.take()  # printed before this test: not its output
        self.streamed, self.cut = 0, False

    def stream(self, text: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("grader")
        if reporter is None or self.cut:
            return
        room = OUTPUT_CHARS - self.streamed
        if room > 0:
            reporter.write({"event": "output", "text": text[:room]})
            self.streamed += min(len(text), room)
        if len(text) > room:
            self.cut = True
            reporter.write({"event": "output_cut"})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item) -> Iterator[None]:
        # Set before the report is made, which copies the item's user_properties.
        printed = [p for p in item.user_properties if p[0] == STUDENT_OUTPUT]
        text = printed[0][1] if printed else ""
        item.user_properties[:] = [
            p for p in item.user_properties if p[0] != STUDENT_OUTPUT
        ]
        item.user_properties.append(
            (STUDENT_OUTPUT, text + self.connection.printed.take())
        )
        yield


class _StudentFiles:
    """Let the student process write into the test's tmp_path (it runs as another uid)."""

    def __init__(self, connection: StudentConnection) -> None:
        self.connection = connection

    @pytest.fixture(autouse=True)
    def _grader_share_tmp_path(self, request: pytest.FixtureRequest) -> Iterator[None]:
        if "tmp_path" in request.fixturenames and self.connection.uid is not None:
            path: Path = request.getfixturevalue("tmp_path")
            # Through descriptors opened without following links: the student cannot
            # redirect these changes. Parents only become traversable, never writable.
            for folder, mode in (
                (path, 0o777),
                *((p, 0o711) for p in path.parents[:2]),
            ):
                _chmod_no_follow(folder, mode)
            self.connection.share(str(path))
            try:
                yield
            finally:
                self.connection.share(None)
            return
        yield


def _chmod_no_follow(folder: Path, mode: int) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def pytest_collection_finish(session: pytest.Session) -> None:
    """No test runs until the entrypoint has sealed the hidden suite's source: a test that
    reads a path the submission turned into a link cannot read the suite then. What the
    submission printed while it was imported becomes a record of its own."""
    connection = session.config.stash.get(CONNECTION, None)
    if connection is None:
        return
    # What the submission printed while collection imported it: no test's output, but
    # the student's all the same (the results put it beside the first failing test).
    printed = connection.printed.take()
    reporter = session.config.pluginmanager.get_plugin("grader")
    if printed and reporter is not None:
        reporter.write({"event": "import_output", "text": printed})
    if connection.spawner is not None:
        seal(connection.spawner)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """How the submission was isolated, as one more record of the results stream."""
    connection = session.config.stash.get(CONNECTION, None)
    reporter = session.config.pluginmanager.get_plugin("grader")
    if connection is None or reporter is None:
        return
    reporter.write(
        {
            "event": "isolation",
            "mode": "process",
            "student_uid": connection.uid,
            "restarts": connection.restarts,
            "anomalies": connection.anomalies[:20],
        }
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    connection = config.stash.get(CONNECTION, None)
    if connection is not None:
        connection.stop()
        client.ACTIVE = None
