import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold

from features import (
    NotFittedError,
    OneHot,
    Ordinal,
    QuantileBinner,
    TargetEncoder,
    make_features,
)

OUTPUT_COLUMNS = [
    "age",
    "income",
    "income_bin",
    "size",
    "city_te",
    "plan=basic",
    "plan=plus",
    "plan=pro",
]


def smoothed(values, y, smoothing):
    """Expected prior and per-category encodings, computed the documented way."""
    frame = pd.DataFrame({"c": list(values), "y": np.asarray(y, dtype=float)})
    prior = frame["y"].mean()
    frame = frame[frame["c"].notna()]
    stats = frame.groupby("c")["y"].agg(["sum", "count"])
    mapping = (
        (stats["sum"] + smoothing * prior) / (stats["count"] + smoothing)
    ).to_dict()
    return prior, mapping


def encode(values, prior, mapping):
    return np.array(
        [prior if (v is None or v != v) else mapping.get(v, prior) for v in values]
    )


def expected_oof(values, y, smoothing, n_splits, seed):
    values = list(values)
    y = np.asarray(y, dtype=float)
    out = np.empty(len(values))
    splitter = KFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for fit_idx, enc_idx in splitter.split(np.zeros(len(values))):
        prior, mapping = smoothed([values[i] for i in fit_idx], y[fit_idx], smoothing)
        out[enc_idx] = encode([values[i] for i in enc_idx], prior, mapping)
    return out


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_one_hot_columns_from_training_categories():
    """OneHot makes one int 0/1 column per sorted training category, named prefix+cat"""
    encoder = OneHot(prefix="plan=").fit(["pro", "basic", "plus", "basic", None])
    out = encoder.transform(pd.Series(["basic", "pro", "plus"], index=[10, 11, 12]))
    assert list(out.columns) == ["plan=basic", "plan=plus", "plan=pro"]
    assert list(out.index) == [10, 11, 12]
    assert out.to_numpy().tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert all(dtype.kind == "i" for dtype in out.dtypes)
    assert encoder.categories_ == ["basic", "plus", "pro"]


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_one_hot_unseen_and_missing_are_all_zero():
    """OneHot gives all zeros to unseen or missing values and adds no new column"""
    encoder = OneHot().fit(["a", "b"])
    out = encoder.transform(["c", None, float("nan"), "a"])
    assert list(out.columns) == ["a", "b"]
    assert list(out.index) == [0, 1, 2, 3]
    assert out.to_numpy().tolist() == [[0, 0], [0, 0], [0, 0], [1, 0]]


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_ordinal_uses_given_order_and_minus_one():
    """Ordinal codes follow the given order; unseen and missing values get -1"""
    encoder = Ordinal(order=["S", "M", "L", "XL"]).fit(["M", "S", "M"])
    out = encoder.transform(
        pd.Series(["XL", "S", "XXL", None, "L"], index=list("abcde"))
    )
    assert list(out) == [3, 0, -1, -1, 2]
    assert list(out.index) == list("abcde")
    assert out.dtype.kind == "i"
    assert encoder.categories_ == ["S", "M", "L", "XL"]


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_ordinal_without_order_sorts_training_values():
    """Without an order, Ordinal codes the sorted distinct training values"""
    encoder = Ordinal().fit(["cherry", "apple", None, "banana", "apple"])
    assert encoder.categories_ == ["apple", "banana", "cherry"]
    assert list(encoder.transform(["banana", "durian", "apple"])) == [1, -1, 0]
    assert list(Ordinal().fit_transform(["b", "a", "b"])) == [1, 0, 1]


@pytest.mark.task(1)
@pytest.mark.points(2)
def test_encoders_refuse_bad_use():
    """transform before fit raises a RuntimeError; impossible fits raise ValueError"""
    with pytest.raises(NotFittedError):
        OneHot().transform(["a"])
    with pytest.raises(NotFittedError):
        Ordinal().transform(["a"])
    with pytest.raises(ValueError):
        Ordinal(order=["S", "M"]).fit(["S", "XL"])
    with pytest.raises(ValueError):
        OneHot().fit([None, float("nan")])


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_binner_edges_are_training_quantiles():
    """QuantileBinner.edges_ are the unique training quantiles at 0, 1/n, ..., 1"""
    values = [float(v) for v in range(1, 101)] + [None]
    binner = QuantileBinner(n_bins=4).fit(values)
    expected = np.quantile(np.arange(1, 101, dtype=float), [0, 0.25, 0.5, 0.75, 1])
    assert np.allclose(binner.edges_, expected)
    repeated = QuantileBinner(n_bins=4).fit([1.0] * 50 + [2.0, 3.0])
    assert np.allclose(repeated.edges_, [1.0, 3.0])


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_binner_training_bins_are_equal_frequency(customers):
    """On its training data the binner fills each of the 4 bins with about 25%"""
    train, _ = customers
    bins = QuantileBinner(4).fit_transform(train["income"])
    counts = bins[bins >= 0].value_counts().sort_index()
    assert list(counts.index) == [0, 1, 2, 3]
    assert counts.max() - counts.min() <= 2
    assert (bins == -1).sum() == train["income"].isna().sum()


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_binner_reuses_training_edges_on_new_data(customers):
    """New data is cut at the training edges: shifted values all land in the end bins"""
    train, test = customers
    binner = QuantileBinner(4).fit(train["income"])
    high = binner.transform(test["income"].dropna() + 1e7)
    low = binner.transform(test["income"].dropna() - 1e7)
    assert set(high) == {3}
    assert set(low) == {0}
    edges = binner.edges_
    probes = pd.Series([edges[1] - 1, edges[1], edges[2], edges[3] + 1, None])
    assert list(binner.transform(probes)) == [0, 1, 2, 3, -1]


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_binner_rejects_bad_arguments():
    """QuantileBinner needs n_bins >= 2, a fit before transform and some values"""
    with pytest.raises(ValueError):
        QuantileBinner(n_bins=1)
    with pytest.raises(NotFittedError):
        QuantileBinner().transform([1.0])
    with pytest.raises(ValueError):
        QuantileBinner().fit([None, float("nan")])


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_target_encoder_smoothing_formula():
    """fit learns prior_ = mean(y) and (sum + m*prior) / (count + m) per category"""
    values = ["a", "a", "a", "b", None, "c", "c"]
    y = [1, 1, 0, 1, 0, 0, 0]
    encoder = TargetEncoder(smoothing=2.0).fit(values, y)
    prior = 3 / 7
    assert encoder.prior_ == pytest.approx(prior)
    out = encoder.transform(["a", "b", "c"])
    assert list(out) == pytest.approx(
        [(2 + 2 * prior) / 5, (1 + 2 * prior) / 3, (0 + 2 * prior) / 4]
    )


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_target_encoder_unseen_and_missing_get_prior():
    """Unseen and missing categories are encoded as the training prior"""
    encoder = TargetEncoder(smoothing=1.0).fit(["a", "b", "a"], [1.0, 0.0, 0.0])
    out = encoder.transform(pd.Series(["zzz", None, float("nan")], index=[5, 6, 7]))
    assert list(out) == pytest.approx([1 / 3] * 3)
    assert list(out.index) == [5, 6, 7]


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_target_encoder_zero_smoothing_and_large_smoothing():
    """smoothing=0 gives raw category means; huge smoothing pulls towards the prior"""
    values = ["a", "a", "b", "b"]
    y = [1, 1, 0, 1]
    raw = TargetEncoder(smoothing=0.0).fit(values, y).transform(["a", "b"])
    assert list(raw) == pytest.approx([1.0, 0.5])
    heavy = TargetEncoder(smoothing=1e6).fit(values, y).transform(["a", "b"])
    assert list(heavy) == pytest.approx([0.75, 0.75], abs=1e-5)


@pytest.mark.task(3)
@pytest.mark.points(1)
@pytest.mark.parametrize(
    "make",
    [
        lambda: TargetEncoder(smoothing=-1.0),
        lambda: TargetEncoder(n_splits=1),
        lambda: TargetEncoder().fit(["a", "b"], [1.0]),
        lambda: TargetEncoder().fit(["a", "b"], [1.0, float("nan")]),
    ],
    ids=["negative-smoothing", "one-split", "length-mismatch", "nan-target"],
)
def test_target_encoder_rejects_bad_arguments(make):
    """TargetEncoder raises ValueError for bad smoothing, splits or targets"""
    with pytest.raises(ValueError):
        make()


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_target_encoder_transform_before_fit():
    """TargetEncoder.transform before fit raises NotFittedError (a RuntimeError)"""
    assert issubclass(NotFittedError, RuntimeError)
    # NotImplementedError is a RuntimeError too: only NotFittedError counts here
    with pytest.raises(NotFittedError):
        TargetEncoder().transform(["a"])


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(4)
@pytest.mark.core
def test_fit_transform_is_out_of_fold(customers):
    """fit_transform encodes each KFold fold with statistics of the other folds"""
    train, _ = customers
    encoder = TargetEncoder(smoothing=5.0, n_splits=4, seed=3)
    out = encoder.fit_transform(train["city"], train["churned"])
    expected = expected_oof(train["city"], train["churned"], 5.0, 4, 3)
    assert np.allclose(np.asarray(out, dtype=float), expected)
    assert list(out.index) == list(train.index)


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_fit_transform_then_transform_uses_all_rows(customers):
    """After fit_transform, transform on new data uses statistics of all train rows"""
    train, test = customers
    encoder = TargetEncoder(smoothing=5.0, n_splits=4, seed=3)
    encoder.fit_transform(train["city"], train["churned"])
    prior, mapping = smoothed(train["city"], train["churned"], 5.0)
    assert encoder.prior_ == pytest.approx(prior)
    out = encoder.transform(test["city"])
    assert np.allclose(
        np.asarray(out, dtype=float), encode(test["city"], prior, mapping)
    )


@pytest.mark.task(4)
@pytest.mark.points(4)
@pytest.mark.core
def test_shuffled_target_is_not_learnable(noise_customers):
    """With a random target, out-of-fold encodings score no better than chance"""
    frame = noise_customers
    encoder = TargetEncoder(smoothing=1.0, n_splits=5, seed=0)
    out = np.asarray(encoder.fit_transform(frame["city"], frame["churned"]))
    # A leaky in-sample encoding scores around 0.8 here.
    assert roc_auc_score(frame["churned"], out) < 0.58


@pytest.mark.task(4)
@pytest.mark.points(2)
def test_fit_transform_depends_on_seed_and_rejects_tiny_input():
    """Different seeds give different folds; fewer rows than splits raise ValueError"""
    values = ["a", "b"] * 20
    y = [1, 0, 0, 1, 1, 1, 0, 0] * 5
    first = np.asarray(TargetEncoder(1.0, 5, seed=0).fit_transform(values, y))
    again = np.asarray(TargetEncoder(1.0, 5, seed=0).fit_transform(values, y))
    other = np.asarray(TargetEncoder(1.0, 5, seed=1).fit_transform(values, y))
    assert np.allclose(first, again)
    assert not np.allclose(first, other)
    with pytest.raises(ValueError):
        TargetEncoder(1.0, n_splits=5).fit_transform(["a", "b", "a"], [1, 0, 1])


# --------------------------------------------------------------------- task 5


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_make_features_columns_and_values(customers):
    """make_features returns the documented columns, filled with train statistics"""
    train, test = customers
    train_X, test_X = make_features(train, test)
    assert list(train_X.columns) == OUTPUT_COLUMNS
    assert list(test_X.columns) == OUTPUT_COLUMNS
    assert list(train_X.index) == list(train.index)
    assert list(test_X.index) == list(test.index)
    assert not train_X.isna().any().any() and not test_X.isna().any().any()
    median = train["income"].median()
    gaps = test["income"].isna()
    assert gaps.any()
    assert np.allclose(test_X.loc[gaps, "income"], median)
    prior, mapping = smoothed(train["city"], train["churned"], 10.0)
    assert np.allclose(test_X["city_te"], encode(test["city"], prior, mapping))
    expected = expected_oof(train["city"], train["churned"], 10.0, 5, 0)
    assert np.allclose(train_X["city_te"], expected)


@pytest.mark.task(5)
@pytest.mark.points(3)
@pytest.mark.core
def test_make_features_test_rows_cannot_change_train_features(customers):
    """Extra extreme test rows change neither train features nor other test rows"""
    train, test = customers
    train_a, test_a = make_features(train, test)
    extreme = test.copy()
    extreme["income"] = extreme["income"] * 1000
    extreme["age"] = 1
    extreme["plan"] = "enterprise"
    extreme["city"] = "city_00"
    extreme.index = extreme.index + 10_000
    both = pd.concat([test, extreme])
    train_b, test_b = make_features(train, both)
    pd.testing.assert_frame_equal(train_a, train_b)
    pd.testing.assert_frame_equal(test_a, test_b.loc[test.index])
    assert (
        (test_b.loc[extreme.index, ["plan=basic", "plan=plus", "plan=pro"]] == 0)
        .all()
        .all()
    )


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_make_features_test_row_is_batch_independent(customers):
    """A test row gets the same features alone as inside the full test set"""
    train, test = customers
    _, full = make_features(train, test)
    _, alone = make_features(train, test.iloc[[3]])
    pd.testing.assert_frame_equal(alone, full.iloc[[3]], check_dtype=False)


@pytest.mark.task(5)
@pytest.mark.points(3)
def test_make_features_bins_use_training_edges(customers):
    """Test incomes are binned with the training edges, not re-binned on test data"""
    train, test = customers
    rich = test.copy()
    rich["income"] = rich["income"] + 1e7
    _, rich_X = make_features(train, rich)
    present = rich["income"].notna()
    assert set(rich_X.loc[present, "income_bin"]) == {3}
    train_X, _ = make_features(train, test)
    edges = QuantileBinner(4).fit(train["income"]).edges_
    expected = np.searchsorted(edges[1:-1], train["income"].fillna(-1), side="right")
    expected = np.where(train["income"].isna(), -1, expected)
    assert list(train_X["income_bin"]) == list(expected)


@pytest.mark.task(5)
@pytest.mark.points(2)
@pytest.mark.core
def test_make_features_never_reads_test_target(customers):
    """The test target is never used: changing or dropping it changes nothing"""
    train, test = customers
    _, base = make_features(train, test)
    flipped = test.assign(churned=1 - test["churned"])
    _, flipped_X = make_features(train, flipped)
    _, dropped_X = make_features(train, test.drop(columns=["churned"]))
    pd.testing.assert_frame_equal(base, flipped_X)
    pd.testing.assert_frame_equal(base, dropped_X)


@pytest.mark.task(5)
@pytest.mark.points(2)
def test_make_features_shuffled_target_stays_at_chance(noise_customers):
    """On a random target, a model trained on train features is at chance on test"""
    from sklearn.linear_model import LogisticRegression

    frame = noise_customers
    train, test = frame.iloc[:900], frame.iloc[900:]
    train_X, test_X = make_features(train, test, smoothing=1.0)
    auc_train = roc_auc_score(train["churned"], train_X["city_te"])
    assert auc_train < 0.58
    model = LogisticRegression(max_iter=1000).fit(train_X, train["churned"])
    auc_test = roc_auc_score(test["churned"], model.predict_proba(test_X)[:, 1])
    assert auc_test < 0.62


@pytest.mark.task(5)
@pytest.mark.points(1)
def test_make_features_options_and_errors(customers):
    """target, smoothing, n_splits, seed are honoured; no target raises ValueError"""
    train, test = customers
    renamed = train.rename(columns={"churned": "left"})
    train_X, _ = make_features(
        renamed, test, target="left", smoothing=3.0, n_splits=3, seed=9
    )
    expected = expected_oof(train["city"], train["churned"], 3.0, 3, 9)
    assert np.allclose(train_X["city_te"], expected)
    with pytest.raises(ValueError):
        make_features(train.drop(columns=["churned"]), test)
    assert not math.isnan(float(train_X["city_te"].mean()))
