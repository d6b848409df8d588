"""Values that cross the process boundary, as JSON-ready data. Never pickle.

Built-in values, containers, bytes, datetimes, Decimal, Fraction, complex, numpy arrays and
pandas objects cross by value. Everything else stays where it was made and crosses as a handle
(`{"t": "ref", ...}`); the side that owns it keeps it in a table. Subclasses of built-in types
cross as the plain base value, so an `int` subclass with a forged `__eq__` arrives as an int.

The trusted test process decodes with `trusted=True`: what the student process sends becomes
plain data only. A path is a `PurePosixPath` (equal to the `Path` it stands for, with no I/O),
a built-in type is one of the inert data types or a built-in exception class, a namedtuple
class is built by `collections.namedtuple` from checked identifiers, and a pandas dtype is
only applied when it cannot name a file (`dateutil/...` time zones read one) or an import.
"""

from __future__ import annotations

import base64
import builtins
import collections
import datetime as dt
import keyword
import math
import re
from functools import lru_cache
from pathlib import Path, PurePath, PurePosixPath
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable

MAX_DEPTH = 64
MAX_ITEMS = 1_000_000
MAX_FIELDS = 255
# Built-in types the trusted process accepts from the student process as values: the types of
# plain data. Never `type`, `object`, `property` and the like, whose calls reach further.
INERT_BUILTINS: frozenset[type] = frozenset(
    (bool, int, float, complex, str, bytes, bytearray)
    + (list, tuple, dict, set, frozenset)
)
# A pandas dtype the trusted process applies: a name, optionally with [unit] or [unit, zone].
_DTYPE = re.compile(
    r"[A-Za-z][A-Za-z0-9_]*(\[[A-Za-z0-9_]+(, ?[A-Za-z0-9_+:-]+(/[A-Za-z0-9_+-]+)*)?\])?"
)
# Time zones that load a named file or the local zone, and pandas types that import pyarrow.
_DTYPE_REFUSED = ("dateutil", "tzlocal", "tzfile", "pyarrow")


class CodecError(ValueError):
    """A value could not be encoded or decoded."""


Referencer = Callable[[Any], dict[str, Any]]
Resolver = Callable[[dict[str, Any]], Any]


def encode(value: Any, refer: Referencer, depth: int = 0) -> Any:
    """`value` as JSON-ready data; objects that cannot cross become `refer(value)`."""
    if depth > MAX_DEPTH:
        raise CodecError("value nested too deeply to send")
    if value is None or isinstance(value, bool):
        return bool(value) if value is not None else None
    if isinstance(value, int):
        return int.__index__(value)
    if isinstance(value, float):
        number = float.__float__(value)
        if math.isfinite(number):
            return number
        return {"t": "float", "v": repr(number)}
    if isinstance(value, str):
        return str.__str__(value)
    nested = depth + 1
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):
        fields = [str(f) for f in type(value)._fields]
        return {
            "t": "namedtuple",
            "name": type(value).__name__,
            "fields": fields,
            "v": [encode(i, refer, nested) for i in tuple.__iter__(value)],
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        kind = next(k for k in (list, tuple, frozenset, set) if isinstance(value, k))
        items = list(kind.__iter__(value))
        if len(items) > MAX_ITEMS:
            raise CodecError("container too large to send")
        if kind in (set, frozenset):
            items.sort(key=repr)  # a stable wire order; sets compare unordered anyway
        return {"t": kind.__name__, "v": [encode(i, refer, nested) for i in items]}
    if isinstance(value, dict):
        return {
            "t": "dict",
            "v": [
                [encode(k, refer, nested), encode(v, refer, nested)]
                for k, v in dict.items(value)
            ],
        }
    if isinstance(value, (bytes, bytearray)):
        kind = "bytes" if isinstance(value, bytes) else "bytearray"
        return {"t": kind, "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, PurePath):
        return {"t": "path", "v": str(value)}
    if isinstance(value, type) and getattr(builtins, value.__name__, None) is value:
        return {"t": "builtin", "v": value.__name__}
    if (
        isinstance(value, type)
        and issubclass(value, tuple)
        and hasattr(value, "_fields")
    ):
        # A namedtuple class crosses as its shape, so its instances (which cross by value)
        # are instances of it on both sides.
        return {
            "t": "namedtuple_class",
            "name": value.__name__,
            "fields": list(value._fields),
        }
    exact = type(value)
    if exact in (dt.datetime, dt.date, dt.time):
        return {"t": exact.__name__, "v": value.isoformat()}
    if exact is dt.timedelta:
        return {"t": "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if exact is Decimal:
        return {"t": "decimal", "v": str(value)}
    if exact is Fraction:
        return {"t": "fraction", "v": [value.numerator, value.denominator]}
    if exact is complex:
        return {"t": "complex", "v": [value.real, value.imag]}
    module = getattr(exact, "__module__", "") or ""
    if module.startswith("numpy") or module.startswith("pandas"):
        encoded = _arrays().encode_array_like(value, refer, nested)
        if encoded is not None:
            return encoded
    return refer(value)


def decode(
    data: Any, resolve: Resolver, depth: int = 0, *, trusted: bool = False
) -> Any:
    """The value `data` describes; handles become `resolve(data)`.

    `trusted=True` in the trusted process: only plain data (see the module's docstring).
    """
    if depth > MAX_DEPTH:
        raise CodecError("value nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if not isinstance(data, dict) or not isinstance(data.get("t"), str):
        raise CodecError(f"malformed value {type(data).__name__}")
    kind, raw = data["t"], data.get("v")
    nested = depth + 1
    if kind in ("list", "tuple", "set", "frozenset"):
        items = [decode(i, resolve, nested, trusted=trusted) for i in _items(raw)]
        return _build(_CONTAINERS[kind], items)
    if kind == "dict":
        pairs = [_pair(p) for p in _items(raw)]
        return _build(
            dict,
            [
                (
                    decode(k, resolve, nested, trusted=trusted),
                    decode(v, resolve, nested, trusted=trusted),
                )
                for k, v in pairs
            ],
        )
    if kind == "namedtuple":
        items = [decode(i, resolve, nested, trusted=trusted) for i in _items(raw)]
        return _build(_namedtuple_of(data), *items)
    if kind in ("ref", "callback"):
        if trusted and kind != "ref":
            raise CodecError(f"unknown value kind {kind!r}")
        return resolve(data)
    try:
        if kind == "ndarray":
            return _arrays().decode_ndarray(data, resolve, nested, trusted)
        if kind in ("dataframe", "series"):
            return _arrays().decode_pandas(data, resolve, nested, trusted)
        return _decode_leaf(kind, raw, data, trusted)
    except CodecError:
        raise
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise CodecError(f"malformed {kind} value ({type(exc).__name__})") from None


_CONTAINERS: dict[str, type] = {
    "list": list,
    "tuple": tuple,
    "set": set,
    "frozenset": frozenset,
}


def _decode_leaf(kind: str, raw: Any, data: dict[str, Any], trusted: bool) -> Any:
    """A value with no nested values in it."""
    if kind == "namedtuple_class":
        return _namedtuple_of(data)
    if kind == "path":
        if trusted:  # data in the trusted process: no read_text, unlink, chmod, ...
            return PurePosixPath(_text(raw))
        return Path(raw)
    if kind == "builtin":
        return _builtin_type(raw, trusted)
    if kind == "float":
        return float(_text(raw))
    if kind in ("bytes", "bytearray"):
        payload = base64.b64decode(_text(raw), validate=True)
        return payload if kind == "bytes" else bytearray(payload)
    if kind == "datetime":
        return dt.datetime.fromisoformat(_text(raw))
    if kind == "date":
        return dt.date.fromisoformat(_text(raw))
    if kind == "time":
        return dt.time.fromisoformat(_text(raw))
    if kind == "timedelta":
        days, seconds, microseconds = _numbers(raw, 3)
        return dt.timedelta(days=days, seconds=seconds, microseconds=microseconds)
    if kind == "decimal":
        return Decimal(_text(raw))
    if kind == "fraction":
        numerator, denominator = _numbers(raw, 2, int)
        return Fraction(numerator, denominator)
    if kind == "complex":
        real, imag = _numbers(raw, 2)
        return complex(real, imag)
    if kind.startswith("pd."):
        return _arrays().decode_pandas_scalar(kind, raw)
    raise CodecError(f"unknown value kind {kind!r:.60}")


def _build(factory: Callable[..., Any], *args: Any) -> Any:
    """`factory(*args)`, a malformed value's error as a CodecError."""
    try:
        return factory(*args)
    except (TypeError, ValueError) as exc:
        raise CodecError(f"malformed value ({type(exc).__name__})") from None


def _items(raw: Any) -> list[Any]:
    if not isinstance(raw, list):
        raise CodecError("malformed container")
    if len(raw) > MAX_ITEMS:
        raise CodecError("container too large")
    return raw


def _pair(raw: Any) -> tuple[Any, Any]:
    if not isinstance(raw, list) or len(raw) != 2:
        raise CodecError("malformed dict item")
    return raw[0], raw[1]


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise CodecError("malformed value: expected text")
    return raw


def _numbers(raw: Any, count: int, kind: Any = (int, float)) -> list[Any]:
    if (
        not isinstance(raw, list)
        or len(raw) != count
        or not all(isinstance(n, kind) and not isinstance(n, bool) for n in raw)
    ):
        raise CodecError("malformed value: expected numbers")
    return raw


def _builtin_type(raw: Any, trusted: bool) -> type:
    found = getattr(builtins, _text(raw), None)
    if not isinstance(found, type):
        raise CodecError(f"unknown built-in type {raw!r:.60}")
    if trusted and not (
        found in INERT_BUILTINS
        # An exception class is inert until someone raises it (a context manager's
        # __exit__ receives one, GeneratorExit included); never raised from this value.
        or (issubclass(found, BaseException) and found.__module__ == "builtins")
    ):
        raise CodecError(
            f"the built-in type {found.__name__} does not cross as a value"
        )
    return found


def _namedtuple_of(data: dict[str, Any]) -> Any:
    """The namedtuple class `data` describes, from checked identifiers only."""
    name, fields = data.get("name"), data.get("fields")
    if (
        not isinstance(name, str)
        or not isinstance(fields, list)
        or len(fields) > MAX_FIELDS
        or not all(_identifier(f) for f in [name, *fields])
    ):
        raise CodecError("malformed namedtuple")
    return _build(_namedtuple, name, tuple(fields))


def _identifier(name: Any) -> bool:
    return (
        isinstance(name, str)
        and name.isidentifier()
        and not keyword.iskeyword(name)
        and not name.startswith("_")
    )


@lru_cache(maxsize=256)
def _namedtuple(name: str, fields: tuple[str, ...]) -> Any:
    return collections.namedtuple(name, fields)  # type: ignore[misc]


def safe_dtype(dtype: Any) -> bool:
    """May the trusted process apply this pandas dtype? Not one that names a file or imports."""
    return (
        isinstance(dtype, str)
        and len(dtype) <= 100
        and _DTYPE.fullmatch(dtype) is not None
        and not any(word in dtype.lower() for word in _DTYPE_REFUSED)
    )


def _arrays() -> Any:
    """numpy and pandas support, imported when a value needs it (it imports this module)."""
    from grader.sandbox.proxy import arrays

    return arrays
