"""Feature engineering without target leakage.

Every encoder here learns something from data in ``fit`` (the categories, the
quantile edges, the mean target per category) and only *applies* it in
``transform``. :func:`make_features` fits every encoder on the training rows
and nothing else, and encodes the training target with out-of-fold statistics
so that no row is ever encoded with its own label::

    train_X, test_X = make_features(train, test)
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

TARGET = "churned"
NUMERIC_COLUMNS = ["age", "income"]
BIN_COLUMN = "income"
N_BINS = 4
ORDINAL_COLUMN = "size"
SIZE_ORDER = ["S", "M", "L", "XL"]
TARGET_COLUMN = "city"
ONE_HOT_COLUMN = "plan"


class NotFittedError(RuntimeError):
    """``transform`` was called before ``fit``."""


def _as_series(values: Iterable[Any]) -> pd.Series:
    """``values`` as a Series; a Series keeps its index, anything else gets 0..n-1."""
    if isinstance(values, pd.Series):
        return values
    return pd.Series(list(values), dtype=object)


def _present(series: pd.Series) -> pd.Series:
    """The non-missing values of ``series`` (None and NaN are missing)."""
    return series[series.notna()]


class OneHot:
    """One 0/1 column per category seen in ``fit``."""

    def __init__(self, prefix: str = "") -> None:
        """Column names will be ``prefix + str(category)``.

        ``categories_`` is ``None`` until :meth:`fit`.
        """
        self.prefix = prefix
        self.categories_: list[Any] | None = None

    def fit(self, values: Iterable[Any]) -> "OneHot":
        """Learn the sorted distinct non-missing values.

        Raises:
            ValueError: if there is no non-missing value.
        """
        present = _present(_as_series(values))
        if present.empty:
            raise ValueError("cannot fit on no values")
        self.categories_ = sorted(present.unique().tolist())
        return self

    def transform(self, values: Iterable[Any]) -> pd.DataFrame:
        """Return an int 0/1 DataFrame, one column per fitted category.

        Unseen and missing values get all zeros. The index is the index of
        ``values`` if it is a Series, else ``0..n-1``.

        Raises:
            NotFittedError: if called before :meth:`fit`.
        """
        if self.categories_ is None:
            raise NotFittedError("OneHot.transform called before fit")
        series = _as_series(values)
        data = {
            f"{self.prefix}{category}": (series == category).astype(np.int64)
            for category in self.categories_
        }
        return pd.DataFrame(data, index=series.index)

    def fit_transform(self, values: Iterable[Any]) -> pd.DataFrame:
        """``fit(values)`` then ``transform(values)``."""
        return self.fit(values).transform(values)


class Ordinal:
    """Integer codes, in a given order or in sorted order."""

    def __init__(self, order: list[Any] | None = None) -> None:
        """With ``order``, category ``order[i]`` gets code ``i``.

        ``categories_`` is ``None`` until :meth:`fit`.
        """
        self.order = None if order is None else list(order)
        self.categories_: list[Any] | None = None

    def fit(self, values: Iterable[Any]) -> "Ordinal":
        """Learn the categories (``order`` if given, else sorted distinct values).

        Raises:
            ValueError: if ``order`` is given and a training value is not in it,
                or if ``order`` is not given and there is no non-missing value.
        """
        present = _present(_as_series(values))
        if self.order is not None:
            unknown = sorted(set(present.unique().tolist()) - set(self.order), key=str)
            if unknown:
                raise ValueError(f"values not in the given order: {unknown}")
            self.categories_ = list(self.order)
        else:
            if present.empty:
                raise ValueError("cannot fit on no values")
            self.categories_ = sorted(present.unique().tolist())
        return self

    def transform(self, values: Iterable[Any]) -> pd.Series:
        """Return int codes; unseen and missing values get ``-1``.

        Raises:
            NotFittedError: if called before :meth:`fit`.
        """
        if self.categories_ is None:
            raise NotFittedError("Ordinal.transform called before fit")
        series = _as_series(values)
        codes = {category: code for code, category in enumerate(self.categories_)}
        mapped = [codes.get(v, -1) if pd.notna(v) else -1 for v in series]
        return pd.Series(mapped, index=series.index, dtype=np.int64)

    def fit_transform(self, values: Iterable[Any]) -> pd.Series:
        """``fit(values)`` then ``transform(values)``."""
        return self.fit(values).transform(values)


class QuantileBinner:
    """Equal-frequency bins whose edges are quantiles of the training values."""

    def __init__(self, n_bins: int = 4) -> None:
        """``edges_`` is ``None`` until :meth:`fit`.

        Raises:
            ValueError: if ``n_bins < 2``.
        """
        if n_bins < 2:
            raise ValueError(f"n_bins must be at least 2, got {n_bins}")
        self.n_bins = n_bins
        self.edges_: list[float] | None = None

    def fit(self, values: Iterable[Any]) -> "QuantileBinner":
        """Learn ``edges_``: the unique training quantiles at ``0, 1/n, ..., 1``.

        Missing values are ignored. Raises ``ValueError`` if all are missing.
        """
        present = pd.to_numeric(_present(_as_series(values))).astype(float)
        if present.empty:
            raise ValueError("cannot fit on no values")
        quantiles = np.quantile(present, np.linspace(0.0, 1.0, self.n_bins + 1))
        self.edges_ = [float(edge) for edge in np.unique(quantiles)]
        return self

    def transform(self, values: Iterable[Any]) -> pd.Series:
        """Return int bin numbers; missing values get ``-1``.

        A value's bin is the number of *inner* edges (``edges_[1:-1]``) that are
        ``<=`` the value, so values below the training minimum fall in bin 0
        and values above the maximum in the last bin.

        Raises:
            NotFittedError: if called before :meth:`fit`.
        """
        if self.edges_ is None:
            raise NotFittedError("QuantileBinner.transform called before fit")
        series = _as_series(values)
        numbers = pd.to_numeric(series).astype(float).to_numpy()
        inner = np.asarray(self.edges_[1:-1], dtype=float)
        bins = np.searchsorted(inner, numbers, side="right")
        bins = np.where(np.isnan(numbers), -1, bins)
        return pd.Series(bins, index=series.index, dtype=np.int64)

    def fit_transform(self, values: Iterable[Any]) -> pd.Series:
        """``fit(values)`` then ``transform(values)``."""
        return self.fit(values).transform(values)


def _category_stats(
    series: pd.Series, target: np.ndarray, smoothing: float
) -> tuple[float, dict[Any, float]]:
    """The prior (mean target) and the smoothed encoding of every category."""
    prior = float(np.mean(target))
    frame = pd.DataFrame({"category": series.to_numpy(), "y": target})
    frame = frame[frame["category"].notna()]
    grouped = frame.groupby("category")["y"].agg(["sum", "count"])
    encoded = (grouped["sum"] + smoothing * prior) / (grouped["count"] + smoothing)
    return prior, {key: float(value) for key, value in encoded.items()}


def _encode(series: pd.Series, prior: float, mapping: dict[Any, float]) -> np.ndarray:
    return np.array(
        [mapping.get(v, prior) if pd.notna(v) else prior for v in series], dtype=float
    )


class TargetEncoder:
    """Mean target per category, smoothed towards the global mean."""

    def __init__(
        self, smoothing: float = 10.0, n_splits: int = 5, seed: int = 0
    ) -> None:
        """``prior_`` and ``mapping_`` are ``None`` until :meth:`fit`.

        Raises:
            ValueError: if ``smoothing < 0`` or ``n_splits < 2``.
        """
        if smoothing < 0:
            raise ValueError(f"smoothing must be >= 0, got {smoothing}")
        if n_splits < 2:
            raise ValueError(f"n_splits must be at least 2, got {n_splits}")
        self.smoothing = float(smoothing)
        self.n_splits = n_splits
        self.seed = seed
        self.prior_: float | None = None
        self.mapping_: dict[Any, float] | None = None

    def _check(self, values: Iterable[Any], y: Iterable[Any]) -> tuple:
        series = _as_series(values)
        target = np.asarray(y, dtype=float)
        if len(series) != len(target):
            raise ValueError(f"{len(series)} values but {len(target)} targets")
        if len(target) == 0 or np.isnan(target).any():
            raise ValueError("y must be non-empty and have no missing values")
        return series, target

    def fit(self, values: Iterable[Any], y: Iterable[Any]) -> "TargetEncoder":
        """Learn ``prior_`` (mean of ``y``) and ``mapping_`` on all rows.

        ``mapping_[c] = (sum_c + smoothing * prior_) / (count_c + smoothing)``
        over the rows whose value is ``c``; rows with a missing value count in
        the prior only.

        Raises:
            ValueError: if lengths differ, or ``y`` is empty or has NaN.
        """
        series, target = self._check(values, y)
        self.prior_, self.mapping_ = _category_stats(series, target, self.smoothing)
        return self

    def transform(self, values: Iterable[Any]) -> pd.Series:
        """Encode with the fitted mapping; unseen and missing values get ``prior_``.

        Raises:
            NotFittedError: if called before :meth:`fit`.
        """
        if self.mapping_ is None or self.prior_ is None:
            raise NotFittedError("TargetEncoder.transform called before fit")
        series = _as_series(values)
        return pd.Series(
            _encode(series, self.prior_, self.mapping_), index=series.index
        )

    def fit_transform(self, values: Iterable[Any], y: Iterable[Any]) -> pd.Series:
        """Out-of-fold encodings of the training rows; also fits on all rows.

        Rows are split with ``KFold(n_splits, shuffle=True, random_state=seed)``.
        The rows of each fold are encoded with the prior and mapping computed
        on the *other* folds only, so no row sees its own target. Afterwards
        the encoder is fitted on all rows, for :meth:`transform` on new data.

        Raises:
            ValueError: like :meth:`fit`, or if there are fewer rows than
                ``n_splits``.
        """
        series, target = self._check(values, y)
        if len(series) < self.n_splits:
            raise ValueError(f"{len(series)} rows cannot make {self.n_splits} folds")
        encoded = np.empty(len(series), dtype=float)
        folds = KFold(n_splits=self.n_splits, shuffle=True, random_state=self.seed)
        for fit_idx, encode_idx in folds.split(np.zeros(len(series))):
            prior, mapping = _category_stats(
                series.iloc[fit_idx], target[fit_idx], self.smoothing
            )
            encoded[encode_idx] = _encode(series.iloc[encode_idx], prior, mapping)
        self.fit(series, target)
        return pd.Series(encoded, index=series.index)


def make_features(
    train: pd.DataFrame,
    test: pd.DataFrame,
    target: str = TARGET,
    smoothing: float = 10.0,
    n_splits: int = 5,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the model inputs of ``train`` and ``test``, fitted on ``train`` only.

    Output columns, in this order, for both frames (same index as the input):

    - ``age``, ``income``: numbers, missing values filled with the *training*
      median of the column;
    - ``income_bin``: :class:`QuantileBinner` (``N_BINS``) fitted on training
      income (missing -> ``-1``);
    - ``size``: :class:`Ordinal` with ``SIZE_ORDER`` (missing/unknown -> ``-1``);
    - ``city_te``: :class:`TargetEncoder` (``smoothing``, ``n_splits``,
      ``seed``): out-of-fold ``fit_transform`` for train, ``transform`` for test;
    - ``plan=<category>``: :class:`OneHot` with prefix ``"plan="`` fitted on
      training plans.

    ``test`` may or may not contain the target column; it is never read.
    Neither input is modified.

    Raises:
        ValueError: if ``train`` has no ``target`` column or a needed feature
            column is missing from either frame.
    """
    if target not in train.columns:
        raise ValueError(f"train has no target column {target!r}")
    needed = NUMERIC_COLUMNS + [ORDINAL_COLUMN, TARGET_COLUMN, ONE_HOT_COLUMN]
    for name, frame in (("train", train), ("test", test)):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks columns {missing}")
    outputs: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
    for column in NUMERIC_COLUMNS:
        median = pd.to_numeric(train[column]).median()
        for out, frame in zip(outputs, (train, test)):
            out[column] = pd.to_numeric(frame[column]).astype(float).fillna(median)
    binner = QuantileBinner(N_BINS).fit(train[BIN_COLUMN])
    ordinal = Ordinal(SIZE_ORDER).fit(train[ORDINAL_COLUMN])
    for out, frame in zip(outputs, (train, test)):
        out[f"{BIN_COLUMN}_bin"] = binner.transform(frame[BIN_COLUMN])
        out[ORDINAL_COLUMN] = ordinal.transform(frame[ORDINAL_COLUMN])
    encoder = TargetEncoder(smoothing, n_splits, seed)
    outputs[0]["city_te"] = encoder.fit_transform(train[TARGET_COLUMN], train[target])
    outputs[1]["city_te"] = encoder.transform(test[TARGET_COLUMN])
    one_hot = OneHot(prefix=f"{ONE_HOT_COLUMN}=").fit(train[ONE_HOT_COLUMN])
    result = []
    for out, frame in zip(outputs, (train, test)):
        encoded = pd.DataFrame(out, index=frame.index)
        result.append(
            pd.concat([encoded, one_hot.transform(frame[ONE_HOT_COLUMN])], axis=1)
        )
    return result[0], result[1]
