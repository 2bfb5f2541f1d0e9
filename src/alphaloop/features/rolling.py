"""Trailing-window reductions along the last axis, NaN-aware, without a Python loop per bar.

Every function takes a 1-D series or a 2-D panel (one row per symbol) and returns an array of
the same shape whose value at position i uses positions i-n+1..i only; a window holding a NaN,
or shorter than n (the first n-1 positions), gives NaN. So a value never depends on anything
before its own window either: features built from these are "finite-window", which is what
lets a live model compute them from a short candle window and get the backtest's numbers.

Two implementations, chosen by cost:
* `sliding_*` reduce an explicit window view, each window on its own: O(n) per bar.
* `rolling_*` (sum, mean, var, std, cov) sum within fixed blocks: O(1) per bar, and still a
  function of the window's values alone once `phase` anchors the blocks to absolute bar
  numbers (see `rolling_sum`); no running sum over the whole history, so no drift either.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

FloatArray = npt.NDArray[np.float64]


def as_float(x: npt.ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _check_window(n: int) -> None:
    if n < 1:
        raise ValueError(f"window must be >= 1, got {n}")


def shift(x: npt.ArrayLike, k: int) -> FloatArray:
    """x delayed by k >= 0 positions: out[i] = x[i-k], NaN for i < k."""
    a = as_float(x)
    if k < 0:
        raise ValueError("shift only looks back: k must be >= 0")
    out = np.full_like(a, np.nan)
    if k == 0:
        out[...] = a
    elif k < a.shape[-1]:
        out[..., k:] = a[..., :-k]
    return out


def _windowed(a: FloatArray, n: int) -> tuple[FloatArray, npt.NDArray[np.float64]]:
    """The output array (NaN-filled) and the window view (..., N-n+1, n) for positions n-1..N-1."""
    out = np.full_like(a, np.nan)
    if a.shape[-1] < n:
        return out, np.empty((*a.shape[:-1], 0, n))
    return out, sliding_window_view(a, n, axis=-1)


def sliding_mean(x: npt.ArrayLike, n: int) -> FloatArray:
    """Exact trailing mean: each window is reduced on its own (no prefix-sum round-off)."""
    _check_window(n)
    a = as_float(x)
    out, view = _windowed(a, n)
    if view.shape[-2]:
        out[..., n - 1 :] = view.mean(axis=-1)
    return out


def sliding_max(x: npt.ArrayLike, n: int) -> FloatArray:
    _check_window(n)
    a = as_float(x)
    out, view = _windowed(a, n)
    if view.shape[-2]:
        out[..., n - 1 :] = view.max(axis=-1)  # NaN propagates, as wanted
    return out


def sliding_min(x: npt.ArrayLike, n: int) -> FloatArray:
    _check_window(n)
    a = as_float(x)
    out, view = _windowed(a, n)
    if view.shape[-2]:
        out[..., n - 1 :] = view.min(axis=-1)
    return out


def sliding_weighted(x: npt.ArrayLike, weights: npt.ArrayLike) -> FloatArray:
    """out[i] = sum_k weights[k] * x[i-n+1+k] (weights oldest first), NaN if the window has one."""
    w = as_float(weights)
    n = len(w)
    _check_window(n)
    a = as_float(x)
    out, view = _windowed(a, n)
    if view.shape[-2]:
        out[..., n - 1 :] = view @ w
    return out


def rolling_sum(x: npt.ArrayLike, n: int, *, phase: int = 0) -> FloatArray:
    """Trailing sum over n positions; NaN if the window holds a NaN.

    O(1) per position and exact to the window: the series is cut into blocks of n positions,
    and a window is the suffix of one block plus the prefix of the next, each summed within
    its block. Blocks start where (phase + position) % n == 0, so with `phase` = the absolute
    bar number of position 0 (open time // bar length), a window's sum is the same float
    whether computed on the whole history or on a short window of it.
    """
    _check_window(n)
    a = as_float(x)
    size = a.shape[-1]
    out = np.full_like(a, np.nan)
    if size < n:
        return out
    missing = np.isnan(a)
    lead = phase % n
    blocks = -(-(lead + size) // n)
    padded = np.zeros((*a.shape[:-1], blocks * n))
    padded[..., lead : lead + size] = a
    padded[..., lead : lead + size][missing] = 0.0
    by_block = padded.reshape(*a.shape[:-1], blocks, n)
    prefix = np.cumsum(by_block, axis=-1).reshape(padded.shape)[..., lead + n - 1 : lead + size]
    suffix = np.cumsum(by_block[..., ::-1], axis=-1)[..., ::-1].reshape(padded.shape)[
        ..., lead : lead + size - n + 1
    ]
    closes_block = (lead + np.arange(n - 1, size)) % n == n - 1
    sums = np.where(closes_block, prefix, suffix + prefix)
    if missing.any():
        holes = np.cumsum(missing, axis=-1)
        window_holes = holes[..., n - 1 :].copy()
        window_holes[..., 1:] -= holes[..., : size - n]
        sums[window_holes > 0] = np.nan
    out[..., n - 1 :] = sums
    return out


def rolling_mean(x: npt.ArrayLike, n: int, *, phase: int = 0) -> FloatArray:
    return rolling_sum(x, n, phase=phase) / n


def rolling_var(x: npt.ArrayLike, n: int, *, ddof: int = 1, phase: int = 0) -> FloatArray:
    """Trailing variance (ddof=1 like pandas' rolling().var()). For series whose mean is far from
    zero relative to their spread, centre them first (e.g. log volume, not raw prices)."""
    if n - ddof < 1:
        raise ValueError(f"window {n} too short for ddof={ddof}")
    a = as_float(x)
    s1 = rolling_sum(a, n, phase=phase)
    s2 = rolling_sum(a * a, n, phase=phase)
    var = (s2 - s1 * s1 / n) / (n - ddof)
    return np.maximum(var, 0.0)  # round-off can leave a tiny negative where the window is flat


def rolling_std(x: npt.ArrayLike, n: int, *, ddof: int = 1, phase: int = 0) -> FloatArray:
    return np.sqrt(rolling_var(x, n, ddof=ddof, phase=phase))


def rolling_cov(x: npt.ArrayLike, y: npt.ArrayLike, n: int, *, ddof: int = 1, phase: int = 0) -> FloatArray:
    """Trailing covariance of two aligned series (1-D with 1-D, or a panel with a broadcastable row)."""
    a, b = np.broadcast_arrays(as_float(x), as_float(y))
    sa = rolling_sum(a, n, phase=phase)
    sb = rolling_sum(b, n, phase=phase)
    sab = rolling_sum(a * b, n, phase=phase)
    return (sab - sa * sb / n) / (n - ddof)
