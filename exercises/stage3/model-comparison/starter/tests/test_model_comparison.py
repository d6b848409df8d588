"""Your own tests. Extend this file until it covers at least 70% of model_comparison.py.

Keep them quick: fit on the small data of make_data(). Run them with:
grader test   (or: python -m pytest -q tests)
"""

from model_comparison import make_data, make_models, split


def test_the_svm_is_scaled_inside_its_pipeline():
    X, y = make_data()
    X_train, X_test, y_train, y_test = split(X, y)
    assert make_models()["svm"].fit(X_train, y_train).score(X_test, y_test) > 0.9
