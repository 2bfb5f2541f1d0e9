"""Classification metrics of out-of-fold predictions (pure numpy)."""

from __future__ import annotations

import numpy as np

from alphaloop.features.rolling import FloatArray


def auc(score: FloatArray, label: FloatArray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); NaN without both classes."""
    s = np.asarray(score, dtype=np.float64)
    y = np.asarray(label) > 0.5
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    # Average rank of each distinct value (1-based): ties share the mean of their ranks.
    upper = np.cumsum(counts)
    average_rank = upper - (counts - 1) / 2.0
    rank_sum = float(average_rank[inverse][y].sum())
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def log_loss(probability: FloatArray, label: FloatArray, *, eps: float = 1e-12) -> float:
    p = np.clip(np.asarray(probability, dtype=np.float64), eps, 1.0 - eps)
    y = np.asarray(label, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def brier(probability: FloatArray, label: FloatArray) -> float:
    return float(np.mean((np.asarray(probability) - np.asarray(label)) ** 2))


def accuracy(probability: FloatArray, label: FloatArray) -> float:
    """Share of rows whose side (p >= 0.5 means up) matches the label."""
    return float(np.mean((np.asarray(probability) >= 0.5) == (np.asarray(label) > 0.5)))
