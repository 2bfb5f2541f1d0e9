"""What a backtest run produces, rebuilt from the ledger after the replay: the equity and
exposure curves, the fills, the round-trip trades (with liquidation shortfalls)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import starmap
from typing import TYPE_CHECKING

import numpy as np

from alphaloop.backtest.result import BacktestResult, ExitReason, FillRecord, TradeRecord
from alphaloop.engine.ledger import FillLog
from alphaloop.model.snapshot import FloatArray

if TYPE_CHECKING:
    from alphaloop.backtest.driver import BacktestDriver


def _equity_curve(driver: BacktestDriver, cols: _FillColumns) -> tuple[FloatArray, FloatArray]:
    """Equity and gross exposure at every bar close, rebuilt from the fills and wallet events
    (positions only change at fills, the wallet only at fills, funding and liquidations)."""
    n = driver.n
    ledger = driver.ledger
    grid = driver.frame.ts
    fill_bar = np.searchsorted(grid, cols.timestamp, side="right") - 1
    wallet = np.bincount(fill_bar, weights=cols.realized_pnl - cols.fee, minlength=n)[:n]
    if ledger.wallet_events:
        events = np.array(ledger.wallet_events, dtype=np.float64).reshape(-1, 2)
        ev_bar = np.searchsorted(grid, events[:, 0].astype(np.int64), side="right") - 1
        wallet = wallet + np.bincount(ev_bar, weights=events[:, 1], minlength=n)[:n]
    equity = (np.cumsum(wallet) + driver.options.initial_equity).astype(np.float64)
    exposure = np.zeros(n)
    bars = np.arange(n)
    for i, s in enumerate(driver.series):
        mine = cols.symbol == i
        if not mine.any():
            continue
        state = np.searchsorted(fill_bar[mine], bars, side="right") - 1
        started = state >= 0
        state = np.maximum(state, 0)
        size = np.where(started, cols.signed_size_after[mine][state], 0.0)
        value = np.where(started, cols.signed_value_after[mine][state], 0.0)
        close = np.nan_to_num(s.ffill_close, nan=0.0)
        equity += size * close - value
        exposure += np.abs(size) * close
    return equity, exposure


def build_result(driver: BacktestDriver) -> BacktestResult:
    ledger = driver.ledger
    cols = _FillColumns(ledger.fills)
    equity, exposure = _equity_curve(driver, cols)
    return BacktestResult(
        strategy=driver.strategy,
        timeframe=driver.frame.timeframe,
        symbols=tuple(driver.symbols),
        initial_equity=driver.options.initial_equity,
        ts=driver.frame.ts,
        equity=equity,
        gross_exposure=exposure,
        trades=tuple(_trades(driver, cols)),
        fills=tuple(_fills(driver, cols)),
        fees_paid=ledger.fees_paid,
        funding_paid=ledger.funding_paid,
        liquidations=ledger.liquidations,
        liquidation_shortfall=sum(amount for _, amount in ledger.shortfalls),
        closes={s: driver.series[i].close for i, s in enumerate(driver.symbols)},
    )


def _fills(driver: BacktestDriver, cols: _FillColumns) -> list[FillRecord]:
    log = driver.ledger.fills
    symbols = [driver.symbols[i] for i in log.symbol]
    return list(
        map(
            FillRecord._make,
            zip(
                log.timestamp,
                symbols,
                log.side,
                log.size,
                log.price,
                log.fee,
                log.realized_pnl,
                log.reason,
                strict=True,
            ),
        )
    )


def _trades(driver: BacktestDriver, cols: _FillColumns) -> list[TradeRecord]:
    """Pair each opening fill with the next fill of its symbol (the engine never adds to a
    position, so that fill closes it); the unpaired last one is the open trade."""
    log = driver.ledger.fills
    count = len(log)
    if not count:
        return []
    order = np.lexsort((np.arange(count), cols.symbol))
    sym = cols.symbol[order]
    is_open = cols.is_open[order]
    has_next = np.concatenate((sym[1:] == sym[:-1], [False]))
    paired = is_open & has_next
    opens = order[paired]
    closes = order[np.flatnonzero(paired) + 1]
    reasons = [_EXIT_REASON.get(log.reason[k], ExitReason.SIGNAL) for k in closes.tolist()]
    names = [driver.symbols[i] for i in cols.symbol[opens].tolist()]
    rows = zip(
        names,
        cols.side[opens].tolist(),
        cols.size[opens].tolist(),
        cols.timestamp[opens].tolist(),
        cols.price[opens].tolist(),
        cols.timestamp[closes].tolist(),
        cols.price[closes].tolist(),
        cols.realized_pnl[closes].tolist(),
        (cols.fee[opens] + cols.fee[closes]).tolist(),
        cols.funding[closes].tolist(),
        reasons,
        strict=True,
    )
    trades = list(starmap(TradeRecord, rows))
    last_ts = int(driver.frame.ts[-1]) + driver.step
    for k in order[is_open & ~has_next].tolist():
        i = log.symbol[k]
        close = float(driver.series[i].ffill_close[-1])
        side, size, price = log.side[k], log.size[k], log.price[k]
        trades.append(
            TradeRecord(
                driver.symbols[i],
                side,
                size,
                log.timestamp[k],
                price,
                last_ts,
                close,
                side * (close - price) * size,
                log.fee[k],
                driver.ledger.position_funding[i],
                ExitReason.END,
            )
        )
    trades.sort(key=lambda t: (t.entry_ts, driver.symbols.index(t.symbol)))
    return _with_shortfalls(trades, driver.ledger.shortfalls)


def _with_shortfalls(trades: list[TradeRecord], shortfalls: Sequence[tuple[int, float]]) -> list[TradeRecord]:
    """Each liquidation's shortfall (the loss beyond the collateral the venue absorbed), shared
    among the trades it closed in proportion to their losses."""
    if not shortfalls:
        return trades
    for at_ms, amount in shortfalls:
        closed = [
            k for k, t in enumerate(trades) if t.exit_reason is ExitReason.LIQUIDATION and t.exit_ts == at_ms
        ]
        losses = [max(-trades[k].net_pnl, 0.0) for k in closed]
        total = sum(losses)
        for k, loss in zip(closed, losses, strict=True):
            share = amount * (loss / total if total > 0 else 1 / len(closed))
            trades[k] = trades[k]._replace(shortfall=trades[k].shortfall + share)
    return trades


_EXIT_REASON = {
    "stop_loss": ExitReason.STOP_LOSS,
    "take_profit": ExitReason.TAKE_PROFIT,
    "liquidation": ExitReason.LIQUIDATION,
}


class _FillColumns:
    """The fill log as numpy arrays (built once per result)."""

    def __init__(self, log: FillLog) -> None:
        self.timestamp = np.asarray(log.timestamp, dtype=np.int64)
        self.symbol = np.asarray(log.symbol, dtype=np.int64)
        self.side = np.asarray(log.side, dtype=np.int64)
        self.size = np.asarray(log.size, dtype=np.float64)
        self.price = np.asarray(log.price, dtype=np.float64)
        self.fee = np.asarray(log.fee, dtype=np.float64)
        self.realized_pnl = np.asarray(log.realized_pnl, dtype=np.float64)
        self.funding = np.asarray(log.funding, dtype=np.float64)
        self.signed_size_after = np.asarray(log.signed_size_after, dtype=np.float64)
        self.signed_value_after = np.asarray(log.signed_value_after, dtype=np.float64)
        self.is_open = np.fromiter((r == "open" for r in log.reason), dtype=bool, count=len(log))
