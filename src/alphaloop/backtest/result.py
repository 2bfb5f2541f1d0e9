"""What a backtest run produces: the input of metrics, baselines and reports.

Money is USDT (float), fractions are fractions, times are ms UTC. `equity[i]` is marked at the
close of bar i (wallet + unrealised PnL at close), so `len(equity) == len(ts)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

import numpy as np

from alphaloop.model.snapshot import FloatArray, IntArray


class ExitReason(StrEnum):
    SIGNAL = "signal"
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    LIQUIDATION = "liquidation"
    END = "end"  # still open at the end of the run, marked to the last close, no exit fee


class FillRecord(NamedTuple):
    """One execution: `side` is +1 buy / -1 sell; `fee` is positive when paid.

    Records are named tuples, not dataclasses: a 5m backtest makes thousands of them and a
    frozen dataclass costs several times more to build (use `_asdict()` to serialise)."""

    timestamp: int
    symbol: str
    side: int
    size: float
    price: float
    fee: float
    realized_pnl: float
    reason: str  # "open", "close", "stop_loss", "take_profit", "liquidation"


class TradeRecord(NamedTuple):
    """A round trip: open to close (or to the end of the run for the open one)."""

    symbol: str
    direction: int  # +1 long, -1 short
    size: float
    entry_ts: int
    entry_price: float
    exit_ts: int | None
    exit_price: float | None  # the last close when exit_reason is END
    gross_pnl: float  # price PnL (for END: marked at the last close)
    fees: float  # entry fee + exit fee (END: entry fee only)
    funding: float  # net funding paid (+) or received (-) while open
    exit_reason: ExitReason
    #: Liquidations only: the part of the loss beyond the collateral that the venue absorbed
    #: (the account lost `net_pnl + shortfall`; the wallet stopped at zero).
    shortfall: float = 0.0

    @property
    def net_pnl(self) -> float:
        return self.gross_pnl - self.fees - self.funding

    @property
    def account_pnl(self) -> float:
        """What the trade did to the wallet: the net PnL less the loss the venue absorbed."""
        return self.net_pnl + self.shortfall

    @property
    def is_open(self) -> bool:
        return self.exit_reason is ExitReason.END


@dataclass(frozen=True, slots=True)
class BacktestResult:
    strategy: str
    timeframe: str
    symbols: tuple[str, ...]
    initial_equity: float
    #: Bar open times of the run's grid; equity and exposure are marked at each bar's close.
    ts: IntArray
    equity: FloatArray
    #: Sum over symbols of |position size| * close at each bar's close (USDT).
    gross_exposure: FloatArray
    trades: tuple[TradeRecord, ...]
    fills: tuple[FillRecord, ...]
    fees_paid: float
    funding_paid: float
    liquidations: int
    #: Close prices per symbol on the grid (NaN where missing), for plots.
    closes: Mapping[str, FloatArray] = field(default_factory=dict)
    params: Mapping[str, object] = field(default_factory=dict)
    #: Losses beyond the collateral the venue absorbed at liquidations (USDT, >= 0).
    liquidation_shortfall: float = 0.0

    @property
    def step_ms(self) -> int:
        return int(self.ts[1] - self.ts[0]) if len(self.ts) > 1 else 0

    @property
    def final_equity(self) -> float:
        return float(self.equity[-1]) if len(self.equity) else self.initial_equity

    @property
    def turnover_notional(self) -> float:
        return float(sum(f.size * f.price for f in self.fills))

    def pnl_by_symbol(self) -> dict[str, float]:
        out = dict.fromkeys(self.symbols, 0.0)
        for trade in self.trades:
            out[trade.symbol] = out.get(trade.symbol, 0.0) + trade.net_pnl
        return out

    def empty_like(self) -> bool:
        return len(self.ts) == 0 or bool(np.all(np.isnan(self.equity)))
