"""Small builders for the LLM agent's unit tests: snapshots, replies, a scripted transport."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from alphaloop.decision.llm import ChatReply, ChatRequest, LlmConfig, LlmError, TokenUsage
from alphaloop.model.decision import Action, Decision, ModelInfo, SymbolDecision
from alphaloop.model.snapshot import AccountView, CandleWindow, PositionView, Snapshot, SymbolView

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
SOL = "SOL/USDT:USDT"
HOUR_MS = 3_600_000
#: 2025-09-01T00:00:00Z
T0 = 1_756_684_800_000


def window(last: float, bars: int = 30, *, end_ms: int = T0, drift: float = 0.001) -> CandleWindow:
    """`bars` hourly candles ending at `last` (open times up to end_ms - 1h), a gentle deterministic walk."""
    steps = np.arange(bars, dtype=np.float64)
    close = last * (1 + drift * np.sin(steps)) / (1 + drift * np.sin(steps[-1]))
    close[-1] = last
    ts = end_ms - HOUR_MS * (bars - np.arange(bars, dtype=np.int64))
    return CandleWindow(
        ts=ts,
        open=close * 0.9995,
        high=close * 1.002,
        low=close * 0.998,
        close=close,
        volume=np.full(bars, 10.0),
    )


def snapshot(
    prices: Mapping[str, float] | None = None,
    *,
    positions: Sequence[PositionView] = (),
    timestamp: int = T0,
    features: Mapping[str, float] | None = None,
    signal: Mapping[str, float] | None = None,
    funding: float | None = 0.0001,
    notes: Mapping[str, str] | None = None,
    bars: int = 30,
) -> Snapshot:
    prices = prices or {BTC: 100_000.0, ETH: 4_000.0}
    symbols = {
        s: SymbolView(
            symbol=s,
            candles=window(p, bars, end_ms=timestamp),
            funding_rate=funding,
            features=dict(features or {}),
            signal=dict(signal or {}),
        )
        for s, p in prices.items()
    }
    return Snapshot(
        timestamp=timestamp,
        timeframe="1h",
        symbols=symbols,
        account=AccountView(equity=1000.0, wallet=990.0, available=950.0, used_margin=50.0),
        positions={p.symbol: p for p in positions},
        notes=dict(notes or {}),
    )


def position(symbol: str = BTC, direction: int = 1, entry: float = 99_000.0, **extra: Any) -> PositionView:
    values: dict[str, Any] = {
        "size": 0.01,
        "opened_ms": T0 - 5 * HOUR_MS,
        "unrealized_pnl": 10.0,
        "stop_loss": entry * (0.97 if direction > 0 else 1.03),
        "take_profit": entry * (1.05 if direction > 0 else 0.95),
    }
    values.update(extra)
    return PositionView(symbol=symbol, direction=direction, entry_price=entry, **values)


def item(symbol: str = BTC, action: str = "open_long", **extra: Any) -> dict[str, Any]:
    """One decision entry as an LLM would write it (a valid long on BTC at 100,000 by default)."""
    values: dict[str, Any] = {
        "symbol": symbol,
        "action": action,
        "confidence": 0.7,
        "leverage": 5,
        "stop_loss": 98_000.0,
        "take_profit": 104_000.0,
        "reason": "4h return positive while funding is flat.",
    }
    values.update(extra)
    return values


def reply_json(*items: dict[str, Any], explanation: str = "Momentum on BTC; the rest is flat.") -> str:
    return json.dumps({"decisions": list(items), "explanation": explanation})


def reply(
    content: str, *, model: str | None = "fake-gpt-2025-01-01", usage: TokenUsage | None = None
) -> ChatReply:
    return ChatReply(content=content, model=model, usage=usage or TokenUsage(1000, 200), finish_reason="stop")


def config(**overrides: Any) -> LlmConfig:
    values: dict[str, Any] = {"base_url": "http://127.0.0.1:9/v1", "model": "fake-gpt", "provider": "openai"}
    values.update(overrides)
    return LlmConfig(**values)


class ScriptedTransport:
    """Answers from a script (a reply or an error to raise, in order); records what it was asked."""

    def __init__(self, *outcomes: ChatReply | LlmError) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[ChatRequest] = []
        self.closed = False

    def complete(self, request: ChatRequest) -> ChatReply:
        self.requests.append(request)
        if not self.outcomes:
            raise AssertionError("the scripted transport was asked more often than scripted")
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, LlmError):
            raise outcome
        return outcome

    def close(self) -> None:
        self.closed = True


class FixedModel:
    """A stand-in offline model: the same symbol decisions every time."""

    def __init__(
        self, *decisions: SymbolDecision, explanation: str = "offline: trend up", lookback: int = 50
    ) -> None:
        self.info = ModelInfo("offline-rule", "1", "local")
        self.lookback = lookback
        self.decisions = decisions
        self.explanation = explanation
        self.calls = 0

    def decide(self, snapshot: Snapshot) -> Decision:
        self.calls += 1
        return Decision(
            timestamp=snapshot.timestamp,
            decisions=self.decisions,
            model=self.info,
            explanation=self.explanation,
            input={"features": {"ret_4h": 0.01}},
            output={"signal": 1},
        )


def long_on(symbol: str = BTC, price: float = 100_000.0) -> SymbolDecision:
    return SymbolDecision(
        symbol, Action.OPEN_LONG, confidence=0.6, stop_loss=price * 0.98, take_profit=price * 1.05
    )
