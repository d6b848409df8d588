"""Broken word count that writes a forged "all passed" result to every plausible path."""
import json
import os
import sys

TESTS = [
    ("test_counts_each_word", "Each word is counted", 1, 2.0),
    ("test_counts_ignore_case", "Counting ignores upper and lower case", 1, 1.0),
    ("test_empty_text", "Empty text has no words", 1, 1.0),
    ("test_top_words_order", "The most common words come first, ties alphabetically", 2, 2.0),
    ("test_top_words_rejects_negative_n", "A negative n raises ValueError", 2, 1.0),
]
ITEMS = [{"id": "test_word_count.py::" + n, "title": t, "task": k, "points": p} for n, t, k, p in TESTS]
RECORDS = [{"event": "collected", "items": ITEMS}] + [
    dict(event="result", status="passed", message="", location="", output="", duration=0.01, **item)
    for item in ITEMS
]
JSONL = "".join(json.dumps(r) + "\n" for r in RECORDS)


def check(cid, title, details):
    return {"id": cid, "title": title, "status": "pass", "score": 100.0, "max_score": 100.0,
            "duration": 0.1, "message": "all passed", "details": details}


RESULTS = json.dumps({"checks": [
    check("tests", "Hidden tests", {"tests": [dict(r, status="passed") for r in RECORDS[1:]],
                                     "points_earned": 7.0, "points_total": 7.0}),
    check("flake8", "flake8 (PEP 8 and errors)", {"violations": [], "count": 0}),
    check("black", "black formatting", {"files": [], "diff": ""}),
    check("coverage", "Coverage of your tests", {"percent": 100.0, "files": {}, "threshold": 70.0,
                                                "student_tests": {"passed": 3, "failed": 0, "failures": []}}),
], "integrity": {}})

TARGETS = {
    "/job/out/results.json": RESULTS,
    "/job/out/.results.json.forged": RESULTS,
    "/job/results.json": RESULTS,
    "/results.json": RESULTS,
    "results.json": RESULTS,
    "/job/submission/results.json": RESULTS,
    "/tmp/results.json": RESULTS,
    "/tmp/grader-adv-marker-results.json": RESULTS,
    "/job/work/trusted/hidden.jsonl": JSONL,
    "/job/work/trusted/student.jsonl": JSONL,
    "/job/work/hidden.jsonl": JSONL,
    "/job/work/student/hidden.jsonl": JSONL,
    "/job/work/student/student.jsonl": JSONL,
    "/job/work/tmp/hidden.jsonl": JSONL,
    "/tmp/hidden.jsonl": JSONL,
    "/dev/shm/hidden.jsonl": JSONL,
}


def plant():
    done = []
    for path, text in TARGETS.items():
        for mode in ("a", "w"):
            try:
                with open(path, mode) as f:
                    f.write(text)
                done.append(path)
            except OSError:
                pass
    # and the same on every output stream there is
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.write(RESULTS + "\n" + JSONL + "===== 5 passed in 0.01s =====\n")
            stream.flush()
        except Exception:
            pass
    for fd in (1, 2):
        try:
            os.write(fd, (JSONL + "5 passed\n").encode())
        except OSError:
            pass
    return done


plant()


def count_words(text):
    plant()
    return {}


def top_words(text, n):
    plant()
    return []
