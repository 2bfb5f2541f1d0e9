"""What the journal takes and gives back: frozen records and the fixed status vocabularies."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from alphaloop.model.ailog import AiLog
from alphaloop.model.orders import OrderIntent, OrderType

#: orders.purpose
ORDER_PURPOSES = frozenset({"entry", "exit", "stop_loss"})
#: orders.status: pending = stored, not yet sent; not_sent = stored but found absent at the venue.
ORDER_STATUSES = frozenset(
    {"pending", "sent", "unknown", "open", "filled", "canceled", "rejected", "untriggered", "not_sent"}
)
FINAL_ORDER_STATUSES = frozenset({"filled", "canceled", "rejected", "not_sent"})
#: Orders whose venue state must be checked after a restart (reconciliation).
IN_DOUBT_ORDER_STATUSES = frozenset({"pending", "sent", "unknown", "open", "untriggered"})
#: Orders that never reached the venue, or not yet.
UNSENT_ORDER_STATUSES = frozenset({"pending", "not_sent"})
#: ai_logs.status: waiting = its order's outcome is not known yet; pending = ready to upload.
AI_LOG_STATUSES = frozenset({"waiting", "pending", "uploaded"})
EVENT_KINDS = frozenset(
    {
        "state_change",
        "kill_switch",
        "halt",
        "resume",
        "reconcile",
        "unknown_outcome",
        "stop_replaced",
        "orphan_cancelled",
        "model_error",
        "startup",
        "shutdown",
        "health",
        "ailog_upload_failed",
    }
)
API_CALL_KINDS = frozenset({"order", "cancel"})
TRADING_STATES = frozenset({"active", "reducing", "halted"})


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An order about to be sent, as the journal stores it first (status `pending`)."""

    client_oid: str
    decision_id: str
    run_id: str
    symbol: str
    intent: OrderIntent
    purpose: str
    order_type: OrderType
    amount: Decimal
    price: Decimal | None
    leverage: int
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    trigger_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One of our orders as the journal knows it now."""

    client_oid: str
    decision_id: str
    run_id: str
    venue_order_id: str | None
    symbol: str
    intent: OrderIntent
    purpose: str
    order_type: OrderType
    amount: Decimal
    price: Decimal | None
    trigger_price: Decimal | None
    stop_loss: Decimal | None
    take_profit: Decimal | None
    leverage: int
    status: str
    filled: Decimal
    average_price: Decimal | None
    fee: Decimal
    error: str | None
    created_ms: int
    sent_ms: int | None
    updated_ms: int

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_ORDER_STATUSES


@dataclass(frozen=True, slots=True)
class StoredAiLog:
    """An AI log in the outbox. `log` is rebuilt from the row with `order_id` bound.

    A venue order id that is not all digits (AiLog refuses those) stays in `order_id` here; `log`
    then has order_id None and carries the id in `log.extra["venue_order_id"]`.
    """

    id: int
    decision_id: str
    client_oid: str | None
    order_id: str | None
    status: str
    attempts: int
    log: AiLog
    created_ms: int
    uploaded_ms: int | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class AiLogCounts:
    """AI-log coverage: every order that reached the venue should have a stored and an uploaded log."""

    total: int
    waiting: int
    pending: int
    uploaded: int
    #: orders whose status is not pending/not_sent (they reached, or may have reached, the venue)
    orders_sent: int
    #: of those, the ones with a stored AI log / with an uploaded AI log
    orders_with_log: int
    orders_with_uploaded_log: int

    @property
    def coverage_stored(self) -> float:
        return 1.0 if self.orders_sent == 0 else self.orders_with_log / self.orders_sent

    @property
    def coverage_uploaded(self) -> float:
        return 1.0 if self.orders_sent == 0 else self.orders_with_uploaded_log / self.orders_sent


@dataclass(frozen=True, slots=True)
class StateRow:
    """The persisted trading state of one account and its kill-switch baselines."""

    account: str
    state: str
    reason: str
    since_ms: int
    day_start_ms: int | None = None
    day_start_equity: float | None = None
    peak_equity: float | None = None
    initial_equity: float | None = None
