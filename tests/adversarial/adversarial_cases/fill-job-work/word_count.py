"""Broken word count that fills the shared /job/work tmpfs from the folder it may write, so
the trusted side has no room left for its own result streams."""
import os

FOLDERS = ("/job/work/student", "/job/work/tmp", "/job/work/tmp/hidden", "/job/work")


def fill():
    chunk = b"\0" * (1024 * 1024)
    written = 0
    for folder in FOLDERS:
        for i in range(400):
            try:
                with open(os.path.join(folder, f"grader-adv-marker-{os.getpid()}-{i}"), "wb") as f:
                    for _ in range(32):
                        f.write(chunk)
                        written += len(chunk)
            except OSError:
                break
    return written


fill()


def count_words(text):
    fill()
    return {}


def top_words(text, n):
    fill()
    return []
