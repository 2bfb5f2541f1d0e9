"""Labels for research trials: forward returns or triple-barrier outcomes, per pair or over the
market. Pure numpy over [symbols, bars] arrays; the label of bar i uses bars i+1 .. i+horizon only
(entry at the next bar's open), so rows are purged by horizon + 1 bars before any test period.
"""

from __future__ import annotations

import warnings

import numpy as np

from alphaloop.features.rolling import FloatArray


def forward_matrix(open_: FloatArray, close: FloatArray, horizon: int) -> FloatArray:
    """r[s, i] = close[s, i + h] / open[s, i + 1] - 1; NaN where those bars are missing."""
    if horizon < 1:
        raise ValueError("horizon must be >= 1 bar")
    n = open_.shape[1]
    out = np.full(open_.shape, np.nan)
    if n > horizon:
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, : n - horizon] = close[:, horizon:] / open_[:, 1 : n - horizon + 1] - 1.0
    return out


def triple_barrier_matrix(
    open_: FloatArray, high: FloatArray, low: FloatArray, close: FloatArray, atr_rel: FloatArray, *,
    horizon: int, barrier_atr: float,
) -> FloatArray:  # fmt: skip
    """The return of a long entered at open[i + 1] that exits at the first of: +barrier_atr ATR
    (take-profit), -barrier_atr ATR (stop), or the close of bar i + horizon (time-out). A bar
    touching both barriers counts as the stop (we cannot know the order inside a bar). A short's
    return is the negative (symmetric barriers)."""
    if horizon < 1:
        raise ValueError("horizon must be >= 1 bar")
    n = open_.shape[1]
    out = np.full(open_.shape, np.nan)
    if n <= horizon:
        return out
    m = n - horizon
    entry = open_[:, 1 : m + 1]
    width = barrier_atr * atr_rel[:, :m]
    upper, lower = entry * (1.0 + width), entry * (1.0 - width)
    result = close[:, horizon : horizon + m] / entry - 1.0
    done = np.zeros(entry.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        for k in range(1, horizon + 1):
            hit_low = ~done & (low[:, k : k + m] <= lower)
            hit_high = ~done & ~hit_low & (high[:, k : k + m] >= upper)
            result = np.where(hit_low, -width, np.where(hit_high, width, result))
            done |= hit_low | hit_high
    out[:, :m] = np.where(np.isfinite(width), result, np.nan)
    return out


def excess_over_market(returns: FloatArray) -> FloatArray:
    """Each pair's return minus the equal-weight mean of the pairs present at that bar."""
    with warnings.catch_warnings():
        # A bar where no pair has a return is all-NaN: its mean is NaN, which is what we want.
        warnings.simplefilter("ignore", RuntimeWarning)
        market = np.nanmean(returns, axis=0)
    return np.asarray(returns - market[None, :], dtype=np.float64)


def classify(returns: FloatArray, cost: float) -> FloatArray:
    """1.0 where a long beats `cost`, 0.0 where a short does, NaN in between or unknown."""
    with np.errstate(invalid="ignore"):
        return np.where(returns > cost, 1.0, np.where(returns < -cost, 0.0, np.nan))
