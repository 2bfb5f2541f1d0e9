"""The trader's cycle inside the backtest: one decision per bar close, planned by the trader's
`plan_orders` and each order checked by the risk gate (`backtest.gate`) before it is filled."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from alphaloop.backtest.gate import BacktestGate, position_of
from alphaloop.engine.planning import plan_orders
from alphaloop.model import OrderIntent, Position
from alphaloop.model.decision import Action, Decision, ModelInfo, SymbolDecision
from alphaloop.model.snapshot import AccountView

if TYPE_CHECKING:
    from collections.abc import Sequence

    from alphaloop.backtest.driver import BacktestDriver

BACKTEST_MODEL = ModelInfo(name="backtest", version="1")
_NAN = float("nan")


def execute_gated(
    driver: BacktestDriver,
    gate: BacktestGate,
    d: int,
    b: int,
    ts: int,
    symbols: Sequence[int],
    exact: Sequence[int],
) -> None:
    """The trader's cycle at the close of bar d: one decision, `plan_orders` on the account
    as it stands, then each order (exits first) through the gate and, if allowed, filled at
    bar b's open. A reversal closes now and leaves the new entry to a later signal."""
    ledger = driver.ledger
    # The trader sizes from the account it reads at the close of bar d.
    equity = ledger.wallet
    for i in ledger.open_symbols:
        close = float(driver.series[i].ffill_close[d])
        mark = close if close == close else ledger.last[i]
        equity += ledger.direction[i] * (ledger.size[i] * mark - ledger.open_value[i])
    used = sum(ledger.open_value[i] / ledger.leverage[i] for i in ledger.open_symbols)
    available = max(0.0, equity - used)
    for i in ledger.open_symbols:
        if i not in exact:
            driver._mark_at_open(i, b)
    wishes: list[SymbolDecision] = []
    prices: dict[str, Decimal] = {}
    for i in symbols:
        plan = driver.plans[i]
        symbol = driver.symbols[i]
        entry = int(plan.entry[d])
        close = float(driver.series[i].ffill_close[d])
        if close == close and close > 0:
            prices[symbol] = Decimal(repr(close))
        if entry:
            stop, target = float(plan.stop_loss[d]), float(plan.take_profit[d])
            action = Action.OPEN_LONG if entry > 0 else Action.OPEN_SHORT
            wishes.append(
                SymbolDecision(
                    symbol,
                    action,
                    stop_loss=stop if stop == stop else None,
                    take_profit=target if target == target else None,
                )
            )
        elif plan.exit[d] and ledger.direction[i]:
            wishes.append(SymbolDecision(symbol, Action.CLOSE))
    if not wishes:
        return
    orders, skipped = plan_orders(
        Decision(ts, tuple(wishes), BACKTEST_MODEL),
        positions={p.symbol: p for p in ledger_positions(driver)},
        instruments=driver.instruments,
        prices=prices,
        account=AccountView(equity, ledger.wallet, available, max(equity - available, 0.0)),
        sizing=driver.options.sizing,
        leverage=ledger.leverage[0] if ledger.leverage else 1,
        fallback_stop_fraction=driver.options.fallback_stop_fraction,
    )
    for skip in skipped:
        if skip.reason.startswith("size"):
            driver.stats.skip("size below minimum or no margin")
        elif skip.reason.startswith("reversal"):
            driver.stats.skip("reversal: closed, entry left to a later signal")
        elif not skip.reason.startswith("already positioned"):
            driver.stats.skip(skip.reason)
    for order in orders:
        i = driver.symbols.index(order.symbol)
        denial = gate.check(
            symbol=order.symbol,
            intent=order.intent,
            amount=order.amount,
            price=order.price,
            leverage=order.leverage,
            stop_loss=order.stop_loss,
            take_profit=order.take_profit,
            now_ms=ts,
            equity=ledger.equity(),
            available=ledger.available(),
            positions=ledger_positions(driver),
        )
        if denial is not None:
            continue
        if order.purpose == "exit":
            ledger.close(i, ts)
            continue
        direction = 1 if order.intent is OrderIntent.OPEN_LONG else -1
        stop = float(order.stop_loss) if order.stop_loss is not None else _NAN
        target = float(order.take_profit) if order.take_profit is not None else _NAN
        driver.fill_entry(i, direction, float(order.amount), b, ts, stop, target)


def ledger_positions(driver: BacktestDriver) -> list[Position]:
    """The ledger's positions as the gate reads them; rebuilt only after a fill (they change
    at fills only), since Decimal positions cost more than everything else in a gated bar."""
    ledger = driver.ledger
    key = len(ledger.fills)
    cached = driver.positions_cache
    if cached is not None and cached[0] == key:
        return cached[1]
    positions = [
        position_of(
            driver.symbols[i], ledger.direction[i], ledger.size[i], ledger.open_value[i], ledger.leverage[i]
        )
        for i in ledger.open_symbols
    ]
    driver.positions_cache = (key, positions)
    return positions
