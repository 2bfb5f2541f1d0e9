"""Reading a decision out of an LLM's reply, tolerantly, before the semantic validation.

Providers without structured output (and some with it) wrap JSON in code fences, add prose
around it, prefix reasoning in `<think>` tags, answer one object instead of a list, or spell
symbols and actions loosely. This module finds the JSON and maps it onto `SymbolDecision`s;
what it cannot read is kept with the reason (never guessed). Whether the decisions make sense
is `decision.validation`'s job.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alphaloop.decision.llm.errors import EmptyReplyError, MalformedReplyError
from alphaloop.model.decision import Action, SymbolDecision

MAX_REASON_CHARS = 500
_THINK = re.compile(r"<think>.*?(</think>|\Z)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[ \t]*(?:json|JSON|javascript|js)?[ \t]*\r?\n?(.*?)```", re.DOTALL)
_ACTIONS = {a.value: a for a in Action}


@dataclass(frozen=True, slots=True)
class UnreadableItem:
    """One entry of the reply that could not become a `SymbolDecision`."""

    item: Any
    reason: str
    symbol: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"item": self.item, "symbol": self.symbol, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ParsedReply:
    decisions: tuple[SymbolDecision, ...]
    unreadable: tuple[UnreadableItem, ...]
    explanation: str


def parse_reply(content: str | None, symbols: Sequence[str]) -> ParsedReply:
    """The decisions in `content`; `EmptyReplyError` or `MalformedReplyError` when there are none to read."""
    value = extract_json(content)
    if isinstance(value, dict):
        explanation = value.get("explanation")
        explanation = explanation.strip() if isinstance(explanation, str) else ""
        if "decisions" in value:
            items = value["decisions"]
            if isinstance(items, dict):
                items = [items]
            elif items is None:
                items = []
            elif not isinstance(items, list):
                raise MalformedReplyError(f"'decisions' is a {type(items).__name__}, not a list")
        elif "symbol" in value or "action" in value:
            items = [value]
        else:
            keys = ", ".join(sorted(map(str, value))) or "none"
            raise MalformedReplyError(f"the JSON object has no 'decisions' (keys: {keys})")
    else:
        items, explanation = value, ""
    decisions: list[SymbolDecision] = []
    unreadable: list[UnreadableItem] = []
    for item in items:
        read = _read_item(item, symbols)
        if isinstance(read, SymbolDecision):
            decisions.append(read)
        else:
            unreadable.append(read)
    return ParsedReply(tuple(decisions), tuple(unreadable), explanation)


def extract_json(content: str | None) -> dict[str, Any] | list[Any]:
    """The JSON object (or list) in a reply: whole, in a code fence, or embedded in prose."""
    text = _THINK.sub("", content or "").strip()
    if not text:
        raise EmptyReplyError("the reply is empty")
    candidates = [text, *(block.strip() for block in _FENCE.findall(text))]
    for candidate in candidates:
        value = _loads(candidate)
        if _usable(value):
            return value  # type: ignore[no-any-return]
    # Prose around the JSON: try every opening brace, objects first (a "[1]" in prose is no answer).
    decoder = json.JSONDecoder(parse_constant=_reject_constant)
    for opener in "{[":
        for start in (i for i, ch in enumerate(text) if ch == opener):
            try:
                value, _ = decoder.raw_decode(text, start)
            except ValueError:
                continue
            if _usable(value) and value:  # an empty "[]" inside prose is no answer
                return value  # type: ignore[no-any-return]
    raise MalformedReplyError(f"no decision JSON found in the reply: {_excerpt(text)!r}")


def _loads(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _usable(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(value)
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _excerpt(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read_item(item: Any, symbols: Sequence[str]) -> SymbolDecision | UnreadableItem:
    if not isinstance(item, dict):
        return UnreadableItem(item, f"a decision must be an object, got {type(item).__name__}")
    raw_symbol = item.get("symbol")
    if not isinstance(raw_symbol, str) or not raw_symbol.strip():
        return UnreadableItem(item, "missing symbol")
    symbol = normalize_symbol(raw_symbol, symbols)
    action = normalize_action(item.get("action"))
    if action is None:
        return UnreadableItem(item, f"unknown action {item.get('action')!r}", symbol)
    try:
        confidence = _confidence(item.get("confidence"))
        stop_loss = _number(item.get("stop_loss"), "stop_loss")
        take_profit = _number(item.get("take_profit"), "take_profit")
        leverage = _whole(item.get("leverage"), "leverage")
    except ValueError as exc:
        return UnreadableItem(item, str(exc), symbol)
    reason = item.get("reason")
    reason_text = " ".join(reason.split())[:MAX_REASON_CHARS] if isinstance(reason, str) else ""
    if action in (Action.HOLD, Action.CLOSE):
        # An exit plan or leverage on a hold/close means nothing; drop it rather than reject.
        stop_loss = take_profit = None
        leverage = None
    return SymbolDecision(
        symbol=symbol,
        action=action,
        confidence=confidence,
        stop_loss=stop_loss,
        take_profit=take_profit,
        leverage=leverage,
        reason=reason_text,
    )


def normalize_symbol(raw: str, symbols: Sequence[str]) -> str:
    """`BTC/USDT:USDT`, `BTCUSDT`, `BTC-USDT`, `cmt_btcusdt` or `BTC` -> the allowed unified symbol;
    anything else comes back unchanged (and the validator rejects it)."""
    text = raw.strip()
    if text in symbols:
        return text
    key = re.sub(r"[^A-Z0-9]", "", text.upper())
    key = key.removeprefix("CMT").removeprefix("PERP")
    for symbol in symbols:
        base, _, rest = symbol.partition("/")
        quote, _, settle = rest.partition(":")
        if key in (base + quote + settle, base + quote, base):
            return symbol
    return text


def normalize_action(raw: Any) -> Action | None:
    if not isinstance(raw, str):
        return None
    return _ACTIONS.get(re.sub(r"[\s\-]+", "_", raw.strip().lower()))


def _number(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} {value!r} is not a number")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            number = float(value.strip())
        except ValueError:
            raise ValueError(f"{name} {value!r} is not a number") from None
    elif isinstance(value, str):
        return None
    else:
        raise ValueError(f"{name} {value!r} is not a number")
    if not math.isfinite(number):
        raise ValueError(f"{name} {value!r} is not a finite number")
    return number


def _confidence(value: Any) -> float | None:
    if isinstance(value, str) and value.strip().endswith("%"):
        number = _number(value.strip()[:-1], "confidence")
        return None if number is None else number / 100
    return _number(value, "confidence")


def _whole(value: Any, name: str) -> int | None:
    if isinstance(value, str):
        value = value.strip().rstrip("xX").strip()
    number = _number(value, name)
    if number is None:
        return None
    if number != int(number):
        raise ValueError(f"{name} {value!r} is not a whole number")
    return int(number)


def decision_json(decision: SymbolDecision) -> dict[str, Any]:
    """A symbol decision as the JSON stored in the AI log's output."""
    return {
        "symbol": decision.symbol,
        "action": decision.action.value,
        "confidence": decision.confidence,
        "leverage": decision.leverage,
        "stop_loss": decision.stop_loss,
        "take_profit": decision.take_profit,
        "reason": decision.reason,
    }
