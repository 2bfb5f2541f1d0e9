"""The operator console's service facade, shared by the CLI and the dashboard.

Reads answer "what is it doing and why" from the journal alone (SQLite while a trader writes it,
or PostgreSQL), so they work for a live run, a paper run and any past run. Actions write to the
journal too: halt/resume change the persisted trading state (the trader re-reads it every
cycle); approve/veto decide an order parked by the semi-automatic mode; flatten halts and asks
the trading process (the only one holding the venue connection) to close every position and
cancel every order. Each action is journaled with who and when.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, desc, func, select

from alphaloop.journal import Journal
from alphaloop.journal import console_repo as repo
from alphaloop.journal import schema as t
from alphaloop.journal.console_repo import ApprovalRow, RequestRow
from alphaloop.journal.console_tables import approvals as approvals_table
from alphaloop.model import TIMEFRAME_MS, ConfigurationError
from alphaloop.ops import control

#: events shown on the "denials and events" page as problems
PROBLEM_KINDS = frozenset(
    {"unknown_outcome", "permission_denied", "model_error", "ailog_upload_failed", "kill_switch", "reconcile"}
)


class ConsoleError(ConfigurationError):
    """An operator action that cannot be done as asked (unknown id, already decided, expired)."""


@dataclass(frozen=True, slots=True)
class PositionView:
    symbol: str
    side: str
    size: float
    entry_price: float
    leverage: str
    unrealized_pnl: float
    stop_loss: str | None
    at_ms: int

    @property
    def notional(self) -> float:
        return self.size * self.entry_price

    @property
    def mark_price(self) -> float | None:
        """The mark the venue valued the position at (entry moved by the unrealized PnL per unit)."""
        if self.size <= 0:
            return None
        move = self.unrealized_pnl / self.size
        return self.entry_price + (move if self.side == "long" else -move)


@dataclass(frozen=True, slots=True)
class Status:
    """The overview: state, money, positions, limits, AI-log health, timing and venue health."""

    now_ms: int
    state: str
    state_reason: str
    state_since_ms: int | None
    run: Mapping[str, Any] | None
    equity: float | None
    available: float | None
    initial_equity: float | None
    day_start_equity: float | None
    peak_equity: float | None
    positions: tuple[PositionView, ...]
    exposure: float  # total notional / equity
    margin_use: float  # (equity - available) / equity
    limits: Mapping[str, Any]
    ai_logs_total: int
    ai_logs_backlog: int
    ai_log_coverage: float
    orders_sent: int
    last_cycle_ms: int | None
    last_bar_close_ms: int | None
    next_cycle_ms: int | None
    pending_approvals: int
    calls_last_hour: int
    failed_calls_last_hour: int
    unknown_outcomes_last_day: int
    pending_requests: tuple[RequestRow, ...] = field(default=())

    @property
    def total_pnl(self) -> float | None:
        if self.equity is None or self.initial_equity is None:
            return None
        return self.equity - self.initial_equity

    @property
    def today_pnl(self) -> float | None:
        if self.equity is None or self.day_start_equity is None:
            return None
        return self.equity - self.day_start_equity

    @property
    def drawdown(self) -> float | None:
        if self.equity is None or not self.peak_equity:
            return None
        return self.equity / self.peak_equity - 1.0


def _rows(journal: Journal, statement: Any) -> list[Mapping[str, Any]]:
    with journal.engine.connect() as conn:
        return [dict(row) for row in conn.execute(statement).mappings().all()]


def _scalar(journal: Journal, statement: Any) -> Any:
    with journal.engine.connect() as conn:
        return conn.execute(statement).scalar()


def positions(journal: Journal) -> list[PositionView]:
    """The positions of the newest account snapshot (none at that instant: flat)."""
    latest = _scalar(journal, select(func.max(t.equity.c.at_ms)))
    if latest is None:
        return []
    rows = _rows(
        journal,
        select(t.position_snapshots)
        .where(t.position_snapshots.c.at_ms == latest)
        .order_by(t.position_snapshots.c.symbol),
    )
    return [
        PositionView(
            symbol=row["symbol"],
            side=row["side"],
            size=float(row["size"]),
            entry_price=float(row["entry_price"]),
            leverage=row["leverage"],
            unrealized_pnl=float(row["unrealized_pnl"]),
            stop_loss=row["stop_loss"],
            at_ms=row["at_ms"],
        )
        for row in rows
        if float(row["size"]) > 0
    ]


def status(journal: Journal, *, now_ms: int) -> Status:
    states = control.trading_states(journal)
    state = states[0] if states else None
    run = journal.latest_run()
    last_equity = _rows(journal, select(t.equity).order_by(desc(t.equity.c.at_ms)).limit(1))
    first_equity = _rows(journal, select(t.equity).order_by(t.equity.c.at_ms).limit(1))
    equity = float(last_equity[0]["equity"]) if last_equity else None
    available = float(last_equity[0]["available"]) if last_equity else None
    held = positions(journal)
    notional = sum(p.notional for p in held)
    counts = journal.ai_log_counts()
    last_decision = _rows(
        journal,
        select(t.decisions.c.created_ms, t.decisions.c.bar_close_ms)
        .where(t.decisions.c.model != "alphaloop-operator")
        .order_by(desc(t.decisions.c.bar_close_ms))
        .limit(1),
    )
    step = TIMEFRAME_MS.get(str(run["timeframe"])) if run else None
    last_bar = last_decision[0]["bar_close_ms"] if last_decision else None
    hour_ago = now_ms - 3_600_000
    config = dict(run["config"]) if run else {}
    initial = state.initial_equity if state and state.initial_equity else None
    if initial is None and first_equity:
        initial = float(first_equity[0]["equity"])
    return Status(
        now_ms=now_ms,
        state=state.state if state else "unknown",
        state_reason=state.reason if state else "no trading state yet",
        state_since_ms=state.since_ms if state else None,
        run=run,
        equity=equity,
        available=available,
        initial_equity=initial,
        day_start_equity=state.day_start_equity if state else None,
        peak_equity=state.peak_equity if state else None,
        positions=tuple(held),
        exposure=notional / equity if equity else 0.0,
        margin_use=(equity - available) / equity if equity and available is not None else 0.0,
        limits=dict(config.get("risk") or {}),
        ai_logs_total=counts.total,
        ai_logs_backlog=counts.waiting + counts.pending,
        ai_log_coverage=counts.coverage_stored,
        orders_sent=counts.orders_sent,
        last_cycle_ms=last_decision[0]["created_ms"] if last_decision else None,
        last_bar_close_ms=last_bar,
        next_cycle_ms=last_bar + step if last_bar is not None and step else None,
        pending_approvals=int(
            _scalar(
                journal,
                select(func.count())
                .select_from(approvals_table)
                .where(approvals_table.c.status == "pending"),
            )
            or 0
        ),
        calls_last_hour=int(
            _scalar(
                journal, select(func.count()).select_from(t.api_calls).where(t.api_calls.c.at_ms >= hour_ago)
            )
            or 0
        ),
        failed_calls_last_hour=int(
            _scalar(
                journal,
                select(func.count())
                .select_from(t.api_calls)
                .where(and_(t.api_calls.c.at_ms >= hour_ago, t.api_calls.c.ok.is_(False))),
            )
            or 0
        ),
        unknown_outcomes_last_day=int(
            _scalar(
                journal,
                select(func.count())
                .select_from(t.events)
                .where(and_(t.events.c.kind == "unknown_outcome", t.events.c.at_ms >= now_ms - 86_400_000)),
            )
            or 0
        ),
        pending_requests=tuple(repo.request_rows(journal, status="pending")),
    )


def equity_curve(journal: Journal, *, limit: int = 5000) -> list[tuple[int, float]]:
    """(at_ms, equity) oldest first, thinned to at most `limit` points."""
    rows = _rows(journal, select(t.equity.c.at_ms, t.equity.c.equity).order_by(t.equity.c.at_ms))
    stride = max(1, len(rows) // limit)
    return [(int(r["at_ms"]), float(r["equity"])) for r in rows[::stride]]


def decisions(
    journal: Journal,
    *,
    symbol: str | None = None,
    since_ms: int | None = None,
    until_ms: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Each cycle's model output (newest first) with the AI logs stored for it."""
    query = (
        select(t.decisions).order_by(desc(t.decisions.c.bar_close_ms)).limit(limit if not symbol else 5000)
    )
    if since_ms is not None:
        query = query.where(t.decisions.c.bar_close_ms >= since_ms)
    if until_ms is not None:
        query = query.where(t.decisions.c.bar_close_ms <= until_ms)
    found = []
    for row in _rows(journal, query):
        actions = list(row["actions"] or [])
        if symbol and not any(symbol.lower() in str(a.get("symbol", "")).lower() for a in actions):
            continue
        found.append({**row, "actions": actions})
        if len(found) >= limit:
            break
    ids = [row["id"] for row in found]
    logs: dict[str, list[Mapping[str, Any]]] = {}
    if ids:
        for log in _rows(
            journal, select(t.ai_logs).where(t.ai_logs.c.decision_id.in_(ids)).order_by(t.ai_logs.c.id)
        ):
            logs.setdefault(log["decision_id"], []).append(log)
    return [{**row, "ai_logs": logs.get(row["id"], [])} for row in found]


def orders(journal: Journal, *, limit: int = 100, symbol: str | None = None) -> list[dict[str, Any]]:
    """Orders newest first, each with its state history, AI log and fills."""
    query = select(t.orders).order_by(desc(t.orders.c.created_ms)).limit(limit)
    if symbol:
        query = query.where(t.orders.c.symbol == symbol)
    rows = _rows(journal, query)
    oids = [row["client_oid"] for row in rows]
    history: dict[str, list[Mapping[str, Any]]] = {}
    logs: dict[str, Mapping[str, Any]] = {}
    fills: dict[str, list[Mapping[str, Any]]] = {}
    if oids:
        for event in _rows(
            journal,
            select(t.order_events).where(t.order_events.c.client_oid.in_(oids)).order_by(t.order_events.c.id),
        ):
            history.setdefault(event["client_oid"], []).append(event)
        for log in _rows(journal, select(t.ai_logs).where(t.ai_logs.c.client_oid.in_(oids))):
            logs[log["client_oid"]] = log
        for fill in _rows(
            journal, select(t.fills).where(t.fills.c.client_oid.in_(oids)).order_by(t.fills.c.ts_ms)
        ):
            fills.setdefault(fill["client_oid"], []).append(fill)
    return [
        {
            **row,
            "history": history.get(row["client_oid"], []),
            "ai_log": logs.get(row["client_oid"]),
            "fills": fills.get(row["client_oid"], []),
        }
        for row in rows
    ]


def fills(journal: Journal, *, limit: int = 200) -> list[Mapping[str, Any]]:
    return _rows(journal, select(t.fills).order_by(desc(t.fills.c.ts_ms)).limit(limit))


def denials(journal: Journal, *, limit: int = 200) -> list[Mapping[str, Any]]:
    return _rows(
        journal, select(t.denials).order_by(desc(t.denials.c.at_ms), desc(t.denials.c.id)).limit(limit)
    )


def events(
    journal: Journal, *, kinds: Sequence[str] | None = None, limit: int = 200
) -> list[Mapping[str, Any]]:
    query = select(t.events).order_by(desc(t.events.c.at_ms), desc(t.events.c.id)).limit(limit)
    if kinds:
        query = query.where(t.events.c.kind.in_(list(kinds)))
    return _rows(journal, query)


def runs(journal: Journal) -> list[dict[str, Any]]:
    """Every run, newest first, with a small summary (decisions, orders, fills)."""
    found = []
    for run in _rows(journal, select(t.runs).order_by(desc(t.runs.c.started_ms))):
        run_id = run["id"]
        summary = {
            "decisions": _scalar(
                journal, select(func.count()).select_from(t.decisions).where(t.decisions.c.run_id == run_id)
            ),
            "orders": _scalar(
                journal, select(func.count()).select_from(t.orders).where(t.orders.c.run_id == run_id)
            ),
            "filled": _scalar(
                journal,
                select(func.count())
                .select_from(t.orders)
                .where(and_(t.orders.c.run_id == run_id, t.orders.c.status == "filled")),
            ),
        }
        found.append({**run, "summary": summary})
    return found


def approvals(journal: Journal, *, status: str | None = None, limit: int = 200) -> list[ApprovalRow]:
    return repo.approval_rows(journal, status=status, limit=limit)


# ---------------------------------------------------------------------- actions


def _who(by: str) -> str:
    cleaned = " ".join(by.split())[:64]
    return cleaned or "operator"


def halt(journal: Journal, *, reason: str, by: str, now_ms: int) -> control.ControlResult:
    result = control.halt(journal, reason=reason, now_ms=now_ms)
    journal.record_event(
        at_ms=now_ms, kind="operator", message=f"halt by {_who(by)}: {reason}", detail={"by": _who(by)}
    )
    return result


def resume(journal: Journal, *, reason: str, by: str, now_ms: int) -> control.ControlResult:
    result = control.resume(journal, reason=reason, now_ms=now_ms)
    journal.record_event(
        at_ms=now_ms, kind="operator", message=f"resume by {_who(by)}: {reason}", detail={"by": _who(by)}
    )
    return result


def flatten(journal: Journal, *, reason: str, by: str, now_ms: int) -> int:
    """Halt (so nothing reopens) and ask the trading process to close every position and cancel
    every order; returns the request id. The trader carries it out within one maintenance pass
    (or at its next start)."""
    reason = " ".join(reason.split()) or "flatten"
    control.halt(journal, reason=f"flatten: {reason}", now_ms=now_ms)
    request = repo.add_request(journal, kind="flatten", by=_who(by), reason=reason, now_ms=now_ms)
    journal.record_event(
        at_ms=now_ms,
        kind="operator",
        message=f"flatten requested by {_who(by)}: {reason}",
        detail={"by": _who(by), "request": request},
    )
    return request


def request(journal: Journal, request_id: int) -> RequestRow | None:
    return next((row for row in repo.request_rows(journal, limit=1000) if row.id == request_id), None)


def approve(journal: Journal, client_oid: str, *, by: str, now_ms: int) -> ApprovalRow:
    """Approve a pending order: the trader re-gates and sends it at its next maintenance pass."""
    row = _pending(journal, client_oid, now_ms)
    if not repo.transition(
        journal,
        client_oid,
        from_status="pending",
        to_status="approved",
        now_ms=now_ms,
        not_expired=True,
        decided_ms=now_ms,
        decided_by=_who(by),
    ):
        raise ConsoleError(f"{client_oid} was decided or expired meanwhile")
    journal.record_event(
        at_ms=now_ms,
        kind="approval",
        message=f"{client_oid} approved by {_who(by)}: {row.summary}",
        detail={"client_oid": client_oid, "by": _who(by)},
    )
    return repo.approval(journal, client_oid) or row


def veto(journal: Journal, client_oid: str, *, by: str, reason: str, now_ms: int) -> ApprovalRow:
    """Refuse a pending order: it is never sent."""
    row = _pending(journal, client_oid, now_ms, allow_expired=True)
    reason = " ".join(reason.split()) or "vetoed"
    if not repo.transition(
        journal,
        client_oid,
        from_status="pending",
        to_status="vetoed",
        now_ms=now_ms,
        decided_ms=now_ms,
        decided_by=_who(by),
        reason=reason,
        done_ms=now_ms,
    ):
        raise ConsoleError(f"{client_oid} was decided meanwhile")
    journal.record_event(
        at_ms=now_ms,
        kind="veto",
        message=f"{client_oid} vetoed by {_who(by)}: {reason}",
        detail={"client_oid": client_oid, "by": _who(by)},
    )
    return repo.approval(journal, client_oid) or row


def _pending(journal: Journal, client_oid: str, now_ms: int, *, allow_expired: bool = False) -> ApprovalRow:
    row = repo.approval(journal, client_oid)
    if row is None:
        raise ConsoleError(f"no order waiting for approval has the id {client_oid!r}")
    if row.status != "pending":
        raise ConsoleError(f"{client_oid} is {row.status}, not pending")
    deadline = row.expires_wall_ms if row.expires_wall_ms is not None else row.expires_ms
    if not allow_expired and deadline <= now_ms:
        raise ConsoleError(f"{client_oid} expired at {_iso(deadline)}: it will not be sent")
    return row


def _iso(ms: int) -> str:
    from alphaloop.engine.approval import iso

    return iso(ms)


__all__ = [
    "PROBLEM_KINDS",
    "ConsoleError",
    "PositionView",
    "Status",
    "approvals",
    "approve",
    "decisions",
    "denials",
    "equity_curve",
    "events",
    "fills",
    "flatten",
    "halt",
    "orders",
    "positions",
    "request",
    "resume",
    "runs",
    "status",
    "veto",
]
