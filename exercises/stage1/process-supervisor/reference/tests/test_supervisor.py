"""Tests of supervisor with small real child processes and a fake sleep."""

import os
import signal
import stat
import sys
import time

import pytest

from supervisor import (
    Report,
    Result,
    ScriptError,
    describe,
    run,
    run_script,
    start,
    stop,
    supervise,
)


def child(code):
    return [sys.executable, "-c", code]


def script(folder, name, body, mode=0o755):
    path = folder / name
    path.write_text(f"#!{sys.executable}\n{body}\n", encoding="utf-8")
    path.chmod(mode)
    return path


def wait_for(path, within=10.0):
    end = time.monotonic() + within
    while not path.exists():
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.02)


@pytest.mark.parametrize(
    "code, text",
    [(0, "ok"), (2, "exit 2"), (-9, "killed by SIGKILL"), (-99, "killed by signal 99")],
)
def test_describe(code, text):
    assert describe(code) == text


def test_run_captures_both_streams_and_the_code():
    result = run(
        child("import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"),
        timeout=10,
    )
    assert (result.returncode, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert not result.ok


def test_run_times_out_and_keeps_the_output():
    result = run(
        child("import time; print('a', flush=True); time.sleep(30)"), timeout=1
    )
    assert result.timed_out and result.returncode == -signal.SIGKILL
    assert result.stdout == "a\n"


def test_run_missing_and_not_executable(tmp_path):
    assert run([str(tmp_path / "nope")], timeout=5).returncode == 127
    plain = script(tmp_path, "plain.py", "pass", mode=0o644)
    assert run([str(plain)], timeout=5).returncode == 126


@pytest.mark.parametrize(
    "argv, timeout", [("ls -l", 5), ([], 5), (["ls"], 0), (["ls"], True)]
)
def test_run_refuses_bad_arguments(argv, timeout):
    with pytest.raises((TypeError, ValueError)):
        run(argv, timeout=timeout)


def test_stop_terms_then_kills_the_group(tmp_path):
    ready = tmp_path / "ready"
    proc = start(
        child(
            "import signal, subprocess, sys, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n"
            f"open({str(ready)!r}, 'w').close()\n"
            "time.sleep(30)\n"
        )
    )
    assert os.getpgid(proc.pid) == proc.pid
    wait_for(ready)
    assert stop(proc, grace=0.3) == -signal.SIGKILL


def test_stop_returns_at_once_when_the_child_obeys_sigterm():
    proc = start(child("import time; time.sleep(30)"))
    assert stop(proc, grace=30) == -signal.SIGTERM


def test_stop_refuses_a_negative_grace():
    proc = start(child("import time; time.sleep(30)"))
    with pytest.raises(ValueError):
        stop(proc, grace=-1)
    stop(proc, grace=0)


def flaky(tmp_path, failures):
    count = tmp_path / "count"
    return child(
        "import pathlib, sys\n"
        f"p = pathlib.Path({str(count)!r})\n"
        "n = int(p.read_text()) + 1 if p.exists() else 1\n"
        "p.write_text(str(n))\n"
        f"sys.exit(1 if n <= {failures} else 0)\n"
    )


def test_supervise_restarts_with_doubling_capped_delays(tmp_path):
    slept = []
    report = supervise(
        flaky(tmp_path, 3),
        timeout=10,
        restarts=5,
        backoff=1,
        max_backoff=3,
        sleep=slept.append,
    )
    assert [r.returncode for r in report.attempts] == [1, 1, 1, 0]
    assert slept == report.delays == [1, 2, 3]
    assert report.ok


def test_supervise_gives_up(tmp_path):
    slept = []
    report = supervise(flaky(tmp_path, 9), timeout=10, restarts=2, sleep=slept.append)
    assert len(report.attempts) == 3 and slept == [0.5, 1.0]
    assert not report.ok


def test_supervise_does_not_retry_a_missing_program(tmp_path):
    report = supervise([str(tmp_path / "nope")], timeout=5, sleep=pytest.fail)
    assert [r.returncode for r in report.attempts] == [127]


@pytest.mark.parametrize(
    "options",
    [{"restarts": -1}, {"restarts": True}, {"backoff": "1"}, {"max_backoff": 0.1}],
)
def test_supervise_refuses_bad_settings(tmp_path, options):
    with pytest.raises(ValueError):
        supervise(flaky(tmp_path, 0), timeout=5, **options)


def test_report_ok():
    assert not Report().ok
    assert Report([Result(0, "", "")]).ok


def test_run_script_logs_privately_and_removes_its_pid_file(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    log = work / "job.log"
    log.write_text("old")
    log.chmod(0o644)
    job = script(
        tmp_path,
        "job.py",
        "import os, sys\n"
        "print(open('job.pid').read().strip() == str(os.getpid()))\n"
        "sys.exit(5)\n",
    )
    result = run_script(job, work, timeout=10)
    assert result.stdout == "True\n"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert log.read_text() == "stdout:\nTrue\nstderr:\nresult: exit 5\n"
    assert not (work / "job.pid").exists()


def test_run_script_logs_a_timeout(tmp_path):
    job = script(tmp_path, "slow.py", "import time; time.sleep(30)")
    assert run_script(job, tmp_path, timeout=0.5).timed_out
    assert (tmp_path / "slow.log").read_text().endswith("result: timed out\n")


@pytest.mark.parametrize("mode", [0o757, 0o644], ids=["world-writable", "no-exec"])
def test_run_script_refuses_unsafe_scripts(tmp_path, mode):
    job = script(tmp_path, "bad.py", "pass", mode=mode)
    with pytest.raises(ScriptError, match="bad.py"):
        run_script(job, tmp_path, timeout=5)
    assert not (tmp_path / "bad.log").exists()


def test_run_script_refuses_missing_and_folders(tmp_path):
    with pytest.raises(ScriptError):
        run_script(tmp_path / "missing.py", tmp_path, timeout=5)
    with pytest.raises(ScriptError):
        run_script(tmp_path, tmp_path, timeout=5)
