"""Trailing-window reductions: equal to the naive window, NaN-aware, and a function of the window alone."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaloop.features.rolling import (
    rolling_cov,
    rolling_mean,
    rolling_std,
    rolling_sum,
    shift,
    sliding_max,
    sliding_mean,
    sliding_min,
    sliding_weighted,
)


def naive(x: np.ndarray, n: int, reduce: str) -> np.ndarray:
    out = np.full(len(x), np.nan)
    for i in range(n - 1, len(x)):
        window = x[i - n + 1 : i + 1]
        if np.isnan(window).any():
            continue
        if reduce == "sum":
            out[i] = math.fsum(window)
        elif reduce == "std":
            out[i] = float(np.std(window, ddof=1))
        else:
            out[i] = getattr(np, reduce)(window)
    return out


series = st.lists(
    st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.just(float("nan"))), min_size=0, max_size=60
).map(lambda v: np.asarray(v, dtype=np.float64))


@settings(max_examples=150, deadline=None)
@given(x=series, n=st.integers(1, 12), phase=st.integers(0, 50))
def test_rolling_sum_is_the_window_sum_with_nan_for_incomplete_windows(
    x: np.ndarray, n: int, phase: int
) -> None:
    np.testing.assert_allclose(rolling_sum(x, n, phase=phase), naive(x, n, "sum"), rtol=1e-12, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(x=series, n=st.integers(1, 12), cut=st.integers(0, 30), phase=st.integers(0, 50))
def test_rolling_sum_depends_on_the_window_only_once_phase_is_absolute(
    x: np.ndarray, n: int, cut: int, phase: int
) -> None:
    full = rolling_sum(x, n, phase=phase)
    tail = rolling_sum(x[cut:], n, phase=phase + cut)
    np.testing.assert_array_equal(tail[n - 1 :], full[cut + n - 1 :])


@pytest.mark.parametrize("reduce", ["mean", "max", "min"])
def test_sliding_reductions_match_the_naive_window(reduce: str) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    x[[5, 80, 81]] = np.nan
    function = {"mean": sliding_mean, "max": sliding_max, "min": sliding_min}[reduce]
    np.testing.assert_allclose(function(x, 7), naive(x, 7, reduce), rtol=1e-12)


def test_rolling_std_and_mean_match_numpy() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(0.001, 0.02, size=500)
    np.testing.assert_allclose(rolling_std(x, 24), naive(x, 24, "std"), rtol=1e-9)
    np.testing.assert_allclose(rolling_mean(x, 24), naive(x, 24, "mean"), rtol=1e-9, atol=1e-15)


def test_panels_reduce_each_row_on_its_own() -> None:
    rng = np.random.default_rng(3)
    panel = rng.normal(size=(3, 100))
    panel[1, :30] = np.nan
    for function in (sliding_mean, sliding_max, rolling_sum, rolling_std):
        together = function(panel, 10)
        for row in range(3):
            np.testing.assert_array_equal(together[row], function(panel[row], 10))


def test_rolling_cov_of_a_series_with_itself_is_its_variance() -> None:
    x = np.random.default_rng(4).normal(size=300)
    np.testing.assert_allclose(rolling_cov(x, x, 30), rolling_std(x, 30) ** 2, rtol=1e-9)


def test_sliding_weighted_applies_weights_oldest_first() -> None:
    x = np.arange(6, dtype=np.float64)
    out = sliding_weighted(x, [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(out[2:], x[2:])
    assert np.isnan(out[:2]).all()
    np.testing.assert_array_equal(sliding_weighted(x, [1.0, 0.0, 0.0])[2:], x[:-2])


def test_shift_only_looks_back() -> None:
    x = np.arange(5, dtype=np.float64)
    np.testing.assert_array_equal(shift(x, 2), [np.nan, np.nan, 0, 1, 2])
    np.testing.assert_array_equal(shift(x, 0), x)
    assert np.isnan(shift(x, 9)).all()
    with pytest.raises(ValueError, match="looks back"):
        shift(x, -1)


def test_windows_longer_than_the_series_give_nan() -> None:
    x = np.ones(3)
    for function in (sliding_mean, sliding_max, rolling_sum, rolling_mean):
        assert np.isnan(function(x, 5)).all()
    with pytest.raises(ValueError, match="window"):
        rolling_sum(x, 0)
