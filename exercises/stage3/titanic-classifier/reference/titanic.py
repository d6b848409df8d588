"""A Titanic-style survival classifier: features, stratified K-fold, calibration.

The whole model is one scikit-learn ``Pipeline`` that takes the *raw* passenger
table (the CSV without ``Survived``): feature extraction, imputation, encoding
and the classifier are all fitted on the training rows only::

    X, y = load_passengers()
    print(cross_validate_f1(build_model(seed=0), X, y, k=5, seed=0))
    model = train_calibrated(X, y, seed=0)
    proba = model.predict_proba(X_new)[:, 1]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

DATA_PATH = Path("data") / "passengers.csv"
TARGET = "Survived"
TITLE_MAP = {"Mlle": "Miss", "Ms": "Miss", "Mme": "Mrs"}
COMMON_TITLES = {"Mr", "Mrs", "Miss", "Master"}
NUMERIC = ["Pclass", "Age", "SibSp", "Parch", "FamilySize", "IsAlone", "FarePerPerson"]
CATEGORICAL = ["Sex", "Embarked", "Title", "Deck"]
DEFAULT_GRID = [round(0.05 * i, 2) for i in range(1, 20)]  # 0.05, 0.10, ..., 0.95


def load_passengers(path: str | Path = DATA_PATH) -> tuple[pd.DataFrame, pd.Series]:
    """Read the passengers CSV and return ``(X, y)``.

    ``X`` is every column except ``Survived``, unchanged (missing values kept);
    ``y`` is ``Survived`` as an int Series named ``"Survived"``.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if the file has no ``Survived`` column.
    """
    frame = pd.read_csv(path)
    if TARGET not in frame.columns:
        raise ValueError(f"{path}: no {TARGET!r} column")
    return frame.drop(columns=[TARGET]), frame[TARGET].astype(int).rename(TARGET)


def extract_title(name: object) -> str:
    """Return the normalised title of a passenger name.

    The raw title is the text between the first comma and the next period
    (``"Braund, Mr. Owen Harris"`` -> ``"Mr"``), stripped. ``Mlle`` and ``Ms``
    become ``"Miss"``, ``Mme`` becomes ``"Mrs"``; ``Mr``, ``Mrs``, ``Miss`` and
    ``Master`` stay; any other title becomes ``"Rare"``. A name that is not a
    string, has no comma, or no period after the comma gives ``"Unknown"``.
    """
    if not isinstance(name, str) or "," not in name:
        return "Unknown"
    rest = name.split(",", 1)[1]
    if "." not in rest:
        return "Unknown"
    raw = rest.split(".", 1)[0].strip()
    if not raw:
        return "Unknown"
    title = TITLE_MAP.get(raw, raw)
    return title if title in COMMON_TITLES else "Rare"


def add_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with the engineered columns added.

    - ``Title``: :func:`extract_title` of ``Name``;
    - ``FamilySize``: ``SibSp + Parch + 1``;
    - ``IsAlone``: ``1`` if ``FamilySize == 1`` else ``0``;
    - ``FarePerPerson``: ``Fare / FamilySize`` (NaN when ``Fare`` is missing);
    - ``Deck``: first letter of ``Cabin``, or ``"U"`` when it is missing.

    Every value depends only on its own row; ``frame`` is not modified.
    """
    out = frame.copy()
    out["Title"] = [extract_title(name) for name in out["Name"]]
    out["FamilySize"] = (out["SibSp"] + out["Parch"] + 1).astype(int)
    out["IsAlone"] = (out["FamilySize"] == 1).astype(int)
    out["FarePerPerson"] = out["Fare"].astype(float) / out["FamilySize"]
    out["Deck"] = [
        cabin.strip()[0] if isinstance(cabin, str) and cabin.strip() else "U"
        for cabin in out["Cabin"]
    ]
    return out


def build_model(seed: int = 0) -> Pipeline:
    """Return an unfitted classifier Pipeline for the raw passenger frame.

    It adds the engineered features itself (a ``FunctionTransformer`` around
    :func:`add_features`), imputes and encodes them, and ends in a classifier
    seeded with ``seed`` that has ``predict_proba``. Unseen categories and
    missing values never make it raise.
    """
    preprocess = ColumnTransformer(
        [
            ("numeric", SimpleImputer(strategy="median"), NUMERIC),
            (
                "categorical",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        ("onehot", OneHotEncoder(handle_unknown="ignore")),
                    ]
                ),
                CATEGORICAL,
            ),
        ]
    )
    return Pipeline(
        [
            ("features", FunctionTransformer(add_features)),
            ("preprocess", preprocess),
            (
                "model",
                GradientBoostingClassifier(
                    n_estimators=100, max_depth=2, random_state=seed
                ),
            ),
        ]
    )


def stratified_folds(
    y: pd.Series | np.ndarray | list, k: int = 5, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return the ``(train_idx, test_idx)`` pairs of a shuffled stratified K-fold.

    Exactly the splits of ``StratifiedKFold(n_splits=k, shuffle=True,
    random_state=seed)`` on ``y``, as lists of integer numpy arrays (positions,
    not index labels).

    Raises:
        ValueError: if ``k < 2``, if ``y`` has fewer than two classes, or if
            ``k`` is larger than the number of samples of the rarest class.
    """
    labels = np.asarray(y)
    if k < 2:
        raise ValueError(f"k must be at least 2, got {k}")
    _, counts = np.unique(labels, return_counts=True)
    if len(counts) < 2:
        raise ValueError("y needs at least two classes")
    if k > counts.min():
        raise ValueError(f"k={k} exceeds the size of the rarest class ({counts.min()})")
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [
        (np.asarray(train), np.asarray(test))
        for train, test in splitter.split(np.zeros(len(labels)), labels)
    ]


def cross_validate_f1(
    model: Pipeline, X: pd.DataFrame, y: pd.Series, k: int = 5, seed: int = 0
) -> dict:
    """Cross-validate ``model`` with :func:`stratified_folds` and report F1.

    Each fold fits a fresh ``clone(model)`` on its training rows and scores the
    F1 of class ``1`` on its test rows. ``model`` stays unfitted. Returns
    ``{"fold_f1": [...k floats...], "mean": float, "std": float}`` (population
    standard deviation).

    Raises:
        ValueError: like :func:`stratified_folds`, or if ``X`` and ``y`` differ
            in length.
    """
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    labels = pd.Series(np.asarray(y))
    scores = []
    for train, test in stratified_folds(labels, k, seed):
        fitted = clone(model).fit(X.iloc[train], labels.iloc[train])
        predicted = fitted.predict(X.iloc[test])
        scores.append(float(f1_score(labels.iloc[test], predicted)))
    return {
        "fold_f1": scores,
        "mean": float(np.mean(scores)),
        "std": float(np.std(scores)),
    }


def train_calibrated(X: pd.DataFrame, y: pd.Series, seed: int = 0):
    """Fit and return a probability-calibrated version of ``build_model(seed)``.

    Uses ``CalibratedClassifierCV`` with ``method="sigmoid"`` and
    ``cv=StratifiedKFold(5, shuffle=True, random_state=seed)``. The result has
    ``predict`` and ``predict_proba``; column 1 of ``predict_proba`` is the
    survival probability.
    """
    calibrated = CalibratedClassifierCV(
        build_model(seed),
        method="sigmoid",
        cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=seed),
    )
    return calibrated.fit(X, np.asarray(y))


def predict_survival(model, X: pd.DataFrame, threshold: float = 0.5) -> np.ndarray:
    """Return 0/1 int predictions: ``1`` where ``P(survived) >= threshold``.

    Raises:
        ValueError: if ``threshold`` is not within ``[0, 1]``.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be within [0, 1], got {threshold}")
    proba = np.asarray(model.predict_proba(X))[:, 1]
    return (proba >= threshold).astype(int)


def best_threshold(
    y_true: pd.Series | np.ndarray | list,
    proba: pd.Series | np.ndarray | list,
    grid: list[float] | None = None,
) -> float:
    """Return the threshold of ``grid`` with the highest F1 of class ``1``.

    ``grid`` defaults to ``DEFAULT_GRID`` (0.05, 0.10, ..., 0.95). A sample is
    predicted ``1`` when ``proba >= threshold``. On a tie the smallest
    threshold wins.

    Raises:
        ValueError: if ``y_true`` and ``proba`` differ in length or are empty,
            or if ``grid`` is empty.
    """
    labels = np.asarray(y_true)
    scores = np.asarray(proba, dtype=float)
    if len(labels) != len(scores) or len(labels) == 0:
        raise ValueError("y_true and proba must be non-empty and of equal length")
    thresholds = DEFAULT_GRID if grid is None else list(grid)
    if not thresholds:
        raise ValueError("grid is empty")
    best, best_f1 = None, -1.0
    for threshold in sorted(thresholds):
        f1 = f1_score(labels, (scores >= threshold).astype(int), zero_division=0)
        if f1 > best_f1:
            best, best_f1 = threshold, f1
    return float(best)
