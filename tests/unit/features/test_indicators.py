"""Indicators against straightforward loop references, and no look-ahead."""

from __future__ import annotations

import math

import numpy as np
import pytest

from alphaloop.features import indicators as ind
from tests.kit.backtest import real_frame

BTC = "BTC/USDT:USDT"


@pytest.fixture(scope="module")
def btc_5m() -> np.ndarray:
    return np.asarray(real_frame([BTC], "5m").bars[BTC].close)


def test_sma_equals_the_exact_window_mean_over_the_whole_5m_series(btc_5m: np.ndarray) -> None:
    n = 50
    out = ind.sma(btc_5m, n)
    assert np.isnan(out[: n - 1]).all()
    positions = np.r_[n - 1 : n + 200, len(btc_5m) - 200 : len(btc_5m)]
    exact = np.array([math.fsum(btc_5m[i - n + 1 : i + 1]) / n for i in positions])
    np.testing.assert_allclose(out[positions], exact, rtol=1e-13)


def ema_loop(x: np.ndarray, span: int) -> np.ndarray:
    alpha = 2.0 / (span + 1)
    out = np.full(len(x), np.nan)
    first = int(np.flatnonzero(~np.isnan(x))[0])
    seed = first + span - 1
    out[seed] = x[first : seed + 1].mean()
    for i in range(seed + 1, len(x)):
        out[i] = alpha * x[i] + (1 - alpha) * out[i - 1]
    return out


@pytest.mark.parametrize("span", [1, 3, 12, 26, 200])
def test_recursive_ema_matches_the_loop_and_skips_leading_nan(span: int) -> None:
    x = np.random.default_rng(span).normal(100, 5, size=1000)
    x[:17] = np.nan
    np.testing.assert_allclose(ind.ema(x, span), ema_loop(x, span), rtol=1e-10, equal_nan=True)


def test_windowed_ema_is_the_truncated_kernel_and_close_to_the_recursive_one() -> None:
    x = np.random.default_rng(5).normal(100, 5, size=600)
    windowed = ind.ema(x, 12, window=48)
    weights = ind.ema_weights(12, 48)
    assert weights.sum() == pytest.approx(1.0)
    assert windowed[100] == pytest.approx(float(x[53:101] @ weights))
    assert np.isnan(windowed[:47]).all()
    np.testing.assert_allclose(windowed[200:], ind.ema(x, 12)[200:], rtol=1e-3)


def rsi_wilder_loop(close: np.ndarray, n: int) -> np.ndarray:
    change = np.diff(close)
    gain, loss = np.maximum(change, 0), np.maximum(-change, 0)
    out = np.full(len(close), np.nan)
    avg_gain, avg_loss = gain[:n].mean(), loss[:n].mean()
    out[n] = 100 * avg_gain / (avg_gain + avg_loss)
    for i in range(n, len(change)):
        avg_gain = (avg_gain * (n - 1) + gain[i]) / n
        avg_loss = (avg_loss * (n - 1) + loss[i]) / n
        out[i + 1] = 100 * avg_gain / (avg_gain + avg_loss)
    return out


def test_rsi_wilder_matches_the_textbook_loop() -> None:
    close = np.asarray(real_frame([BTC], "1h", "2024-01-01", "2024-02-01").bars[BTC].close)
    np.testing.assert_allclose(ind.rsi(close, 14), rsi_wilder_loop(close, 14), rtol=1e-9, equal_nan=True)


def test_rsi_sma_is_the_share_of_gains_in_the_window_and_50_when_flat() -> None:
    close = np.array([10.0, 11, 10, 12, 12, 12, 12])
    out = ind.rsi(close, 3, smoothing="sma")
    assert np.isnan(out[:3]).all()
    assert out[3] == pytest.approx(100 * 3 / 4)  # changes +1 -1 +2: gains 3, losses 1
    assert out[6] == 50.0


def test_macd_is_the_difference_of_the_two_emas() -> None:
    x = np.random.default_rng(6).normal(100, 3, size=400)
    line, signal, hist = ind.macd(x, 12, 26, 9, window_factor=4)
    np.testing.assert_allclose(line, ind.ema(x, 12, window=48) - ind.ema(x, 26, window=104), equal_nan=True)
    np.testing.assert_allclose(signal, ind.ema(line, 9, window=36), equal_nan=True)
    np.testing.assert_allclose(hist, line - signal, equal_nan=True)
    assert np.isfinite(line[103])
    assert np.isnan(signal[137])
    assert np.isfinite(signal[138])


def test_true_range_and_atr() -> None:
    high = np.array([11.0, 12, 13, 12])
    low = np.array([9.0, 10, 11, 8])
    close = np.array([10.0, 11, 12, 9])
    tr = ind.true_range(high, low, close)
    assert np.isnan(tr[0])
    np.testing.assert_array_equal(tr[1:], [2.0, 2.0, 4.0])  # gap up from 11: 13-11; 12 to 8
    np.testing.assert_allclose(ind.atr(high, low, close, 2, smoothing="sma")[2:], [2.0, 3.0])
    wilder = ind.atr(high, low, close, 2)
    assert wilder[2] == pytest.approx(2.0)
    assert wilder[3] == pytest.approx((2.0 * 1 + 4.0) / 2)


def test_returns_volatility_zscore_and_volume_ratio() -> None:
    close = np.array([100.0, 110, 99, 99])
    np.testing.assert_allclose(ind.returns(close, 1)[1:], [0.1, -0.1, 0.0])
    np.testing.assert_allclose(ind.log_returns(close, 2)[2:], [math.log(0.99), math.log(0.9)])
    x = np.random.default_rng(7).lognormal(size=100)
    vol = ind.realized_vol(x, 10)
    assert vol[50] == pytest.approx(np.std(np.diff(np.log(x[40:51])), ddof=1))
    z = ind.zscore(x, 20)
    assert z[60] == pytest.approx((x[60] - x[41:61].mean()) / np.std(x[41:61], ddof=1))
    assert ind.volume_ratio(x, 5)[9] == pytest.approx(x[9] / x[5:10].mean())
    assert np.isnan(ind.zscore(np.ones(30), 10)[20])  # flat window: undefined


@pytest.mark.parametrize(
    "compute",
    [
        lambda c: ind.sma(c, 20),
        lambda c: ind.ema(c, 20),
        lambda c: ind.ema(c, 20, window=80),
        lambda c: ind.rsi(c, 14),
        lambda c: ind.rsi(c, 14, smoothing="sma"),
        lambda c: ind.macd(c)[2],
        lambda c: ind.atr(c * 1.01, c * 0.99, c, 14),
        lambda c: ind.realized_vol(c, 24),
        lambda c: ind.zscore(c, 24),
    ],
)
def test_no_indicator_looks_ahead(compute: object) -> None:
    close = np.asarray(real_frame([BTC], "1h", "2024-01-01", "2024-03-01").bars[BTC].close)
    full = compute(close)  # type: ignore[operator]
    for stop in (30, 200, 900):
        # Identical up to round-off: the recursive EMA's block products may sum in another order.
        part = compute(close[:stop])  # type: ignore[operator]
        np.testing.assert_allclose(part, full[:stop], rtol=1e-9, atol=1e-12, equal_nan=True)
