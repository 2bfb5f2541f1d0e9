"""Risk limits: typed, frozen, validated; the `risk` object of a run's configuration."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from alphaloop.model import COMPETITION_MAX_LEVERAGE, COMPETITION_SYMBOLS, AlphaloopError
from alphaloop.model.instruments import to_unified_symbol

#: A share of equity in (0, 1].
Fraction = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
#: A multiple of equity, > 0 (notional caps may exceed 1x with leverage).
EquityMultiple = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class RiskLimits(BaseModel):
    """What the risk gate allows. Competition rules bound it: symbols and leverage may be tightened only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    symbols: tuple[str, ...] = COMPETITION_SYMBOLS
    max_leverage: int = Field(default=10, ge=1, le=COMPETITION_MAX_LEVERAGE)
    #: money calls (entries, exits, stops, cancels) in any sliding second, measured at send time;
    #: the competition allows 10, the default keeps a margin for network jitter
    max_order_calls_per_second: int = Field(default=8, ge=1, le=10)
    #: per symbol, between two entries
    min_entry_interval_s: float = Field(default=300.0, ge=0, allow_inf_nan=False)
    max_orders_per_hour: int = Field(default=30, ge=1)
    max_open_positions: int = Field(default=4, ge=1)
    #: notional of one symbol (positions + resting entries + the order) as a multiple of equity
    max_symbol_notional: EquityMultiple = 1.0
    #: notional of all symbols as a multiple of equity
    max_total_notional: EquityMultiple = 3.0
    #: used margin / equity after the order
    max_margin_use: Fraction = 0.6
    #: loss at the stop / equity
    max_risk_per_trade: Fraction = 0.02
    require_stop_loss: bool = True
    #: drop from the UTC day's start equity that switches to REDUCING until the next UTC day
    daily_drawdown: Fraction = 0.10
    #: drop from the peak equity that switches to HALTED (a human resumes)
    total_drawdown: Fraction = 0.25

    @field_validator("symbols")
    @classmethod
    def _competition_symbols(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unified: list[str] = []
        for raw in value:
            try:
                symbol = to_unified_symbol(raw)
            except AlphaloopError as exc:
                raise ValueError(str(exc)) from None
            if symbol not in COMPETITION_SYMBOLS:
                raise ValueError(
                    f"{raw} is not one of the competition symbols ({', '.join(COMPETITION_SYMBOLS)})"
                )
            unified.append(symbol)
        if not unified:
            raise ValueError("at least one symbol is required")
        return tuple(dict.fromkeys(unified))
