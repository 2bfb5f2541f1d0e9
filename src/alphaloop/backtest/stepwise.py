"""Backtests of models that decide one snapshot at a time (the LLM agent, hybrids).

The driver replays every bar; after each close the model gets the same `Snapshot` the live
engine would build (bars <= the close, the account and the open positions with their exit
plans) and its decision becomes the signal executed at the next bar's open, exactly like a
vectorised plan. Slower than `plan()`, by nature: one model call per bar.
"""

from __future__ import annotations

import math
from dataclasses import replace

from alphaloop.backtest.driver import Ledger
from alphaloop.backtest.runner import (
    BacktestConfig,
    BacktestRun,
    build_driver,
    risk_summary,
    run_params,
    without_funding,
)
from alphaloop.decision.base import DecisionModel, SymbolPlan
from alphaloop.features.funding import funding_at
from alphaloop.model.decision import Action
from alphaloop.model.frame import FundingSeries, MarketFrame
from alphaloop.model.snapshot import AccountView, PositionView, Snapshot, SymbolView


def _funding_rate(series: FundingSeries | None, now_ms: int) -> float | None:
    # As the features see it: unknown once older than three settlements (a gap in the data).
    return funding_at(series, now_ms) if series is not None else None


def build_snapshot(
    frame: MarketFrame, b: int, ledger: Ledger, symbols: list[str], lookback: int, opened_ms: list[int]
) -> Snapshot:
    """What is known at the close of bar b."""
    now = int(frame.ts[b]) + frame.step_ms
    views = {}
    for symbol in symbols:
        window = frame.window(symbol, b, lookback)
        if len(window):
            series = frame.funding.get(symbol)
            history = None
            if series is not None and len(series.ts):
                known = series.ts <= now
                history = FundingSeries(series.ts[known], series.rate[known])
            views[symbol] = SymbolView(symbol, window, _funding_rate(series, now), funding_history=history)
    positions = {}
    for i in ledger.open_symbols:
        mark = ledger.last[i]
        d = ledger.direction[i]
        positions[symbols[i]] = PositionView(
            symbol=symbols[i],
            direction=d,
            size=ledger.size[i],
            entry_price=ledger.open_value[i] / ledger.size[i],
            opened_ms=opened_ms[i],
            unrealized_pnl=d * (ledger.size[i] * mark - ledger.open_value[i]),
            stop_loss=None if math.isnan(ledger.stop[i]) else ledger.stop[i],
            take_profit=None if math.isnan(ledger.target[i]) else ledger.target[i],
        )
    equity = ledger.equity()
    available = ledger.available()
    account = AccountView(
        equity=equity, wallet=ledger.wallet, available=available, used_margin=equity - available
    )
    return Snapshot(now, frame.timeframe, views, account, positions)


def run_stepwise(frame: MarketFrame, model: DecisionModel, config: BacktestConfig) -> BacktestRun:
    if not config.funding:
        frame = without_funding(frame)
    symbols = list(frame.bars)
    n = len(frame.ts)
    plans = {s: SymbolPlan.empty(n) for s in symbols}
    driver = build_driver(frame, plans, config, strategy=model.info.name)
    ledger = driver.ledger
    index = {s: k for k, s in enumerate(symbols)}
    opened_ms = [0] * len(symbols)
    decisions = []

    def on_close(b: int) -> list[int]:
        for i in ledger.open_symbols:
            if opened_ms[i] == 0:
                opened_ms[i] = int(frame.ts[b])
        for i in range(len(symbols)):
            if not ledger.direction[i]:
                opened_ms[i] = 0
        snapshot = build_snapshot(frame, b, ledger, symbols, model.lookback, opened_ms)
        decision = model.decide(snapshot)
        decisions.append(decision)
        touched = []
        for item in decision.decisions:
            if item.symbol not in index or item.action is Action.HOLD:
                continue
            plan = plans[item.symbol]
            if item.action is Action.CLOSE:
                plan.exit[b] = True
            else:
                plan.entry[b] = item.action.direction
                plan.stop_loss[b] = math.nan if item.stop_loss is None else item.stop_loss
                plan.take_profit[b] = math.nan if item.take_profit is None else item.take_profit
            touched.append(index[item.symbol])
        return touched

    result = replace(driver.run(on_close), params=run_params(config))
    return BacktestRun(result, plans, driver.stats, tuple(decisions), risk=risk_summary(driver))
