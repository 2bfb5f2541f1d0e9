"""Rule strategies: the SMA reference figures, `plan` == `decide`, and no look-ahead anywhere."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from alphaloop.backtest.runner import BacktestConfig, build_ledger, run_backtest
from alphaloop.backtest.stepwise import build_snapshot
from alphaloop.decision.rules import BuyAndHold, RandomEntries, SmaCross
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.model.decision import Action
from alphaloop.model.frame import Bars, MarketFrame
from tests.kit.backtest import real_frame

BTC = "BTC/USDT:USDT"
REFERENCE = BacktestConfig(
    initial_equity=1_000_000,
    leverage=20,
    sizing=SizingPolicy(mode="units", units=1.0),
    funding=False,
    risk_gate=False,  # the reference accounting mode: every order, unlimited depth
    depth_share=None,
)


@pytest.mark.parametrize(
    ("timeframe", "start", "closed", "final_equity"),
    [("1h", "2023-01-01", 594, 880_259.59), ("5m", None, 1821, 685_631.92)],
)
def test_sma_reference_matches_the_published_check_figures(
    timeframe: str, start: str | None, closed: int, final_equity: float
) -> None:
    frame = real_frame([BTC], timeframe, start, "2025-10-01")
    result = run_backtest(frame, SmaCross(), REFERENCE).result
    assert sum(not t.is_open for t in result.trades) == closed
    assert sum(t.is_open for t in result.trades) == 1
    assert result.final_equity == pytest.approx(final_equity, abs=0.005)


def truncated(frame: MarketFrame, stop: int) -> MarketFrame:
    bars = {
        s: Bars(b.open[:stop], b.high[:stop], b.low[:stop], b.close[:stop], b.volume[:stop])
        for s, b in frame.bars.items()
    }
    return MarketFrame(frame.timeframe, frame.ts[:stop], bars, frame.funding)


@pytest.mark.parametrize("model", [SmaCross(), BuyAndHold(), RandomEntries(seed=7, entry_rate=0.05)])
def test_a_plan_at_bar_t_uses_bars_up_to_t_only(model: SmaCross | BuyAndHold | RandomEntries) -> None:
    frame = real_frame([BTC, "ETH/USDT:USDT"], "1h", "2024-01-01", "2024-04-01")
    full = model.plan(frame)
    for stop in (60, 400, 1500):
        part = model.plan(truncated(frame, stop))
        for symbol in frame.bars:
            np.testing.assert_array_equal(part[symbol].entry, full[symbol].entry[:stop])
            np.testing.assert_array_equal(part[symbol].exit, full[symbol].exit[:stop])


def test_orders_fill_at_the_next_open_and_the_future_cannot_change_the_past() -> None:
    frame = real_frame([BTC], "1h", "2024-01-01", "2024-07-01")
    model = SmaCross()
    result = run_backtest(frame, model, replace(REFERENCE, funding=True)).result
    plan = model.plan(frame)[BTC]
    signal_bars = np.flatnonzero(plan.entry)
    opens = [f for f in result.fills if f.reason == "open"]
    assert [f.timestamp for f in opens] == [
        int(frame.ts[b + 1]) for b in signal_bars if b + 1 < len(frame.ts)
    ]
    assert [f.price for f in opens] == [float(frame.bars[BTC].open[b + 1]) for b in signal_bars]
    # Scramble every bar after t+1 (t = a signal bar): nothing at or before t+1's open may change.
    t = int(signal_bars[len(signal_bars) // 2])
    b = frame.bars[BTC]
    noise = np.random.default_rng(0).uniform(0.5, 1.5, len(frame.ts))
    noise[: t + 2] = 1.0
    scrambled = MarketFrame(
        frame.timeframe,
        frame.ts,
        {BTC: Bars(b.open * noise, b.high * noise * 1.01, b.low * noise * 0.99, b.close * noise, b.volume)},
        frame.funding,
    )
    after = run_backtest(scrambled, model, replace(REFERENCE, funding=True)).result
    cutoff = int(frame.ts[t + 1])
    assert [f for f in after.fills if f.timestamp <= cutoff] == [
        f for f in result.fills if f.timestamp <= cutoff
    ]
    np.testing.assert_array_equal(after.equity[: t + 1], result.equity[: t + 1])


def test_decide_on_a_snapshot_agrees_with_the_plan() -> None:
    frame = real_frame([BTC, "SOL/USDT:USDT"], "1h", "2024-01-01", "2024-05-01")
    config = BacktestConfig()
    ledger = build_ledger(frame, config)
    for model in (SmaCross(), RandomEntries(seed=2, entry_rate=0.05, hold_bars=5)):
        plans = model.plan(frame)
        entries = sorted({int(i) for p in plans.values() for i in np.flatnonzero(p.entry)[:15]})
        quiet = [b for b in range(model.lookback, len(frame.ts), 97)][:15]
        for b in sorted(set(entries + quiet)):
            if b < model.lookback:
                continue
            snapshot = build_snapshot(frame, b, ledger, list(frame.bars), model.lookback, [0, 0])
            decided = {d.symbol: d.action for d in model.decide(snapshot).decisions}
            for symbol, plan in plans.items():
                want = plan.entry[b]
                got = decided.get(symbol, Action.HOLD)
                assert got.direction == want, (model.info.name, symbol, b)
