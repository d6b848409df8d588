"""Evaluating a binary classifier without sklearn.metrics.

Confusion matrix, precision / recall / F1, the ROC curve and its area,
threshold selection and a bootstrap confidence interval, written with numpy.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

ArrayLike = Sequence[Any] | np.ndarray


def confusion_matrix(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None
) -> np.ndarray:
    """Count (true label, predicted label) pairs.

    Row i is the true label ``labels[i]``, column j the predicted label
    ``labels[j]``. ``labels=None`` means the sorted union of both inputs.
    Samples whose true or predicted label is not in ``labels`` are ignored.
    Returns an int64 array of shape (k, k).
    """
    raise NotImplementedError


def precision_recall_f1(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    pos_label: Any = 1,
    zero_division: float = 0.0,
) -> tuple[float, float, float]:
    """Precision, recall and F1 of the class ``pos_label``.

    A ratio whose denominator is zero is ``zero_division`` instead.
    F1 is ``2 tp / (2 tp + fp + fn)``.
    """
    raise NotImplementedError


def roc_curve(
    y_true: ArrayLike, scores: ArrayLike, pos_label: Any = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve with one point per distinct score, plus the (0, 0) start.

    ``thresholds`` is ``inf`` followed by the distinct scores in decreasing
    order; point k counts a sample as positive when ``score >= thresholds[k]``.
    """
    raise NotImplementedError


def auc(x: ArrayLike, y: ArrayLike) -> float:
    """Area under a curve by the trapezoidal rule; x must be monotonic."""
    raise NotImplementedError


def roc_auc(y_true: ArrayLike, scores: ArrayLike, pos_label: Any = 1) -> float:
    """Area under the ROC curve."""
    raise NotImplementedError


def best_threshold(
    y_true: ArrayLike, scores: ArrayLike, metric: str = "f1", pos_label: Any = 1
) -> tuple[float, float]:
    """The distinct score that maximises ``metric`` when used as threshold.

    ``metric`` is ``"f1"`` or ``"youden"`` (tpr - fpr). A sample is predicted
    positive when ``score >= threshold``. Ties go to the largest threshold.
    Returns ``(threshold, metric value)``.
    """
    raise NotImplementedError


def bootstrap_ci(
    metric_fn: Callable[[np.ndarray, np.ndarray], float],
    y_true: ArrayLike,
    y_score: ArrayLike,
    n: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of ``metric_fn(y_true, y_score)``.

    ``rng = np.random.default_rng(seed)``; each of the ``n`` rounds draws
    ``rng.integers(0, m, size=m)``. Rounds whose resampled ``y_true`` holds a
    single class are skipped. Returns the ``100*alpha/2`` and
    ``100*(1-alpha/2)`` percentiles (numpy's default linear method).
    """
    raise NotImplementedError
