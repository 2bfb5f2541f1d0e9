"""Balances and positions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from alphaloop.model.orders import PositionSide


class MarginMode(StrEnum):
    CROSS = "cross"
    ISOLATED = "isolated"


@dataclass(frozen=True, slots=True)
class Balance:
    """Margin account in one currency: `total` is equity (wallet + unrealised PnL)."""

    currency: str
    total: Decimal
    free: Decimal
    used: Decimal
    unrealized_pnl: Decimal = Decimal(0)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Position:
    """One side of a hedge-mode position; `size` is positive base-coin quantity."""

    symbol: str
    side: PositionSide
    size: Decimal
    entry_price: Decimal
    leverage: Decimal
    margin_mode: MarginMode = MarginMode.CROSS
    margin: Decimal = Decimal(0)
    unrealized_pnl: Decimal = Decimal(0)
    liquidation_price: Decimal | None = None
    id: str | None = None
    timestamp: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def notional(self) -> Decimal:
        return self.size * self.entry_price
