"""Orders and the AI logs that explain them: stored together, bound to the venue id, never dropped."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from alphaloop.journal import DuplicateClientOidError, Journal, JournalError, schema
from alphaloop.model import AiLog, OrderIntent, OrderType
from tests.unit.journal.builders import DECISION_ID, RUN_ID, T0, ai_log, decide, new_order

OID = "al0123456789abcde0e"


def count(journal: Journal, table: Any, **where: str) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with journal.engine.connect() as conn:
        return int(conn.scalar(query) or 0)


def test_an_order_and_its_ai_log_round_trip(journal: Journal) -> None:
    journal.store_order_with_ai_log(new_order(OID), ai_log(), now_ms=T0)

    row = journal.order(OID)
    assert row is not None
    assert (row.client_oid, row.decision_id, row.run_id, row.symbol) == (
        OID,
        DECISION_ID,
        RUN_ID,
        "BTC/USDT:USDT",
    )
    assert (row.intent, row.order_type, row.purpose) == (OrderIntent.OPEN_LONG, OrderType.MARKET, "entry")
    assert (row.amount, row.price, row.stop_loss, row.take_profit) == (
        Decimal("0.01"),
        Decimal("65000.5"),
        Decimal("63000"),
        None,
    )
    assert (row.status, row.filled, row.fee, row.venue_order_id, row.sent_ms) == (
        "pending",
        Decimal(0),
        Decimal(0),
        None,
        None,
    )
    assert (row.created_ms, row.updated_ms, row.leverage, row.is_final) == (T0, T0, 5, False)
    [stored] = journal.ai_logs()
    assert (stored.client_oid, stored.decision_id, stored.status, stored.order_id) == (
        OID,
        DECISION_ID,
        "waiting",
        None,
    )
    assert stored.log == ai_log()
    assert count(journal, schema.order_events, client_oid=OID, status="pending") == 1


def test_a_duplicate_client_oid_is_refused_and_writes_nothing(journal: Journal) -> None:
    journal.store_order_with_ai_log(new_order(OID), ai_log(), now_ms=T0)

    with pytest.raises(DuplicateClientOidError, match=OID) as info:
        journal.store_order_with_ai_log(new_order(OID, amount="0.5"), ai_log("another reason"), now_ms=T0 + 1)

    assert info.value.client_oid == OID
    assert count(journal, schema.ai_logs) == 1
    assert count(journal, schema.orders) == 1
    assert journal.order(OID).amount == Decimal("0.01")  # type: ignore[union-attr]


def test_an_order_row_left_by_someone_else_rolls_back_the_new_ai_log(journal: Journal) -> None:
    # The ai_logs insert succeeds, the orders insert then collides: the log must go too.
    with journal.engine.begin() as conn:
        conn.execute(
            schema.orders.insert().values(
                client_oid=OID,
                decision_id=DECISION_ID,
                run_id=RUN_ID,
                symbol="BTC/USDT:USDT",
                intent="open_long",
                purpose="entry",
                order_type="market",
                amount="1",
                leverage=1,
                status="pending",
                filled="0",
                fee="0",
                created_ms=T0,
                updated_ms=T0,
            )
        )

    with pytest.raises(DuplicateClientOidError):
        journal.store_order_with_ai_log(new_order(OID), ai_log(), now_ms=T0)

    assert count(journal, schema.ai_logs) == 0


def test_a_crash_between_the_log_and_the_order_leaves_neither(journal: Journal) -> None:
    class Crash(Exception):
        pass

    def crash_on_order_insert(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO orders"):
            raise Crash("power cut")

    event.listen(journal.engine, "before_cursor_execute", crash_on_order_insert)
    try:
        with pytest.raises(Crash):
            journal.store_order_with_ai_log(new_order(OID), ai_log(), now_ms=T0)
    finally:
        event.remove(journal.engine, "before_cursor_execute", crash_on_order_insert)

    assert count(journal, schema.ai_logs) == 0
    assert count(journal, schema.orders) == 0
    journal.store_order_with_ai_log(new_order(OID), ai_log(), now_ms=T0)  # the retry after restart works
    assert journal.order(OID) is not None


def test_an_order_of_an_unknown_decision_is_a_journal_error_not_a_duplicate(journal: Journal) -> None:
    with pytest.raises(JournalError, match="must be stored first") as info:
        journal.store_order_with_ai_log(new_order(OID, decision_id="dffffffffffffff"), ai_log(), now_ms=T0)

    assert not isinstance(info.value, DuplicateClientOidError)
    assert count(journal, schema.ai_logs) == 0


def test_ai_log_data_that_is_not_json_is_refused_before_anything_is_written(journal: Journal) -> None:
    log = AiLog(stage="s", model="m", input={"seen": {1, 2}}, output={}, explanation="why")

    with pytest.raises(JournalError, match=r"AI log input\.seen holds a set"):
        journal.store_order_with_ai_log(new_order(OID), log, now_ms=T0)

    assert count(journal, schema.orders) == 0
    assert count(journal, schema.ai_logs) == 0


def test_decimals_inside_ai_log_data_are_stored_as_text(journal: Journal) -> None:
    log = AiLog(stage="s", model="m", input={"price": Decimal("65000.50")}, output={}, explanation="why")

    journal.store_order_with_ai_log(new_order(OID), log, now_ms=T0)

    assert journal.ai_logs()[0].log.input == {"price": "65000.5"}


def test_an_unknown_purpose_is_refused(journal: Journal) -> None:
    with pytest.raises(JournalError, match="purpose 'hedge'"):
        journal.store_order_with_ai_log(new_order(OID, purpose="hedge"), ai_log(), now_ms=T0)


def test_sending_then_acceptance_binds_the_venue_id_and_releases_the_log(journal: Journal) -> None:
    journal.store_order_with_ai_log(new_order(OID), ai_log(), now_ms=T0)

    journal.update_order(OID, status="sent", now_ms=T0 + 10)
    assert journal.ai_logs()[0].status == "waiting"
    journal.update_order(OID, status="open", now_ms=T0 + 20, venue_order_id="712345678901234567")
    journal.update_order(
        OID,
        status="filled",
        now_ms=T0 + 30,
        filled=Decimal("0.010"),
        average_price=Decimal("65010.1"),
        fee=Decimal("0.39"),
        detail={"trade_ids": ["1", "2"]},
    )

    row = journal.order(OID)
    assert row is not None
    assert (row.status, row.venue_order_id, row.sent_ms, row.updated_ms) == (
        "filled",
        "712345678901234567",
        T0 + 10,
        T0 + 30,
    )
    assert (row.filled, row.average_price, row.fee, row.is_final) == (
        Decimal("0.01"),
        Decimal("65010.1"),
        Decimal("0.39"),
        True,
    )
    [stored] = journal.ai_logs()
    assert (stored.status, stored.order_id, stored.log.order_id) == (
        "pending",
        "712345678901234567",
        "712345678901234567",
    )
    assert count(journal, schema.order_events, client_oid=OID) == 4
    with journal.engine.connect() as conn:
        details = conn.execute(
            select(schema.order_events.c.detail).order_by(schema.order_events.c.id.desc()).limit(1)
        ).scalar_one()
    assert details == {"trade_ids": ["1", "2"], "filled": "0.01", "average_price": "65010.1", "fee": "0.39"}


def test_a_second_sent_keeps_the_first_send_time(journal: Journal) -> None:
    journal.store_order_with_ai_log(new_order(OID), ai_log(), now_ms=T0)
    journal.update_order(OID, status="sent", now_ms=T0 + 10)
    journal.update_order(OID, status="sent", now_ms=T0 + 99)

    assert journal.order(OID).sent_ms == T0 + 10  # type: ignore[union-attr]


@pytest.mark.parametrize("status", ["rejected", "not_sent"])
def test_an_order_that_never_got_a_venue_id_still_releases_its_log(journal: Journal, status: str) -> None:
    journal.store_order_with_ai_log(new_order(OID), ai_log(), now_ms=T0)

    journal.update_order(OID, status=status, now_ms=T0 + 5, error="insufficient margin")

    [stored] = journal.ai_logs()
    assert (stored.status, stored.order_id, stored.log.order_id) == ("pending", None, None)
    assert journal.order(OID).error == "insufficient margin"  # type: ignore[union-attr]


def test_an_unknown_outcome_keeps_the_log_waiting_until_resolved(journal: Journal) -> None:
    journal.store_order_with_ai_log(new_order(OID), ai_log(), now_ms=T0)
    journal.update_order(OID, status="unknown", now_ms=T0 + 5)
    assert journal.ai_logs()[0].status == "waiting"

    journal.update_order(OID, status="filled", now_ms=T0 + 50, venue_order_id="42")

    assert (journal.ai_logs()[0].status, journal.ai_logs()[0].order_id) == ("pending", "42")


def test_an_uploaded_log_is_left_alone_by_later_order_updates(journal: Journal) -> None:
    journal.store_order_with_ai_log(new_order(OID), ai_log(), now_ms=T0)
    journal.update_order(OID, status="open", now_ms=T0 + 1, venue_order_id="42")
    journal.mark_ai_log_uploaded(journal.ai_logs()[0].id, now_ms=T0 + 2)

    journal.update_order(OID, status="filled", now_ms=T0 + 3, venue_order_id="42")

    assert (journal.ai_logs()[0].status, journal.ai_logs()[0].uploaded_ms) == ("uploaded", T0 + 2)


def test_a_non_numeric_venue_id_stays_in_the_row_and_moves_to_the_logs_extra(journal: Journal) -> None:
    journal.store_order_with_ai_log(new_order(OID), ai_log(), now_ms=T0)

    journal.update_order(OID, status="open", now_ms=T0 + 1, venue_order_id="abc-123")

    [stored] = journal.ai_logs()
    assert stored.order_id == "abc-123"
    assert stored.log.order_id is None
    assert stored.log.extra == {"venue_order_id": "abc-123"}
    assert journal.order(OID).venue_order_id == "abc-123"  # type: ignore[union-attr]


def test_update_order_refuses_unknown_orders_statuses_and_a_changed_venue_id(journal: Journal) -> None:
    journal.store_order_with_ai_log(new_order(OID), ai_log(), now_ms=T0)
    journal.update_order(OID, status="open", now_ms=T0 + 1, venue_order_id="42")

    with pytest.raises(JournalError, match="no such order"):
        journal.update_order("alnope", status="open", now_ms=T0)
    with pytest.raises(JournalError, match="status 'done'"):
        journal.update_order(OID, status="done", now_ms=T0)
    with pytest.raises(JournalError, match="has venue order id '42', not '43'"):
        journal.update_order(OID, status="open", now_ms=T0 + 2, venue_order_id="43")
    assert journal.order(OID).updated_ms == T0 + 1  # type: ignore[union-attr]


def test_orders_in_doubt_are_the_ones_not_known_final(journal: Journal) -> None:
    statuses = [
        "pending",
        "sent",
        "unknown",
        "open",
        "untriggered",
        "filled",
        "canceled",
        "rejected",
        "not_sent",
    ]
    for index, status in enumerate(statuses):
        oid = f"al{index:017d}"
        journal.store_order_with_ai_log(new_order(oid), ai_log(), now_ms=T0 + index)
        if status != "pending":
            journal.update_order(oid, status=status, now_ms=T0 + 100)

    in_doubt = journal.orders_in_doubt()

    assert [row.status for row in in_doubt] == ["pending", "sent", "unknown", "open", "untriggered"]
    assert all(not row.is_final for row in in_doubt)


def test_orders_filter_by_time_and_symbol_oldest_first(journal: Journal) -> None:
    journal.store_order_with_ai_log(new_order("al1", symbol="BTC/USDT:USDT"), ai_log(), now_ms=T0 + 300)
    journal.store_order_with_ai_log(new_order("al2", symbol="ETH/USDT:USDT"), ai_log(), now_ms=T0 + 100)
    journal.store_order_with_ai_log(new_order("al3", symbol="BTC/USDT:USDT"), ai_log(), now_ms=T0 + 200)

    assert [row.client_oid for row in journal.orders()] == ["al2", "al3", "al1"]
    assert [row.client_oid for row in journal.orders(since_ms=T0 + 200)] == ["al3", "al1"]
    assert [row.client_oid for row in journal.orders(symbol="BTC/USDT:USDT")] == ["al3", "al1"]
    assert [row.client_oid for row in journal.orders(since_ms=T0 + 250, symbol="ETH/USDT:USDT")] == []


def test_last_entry_times_skip_exits_and_orders_that_never_reached_the_venue(journal: Journal) -> None:
    journal.store_order_with_ai_log(new_order("al1", symbol="BTC/USDT:USDT"), ai_log(), now_ms=T0 + 100)
    journal.store_order_with_ai_log(new_order("al2", symbol="BTC/USDT:USDT"), ai_log(), now_ms=T0 + 200)
    journal.update_order("al2", status="rejected", now_ms=T0 + 201)
    journal.store_order_with_ai_log(
        new_order("al3", symbol="BTC/USDT:USDT", intent=OrderIntent.CLOSE_LONG, purpose="exit"),
        ai_log(),
        now_ms=T0 + 300,
    )
    journal.store_order_with_ai_log(new_order("al4", symbol="ETH/USDT:USDT"), ai_log(), now_ms=T0 + 400)
    journal.store_order_with_ai_log(new_order("al5", symbol="SOL/USDT:USDT"), ai_log(), now_ms=T0 + 500)
    journal.update_order("al5", status="not_sent", now_ms=T0 + 501)

    assert journal.last_entry_ms() == {"BTC/USDT:USDT": T0 + 100, "ETH/USDT:USDT": T0 + 400}


def test_order_times_since_count_rejections_but_not_unsent_orders(journal: Journal) -> None:
    for index, status in enumerate(["filled", "rejected", "not_sent", "pending"]):
        oid = f"al{index}"
        journal.store_order_with_ai_log(new_order(oid), ai_log(), now_ms=T0 + 100 * (index + 1))
        if status != "pending":
            journal.update_order(oid, status=status, now_ms=T0 + 1_000)

    assert journal.order_times_since(T0 + 150) == [T0 + 200, T0 + 400]
    assert journal.order_times_since(T0) == [T0 + 100, T0 + 200, T0 + 400]


def test_orders_survive_closing_and_reopening_the_journal(journal: Journal, journal_path: Path) -> None:
    journal.store_order_with_ai_log(new_order(OID), ai_log(), now_ms=T0)
    journal.update_order(OID, status="open", now_ms=T0 + 1, venue_order_id="42")
    before = (journal.order(OID), journal.ai_logs())
    journal.close()

    with Journal.open(journal_path) as reopened:
        assert (reopened.order(OID), reopened.ai_logs()) == before
        decide(reopened, "d2", bar_close_ms=T0 + 3_600_000)
        assert reopened.last_decision_bar() == T0 + 3_600_000
