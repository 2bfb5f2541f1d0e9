"""Probability calibration: map the booster's raw score (log-odds) to a probability that holds
on out-of-fold data.

* isotonic: the out-of-fold scores are cut into quantile bins; pool-adjacent-violators makes the
  bins' hit rates non-decreasing; the map interpolates linearly between bin centres (flat past
  the ends). Binning first keeps the map small, smooth and robust at the extremes.
* platt: a logistic fit p = 1 / (1 + exp(-(a * score + b))), two numbers.

Both are monotone non-decreasing in the score, so the ranking (AUC) of scores is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from alphaloop.features.rolling import FloatArray
from alphaloop.model.errors import ConfigurationError

CalibrationKind = Literal["isotonic", "platt", "identity"]

#: Calibrated probabilities stay inside [P_MIN, 1 - P_MIN]: no certainty from finite data.
P_MIN = 0.001


def sigmoid(x: FloatArray) -> FloatArray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic


@dataclass(frozen=True, slots=True)
class Calibrator:
    kind: CalibrationKind
    #: isotonic: score knots (increasing) and their probabilities; platt: (a,), (b,).
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()

    def apply(self, score: FloatArray) -> FloatArray:
        s = np.asarray(score, dtype=np.float64)
        if self.kind == "isotonic":
            p = np.interp(s, np.asarray(self.x), np.asarray(self.y))
        elif self.kind == "platt":
            p = sigmoid(self.x[0] * s + self.y[0])
        else:
            p = sigmoid(s)
        p = np.clip(p, P_MIN, 1.0 - P_MIN)
        return np.where(np.isnan(s), np.nan, p)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "x": list(self.x), "y": list(self.y)}

    @staticmethod
    def from_json(data: dict[str, Any]) -> Calibrator:
        kind = data.get("kind")
        if kind not in ("isotonic", "platt", "identity"):
            raise ConfigurationError(f"unknown calibration kind {kind!r}")
        x = tuple(float(v) for v in data.get("x", ()))
        y = tuple(float(v) for v in data.get("y", ()))
        if kind == "isotonic" and (len(x) != len(y) or len(x) < 1 or any(np.diff(x) < 0)):
            raise ConfigurationError("isotonic calibration needs increasing knots with one probability each")
        if kind == "platt" and (len(x) != 1 or len(y) != 1):
            raise ConfigurationError("platt calibration needs one slope and one intercept")
        return Calibrator(kind, x, y)


def fit_calibrator(
    score: FloatArray, label: FloatArray, kind: CalibrationKind = "isotonic", *, bins: int = 100
) -> Calibrator:
    """Fit `kind` on out-of-fold raw scores and 0/1 labels."""
    s = np.asarray(score, dtype=np.float64)
    y = np.asarray(label, dtype=np.float64)
    keep = ~np.isnan(s) & ~np.isnan(y)
    s, y = s[keep], y[keep]
    if kind == "identity":
        return Calibrator("identity")
    if len(s) < 2 or y.min() == y.max():
        raise ConfigurationError("calibration needs out-of-fold scores with both outcomes")
    if kind == "platt":
        a, b = _fit_platt(s, y)
        return Calibrator("platt", (a,), (b,))
    return _fit_isotonic(s, y, bins)


def _fit_platt(s: FloatArray, y: FloatArray) -> tuple[float, float]:
    """Logistic regression of y on s by Newton's method (with Platt's smoothed targets)."""
    positives = y.sum()
    negatives = len(y) - positives
    target = np.where(y > 0.5, (positives + 1) / (positives + 2), 1.0 / (negatives + 2))
    a, b = 1.0, 0.0
    design = np.column_stack([s, np.ones_like(s)])
    for _ in range(50):
        p = sigmoid(a * s + b)
        gradient = design.T @ (p - target)
        weight = np.maximum(p * (1.0 - p), 1e-12)
        hessian = design.T @ (design * weight[:, None]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        a, b = a - float(step[0]), b - float(step[1])
        if np.abs(step).max() < 1e-10:
            break
    return a, b


def _fit_isotonic(s: FloatArray, y: FloatArray, bins: int) -> Calibrator:
    order = np.argsort(s, kind="stable")
    s, y = s[order], y[order]
    edges = np.unique(np.quantile(s, np.linspace(0.0, 1.0, bins + 1)))
    which = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, max(len(edges) - 2, 0))
    count = np.bincount(which).astype(np.float64)
    used = count > 0
    centre = (np.bincount(which, weights=s)[used]) / count[used]
    rate = (np.bincount(which, weights=y)[used]) / count[used]
    fitted = pool_adjacent_violators(rate, count[used])
    return Calibrator("isotonic", tuple(float(v) for v in centre), tuple(float(v) for v in fitted))


def pool_adjacent_violators(values: FloatArray, weights: FloatArray) -> FloatArray:
    """The weighted least-squares non-decreasing fit of `values` (a few hundred points at most)."""
    means: list[float] = []
    totals: list[float] = []
    sizes: list[int] = []
    for value, weight in zip(values.tolist(), weights.tolist(), strict=True):
        means.append(value)
        totals.append(weight)
        sizes.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            w = totals[-2] + totals[-1]
            means[-2] = (means[-2] * totals[-2] + means[-1] * totals[-1]) / w
            totals[-2] = w
            sizes[-2] += sizes[-1]
            del means[-1], totals[-1], sizes[-1]
    return np.repeat(np.asarray(means), sizes)
