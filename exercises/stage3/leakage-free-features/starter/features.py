"""Feature engineering without target leakage.

Every encoder here learns something from data in ``fit`` (the categories, the
quantile edges, the mean target per category) and only *applies* it in
``transform``. :func:`make_features` fits every encoder on the training rows
and nothing else, and encodes the training target with out-of-fold statistics
so that no row is ever encoded with its own label::

    train_X, test_X = make_features(train, test)

Replace every ``raise NotImplementedError`` with a real implementation. Keep the
names and signatures: the hidden tests import them. Add imports (numpy,
``sklearn.model_selection.KFold``, ...) and private helpers as you need them.
"""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

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
        raise NotImplementedError

    def fit(self, values: Iterable[Any]) -> "OneHot":
        """Learn the sorted distinct non-missing values.

        Raises:
            ValueError: if there is no non-missing value.
        """
        raise NotImplementedError

    def transform(self, values: Iterable[Any]) -> pd.DataFrame:
        """Return an int 0/1 DataFrame, one column per fitted category.

        Unseen and missing values get all zeros. The index is the index of
        ``values`` if it is a Series, else ``0..n-1``.

        Raises:
            NotFittedError: if called before :meth:`fit`.
        """
        raise NotImplementedError

    def fit_transform(self, values: Iterable[Any]) -> pd.DataFrame:
        """``fit(values)`` then ``transform(values)``."""
        raise NotImplementedError


class Ordinal:
    """Integer codes, in a given order or in sorted order."""

    def __init__(self, order: list[Any] | None = None) -> None:
        """With ``order``, category ``order[i]`` gets code ``i``.

        ``categories_`` is ``None`` until :meth:`fit`.
        """
        raise NotImplementedError

    def fit(self, values: Iterable[Any]) -> "Ordinal":
        """Learn the categories (``order`` if given, else sorted distinct values).

        Raises:
            ValueError: if ``order`` is given and a training value is not in it,
                or if ``order`` is not given and there is no non-missing value.
        """
        raise NotImplementedError

    def transform(self, values: Iterable[Any]) -> pd.Series:
        """Return int codes; unseen and missing values get ``-1``.

        Raises:
            NotFittedError: if called before :meth:`fit`.
        """
        raise NotImplementedError

    def fit_transform(self, values: Iterable[Any]) -> pd.Series:
        """``fit(values)`` then ``transform(values)``."""
        raise NotImplementedError


class QuantileBinner:
    """Equal-frequency bins whose edges are quantiles of the training values."""

    def __init__(self, n_bins: int = 4) -> None:
        """``edges_`` is ``None`` until :meth:`fit`.

        Raises:
            ValueError: if ``n_bins < 2``.
        """
        raise NotImplementedError

    def fit(self, values: Iterable[Any]) -> "QuantileBinner":
        """Learn ``edges_``: the unique training quantiles at ``0, 1/n, ..., 1``.

        Missing values are ignored. Raises ``ValueError`` if all are missing.
        """
        raise NotImplementedError

    def transform(self, values: Iterable[Any]) -> pd.Series:
        """Return int bin numbers; missing values get ``-1``.

        A value's bin is the number of *inner* edges (``edges_[1:-1]``) that are
        ``<=`` the value, so values below the training minimum fall in bin 0
        and values above the maximum in the last bin.

        Raises:
            NotFittedError: if called before :meth:`fit`.
        """
        raise NotImplementedError

    def fit_transform(self, values: Iterable[Any]) -> pd.Series:
        """``fit(values)`` then ``transform(values)``."""
        raise NotImplementedError


class TargetEncoder:
    """Mean target per category, smoothed towards the global mean."""

    def __init__(
        self, smoothing: float = 10.0, n_splits: int = 5, seed: int = 0
    ) -> None:
        """``prior_`` and ``mapping_`` are ``None`` until :meth:`fit`.

        Raises:
            ValueError: if ``smoothing < 0`` or ``n_splits < 2``.
        """
        raise NotImplementedError

    def fit(self, values: Iterable[Any], y: Iterable[Any]) -> "TargetEncoder":
        """Learn ``prior_`` (mean of ``y``) and ``mapping_`` on all rows.

        ``mapping_[c] = (sum_c + smoothing * prior_) / (count_c + smoothing)``
        over the rows whose value is ``c``; rows with a missing value count in
        the prior only.

        Raises:
            ValueError: if lengths differ, or ``y`` is empty or has NaN.
        """
        raise NotImplementedError

    def transform(self, values: Iterable[Any]) -> pd.Series:
        """Encode with the fitted mapping; unseen and missing values get ``prior_``.

        Raises:
            NotFittedError: if called before :meth:`fit`.
        """
        raise NotImplementedError

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
        raise NotImplementedError


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
    raise NotImplementedError
