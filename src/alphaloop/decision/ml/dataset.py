"""Labels and training rows: what the offline model learns from.

The label of bar i is the direction of the trade the model could take at its close: enter at
the next bar's open, exit at the close of bar i + horizon. Trades whose move does not beat the
round-trip taker fees (plus an optional band) are neutral and left out of training: the model
learns "up or down, given a move worth trading".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from alphaloop.features.matrix import build_feature_matrices, warm_rows
from alphaloop.features.rolling import FloatArray
from alphaloop.model.frame import MarketFrame
from alphaloop.model.snapshot import IntArray

#: Taker fee per side on WEEX perpetuals; a round trip costs twice this.
TAKER_FEE = 0.0008


def forward_returns(open_: FloatArray, close: FloatArray, horizon: int) -> FloatArray:
    """r[i] = close[i + horizon] / open[i + 1] - 1; NaN where those bars are not in the data."""
    if horizon < 1:
        raise ValueError("horizon must be >= 1 bar")
    n = len(close)
    out = np.full(n, np.nan)
    if n > horizon:
        out[: n - horizon] = close[horizon:] / open_[1 : n - horizon + 1] - 1.0
    return out


def direction_labels(forward: FloatArray, *, cost: float, band: float = 0.0) -> FloatArray:
    """1.0 where a long beats `cost + band`, 0.0 where a short does, NaN in between (neutral)."""
    edge = cost + band
    return np.where(forward > edge, 1.0, np.where(forward < -edge, 0.0, np.nan))


@dataclass(frozen=True, slots=True)
class TrainingRows:
    """Rows of every symbol, sorted by bar time: features, label (1 up / 0 down / NaN neutral),
    the forward return behind it, the bar's open time and the symbol's index in `symbols`."""

    feature_names: tuple[str, ...]
    symbols: tuple[str, ...]
    X: FloatArray
    y: FloatArray
    forward: FloatArray
    ts: IntArray
    symbol: npt.NDArray[np.int16]

    def __len__(self) -> int:
        return len(self.y)

    def take(self, rows: npt.NDArray[np.bool_] | slice) -> TrainingRows:
        return TrainingRows(
            self.feature_names,
            self.symbols,
            self.X[rows],
            self.y[rows],
            self.forward[rows],
            self.ts[rows],
            self.symbol[rows],
        )


def training_rows(
    frame: MarketFrame,
    *,
    start_ms: int,
    end_ms: int,
    horizon: int,
    cost: float = 2 * TAKER_FEE,
    band: float = 0.0,
) -> TrainingRows:
    """Rows for bars opening in [start_ms, end_ms), built from bars before `end_ms` only: the frame
    is cut at `end_ms` first, so a row whose forward return needs later bars is dropped. Neutral
    rows stay (label NaN): training skips them, the out-of-fold trading record counts them."""
    seen = frame.slice(None, end_ms)
    names, matrices = build_feature_matrices(seen)
    width = len(names)
    X, y, forward, ts, sym = [np.zeros((0, width))], [np.zeros(0)], [np.zeros(0)], [np.zeros(0, np.int64)], []
    in_period = (seen.ts >= start_ms) & (seen.ts < end_ms)
    for index, symbol in enumerate(seen.symbols):
        bars = seen.bars[symbol]
        ahead = forward_returns(bars.open, bars.close, horizon)
        matrix = matrices[symbol]
        keep = in_period & warm_rows(matrix) & ~np.isnan(ahead)
        X.append(matrix[keep])
        y.append(direction_labels(ahead[keep], cost=cost, band=band))
        forward.append(ahead[keep])
        ts.append(seen.ts[keep])
        sym.append(np.full(int(keep.sum()), index, np.int16))
    times = np.concatenate(ts).astype(np.int64)
    order = np.argsort(times, kind="stable")
    return TrainingRows(
        tuple(names),
        tuple(seen.symbols),
        np.ascontiguousarray(np.concatenate(X)[order]),
        np.concatenate(y)[order],
        np.concatenate(forward)[order],
        times[order],
        np.concatenate([np.zeros(0, np.int16), *sym])[order],
    )
