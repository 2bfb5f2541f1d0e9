"""What a decision model sees at one decision time: the market up to the last closed bar,
the account and the open positions with their exit plans. Built by the engine; every number a
model (or an LLM prompt) may cite comes from here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # model.frame imports this module
    from alphaloop.model.frame import FundingSeries

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class CandleWindow:
    """The most recent closed bars of one symbol, oldest first (open times in ms, floats)."""

    ts: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return len(self.ts)

    @property
    def last_close(self) -> float:
        return float(self.close[-1])


@dataclass(frozen=True, slots=True)
class PositionView:
    """An open position (one side per symbol: the engine never holds both) and its exit plan."""

    symbol: str
    direction: int  # +1 long, -1 short
    size: float
    entry_price: float
    opened_ms: int
    unrealized_pnl: float
    stop_loss: float | None = None
    take_profit: float | None = None


@dataclass(frozen=True, slots=True)
class AccountView:
    equity: float
    wallet: float
    available: float
    used_margin: float


@dataclass(frozen=True, slots=True)
class SymbolView:
    symbol: str
    candles: CandleWindow
    funding_rate: float | None = None
    #: Funding settlements up to the decision (the same series training features are built
    #: from), so a live decision scores each bar with the rate known at its own close.
    funding_history: FundingSeries | None = None
    #: Named feature values at the decision time (no look-ahead), e.g. from `features/`.
    features: Mapping[str, float] = field(default_factory=dict)
    #: Another model's signal for hybrid set-ups (e.g. {"p_up": 0.61, "expected_return": 0.002}).
    signal: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything known at `timestamp` (the close time of the last closed bar, in ms)."""

    timestamp: int
    timeframe: str
    symbols: Mapping[str, SymbolView]
    account: AccountView
    positions: Mapping[str, PositionView] = field(default_factory=dict)
    #: Extra context a model adds for the next one (e.g. the offline model's top drivers).
    notes: Mapping[str, str] = field(default_factory=dict)
