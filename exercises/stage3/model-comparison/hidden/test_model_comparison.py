import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from grader.testing import type_name
from model_comparison import (
    comparison_table,
    compare,
    feature_importance,
    make_models,
    split,
    tune,
)

GRIDS = {
    "forest": {"max_depth": [3, None], "min_samples_leaf": [1, 5]},
    "svm": {"svc__C": [0.1, 1.0, 10.0], "svc__gamma": ["scale", 0.01]},
}


def make_data(seed=7):
    X, y = make_classification(
        n_samples=400,
        n_features=8,
        n_informative=3,
        n_redundant=0,
        n_repeated=0,
        shuffle=False,
        random_state=seed,
    )
    X[:, 3] *= 1000.0
    return X, y


X, Y = make_data()
X_TRAIN, X_TEST, Y_TRAIN, Y_TEST = train_test_split(
    X, Y, test_size=0.25, random_state=0, stratify=Y
)


def oracle_models(seed=0):
    return {
        "forest": RandomForestClassifier(n_estimators=25, random_state=seed),
        "svm": Pipeline([("scale", StandardScaler()), ("svc", SVC(random_state=seed))]),
    }


def oracle_search(name, seed=0, folds=4):
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    search = GridSearchCV(
        oracle_models(seed)[name], GRIDS[name], cv=cv, scoring="accuracy"
    )
    return search.fit(X_TRAIN, Y_TRAIN)


ORACLE = {name: oracle_search(name) for name in GRIDS}


@pytest.fixture(scope="module")
def searches():
    return {name: tune(name, X_TRAIN, Y_TRAIN) for name in GRIDS}


# --------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize("seed,test_size", [(0, 0.25), (3, 0.4)])
def test_split_is_stratified_and_seeded(seed, test_size):
    """split equals train_test_split(..., random_state=seed, stratify=y)"""
    got = split(X, Y, test_size=test_size, seed=seed)
    want = train_test_split(X, Y, test_size=test_size, random_state=seed, stratify=Y)
    assert len(got) == 4
    for part, (a, b) in zip(["X_train", "X_test", "y_train", "y_test"], zip(got, want)):
        np.testing.assert_array_equal(np.asarray(a), b, err_msg=part)


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_split_defaults_to_a_quarter():
    """split holds out 25% by default, both classes in the same proportion"""
    _, X_test, _, y_test = split(X, Y)
    assert len(np.asarray(X_test)) == 100
    assert np.mean(np.asarray(y_test)) == pytest.approx(np.mean(Y), abs=0.01)


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize("test_size", [0, 1, 1.5, -0.2, 2, 40], ids=repr)
def test_split_rejects_bad_test_size(test_size):
    """split raises ValueError unless test_size is a fraction: 0 < test_size < 1"""
    with pytest.raises(ValueError):
        split(X, Y, test_size=test_size)


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_models_are_a_forest_and_a_scaled_svm():
    """make_models gives a seeded forest and a Pipeline of StandardScaler then SVC"""
    models = make_models(seed=5)
    assert sorted(models) == ["forest", "svm"]
    assert type_name(models["forest"]) == "RandomForestClassifier"
    assert models["forest"].random_state == 5 and models["forest"].n_estimators == 25
    svm = models["svm"]
    assert type_name(svm) == "Pipeline"
    assert type_name(svm.named_steps["scale"]) == "StandardScaler"
    assert type_name(svm.named_steps["svc"]) == "SVC"
    assert svm.named_steps["svc"].random_state == 5


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_models_default_seed_is_zero():
    """make_models() seeds both models with 0"""
    models = make_models()
    assert models["forest"].random_state == 0
    assert models["svm"].named_steps["svc"].random_state == 0


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
def test_scaling_rescues_the_svm():
    """The SVM pipeline scores far above an unscaled SVC on a feature in thousands"""
    raw = SVC().fit(X_TRAIN, Y_TRAIN).score(X_TEST, Y_TEST)
    piped = make_models()["svm"].fit(X_TRAIN, Y_TRAIN).score(X_TEST, Y_TEST)
    assert raw < 0.7
    assert piped >= 0.9


# --------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize("name", ["forest", "svm"])
def test_tune_finds_what_the_grid_search_finds(searches, name):
    """tune's best parameters and CV accuracy equal the specified grid search"""
    got = searches[name]
    assert dict(got.best_params_) == ORACLE[name].best_params_
    assert got.best_score_ == pytest.approx(ORACLE[name].best_score_)


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize("name", ["forest", "svm"])
def test_tune_searches_the_given_grid_with_four_folds(searches, name):
    """tune searches GRIDS[name] with 4 stratified folds, scored by accuracy"""
    got = searches[name]
    assert dict(got.param_grid) == GRIDS[name]
    assert got.n_splits_ == 4
    assert got.scoring == "accuracy"


@pytest.mark.task(2)
@pytest.mark.points(2)
def test_tune_uses_the_seed_and_folds():
    """tune(seed=1, folds=3) matches the grid search with that seed and 3 folds"""
    got = tune("svm", X_TRAIN, Y_TRAIN, seed=1, folds=3)
    want = oracle_search("svm", seed=1, folds=3)
    assert got.n_splits_ == 3
    assert list(np.asarray(got.cv_results_["mean_test_score"])) == pytest.approx(
        list(want.cv_results_["mean_test_score"])
    )


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_tune_rejects_unknown_models_and_folds():
    """tune raises KeyError for an unknown model, ValueError for folds < 2"""
    with pytest.raises(KeyError):
        tune("knn", X_TRAIN, Y_TRAIN)
    with pytest.raises(ValueError):
        tune("svm", X_TRAIN, Y_TRAIN, folds=1)
    assert tune("svm", X_TRAIN, Y_TRAIN, folds=2).n_splits_ == 2


# --------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize("name", ["forest", "svm"])
def test_importance_is_permutation_importance_on_held_out_data(searches, name):
    """feature_importance equals permutation_importance on the test split"""
    got = feature_importance(searches[name].best_estimator_, X_TEST, Y_TEST)
    want = permutation_importance(
        ORACLE[name].best_estimator_,
        X_TEST,
        Y_TEST,
        n_repeats=10,
        random_state=0,
        scoring="accuracy",
    )
    order = np.argsort(-want.importances_mean, kind="stable")
    assert list(got.columns) == ["feature", "mean", "std"]
    assert [int(f) for f in got["feature"]] == list(order)
    assert list(got["mean"]) == pytest.approx(list(want.importances_mean[order]))
    assert list(got["std"]) == pytest.approx(list(want.importances_std[order]))


@pytest.mark.task(3)
@pytest.mark.points(2)
def test_importance_honours_seed_and_repeats(searches):
    """feature_importance passes seed and n_repeats to the shuffles"""
    got = feature_importance(
        searches["svm"].best_estimator_, X_TEST, Y_TEST, seed=4, n_repeats=3
    )
    want = permutation_importance(
        ORACLE["svm"].best_estimator_, X_TEST, Y_TEST, n_repeats=3, random_state=4
    )
    assert sorted(got["mean"]) == pytest.approx(sorted(want.importances_mean))


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_importance_finds_the_informative_features(searches):
    """Features 0 and 2 lead; feature 3, noise in the thousands, counts for nothing"""
    got = feature_importance(searches["forest"].best_estimator_, X_TEST, Y_TEST)
    assert set(int(f) for f in got["feature"][:2]) == {0, 2}
    by_feature = dict(zip((int(f) for f in got["feature"]), got["mean"]))
    assert abs(by_feature[3]) < 0.02


# --------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.points(4)
@pytest.mark.core
def test_comparison_table_scores_each_model(searches):
    """comparison_table has CV accuracy, test accuracy and F1 per model, best first"""
    got = comparison_table(searches, X_TEST, Y_TEST)
    assert list(got.columns) == ["model", "cv_accuracy", "test_accuracy", "test_f1"]
    rows = []
    for name, search in ORACLE.items():
        predicted = search.predict(X_TEST)
        rows.append(
            (
                name,
                search.best_score_,
                accuracy_score(Y_TEST, predicted),
                f1_score(Y_TEST, predicted),
            )
        )
    rows.sort(key=lambda r: (-r[2], r[0]))
    assert got["model"].tolist() == [r[0] for r in rows]
    for i, column in enumerate(["cv_accuracy", "test_accuracy", "test_f1"], start=1):
        assert list(got[column]) == pytest.approx([r[i] for r in rows]), column
    assert list(got.index) == [0, 1]


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_comparison_table_breaks_ties_by_name(searches):
    """Equal test accuracy is ordered by model name"""
    got = comparison_table({"b": searches["svm"], "a": searches["svm"]}, X_TEST, Y_TEST)
    assert got["model"].tolist() == ["a", "b"]


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_comparison_table_rejects_nothing():
    """comparison_table raises ValueError, with a message, for no searches"""
    with pytest.raises(ValueError, match=r"\w"):
        comparison_table({}, X_TEST, Y_TEST)


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_compare_runs_the_whole_study():
    """compare(X, y) splits the data, tunes both models and tabulates them"""
    got = compare(X, Y)
    assert got["model"].tolist() == ["svm", "forest"]
    want = {n: s.best_score_ for n, s in ORACLE.items()}
    assert list(got["cv_accuracy"]) == pytest.approx([want["svm"], want["forest"]])
    assert all(got["test_accuracy"] >= 0.9)
