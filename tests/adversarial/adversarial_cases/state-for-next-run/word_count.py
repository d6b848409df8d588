"""Broken word count that leaves state behind and looks for what an earlier run left.

Each container has its own hostname, so a marker holding another hostname was left by an
earlier grading run.
"""
import os
import socket

MARK = "grader-adv-marker-state"
PLACES = ["/tmp", "/dev/shm", "/job/work", "/job/work/student", "/job/work/tmp", "/var/tmp",
          "/job/submission", "/job/out", os.path.expanduser("~"), os.getcwd(), "/run/lock"]
ME = socket.gethostname()


def look_and_leave():
    found = []
    for folder in PLACES:
        path = os.path.join(folder, MARK)
        try:
            with open(path) as f:
                if f.read() != ME:
                    found.append(path)
        except OSError:
            pass
        try:
            with open(f"{path}.{os.getpid()}", "w") as f:
                f.write(ME)
            os.replace(f"{path}.{os.getpid()}", path)
        except OSError:
            pass
    return sorted(set(found))


FOUND_AT_IMPORT = look_and_leave()


def count_words(text):
    found = look_and_leave()
    return {"found": len(found)} if found else {}


def top_words(text, n):
    return []
