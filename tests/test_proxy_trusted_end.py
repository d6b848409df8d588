"""The trusted end acts only on handles it handed over (issue #10), against a real student
process whose module speaks the wire protocol itself: the four regression cases (a path read,
a path write, a built-in instantiated, a trusted KeyboardInterrupt sent back) and what must
keep working (a test's exception keeps its identity on its way back, context managers, default
arguments)."""

from __future__ import annotations

import pytest

from grader.sandbox.proxy.client import StudentConnection
from grader.sandbox.proxy.endpoint import ProtocolViolation

# ---- the trusted end acts only on its own handles (issue #10) ---------------------------
# A student module that speaks the wire protocol itself from inside its process: it finds
# its end of the channel and sends the trusted process requests our student end never would.
FORGER = '''
import gc


def _endpoint():
    return next(o for o in gc.get_objects() if type(o).__name__ == "StudentEndpoint")


def ask(op, **fields):
    try:
        return "ok", repr(_endpoint().request(op, **fields))
    except BaseException as exc:
        return "refused", f"{type(exc).__name__}: {exc}"


def read_path(path):
    handle = {"t": "path", "v": path}
    return [
        ask("getattr", target=handle, name="read_text"),
        ask("call", target={"t": "list", "v": [handle]}),
        ask("dunder", target=handle, name="__str__", args={"t": "list", "v": []}),
    ]


def write_path(path):
    handle = {"t": "path", "v": path}
    got = [ask("getattr", target=handle, name=name) for name in ("write_text", "unlink")]
    got.append(ask("setattr", target=handle, name="name", value="x"))
    got.append(ask("delattr", target=handle, name="name"))
    return got


def instantiate():
    args = {"t": "list", "v": ["Planted", {"t": "tuple", "v": []}, {"t": "dict", "v": []}]}
    return [
        ask("call", target={"t": "builtin", "v": "type"}, args=args),
        ask("call", target={"t": "builtin", "v": "KeyboardInterrupt"}),
        ask("getattr", target={"t": "builtin", "v": "object"}, name="mro"),
        ask("import", module="os"),
    ]


def send_back(value):
    """Answer with an error whose instance is the test's own value, as a KeyboardInterrupt."""
    endpoint = _endpoint()
    ref = endpoint._refer(value)
    original = endpoint.describe_error

    def forged(exc):
        endpoint.describe_error = original
        error = original(exc)
        error.pop("class", None)
        error.update(type="KeyboardInterrupt", builtin="KeyboardInterrupt", instance=ref)
        return error

    endpoint.describe_error = forged
    raise ValueError("a stand-in")


def call(function, *args):
    return function(*args)


def keep(function):
    try:
        function()
    except Exception as exc:
        keep.held = exc


def raise_held():
    raise keep.held


def default_of(function):
    import inspect

    return inspect.signature(function).parameters["registry"].default


def pass_default_back(function):
    return function(1, registry=default_of(function))


def use_default(function):
    return default_of(function).add("planted")


def close_early(manager):
    def numbers():
        with manager:
            yield 1
            yield 2

    generator = numbers()
    next(generator)
    generator.close()
    return "closed"
'''


@pytest.fixture(scope="module")
def forger(tmp_path_factory):
    root = tmp_path_factory.mktemp("forger")
    (root / "forger.py").write_text(FORGER)
    connection = StudentConnection(str(root), call_seconds=5)
    yield connection.import_module("forger"), connection
    connection.stop()


def _trusted_objects(connection) -> list:
    return list(connection.endpoint.objects.values())


def test_a_path_target_cannot_read_a_file(forger, tmp_path) -> None:
    module, _ = forger
    secret = tmp_path / "job.json"
    secret.write_text('{"nonce": "s3cret"}')
    with pytest.raises(ProtocolViolation, match="not on a handle the tests gave it"):
        module.read_path(str(secret))


def test_a_path_target_cannot_write_or_unlink_a_file(forger, tmp_path) -> None:
    module, _ = forger
    record = tmp_path / "hidden.jsonl"
    record.write_text('{"event": "start"}\n')
    record.chmod(0o600)
    with pytest.raises(ProtocolViolation, match="not on a handle the tests gave it"):
        module.write_path(str(record))
    assert record.read_text() == '{"event": "start"}\n'
    assert record.stat().st_mode & 0o777 == 0o600


def test_a_builtin_target_instantiates_nothing(forger) -> None:
    module, connection = forger
    before = len(connection.endpoint.objects)
    with pytest.raises(ProtocolViolation):
        module.instantiate()
    # What the trusted side handed out since: only its refusals, described as errors.
    refusals = (ProtocolViolation, PermissionError)
    for made in _trusted_objects(connection)[before:]:
        assert isinstance(made, refusals) or made in refusals, made


def test_a_trusted_keyboardinterrupt_sent_back_is_a_plain_failure(forger) -> None:
    module, _ = forger
    interrupt = KeyboardInterrupt("the test's own")
    try:
        module.send_back(interrupt)
    except Exception as exc:  # what pytest reports as a failure of this test
        assert type(exc) is RuntimeError and exc is not interrupt
        assert str(exc).startswith("KeyboardInterrupt:")
    except BaseException as exc:  # pragma: no cover - the regression
        pytest.fail(f"a {type(exc).__name__} escaped into the test process")
    else:  # pragma: no cover
        pytest.fail("the forged error was not raised")


def test_a_callbacks_exception_keeps_its_identity_only_on_its_way_back(forger) -> None:
    module, _ = forger

    class Abort(BaseException):
        pass

    error, abort = ValueError("original"), Abort("stop")

    def fail(exc):
        raise exc

    with pytest.raises(ValueError) as info:
        module.call(fail, error)
    assert info.value is error
    with pytest.raises(Abort) as caught:
        module.call(fail, abort)
    assert caught.value is abort
    # Kept by the student and raised in a later call: a new exception of the same class.
    module.keep(lambda: fail(ValueError("kept")))
    with pytest.raises(ValueError, match="kept") as later:
        module.raise_held()
    assert str(later.value) == "kept"


def test_a_tests_context_manager_sees_the_exception_class_that_left_it(forger) -> None:
    module, _ = forger
    seen = []

    class Manager:
        def __enter__(self):
            return self

        def __exit__(self, kind, value, traceback):
            seen.append(kind)
            return False

    assert module.close_early(Manager()) == "closed"
    assert seen == [GeneratorExit]


def test_a_callbacks_default_argument_can_be_passed_back_but_not_used(forger) -> None:
    module, _ = forger

    class Registry:
        def __init__(self):
            self.items = []

        def add(self, item):
            self.items.append(item)

    kept = Registry()

    def callback(x, registry=kept, scale=2):
        return registry is kept

    with pytest.raises(ProtocolViolation, match="not on a handle the tests gave it"):
        module.use_default(callback)
    assert kept.items == []
    assert module.pass_default_back(callback) is True
