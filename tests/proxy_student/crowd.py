"""A student module for the concurrency tests: objects many threads use at once."""

import threading
import time


class Meeting:
    """Returns from `arrive` only once `parties` callers are inside it at the same time."""

    def __init__(self, parties):
        self.barrier = threading.Barrier(parties, timeout=5)
        self.lock = threading.Lock()
        self.count = 0

    def arrive(self):
        self.barrier.wait()
        with self.lock:
            self.count += 1
        return threading.get_ident()


def call_at_once(functions):
    """Call every function from a thread of its own; their results in order."""
    results = [None] * len(functions)

    def work(index, function):
        try:
            results[index] = function()
        except Exception as exc:
            results[index] = f"{type(exc).__name__}: {exc}"

    threads = [
        threading.Thread(target=work, args=(i, f)) for i, f in enumerate(functions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


LATE = {}


def call_later(function, seconds):
    """Call `function` from a thread that outlives this call; what happened goes in LATE."""

    def work():
        time.sleep(seconds)
        try:
            LATE["result"] = function()
        except Exception as exc:
            LATE["result"] = f"{type(exc).__name__}: {exc}"

    threading.Thread(target=work, daemon=True).start()


def late_result():
    return LATE.get("result")


def square(value):
    return value * value


def hang():
    while True:
        time.sleep(0.05)


def call(function, *args):
    return function(*args)
