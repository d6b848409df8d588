"""Broken word count that tries to kill its parent (the trusted test process), PID 1, every
process in the container, and finally every process it is allowed to signal."""
import glob
import os
import signal
import time

DONE = "/tmp/kill-probe-done"


def targets():
    pids = {"ppid": os.getppid(), "pid1": 1}
    for path in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(path, "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        pid = int(path.split("/")[2])
        if "grader.sandbox.entrypoint" in cmdline:
            pids["inside"] = pid
        elif "pytest" in cmdline and "grader-proxy" in cmdline:
            pids["hidden-pytest"] = pid
    return pids


def attack():
    outcome = {}
    for name, pid in targets().items():
        for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):
            try:
                os.kill(pid, sig)
                outcome[name] = "killed"
            except OSError as exc:
                outcome[name] = type(exc).__name__
        try:
            group = os.getpgid(pid)
            if group > 1:  # killpg(1) is kill(-1): every process of our own uid
                os.killpg(group, signal.SIGKILL)
                outcome[name + "-group"] = "killed"
        except OSError as exc:
            outcome[name + "-group"] = type(exc).__name__
    return outcome


def count_words(text):
    # The same k=v form as the student's own test: the hidden tests' messages carry it even
    # when this submission's kill(-1) (see top_words) ends its own test run first.
    outcome = attack()
    raise AssertionError("KILL " + " ".join(f"{k}={v}" for k, v in sorted(outcome.items())))


def top_words(text, n):
    # once the student's own tests have reported (see tests/), kill every process of our uid
    for _ in range(80):
        if os.path.exists(DONE):
            os.kill(-1, signal.SIGKILL)
        time.sleep(0.05)
    return []
