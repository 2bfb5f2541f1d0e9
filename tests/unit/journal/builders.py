"""Small builders for journal tests (a run, a decision, an order, an AI log)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from alphaloop.journal import Journal, NewOrder
from alphaloop.model import AiLog, OrderIntent, OrderType

RUN_ID = "run-1"
DECISION_ID = "d0123456789abcde"
T0 = 1_750_000_000_000


def start_run(journal: Journal, run_id: str = RUN_ID, *, started_ms: int = T0) -> None:
    journal.start_run(
        run_id=run_id,
        started_ms=started_ms,
        mode="paper",
        venue="sim",
        account="acct-hash",
        model="lightgbm-dir-v1",
        timeframe="1h",
        config={"risk": {"max_orders_per_hour": 30}},
        version="0.1.0",
    )


def decide(
    journal: Journal, decision_id: str = DECISION_ID, *, run_id: str = RUN_ID, bar_close_ms: int = T0
) -> None:
    journal.record_decision(
        decision_id=decision_id,
        run_id=run_id,
        bar_close_ms=bar_close_ms,
        created_ms=bar_close_ms + 1_000,
        model="lightgbm-dir-v1",
        actions=[{"symbol": "BTC/USDT:USDT", "action": "open_long", "confidence": 0.7}],
        explanation="BTC trend up",
    )


def ready(journal: Journal) -> Journal:
    """The journal with one run and one decision, so orders and logs can refer to them."""
    start_run(journal)
    decide(journal)
    return journal


def ai_log(explanation: str = "BTC trend up; funding neutral.", **input_extra: Any) -> AiLog:
    return AiLog(
        stage="Decision Making",
        model="lightgbm-dir-v1",
        input={"features": {"ret_1h": 0.01}, **input_extra},
        output={"action": "open_long", "confidence": 0.7},
        explanation=explanation,
    )


def new_order(
    client_oid: str = "al0123456789abcde0e",
    *,
    symbol: str = "BTC/USDT:USDT",
    intent: OrderIntent = OrderIntent.OPEN_LONG,
    purpose: str = "entry",
    decision_id: str = DECISION_ID,
    amount: str = "0.010",
) -> NewOrder:
    return NewOrder(
        client_oid=client_oid,
        decision_id=decision_id,
        run_id=RUN_ID,
        symbol=symbol,
        intent=intent,
        purpose=purpose,
        order_type=OrderType.MARKET,
        amount=Decimal(amount),
        price=Decimal("65000.5"),
        leverage=5,
        stop_loss=Decimal("63000"),
        take_profit=None,
    )
