"""The depth model: market orders pay a size-dependent impact from the last bar's volume, in the
simulator core and in the backtest ledger alike, and the book levels hold what the impact says."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

import numpy as np
import pytest

from alphaloop.backtest.runner import BacktestConfig, run_plans
from alphaloop.decision.base import SymbolPlan
from alphaloop.engine.ledger import LedgerConfig, PerpLedger, SymbolSpec
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.model import Candle, OrderIntent, OrderRequest, OrderType, Side
from alphaloop.model.frame import Bars, FundingSeries, MarketFrame
from alphaloop.venues.sim.core import DepthModel, Exchange, ExchangeConfig
from alphaloop.venues.sim.core.book import depth_levels
from alphaloop.venues.sim.server.contracts import default_instruments

BTC = "BTC/USDT:USDT"
D = Decimal
VOLUME = D(200)  # BTC traded in the last bar
MODEL = DepthModel()


def exchange() -> Exchange:
    instruments = default_instruments()
    sim = Exchange({BTC: instruments[BTC]}, ExchangeConfig(spread_ticks=0, depth=MODEL))
    sim.open_account("a", D(10_000_000), now_ms=0)
    sim.apply_candle(BTC, Candle(0, D(100000), D(100000), D(100000), D(100000), VOLUME), now_ms=3_600_000)
    return sim


def buy(sim: Exchange, amount: str) -> Decimal:
    request = OrderRequest(BTC, OrderIntent.OPEN_LONG, D(amount), order_type=OrderType.MARKET)
    sim.place_order("a", request, now_ms=3_600_000)
    return sim.fills("a")[-1].price


def expected(amount: str) -> Decimal:
    impact = D(amount) / (2 * MODEL.share * VOLUME / MODEL.band)
    return (D(100000) * (1 + impact) / D("0.1")).to_integral_value(rounding=ROUND_CEILING) * D("0.1")


@pytest.mark.parametrize("amount", ["0.001", "0.15", "5"])
def test_a_market_order_pays_more_the_larger_it_is(amount: str) -> None:
    assert buy(exchange(), amount) == expected(amount)


def test_bigger_orders_fill_worse_and_the_ledger_prices_them_the_same() -> None:
    small, large = buy(exchange(), "0.15"), buy(exchange(), "5")
    assert D(100000) < small < large
    spec = SymbolSpec.from_instrument(default_instruments()[BTC])
    ledger = PerpLedger([spec], 1e7, [20], LedgerConfig(depth_share=0.05))
    ledger.set_volume(0, float(VOLUME))
    assert ledger.taker_price(0, 1, 100000.0, 5.0) == float(large)
    assert ledger.taker_price(0, 1, 100000.0, 0.15) == float(small)
    no_depth = PerpLedger([spec], 1e7, [20], LedgerConfig())
    no_depth.set_volume(0, float(VOLUME))
    assert no_depth.taker_price(0, 1, 100000.0, 5.0) == 100000.0


def test_walking_the_book_levels_costs_what_the_impact_says() -> None:
    tick = D("0.1")
    levels = depth_levels(D(100000), Side.BUY, VOLUME, tick, 5000, MODEL.share, MODEL.band)
    want, cost, left = D(5), D(0), D(5)
    for price, size in levels:
        take = min(size, left)
        cost += take * price
        left -= take
        if left <= 0:
            break
    assert left == 0
    average = cost / want
    assert abs(average - D(100000) * (1 + MODEL.impact(want, VOLUME))) <= tick


def test_the_backtest_charges_the_impact_on_entry_and_exit() -> None:
    n = 6
    ts = np.arange(n, dtype=np.int64) * 3_600_000 + 1_704_067_200_000
    flat = np.full(n, 100000.0)
    bars = Bars(flat, flat, flat, flat, np.full(n, float(VOLUME)))
    frame = MarketFrame("1h", ts, {BTC: bars}, {BTC: FundingSeries.empty()})
    plan = SymbolPlan.empty(n)
    plan.entry[1] = 1
    plan.exit[3] = True
    base = BacktestConfig(
        initial_equity=1e6, sizing=SizingPolicy(mode="units", units=5.0), risk_gate=False, leverage=10
    )
    with_depth = run_plans(frame, {BTC: plan}, base, strategy="t").result.trades[0]
    without = run_plans(
        frame, {BTC: plan}, BacktestConfig(**{**_fields(base), "depth_share": None}), strategy="t"
    ).result.trades[0]
    assert without.entry_price == without.exit_price == 100000.0
    assert with_depth.entry_price == float(expected("5"))
    assert with_depth.exit_price < 100000.0
    assert with_depth.gross_pnl < without.gross_pnl


def _fields(config: BacktestConfig) -> dict[str, object]:
    return {name: getattr(config, name) for name in BacktestConfig.__dataclass_fields__}
