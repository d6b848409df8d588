"""Values that cross the process boundary, as JSON-ready data. Never pickle.

Built-in values, containers, bytes, datetimes, Decimal, Fraction, complex, numpy arrays and
pandas objects cross by value. Everything else stays where it was made and crosses as a handle
(`{"t": "ref", ...}`); the side that owns it keeps it in a table. Subclasses of built-in types
cross as the plain base value, so an `int` subclass with a forged `__eq__` arrives as an int.
"""

from __future__ import annotations

import base64
import builtins
import collections
import datetime as dt
import math
from functools import lru_cache
from pathlib import Path, PurePath
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable

MAX_DEPTH = 64
MAX_ITEMS = 1_000_000


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
        encoded = _encode_array_like(value, refer, nested)
        if encoded is not None:
            return encoded
    return refer(value)


def decode(data: Any, resolve: Resolver, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise CodecError("value nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if not isinstance(data, dict) or "t" not in data:
        raise CodecError(f"malformed value {type(data).__name__}")
    kind, raw = data["t"], data.get("v")
    nested = depth + 1
    if kind in ("list", "tuple", "set", "frozenset"):
        items = [decode(i, resolve, nested) for i in raw]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[kind](
            items
        )
    if kind == "dict":
        return {decode(k, resolve, nested): decode(v, resolve, nested) for k, v in raw}
    if kind == "namedtuple":
        return _namedtuple(str(data["name"]), tuple(data["fields"]))(
            *[decode(i, resolve, nested) for i in raw]
        )
    if kind == "namedtuple_class":
        return _namedtuple(str(data["name"]), tuple(data["fields"]))
    if kind == "path":
        return Path(raw)
    if kind == "builtin":
        found = getattr(builtins, str(raw), None)
        if not isinstance(found, type):
            raise CodecError(f"unknown built-in type {raw!r}")
        return found
    if kind == "float":
        return float(raw)
    if kind in ("bytes", "bytearray"):
        payload = base64.b64decode(raw)
        return payload if kind == "bytes" else bytearray(payload)
    if kind == "datetime":
        return dt.datetime.fromisoformat(raw)
    if kind == "date":
        return dt.date.fromisoformat(raw)
    if kind == "time":
        return dt.time.fromisoformat(raw)
    if kind == "timedelta":
        return dt.timedelta(days=raw[0], seconds=raw[1], microseconds=raw[2])
    if kind == "decimal":
        return Decimal(raw)
    if kind == "fraction":
        return Fraction(raw[0], raw[1])
    if kind == "complex":
        return complex(raw[0], raw[1])
    if kind == "ndarray":
        return _decode_ndarray(data, resolve, nested)
    if kind in ("dataframe", "series"):
        return _decode_pandas(data, resolve, nested)
    if kind.startswith("pd."):
        return _decode_pandas_scalar(kind, raw)
    if kind in ("ref", "callback"):
        return resolve(data)
    raise CodecError(f"unknown value kind {kind!r}")


@lru_cache(maxsize=256)
def _namedtuple(name: str, fields: tuple[str, ...]) -> Any:
    return collections.namedtuple(name, fields)  # type: ignore[misc]


def _encode_array_like(value: Any, refer: Referencer, depth: int) -> Any:
    import numpy as np

    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - numpy without pandas
        pd = None
    if pd is not None and value is pd.NA:
        return {"t": "pd.NA"}
    if pd is not None and value is pd.NaT:
        return {"t": "pd.NaT"}
    if pd is not None and isinstance(value, pd.Timestamp):
        return {"t": "pd.Timestamp", "v": value.isoformat()}
    if pd is not None and isinstance(value, pd.Timedelta):
        return {"t": "pd.Timedelta", "v": value.value}
    if isinstance(value, np.generic):
        if isinstance(value, np.datetime64):
            return {"t": "ndarray", **_array_fields(np.asarray(value))}
        return encode(value.item(), refer, depth)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biufcmM" and not value.dtype.hasobject:
            return {"t": "ndarray", **_array_fields(value)}
        return {
            "t": "ndarray",
            "dtype": "object",
            "shape": list(value.shape),
            "v": [encode(i, refer, depth) for i in value.ravel().tolist()],
        }
    if pd is None:
        return None
    if isinstance(value, pd.DataFrame):
        return {
            "t": "dataframe",
            "columns": _encode_index(value.columns, refer, depth),
            "index": _encode_index(value.index, refer, depth),
            "dtypes": [str(d) for d in value.dtypes],
            "v": [encode(value[c].to_numpy(), refer, depth) for c in value.columns],
        }
    if isinstance(value, pd.Series):
        return {
            "t": "series",
            "name": encode(value.name, refer, depth),
            "index": _encode_index(value.index, refer, depth),
            "dtype": str(value.dtype),
            "v": encode(value.to_numpy(), refer, depth),
        }
    return None


def _array_fields(value: Any) -> dict[str, Any]:
    import numpy as np

    array = np.ascontiguousarray(value)
    return {
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "v": base64.b64encode(array.tobytes()).decode("ascii"),
    }


def _encode_index(index: Any, refer: Referencer, depth: int) -> Any:
    return {
        "names": encode(list(index.names), refer, depth),
        "values": encode(index.tolist(), refer, depth),
        "multi": index.nlevels > 1,
        "dtype": str(index.dtype),
    }


def _decode_ndarray(data: dict[str, Any], resolve: Resolver, depth: int) -> Any:
    import numpy as np

    if data["dtype"] == "object":
        items = [decode(i, resolve, depth) for i in data["v"]]
        array = np.empty(len(items), dtype=object)
        array[:] = items
        return array.reshape(data["shape"])
    raw = base64.b64decode(data["v"])
    return (
        np.frombuffer(raw, dtype=np.dtype(data["dtype"])).reshape(data["shape"]).copy()
    )


def _decode_index(data: dict[str, Any], resolve: Resolver, depth: int) -> Any:
    import pandas as pd

    values = decode(data["values"], resolve, depth)
    names = decode(data["names"], resolve, depth)
    if data["multi"]:
        return pd.MultiIndex.from_tuples(values, names=names)
    index = pd.Index(values, name=names[0] if names else None)
    try:
        return index.astype(data["dtype"])
    except (TypeError, ValueError):
        return index


def _decode_pandas(data: dict[str, Any], resolve: Resolver, depth: int) -> Any:
    import pandas as pd

    index = _decode_index(data["index"], resolve, depth)
    if data["t"] == "series":
        values = decode(data["v"], resolve, depth)
        series = pd.Series(
            values, index=index, name=decode(data["name"], resolve, depth)
        )
        return _astype(series, data["dtype"])
    columns = _decode_index(data["columns"], resolve, depth)
    frame = pd.DataFrame(
        {i: decode(v, resolve, depth) for i, v in enumerate(data["v"])}, index=index
    )
    if len(columns) == frame.shape[1]:
        frame.columns = columns
    for position, dtype in enumerate(data["dtypes"]):
        frame.isetitem(position, _astype(frame.iloc[:, position], dtype))
    return frame


def _decode_pandas_scalar(kind: str, raw: Any) -> Any:
    import pandas as pd

    if kind == "pd.NA":
        return pd.NA
    if kind == "pd.NaT":
        return pd.NaT
    if kind == "pd.Timestamp":
        return pd.Timestamp(raw)
    if kind == "pd.Timedelta":
        return pd.Timedelta(int(raw))
    raise CodecError(f"unknown value kind {kind!r}")


def _astype(series: Any, dtype: str) -> Any:
    try:
        return series.astype(dtype)
    except (TypeError, ValueError):
        return series
