"""The entrypoint's own duties: starting student processes on request, the records pipe,
blame for exhausted resources, and the one file the host accepts from the sandbox."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.pipeline import read_results
from grader.graders.hidden_tests import seal_suite
from grader.runner.backend import RunOutcome
from grader.sandbox.entrypoint import exhausted_resource
from grader.runner.job import prepare_job, remove_job
from grader.sandbox.proxy.endpoint import Endpoint
from grader.sandbox.proxy.spawner import (
    SpawnedProcess,
    SpawnService,
    seal,
    spawn,
    student_env,
)
from grader.sandbox.pytest_session import pytest_command, run_pytest_watched
from grader.runner.submission import collect_submission


@pytest.fixture
def service(tmp_path: Path):
    (tmp_path / "hello.py").write_text("GREETING = 'hi'\n")
    running = SpawnService(root=str(tmp_path), env=student_env(), preexec=None)
    fd = running.start()
    channel = socket.socket(fileno=os.dup(fd))
    yield running, channel
    channel.close()
    running.close()


def test_spawned_student_process_answers_and_is_killed_on_request(service) -> None:
    running, channel = service
    process, sock, dump, printed = spawn(channel)
    try:
        endpoint = Endpoint(sock, "trusted")
        sock.settimeout(30)
        assert endpoint.request("ready") is True
        assert process.poll() is None
        process.kill()
        assert process.wait(5) == -signal.SIGKILL
    finally:
        sock.close()
        os.close(dump)
        os.close(printed)


def test_spawner_acts_only_on_its_own_processes_and_signals(service) -> None:
    running, channel = service
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(OSError, match="not a process this service started"):
            SpawnedProcess(channel, stranger.pid).send_signal(signal.SIGKILL)
        assert stranger.poll() is None, "a process it did not start was killed"
        process, sock, dump, printed = spawn(channel)
        sock.close()
        os.close(dump)
        os.close(printed)
        with pytest.raises(OSError, match="signal .* is not allowed"):
            process.send_signal(signal.SIGSTOP)
        assert process.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_closing_the_service_kills_what_it_started(service) -> None:
    running, channel = service
    process, sock, dump, printed = spawn(channel)
    sock.close()
    os.close(dump)
    os.close(printed)
    pid = process.pid
    running.close()
    time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_records_come_through_a_pipe_and_nothing_is_written_beside_them(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_sample.py").write_text(
        "def test_one():\n    assert False\n\ndef test_two():\n    pass\n"
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    command = pytest_command(
        ini=tmp_path / "pytest.ini",
        rootdir=tmp_path,
        test_seconds=10,
        student_root=tmp_path,
    )
    assert not any(arg.startswith("--grader-results=") for arg in command)
    run = run_pytest_watched(
        command,
        [str(tmp_path / "test_sample.py")],
        cwd=tmp_path,
        log_path=tmp_path / "log.txt",
        test_seconds=10,
        deadline=time.monotonic() + 60,
    )
    assert {k.split("::")[1]: r["status"] for k, r in run.results.items()} == {
        "test_one": "failed",
        "test_two": "passed",
    }
    after = sorted(p.name for p in tmp_path.iterdir() if p.name != "__pycache__")
    assert after == sorted([*before, "log.txt"])


@pytest.mark.parametrize(
    "exc, resource",
    [
        (
            BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable"),
            "processes",
        ),
        (OSError(errno.ENOSPC, "No space left on device"), "disk space"),
        (MemoryError(), "memory"),
        (RuntimeError("wrapped"), ""),
    ],
)
def test_exhausted_resources_are_named(exc: BaseException, resource: str) -> None:
    found = exhausted_resource(exc)
    assert (found.text if found else "").startswith(resource)


def test_an_exhausted_resource_behind_another_error_is_found() -> None:
    try:
        try:
            raise BlockingIOError(errno.EAGAIN, "fork failed")
        except OSError as inner:
            raise RuntimeError("could not start the report") from inner
    except RuntimeError as outer:
        found = exhausted_resource(outer)
        assert found is not None and found.text.startswith("processes")


def test_a_file_beside_the_results_makes_them_untrusted(
    word_count, reference_copy: Path
) -> None:
    job = prepare_job(word_count, collect_submission(reference_copy, word_count))
    try:
        job.results_path.write_text(json.dumps({"nonce": job.nonce, "checks": []}))
        (job.results_path.parent / "planted").write_text("x")
        report = read_results(job, RunOutcome(exit_code=0))
        checks, reason = report.checks, report.problem
        assert "files of unknown origin" in reason and "planted" in reason
        assert {c.status for c in checks} == {"error"}
    finally:
        remove_job(job)


def test_seal_is_answered_only_after_the_entrypoint_has_sealed(tmp_path: Path) -> None:
    calls: list[str] = []
    running = SpawnService(
        root=str(tmp_path),
        env=student_env(),
        preexec=None,
        seal=lambda: (time.sleep(0.2), calls.append("sealed")),
    )
    channel = socket.socket(fileno=os.dup(running.start()))
    try:
        seal(channel)
        assert calls == ["sealed"]
    finally:
        channel.close()
        running.close()


def test_a_sealed_suite_is_unreadable_until_opened_again(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_x(): pass\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "expected.csv").write_text("a,b\n")
    files = [tmp_path / "test_x.py", tmp_path / "data" / "expected.csv"]
    seal_suite(tmp_path, sealed=True)
    assert [p.stat().st_mode & 0o777 for p in files] == [0, 0]
    assert (tmp_path / "data").stat().st_mode & 0o100, "folders stay traversable"
    seal_suite(tmp_path, sealed=False)
    assert [p.stat().st_mode & 0o777 for p in files] == [0o640, 0o640]
