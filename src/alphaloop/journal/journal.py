"""The journal repository: every write the trader makes, in short transactions (SQLAlchemy Core).

One journal per account. Writes that must not be half-done are one transaction: the AI log and
the order it explains are stored together before the order is sent; an order's status change and
its audit event land together. Keys make replays after a crash harmless: decisions by their
deterministic id, orders by client_oid, fills by trade id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, Insert, Table, and_, exists, func, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from alphaloop.journal import db
from alphaloop.journal import migrate as migrations
from alphaloop.journal import schema as t
from alphaloop.journal.codec import (
    decimal_text,
    json_object,
    json_safe,
    optional_decimal_text,
    parse_decimal,
    parse_optional_decimal,
)
from alphaloop.journal.errors import DuplicateClientOidError, JournalError
from alphaloop.journal.records import (
    API_CALL_KINDS,
    FINAL_ORDER_STATUSES,
    IN_DOUBT_ORDER_STATUSES,
    ORDER_PURPOSES,
    ORDER_STATUSES,
    TRADING_STATES,
    UNSENT_ORDER_STATUSES,
    AiLogCounts,
    NewOrder,
    OrderRow,
    StateRow,
    StoredAiLog,
)
from alphaloop.model.account import Position
from alphaloop.model.ailog import AiLog
from alphaloop.model.orders import OrderIntent, OrderType, Trade


class Journal:
    """The trading journal of one account (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine made by `db.create_engine`; use `Journal.open` instead."""
        self.engine = engine
        self.url = db.redact_url(engine.url)
        self._writer = db.writer(engine)

    @classmethod
    def open(cls, url: str | Path, *, migrate: bool = True) -> Journal:
        """Open the journal at `url` (a path -> SQLite file, folders created) at the newest schema.

        With `migrate=False` nothing is changed: a journal not at the newest revision is a JournalError.
        """
        engine = db.create_engine(url)
        try:
            if migrate:
                migrations.upgrade(engine)
            else:
                migrations.ensure_current(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise JournalError(f"cannot open the journal at {db.redact_url(engine.url)}: {exc}") from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Journal({self.url!r})"

    # ------------------------------------------------------------ runs and decisions

    def start_run(
        self,
        *,
        run_id: str,
        started_ms: int,
        mode: str,
        venue: str,
        account: str,
        model: str,
        timeframe: str,
        config: Mapping[str, Any],
        version: str,
    ) -> None:
        values = {
            "id": run_id,
            "started_ms": started_ms,
            "mode": mode,
            "venue": venue,
            "account": account,
            "model": model,
            "timeframe": timeframe,
            "config": json_object(config, field="runs.config"),
            "version": version,
        }
        with self._write("store run") as conn:
            if self._insert_if_absent(conn, t.runs, values, key=["id"]) == 0:
                raise JournalError(f"run {run_id!r} is already stored")

    def end_run(self, run_id: str, *, ended_ms: int, reason: str) -> None:
        with self._write("end run") as conn:
            result = conn.execute(
                update(t.runs).where(t.runs.c.id == run_id).values(ended_ms=ended_ms, end_reason=reason)
            )
            if result.rowcount == 0:
                raise JournalError(f"cannot end run {run_id!r}: no such run")

    def latest_run(self) -> Mapping[str, Any] | None:
        """The most recently started run as a mapping of its columns (config as a dict)."""
        with self._read() as conn:
            row = (
                conn.execute(select(t.runs).order_by(t.runs.c.started_ms.desc(), t.runs.c.id.desc()).limit(1))
                .mappings()
                .first()
            )
        return None if row is None else dict(row)

    def has_decision(self, decision_id: str) -> bool:
        with self._read() as conn:
            return bool(conn.scalar(select(exists().where(t.decisions.c.id == decision_id))))

    def record_decision(
        self,
        *,
        decision_id: str,
        run_id: str,
        bar_close_ms: int,
        created_ms: int,
        model: str,
        actions: Sequence[Mapping[str, Any]],
        explanation: str,
        error: str | None = None,
    ) -> bool:
        """Store a decision; False (nothing changed) when this decision id is already stored."""
        values = {
            "id": decision_id,
            "run_id": run_id,
            "bar_close_ms": bar_close_ms,
            "created_ms": created_ms,
            "model": model,
            "actions": json_safe(list(actions), field="decisions.actions"),
            "explanation": explanation,
            "error": error,
        }
        with self._write("store decision") as conn:
            return self._insert_if_absent(conn, t.decisions, values, key=["id"]) == 1

    def last_decision_bar(self) -> int | None:
        """The newest bar decided. Decisions of protective stops (ids starting "p", stamped at
        any moment between bars) are not bars: counting them would skip the next bar."""
        query = select(func.max(t.decisions.c.bar_close_ms)).where(~t.decisions.c.id.startswith("p"))
        with self._read() as conn:
            value = conn.scalar(query)
        return None if value is None else int(value)

    # ------------------------------------------------------------ orders and their AI logs

    def store_order_with_ai_log(self, order: NewOrder, log: AiLog, *, now_ms: int) -> None:
        """Store the order (pending) and the AI log explaining it (waiting) together, or neither.

        This is the step before sending: an order is never sent without its log on disk.
        A client_oid stored before raises DuplicateClientOidError and writes nothing.
        """
        if order.purpose not in ORDER_PURPOSES:
            raise JournalError(f"order purpose {order.purpose!r} is not one of {sorted(ORDER_PURPOSES)}")
        log_values = self._ai_log_values(log, decision_id=order.decision_id, now_ms=now_ms)
        log_values |= {"client_oid": order.client_oid, "status": "waiting"}
        order_values = _new_order_values(order, now_ms=now_ms)
        event_detail = json_object(
            {key: value for key, value in order_values.items() if key not in ("status", "created_ms")},
            field="order_events.detail",
        )
        try:
            with self._writer.begin() as conn:
                conn.execute(t.ai_logs.insert().values(log_values))
                conn.execute(t.orders.insert().values(order_values))
                conn.execute(
                    t.order_events.insert().values(
                        client_oid=order.client_oid, at_ms=now_ms, status="pending", detail=event_detail
                    )
                )
        except IntegrityError as exc:
            if self._client_oid_known(order.client_oid):
                raise DuplicateClientOidError(order.client_oid) from exc
            raise JournalError(
                f"cannot store order {order.client_oid!r} (decision {order.decision_id!r} and run "
                f"{order.run_id!r} must be stored first): {exc.orig}"
            ) from exc
        except SQLAlchemyError as exc:
            raise JournalError(f"cannot store order {order.client_oid!r}: {exc}") from exc

    def store_ai_log(self, log: AiLog, *, decision_id: str, now_ms: int) -> int:
        """Store an AI log that explains no order (ready to upload at once); returns its id."""
        values = self._ai_log_values(log, decision_id=decision_id, now_ms=now_ms)
        values |= {"client_oid": None, "status": "pending"}
        with self._write("store AI log") as conn:
            result = conn.execute(t.ai_logs.insert().values(values))
            key = result.inserted_primary_key
            if key is None:  # pragma: no cover - every dialect we support reports it
                raise JournalError("the database did not report the new AI log's id")
            return int(key[0])

    def update_order(
        self,
        client_oid: str,
        *,
        status: str,
        now_ms: int,
        venue_order_id: str | None = None,
        filled: Decimal | None = None,
        average_price: Decimal | None = None,
        fee: Decimal | None = None,
        error: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Record what became of an order, with an order_event.

        Once the venue order id is known, the order's AI log is bound to it and becomes ready to
        upload. An order that ends without one (rejected, not_sent) releases its log with orderId
        null: a log is never held back for good.
        """
        if status not in ORDER_STATUSES:
            raise JournalError(f"order status {status!r} is not one of {sorted(ORDER_STATUSES)}")
        changes: dict[str, Any] = {"status": status, "updated_ms": now_ms}
        event_detail: dict[str, Any] = dict(json_object(detail, field="order_events.detail"))
        if venue_order_id is not None:
            changes["venue_order_id"] = event_detail["venue_order_id"] = venue_order_id
        for name, amount in (("filled", filled), ("average_price", average_price), ("fee", fee)):
            if amount is not None:
                changes[name] = event_detail[name] = decimal_text(amount, field=f"orders.{name}")
        if error is not None:
            changes["error"] = event_detail["error"] = error
        with self._write("update order") as conn:
            current = conn.execute(
                select(t.orders.c.venue_order_id, t.orders.c.sent_ms)
                .where(t.orders.c.client_oid == client_oid)
                .with_for_update()
            ).first()
            if current is None:
                raise JournalError(f"cannot update order {client_oid!r}: no such order")
            known_id, sent_ms = current
            if venue_order_id is not None and known_id is not None and known_id != venue_order_id:
                raise JournalError(
                    f"order {client_oid!r} has venue order id {known_id!r}, not {venue_order_id!r}"
                )
            if status == "sent" and sent_ms is None:
                changes["sent_ms"] = now_ms
            conn.execute(update(t.orders).where(t.orders.c.client_oid == client_oid).values(changes))
            conn.execute(
                t.order_events.insert().values(
                    client_oid=client_oid, at_ms=now_ms, status=status, detail=event_detail
                )
            )
            self._release_ai_log(conn, client_oid, venue_order_id or known_id, status)

    def order(self, client_oid: str) -> OrderRow | None:
        with self._read() as conn:
            row = conn.execute(select(t.orders).where(t.orders.c.client_oid == client_oid)).mappings().first()
        return None if row is None else _order_row(row)

    def orders_in_doubt(self) -> list[OrderRow]:
        """Orders whose venue state is not known to be final (check them after a restart)."""
        return self._select_orders(t.orders.c.status.in_(sorted(IN_DOUBT_ORDER_STATUSES)))

    def orders(self, *, since_ms: int | None = None, symbol: str | None = None) -> list[OrderRow]:
        """Orders oldest first, created at or after `since_ms`, of `symbol`."""
        conditions = []
        if since_ms is not None:
            conditions.append(t.orders.c.created_ms >= since_ms)
        if symbol is not None:
            conditions.append(t.orders.c.symbol == symbol)
        return self._select_orders(and_(true(), *conditions))

    def last_entry_ms(self) -> dict[str, int]:
        """Per symbol, when the newest entry order that may have reached the venue was stored."""
        query = (
            select(t.orders.c.symbol, func.max(t.orders.c.created_ms))
            .where(t.orders.c.purpose == "entry", t.orders.c.status.not_in(["rejected", "not_sent"]))
            .group_by(t.orders.c.symbol)
        )
        with self._read() as conn:
            return {symbol: int(created) for symbol, created in conn.execute(query)}

    def order_times_since(self, since_ms: int) -> list[int]:
        """Creation times (oldest first) of the orders stored since `since_ms`, except not_sent ones."""
        query = (
            select(t.orders.c.created_ms)
            .where(t.orders.c.created_ms >= since_ms, t.orders.c.status != "not_sent")
            .order_by(t.orders.c.created_ms)
        )
        with self._read() as conn:
            return [int(value) for value in conn.scalars(query)]

    def api_call_times_since(self, since_ms: int) -> list[int]:
        """Send times (wall ms, oldest first) of the order and cancel calls recorded since `since_ms`:
        a restarted process paces its first calls against what the previous one sent."""
        query = (
            select(t.api_calls.c.at_ms)
            .where(t.api_calls.c.at_ms >= since_ms, t.api_calls.c.kind.in_(("order", "cancel")))
            .order_by(t.api_calls.c.at_ms)
        )
        with self._read() as conn:
            return [int(value) for value in conn.scalars(query)]

    # ------------------------------------------------------------ the AI-log outbox

    def due_ai_logs(self, now_ms: int, *, limit: int = 50) -> list[StoredAiLog]:
        """Logs ready to upload whose retry time has come, oldest first."""
        query = (
            select(t.ai_logs)
            .where(t.ai_logs.c.status == "pending", t.ai_logs.c.next_attempt_ms <= now_ms)
            .order_by(t.ai_logs.c.created_ms, t.ai_logs.c.id)
            .limit(limit)
        )
        with self._read() as conn:
            return [_stored_ai_log(row) for row in conn.execute(query).mappings()]

    def ai_logs(self) -> list[StoredAiLog]:
        with self._read() as conn:
            rows = conn.execute(select(t.ai_logs).order_by(t.ai_logs.c.id)).mappings().all()
        return [_stored_ai_log(row) for row in rows]

    def mark_ai_log_uploaded(self, log_id: int, *, now_ms: int) -> None:
        with self._write("mark AI log uploaded") as conn:
            status = conn.scalar(select(t.ai_logs.c.status).where(t.ai_logs.c.id == log_id))
            if status is None:
                raise JournalError(f"no AI log with id {log_id}")
            if status == "waiting":
                raise JournalError(
                    f"AI log {log_id} waits for its order's outcome; it cannot be uploaded yet"
                )
            conn.execute(
                update(t.ai_logs)
                .where(t.ai_logs.c.id == log_id)
                .values(status="uploaded", uploaded_ms=now_ms)
            )

    def mark_ai_log_failed(self, log_id: int, *, error: str, next_attempt_ms: int) -> None:
        """Count a failed upload and set when to try again; the log stays ready to upload."""
        with self._write("record AI-log upload failure") as conn:
            result = conn.execute(
                update(t.ai_logs)
                .where(t.ai_logs.c.id == log_id)
                .values(attempts=t.ai_logs.c.attempts + 1, last_error=error, next_attempt_ms=next_attempt_ms)
            )
            if result.rowcount == 0:
                raise JournalError(f"no AI log with id {log_id}")

    def ai_log_counts(self) -> AiLogCounts:
        logs, orders = t.ai_logs, t.orders
        sent = orders.c.status.not_in(sorted(UNSENT_ORDER_STATUSES))
        with self._read() as conn:
            by_status = {
                str(status): int(number)
                for status, number in conn.execute(
                    select(logs.c.status, func.count()).group_by(logs.c.status)
                )
            }
            orders_sent = conn.scalar(select(func.count()).select_from(orders).where(sent)) or 0
            joined = orders.join(logs, logs.c.client_oid == orders.c.client_oid)
            with_log = conn.scalar(select(func.count()).select_from(joined).where(sent)) or 0
            with_uploaded = (
                conn.scalar(select(func.count()).select_from(joined).where(sent, logs.c.status == "uploaded"))
                or 0
            )
        return AiLogCounts(
            total=sum(by_status.values()),
            waiting=by_status.get("waiting", 0),
            pending=by_status.get("pending", 0),
            uploaded=by_status.get("uploaded", 0),
            orders_sent=orders_sent,
            orders_with_log=with_log,
            orders_with_uploaded_log=with_uploaded,
        )

    # ------------------------------------------------------------ fills, positions, equity

    def record_fills(self, trades: Iterable[Trade]) -> int:
        """Store fills not stored yet (by trade id), with our client_oid when the order is ours."""
        trades = list(trades)
        if not trades:
            return 0
        inserted = 0
        with self._write("store fills") as conn:
            venue_ids = sorted({trade.order_id for trade in trades})
            ours = {
                str(venue_id): str(client_oid)
                for venue_id, client_oid in conn.execute(
                    select(t.orders.c.venue_order_id, t.orders.c.client_oid).where(
                        t.orders.c.venue_order_id.in_(venue_ids)
                    )
                )
            }
            for trade in trades:
                inserted += self._insert_if_absent(conn, t.fills, _fill_values(trade, ours), key=["trade_id"])
        return inserted

    def record_positions(
        self, *, at_ms: int, positions: Sequence[Position], stops: Mapping[tuple[str, str], Decimal]
    ) -> None:
        """Snapshot the venue's positions; `stops` maps (symbol, side value) to the verified stop."""
        rows = [
            {
                "at_ms": at_ms,
                "symbol": position.symbol,
                "side": position.side.value,
                "size": decimal_text(position.size, field="position.size"),
                "entry_price": decimal_text(position.entry_price, field="position.entry_price"),
                "leverage": decimal_text(position.leverage, field="position.leverage"),
                "unrealized_pnl": decimal_text(position.unrealized_pnl, field="position.unrealized_pnl"),
                "stop_loss": optional_decimal_text(
                    stops.get((position.symbol, position.side.value)), field="position stop"
                ),
            }
            for position in positions
        ]
        if rows:
            with self._write("store positions") as conn:
                conn.execute(t.position_snapshots.insert(), rows)

    def record_equity(
        self, *, at_ms: int, equity: float, available: float, unrealized_pnl: float, open_positions: int
    ) -> None:
        """Store (or replace) the equity point at `at_ms`."""
        values = {
            "at_ms": at_ms,
            "equity": float(equity),
            "available": float(available),
            "unrealized_pnl": float(unrealized_pnl),
            "open_positions": open_positions,
        }
        with self._write("store equity") as conn:
            self._upsert(conn, t.equity, values, key=["at_ms"])

    # ------------------------------------------------------------ audit lines

    def record_denial(
        self,
        *,
        at_ms: int,
        decision_id: str | None,
        symbol: str,
        rule: str,
        message: str,
        proposal: Mapping[str, Any],
    ) -> None:
        values = {
            "at_ms": at_ms,
            "decision_id": decision_id,
            "symbol": symbol,
            "rule": str(rule),
            "message": message,
            "proposal": json_object(proposal, field="denials.proposal"),
        }
        with self._write("store denial") as conn:
            conn.execute(t.denials.insert().values(values))

    def record_event(
        self, *, at_ms: int, kind: str, message: str, detail: Mapping[str, Any] | None = None
    ) -> None:
        # The kind is not checked against EVENT_KINDS: an unforeseen kind must still reach the audit
        # trail rather than fail at the moment something noteworthy happens.
        values = {
            "at_ms": at_ms,
            "kind": str(kind),
            "message": message,
            "detail": json_object(detail, field="events.detail"),
        }
        with self._write("store event") as conn:
            conn.execute(t.events.insert().values(values))

    def record_api_call(
        self, *, at_ms: int, kind: str, endpoint: str, client_oid: str | None, ok: bool
    ) -> None:
        if kind not in API_CALL_KINDS:
            raise JournalError(f"api call kind {kind!r} is not one of {sorted(API_CALL_KINDS)}")
        values = {"at_ms": at_ms, "kind": kind, "endpoint": endpoint, "client_oid": client_oid, "ok": ok}
        with self._write("store api call") as conn:
            conn.execute(t.api_calls.insert().values(values))

    # ------------------------------------------------------------ trading state

    def load_state(self, account: str) -> StateRow | None:
        with self._read() as conn:
            row = (
                conn.execute(select(t.trading_state).where(t.trading_state.c.account == account))
                .mappings()
                .first()
            )
        return None if row is None else StateRow(**dict(row))

    def save_state(self, row: StateRow) -> None:
        _check_state(row.state)
        values = {
            "account": row.account,
            "state": str(row.state),
            "reason": row.reason,
            "since_ms": row.since_ms,
            "day_start_ms": row.day_start_ms,
            "day_start_equity": row.day_start_equity,
            "peak_equity": row.peak_equity,
            "initial_equity": row.initial_equity,
        }
        with self._write("save trading state") as conn:
            self._upsert(conn, t.trading_state, values, key=["account"])

    def set_state_all(self, *, state: str, reason: str, now_ms: int) -> int:
        """Set every account's trading state (halt/resume from the CLI); returns how many rows."""
        _check_state(state)
        with self._write("set trading state") as conn:
            result = conn.execute(
                update(t.trading_state).values(state=str(state), reason=reason, since_ms=now_ms)
            )
            return int(result.rowcount)

    # ------------------------------------------------------------ internals

    @contextmanager
    def _write(self, what: str) -> Iterator[Connection]:
        """One write transaction; database failures become JournalError naming `what`."""
        try:
            with self._writer.begin() as conn:
                yield conn
        except JournalError:
            raise
        except SQLAlchemyError as exc:
            raise JournalError(f"cannot {what}: {exc}") from exc

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise JournalError(f"cannot read the journal: {exc}") from exc

    def _ai_log_values(self, log: AiLog, *, decision_id: str, now_ms: int) -> dict[str, Any]:
        return {
            "decision_id": decision_id,
            "order_id": log.order_id,
            "stage": log.stage,
            "model": log.model,
            "input": json_object(log.input, field="AI log input"),
            "output": json_object(log.output, field="AI log output"),
            "explanation": log.explanation,
            "extra": json_object(log.extra, field="AI log extra"),
            "attempts": 0,
            "next_attempt_ms": 0,
            "created_ms": now_ms,
        }

    def _client_oid_known(self, client_oid: str) -> bool:
        with self._read() as conn:
            in_orders = exists().where(t.orders.c.client_oid == client_oid)
            in_logs = exists().where(t.ai_logs.c.client_oid == client_oid)
            return bool(conn.scalar(select(in_orders | in_logs)))

    def _release_ai_log(
        self, conn: Connection, client_oid: str, venue_order_id: str | None, status: str
    ) -> None:
        not_uploaded = and_(t.ai_logs.c.client_oid == client_oid, t.ai_logs.c.status != "uploaded")
        if venue_order_id is not None:
            conn.execute(
                update(t.ai_logs)
                .where(not_uploaded, t.ai_logs.c.order_id.is_(None))
                .values(order_id=venue_order_id)
            )
            conn.execute(
                update(t.ai_logs)
                .where(not_uploaded, t.ai_logs.c.status == "waiting")
                .values(status="pending")
            )
        elif status in FINAL_ORDER_STATUSES:
            conn.execute(
                update(t.ai_logs)
                .where(not_uploaded, t.ai_logs.c.status == "waiting")
                .values(status="pending")
            )

    def _select_orders(self, condition: Any) -> list[OrderRow]:
        query = select(t.orders).where(condition).order_by(t.orders.c.created_ms, t.orders.c.client_oid)
        with self._read() as conn:
            return [_order_row(row) for row in conn.execute(query).mappings()]

    def _dialect_insert(self, table: Table) -> Any:
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _insert_if_absent(
        self, conn: Connection, table: Table, values: Mapping[str, Any], *, key: list[str]
    ) -> int:
        """Insert unless a row with the same `key` exists; returns 1 if inserted, 0 if not."""
        statement: Insert = (
            self._dialect_insert(table).values(values).on_conflict_do_nothing(index_elements=key)
        )
        # Without preserve_rowcount SQLAlchemy promises a rowcount for UPDATE/DELETE only (psycopg gives -1).
        return int(conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount)

    def _upsert(self, conn: Connection, table: Table, values: Mapping[str, Any], *, key: list[str]) -> None:
        statement = self._dialect_insert(table).values(values)
        changes = {name: statement.excluded[name] for name in values if name not in key}
        conn.execute(statement.on_conflict_do_update(index_elements=key, set_=changes))


def _check_state(state: str) -> None:
    if state not in TRADING_STATES:
        raise JournalError(f"trading state {state!r} is not one of {sorted(TRADING_STATES)}")


def _new_order_values(order: NewOrder, *, now_ms: int) -> dict[str, Any]:
    return {
        "client_oid": order.client_oid,
        "decision_id": order.decision_id,
        "run_id": order.run_id,
        "venue_order_id": None,
        "symbol": order.symbol,
        "intent": OrderIntent(order.intent).value,
        "purpose": order.purpose,
        "order_type": OrderType(order.order_type).value,
        "amount": decimal_text(order.amount, field="order amount"),
        "price": optional_decimal_text(order.price, field="order price"),
        "trigger_price": optional_decimal_text(order.trigger_price, field="order trigger_price"),
        "stop_loss": optional_decimal_text(order.stop_loss, field="order stop_loss"),
        "take_profit": optional_decimal_text(order.take_profit, field="order take_profit"),
        "leverage": int(order.leverage),
        "status": "pending",
        "filled": "0",
        "average_price": None,
        "fee": "0",
        "error": None,
        "created_ms": now_ms,
        "sent_ms": None,
        "updated_ms": now_ms,
    }


def _order_row(row: RowMapping) -> OrderRow:
    return OrderRow(
        client_oid=row["client_oid"],
        decision_id=row["decision_id"],
        run_id=row["run_id"],
        venue_order_id=row["venue_order_id"],
        symbol=row["symbol"],
        intent=OrderIntent(row["intent"]),
        purpose=row["purpose"],
        order_type=OrderType(row["order_type"]),
        amount=parse_decimal(row["amount"]),
        price=parse_optional_decimal(row["price"]),
        trigger_price=parse_optional_decimal(row["trigger_price"]),
        stop_loss=parse_optional_decimal(row["stop_loss"]),
        take_profit=parse_optional_decimal(row["take_profit"]),
        leverage=int(row["leverage"]),
        status=row["status"],
        filled=parse_decimal(row["filled"]),
        average_price=parse_optional_decimal(row["average_price"]),
        fee=parse_decimal(row["fee"]),
        error=row["error"],
        created_ms=int(row["created_ms"]),
        sent_ms=None if row["sent_ms"] is None else int(row["sent_ms"]),
        updated_ms=int(row["updated_ms"]),
    )


def _stored_ai_log(row: RowMapping) -> StoredAiLog:
    order_id: str | None = row["order_id"]
    extra = dict(row["extra"])
    log_order_id = order_id
    if order_id is not None and not order_id.isdigit():
        # AiLog only takes numeric venue ids (WEEX); keep a non-numeric one visible in `extra`.
        log_order_id = None
        extra["venue_order_id"] = order_id
    log = AiLog(
        stage=row["stage"],
        model=row["model"],
        input=row["input"],
        output=row["output"],
        explanation=row["explanation"],
        order_id=log_order_id,
        extra=extra,
    )
    return StoredAiLog(
        id=int(row["id"]),
        decision_id=row["decision_id"],
        client_oid=row["client_oid"],
        order_id=order_id,
        status=row["status"],
        attempts=int(row["attempts"]),
        log=log,
        created_ms=int(row["created_ms"]),
        uploaded_ms=None if row["uploaded_ms"] is None else int(row["uploaded_ms"]),
        last_error=row["last_error"],
    )


def _fill_values(trade: Trade, ours: Mapping[str, str]) -> dict[str, Any]:
    if trade.timestamp is None:
        raise JournalError(f"fill {trade.id!r} of order {trade.order_id!r} has no timestamp")
    return {
        "trade_id": trade.id,
        "venue_order_id": trade.order_id,
        "client_oid": ours.get(trade.order_id),
        "symbol": trade.symbol,
        "side": trade.side.value,
        "position_side": trade.position_side.value,
        "amount": decimal_text(trade.amount, field="fill amount"),
        "price": decimal_text(trade.price, field="fill price"),
        "fee": decimal_text(trade.fee, field="fill fee"),
        "realized_pnl": decimal_text(trade.realized_pnl, field="fill realized_pnl"),
        "ts_ms": int(trade.timestamp),
    }
