"""numpy and pandas values crossing by value (see `codec.py`); imported only when one does."""

from __future__ import annotations

import base64
from typing import Any

from grader.sandbox.proxy.codec import (
    CodecError,
    Referencer,
    Resolver,
    _items,
    _text,
    decode,
    encode,
    safe_dtype,
)


def encode_array_like(value: Any, refer: Referencer, depth: int) -> Any:
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


def decode_ndarray(
    data: dict[str, Any], resolve: Resolver, depth: int, trusted: bool
) -> Any:
    import numpy as np

    shape = data.get("shape")
    if not isinstance(shape, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
    ):
        raise CodecError("malformed array shape")
    if data.get("dtype") == "object":
        items = [
            decode(i, resolve, depth, trusted=trusted) for i in _items(data.get("v"))
        ]
        array = np.empty(len(items), dtype=object)
        array[:] = items
        return array.reshape(shape)
    dtype = np.dtype(_text(data.get("dtype")))
    if trusted and (dtype.kind not in "biufcmM" or dtype.hasobject):
        raise CodecError("an array of this dtype does not cross by value")
    raw = base64.b64decode(_text(data.get("v")), validate=True)
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _decode_index(data: Any, resolve: Resolver, depth: int, trusted: bool) -> Any:
    import pandas as pd

    if not isinstance(data, dict):
        raise CodecError("malformed index")
    values = decode(data.get("values"), resolve, depth, trusted=trusted)
    names = decode(data.get("names"), resolve, depth, trusted=trusted)
    if data.get("multi"):
        return pd.MultiIndex.from_tuples(values, names=names)
    index = pd.Index(values, name=names[0] if names else None)
    return _astype(index, data.get("dtype"), trusted)


def decode_pandas(
    data: dict[str, Any], resolve: Resolver, depth: int, trusted: bool
) -> Any:
    import pandas as pd

    index = _decode_index(data.get("index"), resolve, depth, trusted)
    if data["t"] == "series":
        values = decode(data.get("v"), resolve, depth, trusted=trusted)
        name = decode(data.get("name"), resolve, depth, trusted=trusted)
        series = pd.Series(values, index=index, name=name)
        return _astype(series, data.get("dtype"), trusted)
    columns = _decode_index(data.get("columns"), resolve, depth, trusted)
    frame = pd.DataFrame(
        {
            i: decode(v, resolve, depth, trusted=trusted)
            for i, v in enumerate(_items(data.get("v")))
        },
        index=index,
    )
    if len(columns) == frame.shape[1]:
        frame.columns = columns
    dtypes = _items(data.get("dtypes"))
    for position, dtype in enumerate(dtypes[: frame.shape[1]]):
        frame.isetitem(position, _astype(frame.iloc[:, position], dtype, trusted))
    return frame


def decode_pandas_scalar(kind: str, raw: Any) -> Any:
    import pandas as pd

    if kind == "pd.NA":
        return pd.NA
    if kind == "pd.NaT":
        return pd.NaT
    if kind == "pd.Timestamp":
        return pd.Timestamp(_text(raw))
    if kind == "pd.Timedelta":
        return pd.Timedelta(int(raw))
    raise CodecError(f"unknown value kind {kind!r:.60}")


def _astype(values: Any, dtype: Any, trusted: bool) -> Any:
    """`values` as `dtype` when that is possible (and, in the trusted process, safe)."""
    if trusted and not safe_dtype(dtype):
        return values
    try:
        return values.astype(dtype)
    except (TypeError, ValueError, ImportError):
        return values
