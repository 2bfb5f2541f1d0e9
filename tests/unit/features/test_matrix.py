"""The feature matrix on real data: no look-ahead, finite windows, cross-asset features, funding."""

from __future__ import annotations

import numpy as np
import pytest

from alphaloop.features import (
    FEATURE_LOOKBACK,
    FEATURE_NAMES,
    FEATURE_SPECS,
    Panel,
    build_feature_matrices,
    build_feature_matrix,
    feature_panel,
    funding_at,
    warm_rows,
)
from alphaloop.model.frame import Bars, MarketFrame
from alphaloop.model.instruments import COMPETITION_SYMBOLS
from tests.kit.backtest import real_frame

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


@pytest.fixture(scope="module")
def frame() -> MarketFrame:
    return real_frame(COMPETITION_SYMBOLS, "1h", "2024-03-01", "2024-04-15")


@pytest.fixture(scope="module")
def matrices(frame: MarketFrame) -> dict[str, np.ndarray]:
    return build_feature_matrices(frame)[1]


def column(name: str) -> int:
    return FEATURE_NAMES.index(name)


def test_every_symbol_gets_all_named_features_and_warms_up_after_the_lookback(
    frame: MarketFrame, matrices: dict[str, np.ndarray]
) -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES) == len(FEATURE_SPECS)
    names, btc = build_feature_matrix(frame, BTC)
    assert names == list(FEATURE_NAMES)
    assert btc.shape == (len(frame), len(FEATURE_NAMES))
    assert btc.dtype == np.float64
    np.testing.assert_array_equal(btc, matrices[BTC])
    warm = warm_rows(btc)
    assert not warm[: FEATURE_LOOKBACK - 1].any()
    assert warm[FEATURE_LOOKBACK - 1 :].all()
    assert np.isfinite(btc[FEATURE_LOOKBACK - 1 :]).all()
    with pytest.raises(KeyError, match="not in the frame"):
        build_feature_matrix(frame, "PEPE/USDT:USDT")


def test_a_feature_at_bar_i_never_changes_when_later_bars_are_cut_off(
    frame: MarketFrame, matrices: dict[str, np.ndarray]
) -> None:
    for stop in (150, 400, len(frame) - 1):
        # Funding settled at the close of the last kept bar is known then: keep it.
        known_until = int(frame.ts[stop - 1]) + frame.step_ms + 1
        bars = {
            s: Bars(b.open[:stop], b.high[:stop], b.low[:stop], b.close[:stop], b.volume[:stop])
            for s, b in frame.bars.items()
        }
        short = MarketFrame(frame.timeframe, frame.ts[:stop], bars, frame.slice(None, known_until).funding)
        _, part = build_feature_matrices(short)
        for symbol in frame.symbols:
            np.testing.assert_array_equal(part[symbol], matrices[symbol][:stop])


def test_features_depend_on_the_last_lookback_bars_only(
    frame: MarketFrame, matrices: dict[str, np.ndarray]
) -> None:
    for end in (FEATURE_LOOKBACK + 10, len(frame)):
        window = frame.slice(int(frame.ts[end - FEATURE_LOOKBACK]), int(frame.ts[end - 1]) + 1)
        window = MarketFrame(window.timeframe, window.ts, window.bars, frame.funding)
        _, short = build_feature_matrices(window)
        for symbol in frame.symbols:
            np.testing.assert_array_equal(short[symbol][-1], matrices[symbol][end - 1])
    one_short = frame.slice(int(frame.ts[-FEATURE_LOOKBACK + 1]), None)
    assert not warm_rows(build_feature_matrices(one_short)[1][BTC])[-1]


def test_cross_asset_features(frame: MarketFrame, matrices: dict[str, np.ndarray]) -> None:
    btc, eth = matrices[BTC], matrices[ETH]
    rows = slice(FEATURE_LOOKBACK, None)
    np.testing.assert_allclose(btc[rows, column("beta_btc_72")], 1.0, rtol=1e-9)
    np.testing.assert_allclose(btc[rows, column("corr_btc_72")], 1.0, rtol=1e-9)
    np.testing.assert_allclose(btc[rows, column("resid_ret_24")], 0.0, atol=1e-12)
    np.testing.assert_array_equal(eth[rows, column("btc_ret_24")], btc[rows, column("ret_24")])
    stacked = np.stack([matrices[s] for s in frame.symbols])[:, rows, :]
    ranks = np.sort(stacked[:, :, column("rank_ret_24")], axis=0)
    np.testing.assert_allclose(
        ranks, np.linspace(0, 1, len(frame.symbols))[:, None] * np.ones(ranks.shape[1])
    )
    market = stacked[:, :, column("ret_24")].mean(axis=0)
    np.testing.assert_allclose(stacked[0, :, column("mkt_ret_24")], market, rtol=1e-12)
    breadth = (stacked[:, :, column("ret_6")] > 0).mean(axis=0)
    np.testing.assert_allclose(stacked[3, :, column("breadth_6")], breadth)
    # BTC's beta to BTC is undefined without BTC: the feature is NaN, the others still work.
    no_btc = MarketFrame(frame.timeframe, frame.ts, {ETH: frame.bars[ETH]}, {})
    alone = build_feature_matrices(no_btc)[1][ETH]
    assert np.isnan(alone[:, column("beta_btc_72")]).all()
    assert np.isnan(alone[:, column("rank_ret_24")]).all()  # one symbol has no rank
    np.testing.assert_array_equal(alone[:, column("ret_24")], eth[:, column("ret_24")])


def test_funding_feature_is_the_rate_known_at_each_bar_close(
    frame: MarketFrame, matrices: dict[str, np.ndarray]
) -> None:
    series = frame.funding[ETH]
    for i in (0, 7, 8, 9, 200, len(frame) - 1):
        known = funding_at(series, int(frame.ts[i]) + frame.step_ms)
        value = matrices[ETH][i, column("funding_rate")]
        assert (np.isnan(value) and known is None) or value == known


def test_missing_bars_give_nan_rows_and_do_not_disturb_other_symbols(frame: MarketFrame) -> None:
    holed = dict(frame.bars)
    eth = frame.bars[ETH]
    close = eth.close.copy()
    close[300] = np.nan
    holed[ETH] = Bars(eth.open, eth.high, eth.low, close, eth.volume)
    _, out = build_feature_matrices(MarketFrame(frame.timeframe, frame.ts, holed, frame.funding))
    assert np.isnan(out[ETH][300, column("ret_1")])
    assert np.isnan(out[ETH][300 + 71, column("vol_72")])
    assert np.isfinite(out[ETH][300 + 73, column("vol_72")])
    np.testing.assert_array_equal(
        out[BTC][:, column("ret_24")], build_feature_matrices(frame)[1][BTC][:, column("ret_24")]
    )


def test_calendar_features_and_feature_formatting(
    matrices: dict[str, np.ndarray], frame: MarketFrame
) -> None:
    hours = matrices[BTC][:, column("hour")]
    np.testing.assert_array_equal(hours, (frame.ts // 3_600_000) % 24)
    assert matrices[BTC][0, column("weekday")] == 4  # 2024-03-01 was a Friday (Monday = 0)
    assert FEATURE_SPECS["ret_24"].format(0.0123) == "+1.23%"
    assert FEATURE_SPECS["weekday"].format(4.0) == "Fri"
    assert FEATURE_SPECS["vol_24"].format(0.0016) == "0.16%"
    assert FEATURE_SPECS["funding_rate"].format(0.0001) == "+0.0100%"
    assert FEATURE_SPECS["rsi_14"].format(float("nan")) == "n/a"


def test_panel_from_frame_matches_the_frame(frame: MarketFrame) -> None:
    panel = Panel.from_frame(frame)
    assert panel.symbols == tuple(frame.symbols)
    np.testing.assert_array_equal(panel.close[panel.row(ETH)], frame.bars[ETH].close)
    assert panel.phase == int(frame.ts[0] // frame.step_ms)
    part = panel.slice(10, 20)
    assert len(part) == 10
    assert part.phase == panel.phase + 10
    assert feature_panel(part).shape == (len(frame.symbols), 10, len(FEATURE_NAMES))
