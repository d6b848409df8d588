"""Broken word count that asks the trusted test process to build objects of built-in types
for it: requests whose target is a type value ({"t": "builtin"}) - call `type` to make a class
there, call `object`, `bytearray`, `memoryview`, `property`, `KeyboardInterrupt`, `SystemExit`;
read public attributes (`mro`, `fromkeys`, `maketrans`) and call the method handles; ask for
`__subclasses__`, `__import__` and `open`; and hands the trusted side built-in types as values
(`type`, `object`) in a call's arguments and in answers. On every call."""
import gc
import sys

NONE = {"t": "list", "v": []}
CLASS_ARGS = {"t": "list", "v": ["Planted", {"t": "tuple", "v": []},
                                 {"t": "dict", "v": [["passed", True]]}]}
CALLS = [("type", CLASS_ARGS), ("object", NONE), ("bytearray", {"t": "list", "v": [8]}),
         ("memoryview", {"t": "list", "v": [{"t": "bytes", "v": "AAAA"}]}),
         ("property", NONE), ("KeyboardInterrupt", NONE), ("SystemExit", NONE),
         ("open", {"t": "list", "v": ["/job/job.json"]}),
         ("__import__", {"t": "list", "v": ["os"]})]
ATTRIBUTES = [("type", "mro"), ("dict", "fromkeys"), ("str", "maketrans"),
              ("object", "__subclasses__"), ("type", "__call__"), ("int", "from_bytes")]
MADE = []


def find_endpoint():
    for name in ("__main__", "grader.sandbox.proxy.server"):
        module = sys.modules.get(name)
        for value in vars(module).values() if module else ():
            if type(value).__name__ == "StudentEndpoint":
                return value
    return next((o for o in gc.get_objects() if type(o).__name__ == "StudentEndpoint"), None)


def ask(endpoint, op, **fields):
    try:
        return True, endpoint.request(op, **fields)
    except BaseException as exc:
        return False, exc


def raw(endpoint, op, **fields):
    try:
        endpoint.send({"id": 10 ** 7 + endpoint.next_id, "op": op, **fields})
        reply = endpoint.receive()
    except BaseException as exc:
        return False, exc
    return bool(reply.get("ok")), reply.get("value", reply.get("error"))


def handle_in(endpoint, value):
    if isinstance(value, dict) and value.get("t") == "ref" and value.get("home") == "mine":
        return {"t": "ref", "home": "yours", "id": value["id"]}
    if getattr(type(value), "_grader_proxy", False):
        return endpoint._refer(value)
    return None


def build():
    endpoint = find_endpoint()
    if endpoint is None:
        return
    for name, args in CALLS:
        for how in (ask, raw):
            ok, value = how(endpoint, "call", target={"t": "builtin", "v": name}, args=args)
            if ok:
                MADE.append(f"{name}() -> {value!r}"[:200])
    for name, attribute in ATTRIBUTES:
        for how in (ask, raw):
            target = {"t": "builtin", "v": name}
            ok, value = how(endpoint, "getattr", target=target, name=attribute)
            handle = handle_in(endpoint, value) if ok else None
            if handle is not None:
                ok, value = how(endpoint, "call", target=handle, args=NONE)
                MADE.append(f"{name}.{attribute}() -> {value!r}"[:200])
    # A handle the trusted side made for us, if any, named as the target of a request.
    for ref in range(1, 40):
        ask(endpoint, "getattr", target={"t": "ref", "home": "yours", "id": ref}, name="passed")


def count_words(text):
    build()
    if MADE:
        raise RuntimeError("INSTANTI" + "ATED " + " | ".join(MADE)[:3000])
    return {"answer": {"t": "builtin", "v": "type"}, "kind": type, "base": object}


def top_words(text, n):
    build()
    return [type, object, property]
