"""The same Journal on PostgreSQL: the atomic order step, updates, the outbox queries, upserts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alphaloop.journal import AiLogOutbox, DuplicateClientOidError, Journal, StateRow
from alphaloop.model import AiLog, PositionSide, Side, Trade
from tests.unit.journal.builders import DECISION_ID, T0, ai_log, new_order, ready

pytestmark = pytest.mark.integration


@pytest.mark.asyncio
async def test_a_journal_round_trip_on_postgres(pg_url: str) -> None:
    with Journal.open(pg_url) as journal:
        ready(journal)
        assert journal.has_decision(DECISION_ID)
        assert not journal.record_decision(
            decision_id=DECISION_ID,
            run_id="run-1",
            bar_close_ms=T0,
            created_ms=T0,
            model="m",
            actions=[],
            explanation="x",
        )
        log = AiLog(
            stage="s", model="m", input={"price": Decimal("1.50")}, output={"a": [1, 2]}, explanation="why"
        )
        journal.store_order_with_ai_log(new_order("al1"), log, now_ms=T0)
        with pytest.raises(DuplicateClientOidError):
            journal.store_order_with_ai_log(new_order("al1"), log, now_ms=T0)
        journal.update_order("al1", status="sent", now_ms=T0 + 1)
        journal.update_order(
            "al1", status="filled", now_ms=T0 + 2, venue_order_id="900", filled=Decimal("0.01")
        )
        assert journal.record_fills([_trade("t1", "900"), _trade("t1", "900")]) == 1
        journal.record_equity(at_ms=T0, equity=1.0, available=1.0, unrealized_pnl=0.0, open_positions=0)
        journal.record_equity(at_ms=T0, equity=2.0, available=1.0, unrealized_pnl=0.0, open_positions=1)
        journal.save_state(StateRow("acct", "active", "start", T0))
        journal.save_state(StateRow("acct", "reducing", "daily drawdown", T0 + 1))
        journal.record_event(at_ms=T0, kind="startup", message="on postgres", detail={"n": 1})

        row = journal.order("al1")
        assert row is not None
        assert (row.status, row.venue_order_id, row.sent_ms, row.filled) == (
            "filled",
            "900",
            T0 + 1,
            Decimal("0.01"),
        )
        uploaded: list[AiLog] = []

        async def upload(log: AiLog) -> None:
            uploaded.append(log)

        report = await AiLogOutbox(journal, upload, clock=lambda: T0 + 10).flush()
        assert (report.uploaded, report.remaining) == (1, 0)
        assert uploaded == [AiLog("s", "m", {"price": "1.5"}, {"a": [1, 2]}, "why", order_id="900")]
        assert journal.load_state("acct") == StateRow("acct", "reducing", "daily drawdown", T0 + 1)
        assert journal.ai_log_counts().coverage_uploaded == 1.0
        assert journal.last_entry_ms() == {"BTC/USDT:USDT": T0}

    with Journal.open(pg_url) as reopened:
        assert [log.status for log in reopened.ai_logs()] == ["uploaded"]
        assert reopened.store_ai_log(ai_log(), decision_id=DECISION_ID, now_ms=T0) > 0


def _trade(trade_id: str, order_id: str) -> Trade:
    return Trade(
        id=trade_id,
        order_id=order_id,
        symbol="BTC/USDT:USDT",
        side=Side.BUY,
        position_side=PositionSide.LONG,
        amount=Decimal("0.01"),
        price=Decimal("65000"),
        cost=Decimal("650"),
        fee=Decimal("0.39"),
        timestamp=T0 + 2,
    )
