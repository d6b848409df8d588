"""Hidden tests of supervisor: exit codes, timeouts, stopping a process group, restarts,
file permissions.

Every child is a small real Python process. Each one ends by itself within a minute
(a wrong solution leaves nothing running for long), and whatever a test started is
killed after it. Waits are generous: no test asserts a tight wall time; a solution
that waits far too long runs out of the test's time limit instead. Restart delays go
through an injected `sleep`, so no test really waits for them.
"""

import os
import signal
import stat
import sys
import time

import pytest

from grader.testing import student_module
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

PY = sys.executable
LIFETIME = 40  # seconds any child of these tests lives at most


def child(code):
    """argv running `code` in a fresh Python."""
    return [PY, "-c", code]


def script(folder, name, body, mode=0o755):
    """An executable Python script `folder/name` with `body`, chmod'ed to `mode`."""
    path = folder / name
    path.write_text(f"#!{PY}\n{body}\n", encoding="utf-8")
    path.chmod(mode)
    return path


def state(pid):
    """The process's state letter from /proc (Z: a zombie), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def gone(pid, within=5.0):
    """Whether the process has ended (gone or a zombie), polling up to `within` s."""
    end = time.monotonic() + within
    while True:
        if state(pid) in (None, "Z", "X"):
            return True
        if time.monotonic() > end:
            return False
        time.sleep(0.05)


def wait_for(path, within=10.0):
    """The text of `path` once a child has written it (a line ending in a newline)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        if path.exists():
            text = path.read_text(encoding="utf-8")
            if text.endswith("\n"):
                return text
        time.sleep(0.02)
    raise AssertionError(f"{path.name} was never written: the child did not start")


@pytest.fixture
def cleanup():
    """Pids to kill after the test, whatever the solution left running."""
    pids = []
    yield pids
    for pid in pids:
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except (OSError, ValueError):
                pass


def write_pid(path):
    """Child code that writes its own pid to `path`."""
    return (
        f"open({str(path)!r} + '.tmp', 'w').write(f'{{os.getpid()}}\\n'); "
        f"os.replace({str(path)!r} + '.tmp', {str(path)!r})"
    )


def family(tmp_path, *, child_handler, then=f"time.sleep({LIFETIME})"):
    """Code for a child that starts a grandchild (same group, ignoring SIGTERM), writes
    both pids, then sleeps (or does `then`); each ends by itself within LIFETIME s."""
    grandchild = (
        "import os, signal, time; "
        "signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"{write_pid(tmp_path / 'grandchild')}; time.sleep({LIFETIME})"
    )
    return (
        "import os, signal, subprocess, sys, time\n"
        f"signal.signal(signal.SIGTERM, {child_handler})\n"
        f"subprocess.Popen([sys.executable, '-c', {grandchild!r}])\n"
        f"while not os.path.exists({str(tmp_path / 'grandchild')!r}):\n"
        "    time.sleep(0.01)\n"
        f"{write_pid(tmp_path / 'child')}\n"
        f"{then}\n"
    )


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "code, text",
    [
        (0, "ok"),
        (1, "exit 1"),
        (3, "exit 3"),
        (255, "exit 255"),
        (-9, "killed by SIGKILL"),
        (-15, "killed by SIGTERM"),
        (-2, "killed by SIGINT"),
        (-11, "killed by SIGSEGV"),
        (-99, "killed by signal 99"),
    ],
    ids=["0", "1", "3", "255", "-9", "-15", "-2", "-11", "unknown-signal"],
)
@pytest.mark.core
def test_describe_reads_exit_codes_and_signals(code, text):
    """describe: 0 is ok, N > 0 is 'exit N', N < 0 names the signal that killed it"""
    assert describe(code) == text


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_run_captures_stdout_and_stderr_apart():
    """run returns the exit code, stdout and stderr, each as text of its own"""
    result = run(
        child(
            "import sys; print('out 1'); print('err 1', file=sys.stderr); "
            "print('out 2'); sys.exit(3)"
        ),
        timeout=20,
    )
    assert result.returncode == 3
    assert result.stdout == "out 1\nout 2\n"
    assert result.stderr == "err 1\n"
    assert result.timed_out is False
    assert result.ok is False


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_run_success_is_ok():
    """A command that exits 0 gives returncode 0 and ok"""
    result = run(child("print('fine')"), timeout=20)
    assert (result.returncode, result.stdout, result.ok) == (0, "fine\n", True)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_run_reports_a_death_by_signal_as_a_negative_code():
    """A child killed by SIGTERM has returncode -15, described as 'killed by SIGTERM'"""
    result = run(
        child("import os, signal; os.kill(os.getpid(), signal.SIGTERM)"), timeout=20
    )
    assert result.returncode == -signal.SIGTERM
    assert describe(result.returncode) == "killed by SIGTERM"
    assert result.timed_out is False


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_run_decodes_utf8_and_replaces_bad_bytes():
    """Output is decoded as UTF-8; bytes that are not UTF-8 become U+FFFD, no error"""
    result = run(
        child(
            "import sys; sys.stdout.buffer.write('完成 '.encode() + b'\\xff\\n'); "
            "sys.stderr.buffer.write(b'\\xfe')"
        ),
        timeout=20,
    )
    assert result.stdout == "完成 \ufffd\n"
    assert result.stderr == "\ufffd"


@pytest.mark.task(1)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "argv, timeout, error",
    [
        ("echo hello", 5, TypeError),
        ([], 5, ValueError),
        ([PY, "-c", "pass"], 0, ValueError),
        ([PY, "-c", "pass"], -1, ValueError),
        ([PY, "-c", "pass"], True, ValueError),
    ],
    ids=["string-argv", "empty-argv", "zero-timeout", "negative-timeout", "bool"],
)
def test_run_refuses_bad_arguments(argv, timeout, error):
    """run refuses a string command (TypeError), an empty argv and a timeout <= 0"""
    with pytest.raises(error):
        run(argv, timeout=timeout)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_run_maps_unrunnable_commands_to_126_and_127(tmp_path):
    """A missing program gives 127, a non-executable file 126, and stderr says so"""
    missing = run([str(tmp_path / "no-such-program")], timeout=5)
    assert missing.returncode == 127
    assert "no-such-program" in missing.stderr
    plain = script(tmp_path, "plain.py", "print('hi')", mode=0o644)
    denied = run([str(plain)], timeout=5)
    assert denied.returncode == 126
    assert "plain.py" in denied.stderr


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_run_kills_a_child_that_runs_too_long():
    """On timeout the child is killed (SIGKILL), timed_out is set, its output kept"""
    result = run(
        child(f"import time; print('started', flush=True); time.sleep({LIFETIME})"),
        timeout=1.5,
    )
    assert result.timed_out is True
    assert result.returncode == -signal.SIGKILL
    assert result.stdout == "started\n"
    assert result.ok is False


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_run_timeout_kills_grandchildren_holding_the_output(tmp_path, cleanup):
    """On timeout the group dies: a grandchild holding stdout cannot keep run waiting"""
    result = run(child(family(tmp_path, child_handler="signal.SIG_IGN")), timeout=3)
    grandchild = int(wait_for(tmp_path / "grandchild", within=1))
    cleanup.append(grandchild)
    assert result.timed_out is True
    assert gone(grandchild), "the grandchild is still running after the timeout"


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_start_puts_the_child_in_a_new_session(cleanup):
    """start runs the child as the leader of a new session and process group"""
    proc = start(child(f"import time; time.sleep({LIFETIME})"))
    cleanup.append(proc.pid)
    try:
        assert os.getsid(proc.pid) == proc.pid
        assert os.getpgid(proc.pid) == proc.pid
        assert os.getpgid(proc.pid) != os.getpgid(0)
    finally:
        stop(proc, grace=1)


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_stop_sends_sigterm_first(tmp_path, cleanup):
    """stop asks with SIGTERM first: a child that handles it cleans up and exits 0"""
    done = tmp_path / "cleaned"
    proc = start(
        child(
            "import os, signal, sys, time\n"
            "def bye(signum, frame):\n"
            f"    open({str(done)!r}, 'w').write(f'{{signum}}\\n')\n"
            "    sys.exit(0)\n"
            "signal.signal(signal.SIGTERM, bye)\n"
            f"{write_pid(tmp_path / 'child')}\n"
            f"time.sleep({LIFETIME})\n"
        )
    )
    cleanup.append(proc.pid)
    wait_for(tmp_path / "child")
    # A grace past the time limit of a test: stop must return once the child is gone.
    assert stop(proc, grace=60) == 0
    assert wait_for(done, within=1) == f"{int(signal.SIGTERM)}\n"


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_stop_returns_minus_sigterm_for_a_default_child(tmp_path, cleanup):
    """A child that keeps SIGTERM's default action dies of it: stop returns -15"""
    proc = start(
        child(
            f"import os, time; {write_pid(tmp_path / 'child')}; "
            f"time.sleep({LIFETIME})"
        )
    )
    cleanup.append(proc.pid)
    wait_for(tmp_path / "child")
    assert stop(proc, grace=60) == -signal.SIGTERM


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_stop_kills_a_child_that_ignores_sigterm(tmp_path, cleanup):
    """A child that ignores SIGTERM is killed with SIGKILL once the grace is over"""
    proc = start(
        child(
            "import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            f"{write_pid(tmp_path / 'child')}; time.sleep({LIFETIME})"
        )
    )
    cleanup.append(proc.pid)
    wait_for(tmp_path / "child")
    assert stop(proc, grace=0.5) == -signal.SIGKILL
    assert gone(proc.pid)


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_stop_kills_the_whole_process_group(tmp_path, cleanup):
    """stop signals the group: a grandchild ignoring SIGTERM is killed too"""
    proc = start(child(family(tmp_path, child_handler="signal.SIG_DFL")))
    cleanup.append(proc.pid)
    grandchild = int(wait_for(tmp_path / "grandchild"))
    cleanup.append(grandchild)
    wait_for(tmp_path / "child")
    assert stop(proc, grace=0.5) == -signal.SIGTERM
    assert gone(grandchild), "the grandchild survived stop()"


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_stop_gives_five_seconds_of_grace_by_default(tmp_path, cleanup):
    """Without a grace argument, a child taking a second to clean up is not killed"""
    proc = start(
        child(
            "import os, signal, sys, time\n"
            "def bye(signum, frame):\n"
            "    time.sleep(1)\n"
            "    sys.exit(0)\n"
            "signal.signal(signal.SIGTERM, bye)\n"
            f"{write_pid(tmp_path / 'child')}\n"
            f"time.sleep({LIFETIME})\n"
        )
    )
    cleanup.append(proc.pid)
    wait_for(tmp_path / "child")
    assert stop(proc) == 0


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_stop_after_the_leader_left_still_kills_the_group(tmp_path, cleanup):
    """Even when the child has already exited, stop kills what it left in its group"""
    proc = start(child(family(tmp_path, child_handler="signal.SIG_DFL", then="pass")))
    cleanup.append(proc.pid)
    grandchild = int(wait_for(tmp_path / "grandchild"))
    cleanup.append(grandchild)
    assert gone(int(wait_for(tmp_path / "child"))), "the child did not exit by itself"
    assert stop(proc, grace=5) == 0
    assert gone(grandchild), "the grandchild survived stop()"


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_stop_of_a_finished_process_returns_its_code():
    """stop on a process that already exited returns its exit code without error"""
    proc = start(child("raise SystemExit(4)"))
    proc.wait()
    assert stop(proc, grace=1) == 4


@pytest.mark.task(2)
@pytest.mark.points(1)
@pytest.mark.parametrize("grace", [-1, "5", None], ids=["negative", "string", "none"])
def test_stop_refuses_a_bad_grace(grace, cleanup):
    """stop refuses a grace period that is not a number >= 0 (ValueError)"""
    proc = start(child(f"import time; time.sleep({LIFETIME})"))
    cleanup.append(proc.pid)
    try:
        with pytest.raises(ValueError):
            stop(proc, grace=grace)
    finally:
        stop(proc, grace=0)


# --------------------------------------------------------------------- task 3


def counter(tmp_path, failures, code=1):
    """Child code that fails with `code` on its first `failures` runs, then succeeds."""
    count = tmp_path / "runs"
    return child(
        "import pathlib, sys\n"
        f"p = pathlib.Path({str(count)!r})\n"
        "n = int(p.read_text()) + 1 if p.exists() else 1\n"
        "p.write_text(str(n))\n"
        "print(f'run {n}')\n"
        f"sys.exit({code} if n <= {failures} else 0)\n"
    )


class Sleeps:
    """An injected sleep that only records the delays."""

    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_supervise_stops_at_the_first_success(tmp_path):
    """A job that succeeds at once runs once, and nothing sleeps"""
    sleeps = Sleeps()
    report = supervise(counter(tmp_path, 0), timeout=20, restarts=3, sleep=sleeps)
    assert [r.stdout for r in report.attempts] == ["run 1\n"]
    assert report.ok is True
    assert sleeps.delays == [] and report.delays == []


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_supervise_restarts_until_success_with_doubling_delays(tmp_path):
    """Two failures then a success: three runs, sleeping backoff then twice backoff"""
    sleeps = Sleeps()
    report = supervise(
        counter(tmp_path, 2), timeout=20, restarts=5, backoff=0.25, sleep=sleeps
    )
    assert [r.returncode for r in report.attempts] == [1, 1, 0]
    assert sleeps.delays == [0.25, 0.5]
    assert report.delays == [0.25, 0.5]
    assert report.ok is True


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_supervise_gives_up_after_its_restarts(tmp_path):
    """A job that always fails runs 1 + restarts times, no sleep after the last"""
    sleeps = Sleeps()
    report = supervise(
        counter(tmp_path, 99, code=2), timeout=20, restarts=3, backoff=1, sleep=sleeps
    )
    assert [r.stdout for r in report.attempts] == [f"run {n}\n" for n in (1, 2, 3, 4)]
    assert sleeps.delays == [1, 2, 4]
    assert report.ok is False


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_supervise_caps_the_delay(tmp_path):
    """Delays double but never exceed max_backoff"""
    sleeps = Sleeps()
    supervise(
        counter(tmp_path, 99),
        timeout=20,
        restarts=5,
        backoff=1,
        max_backoff=5,
        sleep=sleeps,
    )
    assert sleeps.delays == [1, 2, 4, 5, 5]


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_supervise_allows_a_cap_equal_to_the_backoff(tmp_path):
    """max_backoff equal to backoff is allowed and gives a constant delay"""
    sleeps = Sleeps()
    supervise(
        counter(tmp_path, 99),
        timeout=20,
        restarts=2,
        backoff=2,
        max_backoff=2,
        sleep=sleeps,
    )
    assert sleeps.delays == [2, 2]


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_supervise_with_no_restarts_runs_once(tmp_path):
    """restarts=0 runs the job once, even when it fails"""
    sleeps = Sleeps()
    report = supervise(counter(tmp_path, 99), timeout=20, restarts=0, sleep=sleeps)
    assert len(report.attempts) == 1 and sleeps.delays == []


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_supervise_restarts_a_job_that_timed_out(tmp_path):
    """A run that times out counts as a failure and is restarted"""
    count = tmp_path / "runs"
    argv = child(
        "import pathlib, time\n"
        f"p = pathlib.Path({str(count)!r})\n"
        "first = not p.exists()\n"
        "p.write_text('x')\n"
        f"time.sleep({LIFETIME} if first else 0)\n"
    )
    sleeps = Sleeps()
    report = supervise(argv, timeout=1.5, restarts=2, backoff=0.1, sleep=sleeps)
    assert [r.timed_out for r in report.attempts] == [True, False]
    assert report.ok is True
    assert sleeps.delays == [0.1]


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_supervise_does_not_retry_a_command_that_cannot_run(tmp_path):
    """A missing program (127) is not restarted: retrying cannot fix it"""
    sleeps = Sleeps()
    report = supervise(
        [str(tmp_path / "no-such-program")], timeout=5, restarts=3, sleep=sleeps
    )
    assert [r.returncode for r in report.attempts] == [127]
    assert sleeps.delays == []
    assert report.ok is False


@pytest.mark.task(3)
@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "options",
    [
        {"restarts": -1},
        {"restarts": True},
        {"restarts": 1.5},
        {"backoff": -0.5},
        {"backoff": "1"},
        {"backoff": 2, "max_backoff": 1},
        {"timeout": 0},
    ],
    ids=[
        "negative-restarts",
        "bool-restarts",
        "float-restarts",
        "negative-backoff",
        "string-backoff",
        "cap-below-backoff",
        "zero-timeout",
    ],
)
def test_supervise_refuses_bad_settings(tmp_path, options):
    """supervise refuses bad restarts, backoff or timeout (ValueError), runs nothing"""
    settings = {"timeout": 5, **options}
    with pytest.raises(ValueError):
        supervise(counter(tmp_path, 0), sleep=Sleeps(), **settings)
    assert not (tmp_path / "runs").exists()


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_report_ok_needs_a_successful_last_attempt():
    """Report.ok is True only when the last attempt succeeded"""
    assert Report().ok is False
    assert Report([Result(1, "", ""), Result(0, "", "")], [0.5]).ok is True
    assert Report([Result(0, "", ""), Result(1, "", "")], [0.5]).ok is False
    assert Result(0, "", "", timed_out=True).ok is False


# --------------------------------------------------------------------- task 4


@pytest.fixture
def workdir(tmp_path, tmp_path_factory):
    """A folder outside tmp_path, writable by the submission (another user in the
    sandbox), where the modes it asks for are the modes it gets."""
    folder = tmp_path_factory.mktemp("jobs")
    folder.chmod(0o777)
    return folder


def mode(path):
    return stat.S_IMODE(os.stat(path)[stat.ST_MODE])


def read_as_submission(path):
    """Read a 0o600 file as the user that wrote it (the submission's process)."""
    with student_module("io").open(str(path), encoding="utf-8") as f:
        return f.read()


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_run_script_writes_a_private_log(tmp_path, workdir):
    """run_script writes <stem>.log with mode 0o600: stdout, stderr and the result"""
    job = script(
        tmp_path, "backup.py", "import sys; print('copied 3 files'); sys.exit(2)"
    )
    result = run_script(job, workdir, timeout=20)
    assert (result.returncode, result.stdout) == (2, "copied 3 files\n")
    log = workdir / "backup.log"
    assert oct(mode(log)) == oct(0o600)
    assert read_as_submission(log) == (
        "stdout:\ncopied 3 files\nstderr:\nresult: exit 2\n"
    )


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_an_existing_readable_log_becomes_private(tmp_path, workdir):
    """A log left 0o644 by an earlier run is rewritten and made 0o600"""
    log = workdir / "report.log"
    with student_module("io").open(str(log), "w", encoding="utf-8") as f:
        f.write("old secret " * 100)
    student_module("os").chmod(str(log), 0o644)
    job = script(tmp_path, "report.py", "import sys; print('warn', file=sys.stderr)")
    run_script(job, workdir, timeout=20)
    assert oct(mode(log)) == oct(0o600)
    assert read_as_submission(log) == "stdout:\nstderr:\nwarn\nresult: ok\n"


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_the_pid_file_names_the_running_child(tmp_path, workdir):
    """<stem>.pid holds the child's pid while it runs, and is removed when it ends"""
    pid_file = workdir / "worker.pid"
    job = script(
        tmp_path,
        "worker.py",
        "import os, pathlib, time\n"
        f"p = pathlib.Path({str(pid_file)!r})\n"
        "for _ in range(500):\n"
        "    if p.exists() and p.read_text().endswith('\\n'):\n"
        "        break\n"
        "    time.sleep(0.01)\n"
        "print('pid file', p.read_text().strip() == str(os.getpid()))\n"
        "print('mode', oct(p.stat().st_mode & 0o777))\n",
    )
    result = run_script(job, workdir, timeout=20)
    assert result.stdout == "pid file True\nmode 0o644\n"
    assert not pid_file.exists()


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_a_world_writable_script_is_refused(tmp_path, workdir):
    """A world-writable script raises ScriptError naming it, and never runs"""
    ran = tmp_path / "ran"
    job = script(tmp_path, "open.py", f"open({str(ran)!r}, 'w')", mode=0o757)
    with pytest.raises(ScriptError, match="open.py"):
        run_script(job, workdir, timeout=20)
    assert not ran.exists()
    assert sorted(os.listdir(workdir)) == []


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize("mode_bits", [0o646, 0o666, 0o777], ids=oct)
def test_any_world_write_bit_is_refused(tmp_path, workdir, mode_bits):
    """Scripts others may write are refused, whatever the other bits"""
    job = script(tmp_path, "job.py", "pass", mode=mode_bits)
    with pytest.raises(ScriptError):
        run_script(job, workdir, timeout=20)


@pytest.mark.task(4)
@pytest.mark.points(1)
@pytest.mark.parametrize("mode_bits", [0o644, 0o655, 0o600], ids=oct)
@pytest.mark.core
def test_a_script_that_is_not_executable_is_refused(tmp_path, workdir, mode_bits):
    """A script its owner may not execute raises ScriptError naming it, never runs"""
    ran = tmp_path / "ran"
    job = script(tmp_path, "plain.py", f"open({str(ran)!r}, 'w')", mode=mode_bits)
    with pytest.raises(ScriptError, match="plain.py"):
        run_script(job, workdir, timeout=20)
    assert not ran.exists()
    assert sorted(os.listdir(workdir)) == []


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_missing_script_and_folder_are_refused(tmp_path, workdir):
    """A missing script or a folder given as the script raises ScriptError"""
    with pytest.raises(ScriptError, match="nothing.py"):
        run_script(tmp_path / "nothing.py", workdir, timeout=20)
    folder = tmp_path / "folder.py"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    with pytest.raises(ScriptError, match="folder.py"):
        run_script(folder, workdir, timeout=20)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_a_group_readable_executable_script_runs(tmp_path, workdir):
    """Scripts marked executable that others may not write run (0o755, 0o775, 0o745)"""
    for number, mode_bits in enumerate((0o755, 0o775, 0o745)):
        job = script(tmp_path, f"mine{number}.py", "print('ran')", mode=mode_bits)
        result = run_script(str(job), str(workdir), timeout=20)
        assert result.stdout == "ran\n", f"mode {oct(mode_bits)}"


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_a_script_that_times_out_is_logged_and_cleaned_up(tmp_path, workdir):
    """A script past its timeout is killed, logged as 'timed out', its pid file gone"""
    job = script(
        tmp_path,
        "stuck.py",
        f"import time; print('working', flush=True); time.sleep({LIFETIME})",
    )
    result = run_script(job, workdir, timeout=1.5)
    assert result.timed_out is True
    assert read_as_submission(workdir / "stuck.log") == (
        "stdout:\nworking\nstderr:\nresult: timed out\n"
    )
    assert not (workdir / "stuck.pid").exists()
    assert oct(mode(workdir / "stuck.log")) == oct(0o600)


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_a_script_killed_by_a_signal_is_logged_by_name(tmp_path, workdir):
    """A script that dies of SIGKILL is logged as 'result: killed by SIGKILL'"""
    job = script(tmp_path, "crash.py", "import os, signal; os.kill(os.getpid(), 9)")
    result = run_script(job, workdir, timeout=20)
    assert result.returncode == -signal.SIGKILL
    assert read_as_submission(workdir / "crash.log").endswith(
        "result: killed by SIGKILL\n"
    )
