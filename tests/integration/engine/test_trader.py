"""The trading cycle over the in-process replay of real bars, with a real SQLite journal:
orders and their AI logs, venue-side stops, model failures, risk denials and trading states."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from alphaloop.engine.ailogs import RISK_STAGE
from alphaloop.engine.replay import REPLAY_ACCOUNT
from alphaloop.journal import StateRow
from alphaloop.model import PositionSide, format_decimal
from alphaloop.model.snapshot import Snapshot
from alphaloop.ops.control import resume
from alphaloop.risk import RiskLimits, TradingState
from tests.kit.trading import (
    ACCOUNT,
    BTC,
    ETH,
    HOUR_MS,
    SOL,
    LeftoverStopVenue,
    Rig,
    ScriptedModel,
    Step,
    close,
    events,
    failing,
    last_position_snapshot,
    open_long,
    open_short,
    start_rig,
    steps,
    table_rows,
    trader_config,
)

pytestmark = pytest.mark.integration


# ---------------------------------------------------------------------- a replayed run


def open_and_close(n: int, snapshot: Snapshot) -> Step:
    """Every 4 bars: open a BTC long (the model's stop and target; every other time a stop so
    tight that the venue fires it) and an ETH short (the engine's stop); close both two bars later."""
    if n % 4 == 0:
        last = snapshot.symbols[BTC].candles.last_close
        stop = last * (0.997 if n % 8 == 0 else 0.96)
        return [open_long(BTC, stop_loss=stop, take_profit=last * 1.06), open_short(ETH)]
    if n % 4 == 2:
        return [close(BTC), close(ETH)]
    return []


@dataclass
class ReplayedRun:
    rig: Rig
    model: ScriptedModel


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplayedRun]:
    """70 bars, about three days (the last two with both positions open), run once for the tests below."""

    async def run() -> ReplayedRun:
        model = ScriptedModel(open_and_close)
        rig = await start_rig(tmp_path_factory.mktemp("replayed"), model)
        await rig.step(70)
        return ReplayedRun(rig, model)

    result = asyncio.run(run())
    yield result
    result.rig.journal.close()


def test_every_order_has_an_ai_log_bound_to_its_venue_order_and_uploaded(replayed: ReplayedRun) -> None:
    journal, venue = replayed.rig.journal, replayed.rig.replay.venue
    orders = journal.orders()
    assert len(orders) >= 50  # 18 rounds of an entry and an exit on two symbols, less the stop-outs
    assert {o.purpose for o in orders} == {"entry", "exit"}
    assert all(o.status == "filled" and o.venue_order_id for o in orders)
    logs = {log.client_oid: log for log in journal.ai_logs()}
    uploaded_ids = [log.order_id for log in venue.ai_logs]
    for order in orders:
        log = logs[order.client_oid]
        assert log.order_id == order.venue_order_id
        assert log.status == "uploaded"
        assert log.log.output["order"]["size"] == format_decimal(order.amount)
        assert log.log.output["order"]["client_oid"] == order.client_oid
        assert uploaded_ids.count(order.venue_order_id) == 1
    # the venue holds exactly the journal's orders, each with our client_oid
    venue_orders = [o for o in replayed.rig.exchange_orders() if not o.trigger_order_id]
    assert {o.client_order_id: o.id for o in venue_orders} == {o.client_oid: o.venue_order_id for o in orders}
    assert len(venue_orders) == len(orders)
    counts = journal.ai_log_counts()
    assert counts.coverage_uploaded == 1.0
    assert counts.waiting == counts.pending == 0


def test_the_model_sees_closed_bars_only(replayed: ReplayedRun) -> None:
    closes = replayed.rig.closes[:70]
    assert [s.timestamp for s in replayed.model.snapshots] == closes
    for snapshot in replayed.model.snapshots:
        for view in snapshot.symbols.values():
            assert len(view.candles) == ScriptedModel.lookback
            assert int(view.candles.ts[-1]) == snapshot.timestamp - HOUR_MS


def test_journal_positions_match_the_venue_with_verified_stops(replayed: ReplayedRun) -> None:
    rig = replayed.rig
    venue_positions = rig.replay.exchange.positions(REPLAY_ACCOUNT)
    assert {(p.symbol, p.side.value) for p in venue_positions} == {(BTC, "long"), (ETH, "short")}
    snapshot = last_position_snapshot(rig.journal)
    assert {key: Decimal(row["size"]) for key, row in snapshot.items()} == {
        (p.symbol, p.side.value): p.size for p in venue_positions
    }
    stops = {
        (t.symbol, t.position_side.value): t.trigger_price
        for t in rig.replay.exchange.trigger_orders(REPLAY_ACCOUNT)
        if t.kind.value == "stop_loss"
    }
    assert {key: Decimal(row["stop_loss"]) for key, row in snapshot.items()} == stops


def test_preset_stops_are_recognised_so_no_extra_stop_orders_are_sent(replayed: ReplayedRun) -> None:
    rig = replayed.rig
    assert sum(r.stops_placed for r in rig.reports) == 0
    assert [o for o in rig.journal.orders() if o.purpose == "stop_loss"] == []
    assert events(rig.journal, "stop_replaced") == []
    # each entry's stop is at the venue: the model's for BTC, the engine default for ETH
    entries = {o.symbol: o for o in rig.journal.orders() if o.purpose == "entry"}
    resting = {
        t.symbol: t
        for t in rig.replay.exchange.trigger_orders(REPLAY_ACCOUNT)
        if t.kind.value == "stop_loss" and t.client_order_id is None
    }
    assert set(resting) == {BTC, ETH}
    for symbol, trigger in resting.items():
        assert trigger.trigger_price == entries[symbol].stop_loss
    btc_entry = entries[BTC]
    assert btc_entry.price is not None
    assert btc_entry.stop_loss is not None
    assert btc_entry.stop_loss < btc_entry.price * Decimal("0.961")  # the model's 4 %, not the default 3 %


def test_stops_fired_by_the_venue_are_journaled_and_the_late_close_is_skipped(replayed: ReplayedRun) -> None:
    rig = replayed.rig
    stopped = [o for o in rig.exchange_orders() if o.trigger_order_id]
    assert len(stopped) >= 2  # the tight stops did fire
    skips = [e["message"] for e in events(rig.journal, "skip")]
    assert len(skips) == len(stopped)
    assert all(m == f"{BTC}: CLOSE without an open position" for m in skips)
    fills = {f["venue_order_id"]: f for f in table_rows(rig.journal, "fills")}
    for order in stopped:
        assert fills[order.id]["client_oid"] is None  # the venue's order, explained by its entry's log
    # one exit per entry: by the model, or by the venue's stop
    entries = [o for o in rig.journal.orders(symbol=BTC) if o.purpose == "entry"]
    exits = [o for o in rig.journal.orders(symbol=BTC) if o.purpose == "exit"]
    assert len(exits) + len(stopped) == len(entries) - 1  # the last one is still open


def test_every_call_is_journaled_and_every_fill_is_ours(replayed: ReplayedRun) -> None:
    rig = replayed.rig
    calls = table_rows(rig.journal, "api_calls")
    assert sorted(c["client_oid"] for c in calls) == sorted(o.client_oid for o in rig.journal.orders())
    assert all(c["ok"] and c["kind"] == "order" for c in calls)
    fills = table_rows(rig.journal, "fills")
    ours = {o.client_oid for o in rig.journal.orders()}
    by_engine = [f for f in fills if f["client_oid"] is not None]
    assert {f["client_oid"] for f in by_engine} == ours
    assert len(fills) == len(rig.replay.exchange.fills(REPLAY_ACCOUNT))


# ---------------------------------------------------------------------- venue-side stops


@pytest.mark.asyncio
@pytest.mark.parametrize("side", [PositionSide.LONG, PositionSide.SHORT])
async def test_a_position_without_stop_gets_one_at_the_venue_with_its_own_ai_log(
    tmp_path: Path, side: PositionSide
) -> None:
    rig = await start_rig(tmp_path, ScriptedModel(steps()))
    rig.open_directly(SOL, side, "10")
    [report] = await rig.step()
    assert report.stops_placed == 1
    [stop_row] = [o for o in rig.journal.orders() if o.purpose == "stop_loss"]
    assert stop_row.status == "untriggered"
    assert stop_row.amount == Decimal(10)
    [trigger] = rig.replay.exchange.trigger_orders(REPLAY_ACCOUNT)
    assert trigger.kind.value == "stop_loss"
    assert trigger.id == stop_row.venue_order_id
    assert trigger.client_order_id == stop_row.client_oid
    assert trigger.size == Decimal(10)
    last = rig.replay.exchange.market(SOL).last
    # the engine default: 3 % on the losing side
    expected = last * (Decimal("0.97") if side is PositionSide.LONG else Decimal("1.03"))
    assert abs(trigger.trigger_price - expected) <= Decimal("0.01")
    assert (trigger.trigger_price < last) == (side is PositionSide.LONG)
    [log] = [log for log in rig.journal.ai_logs() if log.client_oid == stop_row.client_oid]
    assert log.log.stage == RISK_STAGE
    assert log.order_id == trigger.id
    assert log.status == "uploaded"
    assert [u.order_id for u in rig.replay.venue.ai_logs] == [trigger.id]
    assert log.log.output["order"]["trigger_price"] == format_decimal(stop_row.trigger_price or Decimal(0))
    assert len(events(rig.journal, "stop_replaced")) == 1
    # covered now: the next bars add nothing
    await rig.step(2)
    assert sum(r.stops_placed for r in rig.reports) == 1
    assert len(rig.replay.exchange.trigger_orders(REPLAY_ACCOUNT)) == 1


@pytest.mark.asyncio
async def test_an_orphaned_stop_is_cancelled(tmp_path: Path) -> None:
    rig = await start_rig(tmp_path, ScriptedModel(steps()), wrap=LeftoverStopVenue)
    venue: LeftoverStopVenue = rig.venue
    rig.open_directly(ETH, PositionSide.LONG, "1")
    await rig.step()  # the trader protects it
    [stop] = await venue.fetch_trigger_orders()
    # the position is closed by hand; the venue keeps listing its stop
    venue.leave_behind(stop)
    rig.replay.exchange.close_positions(REPLAY_ACCOUNT, symbol=ETH, now_ms=rig.now)
    assert rig.replay.exchange.positions(REPLAY_ACCOUNT) == []
    [report] = await rig.step()
    assert report.orphans_cancelled == 1
    assert venue.cancelled == [stop.id]
    assert await venue.fetch_trigger_orders() == []
    [event] = events(rig.journal, "orphan_cancelled")
    assert event["detail"]["order_id"] == stop.id
    cancels = [c for c in table_rows(rig.journal, "api_calls") if c["kind"] == "cancel"]
    assert [(c["client_oid"], c["ok"]) for c in cancels] == [(stop.client_order_id, True)]
    await rig.step()
    assert venue.cancelled == [stop.id]


@pytest.mark.asyncio
async def test_the_stop_of_a_position_in_a_symbol_not_traded_is_left_alone(tmp_path: Path) -> None:
    config = trader_config(symbols=(BTC, ETH))
    rig = await start_rig(tmp_path, ScriptedModel(steps()), config=config)
    rig.open_directly(SOL, PositionSide.LONG, "10")
    last = rig.replay.exchange.market(SOL).last
    stop = await rig.replay.venue.create_stop_loss(
        SOL, PositionSide.LONG, trigger_price=last * Decimal("0.9"), amount=Decimal(10)
    )
    await rig.step()
    assert [t.id for t in rig.replay.exchange.trigger_orders(REPLAY_ACCOUNT)] == [stop.id]


# ---------------------------------------------------------------------- the model fails


@pytest.mark.asyncio
async def test_a_failing_model_is_a_journaled_hold_without_orders(tmp_path: Path) -> None:
    rig = await start_rig(tmp_path, ScriptedModel(steps(failing("the answer was not JSON"))))
    [report] = await rig.step()
    assert report.sent == 0
    assert rig.exchange_orders() == []
    [decision] = table_rows(rig.journal, "decisions")
    assert decision["id"] == report.decision_id
    assert decision["error"] is not None
    assert "the answer was not JSON" in decision["error"]
    assert decision["actions"] == []
    [event] = events(rig.journal, "model_error")
    assert "the answer was not JSON" in event["message"]
    assert rig.journal.orders() == []
    assert rig.journal.ai_logs() == []


# ---------------------------------------------------------------------- the risk gate


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("limits", "rule"),
    [
        (RiskLimits(symbols=(ETH,)), "symbol_not_allowed"),
        (RiskLimits(max_leverage=3), "leverage"),
        (RiskLimits(max_risk_per_trade=0.001), "risk_per_trade"),
    ],
)
async def test_a_denied_order_is_journaled_and_never_sent(
    tmp_path: Path, limits: RiskLimits, rule: str
) -> None:
    rig = await start_rig(tmp_path, ScriptedModel(steps([open_long(BTC)])), limits=limits)
    [report] = await rig.step()
    assert report.denied == 1
    assert report.sent == 0
    [denial] = table_rows(rig.journal, "denials")
    assert denial["rule"] == rule
    assert denial["symbol"] == BTC
    assert denial["decision_id"] == report.decision_id
    assert denial["proposal"]["intent"] == "open_long"
    assert denial["message"]
    assert rig.exchange_orders() == []
    assert rig.journal.orders() == []
    assert rig.journal.ai_logs() == []
    assert rig.replay.venue.ai_logs == []


# ---------------------------------------------------------------------- trading states


@pytest.mark.asyncio
async def test_halted_trading_sends_no_entries_but_exits_and_stop_upkeep_go_on(tmp_path: Path) -> None:
    script = steps([open_long(BTC), open_long(ETH)], [open_long(SOL), close(BTC)], [open_long(BTC)])
    rig = await start_rig(tmp_path, ScriptedModel(script))
    await rig.step()
    assert sorted(p.symbol for p in rig.replay.exchange.positions(REPLAY_ACCOUNT)) == sorted([BTC, ETH])
    assert rig.journal.set_state_all(state="halted", reason="operator: halt", now_ms=rig.now) == 1
    sent_before = len(rig.exchange_orders())
    await rig.step(2)
    # the exit of BTC went through; the entries (SOL, BTC again) were denied
    assert [p.symbol for p in rig.replay.exchange.positions(REPLAY_ACCOUNT)] == [ETH]
    denials = table_rows(rig.journal, "denials")
    assert {d["rule"] for d in denials} == {"trading_halted"}
    assert sorted(d["symbol"] for d in denials) == sorted([SOL, BTC])
    assert len(rig.exchange_orders()) > sent_before
    state = rig.journal.load_state(ACCOUNT)
    assert state is not None
    assert (state.state, state.reason) == ("halted", "operator: halt")
    # the position left open stays protected while halted, and an orphaned stop is cleaned up
    triggers = rig.replay.exchange.trigger_orders(REPLAY_ACCOUNT)
    assert {t.symbol for t in triggers if t.kind.value == "stop_loss"} == {ETH}


def state_of(rig: Rig) -> TradingState:
    return rig.trader.state


def losing_side(rig: Rig, symbol: str) -> PositionSide:
    """The side that loses over the bar after the next close (the replay's real prices)."""
    bars = rig.replay.frame.bars[symbol]
    ts = rig.replay.frame.ts.tolist()
    first = ts.index(rig.closes[rig.position] - HOUR_MS)
    return PositionSide.SHORT if bars.close[first + 1] > bars.close[first] else PositionSide.LONG


def open_side(symbol: str, side: PositionSide) -> Step:
    return [open_long(symbol) if side is PositionSide.LONG else open_short(symbol)]


@pytest.mark.asyncio
async def test_daily_drawdown_switches_to_exits_only_until_the_next_utc_day(tmp_path: Path) -> None:
    # bars close at 21:00 (entry), 22:00 (the loss is seen), 23:00 (exit) and 00:00 UTC (a new day)
    limits = RiskLimits(daily_drawdown=0.0001)
    start = 1_748_894_400_000  # 2025-06-02 20:00 UTC
    script: list[Step] = [[], [open_long(SOL)], [close(BTC), open_long(ETH)], [open_long(SOL)]]
    model = ScriptedModel(lambda n, _snapshot: script[n] if n < len(script) else [])
    rig = await start_rig(tmp_path, model, limits=limits, start_ms=start)
    script[0] = open_side(BTC, losing_side(rig, BTC))
    [opened] = await rig.step()
    assert opened.sent == 1
    assert state_of(rig) is TradingState.ACTIVE
    # the kill switch acts before the model's next decision: its entry is denied
    [reducing] = await rig.step()
    assert state_of(rig) is TradingState.REDUCING
    state = rig.journal.load_state(ACCOUNT)
    assert state is not None
    assert state.state == "reducing"
    assert state.reason.startswith("daily drawdown")
    [switch] = events(rig.journal, "kill_switch")
    assert switch["detail"]["rule"] == "daily_drawdown"
    assert (reducing.sent, reducing.denied) == (0, 1)
    # exits only: the BTC exit goes through, the ETH entry does not
    [exits_only] = await rig.step()
    assert (exits_only.sent, exits_only.denied) == (1, 1)
    assert state_of(rig) is TradingState.REDUCING
    assert [d["rule"] for d in table_rows(rig.journal, "denials")] == ["reduce_only", "reduce_only"]
    assert rig.replay.exchange.positions(REPLAY_ACCOUNT) == []
    # 00:00 UTC: a new day ends the daily switch
    assert rig.closes[rig.position] % 86_400_000 == 0
    [new_day] = await rig.step()
    assert state_of(rig) is TradingState.ACTIVE
    assert len(events(rig.journal, "state_change")) == 1
    assert new_day.sent == 1
    assert [(o.symbol, o.purpose) for o in rig.journal.orders()] == [
        (BTC, "entry"),
        (BTC, "exit"),
        (SOL, "entry"),
    ]


@pytest.mark.asyncio
async def test_total_drawdown_halts_and_stays_halted(tmp_path: Path) -> None:
    limits = RiskLimits(total_drawdown=0.0001)
    script: list[Step] = [[], [open_long(ETH)], [close(BTC)]]
    model = ScriptedModel(lambda n, _snapshot: script[n] if n < len(script) else [])
    rig = await start_rig(tmp_path, model, limits=limits)
    script[0] = open_side(BTC, losing_side(rig, BTC))
    await rig.step()
    [halted] = await rig.step()
    assert state_of(rig) is TradingState.HALTED
    [switch] = events(rig.journal, "kill_switch")
    assert switch["detail"]["rule"] == "total_drawdown"
    assert halted.denied == 1
    await rig.step()
    assert state_of(rig) is TradingState.HALTED
    # the ETH entry was denied; the BTC exit went through (a halt never traps a position)
    assert [d["rule"] for d in table_rows(rig.journal, "denials")] == ["trading_halted"]
    assert [o.purpose for o in rig.journal.orders()] == ["entry", "exit"]


@pytest.mark.asyncio
async def test_a_human_resume_after_a_drawdown_halt_lets_trading_continue(tmp_path: Path) -> None:
    limits = RiskLimits(total_drawdown=0.0001)
    script: list[Step] = [[], [], [open_long(ETH)]]
    model = ScriptedModel(lambda n, _snapshot: script[n] if n < len(script) else [])
    rig = await start_rig(tmp_path, model, limits=limits)
    script[0] = open_side(BTC, losing_side(rig, BTC))
    await rig.step(2)
    assert state_of(rig) is TradingState.HALTED
    # what `alphaloop resume` does; the trader re-reads the state on its next cycle
    assert resume(rig.journal, reason="operator: resume", now_ms=rig.now).changed
    [resumed] = await rig.step()
    assert state_of(rig) is TradingState.ACTIVE
    assert resumed.sent == 1


@pytest.mark.asyncio
async def test_a_halt_set_before_the_start_is_kept(tmp_path: Path) -> None:
    rig = await start_rig(tmp_path, ScriptedModel(steps([open_long(BTC)])), started=False)
    rig.journal.save_state(StateRow(ACCOUNT, "halted", "operator: halt", rig.now))
    await rig.trader.start()
    assert state_of(rig) is TradingState.HALTED
    [report] = await rig.step()
    assert report.denied == 1
    assert rig.exchange_orders() == []
