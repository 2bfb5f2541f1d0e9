"""Runs, decisions, AI logs without orders, fills, positions, equity, audit lines and trading state."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from alphaloop.journal import AiLogCounts, Journal, JournalError, StateRow, schema
from alphaloop.model import AiLog, MarginMode, OrderIntent, Position, PositionSide, Side, Trade
from tests.unit.journal.builders import DECISION_ID, RUN_ID, T0, ai_log, decide, new_order, start_run


def rows(journal: Journal, table: Any) -> list[dict[str, Any]]:
    with journal.engine.connect() as conn:
        return [dict(row) for row in conn.execute(select(table)).mappings()]


# ------------------------------------------------------------ runs and decisions


def test_runs_start_end_and_the_latest_one_is_found(journal: Journal) -> None:
    start_run(journal, "run-2", started_ms=T0 + 10)
    journal.end_run(RUN_ID, ended_ms=T0 + 5, reason="stopped by the user")

    latest = journal.latest_run()

    assert latest is not None
    assert (latest["id"], latest["started_ms"], latest["ended_ms"]) == ("run-2", T0 + 10, None)
    assert latest["config"] == {"risk": {"max_orders_per_hour": 30}}
    [first] = [row for row in rows(journal, schema.runs) if row["id"] == RUN_ID]
    assert (first["ended_ms"], first["end_reason"]) == (T0 + 5, "stopped by the user")


def test_a_run_id_is_stored_once_and_an_unknown_run_cannot_end(journal: Journal) -> None:
    with pytest.raises(JournalError, match="already stored"):
        start_run(journal)
    with pytest.raises(JournalError, match="no such run"):
        journal.end_run("run-404", ended_ms=T0, reason="x")


def test_an_empty_journal_has_no_run_and_no_decision(tmp_path: Any) -> None:
    with Journal.open(tmp_path / "empty.sqlite") as empty:
        assert empty.latest_run() is None
        assert empty.last_decision_bar() is None
        assert empty.ai_log_counts() == AiLogCounts(0, 0, 0, 0, 0, 0, 0)


def test_a_decision_is_recorded_once_per_id(journal: Journal) -> None:
    assert journal.has_decision(DECISION_ID)
    assert not journal.has_decision("dnope")

    again = journal.record_decision(
        decision_id=DECISION_ID,
        run_id=RUN_ID,
        bar_close_ms=T0,
        created_ms=T0 + 99,
        model="other",
        actions=[],
        explanation="replayed after a restart",
    )

    assert again is False
    [stored] = rows(journal, schema.decisions)
    assert (stored["model"], stored["explanation"]) == ("lightgbm-dir-v1", "BTC trend up")
    assert stored["actions"] == [{"symbol": "BTC/USDT:USDT", "action": "open_long", "confidence": 0.7}]


def test_a_failed_decision_keeps_its_error_and_the_last_bar_is_the_newest(journal: Journal) -> None:
    assert journal.record_decision(
        decision_id="d2",
        run_id=RUN_ID,
        bar_close_ms=T0 + 7_200_000,
        created_ms=T0 + 7_201_000,
        model="llm",
        actions=[{"symbol": "BTC/USDT:USDT", "stop_loss": Decimal("63000.0")}],
        explanation="held",
        error="model timed out",
    )
    decide(journal, "d3", bar_close_ms=T0 + 3_600_000)

    assert journal.last_decision_bar() == T0 + 7_200_000
    by_id = {row["id"]: row for row in rows(journal, schema.decisions)}
    assert by_id["d2"]["error"] == "model timed out"
    assert by_id["d2"]["actions"] == [{"symbol": "BTC/USDT:USDT", "stop_loss": "63000"}]


def test_a_decision_of_an_unknown_run_is_refused(journal: Journal) -> None:
    with pytest.raises(JournalError, match="cannot store decision"):
        decide(journal, "d9", run_id="run-404")


# ------------------------------------------------------------ AI logs and the outbox queries


def test_a_log_without_an_order_is_ready_to_upload_at_once(journal: Journal) -> None:
    log = AiLog(
        stage="Risk Review",
        model="llm",
        input={"x": 1},
        output={"verdict": "hold"},
        explanation="nothing to do",
        extra={"note": "no trade"},
    )

    log_id = journal.store_ai_log(log, decision_id=DECISION_ID, now_ms=T0)

    [stored] = journal.due_ai_logs(T0)
    assert (stored.id, stored.status, stored.client_oid, stored.attempts, stored.log) == (
        log_id,
        "pending",
        None,
        0,
        log,
    )


def test_due_logs_are_pending_ones_whose_time_has_come_oldest_first(journal: Journal) -> None:
    first = journal.store_ai_log(ai_log("first"), decision_id=DECISION_ID, now_ms=T0 + 1)
    second = journal.store_ai_log(ai_log("second"), decision_id=DECISION_ID, now_ms=T0 + 2)
    third = journal.store_ai_log(ai_log("third"), decision_id=DECISION_ID, now_ms=T0 + 3)
    journal.store_order_with_ai_log(new_order("alwaiting"), ai_log("waiting"), now_ms=T0)  # not due: waiting
    journal.mark_ai_log_failed(first, error="HTTP 503", next_attempt_ms=T0 + 1_000)
    journal.mark_ai_log_uploaded(third, now_ms=T0 + 4)

    assert [log.id for log in journal.due_ai_logs(T0 + 999)] == [second]
    assert [log.id for log in journal.due_ai_logs(T0 + 1_000)] == [first, second]
    assert [log.id for log in journal.due_ai_logs(T0 + 1_000, limit=1)] == [first]
    failed = next(log for log in journal.ai_logs() if log.id == first)
    assert (failed.attempts, failed.last_error, failed.status) == (1, "HTTP 503", "pending")


def test_marking_a_missing_or_waiting_log_is_an_error(journal: Journal) -> None:
    journal.store_order_with_ai_log(new_order("alwaiting"), ai_log(), now_ms=T0)
    waiting = journal.ai_logs()[0].id

    with pytest.raises(JournalError, match="waits for its order"):
        journal.mark_ai_log_uploaded(waiting, now_ms=T0)
    with pytest.raises(JournalError, match="no AI log with id 999"):
        journal.mark_ai_log_uploaded(999, now_ms=T0)
    with pytest.raises(JournalError, match="no AI log with id 999"):
        journal.mark_ai_log_failed(999, error="x", next_attempt_ms=T0)


def test_ai_log_counts_measure_coverage_of_orders_that_reached_the_venue(journal: Journal) -> None:
    journal.store_ai_log(ai_log(), decision_id=DECISION_ID, now_ms=T0)  # no order: pending
    for index, (status, venue_id) in enumerate(
        [("filled", "1"), ("open", "2"), ("rejected", None), ("not_sent", None), ("pending", None)]
    ):
        oid = f"al{index}"
        journal.store_order_with_ai_log(new_order(oid), ai_log(), now_ms=T0 + index)
        if status != "pending":
            journal.update_order(oid, status=status, now_ms=T0 + 10, venue_order_id=venue_id)
    journal.mark_ai_log_uploaded(journal.ai_logs()[1].id, now_ms=T0 + 20)  # al0's log

    counts = journal.ai_log_counts()

    assert counts == AiLogCounts(
        total=6,
        waiting=1,
        pending=4,
        uploaded=1,
        orders_sent=3,
        orders_with_log=3,
        orders_with_uploaded_log=1,
    )
    assert counts.coverage_stored == 1.0
    assert counts.coverage_uploaded == pytest.approx(1 / 3)


# ------------------------------------------------------------ fills, positions, equity


def trade(trade_id: str, order_id: str, amount: str = "0.004") -> Trade:
    return Trade(
        id=trade_id,
        order_id=order_id,
        symbol="BTC/USDT:USDT",
        side=Side.BUY,
        position_side=PositionSide.LONG,
        amount=Decimal(amount),
        price=Decimal("65000.1"),
        cost=Decimal("260.0004"),
        fee=Decimal("0.156"),
        realized_pnl=Decimal(0),
        timestamp=T0 + 5,
    )


def test_fills_are_stored_once_by_trade_id_with_our_client_oid(journal: Journal) -> None:
    journal.store_order_with_ai_log(new_order("alours"), ai_log(), now_ms=T0)
    journal.update_order("alours", status="open", now_ms=T0 + 1, venue_order_id="77")

    assert journal.record_fills([trade("t1", "77"), trade("t2", "88")]) == 2
    assert journal.record_fills([trade("t1", "77"), trade("t3", "77", "0.006")]) == 1
    assert journal.record_fills([]) == 0

    stored = {row["trade_id"]: row for row in rows(journal, schema.fills)}
    assert sorted(stored) == ["t1", "t2", "t3"]
    assert (stored["t1"]["client_oid"], stored["t2"]["client_oid"]) == ("alours", None)
    assert stored["t3"]["amount"] == "0.006"
    assert (stored["t1"]["side"], stored["t1"]["position_side"], stored["t1"]["ts_ms"]) == (
        "buy",
        "long",
        T0 + 5,
    )


def test_a_fill_without_a_timestamp_is_refused(journal: Journal) -> None:
    bad = Trade(
        id="t1",
        order_id="1",
        symbol="BTC/USDT:USDT",
        side=Side.BUY,
        position_side=PositionSide.LONG,
        amount=Decimal(1),
        price=Decimal(1),
        cost=Decimal(1),
        fee=Decimal(0),
    )
    with pytest.raises(JournalError, match="no timestamp"):
        journal.record_fills([bad])


def test_position_snapshots_carry_the_verified_stop(journal: Journal) -> None:
    positions = [
        Position("BTC/USDT:USDT", PositionSide.LONG, Decimal("0.01"), Decimal("65000"), Decimal(5)),
        Position(
            "ETH/USDT:USDT",
            PositionSide.SHORT,
            Decimal("0.5"),
            Decimal("3200.5"),
            Decimal(3),
            margin_mode=MarginMode.CROSS,
            unrealized_pnl=Decimal("-1.25"),
        ),
    ]

    journal.record_positions(
        at_ms=T0, positions=positions, stops={("BTC/USDT:USDT", "long"): Decimal("63000")}
    )
    journal.record_positions(at_ms=T0 + 1, positions=[], stops={})

    stored = sorted(rows(journal, schema.position_snapshots), key=lambda row: row["symbol"])
    assert [(row["symbol"], row["side"], row["size"], row["stop_loss"]) for row in stored] == [
        ("BTC/USDT:USDT", "long", "0.01", "63000"),
        ("ETH/USDT:USDT", "short", "0.5", None),
    ]
    assert (stored[1]["entry_price"], stored[1]["leverage"], stored[1]["unrealized_pnl"]) == (
        "3200.5",
        "3",
        "-1.25",
    )


def test_equity_points_are_upserted_by_time(journal: Journal) -> None:
    journal.record_equity(at_ms=T0, equity=1000.0, available=900.0, unrealized_pnl=0.0, open_positions=0)
    journal.record_equity(at_ms=T0, equity=1001.5, available=800.0, unrealized_pnl=1.5, open_positions=1)
    journal.record_equity(at_ms=T0 + 1, equity=1002.0, available=800.0, unrealized_pnl=2.0, open_positions=1)

    stored = sorted(rows(journal, schema.equity), key=lambda row: row["at_ms"])
    assert [(row["at_ms"], row["equity"], row["open_positions"]) for row in stored] == [
        (T0, 1001.5, 1),
        (T0 + 1, 1002.0, 1),
    ]


# ------------------------------------------------------------ audit lines


def test_denials_events_and_api_calls_are_appended(journal: Journal) -> None:
    journal.record_denial(
        at_ms=T0,
        decision_id=DECISION_ID,
        symbol="BTC/USDT:USDT",
        rule="max_positions",
        message="4 open positions, the limit is 4",
        proposal={"amount": Decimal("0.01"), "intent": OrderIntent.OPEN_LONG},
    )
    journal.record_event(at_ms=T0, kind="halt", message="halted by the operator", detail={"by": "cli"})
    journal.record_event(at_ms=T0 + 1, kind="startup", message="started")
    journal.record_api_call(
        at_ms=T0, kind="order", endpoint="/capi/v2/order/placeOrder", client_oid="al1", ok=True
    )
    journal.record_api_call(
        at_ms=T0 + 1, kind="cancel", endpoint="/capi/v2/order/cancel", client_oid=None, ok=False
    )

    [denial] = rows(journal, schema.denials)
    assert (denial["rule"], denial["proposal"]) == (
        "max_positions",
        {"amount": "0.01", "intent": "open_long"},
    )
    events = sorted(rows(journal, schema.events), key=lambda row: row["at_ms"])
    assert [(row["kind"], row["detail"]) for row in events] == [("halt", {"by": "cli"}), ("startup", {})]
    calls = sorted(rows(journal, schema.api_calls), key=lambda row: row["at_ms"])
    assert [(row["kind"], row["client_oid"], row["ok"]) for row in calls] == [
        ("order", "al1", True),
        ("cancel", None, False),
    ]
    with pytest.raises(JournalError, match="api call kind 'trade'"):
        journal.record_api_call(at_ms=T0, kind="trade", endpoint="/x", client_oid=None, ok=True)


# ------------------------------------------------------------ trading state


def test_trading_state_is_upserted_per_account_and_set_for_all_from_the_cli(journal: Journal) -> None:
    assert journal.load_state("a1") is None
    first = StateRow("a1", "active", "start", T0, T0, 1000.0, 1000.0, 1000.0)
    journal.save_state(first)
    journal.save_state(StateRow("a2", "active", "start", T0))
    assert journal.load_state("a1") == first

    journal.save_state(StateRow("a1", "reducing", "daily drawdown 10.5%", T0 + 1, T0, 1000.0, 1010.0, 1000.0))
    changed = journal.set_state_all(state="halted", reason="operator halt", now_ms=T0 + 2)

    assert changed == 2
    assert journal.load_state("a1") == StateRow(
        "a1", "halted", "operator halt", T0 + 2, T0, 1000.0, 1010.0, 1000.0
    )
    assert journal.load_state("a2") == StateRow("a2", "halted", "operator halt", T0 + 2)
    with pytest.raises(JournalError, match="trading state 'paused'"):
        journal.set_state_all(state="paused", reason="x", now_ms=T0)
    with pytest.raises(JournalError, match="trading state 'paused'"):
        journal.save_state(StateRow("a1", "paused", "x", T0))


def test_set_state_all_creates_no_rows(journal: Journal) -> None:
    assert journal.set_state_all(state="halted", reason="operator", now_ms=T0) == 0
    assert rows(journal, schema.trading_state) == []


def test_a_protective_stops_decision_does_not_count_as_the_last_bar(tmp_path: Path) -> None:
    """Issue 12, defect 7: a protect decision stamped mid-bar hid every later bar from the loop."""
    from alphaloop.engine import ids
    from alphaloop.journal import Journal

    journal = Journal.open(tmp_path / "j.sqlite")
    try:
        journal.start_run(
            run_id="r",
            started_ms=0,
            mode="paper",
            venue="sim",
            account="a",
            model="m",
            timeframe="1h",
            config={},
            version="t",
        )
        bar = 3_600_000 * 10
        for decision_id, at in (
            (ids.decision_id("a", "1h", bar), bar),
            (ids.protect_decision_id("a", bar + 5), bar + 5),
        ):
            journal.record_decision(
                decision_id=decision_id,
                run_id="r",
                bar_close_ms=at,
                created_ms=at,
                model="m",
                actions=[],
                explanation="x",
            )
        assert journal.last_decision_bar() == bar
    finally:
        journal.close()
