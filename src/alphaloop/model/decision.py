"""What a decision model says: one `Decision` per cycle, one `SymbolDecision` per symbol it acts on.

Prices here are floats: a decision is a wish, not an order. The engine sizes it, the risk gate
checks it, and only then is it rounded to the venue's precision (Decimal) and sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    """What to do with one symbol. An OPEN against an open opposite position reverses it."""

    HOLD = "hold"
    OPEN_LONG = "open_long"
    OPEN_SHORT = "open_short"
    CLOSE = "close"

    @property
    def direction(self) -> int:
        """+1 for OPEN_LONG, -1 for OPEN_SHORT, 0 otherwise."""
        return 1 if self is Action.OPEN_LONG else -1 if self is Action.OPEN_SHORT else 0


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """The model behind a decision, as named in the AI log (`provider` e.g. local, openai, deepseek)."""

    name: str
    version: str
    provider: str = "local"

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True, slots=True)
class SymbolDecision:
    """One symbol's action with its exit plan (absolute prices) and optional sizing overrides."""

    symbol: str
    action: Action
    confidence: float | None = None
    stop_loss: float | None = None
    take_profit: float | None = None
    leverage: int | None = None
    #: Fraction of equity risked between entry and stop; None = the sizing policy's default.
    risk_fraction: float | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """A model's answer to one snapshot; `input`/`output` are what the AI log records verbatim."""

    timestamp: int
    decisions: tuple[SymbolDecision, ...]
    model: ModelInfo
    explanation: str = ""
    #: Every model that contributed (hybrid: the LLM and the offline model); defaults to (model,).
    models: tuple[ModelInfo, ...] = ()
    input: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    output: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def for_symbol(self, symbol: str) -> SymbolDecision | None:
        for decision in self.decisions:
            if decision.symbol == symbol:
                return decision
        return None

    @property
    def actionable(self) -> tuple[SymbolDecision, ...]:
        return tuple(d for d in self.decisions if d.action is not Action.HOLD)

    @property
    def contributors(self) -> tuple[ModelInfo, ...]:
        return self.models or (self.model,)

    @staticmethod
    def hold(timestamp: int, model: ModelInfo, reason: str) -> Decision:
        """An explicit, explained HOLD (e.g. the model's output was rejected)."""
        return Decision(timestamp=timestamp, decisions=(), model=model, explanation=reason)
