"""The float ledger against the simulator core, call for call, on hand-made scenarios.

Each scenario is a script of ledger calls; both ledgers run it and must book the same fills
(price, size, fee, PnL, reason), the same wallet and the same liquidations. The scenarios pin
the rules that matter: fees, stops fired at their level when crossed and at the current price
when jumped, the TP/SL arming delay, funding (capped at the wallet), cross liquidation.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from alphaloop.backtest.driver import Ledger
from alphaloop.backtest.runner import BacktestConfig, exchange_config, instruments_for
from alphaloop.engine.core_ledger import CoreLedger
from alphaloop.engine.ledger import LedgerConfig, PerpLedger, SymbolSpec

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
NAN = math.nan
Script = Callable[[Ledger], None]


def ledgers(balance: float, leverage: int = 20, slippage: float = 0.0) -> tuple[PerpLedger, CoreLedger]:
    config = BacktestConfig(initial_equity=balance, leverage=leverage, slippage=slippage, risk_gate=False)
    instruments = instruments_for([BTC, ETH])
    core = exchange_config(config)
    fast = PerpLedger(
        [SymbolSpec.from_instrument(i) for i in instruments],
        balance,
        [leverage, leverage],
        LedgerConfig(slippage=slippage, tpsl_delay_ms=core.tpsl_registration_delay_ms),
    )
    return fast, CoreLedger(instruments, balance, leverage, core)


def book(ledger: Ledger) -> list[tuple[object, ...]]:
    log = ledger.fills
    return [
        (log.timestamp[k], log.symbol[k], log.side[k], round(log.size[k], 8), round(log.price[k], 8),
         round(log.fee[k], 5), round(log.realized_pnl[k], 5), log.reason[k])
        for k in range(len(log))
    ]  # fmt: skip


def run_both(script: Script, balance: float = 10_000.0, **kwargs: float) -> tuple[PerpLedger, CoreLedger]:
    fast, exact = ledgers(balance, **kwargs)  # type: ignore[arg-type]
    script(fast)
    script(exact)
    assert book(fast) == book(exact)
    assert fast.wallet == pytest.approx(exact.wallet, abs=1e-6)
    assert fast.liquidations == exact.liquidations
    assert fast.funding_paid == pytest.approx(exact.funding_paid, abs=1e-6)
    return fast, exact


def open_long(ledger: Ledger, size: float, now: int, stop: float = NAN, target: float = NAN) -> None:
    ledger.open(0, 1, size, ledger.taker_price(0, 1, ledger.last[0]), now, stop, target)


def test_round_trip_pays_the_taker_fee_on_both_legs() -> None:
    def script(ledger: Ledger) -> None:
        ledger.price_point(0, 100.0, 0)
        open_long(ledger, 2.0, 0)
        ledger.price_point(0, 110.0, 10_000)
        ledger.close(0, 10_000)

    fast, _ = run_both(script)
    assert [f[4:7] for f in book(fast)] == [(100.0, 0.16, 0.0), (110.0, 0.176, 20.0)]
    assert fast.wallet == pytest.approx(10_000 + 20 - 0.16 - 0.176)


def test_a_crossed_stop_fills_at_its_level_and_a_jumped_one_at_the_price() -> None:
    def script(ledger: Ledger) -> None:
        ledger.price_point(0, 100.0, 0)
        open_long(ledger, 1.0, 0, stop=95.0, target=120.0)
        ledger.price_point(0, 90.0, 1_000)  # before arming: nothing
        ledger.price_point(0, 100.0, 2_000)
        ledger.price_point(0, 80.0, 3_000)  # crosses 95 on the way down

    fast, _ = run_both(script)
    assert [(f[4], f[7]) for f in book(fast)] == [(100.0, "open"), (95.0, "stop_loss")]


def test_take_profit_and_slippage_agree_with_the_core() -> None:
    def script(ledger: Ledger) -> None:
        ledger.price_point(0, 100.0, 0)
        open_long(ledger, 1.5, 0, stop=90.0, target=104.3)
        ledger.price_point(0, 106.0, 5_000)

    fast, _ = run_both(script, slippage=0.0007)
    assert [f[7] for f in book(fast)] == ["open", "take_profit"]


def test_funding_is_paid_by_longs_at_the_mark_and_capped_at_the_wallet() -> None:
    def script(ledger: Ledger) -> None:
        ledger.price_point(0, 100.0, 0)
        open_long(ledger, 1.0, 0)
        ledger.settle_funding(0, 0.01, 8 * 3600 * 1000)
        ledger.price_point(0, 50.0, 9 * 3600 * 1000)
        ledger.settle_funding(0, -0.02, 16 * 3600 * 1000)

    fast, _ = run_both(script, balance=100.0, leverage=2)
    assert fast.funding_paid == pytest.approx(1.0 - 1.0)  # paid 1.0, then received 50 * 0.02


def test_cross_liquidation_closes_everything_at_mark_and_floors_the_wallet() -> None:
    def script(ledger: Ledger) -> None:
        ledger.price_point(0, 100.0, 0)
        ledger.price_point(1, 10.0, 0)
        open_long(ledger, 10.0, 0)
        ledger.open(1, -1, 50.0, ledger.taker_price(1, -1, 10.0), 0, NAN, NAN)
        ledger.price_point(1, 11.0, 10_000)
        ledger.price_point(0, 80.0, 20_000)  # equity gone: both positions liquidated

    fast, _ = run_both(script, balance=100.0, leverage=20)
    assert fast.liquidations == 2
    assert fast.wallet == 0.0
    assert fast.open_symbols == []
    assert [f[7] for f in book(fast)][-2:] == ["liquidation", "liquidation"]
