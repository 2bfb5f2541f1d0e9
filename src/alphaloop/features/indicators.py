"""Technical indicators as pure numpy functions over a 1-D series or a 2-D panel (rows = symbols).

Every value at position i uses positions <= i only; NaN where there is not enough history.
`phase` (absolute bar number of position 0) anchors the blocks of the running sums, see
`rolling.rolling_sum`; it changes values only at the round-off level.
Two families:
* finite-window indicators (`sma`, `returns`, `realized_vol`, `zscore`, `rsi(smoothing="sma")`,
  `atr(smoothing="sma")`, `ema(window=k)`, `macd(window_factor=f)`): the value at i depends on a
  fixed number of trailing bars only, so a live model computing them from a short candle window
  gets the backtest's numbers. The feature matrix uses only these.
* recursive ones (`ema` without window, Wilder's `rsi` / `atr`): the textbook definitions, whose
  value depends (weakly) on the whole history; seeded TA-Lib style with the simple mean of the
  first n values.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from alphaloop.features.rolling import (
    FloatArray,
    as_float,
    rolling_mean,
    rolling_std,
    shift,
    sliding_mean,
    sliding_weighted,
)

Smoothing = Literal["wilder", "sma"]

#: Bars per block of the vectorised exponential recursion (see `_ewm`).
_BLOCK = 128


def sma(x: npt.ArrayLike, n: int) -> FloatArray:
    """Simple moving average of the last n values including i; NaN for i < n-1.

    Each window is averaged on its own (no running sum), so long series keep full precision:
    equal to pandas' `rolling(n).mean()` to ~1e-15 relative.
    """
    return sliding_mean(x, n)


def returns(close: npt.ArrayLike, h: int = 1) -> FloatArray:
    """Simple return over h bars: close[i] / close[i-h] - 1."""
    c = as_float(close)
    return c / shift(c, h) - 1.0


def log_returns(close: npt.ArrayLike, h: int = 1) -> FloatArray:
    """Log return over h bars: log(close[i] / close[i-h])."""
    c = as_float(close)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(c / shift(c, h))


def realized_vol(close: npt.ArrayLike, n: int, *, phase: int = 0) -> FloatArray:
    """Standard deviation (ddof=1) of the last n one-bar log returns (per bar, not annualised)."""
    return rolling_std(log_returns(close, 1), n, phase=phase)


def zscore(x: npt.ArrayLike, n: int, *, phase: int = 0) -> FloatArray:
    """(x - mean) / std over the trailing n values including i; NaN where the window is flat.

    Uses running sums: centre series with a large mean first (e.g. log volume, not raw prices).
    """
    a = as_float(x)
    std = rolling_std(a, n, phase=phase)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(std > 0, (a - rolling_mean(a, n, phase=phase)) / std, np.nan)


def volume_ratio(volume: npt.ArrayLike, n: int, *, phase: int = 0) -> FloatArray:
    """Volume of bar i over the mean volume of the last n bars (including i)."""
    v = as_float(volume)
    mean = rolling_mean(v, n, phase=phase)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mean > 0, v / mean, np.nan)


def ema_weights(span: int, window: int) -> FloatArray:
    """The normalised weights (oldest first) of an EMA of `span` truncated to `window` bars."""
    alpha = 2.0 / (span + 1.0)
    w = alpha * (1.0 - alpha) ** np.arange(window - 1, -1, -1, dtype=np.float64)
    return np.asarray(w / w.sum(), dtype=np.float64)


def ema(x: npt.ArrayLike, span: int, *, window: int | None = None) -> FloatArray:
    """Exponential moving average with alpha = 2 / (span + 1).

    window=None: the recursive EMA, seeded at the n-th valid value with the mean of the first
    n = span values. window=k: the EMA's kernel truncated to the last k bars and renormalised,
    a finite-window indicator (k = 4 * span keeps ~99.99% of the weight).
    """
    if span < 1:
        raise ValueError(f"span must be >= 1, got {span}")
    if window is not None:
        return sliding_weighted(x, ema_weights(span, window))
    return _ewm(as_float(x), 2.0 / (span + 1.0), span)


def _ewm(a: FloatArray, alpha: float, seed_n: int) -> FloatArray:
    if a.ndim == 2:
        return np.stack([_ewm(row, alpha, seed_n) for row in a]) if len(a) else a.copy()
    out = np.full_like(a, np.nan)
    valid = np.flatnonzero(~np.isnan(a))
    if len(valid) == 0:
        return out
    first = int(valid[0])
    seed_at = first + seed_n - 1
    if seed_at >= len(a):
        return out
    # Missing values after the first repeat the last known one (the output is NaN there).
    filled = a[first:].copy()
    holes = np.isnan(filled)
    if holes.any():
        idx = np.where(holes, 0, np.arange(len(filled)))
        filled = filled[np.maximum.accumulate(idx)]
    seed = float(filled[:seed_n].mean())
    tail = filled[seed_n:]
    out[seed_at] = seed
    if len(tail):
        out[seed_at + 1 :] = _ewm_tail(tail, alpha, seed)
    out[first:][holes] = np.nan
    return out


def _ewm_tail(x: FloatArray, alpha: float, state: float) -> FloatArray:
    """y[t] = alpha x[t] + (1-alpha) y[t-1] from y[-1] = state, a block at a time: inside a block
    the recursion is a matrix product; only the block boundary states are carried in a loop."""
    decay = 1.0 - alpha
    m = len(x)
    blocks = -(-m // _BLOCK)
    padded = np.zeros(blocks * _BLOCK)
    padded[:m] = x
    xb = padded.reshape(blocks, _BLOCK)
    lag = np.arange(_BLOCK)[:, None] - np.arange(_BLOCK)[None, :]
    kernel = np.where(lag >= 0, alpha * decay ** np.maximum(lag, 0), 0.0)
    inner = xb @ kernel.T  # each block's response from a zero starting state
    carry = decay ** np.arange(1, _BLOCK + 1)
    starts = np.empty(blocks)
    for b in range(blocks):
        starts[b] = state
        state = inner[b, -1] + carry[-1] * state
    y = inner + starts[:, None] * carry[None, :]
    return y.reshape(-1)[:m]


def _smooth(x: FloatArray, n: int, smoothing: Smoothing, phase: int) -> FloatArray:
    if smoothing == "sma":
        return rolling_mean(x, n, phase=phase)
    return _ewm(x, 1.0 / n, n)


def rsi(close: npt.ArrayLike, n: int = 14, *, smoothing: Smoothing = "wilder", phase: int = 0) -> FloatArray:
    """Relative strength index in [0, 100] (50 when the window did not move).

    smoothing="wilder": Wilder's recursive average of gains and losses; "sma": their simple mean
    over the last n changes (finite window of n+1 closes).
    """
    c = as_float(close)
    change = c - shift(c, 1)
    gain = _smooth(np.where(np.isnan(change), np.nan, np.maximum(change, 0.0)), n, smoothing, phase)
    loss = _smooth(np.where(np.isnan(change), np.nan, np.maximum(-change, 0.0)), n, smoothing, phase)
    total = gain + loss
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, 100.0 * gain / total, np.where(np.isnan(total), np.nan, 50.0))


def macd(
    close: npt.ArrayLike,
    fast: int = 12,
    slow: int = 26,
    signal: int = 9,
    *,
    window_factor: int | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(macd line, signal line, histogram). window_factor=f truncates each EMA to f * span bars."""
    c = as_float(close)

    def _ema(x: FloatArray, span: int) -> FloatArray:
        return ema(x, span, window=None if window_factor is None else window_factor * span)

    line = _ema(c, fast) - _ema(c, slow)
    sig = _ema(line, signal)
    return line, sig, line - sig


def true_range(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike) -> FloatArray:
    """max(high - low, |high - prev close|, |low - prev close|); NaN at the first bar (no prev close)."""
    h, low_, c = as_float(high), as_float(low), as_float(close)
    prev = shift(c, 1)
    return np.maximum(h - low_, np.maximum(np.abs(h - prev), np.abs(low_ - prev)))


def atr(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    n: int = 14,
    *,
    smoothing: Smoothing = "wilder",
    phase: int = 0,
) -> FloatArray:
    """Average true range over n bars (Wilder's recursive average, or the simple mean with "sma")."""
    return _smooth(true_range(high, low, close), n, smoothing, phase)
