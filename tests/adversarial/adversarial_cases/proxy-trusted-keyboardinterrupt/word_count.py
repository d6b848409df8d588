"""Broken word count that answers the trusted process's calls with forged errors naming the
test's own KeyboardInterrupt (a value a hidden test handed it) as the exception that comes
back, so that the trusted pytest would re-raise its own interrupt and stop the run: the
instance as a handle home, a builtin KeyboardInterrupt/SystemExit/GeneratorExit, a class that
mirrors with KeyboardInterrupt and SystemExit bases, a class handle guessed among the trusted
side's objects. It rewrites its end's error descriptions; on every call."""
import gc
import itertools
import sys

HELD = []
TURN = itertools.count()


def find_endpoint():
    for name in ("__main__", "grader.sandbox.proxy.server"):
        module = sys.modules.get(name)
        for value in vars(module).values() if module else ():
            if type(value).__name__ == "StudentEndpoint":
                return value
    return next((o for o in gc.get_objects() if type(o).__name__ == "StudentEndpoint"), None)


def forgeries(handles):
    mirror = {"t": "ref", "home": "mine", "id": 9000, "kind": "exception_class",
              "type": "type", "name": "Interrupt", "qualname": "Interrupt",
              "module": "word_count", "bases": [{"builtin": "KeyboardInterrupt"},
                                                {"builtin": "SystemExit"}]}
    for handle in handles:
        yield {"type": "KeyboardInterrupt", "builtin": "KeyboardInterrupt", "instance": handle}
        yield {"type": "SystemExit", "builtin": "SystemExit", "instance": handle,
               "args": {"t": "list", "v": [0]}}
        yield {"type": "KeyboardInterrupt", "builtin": "KeyboardInterrupt", "class": handle}
    yield {"type": "GeneratorExit", "builtin": "GeneratorExit"}
    yield {"type": "Interrupt", "builtin": "KeyboardInterrupt", "class": mirror}


def forge_next_error():
    """Rewrite how this end describes the exception about to be raised, once."""
    endpoint = find_endpoint()
    if endpoint is None:
        return
    handles = HELD or [{"t": "ref", "home": "yours", "id": i} for i in range(1, 6)]
    choices = list(forgeries(handles))
    choice = choices[next(TURN) % len(choices)]
    original = endpoint.describe_error

    def forged(exc):
        endpoint.describe_error = original
        error = original(exc)
        error.pop("class", None)
        error.update(choice, message="stop the run")
        return error

    endpoint.describe_error = forged


def count_words(text):
    endpoint = find_endpoint()
    if endpoint is not None and getattr(type(text), "_grader_proxy", False):
        HELD.append(endpoint._refer(text))  # the test's own KeyboardInterrupt, as a handle
    forge_next_error()
    raise LookupError("a stand-in for the forged error")


def top_words(text, n):
    forge_next_error()
    raise LookupError("a stand-in for the forged error")
