"""Build journals row by row for ops tests: a real SQLite file, rows inserted with SQLAlchemy Core.

`JournalRows.create(path)` makes the journal through `Journal.open` (so it is migrated and stamped,
like a journal a trader wrote) and then writes rows directly, bypassing the repository, so a test
can build any state the audit must judge, including states the repository would refuse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from alphaloop.journal import schema
from alphaloop.journal.db import create_engine
from alphaloop.journal.journal import Journal
from alphaloop.journal.records import NewOrder
from alphaloop.model import AiLog, OrderIntent, OrderType

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
#: 2025-09-01T00:00:00Z
T0 = 1_756_684_800_000
RUN_ID = "run-1"
ACCOUNT = "acct-5f3a"


@dataclass
class JournalRows:
    path: Path
    engine: Engine

    @classmethod
    def create(cls, path: Path, *, run: bool = True, risk: Mapping[str, Any] | None = None) -> JournalRows:
        Journal.open(path).close()
        rows = cls(path, create_engine(path))
        if run:
            rows.add_run(risk=risk)
        return rows

    @classmethod
    def attach(cls, path: Path) -> JournalRows:
        """Add rows to a journal that exists already."""
        return cls(path, create_engine(path))

    def close(self) -> None:
        self.engine.dispose()

    def _insert(self, table: Any, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(table).values(**values))

    def add_run(
        self,
        run_id: str = RUN_ID,
        *,
        started_ms: int = T0,
        account: str = ACCOUNT,
        risk: Mapping[str, Any] | None = None,
    ) -> None:
        config: dict[str, Any] = {"venue": "weex"}
        if risk is not None:
            config["risk"] = dict(risk)
        self._insert(
            schema.runs,
            id=run_id,
            started_ms=started_ms,
            mode="paper",
            venue="weex",
            account=account,
            model="sma-test",
            timeframe="1h",
            config=config,
            version="0.0.test",
        )

    def add_decision(self, decision_id: str, *, run_id: str = RUN_ID, at_ms: int = T0) -> None:
        with self.engine.begin() as conn:
            exists = conn.execute(
                select(schema.decisions.c.id).where(schema.decisions.c.id == decision_id)
            ).first()
            if exists is None:
                conn.execute(
                    insert(schema.decisions).values(
                        id=decision_id,
                        run_id=run_id,
                        bar_close_ms=at_ms,
                        created_ms=at_ms,
                        model="sma-test",
                        actions=[],
                        explanation="test decision",
                    )
                )

    def add_order(
        self,
        client_oid: str,
        *,
        at_ms: int = T0,
        symbol: str = BTC,
        purpose: str = "entry",
        intent: str = "open_long",
        status: str = "filled",
        leverage: int = 5,
        sent_ms: int | None = None,
        run_id: str = RUN_ID,
        ai_log: str | None = "uploaded",
        log_created_ms: int | None = None,
        explanation: str = "trend up, volume confirms",
        venue_order_id: str | None = None,
    ) -> None:
        """An order (sent at `at_ms` unless its status says it never was) with, unless `ai_log` is
        None, its AI log in that status, stored 1 ms before the order by default."""
        decision_id = f"d{client_oid[-15:]:0>15}"
        self.add_decision(decision_id, run_id=run_id, at_ms=at_ms)
        if ai_log is not None:
            self.add_ai_log(
                decision_id,
                client_oid=client_oid,
                status=ai_log,
                created_ms=at_ms - 1 if log_created_ms is None else log_created_ms,
                explanation=explanation,
            )
        unsent = status in ("pending", "not_sent")
        self._insert(
            schema.orders,
            client_oid=client_oid,
            decision_id=decision_id,
            run_id=run_id,
            venue_order_id=venue_order_id,
            symbol=symbol,
            intent=intent,
            purpose=purpose,
            order_type="market",
            amount="0.01",
            price="100000",
            # an entry carries its stop (the gate requires one), on the protective side
            stop_loss=(None if purpose != "entry" else "97000" if intent == "open_long" else "103000"),
            leverage=leverage,
            status=status,
            filled="0.01" if status == "filled" else "0",
            fee="0",
            created_ms=at_ms,
            sent_ms=None if unsent else (at_ms if sent_ms is None else sent_ms),
            updated_ms=at_ms,
        )

    def add_ai_log(
        self,
        decision_id: str,
        *,
        client_oid: str | None = None,
        status: str = "pending",
        created_ms: int = T0,
        explanation: str = "hold: no signal",
        last_error: str | None = None,
        next_attempt_ms: int = 0,
        attempts: int = 0,
        order_id: str | None = None,
    ) -> None:
        self.add_decision(decision_id, at_ms=created_ms)
        self._insert(
            schema.ai_logs,
            decision_id=decision_id,
            client_oid=client_oid,
            order_id=order_id,
            stage="decision",
            model="sma-test",
            input={"close": "100000"},
            output={"action": "open_long"},
            extra={},
            explanation=explanation,
            status=status,
            attempts=attempts,
            next_attempt_ms=next_attempt_ms,
            last_error=last_error,
            created_ms=created_ms,
            uploaded_ms=created_ms + 1 if status == "uploaded" else None,
        )

    def add_fill(
        self,
        trade_id: str,
        *,
        side: str,
        position_side: str,
        at_ms: int = T0,
        symbol: str = BTC,
        amount: str = "0.01",
        price: str = "100000",
        client_oid: str | None = None,
    ) -> None:
        self._insert(
            schema.fills,
            trade_id=trade_id,
            venue_order_id=f"9{trade_id}" if trade_id.isdigit() else "9000",
            client_oid=client_oid,
            symbol=symbol,
            side=side,
            position_side=position_side,
            amount=amount,
            price=price,
            fee="0",
            realized_pnl="0",
            ts_ms=at_ms,
        )

    def add_position(
        self, *, side: str, at_ms: int = T0, symbol: str = BTC, size: str = "0.01", leverage: str = "5"
    ) -> None:
        self._insert(
            schema.position_snapshots,
            at_ms=at_ms,
            symbol=symbol,
            side=side,
            size=size,
            entry_price="100000",
            leverage=leverage,
            unrealized_pnl="0",
        )

    def add_api_call(self, at_ms: int, *, kind: str = "order", client_oid: str | None = None) -> None:
        self._insert(
            schema.api_calls, at_ms=at_ms, kind=kind, endpoint="placeOrder", client_oid=client_oid, ok=True
        )

    def add_denial(self, rule: str, *, at_ms: int = T0, symbol: str = BTC) -> None:
        self._insert(
            schema.denials,
            at_ms=at_ms,
            decision_id=None,
            symbol=symbol,
            rule=rule,
            message=f"denied by {rule}",
            proposal=json.loads('{"symbol": "BTC/USDT:USDT"}'),
        )

    def add_event(self, kind: str, message: str, *, at_ms: int = T0) -> None:
        self._insert(schema.events, at_ms=at_ms, kind=kind, message=message, detail={})

    def set_state(
        self, state: str, *, reason: str = "test", account: str = ACCOUNT, since_ms: int = T0
    ) -> None:
        self._insert(schema.trading_state, account=account, state=state, reason=reason, since_ms=since_ms)


def store_sent_order(
    journal: Journal,
    client_oid: str,
    *,
    at_ms: int = T0,
    venue_order_id: str | None = "700001",
    status: str = "filled",
    explanation: str = "trend up, volume confirms",
) -> None:
    """An entry the way the trader stores it: order + AI log first, then sent and answered.
    `venue_order_id=None` leaves the order in doubt (status `sent`, its AI log `waiting`)."""
    decision_id = f"d{client_oid[-15:]:0>15}"
    if not journal.has_decision(decision_id):
        journal.record_decision(
            decision_id=decision_id,
            run_id=RUN_ID,
            bar_close_ms=at_ms,
            created_ms=at_ms,
            model="sma-test",
            actions=[],
            explanation=explanation,
        )
    order = NewOrder(
        client_oid=client_oid,
        decision_id=decision_id,
        run_id=RUN_ID,
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        purpose="entry",
        order_type=OrderType.MARKET,
        amount=Decimal("0.01"),
        price=Decimal("100000"),
        leverage=5,
        stop_loss=Decimal("98000"),
    )
    log = AiLog("decision", "sma-test", {"close": "100000"}, {"action": "open_long"}, explanation)
    journal.store_order_with_ai_log(order, log, now_ms=at_ms)
    journal.update_order(client_oid, status="sent", now_ms=at_ms + 1)
    if venue_order_id is not None:
        journal.update_order(client_oid, status=status, now_ms=at_ms + 2, venue_order_id=venue_order_id)
