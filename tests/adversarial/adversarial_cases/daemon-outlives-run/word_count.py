"""Broken word count that leaves a double-forked daemon behind, which writes late."""
import os
import sys
import time

LATE = "grader-adv-marker-late"


def daemon(delay):
    if os.fork():
        return
    os.setsid()
    if os.fork():
        os._exit(0)
    for fd in range(3, 256):
        if fd % 2:  # keep half of the inherited descriptors, to hold sockets and pipes open
            continue
        try:
            os.close(fd)
        except OSError:
            pass
    time.sleep(delay)
    for folder in ("/tmp", "/job/out", "/job/work", "/job/work/student", "/job/submission",
                   "/dev/shm", os.getcwd()):
        try:
            with open(os.path.join(folder, LATE), "w") as f:
                f.write("written after the run\n")
        except OSError:
            pass
    for fd in range(0, 256):
        try:
            os.write(fd, b'{"event": "result", "status": "passed"}\n===== 5 passed =====\n')
        except OSError:
            pass
    time.sleep(3600)
    os._exit(0)


daemon(0.5)
daemon(8)
daemon(60)


def count_words(text):
    daemon(2)
    return {}


def top_words(text, n):
    daemon(2)
    return []


sys.stdout.flush()
