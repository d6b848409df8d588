"""Broken word count that keeps writing after it should have stopped: atexit hooks, a
non-daemon thread that blocks interpreter exit, and daemon threads that print forever."""
import atexit
import json
import os
import sys
import threading
import time

FAKE = json.dumps({"event": "result", "id": "test_word_count.py::test_counts_each_word",
                   "status": "passed"}) + "\n===== 5 passed in 0.01s =====\n"


def late_write():
    for path in ("/job/out/results.json", "/job/work/trusted/hidden.jsonl", "/tmp/grader-adv-marker-atexit",
                 "/job/work/student/student.jsonl"):
        try:
            with open(path, "a") as f:
                f.write(FAKE)
        except OSError:
            pass
    for fd in (1, 2, 3, 4, 5, 6, 7):
        try:
            os.write(fd, FAKE.encode())
        except OSError:
            pass


def chatter():
    while True:
        try:
            sys.stdout.write(FAKE)
            sys.stderr.write(FAKE)
        except Exception:
            pass
        time.sleep(0.01)


def linger():
    time.sleep(25)
    late_write()


atexit.register(late_write)
atexit.register(lambda: time.sleep(20))
threading.Thread(target=chatter, daemon=True).start()
threading.Thread(target=linger, daemon=False).start()


def count_words(text):
    threading.Thread(target=linger, daemon=False).start()
    return {}


def top_words(text, n):
    atexit.register(late_write)
    return []
