"""The fast path (float ledger, idle bars skipped) against the simulator core replaying every bar.

Real data, stops and targets, slippage, funding, and leverage high enough to liquidate: the two
must produce the same fills and the same equity curve. This is what lets the fast path claim the
simulator's accounting.
"""

from __future__ import annotations

import numpy as np
import pytest

from alphaloop.backtest.runner import BacktestConfig, run_plans
from alphaloop.decision.base import SymbolPlan
from alphaloop.decision.rules import RandomEntries, SmaCross
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.model.frame import MarketFrame
from tests.kit.backtest import real_frame

pytestmark = pytest.mark.integration
PAIRS = ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"]


def with_exits(frame: MarketFrame, plans: dict[str, SymbolPlan], stop: float, target: float) -> None:
    for symbol, plan in plans.items():
        close = frame.bars[symbol].close
        d = plan.entry.astype(float)
        plan.stop_loss[:] = np.where(d != 0, close * (1 - stop * d), np.nan)
        plan.take_profit[:] = np.where(d != 0, close * (1 + target * d), np.nan)


def fills(result: object) -> list[tuple[object, ...]]:
    return [
        (f.timestamp, f.symbol, f.side, round(f.size, 8), round(f.price, 8), f.reason)
        for f in result.fills  # type: ignore[attr-defined]
    ]


@pytest.mark.parametrize(
    ("name", "timeframe", "leverage", "sizing", "stop", "target"),
    [
        ("sma", "1h", 5, "slot", 0.02, 0.04),
        ("random-liquidating", "1h", 20, "slot", 0.3, 0.5),
        ("random-risk", "1h", 10, "risk", 0.01, 0.02),
        ("sma-5m", "5m", 3, "risk", 0.004, 0.008),
    ],
)
def test_fast_path_equals_the_simulator_core(
    name: str, timeframe: str, leverage: int, sizing: str, stop: float, target: float
) -> None:
    start, end = ("2024-01-01", "2024-05-01") if timeframe == "1h" else ("2025-01-01", "2025-01-08")
    frame = real_frame(PAIRS, timeframe, start, end)
    results = []
    for exact in (False, True):
        model = (
            SmaCross()
            if name.startswith("sma")
            else RandomEntries(seed=3, entry_rate=0.02, hold_bars=100 if leverage == 20 else 30)
        )
        plans = dict(model.plan(frame))
        with_exits(frame, plans, stop, target)
        config = BacktestConfig(
            initial_equity=10_000,
            leverage=leverage,
            sizing=SizingPolicy(mode=sizing, risk_fraction=0.02),  # type: ignore[arg-type]
            slippage=0.0003,
            exact=exact,
            risk_gate=False,  # accounting parity: every planned order goes through
        )
        results.append(run_plans(frame, plans, config, strategy=name).result)
    fast, exact = results
    assert len(fast.fills) > 4
    assert fills(fast) == fills(exact)
    np.testing.assert_allclose([f.fee for f in fast.fills], [f.fee for f in exact.fills], atol=1e-7)
    np.testing.assert_allclose(fast.equity, exact.equity, rtol=0, atol=1e-5)
    assert fast.fees_paid == pytest.approx(exact.fees_paid, abs=1e-5)
    assert fast.funding_paid == pytest.approx(exact.funding_paid, abs=1e-5)
    assert fast.liquidations == exact.liquidations
    if name == "random-liquidating":
        assert fast.liquidations > 0
    else:
        assert {f.reason for f in fast.fills} & {"stop_loss", "take_profit"}
