"""Semi-automatic trading and flatten inside the trader (engine/approval.py), on the in-process
replay with a real SQLite journal: parked orders, approval, veto, expiry, re-gating, flatten."""

from __future__ import annotations

from pathlib import Path

import pytest

from alphaloop.engine.approval import ApprovalPolicy, OperatorDesk
from alphaloop.engine.replay import REPLAY_ACCOUNT
from alphaloop.ops import console
from tests.kit.trading import (
    BTC,
    ETH,
    HOUR_MS,
    Rig,
    ScriptedModel,
    close,
    events,
    open_long,
    open_short,
    start_rig,
    steps,
    table_rows,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


async def semi_automatic(
    tmp_path: Path, *plan: object, mode: str = "entries", expiry_ms: int = 15 * 60_000
) -> Rig:
    rig = await start_rig(tmp_path, ScriptedModel(steps(*plan)))  # type: ignore[arg-type]
    rig.trader.desk = OperatorDesk(rig.trader, ApprovalPolicy(mode, expiry_ms), HOUR_MS)  # type: ignore[arg-type]
    return rig


def venue_oids(rig: Rig) -> list[str]:
    return [o.client_order_id for o in rig.replay.exchange.orders(REPLAY_ACCOUNT) if o.client_order_id]


async def test_an_entry_waits_parked_until_approved_then_goes_out_once_with_a_human_in_its_ai_log(
    tmp_path: Path,
) -> None:
    rig = await semi_automatic(tmp_path, [open_long(BTC)])
    await rig.step()
    [parked] = console.approvals(rig.journal, status="pending")
    assert parked.symbol == BTC
    assert rig.journal.orders() == []  # not an order yet: nothing can send it
    assert venue_oids(rig) == []
    assert len(events(rig.journal, "approval_waiting")) == 1
    console.approve(rig.journal, parked.client_oid, by="alice", now_ms=rig.now)
    await rig.trader.maintain()
    await rig.trader.maintain()  # a second pass must not send it again
    assert venue_oids(rig) == [parked.client_oid]
    [row] = console.approvals(rig.journal)
    assert (row.status, row.decided_by) == ("sent", "alice")
    [log] = [log for log in rig.journal.ai_logs() if log.client_oid == parked.client_oid]
    assert "A human operator (alice) approved this AI-planned order at" in log.log.explanation
    assert log.log.output["approved_by"] == "alice"
    assert log.status == "uploaded"


async def test_a_veto_or_an_expiry_means_never_sent(tmp_path: Path) -> None:
    rig = await semi_automatic(tmp_path, [open_long(BTC), open_short(ETH)], expiry_ms=HOUR_MS // 4)
    await rig.step()
    btc, eth = sorted(console.approvals(rig.journal, status="pending"), key=lambda a: a.symbol)
    console.veto(rig.journal, eth.client_oid, by="bob", reason="too risky", now_ms=rig.now)
    await rig.step()  # an hour later: the BTC entry expired unsent
    statuses = {a.symbol: a.status for a in console.approvals(rig.journal)}
    assert statuses == {BTC: "expired", ETH: "vetoed"}
    assert venue_oids(rig) == []
    assert rig.journal.orders() == []
    with pytest.raises(console.ConsoleError, match=r"expired|not pending"):
        console.approve(rig.journal, btc.client_oid, by="late", now_ms=rig.now)
    with pytest.raises(console.ConsoleError, match="no order waiting"):
        console.approve(rig.journal, "al-unknown", by="x", now_ms=rig.now)


async def test_an_approved_order_is_re_gated_and_a_halt_meanwhile_denies_it(tmp_path: Path) -> None:
    rig = await semi_automatic(tmp_path, [open_long(BTC)])
    await rig.step()
    [parked] = console.approvals(rig.journal, status="pending")
    console.approve(rig.journal, parked.client_oid, by="alice", now_ms=rig.now)
    console.halt(rig.journal, reason="news", by="bob", now_ms=rig.now)
    await rig.trader.maintain()
    [row] = console.approvals(rig.journal)
    assert row.status == "denied"
    assert venue_oids(rig) == []
    assert any("re-gated" in row["message"] for row in table_rows(rig.journal, "denials"))


async def test_exits_need_no_approval_in_entries_mode_but_do_in_manual(tmp_path: Path) -> None:
    rig = await semi_automatic(tmp_path / "a", [open_long(BTC)], [close(BTC)], mode="entries")
    await rig.step()
    [parked] = console.approvals(rig.journal, status="pending")
    console.approve(rig.journal, parked.client_oid, by="alice", now_ms=rig.now)
    await rig.trader.maintain()
    await rig.step()
    exits = [o for o in rig.journal.orders() if o.purpose == "exit"]
    assert len(exits) == 1
    assert exits[0].status == "filled"

    manual = await semi_automatic(tmp_path / "b", [open_long(BTC)], [close(BTC)], mode="manual")
    await manual.step()
    [entry] = console.approvals(manual.journal, status="pending")
    console.approve(manual.journal, entry.client_oid, by="alice", now_ms=manual.now)
    await manual.trader.maintain()
    await manual.step()
    [waiting] = console.approvals(manual.journal, status="pending")
    assert waiting.purpose == "exit"
    assert [o.purpose for o in manual.journal.orders() if o.purpose != "stop_loss"] == ["entry"]


async def test_flatten_closes_every_position_and_cancels_every_order_each_close_with_its_ai_log(
    tmp_path: Path,
) -> None:
    rig = await start_rig(tmp_path, ScriptedModel(steps([open_long(BTC), open_short(ETH)])))
    await rig.step()
    assert {p.symbol for p in rig.replay.exchange.positions(REPLAY_ACCOUNT) if p.size > 0} == {BTC, ETH}
    number = console.flatten(rig.journal, reason="going to sleep", by="carol", now_ms=rig.now)
    assert rig.journal.load_state(rig.trader.account).state == "halted"  # type: ignore[union-attr]
    await rig.trader.maintain()
    assert [p for p in rig.replay.exchange.positions(REPLAY_ACCOUNT) if p.size > 0] == []
    assert rig.replay.exchange.trigger_orders(REPLAY_ACCOUNT) == []
    request = console.request(rig.journal, number)
    assert request is not None
    assert request.status == "done"
    closes = [o for o in rig.journal.orders() if o.decision_id != rig.journal.orders()[0].decision_id]
    assert {o.symbol for o in closes} == {BTC, ETH}
    assert all(o.status == "filled" and o.purpose == "exit" for o in closes)
    logs = {log.client_oid: log for log in rig.journal.ai_logs()}
    for order in closes:
        assert "flatten" in logs[order.client_oid].log.explanation
        assert "carol" in logs[order.client_oid].log.explanation
    # done once: another pass sends nothing more
    sent = len(venue_oids(rig))
    await rig.trader.maintain()
    assert len(venue_oids(rig)) == sent


async def test_an_approval_the_trader_could_not_act_on_in_time_is_not_sent_late(tmp_path: Path) -> None:
    rig = await semi_automatic(tmp_path, [open_long(BTC)], expiry_ms=HOUR_MS // 4)
    await rig.step()
    [parked] = console.approvals(rig.journal, status="pending")
    console.approve(rig.journal, parked.client_oid, by="alice", now_ms=rig.now)
    await rig.step()  # the trader's next pass comes an hour later: the market it was planned for is gone
    [row] = console.approvals(rig.journal)
    assert (row.status, row.outcome) == ("expired", "approved, but not sent in time")
    assert venue_oids(rig) == []


async def test_a_newer_plan_for_the_symbol_supersedes_an_undecided_one(tmp_path: Path) -> None:
    rig = await semi_automatic(tmp_path, [open_long(BTC)], [open_long(BTC)], expiry_ms=3 * HOUR_MS)
    await rig.step(2)
    rows = {a.status: a for a in console.approvals(rig.journal)}
    assert set(rows) == {"pending", "expired"}
    assert rows["expired"].outcome == f"superseded by {rows['pending'].client_oid}"


async def test_a_flatten_whose_closes_the_venue_refuses_is_reported_failed_not_done(tmp_path: Path) -> None:
    """Flatten during venue faults: a close answered 5xx leaves the position open, so the
    request must say failed (the operator acts again), never 'done: closed ...'."""
    from alphaloop.model import TransientError

    rig = await start_rig(tmp_path, ScriptedModel(steps([open_long(BTC)])))
    await rig.step()
    number = console.flatten(rig.journal, reason="storm", by="dave", now_ms=rig.now)
    venue = rig.trader.venue
    real_create = venue.create_order

    async def refused(request: object) -> object:
        raise TransientError("503 from the venue (injected)")

    venue.create_order = refused  # type: ignore[method-assign]
    await rig.trader.desk.process(rig.reports[-1])
    venue.create_order = real_create  # type: ignore[method-assign]
    assert [p.symbol for p in rig.replay.exchange.positions(REPLAY_ACCOUNT) if p.size > 0] == [BTC]
    request = console.request(rig.journal, number)
    assert request is not None
    assert request.status == "failed", request
    assert "closed" not in (request.outcome or "").split(";")[-1]
    assert BTC in (request.outcome or "")


async def test_a_flatten_whose_cancel_the_venue_refuses_is_reported_failed(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from alphaloop.model import CancelResult

    rig = await start_rig(tmp_path, ScriptedModel(steps([])))
    await rig.step()
    number = console.flatten(rig.journal, reason="storm", by="dave", now_ms=rig.now)
    venue = rig.trader.venue
    resting = SimpleNamespace(symbol=BTC, id="777", client_order_id=None)

    async def open_orders() -> list[object]:
        return [resting]

    async def refuse(symbol: str, *, order_id: str) -> CancelResult:
        return CancelResult(order_id, None, False, "order is locked")

    venue.fetch_open_orders = open_orders  # type: ignore[method-assign]
    venue.cancel_order = refuse  # type: ignore[method-assign,assignment]
    await rig.trader.desk.process(rig.reports[-1])
    request = console.request(rig.journal, number)
    assert request is not None
    assert request.status == "failed", request
    assert "777" in (request.outcome or "")
    assert "cancelled order 777" not in (request.outcome or "")
