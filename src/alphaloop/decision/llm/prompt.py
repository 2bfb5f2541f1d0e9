"""The messages sent to the LLM: competition rules and schema (system), the snapshot (user).

Everything the model may cite is rendered here from the verified snapshot, compactly (a few
recent closes, returns, range, funding, the snapshot's features and signals, account and
positions with their exit plans); no raw candle dumps. Rendering is deterministic: the same
snapshot and config give byte-identical messages, hence the same cassette key.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime

from alphaloop.decision.llm.config import LlmConfig
from alphaloop.decision.llm.schema import decision_schema
from alphaloop.model.market import TIMEFRAME_MS
from alphaloop.model.snapshot import PositionView, Snapshot, SymbolView

Message = dict[str, str]

_EXAMPLE = {
    "decisions": [
        {
            "symbol": "BTC/USDT:USDT",
            "action": "hold",
            "confidence": 0.5,
            "leverage": None,
            "stop_loss": None,
            "take_profit": None,
            "reason": "4h return -0.40% against a +0.01% funding rate: no edge.",
        }
    ],
    "explanation": "No symbol shows a clear edge; holding everything.",
}


def build_messages(snapshot: Snapshot, config: LlmConfig) -> tuple[Message, ...]:
    return (
        {"role": "system", "content": system_prompt(config)},
        {"role": "user", "content": render_snapshot(snapshot, config)},
    )


def explanation_word_budget(config: LlmConfig) -> int:
    """Words to ask for so the explanation usually fits the character cap (~7 characters a word)."""
    return max(20, min(150, config.explanation_char_cap // 8))


def system_prompt(config: LlmConfig) -> str:
    schema = json.dumps(decision_schema(config.symbols, config.leverage_cap), separators=(",", ":"))
    example = json.dumps(_EXAMPLE, separators=(",", ":"))
    fee = f"{config.taker_fee_rate * 100:g}%"
    return "\n".join(
        [
            "You are the trading agent of alphaloop in the WEEX AI Wars competition: USDT-margined "
            "perpetual futures traded with real money.",
            "Rules:",
            f"1. Trade only these symbols, spelled exactly: {', '.join(config.symbols)}. "
            "A symbol you leave out is held.",
            "2. Actions: open_long, open_short, close (only a symbol with an open position), hold. "
            "Opening against an opposite position reverses it; hold keeps a position and its exit plan.",
            f"3. Leverage is a whole number from 1 to {config.leverage_cap}; position sizes are set by "
            "our risk engine, not by you.",
            "4. Every entry needs stop_loss and take_profit as absolute prices: long stop_loss < last close "
            "< take_profit; short take_profit < last close < stop_loss. Reward/risk after round-trip "
            f"taker fees ({fee} per side) must be at least {config.min_reward_risk:g}.",
            "5. No churn: trade only on clear evidence, do not flip or reopen a position without a new "
            "reason, and prefer hold when unsure.",
            "6. Use only numbers from the snapshot; never invent prices, indicators or news. Cite the "
            "numbers you rely on in each reason.",
            "Reply with one JSON object and nothing else, following this JSON schema:",
            schema,
            f"The explanation (at most {explanation_word_budget(config)} words) says why, for the "
            "competition's AI log. Example reply:",
            example,
        ]
    )


def render_snapshot(snapshot: Snapshot, config: LlmConfig) -> str:
    lines = [
        f"Snapshot at {_time(snapshot.timestamp)}, {snapshot.timeframe} bars; every value is as of the last "
        "closed bar.",
        _account(snapshot),
    ]
    if snapshot.positions:
        lines.append("Open positions:")
        lines.extend(_position(p) for _, p in sorted(snapshot.positions.items()))
    else:
        lines.append("Open positions: none.")
    lines.append("Markets:")
    for symbol in config.symbols:
        view = snapshot.symbols.get(symbol)
        if view is not None:
            lines.append(_market(view, snapshot.timeframe, config))
    if snapshot.notes:
        lines.append("Notes:")
        lines.extend(f"- {key}: {_one_line(text)}" for key, text in sorted(snapshot.notes.items()))
    lines.append("Decide now and reply with the JSON object only.")
    return "\n".join(lines)


def _account(snapshot: Snapshot) -> str:
    a = snapshot.account
    return (
        f"Account: equity {_money(a.equity)} USDT, available {_money(a.available)}, wallet "
        f"{_money(a.wallet)}, used margin {_money(a.used_margin)}."
    )


def _position(p: PositionView) -> str:
    side = "long" if p.direction > 0 else "short"
    stop = _price(p.stop_loss) if p.stop_loss is not None else "none"
    target = _price(p.take_profit) if p.take_profit is not None else "none"
    return (
        f"- {p.symbol} {side} size {_value(p.size)} entry {_price(p.entry_price)} stop {stop} "
        f"target {target} unrealized PnL {p.unrealized_pnl:+.2f} USDT, opened {_time(p.opened_ms)}"
    )


def _market(view: SymbolView, timeframe: str, config: LlmConfig) -> str:
    c = view.candles
    n = len(c)
    if n == 0:
        return f"- {view.symbol}: no closed bars"
    close = c.close
    last = float(close[-1])
    parts = [f"- {view.symbol} close {_price(last)}"]
    returns = []
    for h in config.return_horizons:
        label = _horizon(h, timeframe)
        if n > h and float(close[-1 - h]) > 0:
            returns.append(f"{label} {_pct(last / float(close[-1 - h]) - 1)}")
        else:
            returns.append(f"{label} n/a")
    parts.append("returns " + ", ".join(returns))
    span = min(n, max(config.return_horizons))
    high = float(c.high[-span:].max())
    low = float(c.low[-span:].min())
    parts.append(f"{span}-bar high {_price(high)} low {_price(low)}")
    if config.recent_closes:
        shown = close[-config.recent_closes :]
        parts.append(f"last {len(shown)} closes " + " ".join(_price(float(x)) for x in shown))
    if view.funding_rate is not None and math.isfinite(view.funding_rate):
        parts.append(f"funding {view.funding_rate * 100:+.4f}%")
    if view.features:
        parts.append("features " + _named(view.features))
    if view.signal:
        parts.append("signal " + _named(view.signal))
    return "; ".join(parts)


def _named(values: Mapping[str, float]) -> str:
    return " ".join(f"{name}={_value(value)}" for name, value in sorted(values.items()))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _horizon(bars: int, timeframe: str) -> str:
    step = TIMEFRAME_MS.get(timeframe)
    if step is None:
        return f"{bars} bars"
    minutes = bars * step // 60_000
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def _price(value: float) -> str:
    return format(value, ".8g") if math.isfinite(value) else "n/a"


def _value(value: float) -> str:
    return format(value, ".6g") if math.isfinite(value) else "n/a"


def _money(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else "n/a"


def _pct(value: float) -> str:
    return f"{value * 100:+.2f}%"
