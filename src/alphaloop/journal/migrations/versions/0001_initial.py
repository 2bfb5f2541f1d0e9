"""The journal's first schema: every table of `alphaloop.journal.schema` as of issue 6.

Revision ID: 0001
Revises:
Create Date: 2025-11-21

A migration is a frozen snapshot: it spells the tables out instead of importing `schema.py`,
so later changes to the schema need a new revision (and `tests/integration/journal` checks the
migrated database against `schema.metadata`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("started_ms", sa.BigInteger(), nullable=False),
        sa.Column("ended_ms", sa.BigInteger(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("venue", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("timeframe", sa.String(length=8), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("bar_close_ms", sa.BigInteger(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_decisions_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index(op.f("ix_decisions_bar_close_ms"), "decisions", ["bar_close_ms"], unique=False)

    op.create_table(
        "ai_logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=False),
        sa.Column("client_oid", sa.String(length=40), nullable=True),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("input", sa.JSON(), nullable=False),
        sa.Column("output", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_ms", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_ai_logs_decision_id_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_logs")),
        sa.UniqueConstraint("client_oid", name=op.f("uq_ai_logs_client_oid")),
    )
    op.create_index(op.f("ix_ai_logs_decision_id"), "ai_logs", ["decision_id"], unique=False)
    op.create_index(op.f("ix_ai_logs_status"), "ai_logs", ["status"], unique=False)

    op.create_table(
        "orders",
        sa.Column("client_oid", sa.String(length=40), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("venue_order_id", sa.String(length=40), nullable=True),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("intent", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("order_type", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=False),
        sa.Column("price", sa.String(length=40), nullable=True),
        sa.Column("trigger_price", sa.String(length=40), nullable=True),
        sa.Column("stop_loss", sa.String(length=40), nullable=True),
        sa.Column("take_profit", sa.String(length=40), nullable=True),
        sa.Column("leverage", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filled", sa.String(length=40), nullable=False),
        sa.Column("average_price", sa.String(length=40), nullable=True),
        sa.Column("fee", sa.String(length=40), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("sent_ms", sa.BigInteger(), nullable=True),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_orders_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_orders_run_id_runs")),
        sa.PrimaryKeyConstraint("client_oid", name=op.f("pk_orders")),
    )
    op.create_index(op.f("ix_orders_decision_id"), "orders", ["decision_id"], unique=False)
    op.create_index(op.f("ix_orders_status"), "orders", ["status"], unique=False)
    op.create_index(op.f("ix_orders_venue_order_id"), "orders", ["venue_order_id"], unique=False)
    op.create_index("ix_orders_symbol_created", "orders", ["symbol", "created_ms"], unique=False)

    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_oid", sa.String(length=40), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_oid"], ["orders.client_oid"], name=op.f("fk_order_events_client_oid_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
    )
    op.create_index(op.f("ix_order_events_client_oid"), "order_events", ["client_oid"], unique=False)

    op.create_table(
        "fills",
        sa.Column("trade_id", sa.String(length=64), nullable=False),
        sa.Column("venue_order_id", sa.String(length=40), nullable=False),
        sa.Column("client_oid", sa.String(length=40), nullable=True),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("position_side", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=False),
        sa.Column("price", sa.String(length=40), nullable=False),
        sa.Column("fee", sa.String(length=40), nullable=False),
        sa.Column("realized_pnl", sa.String(length=40), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("trade_id", name=op.f("pk_fills")),
    )
    op.create_index(op.f("ix_fills_ts_ms"), "fills", ["ts_ms"], unique=False)
    op.create_index(op.f("ix_fills_venue_order_id"), "fills", ["venue_order_id"], unique=False)

    op.create_table(
        "position_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("size", sa.String(length=40), nullable=False),
        sa.Column("entry_price", sa.String(length=40), nullable=False),
        sa.Column("leverage", sa.String(length=16), nullable=False),
        sa.Column("unrealized_pnl", sa.String(length=40), nullable=False),
        sa.Column("stop_loss", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_snapshots")),
    )
    op.create_index(op.f("ix_position_snapshots_at_ms"), "position_snapshots", ["at_ms"], unique=False)

    op.create_table(
        "equity",
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("equity", sa.Float(), nullable=False),
        sa.Column("available", sa.Float(), nullable=False),
        sa.Column("unrealized_pnl", sa.Float(), nullable=False),
        sa.Column("open_positions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("at_ms", name=op.f("pk_equity")),
    )

    op.create_table(
        "denials",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=True),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("proposal", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_denials_decision_id_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_denials")),
    )
    op.create_index(op.f("ix_denials_at_ms"), "denials", ["at_ms"], unique=False)
    op.create_index(op.f("ix_denials_rule"), "denials", ["rule"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_at_ms"), "events", ["at_ms"], unique=False)
    op.create_index(op.f("ix_events_kind"), "events", ["kind"], unique=False)

    op.create_table(
        "api_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("endpoint", sa.String(length=40), nullable=False),
        sa.Column("client_oid", sa.String(length=40), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_calls")),
    )
    op.create_index(op.f("ix_api_calls_at_ms"), "api_calls", ["at_ms"], unique=False)

    op.create_table(
        "trading_state",
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since_ms", sa.BigInteger(), nullable=False),
        sa.Column("day_start_ms", sa.BigInteger(), nullable=True),
        sa.Column("day_start_equity", sa.Float(), nullable=True),
        sa.Column("peak_equity", sa.Float(), nullable=True),
        sa.Column("initial_equity", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_trading_state")),
    )


def downgrade() -> None:
    for table in (
        "trading_state",
        "api_calls",
        "events",
        "denials",
        "equity",
        "position_snapshots",
        "fills",
        "order_events",
        "orders",
        "ai_logs",
        "decisions",
        "runs",
    ):
        op.drop_table(table)
