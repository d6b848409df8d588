"""Broken word count that takes over its end of the proxy channel and speaks the wire
protocol itself: handles to the trusted side's objects, an exception class that is also a
KeyboardInterrupt, requests for the test process's globals and imports, forged log records,
answers out of turn and absurd frame sizes."""
import gc
import struct

ANSWER_EXTRAS = {"out": "test_word_count.py::test_counts_each_word PASSED\n", "err": "", "logs": []}
SNEAKY = {
    "t": "ref", "home": "mine", "id": 9001, "kind": "exception_class", "type": "type",
    "bases": [{"builtin": "Exception"}, {"builtin": "KeyboardInterrupt"}],
    "name": "Sneaky", "qualname": "Sneaky", "module": "word_count",
}
TRUSTED = {"t": "ref", "home": "yours", "id": 1}
FORGED_LOG = {"name": "_pytest.terminal", "levelno": 50, "levelname": "CRITICAL", "msg": "%s%s%s",
              "args": [1, 2], "exc_info": [1, 2, 3], "stack_info": "forged", "lineno": "x",
              "created": "never", "__class__": "TestReport", "funcName": None}


def hijack():
    # the server runs as __main__, so its class is matched by name
    endpoint = next((o for o in gc.get_objects() if type(o).__name__ == "StudentEndpoint"), None)
    if endpoint is None:
        return False
    original = endpoint.serve

    def reply(message_id, **fields):
        endpoint.send({"id": message_id, **fields, **ANSWER_EXTRAS})

    def serve(message):
        if message.get("op") != "call":
            return original(message)
        args = (message.get("args") or {}).get("v") or []
        key = args[0] if args else None
        mid = message["id"]
        if key == "to be or not to be":
            # a handle to "your object number 1", and one nested in a dict
            reply(mid, ok=True, value={"t": "dict", "v": [["to", TRUSTED], ["be", 2]]})
        elif key == "Hello hello":
            reply(mid, ok=False, error={"type": "Sneaky", "builtin": "Exception", "message": "stop",
                                        "location": "", "class": SNEAKY})
        elif key == "":
            for request in (
                {"op": "getattr", "target": TRUSTED, "name": "__globals__"},
                {"op": "getattr", "target": {"t": "ref", "home": "yours", "id": 0}, "name": "f_globals"},
                {"op": "import", "module": "os"},
                {"op": "setattr", "target": TRUSTED, "name": "outcome", "value": "passed"},
                {"op": "dunder", "target": TRUSTED, "name": "__setitem__", "args": {"t": "list", "v": []}},
                {"op": "call", "target": TRUSTED, "args": {"t": "list", "v": []}},
            ):
                try:
                    endpoint.request(request.pop("op"), **request)
                except BaseException:
                    pass
            reply(mid, ok=True, value={"t": "dict", "v": [["", 0]]})
        elif key == "c b a b c c":
            endpoint.send({"id": mid, "ok": False, "out": "===== 5 passed =====\n", "err": "",
                           "logs": [FORGED_LOG] * 5,
                           "error": {"type": "GeneratorExit", "builtin": "GeneratorExit",
                                     "message": "stop", "location": "/job/hidden/x.py:1"}})
        else:
            reply(mid + 1000, ok=True, value=["a"])  # out of turn
            endpoint.sock.sendall(struct.pack(">I", 0xFFFFFFF0))  # an absurd frame

    endpoint.serve = serve
    return True


HIJACKED = hijack()


def count_words(text):
    return {}


def top_words(text, n):
    return []
