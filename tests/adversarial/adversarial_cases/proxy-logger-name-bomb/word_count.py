"""Broken word count whose process attaches log records to every answer it sends the
trusted test process (the import's answer included) with logger names of 200 000 dots:
replaying them, the trusted side's logging.getLogger() creates a placeholder for every
dotted prefix (quadratic time and memory), during collection, where no per-test timer
runs."""
import gc

NAME = "a." * 100_000 + "b"
RECORD = {"name": NAME, "levelno": 50, "levelname": "CRITICAL", "msg": "x"}


def hijack():
    endpoint = next(
        (o for o in gc.get_objects() if type(o).__name__ == "StudentEndpoint"), None
    )
    if endpoint is None:
        return
    original = endpoint.decorate

    def decorate(reply):
        reply = original(reply)
        reply["logs"] = [dict(RECORD, name=NAME + str(i)) for i in range(300)]
        return reply

    endpoint.decorate = decorate


hijack()


def count_words(text):
    return {}


def top_words(text, n):
    return []
