"""Position sizing: from a decision to a size in base units. Pure; shared by every environment.

Three policies:
* `units`: a fixed size in base coin (the reference strategy's "1 unit");
* `slot`: equity * leverage / slots of notional per symbol (slots = number of traded symbols,
  so eight pairs at 1x are fully invested once each holds a position);
* `risk`: size so that hitting the stop loses `risk_fraction` of equity (plus round-trip fees),
  never more notional than `slot` allows; without a stop it falls back to `slot`.
The result is floored to the contract's size step and capped at its maximum order size; below
the minimum size the answer is 0 (no order), never a rounded-up size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from alphaloop.engine.ledger import SymbolSpec

SizingMode = Literal["units", "slot", "risk"]


@dataclass(frozen=True, slots=True)
class SizingPolicy:
    mode: SizingMode = "risk"
    units: float = 1.0
    risk_fraction: float = 0.01
    leverage: int = 1
    slots: int = 1
    #: Keep this share of available margin unused (fees, adverse moves before the fill).
    margin_buffer: float = 0.02

    def __post_init__(self) -> None:
        if self.mode not in ("units", "slot", "risk"):
            raise ValueError(f"unknown sizing mode {self.mode!r}")
        if self.units <= 0 or not 0 < self.risk_fraction <= 1:
            raise ValueError("units must be > 0 and risk_fraction in (0, 1]")
        if self.leverage < 1 or self.slots < 1:
            raise ValueError("leverage and slots must be >= 1")

    def size(
        self,
        spec: SymbolSpec,
        *,
        price: float,
        equity: float,
        available: float,
        leverage: int,
        stop: float = math.nan,
        risk_fraction: float | None = None,
    ) -> float:
        """Base-unit size for an entry at `price`; 0.0 when nothing can (or should) be opened."""
        if price <= 0 or equity <= 0:
            return 0.0
        if self.mode == "units":
            raw = self.units
        else:
            raw = equity * leverage / self.slots / price
            if self.mode == "risk" and stop == stop and stop > 0:
                per_unit_loss = abs(price - stop) + 2 * spec.taker_fee * price
                risk = self.risk_fraction if risk_fraction is None else risk_fraction
                raw = min(raw, equity * risk / per_unit_loss)
        # What the margin check (notional / leverage + taker fee <= available) allows.
        affordable = available * (1 - self.margin_buffer) / (price * (1 / leverage + spec.taker_fee))
        size = spec.floor_size(min(raw, affordable, spec.max_order_size))
        return size if size >= spec.min_size else 0.0
