"""The feature matrix of the offline model: one row per bar, one column per named feature.

Every feature is finite-window: its value at bar i depends on bars i-FEATURE_LOOKBACK+1..i only
(plus the funding rate known at bar i), never on later bars. Groups:
* own price action: log returns over several horizons, realised volatility, range, ATR, trend
  against moving averages, RSI, MACD (truncated EMAs), position in the recent range;
* volume: the bar's volume against its recent mean, z-score of log volume;
* funding: the last settled rate;
* calendar: hour of day and weekday (UTC);
* cross-asset: BTC's returns and volatility, the symbol's beta / correlation to BTC and the part
  of its move BTC does not explain, the equal-weighted market return, the symbol's excess over
  it, the cross-sectional rank of its returns among the panel's symbols, and market breadth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from alphaloop.features.indicators import atr, log_returns, macd, rsi, sma, volume_ratio, zscore
from alphaloop.features.panel import Panel
from alphaloop.features.rolling import (
    FloatArray,
    rolling_cov,
    rolling_mean,
    rolling_std,
    sliding_max,
    sliding_min,
)
from alphaloop.model.frame import MarketFrame

Unit = Literal["return", "percent", "fraction", "ratio", "number", "rate", "hour", "weekday"]

#: The symbol whose moves the cross-asset features refer to.
REFERENCE_SYMBOL = "BTC/USDT:USDT"

#: MACD's EMAs keep the last 4 * span bars (99.99% of the weight of the infinite EMA).
MACD_WINDOW_FACTOR = 4


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """A feature's name (a column of the matrix), what it means in words, and how to print it."""

    name: str
    description: str
    unit: Unit

    def format(self, value: float) -> str:
        if not np.isfinite(value):
            return "n/a"
        if self.unit == "return":
            return f"{value * 100:+.2f}%"
        if self.unit == "percent":
            return f"{value * 100:.2f}%"
        if self.unit == "fraction":
            return f"{value * 100:.1f}%"
        if self.unit == "rate":
            return f"{value * 100:+.4f}%"
        if self.unit == "hour":
            return f"{int(value):02d}:00 UTC"
        if self.unit == "weekday":
            return ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[int(value) % 7]
        return f"{value:.3g}" if self.unit == "ratio" else f"{value:.2f}"


FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("ret_1", "1-bar return", "return"),
    FeatureSpec("ret_3", "3-bar return", "return"),
    FeatureSpec("ret_6", "6-bar return", "return"),
    FeatureSpec("ret_12", "12-bar return", "return"),
    FeatureSpec("ret_24", "24-bar return", "return"),
    FeatureSpec("ret_72", "72-bar return", "return"),
    FeatureSpec("vol_12", "12-bar volatility", "percent"),
    FeatureSpec("vol_24", "24-bar volatility", "percent"),
    FeatureSpec("vol_72", "72-bar volatility", "percent"),
    FeatureSpec("vol_ratio_12_72", "short/long volatility ratio", "ratio"),
    FeatureSpec("range_24", "mean 24-bar high-low range", "percent"),
    FeatureSpec("atr_14", "ATR(14) relative to price", "percent"),
    FeatureSpec("trend_24", "price vs 24-bar average", "return"),
    FeatureSpec("trend_72", "price vs 72-bar average", "return"),
    FeatureSpec("macd", "MACD(12,26) relative to price", "return"),
    FeatureSpec("macd_signal", "MACD signal line relative to price", "return"),
    FeatureSpec("macd_hist", "MACD histogram relative to price", "return"),
    FeatureSpec("rsi_6", "RSI(6)", "number"),
    FeatureSpec("rsi_14", "RSI(14)", "number"),
    FeatureSpec("range_pos_72", "position in the 72-bar high-low range", "fraction"),
    FeatureSpec("mom_z_24", "24-bar return in volatility units", "number"),
    FeatureSpec("shock_1", "last bar's return in volatility units", "number"),
    FeatureSpec("clv_6", "close location in the bar range (6-bar mean)", "number"),
    FeatureSpec("volume_ratio_24", "volume vs its 24-bar mean", "ratio"),
    FeatureSpec("volume_z_72", "log-volume z-score (72 bars)", "number"),
    FeatureSpec("funding_rate", "funding rate", "rate"),
    FeatureSpec("hour", "hour of day", "hour"),
    FeatureSpec("weekday", "weekday", "weekday"),
    FeatureSpec("btc_ret_1", "BTC 1-bar return", "return"),
    FeatureSpec("btc_ret_6", "BTC 6-bar return", "return"),
    FeatureSpec("btc_ret_24", "BTC 24-bar return", "return"),
    FeatureSpec("btc_vol_24", "BTC 24-bar volatility", "percent"),
    FeatureSpec("beta_btc_72", "beta to BTC (72 bars)", "number"),
    FeatureSpec("corr_btc_72", "correlation with BTC (72 bars)", "number"),
    FeatureSpec("resid_ret_24", "24-bar return not explained by BTC", "return"),
    FeatureSpec("mkt_ret_24", "market (equal-weight) 24-bar return", "return"),
    FeatureSpec("excess_ret_24", "24-bar return over the market", "return"),
    FeatureSpec("rank_ret_6", "cross-sectional rank of the 6-bar return", "fraction"),
    FeatureSpec("rank_ret_24", "cross-sectional rank of the 24-bar return", "fraction"),
    FeatureSpec("breadth_6", "share of pairs up over 6 bars", "fraction"),
)

FEATURE_NAMES: tuple[str, ...] = tuple(spec.name for spec in FEATURES)
FEATURE_SPECS: dict[str, FeatureSpec] = {spec.name: spec for spec in FEATURES}

#: Features that are NaN until a symbol has enough own history: a row is "warm" when all are set.
WARMUP_FEATURES: tuple[str, ...] = ("ret_72", "vol_72", "trend_72", "macd_signal", "range_pos_72")

#: Bars (including the current one) every feature needs: MACD's signal line is a 36-bar EMA
#: window over a MACD line whose slow EMA spans 104 bars, so 104 + 36 - 1.
FEATURE_LOOKBACK = MACD_WINDOW_FACTOR * 26 + MACD_WINDOW_FACTOR * 9 - 1

_HOUR_MS = 3_600_000
_DAY_MS = 86_400_000


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / den, np.nan)


def _cross_mean(x: FloatArray) -> FloatArray:
    """Per bar, the mean over symbols with a value (NaN where none has one), shape (1, n)."""
    valid = ~np.isnan(x)
    count = valid.sum(axis=0, keepdims=True)
    total = np.where(valid, x, 0.0).sum(axis=0, keepdims=True)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _cross_rank(x: FloatArray) -> FloatArray:
    """Per bar, each symbol's rank among the symbols with a value, scaled to [0, 1] (ties share)."""
    below = (x[None, :, :] < x[:, None, :]).sum(axis=1)
    ties = (x[None, :, :] == x[:, None, :]).sum(axis=1) - 1
    count = (~np.isnan(x)).sum(axis=0, keepdims=True)
    rank = (below + 0.5 * ties) / np.maximum(count - 1, 1)
    return np.where(~np.isnan(x) & (count >= 2), rank, np.nan)


def feature_panel(panel: Panel) -> FloatArray:
    """All features of every symbol: shape (n_symbols, n_bars, len(FEATURE_NAMES))."""
    n_symbols, n = len(panel.symbols), len(panel.ts)
    out = np.full((n_symbols, n, len(FEATURES)), np.nan)
    if n_symbols == 0 or n == 0:
        return out
    column = {name: j for j, name in enumerate(FEATURE_NAMES)}

    def put(name: str, value: FloatArray) -> None:
        out[:, :, column[name]] = value

    # The open is no input: it is the previous close up to a gap, which the close already carries.
    h, low, c, v = panel.high, panel.low, panel.close, panel.volume
    ret = {k: log_returns(c, k) for k in (1, 3, 6, 12, 24, 72)}
    for k, value in ret.items():
        put(f"ret_{k}", value)
    phase = panel.phase
    vol = {k: rolling_std(ret[1], k, phase=phase) for k in (12, 24, 72)}
    for k, value in vol.items():
        put(f"vol_{k}", value)
    put("vol_ratio_12_72", _ratio(vol[12], vol[72]))
    with np.errstate(divide="ignore", invalid="ignore"):
        put("range_24", rolling_mean(np.log(h / low), 24, phase=phase))
    atr14 = atr(h, low, c, 14, smoothing="sma", phase=phase)
    put("atr_14", atr14 / c)
    put("trend_24", c / sma(c, 24) - 1.0)
    put("trend_72", c / sma(c, 72) - 1.0)
    line, signal, hist = macd(c, 12, 26, 9, window_factor=MACD_WINDOW_FACTOR)
    put("macd", line / c)
    put("macd_signal", signal / c)
    put("macd_hist", hist / c)
    put("rsi_6", rsi(c, 6, smoothing="sma", phase=phase))
    put("rsi_14", rsi(c, 14, smoothing="sma", phase=phase))
    top, bottom = sliding_max(h, 72), sliding_min(low, 72)
    put("range_pos_72", _ratio(c - bottom, top - bottom))
    put("mom_z_24", _ratio(ret[24], vol[72] * np.sqrt(24.0)))
    put("shock_1", _ratio(ret[1], vol[72]))
    clv = np.where(h > low, _ratio(2.0 * c - h - low, h - low), np.where(np.isnan(c), np.nan, 0.0))
    put("clv_6", rolling_mean(clv, 6, phase=phase))
    put("volume_ratio_24", volume_ratio(v, 24, phase=phase))
    put("volume_z_72", zscore(np.log1p(v), 72, phase=phase))
    put("funding_rate", panel.funding)
    has_bar = ~np.isnan(c)
    put("hour", np.where(has_bar, ((panel.ts // _HOUR_MS) % 24)[None, :], np.nan))
    # 1970-01-01 was a Thursday: +3 makes Monday 0.
    put("weekday", np.where(has_bar, ((panel.ts // _DAY_MS + 3) % 7)[None, :], np.nan))

    if REFERENCE_SYMBOL in panel.symbols:
        ref = panel.row(REFERENCE_SYMBOL)
        btc_r1, btc_r24 = ret[1][ref : ref + 1], ret[24][ref : ref + 1]
        put("btc_ret_1", np.where(has_bar, btc_r1, np.nan))
        put("btc_ret_6", np.where(has_bar, ret[6][ref : ref + 1], np.nan))
        put("btc_ret_24", np.where(has_bar, btc_r24, np.nan))
        put("btc_vol_24", np.where(has_bar, vol[24][ref : ref + 1], np.nan))
        cov = rolling_cov(ret[1], btc_r1, 72, phase=phase)
        btc_std = rolling_std(btc_r1, 72, phase=phase)
        beta = _ratio(cov, btc_std * btc_std)
        put("beta_btc_72", beta)
        put("corr_btc_72", np.clip(_ratio(cov, rolling_std(ret[1], 72, phase=phase) * btc_std), -1.0, 1.0))
        put("resid_ret_24", ret[24] - beta * btc_r24)

    market = _cross_mean(ret[24])
    put("mkt_ret_24", np.where(has_bar, market, np.nan))
    put("excess_ret_24", ret[24] - market)
    put("rank_ret_6", _cross_rank(ret[6]))
    put("rank_ret_24", _cross_rank(ret[24]))
    up6 = np.where(np.isnan(ret[6]), np.nan, (ret[6] > 0).astype(np.float64))
    put("breadth_6", np.where(has_bar, _cross_mean(up6), np.nan))
    return out


def warm_rows(matrix: FloatArray) -> npt.NDArray[np.bool_]:
    """Rows of a feature matrix [n_bars, n_features] whose symbol had enough history."""
    columns = [FEATURE_NAMES.index(name) for name in WARMUP_FEATURES]
    return np.asarray(~np.isnan(matrix[:, columns]).any(axis=1))


def build_feature_matrices(frame: MarketFrame) -> tuple[list[str], dict[str, FloatArray]]:
    """Feature names and, per symbol of `frame`, its matrix [n_bars, n_features] (C-contiguous)."""
    panel = Panel.from_frame(frame)
    values = feature_panel(panel)
    return list(FEATURE_NAMES), {s: np.ascontiguousarray(values[i]) for i, s in enumerate(panel.symbols)}


def build_feature_matrix(frame: MarketFrame, symbol: str) -> tuple[list[str], FloatArray]:
    """Feature names and `symbol`'s matrix [n_bars, n_features]; NaN where history is too short.

    The cross-asset features use the frame's other symbols, so pass the whole frame.
    """
    if symbol not in frame.bars:
        raise KeyError(f"{symbol} is not in the frame (symbols: {', '.join(frame.symbols)})")
    names, matrices = build_feature_matrices(frame)
    return names, matrices[symbol]
