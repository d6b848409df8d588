"""Evaluating a binary classifier without sklearn.metrics.

Confusion matrix, precision / recall / F1, the ROC curve and its area,
threshold selection and a bootstrap confidence interval, written with numpy.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

ArrayLike = Sequence[Any] | np.ndarray


def _as_1d(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    return array


def _check_same_length(a: np.ndarray, b: np.ndarray) -> None:
    if len(a) != len(b):
        raise ValueError(f"length mismatch: {len(a)} != {len(b)}")
    if len(a) == 0:
        raise ValueError("inputs must not be empty")


# --------------------------------------------------------------------- task 1


def confusion_matrix(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None
) -> np.ndarray:
    """Count (true label, predicted label) pairs.

    Row i is the true label ``labels[i]``, column j the predicted label
    ``labels[j]``. ``labels=None`` means the sorted union of both inputs.
    Samples whose true or predicted label is not in ``labels`` are ignored.
    Returns an int64 array of shape (k, k).
    """
    t = _as_1d(y_true, "y_true")
    p = _as_1d(y_pred, "y_pred")
    _check_same_length(t, p)
    if labels is None:
        label_list = sorted(set(t.tolist()) | set(p.tolist()))
    else:
        label_list = list(np.asarray(labels).tolist())
        if not label_list:
            raise ValueError("labels must not be empty")
        if len(set(label_list)) != len(label_list):
            raise ValueError("labels must be unique")
    index = {label: i for i, label in enumerate(label_list)}
    matrix = np.zeros((len(label_list), len(label_list)), dtype=np.int64)
    for true_label, pred_label in zip(t.tolist(), p.tolist()):
        i = index.get(true_label)
        j = index.get(pred_label)
        if i is not None and j is not None:
            matrix[i, j] += 1
    return matrix


# --------------------------------------------------------------------- task 2


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
    t = _as_1d(y_true, "y_true")
    p = _as_1d(y_pred, "y_pred")
    _check_same_length(t, p)
    true_pos = t == pos_label
    pred_pos = p == pos_label
    tp = int(np.sum(true_pos & pred_pos))
    fp = int(np.sum(~true_pos & pred_pos))
    fn = int(np.sum(true_pos & ~pred_pos))

    def ratio(num: int, den: int) -> float:
        return float(zero_division) if den == 0 else num / den

    return ratio(tp, tp + fp), ratio(tp, tp + fn), ratio(2 * tp, 2 * tp + fp + fn)


# --------------------------------------------------------------------- task 3


def _binary_targets(y_true: ArrayLike, scores: ArrayLike, pos_label: Any):
    t = _as_1d(y_true, "y_true")
    s = _as_1d(scores, "scores").astype(float)
    _check_same_length(t, s)
    if np.any(np.isnan(s)):
        raise ValueError("scores must not contain NaN")
    positive = t == pos_label
    if positive.all() or not positive.any():
        raise ValueError("y_true must contain both classes")
    return positive, s


def roc_curve(
    y_true: ArrayLike, scores: ArrayLike, pos_label: Any = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve with one point per distinct score, plus the (0, 0) start.

    ``thresholds`` is ``inf`` followed by the distinct scores in decreasing
    order; point k counts a sample as positive when ``score >= thresholds[k]``.
    """
    positive, s = _binary_targets(y_true, scores, pos_label)
    order = np.argsort(-s, kind="mergesort")
    s_sorted = s[order]
    pos_sorted = positive[order]
    # last index of each run of equal scores
    ends = np.r_[np.nonzero(np.diff(s_sorted))[0], len(s_sorted) - 1]
    tps = np.cumsum(pos_sorted)[ends]
    fps = (ends + 1) - tps
    tpr = np.r_[0.0, tps / tps[-1]]
    fpr = np.r_[0.0, fps / fps[-1]]
    thresholds = np.r_[np.inf, s_sorted[ends]]
    return fpr, tpr, thresholds


def auc(x: ArrayLike, y: ArrayLike) -> float:
    """Area under a curve by the trapezoidal rule; x must be monotonic."""
    xs = _as_1d(x, "x").astype(float)
    ys = _as_1d(y, "y").astype(float)
    if len(xs) != len(ys):
        raise ValueError("x and y must have the same length")
    if len(xs) < 2:
        raise ValueError("at least 2 points are needed")
    dx = np.diff(xs)
    if np.all(dx >= 0):
        direction = 1.0
    elif np.all(dx <= 0):
        direction = -1.0
    else:
        raise ValueError("x must be monotonic")
    return float(direction * np.sum(dx * (ys[1:] + ys[:-1]) / 2.0))


def roc_auc(y_true: ArrayLike, scores: ArrayLike, pos_label: Any = 1) -> float:
    """Area under the ROC curve."""
    fpr, tpr, _ = roc_curve(y_true, scores, pos_label)
    return auc(fpr, tpr)


# --------------------------------------------------------------------- task 4


def best_threshold(
    y_true: ArrayLike, scores: ArrayLike, metric: str = "f1", pos_label: Any = 1
) -> tuple[float, float]:
    """The distinct score that maximises ``metric`` when used as threshold.

    ``metric`` is ``"f1"`` or ``"youden"`` (tpr - fpr). A sample is predicted
    positive when ``score >= threshold``. Ties go to the largest threshold.
    Returns ``(threshold, metric value)``.
    """
    if metric not in ("f1", "youden"):
        raise ValueError(f"unknown metric {metric!r}")
    fpr, tpr, thresholds = roc_curve(y_true, scores, pos_label)
    positive, _ = _binary_targets(y_true, scores, pos_label)
    if metric == "youden":
        values = tpr - fpr
    else:
        n_pos = int(positive.sum())
        n_neg = len(positive) - n_pos
        tp = tpr * n_pos
        fp = fpr * n_neg
        fn = n_pos - tp
        values = 2 * tp / (2 * tp + fp + fn)
    values = values[1:]
    best = int(np.argmax(values))
    return float(thresholds[1:][best]), float(values[best])


# --------------------------------------------------------------------- task 5


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
    t = _as_1d(y_true, "y_true")
    s = _as_1d(y_score, "y_score")
    _check_same_length(t, s)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError("n must be a positive integer")
    if not 0 < alpha < 1:
        raise ValueError("alpha must be between 0 and 1")
    if len(np.unique(t)) < 2:
        raise ValueError("y_true must contain both classes")
    rng = np.random.default_rng(seed)
    m = len(t)
    values = []
    for _ in range(n):
        idx = rng.integers(0, m, size=m)
        sample_true = t[idx]
        if len(np.unique(sample_true)) < 2:
            continue
        values.append(float(metric_fn(sample_true, s[idx])))
    if not values:
        raise ValueError("every bootstrap sample had a single class")
    low, high = np.percentile(values, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(low), float(high)
