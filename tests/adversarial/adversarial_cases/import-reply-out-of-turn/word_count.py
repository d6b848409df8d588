"""Broken word count that, while being imported through the proxy, answers the trusted side's
import request out of turn and then keeps its process alive and quiet.

The trusted side treats the bad frame as a closed channel and waits for the student process
to exit, without a time limit; during collection no per-test timer is running, so only the
whole run's deadline ends the wait.
"""
import gc

endpoint = next((o for o in gc.get_objects() if type(o).__name__ == "StudentEndpoint"), None)
if endpoint is not None:
    endpoint.send({"id": 10 ** 9, "ok": True, "value": None})


def count_words(text):
    return {}


def top_words(text, n):
    return []
