"""Crash safety of the trading cycle: orders journaled but never sent, answers lost after the
venue executed, restarts on the same journal, and transient refusals. One order per client_oid,
ever, and no AI log is ever lost."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from alphaloop.engine import ids
from alphaloop.engine.ailogs import DECISION_STAGE
from alphaloop.journal import NewOrder
from alphaloop.model import AiLog, OrderIntent, OrderType
from alphaloop.venues.sim.venue import SimVenue
from tests.kit.trading import (
    ACCOUNT,
    BTC,
    ETH,
    START_MS,
    FaultyVenue,
    ScriptedModel,
    close,
    events,
    open_long,
    open_short,
    start_rig,
    start_run,
    steps,
    table_rows,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


def faulty(*faults: str | None) -> Callable[[SimVenue], FaultyVenue]:
    return lambda venue: FaultyVenue(venue, faults)


# ---------------------------------------------------------------------- crash before sending


@pytest.mark.parametrize("last_status", ["pending", "sent"])
async def test_an_order_journaled_but_never_sent_becomes_not_sent_and_its_log_is_uploaded(
    tmp_path: Path, last_status: str
) -> None:
    rig = await start_rig(tmp_path, ScriptedModel(steps()), started=False)
    # what the crashed process left: its decision, the order and its AI log (one transaction)
    start_run(rig.journal, "run-crashed", START_MS - 3_600_000, "scripted@1")
    decision_id = ids.decision_id(ACCOUNT, "1h", START_MS)
    client_oid = ids.client_oid(decision_id, 0, "e")
    rig.journal.record_decision(
        decision_id=decision_id,
        run_id="run-crashed",
        bar_close_ms=START_MS,
        created_ms=START_MS,
        model="scripted@1",
        actions=[{"symbol": BTC, "action": "open_long"}],
        explanation="BTC breaks out",
    )
    log = AiLog(
        stage=DECISION_STAGE,
        model="scripted@1",
        input={"symbol": BTC},
        output={"order": {"client_oid": client_oid, "size": "0.01"}},
        explanation="Open long 0.01 BTC at market. BTC breaks out.",
    )
    order = NewOrder(
        client_oid=client_oid,
        decision_id=decision_id,
        run_id="run-crashed",
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        purpose="entry",
        order_type=OrderType.MARKET,
        amount=Decimal("0.01"),
        price=Decimal(105_000),
        leverage=5,
        stop_loss=Decimal(102_000),
    )
    rig.journal.store_order_with_ai_log(order, log, now_ms=START_MS)
    if last_status == "sent":  # it died inside the call, before the request left
        rig.journal.update_order(client_oid, status="sent", now_ms=START_MS)
    [stored] = rig.journal.ai_logs()
    assert stored.status == "waiting"

    await rig.trader.start()  # reconciles before anything else

    row = rig.journal.order(client_oid)
    assert row is not None
    assert row.status == "not_sent"
    assert row.venue_order_id is None
    [released] = rig.journal.ai_logs()
    assert (released.status, released.order_id) == ("pending", None)
    assert any(client_oid in e["message"] for e in events(rig.journal, "reconcile"))

    await rig.step()
    [uploaded] = rig.journal.ai_logs()
    assert (uploaded.status, uploaded.order_id) == ("uploaded", None)
    [at_venue] = rig.replay.venue.ai_logs
    assert at_venue.order_id is None
    assert at_venue.explanation == log.explanation
    assert rig.orders_with_client_oid(client_oid) == []
    assert rig.exchange_orders() == []


# ---------------------------------------------------------------------- the answer is lost


async def test_a_lost_answer_is_resolved_by_client_oid_and_never_sent_twice(tmp_path: Path) -> None:
    rig = await start_rig(tmp_path, ScriptedModel(steps([open_long(BTC)])), wrap=faulty("lose_answer"))
    venue: FaultyVenue = rig.venue
    [report] = await rig.step()
    assert report.unknown == 1
    assert report.sent == 0
    [entry] = [o for o in rig.journal.orders(symbol=BTC) if o.purpose == "entry"]
    assert entry.status == "unknown"
    assert entry.venue_order_id is None
    [executed] = rig.orders_with_client_oid(entry.client_oid)  # the venue did execute it
    [log] = [log for log in rig.journal.ai_logs() if log.client_oid == entry.client_oid]
    assert (log.status, log.order_id) == ("waiting", None)
    assert executed.id not in [u.order_id for u in rig.replay.venue.ai_logs]
    assert len(events(rig.journal, "unknown_outcome")) == 1

    await rig.step()  # reconciles first
    entry_now = rig.journal.order(entry.client_oid)
    assert entry_now is not None
    assert entry_now.status == "filled"
    assert entry_now.venue_order_id == executed.id
    assert entry_now.filled == executed.filled
    [log] = [log for log in rig.journal.ai_logs() if log.client_oid == entry.client_oid]
    assert (log.status, log.order_id) == ("uploaded", executed.id)
    assert [u.order_id for u in rig.replay.venue.ai_logs].count(executed.id) == 1

    await rig.step(2)
    assert len(rig.orders_with_client_oid(entry.client_oid)) == 1
    assert [r.client_order_id for r in venue.create_calls].count(entry.client_oid) == 1
    assert len([o for o in rig.exchange_orders() if o.symbol == BTC and not o.trigger_order_id]) == 1


async def test_a_lost_answer_leaves_the_position_with_the_models_stop_only(tmp_path: Path) -> None:
    model = ScriptedModel(
        lambda n, snap: (
            [open_long(BTC, stop_loss=snap.symbols[BTC].candles.last_close * 0.95)] if n == 0 else []
        )
    )
    rig = await start_rig(tmp_path, model, wrap=faulty("lose_answer"))
    await rig.step(2)
    [entry] = [o for o in rig.journal.orders() if o.purpose == "entry"]
    stops = [t for t in rig.replay.exchange.trigger_orders("replay") if t.kind.value == "stop_loss"]
    assert [t.trigger_price for t in stops] == [entry.stop_loss]


async def test_a_lost_request_is_found_absent_and_its_log_uploaded_without_order_id(tmp_path: Path) -> None:
    rig = await start_rig(tmp_path, ScriptedModel(steps([open_long(BTC)])), wrap=faulty("lose_request"))
    [report] = await rig.step()
    assert report.unknown == 1
    [entry] = rig.journal.orders()
    assert rig.exchange_orders() == []
    await rig.step()
    row = rig.journal.order(entry.client_oid)
    assert row is not None
    assert row.status == "not_sent"
    [log] = rig.journal.ai_logs()
    assert (log.status, log.order_id) == ("uploaded", None)
    assert [u.order_id for u in rig.replay.venue.ai_logs] == [None]
    assert rig.exchange_orders() == []


async def test_no_new_order_while_an_outcome_cannot_be_resolved(tmp_path: Path) -> None:
    model = ScriptedModel(steps([open_long(BTC)], [open_long(ETH)], [open_long(ETH)]))
    rig = await start_rig(tmp_path, model, wrap=faulty("lose_answer"))
    venue: FaultyVenue = rig.venue
    await rig.step()
    venue.fetch_order_failures = 1
    [held] = await rig.step()
    assert held.sent == 0
    assert held.notes
    assert rig.journal.orders(symbol=ETH) == []
    decision = next(d for d in table_rows(rig.journal, "decisions") if d["id"] == held.decision_id)
    assert decision["error"]
    assert len(model.snapshots) == 1  # not even asked while in doubt
    # resolved on the next bar; the model decides again
    [resumed] = await rig.step()
    assert resumed.sent == 1
    entries = [o for o in rig.journal.orders() if o.purpose == "entry"]
    assert [(o.symbol, o.status) for o in entries] == [(BTC, "filled"), (ETH, "filled")]


# ---------------------------------------------------------------------- restart on the same journal


async def test_a_restarted_trader_never_decides_a_bar_twice(tmp_path: Path) -> None:
    model_a = ScriptedModel(steps([open_long(BTC)], [], []))
    rig = await start_rig(tmp_path, model_a)
    await rig.step(3)
    orders_before = len(rig.exchange_orders())
    assert orders_before == 1
    decided_bar = rig.closes[rig.position - 1]

    model_b = ScriptedModel(steps([open_long(ETH)], [close(BTC)]))
    trader_b = rig.new_trader(model_b, run_id="run-b")
    await trader_b.start()
    report = await trader_b.cycle(decided_bar)
    assert report.already_decided
    assert report.sent == 0
    assert model_b.snapshots == []  # never even asked
    assert len(rig.exchange_orders()) == orders_before
    assert rig.journal.has_decision(ids.decision_id(ACCOUNT, "1h", decided_bar))

    # the next bar is new: B decides it and manages A's position
    rig.trader = trader_b
    [fresh] = await rig.step()
    assert not fresh.already_decided
    assert fresh.sent == 1
    assert len(rig.exchange_orders()) == orders_before + 1
    [btc] = [p for p in rig.replay.exchange.positions("replay") if p.symbol == BTC]
    assert btc.size > 0
    await rig.step()
    assert [p.symbol for p in rig.replay.exchange.positions("replay")] == [ETH]
    runs = {row["run_id"] for row in table_rows(rig.journal, "orders")}
    assert runs == {"run-a", "run-b"}


# ---------------------------------------------------------------------- refusals


async def test_a_rejected_order_is_final_and_its_log_uploaded_without_order_id(tmp_path: Path) -> None:
    model = ScriptedModel(steps([open_long(BTC), open_short(ETH)]))
    rig = await start_rig(tmp_path, model, wrap=faulty("reject"))
    [report] = await rig.step()
    assert (report.rejected, report.sent) == (1, 1)
    rejected, accepted = rig.journal.orders()
    assert (rejected.symbol, rejected.status, rejected.venue_order_id) == (BTC, "rejected", None)
    assert rejected.error is not None
    assert "size is invalid" in rejected.error
    assert (accepted.symbol, accepted.status) == (ETH, "filled")
    logs = {log.client_oid: log for log in rig.journal.ai_logs()}
    assert (logs[rejected.client_oid].status, logs[rejected.client_oid].order_id) == ("uploaded", None)
    assert (logs[accepted.client_oid].status, logs[accepted.client_oid].order_id) == (
        "uploaded",
        accepted.venue_order_id,
    )
    assert sorted(u.order_id or "" for u in rig.replay.venue.ai_logs) == ["", accepted.venue_order_id]
    await rig.step()
    assert rig.journal.order(rejected.client_oid) == rejected


async def test_a_rate_limited_order_is_resolved_by_client_oid_and_sent_again_within_the_bar(
    tmp_path: Path,
) -> None:
    rig = await start_rig(tmp_path, ScriptedModel(steps([open_long(BTC)])), wrap=faulty("refuse"))
    venue: FaultyVenue = rig.venue
    [report] = await rig.step()
    assert report.sent == 1
    assert len(venue.create_calls) == 2
    [entry] = [o for o in rig.journal.orders() if o.purpose == "entry"]
    assert entry.status == "filled"
    assert len(rig.orders_with_client_oid(entry.client_oid)) == 1
    calls = [c for c in table_rows(rig.journal, "api_calls") if c["client_oid"] == entry.client_oid]
    assert [c["ok"] for c in calls] == [False, True]
    assert events(rig.journal, "rate_limited")
    [log] = [log for log in rig.journal.ai_logs() if log.client_oid == entry.client_oid]
    assert (log.status, log.order_id) == ("uploaded", entry.venue_order_id)


async def test_an_order_the_venue_took_despite_its_429_is_found_and_never_sent_twice(tmp_path: Path) -> None:
    rig = await start_rig(tmp_path, ScriptedModel(steps([open_long(BTC)])), wrap=faulty("accept_then_refuse"))
    venue: FaultyVenue = rig.venue
    [report] = await rig.step()
    assert report.sent == 1
    assert len(venue.create_calls) == 1
    [entry] = [o for o in rig.journal.orders() if o.purpose == "entry"]
    assert entry.status == "filled"
    assert len(rig.orders_with_client_oid(entry.client_oid)) == 1


async def test_an_order_refused_on_every_attempt_is_given_up_for_the_bar(tmp_path: Path) -> None:
    rig = await start_rig(
        tmp_path, ScriptedModel(steps([open_long(BTC)])), wrap=faulty("refuse", "refuse", "refuse")
    )
    venue: FaultyVenue = rig.venue
    [report] = await rig.step()
    assert report.sent == 0
    assert len(venue.create_calls) == 3
    assert rig.exchange_orders() == []
    [entry] = rig.journal.orders()
    assert entry.status == "not_sent"
    assert "too many requests" in (entry.error or "")
    await rig.step(2)
    assert len(venue.create_calls) == 3
    assert rig.journal.order(entry.client_oid) == entry
