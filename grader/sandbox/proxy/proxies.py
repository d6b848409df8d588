"""Proxies: local stand-ins for the other process's objects.

Attribute access, calls and Python's operators on a proxy become requests. Exception classes
are mirrored as real local classes (see `errors.py`).
Comparing a proxy with a plain local value never asks the peer: a student object whose
`__eq__` always says True stays unequal to the test's expected value.
"""

from __future__ import annotations

import inspect
import textwrap
import types
from typing import Any

from grader.sandbox.proxy.endpoint import Endpoint
from grader.sandbox.proxy.errors import mirror_exception_class

_DESCRIBED = frozenset({"__name__", "__qualname__", "__module__", "__doc__"})


class RemoteObject:
    __slots__ = ("_endpoint", "_ref", "_info", "_path", "__weakref__")
    _grader_proxy = True

    def _ask(self, op: str, **fields: Any) -> Any:
        endpoint: Endpoint = object.__getattribute__(self, "_endpoint")
        if endpoint.closed:
            endpoint = _revive(self)
        target = {
            "t": "ref",
            "home": "yours",
            "id": object.__getattribute__(self, "_ref"),
        }
        return endpoint.request(op, target=target, **fields)

    def _dunder(self, name: str, *args: Any) -> Any:
        endpoint: Endpoint = object.__getattribute__(self, "_endpoint")
        return self._ask("dunder", name=name, args=endpoint.encode(list(args)))

    def __getattr__(self, name: str) -> Any:
        value = self._ask("getattr", name=name)
        path = object.__getattribute__(self, "_path")
        if path is not None and getattr(type(value), "_grader_proxy", False):
            if object.__getattribute__(value, "_path") is None:
                object.__setattr__(value, "_path", (*path, name))
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        endpoint: Endpoint = object.__getattribute__(self, "_endpoint")
        self._ask("setattr", name=name, value=endpoint.encode(value))

    def __delattr__(self, name: str) -> None:
        self._ask("delattr", name=name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        endpoint: Endpoint = object.__getattribute__(self, "_endpoint")
        return self._ask(
            "call",
            args=endpoint.encode(list(args)),
            kwargs=endpoint.encode(dict(kwargs)),
        )

    def __dir__(self) -> list[str]:
        return list(self._ask("dir"))

    def __getattribute__(self, name: str) -> Any:
        # Names functools.wraps and inspect read are answered from the description the
        # peer sent with the handle, without a round trip.
        if name in _DESCRIBED:
            info = object.__getattribute__(self, "_info")
            key = name.strip("_")
            if key in info or name == "__doc__":
                return info.get(key)
            return object.__getattribute__(self, "_ask")("getattr", name=name)
        return object.__getattribute__(self, name)

    @property
    def __wrapped__(self) -> Any:
        return self._ask("getattr", name="__wrapped__")

    @property
    def __signature__(self) -> inspect.Signature:
        parameters = [
            (
                inspect.Parameter(name, inspect._ParameterKind(kind), default=default)
                if has_default
                else inspect.Parameter(name, inspect._ParameterKind(kind))
            )
            for name, kind, has_default, default in self._ask("signature")
        ]
        return inspect.Signature(parameters)

    def __repr__(self) -> str:
        return str(self._dunder("__repr__"))

    def __str__(self) -> str:
        return str(self._dunder("__str__"))

    def __bool__(self) -> bool:
        return bool(self._dunder("__bool__"))

    def __len__(self) -> int:
        return int(self._dunder("__len__"))

    def __iter__(self) -> Any:
        return self._dunder("__iter__")

    def __next__(self) -> Any:
        return self._dunder("__next__")

    def __contains__(self, item: Any) -> bool:
        return bool(self._dunder("__contains__", item))

    def __getitem__(self, key: Any) -> Any:
        return self._dunder("__getitem__", key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._dunder("__setitem__", key, value)

    def __delitem__(self, key: Any) -> None:
        self._dunder("__delitem__", key)

    def __hash__(self) -> int:
        return int(self._dunder("__hash__"))

    def __enter__(self) -> Any:
        return self._dunder("__enter__")

    def __exit__(self, *exc_info: Any) -> Any:
        kind, value, _ = exc_info
        return self._dunder("__exit__", kind, value, None)

    def __eq__(self, other: Any) -> bool:  # type: ignore[override]
        return _same_peer(self, other) and bool(self._dunder("__eq__", other))

    def __ne__(self, other: Any) -> bool:  # type: ignore[override]
        return not _same_peer(self, other) or bool(self._dunder("__ne__", other))

    def __lt__(self, other: Any) -> Any:
        return self._dunder("__lt__", other)

    def __le__(self, other: Any) -> Any:
        return self._dunder("__le__", other)

    def __gt__(self, other: Any) -> Any:
        return self._dunder("__gt__", other)

    def __ge__(self, other: Any) -> Any:
        return self._dunder("__ge__", other)

    def __add__(self, other: Any) -> Any:
        return self._dunder("__add__", other)

    def __radd__(self, other: Any) -> Any:
        return self._dunder("__radd__", other)

    def __sub__(self, other: Any) -> Any:
        return self._dunder("__sub__", other)

    def __rsub__(self, other: Any) -> Any:
        return self._dunder("__rsub__", other)

    def __mul__(self, other: Any) -> Any:
        return self._dunder("__mul__", other)

    def __rmul__(self, other: Any) -> Any:
        return self._dunder("__rmul__", other)

    def __truediv__(self, other: Any) -> Any:
        return self._dunder("__truediv__", other)

    def __floordiv__(self, other: Any) -> Any:
        return self._dunder("__floordiv__", other)

    def __mod__(self, other: Any) -> Any:
        return self._dunder("__mod__", other)

    def __neg__(self) -> Any:
        return self._dunder("__neg__")

    def __abs__(self) -> Any:
        return self._dunder("__abs__")

    def __int__(self) -> int:
        return int(self._dunder("__int__"))

    def __float__(self) -> float:
        return float(self._dunder("__float__"))

    def __index__(self) -> int:
        return int(self._dunder("__index__"))


class RemoteFunction(RemoteObject):
    """A function of the peer: like a Python function, it binds when read from an instance."""

    __slots__ = ()

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        return types.MethodType(self, instance)


class RemoteClass(RemoteObject):
    """A class of the peer: calling it builds an instance there.

    A test may subclass it (`class Price(Money): ...`): the class statement then builds the
    subclass in the student process from the methods' source (see `subclass_request`), so
    `super()` and the alternate constructors behave as they would in one process.
    """

    __slots__ = ()

    def __new__(
        cls, name: str, bases: tuple[Any, ...], namespace: dict[str, Any]
    ) -> Any:
        base = bases[0]
        endpoint: Endpoint = object.__getattribute__(base, "_endpoint")
        request = subclass_request(endpoint, name, bases, namespace)
        made = endpoint.request("subclass", **request)
        path = object.__getattribute__(base, "_path")
        if path is not None:
            object.__setattr__(made, "_path", None)
        return made

    def __init__(self, *args: Any) -> None:
        """Proxies are made by `make_proxy`; a class statement has already done its work."""

    def __instancecheck__(self, instance: Any) -> bool:
        if not _same_peer(self, instance):
            return False
        endpoint: Endpoint = object.__getattribute__(self, "_endpoint")
        target = {
            "t": "ref",
            "home": "yours",
            "id": object.__getattribute__(instance, "_ref"),
        }
        return bool(
            endpoint.request("isinstance", target=target, cls=endpoint.encode(self))
        )


class RemoteModule(types.ModuleType):
    """The submission's module as the hidden tests import it."""

    def __init__(self, name: str, remote: RemoteObject) -> None:
        super().__init__(name)
        object.__setattr__(self, "_grader_remote", remote)
        self.__file__ = f"<student process>/{name}.py"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return getattr(object.__getattribute__(self, "_grader_remote"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("__") and name.endswith("__"):
            # __loader__, __spec__ and friends belong to this process's import machinery:
            # forwarding them would hand the submission a handle to trusted objects.
            object.__setattr__(self, name, value)
            return
        setattr(object.__getattribute__(self, "_grader_remote"), name, value)

    def __dir__(self) -> list[str]:
        return dir(object.__getattribute__(self, "_grader_remote"))


def subclass_request(
    endpoint: Endpoint, name: str, bases: tuple[Any, ...], namespace: dict[str, Any]
) -> dict[str, Any]:
    """The source and the names a test's subclass needs, to define it in the peer."""
    methods, values, modules = [], {}, {}
    for attr, value in namespace.items():
        if attr in ("__module__", "__qualname__", "__doc__", "__classcell__"):
            continue
        function = getattr(value, "__func__", value)
        if inspect.isfunction(function):
            source = textwrap.dedent(inspect.getsource(value))
            methods.append(textwrap.indent(source, "    "))
            for global_name in function.__code__.co_names:
                if global_name in function.__globals__:
                    found = function.__globals__[global_name]
                    if inspect.ismodule(found):
                        modules[global_name] = found.__name__
                    else:
                        values[global_name] = found
        else:
            values[attr] = value
    header = f"class {name}(" + ", ".join(
        f"__grader_base_{i}" for i in range(len(bases))
    )
    body = "".join(methods) or "    pass\n"
    doc = namespace.get("__doc__")
    if doc:
        body = f"    {doc!r}\n" + body
    return {
        "source": f"{header}):\n{body}",
        "name": name,
        "bases": endpoint.encode(list(bases)),
        "values": endpoint.encode(values),
        "modules": modules,
        "attributes": [a for a in values if a in namespace],
    }


def define_subclass(endpoint: Endpoint, message: dict[str, Any]) -> Any:
    """The student end of `subclass_request`."""
    import importlib

    scope: dict[str, Any] = {}
    for index, base in enumerate(endpoint.decode(message["bases"])):
        scope[f"__grader_base_{index}"] = base
    values = endpoint.decode(message["values"])
    scope.update({k: v for k, v in values.items() if k not in message["attributes"]})
    for alias, module in dict(message["modules"]).items():
        scope[alias] = importlib.import_module(str(module))
    exec(compile(str(message["source"]), "<test subclass>", "exec"), scope)
    made = scope[str(message["name"])]
    for attr in message["attributes"]:
        setattr(made, attr, values[attr])
    return made


# What a handle's description may say; in the trusted process only these, and only as text.
DESCRIPTION = ("kind", "type", "name", "qualname", "module", "doc")


def make_proxy(endpoint: Endpoint, data: dict[str, Any]) -> Any:
    if endpoint.trusted:
        data = {
            **{k: data[k] for k in DESCRIPTION if isinstance(data.get(k), str)},
            "id": data["id"],
            "bases": data.get("bases"),
        }
    kind = data.get("kind")
    if kind == "exception_class":
        return mirror_exception_class(endpoint, data)
    proxy_type = {"class": RemoteClass, "function": RemoteFunction}.get(
        str(kind), RemoteObject
    )
    proxy = object.__new__(proxy_type)
    object.__setattr__(proxy, "_endpoint", endpoint)
    object.__setattr__(proxy, "_ref", data["id"])
    object.__setattr__(proxy, "_info", data)
    object.__setattr__(proxy, "_path", None)
    return proxy


class StaleObject(RuntimeError):
    """An object of a student process that has since been stopped and replaced."""


def _revive(proxy: RemoteObject) -> Endpoint:
    """Point a proxy of a stopped student process at the same name in the new one."""
    endpoint: Endpoint = object.__getattribute__(proxy, "_endpoint")
    path = object.__getattribute__(proxy, "_path")
    connection = getattr(endpoint, "connection", None)
    if connection is None or path is None:
        raise StaleObject(
            "this object lived in a student process that was stopped after an earlier "
            "timeout or crash; create it again in this test"
        )
    fresh = connection.resolve(path)
    object.__setattr__(proxy, "_endpoint", object.__getattribute__(fresh, "_endpoint"))
    object.__setattr__(proxy, "_ref", object.__getattribute__(fresh, "_ref"))
    return object.__getattribute__(proxy, "_endpoint")


def _info(proxy: RemoteObject) -> dict[str, Any]:
    return object.__getattribute__(proxy, "_info")


def _same_peer(proxy: RemoteObject, other: Any) -> bool:
    return getattr(type(other), "_grader_proxy", False) and object.__getattribute__(
        other, "_endpoint"
    ) is object.__getattribute__(proxy, "_endpoint")
