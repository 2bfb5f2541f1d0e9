"""The journal's tables (SQLAlchemy Core). One journal file/database per account.

Every table is append-mostly and keyed so that a replayed write after a crash is a no-op:
decisions by their deterministic id, orders by `client_oid`, fills by the venue's trade id.
Decimals on the order path are stored as text (exact on SQLite and PostgreSQL alike);
equity figures are floats. Times are epoch milliseconds (UTC).

Migrations live in `journal/migrations/` (Alembic); change a table here only together with a
new migration.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: One row per start of `alphaloop paper|live|run`: what ran, with which (secret-free) settings.
runs = Table(
    "runs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("started_ms", BigInteger, nullable=False),
    Column("ended_ms", BigInteger),
    Column("end_reason", Text),
    Column("mode", String(16), nullable=False),  # replay | paper | live
    Column("venue", String(16), nullable=False),
    Column("account", String(64), nullable=False),  # a hash of the API key, never the key
    Column("model", String(200), nullable=False),
    Column("timeframe", String(8), nullable=False),
    Column("config", JSON, nullable=False),  # the config snapshot, secrets removed
    Column("version", String(32), nullable=False),
)

#: One row per decision cycle (bar close). The id is derived from (account, timeframe, bar close),
#: so a restarted process recognises a bar it already decided.
decisions = Table(
    "decisions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("run_id", String(40), ForeignKey("runs.id"), nullable=False),
    Column("bar_close_ms", BigInteger, nullable=False, index=True),
    Column("created_ms", BigInteger, nullable=False),
    Column("model", String(200), nullable=False),
    Column("actions", JSON, nullable=False),  # [{symbol, action, confidence, stop_loss, ...}]
    Column("explanation", Text, nullable=False),
    Column("error", Text),  # set when the model failed and the cycle held
)

#: The AI-log outbox. A row is written BEFORE the order it explains is sent; `order_id` is bound
#: once the venue accepted the order; the uploader moves it from `pending` to `uploaded`.
ai_logs = Table(
    "ai_logs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("decision_id", String(40), ForeignKey("decisions.id"), nullable=False, index=True),
    Column("client_oid", String(40), unique=True),  # the order it explains (None: no order)
    Column("order_id", String(40)),  # venue order id, bound after acceptance
    Column("stage", String(64), nullable=False),
    Column("model", String(200), nullable=False),
    Column("input", JSON, nullable=False),
    Column("output", JSON, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("extra", JSON, nullable=False),  # AiLog.extra (WOO X writes it to its AI-log file)
    # waiting (order outcome unknown yet) | pending (ready to upload) | uploaded
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_ms", BigInteger, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_ms", BigInteger, nullable=False),
    Column("uploaded_ms", BigInteger),
)

#: Our orders, keyed by client_oid; the current state. Every change also lands in `order_events`.
orders = Table(
    "orders",
    metadata,
    Column("client_oid", String(40), primary_key=True),
    Column("decision_id", String(40), ForeignKey("decisions.id"), nullable=False, index=True),
    Column("run_id", String(40), ForeignKey("runs.id"), nullable=False),
    Column("venue_order_id", String(40), index=True),
    Column("symbol", String(32), nullable=False),
    Column("intent", String(16), nullable=False),  # OrderIntent value
    Column("purpose", String(16), nullable=False),  # entry | exit | stop_loss
    Column("order_type", String(16), nullable=False),
    Column("amount", String(40), nullable=False),
    Column("price", String(40)),  # limit price, or the reference price of a market order
    Column("trigger_price", String(40)),  # stop-loss orders
    Column("stop_loss", String(40)),
    Column("take_profit", String(40)),
    Column("leverage", Integer, nullable=False),
    # pending (stored, not yet sent) | sent | unknown | open | filled | canceled | rejected
    # | untriggered | not_sent (found absent at the venue after a crash before sending)
    Column("status", String(16), nullable=False, index=True),
    Column("filled", String(40), nullable=False, default="0"),
    Column("average_price", String(40)),
    Column("fee", String(40), nullable=False, default="0"),
    Column("error", Text),
    Column("created_ms", BigInteger, nullable=False),
    Column("sent_ms", BigInteger),
    Column("updated_ms", BigInteger, nullable=False),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_oid", String(40), ForeignKey("orders.client_oid"), nullable=False, index=True),
    Column("at_ms", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("detail", JSON, nullable=False),
)

#: Fills as the venue reports them (ours and venue-triggered exits alike).
fills = Table(
    "fills",
    metadata,
    Column("trade_id", String(64), primary_key=True),
    Column("venue_order_id", String(40), nullable=False, index=True),
    Column("client_oid", String(40)),
    Column("symbol", String(32), nullable=False),
    Column("side", String(8), nullable=False),
    Column("position_side", String(8), nullable=False),
    Column("amount", String(40), nullable=False),
    Column("price", String(40), nullable=False),
    Column("fee", String(40), nullable=False),
    Column("realized_pnl", String(40), nullable=False),
    Column("ts_ms", BigInteger, nullable=False, index=True),
)

#: Positions as reconciled from the venue at the end of each cycle.
position_snapshots = Table(
    "position_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at_ms", BigInteger, nullable=False, index=True),
    Column("symbol", String(32), nullable=False),
    Column("side", String(8), nullable=False),
    Column("size", String(40), nullable=False),
    Column("entry_price", String(40), nullable=False),
    Column("leverage", String(16), nullable=False),
    Column("unrealized_pnl", String(40), nullable=False),
    Column("stop_loss", String(40)),  # the venue-side stop verified this cycle
)

equity = Table(
    "equity",
    metadata,
    Column("at_ms", BigInteger, primary_key=True),
    Column("equity", Float, nullable=False),
    Column("available", Float, nullable=False),
    Column("unrealized_pnl", Float, nullable=False),
    Column("open_positions", Integer, nullable=False),
)

#: A risk-gate refusal: an event with its rule and reason, never an exception.
denials = Table(
    "denials",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at_ms", BigInteger, nullable=False, index=True),
    Column("decision_id", String(40), ForeignKey("decisions.id")),
    Column("symbol", String(32), nullable=False),
    Column("rule", String(40), nullable=False, index=True),
    Column("message", Text, nullable=False),
    Column("proposal", JSON, nullable=False),
)

#: Everything else worth an audit line: state changes (halt, resume, kill switch), reconciliation
#: findings, recovered unknown outcomes, replaced stops, cancelled orphans, model errors.
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at_ms", BigInteger, nullable=False, index=True),
    Column("kind", String(40), nullable=False, index=True),
    Column("message", Text, nullable=False),
    Column("detail", JSON, nullable=False),
)

#: Each order or cancel call sent to the venue (the competition caps them at 10 per second).
api_calls = Table(
    "api_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at_ms", BigInteger, nullable=False, index=True),
    Column("kind", String(8), nullable=False),  # order | cancel
    Column("endpoint", String(40), nullable=False),
    Column("client_oid", String(40)),
    Column("ok", Boolean, nullable=False),
)

#: The persisted trading state and kill-switch baselines, one row per account.
trading_state = Table(
    "trading_state",
    metadata,
    Column("account", String(64), primary_key=True),
    Column("state", String(16), nullable=False),  # active | reducing | halted
    Column("reason", Text, nullable=False),
    Column("since_ms", BigInteger, nullable=False),
    Column("day_start_ms", BigInteger),
    Column("day_start_equity", Float),
    Column("peak_equity", Float),
    Column("initial_equity", Float),
)

Index("ix_orders_symbol_created", orders.c.symbol, orders.c.created_ms)

__all__ = [
    "ai_logs",
    "api_calls",
    "decisions",
    "denials",
    "equity",
    "events",
    "fills",
    "metadata",
    "order_events",
    "orders",
    "position_snapshots",
    "runs",
    "trading_state",
]
