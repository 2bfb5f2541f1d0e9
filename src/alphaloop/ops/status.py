"""`alphaloop status`: what a (running or stopped) trader is doing, read from its journal only.

Nothing here talks to a venue: the journal holds the latest run, the trading state, the last
decision, equity and position snapshots, orders in doubt and the AI-log backlog. Whether a
process is running now is read from the account's lock file, which holds the owner's pid only
while it is locked (see journal/lock.py).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select

from alphaloop.journal import schema
from alphaloop.journal.journal import Journal
from alphaloop.ops.ailog import ailog_status
from alphaloop.ops.control import trading_states
from alphaloop.ops.trading import lock_path

_POSITION_FIELDS = ("symbol", "side", "size", "entry_price", "unrealized_pnl", "stop_loss")


@dataclass(frozen=True, slots=True)
class TraderStatus:
    journal: str
    run_id: str | None = None
    mode: str | None = None
    venue: str | None = None
    model: str | None = None
    timeframe: str | None = None
    started_ms: int | None = None
    ended_ms: int | None = None
    end_reason: str | None = None
    #: the pid holding the account's lock, when a trader is running now
    running_pid: int | None = None
    states: list[dict[str, Any]] = field(default_factory=list)
    last_decision_bar_ms: int | None = None
    last_decision_error: str | None = None
    cycles: int = 0
    model_errors: int = 0
    equity: float | None = None
    equity_at_ms: int | None = None
    positions: list[dict[str, Any]] = field(default_factory=list)
    orders_in_doubt: int = 0
    ai_log_backlog: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _running_pid(journal_url: str, account: str) -> int | None:
    path = lock_path(journal_url, account)
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    if not text.isdigit():
        return None  # released: the holder empties the file before unlocking
    pid = int(text)
    return pid if os.path.exists(f"/proc/{pid}") or not os.path.isdir("/proc") else None


def trader_status(journal: Journal, journal_url: str, *, now_ms: int) -> TraderStatus:
    run = journal.latest_run()
    if run is None:
        return TraderStatus(journal=journal.url)
    with journal.engine.connect() as conn:
        decisions = schema.decisions
        cycles, errors = conn.execute(
            select(func.count(), func.count(decisions.c.error)).where(decisions.c.run_id == run["id"])
        ).one()
        last = conn.execute(
            select(decisions.c.bar_close_ms, decisions.c.error)
            .where(decisions.c.run_id == run["id"])
            .order_by(decisions.c.bar_close_ms.desc())
            .limit(1)
        ).first()
        point = conn.execute(select(schema.equity).order_by(schema.equity.c.at_ms.desc()).limit(1)).first()
        snaps = schema.position_snapshots
        newest = conn.execute(select(func.max(snaps.c.at_ms))).scalar()
        positions = (
            [
                {name: getattr(r, name) for name in _POSITION_FIELDS}
                for r in conn.execute(select(snaps).where(snaps.c.at_ms == newest)).all()
            ]
            if newest is not None
            else []
        )
    return TraderStatus(
        journal=journal.url,
        run_id=str(run["id"]),
        mode=run["mode"],
        venue=run["venue"],
        model=run["model"],
        timeframe=run["timeframe"],
        started_ms=run["started_ms"],
        ended_ms=run["ended_ms"],
        end_reason=run["end_reason"],
        running_pid=_running_pid(journal_url, str(run["account"])) if run["ended_ms"] is None else None,
        states=[
            {"account": s.account, "state": s.state, "reason": s.reason, "since_ms": s.since_ms}
            for s in trading_states(journal)
        ],
        last_decision_bar_ms=None if last is None else int(last.bar_close_ms),
        last_decision_error=None if last is None else last.error,
        cycles=int(cycles),
        model_errors=int(errors),
        equity=None if point is None else float(point.equity),
        equity_at_ms=None if point is None else int(point.at_ms),
        positions=positions,
        orders_in_doubt=len(journal.orders_in_doubt()),
        ai_log_backlog=ailog_status(journal, now_ms=now_ms).backlog,
    )
