"""AI-log records for the orders the engine sends.

A record describes the order actually sent (symbol, side, size and prices after rounding to the
contract), not the model's raw wish, and carries the model's own input, output and explanation.
Nothing secret is ever part of it: the inputs are market data, the account's figures and the
model's messages, all built by alphaloop.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from alphaloop.engine.jsonsafe import json_safe
from alphaloop.engine.planning import PlannedOrder
from alphaloop.model import AiLog, OrderIntent, PositionSide, format_decimal, to_weex_symbol
from alphaloop.model.ailog import fit_explanation
from alphaloop.model.decision import Decision
from alphaloop.model.snapshot import Snapshot

DECISION_STAGE = "Decision Making"
RISK_STAGE = "Risk Management"

_VERBS = {
    OrderIntent.OPEN_LONG: "Open long",
    OrderIntent.OPEN_SHORT: "Open short",
    OrderIntent.CLOSE_LONG: "Close long",
    OrderIntent.CLOSE_SHORT: "Close short",
}


def model_label(decision: Decision) -> str:
    """Every model that contributed (hybrid: the LLM and the offline model)."""
    return " + ".join(info.label for info in decision.contributors)


def _for_symbol(value: Any, symbol: str) -> Any:
    """Per-symbol model data keyed by symbol is cut down to the order's symbol."""
    if isinstance(value, Mapping) and symbol in value:
        return {symbol: value[symbol]}
    return value


def _symbol_slice(data: Mapping[str, Any], symbol: str) -> dict[str, Any]:
    return {key: _for_symbol(value, symbol) for key, value in data.items()}


def _market_view(snapshot: Snapshot, symbol: str) -> dict[str, Any]:
    view = snapshot.symbols.get(symbol)
    if view is None or not len(view.candles):
        return {}
    candles = view.candles
    tail = slice(-min(len(candles), 24), None)
    return {
        "timeframe": snapshot.timeframe,
        "last_close": candles.last_close,
        "recent_closes": candles.close[tail].tolist(),
        "funding_rate": view.funding_rate,
    }


def order_ai_log(
    decision: Decision,
    order: PlannedOrder,
    *,
    client_oid: str,
    snapshot: Snapshot,
    max_chars: int | None,
) -> AiLog:
    wish = order.decision
    amount = format_decimal(order.amount)
    price = format_decimal(order.price)
    base = order.symbol.split("/")[0]
    sentence = f"{_VERBS[order.intent]} {amount} {base} at market (about {price} USDT)"
    if order.stop_loss is not None:
        origin = "" if order.stop_source == "model" else " (engine default: the model gave no valid stop)"
        sentence += f", stop-loss {format_decimal(order.stop_loss)}{origin}"
    if order.take_profit is not None:
        sentence += f", take-profit {format_decimal(order.take_profit)}"
    sentence += f", leverage {order.leverage}x."
    reason = wish.reason.strip()
    explanation = " ".join(part for part in (sentence, reason, decision.explanation.strip()) if part)
    record = {
        "client_oid": client_oid,
        "symbol": to_weex_symbol(order.symbol),
        "side": order.intent.side.value,
        "intent": order.intent.value,
        "type": "market",
        "size": amount,
        "reference_price": price,
        "stop_loss": None if order.stop_loss is None else format_decimal(order.stop_loss),
        "take_profit": None if order.take_profit is None else format_decimal(order.take_profit),
        "leverage": order.leverage,
    }
    return AiLog(
        stage=DECISION_STAGE,
        model=model_label(decision),
        input=json_safe(
            {
                "decision_time_ms": snapshot.timestamp,
                "symbol": order.symbol,
                "market": _market_view(snapshot, order.symbol),
                "account": {
                    "equity": snapshot.account.equity,
                    "available": snapshot.account.available,
                    "open_positions": len(snapshot.positions),
                },
                "model_input": _symbol_slice(decision.input, order.symbol),
            }
        ),
        output=json_safe(
            {
                "action": wish.action.value,
                "confidence": wish.confidence,
                "model_stop_loss": wish.stop_loss,
                "model_take_profit": wish.take_profit,
                "order": record,
                "model_output": _symbol_slice(decision.output, order.symbol),
            }
        ),
        explanation=fit_explanation(explanation, max_chars=max_chars),
        extra={"models": [info.label for info in decision.contributors]},
    )


def stop_loss_ai_log(
    *,
    symbol: str,
    side: PositionSide,
    amount: Decimal,
    trigger_price: Decimal,
    client_oid: str,
    model: str,
    origin_decision: str | None,
    max_chars: int | None,
) -> AiLog:
    """The record of a venue-side stop the engine (re)places to protect an open position: it
    enforces the exit plan of the AI decision that opened the position."""
    origin = f"decision {origin_decision}" if origin_decision else "an earlier decision"
    explanation = (
        f"Place a venue-side stop-loss for the open {side.value} {format_decimal(amount)} "
        f"{symbol.split('/')[0]} at {format_decimal(trigger_price)}: the position opened by {origin} "
        "had no resting stop at the venue, and every position must be protected at the venue."
    )
    return AiLog(
        stage=RISK_STAGE,
        model=model,
        input={"symbol": symbol, "position_side": side.value, "size": format_decimal(amount)},
        output={
            "order": {
                "client_oid": client_oid,
                "symbol": to_weex_symbol(symbol),
                "type": "stop_loss",
                "size": format_decimal(amount),
                "trigger_price": format_decimal(trigger_price),
            }
        },
        explanation=fit_explanation(explanation, max_chars=max_chars),
    )
