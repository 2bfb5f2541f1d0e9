"""`alphaloop audit`: check a trading journal against the competition's rules and our own limits.

Two halves, kept apart so the rules are testable without a database:
* `load_facts(engine, since_ms)` reads the journal's tables (SQLAlchemy Core) into plain facts;
* the `check_*` functions and `build_report` are pure: facts in, `Check`s and an `AuditReport` out.

A check either passes or lists its violations; every violation names the rows behind it
(client_oid or trade id, and times) so an operator can find them in the journal.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select

from alphaloop.journal import schema
from alphaloop.journal.records import UNSENT_ORDER_STATUSES
from alphaloop.model import (
    COMPETITION_MAX_LEVERAGE,
    COMPETITION_SYMBOLS,
    MAX_EXPLANATION_WORDS,
    format_decimal,
)
from alphaloop.model.ailog import word_count
from alphaloop.model.errors import ConfigurationError
from alphaloop.risk.limits import RiskLimits

if TYPE_CHECKING:
    from alphaloop.ops.audit_gate import GateFacts

#: Event kinds that change or explain the trading state.
STATE_EVENT_KINDS = ("state_change", "kill_switch", "halt", "resume")

SECOND_MS = 1_000
HOUR_MS = 3_600_000

# The risk gate's defaults; the journal's runs.config["risk"] overrides them.
_DEFAULTS = RiskLimits()
DEFAULT_MAX_LEVERAGE = _DEFAULTS.max_leverage
DEFAULT_MAX_ORDERS_PER_HOUR = _DEFAULTS.max_orders_per_hour
DEFAULT_MIN_ENTRY_INTERVAL_S = _DEFAULTS.min_entry_interval_s
#: The competition's cap on order and cancel calls (our own, lower, limit paces the trader;
#: the audit holds the journal to the competition's).
COMPETITION_MAX_ORDER_CALLS_PER_SECOND = 10


def parse_since(text: str) -> int:
    """`2025-09-01` or a full ISO time as ms UTC; naive times are UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(f"--since: not an ISO date or time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def iso(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ----------------------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class AuditLimits:
    """The limits the audit holds a journal to: the competition's, tightened by the run's config."""

    max_leverage: int = DEFAULT_MAX_LEVERAGE
    max_orders_per_hour: int = DEFAULT_MAX_ORDERS_PER_HOUR
    min_entry_interval_s: float = DEFAULT_MIN_ENTRY_INTERVAL_S

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> AuditLimits:
        """Read `config["risk"]` (a RiskLimits dump); missing or unreadable values keep the defaults.
        The competition's own caps always apply on top."""
        risk = config.get("risk") if isinstance(config, Mapping) else None
        if not isinstance(risk, Mapping):
            return cls()

        def number(key: str, default: float) -> float:
            value = risk.get(key)
            return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default

        return cls(
            max_leverage=min(int(number("max_leverage", DEFAULT_MAX_LEVERAGE)), COMPETITION_MAX_LEVERAGE),
            max_orders_per_hour=int(number("max_orders_per_hour", DEFAULT_MAX_ORDERS_PER_HOUR)),
            min_entry_interval_s=number("min_entry_interval_s", DEFAULT_MIN_ENTRY_INTERVAL_S),
        )


@dataclass(frozen=True, slots=True)
class OrderFact:
    client_oid: str
    symbol: str
    purpose: str  # entry | exit | stop_loss
    status: str
    leverage: int
    created_ms: int
    sent_ms: int | None = None
    run_id: str = ""

    @property
    def sent(self) -> bool:
        """Reached the venue (or may have): every status except pending and not_sent."""
        return self.status not in UNSENT_ORDER_STATUSES

    @property
    def at_ms(self) -> int:
        return self.sent_ms if self.sent_ms is not None else self.created_ms


@dataclass(frozen=True, slots=True)
class FillFact:
    trade_id: str
    symbol: str
    side: str  # buy | sell
    position_side: str  # long | short
    amount: Decimal
    price: Decimal
    ts_ms: int
    client_oid: str | None = None

    @property
    def opens(self) -> bool:
        return (self.side == "buy") == (self.position_side == "long")

    @property
    def ref(self) -> str:
        return self.client_oid or f"trade {self.trade_id}"


@dataclass(frozen=True, slots=True)
class PositionFact:
    at_ms: int
    symbol: str
    side: str
    size: Decimal
    leverage: Decimal


@dataclass(frozen=True, slots=True)
class AiLogFact:
    id: int
    client_oid: str | None
    status: str  # waiting | pending | uploaded
    created_ms: int
    words: int


@dataclass(frozen=True, slots=True)
class ApiCallFact:
    at_ms: int
    kind: str  # order | cancel
    client_oid: str | None = None


@dataclass(frozen=True, slots=True)
class EventFact:
    at_ms: int
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class StateFact:
    account: str
    state: str
    reason: str
    since_ms: int


@dataclass(frozen=True, slots=True)
class RunFact:
    id: str
    started_ms: int
    mode: str
    venue: str
    model: str
    limits: AuditLimits


@dataclass(frozen=True, slots=True)
class AuditFacts:
    """Everything the audit reads from a journal. `fills` and `ai_logs` are the whole tables
    (positions are rebuilt from the first fill); the rest is already limited to `since_ms`."""

    orders: Sequence[OrderFact] = ()
    fills: Sequence[FillFact] = ()
    positions: Sequence[PositionFact] = ()
    ai_logs: Sequence[AiLogFact] = ()
    api_calls: Sequence[ApiCallFact] = ()
    denials_by_rule: Mapping[str, int] = field(default_factory=dict)
    state_events: Sequence[EventFact] = ()
    states: Sequence[StateFact] = ()
    runs: Sequence[RunFact] = ()  # oldest first
    #: what the checks mirroring the risk gate read (`audit_gate.py`); None skips them
    gate: GateFacts | None = None

    @property
    def latest_run(self) -> RunFact | None:
        return self.runs[-1] if self.runs else None


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Violation:
    """One breach of a rule and the journal rows behind it."""

    message: str
    client_oids: tuple[str, ...] = ()
    times_ms: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    title: str
    measured: str
    limit: str
    violations: tuple[Violation, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.violations


@dataclass(frozen=True, slots=True)
class AuditReport:
    journal: str
    since_ms: int | None
    latest_run: RunFact | None
    runs: int
    orders_sent: int
    fills: int
    symbols_traded: tuple[str, ...]
    checks: tuple[Check, ...]
    denials_by_rule: Mapping[str, int]
    state_events: tuple[EventFact, ...]
    states: tuple[StateFact, ...]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def violations(self) -> int:
        return sum(len(check.violations) for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "journal": self.journal,
            "since": iso(self.since_ms) if self.since_ms is not None else None,
            "latest_run": asdict(self.latest_run) if self.latest_run else None,
            "runs": self.runs,
            "orders_sent": self.orders_sent,
            "fills": self.fills,
            "symbols_traded": list(self.symbols_traded),
            "checks": [
                {
                    "name": check.name,
                    "title": check.title,
                    "passed": check.passed,
                    "measured": check.measured,
                    "limit": check.limit,
                    "violations": [
                        {
                            "message": v.message,
                            "client_oids": list(v.client_oids),
                            "times": [iso(t) for t in v.times_ms],
                            "times_ms": list(v.times_ms),
                        }
                        for v in check.violations
                    ],
                }
                for check in self.checks
            ],
            "denials_by_rule": dict(self.denials_by_rule),
            "state_events": [asdict(event) | {"at": iso(event.at_ms)} for event in self.state_events],
            "trading_state": [asdict(state) | {"since": iso(state.since_ms)} for state in self.states],
        }


# ----------------------------------------------------------------------------- pure checks


def _pct(part: int, whole: int) -> str:
    return "100%" if whole == 0 else f"{100 * part / whole:.1f}%"


def busiest_windows(times_ms: Sequence[int], window_ms: int, limit: int) -> tuple[int, list[range]]:
    """The most events inside any window of `window_ms` (events at t and t + window_ms are in
    different windows), and the index ranges of the bursts above `limit` (overlapping windows
    merged). `times_ms` must be sorted."""
    busiest = 0
    bursts: list[range] = []
    start = 0
    for end, at in enumerate(times_ms):
        while at - times_ms[start] >= window_ms:
            start += 1
        count = end - start + 1
        busiest = max(busiest, count)
        if count > limit:
            if bursts and start < bursts[-1].stop:
                bursts[-1] = range(bursts[-1].start, end + 1)
            else:
                bursts.append(range(start, end + 1))
    return busiest, bursts


def check_symbols(orders: Sequence[OrderFact], fills: Sequence[FillFact]) -> Check:
    """Only the competition's symbols may be traded (orders sent and fills)."""
    offenders: dict[str, list[tuple[str, int]]] = defaultdict(list)
    traded: set[str] = set()
    for order in orders:
        if order.sent:
            traded.add(order.symbol)
            if order.symbol not in COMPETITION_SYMBOLS:
                offenders[order.symbol].append((order.client_oid, order.at_ms))
    for fill in fills:
        traded.add(fill.symbol)
        if fill.symbol not in COMPETITION_SYMBOLS:
            offenders[fill.symbol].append((fill.ref, fill.ts_ms))
    violations = tuple(
        Violation(
            f"{symbol} is not a competition symbol ({len(rows)} orders/fills)",
            tuple(ref for ref, _ in rows),
            tuple(at for _, at in rows),
        )
        for symbol, rows in sorted(offenders.items())
    )
    return Check(
        "symbols",
        "symbols traded",
        ", ".join(sorted(traded)) or "none",
        "competition symbols only",
        violations,
    )


def check_leverage(
    orders: Sequence[OrderFact],
    positions: Sequence[PositionFact],
    limits: AuditLimits,
    run_limits: Mapping[str, AuditLimits] | None = None,
) -> Check:
    """Leverage of orders sent and of reconciled positions: at most 20x and the run's max_leverage."""
    run_limits = run_limits or {}
    violations: list[Violation] = []
    highest = Decimal(0)
    for order in orders:
        if not order.sent:
            continue
        highest = max(highest, Decimal(order.leverage))
        cap = min(run_limits.get(order.run_id, limits).max_leverage, COMPETITION_MAX_LEVERAGE)
        if order.leverage > cap:
            violations.append(
                Violation(
                    f"order {order.client_oid} on {order.symbol} used {order.leverage}x, limit {cap}x",
                    (order.client_oid,),
                    (order.at_ms,),
                )
            )
    cap = min(limits.max_leverage, COMPETITION_MAX_LEVERAGE)
    for position in positions:
        highest = max(highest, position.leverage)
        if position.leverage > cap and position.size > 0:
            violations.append(
                Violation(
                    f"{position.side} position on {position.symbol} held at "
                    f"{format_decimal(position.leverage)}x, limit {cap}x",
                    (),
                    (position.at_ms,),
                )
            )
    return Check(
        "leverage",
        "max leverage",
        f"{format_decimal(highest)}x" if highest else "none",
        f"<= {cap}x (competition {COMPETITION_MAX_LEVERAGE}x)",
        tuple(violations),
    )


def check_order_call_rate(calls: Sequence[ApiCallFact], limit: int) -> Check:
    """Order and cancel calls in any 1000 ms window."""
    ordered = sorted(calls, key=lambda call: call.at_ms)
    times = [call.at_ms for call in ordered]
    busiest, bursts = busiest_windows(times, SECOND_MS, limit)
    violations = tuple(
        Violation(
            f"{len(burst)} order/cancel calls between {iso(times[burst.start])} and {iso(times[burst[-1]])} "
            f"(more than {limit} within 1000 ms)",
            tuple(ordered[i].client_oid or f"{ordered[i].kind} call" for i in burst),
            tuple(times[i] for i in burst),
        )
        for burst in bursts
    )
    return Check(
        "order_call_rate",
        "order/cancel calls per second",
        f"max {busiest} in 1000 ms ({len(calls)} calls)",
        f"<= {limit}",
        violations,
    )


def _entries_sent(orders: Iterable[OrderFact]) -> list[OrderFact]:
    return sorted(
        (order for order in orders if order.purpose == "entry" and order.sent), key=lambda o: o.at_ms
    )


def check_entries_per_hour(orders: Sequence[OrderFact], limit: int) -> Check:
    """Entry orders sent in any 3600 s window."""
    entries = _entries_sent(orders)
    times = [order.at_ms for order in entries]
    busiest, bursts = busiest_windows(times, HOUR_MS, limit)
    violations = tuple(
        Violation(
            f"{len(burst)} entries between {iso(times[burst.start])} and {iso(times[burst[-1]])} "
            f"(more than {limit} within an hour)",
            tuple(entries[i].client_oid for i in burst),
            tuple(times[i] for i in burst),
        )
        for burst in bursts
    )
    return Check(
        "entries_per_hour",
        "entries per hour",
        f"max {busiest} in 3600 s ({len(entries)} entries)",
        f"<= {limit}",
        violations,
    )


def check_entry_interval(orders: Sequence[OrderFact], min_interval_s: float) -> Check:
    """Time between two entries on the same symbol."""
    by_symbol: dict[str, list[OrderFact]] = defaultdict(list)
    for order in _entries_sent(orders):
        by_symbol[order.symbol].append(order)
    shortest: int | None = None
    violations: list[Violation] = []
    minimum_ms = min_interval_s * 1000
    for symbol, entries in sorted(by_symbol.items()):
        for previous, current in itertools.pairwise(entries):
            gap = current.at_ms - previous.at_ms
            shortest = gap if shortest is None else min(shortest, gap)
            if gap < minimum_ms:
                violations.append(
                    Violation(
                        f"entries on {symbol} {gap / 1000:g} s apart (minimum {min_interval_s:g} s)",
                        (previous.client_oid, current.client_oid),
                        (previous.at_ms, current.at_ms),
                    )
                )
    return Check(
        "entry_interval",
        "min interval between entries per symbol",
        "n/a (no repeated entries)" if shortest is None else f"{shortest / 1000:g} s",
        f">= {min_interval_s:g} s",
        tuple(violations),
    )


def check_opposite_positions(
    fills: Sequence[FillFact], positions: Sequence[PositionFact], since_ms: int | None = None
) -> Check:
    """Never hold a long and a short on the same symbol at once: positions rebuilt from the fills
    in time order (`_fill_order` when times tie), and the reconciled position snapshots.
    With `since_ms`, episodes that ended before it are left out (all fills are still replayed)."""
    violations: list[Violation] = []
    by_symbol: dict[str, list[FillFact]] = defaultdict(list)
    for fill in fills:
        by_symbol[fill.symbol].append(fill)
    for symbol, symbol_fills in sorted(by_symbol.items()):
        size = {"long": Decimal(0), "short": Decimal(0)}
        episode: list[FillFact] = []
        for fill in sorted(symbol_fills, key=_fill_order):
            change = fill.amount if fill.opens else -fill.amount
            # a fill from before the journal existed can reduce a position we never saw open
            size[fill.position_side] = max(Decimal(0), size[fill.position_side] + change)
            both = size["long"] > 0 and size["short"] > 0
            if both:
                episode.append(fill)
            elif episode:
                if since_ms is None or fill.ts_ms >= since_ms:
                    violations.append(_both_sides(symbol, episode, closed_ms=fill.ts_ms))
                episode = []
        if episode:
            violations.append(_both_sides(symbol, episode, closed_ms=None))
    snapshots: dict[tuple[int, str], set[str]] = defaultdict(set)
    for position in positions:
        if position.size > 0:
            snapshots[(position.at_ms, position.symbol)].add(position.side)
    violations.extend(
        Violation(f"the venue reported both a long and a short on {symbol}", (), (at_ms,))
        for (at_ms, symbol), sides in sorted(snapshots.items())
        if len(sides) > 1
    )
    return Check(
        "opposite_positions",
        "long and short open on one symbol",
        f"{len(violations)} found",
        "never",
        tuple(violations),
    )


def _fill_order(fill: FillFact) -> tuple[int, int, int, str]:
    """Fills in time order; within one millisecond (a frozen simulated clock fills an entry and
    its exit at the same instant) in the venue's sequence when trade ids are numbers, else
    reductions first."""
    if fill.trade_id.isdigit():
        return (fill.ts_ms, 0, int(fill.trade_id), "")
    return (fill.ts_ms, 1, int(fill.opens), fill.trade_id)


def _both_sides(symbol: str, episode: Sequence[FillFact], *, closed_ms: int | None) -> Violation:
    until = "still open" if closed_ms is None else f"until {iso(closed_ms)}"
    return Violation(
        f"long and short both open on {symbol} from {iso(episode[0].ts_ms)} {until}",
        tuple(dict.fromkeys(fill.ref for fill in episode)),
        (episode[0].ts_ms,) if closed_ms is None else (episode[0].ts_ms, closed_ms),
    )


def check_self_cross(fills: Sequence[FillFact]) -> Check:
    """Two of our fills on one symbol, opposite sides, same time and price: we traded with ourselves."""
    groups: dict[tuple[str, int, Decimal], list[FillFact]] = defaultdict(list)
    for fill in fills:
        groups[(fill.symbol, fill.ts_ms, fill.price.normalize())].append(fill)
    violations = tuple(
        Violation(
            f"buy and sell on {symbol} at {format_decimal(price)} at the same time",
            tuple(fill.ref for fill in group),
            (ts_ms,),
        )
        for (symbol, ts_ms, price), group in sorted(groups.items())
        if {fill.side for fill in group} == {"buy", "sell"}
    )
    return Check("self_cross", "self-crossed fills", f"{len(violations)} found", "never", violations)


def check_ai_log_coverage(orders: Sequence[OrderFact], logs: Sequence[AiLogFact]) -> tuple[Check, Check]:
    """Every order sent has an AI log stored, and uploaded."""
    by_order = {log.client_oid: log for log in logs if log.client_oid is not None}
    sent = [order for order in orders if order.sent]
    unlogged = [order for order in sent if order.client_oid not in by_order]
    not_uploaded = [
        order
        for order in sent
        if order.client_oid in by_order and by_order[order.client_oid].status != "uploaded"
    ]

    def missing(what: str, rows: Sequence[OrderFact]) -> tuple[Violation, ...]:
        return tuple(
            Violation(
                f"order {order.client_oid} ({order.symbol} {order.purpose}) {what}",
                (order.client_oid,),
                (order.at_ms,),
            )
            for order in rows
        )

    stored = len(sent) - len(unlogged)
    uploaded = stored - len(not_uploaded)
    return (
        Check(
            "ai_log_stored",
            "orders with an AI log stored",
            f"{stored}/{len(sent)} ({_pct(stored, len(sent))})",
            "100%",
            missing("has no AI log", unlogged),
        ),
        Check(
            "ai_log_uploaded",
            "orders with an AI log uploaded",
            f"{uploaded}/{len(sent)} ({_pct(uploaded, len(sent))})",
            "100%",
            missing("has no uploaded AI log", [*unlogged, *not_uploaded]),
        ),
    )


def check_explanation_length(logs: Sequence[AiLogFact]) -> Check:
    longest = max((log.words for log in logs), default=0)
    violations = tuple(
        Violation(
            f"AI log {log.id} explanation has {log.words} words",
            (log.client_oid,) if log.client_oid else (),
            (log.created_ms,),
        )
        for log in logs
        if log.words > MAX_EXPLANATION_WORDS
    )
    return Check(
        "ai_log_length",
        "AI-log explanation words",
        f"max {longest}",
        f"<= {MAX_EXPLANATION_WORDS}",
        violations,
    )


def check_ai_log_before_order(orders: Sequence[OrderFact], logs: Sequence[AiLogFact]) -> Check:
    """The AI log must be stored before its order is sent."""
    by_order = {log.client_oid: log for log in logs if log.client_oid is not None}
    violations = tuple(
        Violation(
            f"AI log of {order.client_oid} stored {(log.created_ms - order.sent_ms) / 1000:g} s "
            "after the order was sent",
            (order.client_oid,),
            (order.sent_ms, log.created_ms),
        )
        for order in orders
        if order.sent_ms is not None
        and (log := by_order.get(order.client_oid)) is not None
        and log.created_ms > order.sent_ms
    )
    return Check(
        "ai_log_first",
        "AI log stored before its order",
        f"{len(violations)} late",
        "always",
        violations,
    )


def money_calls(facts: AuditFacts) -> list[ApiCallFact]:
    """The order and cancel calls the journal recorded, plus every order sent without a recorded
    call (its send time stands for it): the rate check cannot be passed by not recording calls."""
    recorded = {call.client_oid for call in facts.api_calls if call.client_oid}
    extra = [
        ApiCallFact(order.sent_ms, "order", order.client_oid)
        for order in facts.orders
        if order.sent and order.sent_ms is not None and order.client_oid not in recorded
    ]
    return [*facts.api_calls, *extra]


def _gate_checks(facts: AuditFacts) -> tuple[Check, ...]:
    if facts.gate is None:
        return ()
    from alphaloop.ops.audit_gate import gate_checks  # it builds on this module's types

    return gate_checks(facts.gate)


def build_report(facts: AuditFacts, *, journal: str, since_ms: int | None = None) -> AuditReport:
    """Run every check on `facts`."""
    run = facts.latest_run
    limits = run.limits if run else AuditLimits()
    run_limits = {r.id: r.limits for r in facts.runs}
    recent_fills = [f for f in facts.fills if since_ms is None or f.ts_ms >= since_ms]
    in_scope = {order.client_oid for order in facts.orders}
    logs = [
        log
        for log in facts.ai_logs
        if since_ms is None or log.created_ms >= since_ms or log.client_oid in in_scope
    ]
    symbols = check_symbols(facts.orders, recent_fills)
    checks = (
        symbols,
        check_leverage(facts.orders, facts.positions, limits, run_limits),
        check_order_call_rate(money_calls(facts), COMPETITION_MAX_ORDER_CALLS_PER_SECOND),
        check_entries_per_hour(facts.orders, limits.max_orders_per_hour),
        check_entry_interval(facts.orders, limits.min_entry_interval_s),
        check_opposite_positions(facts.fills, facts.positions, since_ms),
        check_self_cross(recent_fills),
        *check_ai_log_coverage(facts.orders, logs),
        check_explanation_length(logs),
        check_ai_log_before_order(facts.orders, logs),
        *_gate_checks(facts),
    )
    traded = {order.symbol for order in facts.orders if order.sent} | {fill.symbol for fill in recent_fills}
    return AuditReport(
        journal=journal,
        since_ms=since_ms,
        latest_run=run,
        runs=len(facts.runs),
        orders_sent=sum(order.sent for order in facts.orders),
        fills=len(recent_fills),
        symbols_traded=tuple(sorted(traded)),
        checks=checks,
        denials_by_rule=dict(sorted(facts.denials_by_rule.items(), key=lambda item: (-item[1], item[0]))),
        state_events=tuple(facts.state_events),
        states=tuple(facts.states),
    )


# ----------------------------------------------------------------------------- queries


def _decimal(text: str | None) -> Decimal:
    try:
        return Decimal(text) if text is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def load_facts(engine: Engine, since_ms: int | None = None) -> AuditFacts:
    """Read what the audit needs from a journal's tables."""
    s = schema
    with engine.connect() as conn:
        orders_q = select(s.orders).order_by(s.orders.c.created_ms)
        calls_q = select(s.api_calls).where(s.api_calls.c.kind.in_(("order", "cancel")))
        positions_q = select(s.position_snapshots)
        denials_q = select(s.denials.c.rule, func.count()).group_by(s.denials.c.rule)
        events_q = select(s.events).where(s.events.c.kind.in_(STATE_EVENT_KINDS)).order_by(s.events.c.at_ms)
        if since_ms is not None:
            orders_q = orders_q.where(s.orders.c.created_ms >= since_ms)
            calls_q = calls_q.where(s.api_calls.c.at_ms >= since_ms)
            positions_q = positions_q.where(s.position_snapshots.c.at_ms >= since_ms)
            denials_q = denials_q.where(s.denials.c.at_ms >= since_ms)
            events_q = events_q.where(s.events.c.at_ms >= since_ms)
        orders = [
            OrderFact(
                client_oid=r.client_oid,
                symbol=r.symbol,
                purpose=r.purpose,
                status=r.status,
                leverage=r.leverage,
                created_ms=r.created_ms,
                sent_ms=r.sent_ms,
                run_id=r.run_id,
            )
            for r in conn.execute(orders_q)
        ]
        fills = [
            FillFact(
                trade_id=r.trade_id,
                symbol=r.symbol,
                side=r.side,
                position_side=r.position_side,
                amount=_decimal(r.amount),
                price=_decimal(r.price),
                ts_ms=r.ts_ms,
                client_oid=r.client_oid,
            )
            for r in conn.execute(select(s.fills).order_by(s.fills.c.ts_ms))
        ]
        positions = [
            PositionFact(r.at_ms, r.symbol, r.side, _decimal(r.size), _decimal(r.leverage))
            for r in conn.execute(positions_q)
        ]
        logs_q = select(
            s.ai_logs.c.id,
            s.ai_logs.c.client_oid,
            s.ai_logs.c.status,
            s.ai_logs.c.created_ms,
            s.ai_logs.c.explanation,
        )
        ai_logs = [
            AiLogFact(r.id, r.client_oid, r.status, r.created_ms, word_count(r.explanation))
            for r in conn.execute(logs_q)
        ]
        calls = [ApiCallFact(r.at_ms, r.kind, r.client_oid) for r in conn.execute(calls_q)]
        denials = {rule: count for rule, count in conn.execute(denials_q)}
        events = [EventFact(r.at_ms, r.kind, r.message) for r in conn.execute(events_q)]
        states = [
            StateFact(r.account, r.state, r.reason, r.since_ms)
            for r in conn.execute(select(s.trading_state).order_by(s.trading_state.c.account))
        ]
        runs = [
            RunFact(r.id, r.started_ms, r.mode, r.venue, r.model, AuditLimits.from_config(r.config))
            for r in conn.execute(select(s.runs).order_by(s.runs.c.started_ms, s.runs.c.id))
        ]
        from alphaloop.ops.audit_gate import load_gate_facts  # it builds on this module's types

        gate = load_gate_facts(conn, since_ms)
    return AuditFacts(orders, fills, positions, ai_logs, calls, denials, events, states, runs, gate)


def audit_engine(engine: Engine, *, journal: str, since_ms: int | None = None) -> AuditReport:
    return build_report(load_facts(engine, since_ms), journal=journal, since_ms=since_ms)
