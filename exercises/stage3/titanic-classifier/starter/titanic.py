"""A Titanic-style survival classifier: features, stratified K-fold, calibration.

The whole model is one scikit-learn ``Pipeline`` that takes the *raw* passenger
table (the CSV without ``Survived``): feature extraction, imputation, encoding
and the classifier are all fitted on the training rows only::

    X, y = load_passengers()
    print(cross_validate_f1(build_model(seed=0), X, y, k=5, seed=0))
    model = train_calibrated(X, y, seed=0)
    proba = model.predict_proba(X_new)[:, 1]

Replace every ``raise NotImplementedError`` with a real implementation. Keep the
names and signatures: the hidden tests import them. Add imports (scikit-learn
classes, ...) and private helpers as you need them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

DATA_PATH = Path("data") / "passengers.csv"
TARGET = "Survived"
TITLE_MAP = {"Mlle": "Miss", "Ms": "Miss", "Mme": "Mrs"}
COMMON_TITLES = {"Mr", "Mrs", "Miss", "Master"}
DEFAULT_GRID = [round(0.05 * i, 2) for i in range(1, 20)]  # 0.05, 0.10, ..., 0.95


def load_passengers(path: str | Path = DATA_PATH) -> tuple[pd.DataFrame, pd.Series]:
    """Read the passengers CSV and return ``(X, y)``.

    ``X`` is every column except ``Survived``, unchanged (missing values kept);
    ``y`` is ``Survived`` as an int Series named ``"Survived"``.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if the file has no ``Survived`` column.
    """
    raise NotImplementedError


def extract_title(name: object) -> str:
    """Return the normalised title of a passenger name.

    The raw title is the text between the first comma and the next period
    (``"Braund, Mr. Owen Harris"`` -> ``"Mr"``), stripped. ``Mlle`` and ``Ms``
    become ``"Miss"``, ``Mme`` becomes ``"Mrs"``; ``Mr``, ``Mrs``, ``Miss`` and
    ``Master`` stay; any other title becomes ``"Rare"``. A name that is not a
    string, has no comma, or no period after the comma gives ``"Unknown"``.
    """
    raise NotImplementedError


def add_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with the engineered columns added.

    - ``Title``: :func:`extract_title` of ``Name``;
    - ``FamilySize``: ``SibSp + Parch + 1``;
    - ``IsAlone``: ``1`` if ``FamilySize == 1`` else ``0``;
    - ``FarePerPerson``: ``Fare / FamilySize`` (NaN when ``Fare`` is missing);
    - ``Deck``: first letter of ``Cabin``, or ``"U"`` when it is missing.

    Every value depends only on its own row; ``frame`` is not modified.
    """
    raise NotImplementedError


def build_model(seed: int = 0) -> Pipeline:
    """Return an unfitted classifier Pipeline for the raw passenger frame.

    It adds the engineered features itself (a ``FunctionTransformer`` around
    :func:`add_features`), imputes and encodes them, and ends in a classifier
    seeded with ``seed`` that has ``predict_proba``. Unseen categories and
    missing values never make it raise.
    """
    raise NotImplementedError


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
    raise NotImplementedError


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
    raise NotImplementedError


def train_calibrated(X: pd.DataFrame, y: pd.Series, seed: int = 0):
    """Fit and return a probability-calibrated version of ``build_model(seed)``.

    Uses ``CalibratedClassifierCV`` with ``method="sigmoid"`` and
    ``cv=StratifiedKFold(5, shuffle=True, random_state=seed)``. The result has
    ``predict`` and ``predict_proba``; column 1 of ``predict_proba`` is the
    survival probability.
    """
    raise NotImplementedError


def predict_survival(model, X: pd.DataFrame, threshold: float = 0.5) -> np.ndarray:
    """Return 0/1 int predictions: ``1`` where ``P(survived) >= threshold``.

    Raises:
        ValueError: if ``threshold`` is not within ``[0, 1]``.
    """
    raise NotImplementedError


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
    raise NotImplementedError
