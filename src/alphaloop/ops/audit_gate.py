"""The audit's half that mirrors the risk gate: every rule in `risk/` and every README promise that
the competition checks in `audit.py` do not already hold, checked over the journal.

| gate rule / promise                   | check                  |
|---------------------------------------|------------------------|
| trading_halted, reduce_only           | trading_state          |
| no_stop_loss, stop_wrong_side         | entry_stop_loss        |
| invalid_size                          | order_size             |
| max_positions                         | open_positions         |
| symbol_notional, total_notional       | notional               |
| margin_use                            | margin_use             |
| risk_per_trade                        | risk_per_trade         |
| every open position has a stop        | position_stops         |
| one client_oid, one order             | client_oid_once        |
| the journal tells the venue's truth   | order_status_vs_fills  |
| AI logs uploaded (with their time)    | ai_log_upload_time     |

Portfolio limits (positions, notional, margin) are judged on the position and equity snapshots
the trader writes after each cycle. Prices move between an order and its snapshot, so the
notional and margin checks look only at snapshots where a position was opened or grew, and allow
`PRICE_TOLERANCE` over the limit for slippage and fees; the position count has no tolerance.
Pure, like `audit.py`: `load_gate_facts` reads, the `check_*` functions judge.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, select

from alphaloop.journal import schema
from alphaloop.journal.records import UNSENT_ORDER_STATUSES
from alphaloop.ops.audit import Check, Violation, iso
from alphaloop.risk.limits import RiskLimits

#: how far over a notional or margin limit a snapshot may be after an entry (fill slippage, fees)
PRICE_TOLERANCE = Decimal("0.05")
#: a position may be unprotected for one snapshot (a preset stop registers a moment after the fill)
STOP_GRACE_MS = 60_000


@dataclass(frozen=True, slots=True)
class GateOrder:
    client_oid: str
    run_id: str
    symbol: str
    intent: str
    purpose: str
    status: str
    amount: Decimal
    price: Decimal | None
    stop_loss: Decimal | None
    created_ms: int
    sent_ms: int | None

    @property
    def sent(self) -> bool:
        return self.status not in UNSENT_ORDER_STATUSES

    @property
    def at_ms(self) -> int:
        return self.sent_ms if self.sent_ms is not None else self.created_ms


@dataclass(frozen=True, slots=True)
class Snapshot:
    at_ms: int
    symbol: str
    side: str
    size: Decimal
    entry_price: Decimal
    stop_loss: Decimal | None


@dataclass(frozen=True, slots=True)
class GateFacts:
    orders: Sequence[GateOrder] = ()
    snapshots: Sequence[Snapshot] = ()
    #: at_ms -> (equity, available)
    equity: Mapping[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    #: (at_ms, kind, message) of trading-state events, oldest first
    state_events: Sequence[tuple[int, str, str]] = ()
    #: client_oid -> accepted order calls
    accepted_calls: Mapping[str, int] = field(default_factory=dict)
    #: client_oid -> venue order ids its fills name
    fill_orders: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: ids of AI logs marked uploaded without an upload time
    uploaded_without_time: Sequence[tuple[int, str | None]] = ()
    #: run id -> its limits
    limits: Mapping[str, RiskLimits] = field(default_factory=dict)


def _limits_of(config: Any) -> RiskLimits:
    risk = config.get("risk") if isinstance(config, Mapping) else None
    if not isinstance(risk, Mapping):
        return RiskLimits()
    known = {k: v for k, v in risk.items() if k in RiskLimits.model_fields}
    try:
        return RiskLimits.model_validate(known)
    except ValueError:
        return RiskLimits()


def _dec(text: Any) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def load_gate_facts(conn: Connection, since_ms: int | None) -> GateFacts:
    s = schema
    orders_q = select(s.orders).order_by(s.orders.c.created_ms)
    snaps_q = select(s.position_snapshots).order_by(s.position_snapshots.c.at_ms, s.position_snapshots.c.id)
    equity_q = select(s.equity)
    events_q = (
        select(s.events)
        .where(s.events.c.kind.in_(("halt", "resume", "kill_switch", "state_change")))
        .order_by(s.events.c.at_ms, s.events.c.id)
    )
    if since_ms is not None:
        orders_q = orders_q.where(s.orders.c.created_ms >= since_ms)
        snaps_q = snaps_q.where(s.position_snapshots.c.at_ms >= since_ms)
        equity_q = equity_q.where(s.equity.c.at_ms >= since_ms)
    orders = [
        GateOrder(
            client_oid=r.client_oid,
            run_id=r.run_id,
            symbol=r.symbol,
            intent=r.intent,
            purpose=r.purpose,
            status=r.status,
            amount=_dec(r.amount) or Decimal(0),
            price=_dec(r.price),
            stop_loss=_dec(r.stop_loss),
            created_ms=r.created_ms,
            sent_ms=r.sent_ms,
        )
        for r in conn.execute(orders_q)
    ]
    snapshots = [
        Snapshot(
            r.at_ms,
            r.symbol,
            r.side,
            _dec(r.size) or Decimal(0),
            _dec(r.entry_price) or Decimal(0),
            _dec(r.stop_loss),
        )
        for r in conn.execute(snaps_q)
    ]
    equity = {
        r.at_ms: (Decimal(repr(float(r.equity))), Decimal(repr(float(r.available))))
        for r in conn.execute(equity_q)
    }
    accepted: Counter[str] = Counter()
    calls_q = select(s.api_calls.c.client_oid).where(
        s.api_calls.c.kind == "order", s.api_calls.c.ok.is_(True), s.api_calls.c.client_oid.is_not(None)
    )
    for (client_oid,) in conn.execute(calls_q):
        accepted[client_oid] += 1
    fill_orders: dict[str, set[str]] = defaultdict(set)
    for client_oid, venue_order_id in conn.execute(
        select(s.fills.c.client_oid, s.fills.c.venue_order_id).where(s.fills.c.client_oid.is_not(None))
    ):
        fill_orders[client_oid].add(venue_order_id)
    no_time = [
        (r.id, r.client_oid)
        for r in conn.execute(
            select(s.ai_logs.c.id, s.ai_logs.c.client_oid).where(
                s.ai_logs.c.status == "uploaded", s.ai_logs.c.uploaded_ms.is_(None)
            )
        )
    ]
    limits = {r.id: _limits_of(r.config) for r in conn.execute(select(s.runs.c.id, s.runs.c.config))}
    return GateFacts(
        orders=orders,
        snapshots=snapshots,
        equity=equity,
        state_events=[(r.at_ms, r.kind, r.message) for r in conn.execute(events_q)],
        accepted_calls=dict(accepted),
        fill_orders={k: frozenset(v) for k, v in fill_orders.items()},
        uploaded_without_time=no_time,
        limits=limits,
    )


# ----------------------------------------------------------------------------- checks


def _check(name: str, title: str, measured: str, limit: str, violations: list[Violation]) -> Check:
    return Check(name, title, measured, limit, tuple(violations))


def _state_at(events: Sequence[tuple[int, str, str]], at_ms: int) -> str:
    """The trading state in force at `at_ms`, from the state events before it."""
    state = "active"
    for when, kind, message in events:
        if when >= at_ms:
            break  # an event in the same millisecond as the order: order unknown, benefit of doubt
        if kind == "halt":
            state = "halted"
        elif kind == "resume":
            state = "active"
        else:
            head = message.split(":", 1)[0].strip().lower()
            if head in ("active", "reducing", "halted"):
                state = head
    return state


def check_trading_state(facts: GateFacts) -> Check:
    """No order while HALTED, only exits while REDUCING (protective stops always allowed)."""
    violations = []
    for order in facts.orders:
        if not order.sent or order.purpose == "stop_loss" or order.sent_ms is None:
            continue
        state = _state_at(facts.state_events, order.sent_ms)
        if state == "halted" or (state == "reducing" and order.purpose == "entry"):
            violations.append(
                Violation(
                    f"{order.purpose} {order.client_oid} on {order.symbol} sent at {iso(order.sent_ms)} "
                    f"while trading was {state}",
                    (order.client_oid,),
                    (order.sent_ms,),
                )
            )
    return _check(
        "trading_state",
        "no orders while halted, no entries while reducing",
        f"{len(violations)} orders against the state",
        "0",
        violations,
    )


def check_entry_stop_loss(facts: GateFacts) -> Check:
    violations = []
    entries = [o for o in facts.orders if o.sent and o.purpose == "entry"]
    for order in entries:
        limits = facts.limits.get(order.run_id, RiskLimits())
        long = order.intent == "open_long"
        stop = order.stop_loss
        if stop is None:
            if limits.require_stop_loss:
                violations.append(
                    Violation(
                        f"entry {order.client_oid} on {order.symbol} has no stop loss",
                        (order.client_oid,),
                        (order.at_ms,),
                    )
                )
        elif order.price is not None and (stop >= order.price if long else stop <= order.price):
            violations.append(
                Violation(
                    f"entry {order.client_oid} on {order.symbol}: stop {stop} is on the wrong side of "
                    f"the price {order.price}",
                    (order.client_oid,),
                    (order.at_ms,),
                )
            )
    return _check(
        "entry_stop_loss",
        "entries sent with a stop loss on the protective side",
        f"{len(entries) - len(violations)}/{len(entries)}",
        "all",
        violations,
    )


def check_order_size(facts: GateFacts) -> Check:
    violations = [
        Violation(
            f"{o.purpose} {o.client_oid} on {o.symbol} for amount {o.amount}", (o.client_oid,), (o.at_ms,)
        )
        for o in facts.orders
        if o.sent and not o.amount > 0
    ]
    return _check(
        "order_size", "orders sent with a positive size", f"{len(violations)} invalid", "0", violations
    )


def _by_time(snapshots: Sequence[Snapshot]) -> list[tuple[int, list[Snapshot]]]:
    """Open positions per snapshot time. On a frozen simulated clock several snapshots share one
    time: the newest row of each (symbol, side) stands for it (rows come oldest first)."""
    grouped: dict[int, dict[tuple[str, str], Snapshot]] = defaultdict(dict)
    for snap in snapshots:
        batch = grouped[snap.at_ms]
        key = (snap.symbol, snap.side)
        if key in batch:
            batch.clear()  # a key seen again: a newer snapshot at the same time begins here
        batch[key] = snap
    return [
        (at_ms, [s for s in by_key.values() if s.size > 0])
        for at_ms, by_key in sorted(grouped.items())
        if any(s.size > 0 for s in by_key.values())
    ]


def _limits_at(facts: GateFacts, at_ms: int) -> RiskLimits:
    """The limits of the run that was trading at `at_ms` (the newest run's when unknown)."""
    starts = sorted((o.created_ms, o.run_id) for o in facts.orders if o.created_ms <= at_ms)
    if starts:
        return facts.limits.get(starts[-1][1], RiskLimits())
    return next(reversed(list(facts.limits.values())), RiskLimits()) if facts.limits else RiskLimits()


def check_open_positions(facts: GateFacts) -> Check:
    violations = []
    most = 0
    for at_ms, snaps in _by_time(facts.snapshots):
        keys = {(s.symbol, s.side) for s in snaps}
        most = max(most, len(keys))
        limit = _limits_at(facts, at_ms).max_open_positions
        if len(keys) > limit:
            violations.append(
                Violation(f"{len(keys)} open positions at {iso(at_ms)}, maximum {limit}", (), (at_ms,))
            )
    return _check("open_positions", "open positions", f"max {most}", "<= max_open_positions", violations)


def _grown(snapshots: Sequence[Snapshot]) -> list[tuple[int, list[Snapshot]]]:
    """The snapshots where a position was opened or grew since the previous snapshot."""
    result = []
    before: dict[tuple[str, str], Decimal] = {}
    for at_ms, snaps in _by_time(snapshots):
        now = {(s.symbol, s.side): s.size for s in snaps}
        if any(size > before.get(key, Decimal(0)) for key, size in now.items()):
            result.append((at_ms, snaps))
        before = now
    return result


def _over(value: Decimal, limit: float) -> bool:
    return value > Decimal(repr(limit)) * (1 + PRICE_TOLERANCE)


def check_notional_and_margin(facts: GateFacts) -> tuple[Check, Check]:
    notional_v: list[Violation] = []
    margin_v: list[Violation] = []
    top_total = top_margin = Decimal(0)
    for at_ms, snaps in _grown(facts.snapshots):
        account = facts.equity.get(at_ms)
        if account is None or account[0] <= 0:
            continue
        equity, available = account
        limits = _limits_at(facts, at_ms)
        per_symbol: dict[str, Decimal] = defaultdict(Decimal)
        for snap in snaps:
            per_symbol[snap.symbol] += snap.size * snap.entry_price
        total = sum(per_symbol.values(), Decimal(0)) / equity
        top_total = max(top_total, total)
        if _over(total, limits.max_total_notional):
            notional_v.append(
                Violation(
                    f"total notional {total:.2f}x equity at {iso(at_ms)}, "
                    f"maximum {limits.max_total_notional:g}x",
                    (),
                    (at_ms,),
                )
            )
        for symbol, value in sorted(per_symbol.items()):
            if _over(value / equity, limits.max_symbol_notional):
                notional_v.append(
                    Violation(
                        f"{symbol} notional {value / equity:.2f}x equity at {iso(at_ms)}, "
                        f"maximum {limits.max_symbol_notional:g}x",
                        (),
                        (at_ms,),
                    )
                )
        used = max(equity - available, Decimal(0)) / equity
        top_margin = max(top_margin, used)
        if _over(used, limits.max_margin_use):
            margin_v.append(
                Violation(
                    f"margin use {used * 100:.1f}% of equity at {iso(at_ms)}, "
                    f"maximum {limits.max_margin_use * 100:g}%",
                    (),
                    (at_ms,),
                )
            )
    return (
        _check(
            "notional",
            "notional after entries (total and per symbol)",
            f"max {top_total:.2f}x total",
            "<= max_total_notional, max_symbol_notional",
            notional_v,
        ),
        _check(
            "margin_use",
            "margin use after entries",
            f"max {top_margin * 100:.1f}%",
            "<= max_margin_use",
            margin_v,
        ),
    )


def _equity_before(facts: GateFacts, at_ms: int) -> Decimal | None:
    times = [t for t in facts.equity if t <= at_ms]
    return facts.equity[max(times)][0] if times else None


def check_risk_per_trade(facts: GateFacts) -> Check:
    violations = []
    for order in facts.orders:
        if not order.sent or order.purpose != "entry" or order.stop_loss is None or order.price is None:
            continue
        equity = _equity_before(facts, order.created_ms)
        if equity is None or equity <= 0:
            continue
        loss = order.amount * abs(order.price - order.stop_loss) / equity
        limit = facts.limits.get(order.run_id, RiskLimits()).max_risk_per_trade
        if _over(loss, limit):
            violations.append(
                Violation(
                    f"entry {order.client_oid} on {order.symbol} risks {loss * 100:.2f}% of equity "
                    "at its stop, "
                    f"maximum {limit * 100:g}%",
                    (order.client_oid,),
                    (order.at_ms,),
                )
            )
    return _check(
        "risk_per_trade",
        "loss at the stop per entry",
        f"{len(violations)} over",
        "<= max_risk_per_trade",
        violations,
    )


def _stop_attempted(facts: GateFacts, key: tuple[str, str], start_ms: int, end_ms: int) -> bool:
    symbol, side = key
    return any(
        o.purpose == "stop_loss"
        and o.symbol == symbol
        and o.intent == f"close_{side}"
        and start_ms <= o.created_ms <= end_ms
        for o in facts.orders
    )


def check_position_stops(facts: GateFacts) -> Check:
    """A position without a venue-side stop in two snapshots in a row (STOP_GRACE_MS apart) while
    the trader did not even try to place one. A stop the venue refused or lost (faults) is the
    venue's failure, journaled with the order; the next cycle tries again."""
    violations = []
    unprotected: dict[tuple[str, str], int] = {}
    for at_ms, snaps in _by_time(facts.snapshots):
        current = {(s.symbol, s.side): s for s in snaps}
        for key in list(unprotected):
            if key not in current:
                del unprotected[key]
        for key, snap in current.items():
            if snap.stop_loss is not None:
                unprotected.pop(key, None)
                continue
            first = unprotected.setdefault(key, at_ms)
            if at_ms - first >= STOP_GRACE_MS and not _stop_attempted(facts, key, first, at_ms):
                violations.append(
                    Violation(
                        f"{key[1]} {key[0]} open without a stop from {iso(first)} to {iso(at_ms)}",
                        (),
                        (first, at_ms),
                    )
                )
                unprotected[key] = at_ms
    return _check(
        "position_stops",
        "open positions protected by a venue-side stop",
        f"{len(violations)} unprotected",
        "0",
        violations,
    )


def check_client_oid_once(facts: GateFacts) -> Check:
    violations = [
        Violation(f"{oid} accepted {n} times by the venue", (oid,), ())
        for oid, n in sorted(facts.accepted_calls.items())
        if n > 1
    ]
    violations += [
        Violation(f"{oid} names {len(ids)} venue orders in its fills ({', '.join(sorted(ids))})", (oid,), ())
        for oid, ids in sorted(facts.fill_orders.items())
        if len(ids) > 1
    ]
    return _check(
        "client_oid_once", "each client_oid sent once", f"{len(violations)} repeated", "0", violations
    )


def check_order_status_vs_fills(facts: GateFacts) -> Check:
    violations = [
        Violation(
            f"{o.client_oid} is journaled {o.status} but the venue filled it",
            (o.client_oid,),
            (o.created_ms,),
        )
        for o in facts.orders
        if (o.status in UNSENT_ORDER_STATUSES or o.status == "rejected") and o.client_oid in facts.fill_orders
    ]
    return _check(
        "order_status_vs_fills",
        "journaled status agrees with the fills",
        f"{len(violations)} contradicted",
        "0",
        violations,
    )


def check_ai_log_upload_time(facts: GateFacts) -> Check:
    violations = [
        Violation(
            f"AI log {log_id} ({oid or 'no order'}) is marked uploaded without an upload time",
            (oid,) if oid else (),
            (),
        )
        for log_id, oid in facts.uploaded_without_time
    ]
    return _check(
        "ai_log_upload_time",
        "uploaded AI logs carry their upload time",
        f"{len(violations)} without",
        "0",
        violations,
    )


def gate_checks(facts: GateFacts) -> tuple[Check, ...]:
    return (
        check_trading_state(facts),
        check_entry_stop_loss(facts),
        check_order_size(facts),
        check_open_positions(facts),
        *check_notional_and_margin(facts),
        check_risk_per_trade(facts),
        check_position_stops(facts),
        check_client_oid_once(facts),
        check_order_status_vs_fills(facts),
        check_ai_log_upload_time(facts),
    )
