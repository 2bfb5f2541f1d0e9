"""Alerts from the journal: what happened since the last look, as `Alert`s.

The watcher only reads the journal (its own connection, its own thread), so the trader never
waits for it; everything the trader journals can become an alert without touching the trading
path. Each row is read once (cursors on ids and times), so a restart of the watcher starts from
the journal's end instead of replaying history.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, select

from alphaloop.alerts.delivery import Alert
from alphaloop.journal import Journal
from alphaloop.journal import schema as t
from alphaloop.model import TIMEFRAME_MS

RISK_KINDS = frozenset({"kill_switch", "state_change", "halt", "resume"})
VENUE_ERROR_KINDS = frozenset({"unknown_outcome", "permission_denied"})
#: failed order calls or unknown outcomes within ten minutes that make "repeated venue errors"
VENUE_ERROR_BURST = 3
WINDOW_MS = 600_000
#: AI logs not uploaded this long after being stored make a backlog alert
BACKLOG_AGE_MS = 300_000


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


def _max(journal: Journal, column: Any) -> int:
    with journal.engine.connect() as conn:
        return int(conn.execute(select(func.max(column))).scalar() or 0)


class JournalWatcher:
    def __init__(self, journal: Journal, *, venue_error_burst: int = VENUE_ERROR_BURST) -> None:
        self.journal = journal
        self.venue_error_burst = venue_error_burst
        self.event_id = _max(journal, t.events.c.id)
        self.order_event_id = _max(journal, t.order_events.c.id)
        self.fill_ts = _max(journal, t.fills.c.ts_ms)
        self.seen_fills: set[str] = set()
        self.last_equity_ms = _max(journal, t.equity.c.at_ms)
        self.held_at, self.held = self._held()

    def _rows(self, statement: Any) -> list[Mapping[str, Any]]:
        with self.journal.engine.connect() as conn:
            return [dict(row) for row in conn.execute(statement).mappings().all()]

    def poll(self) -> list[Alert]:
        alerts: list[Alert] = []
        alerts += self._orders()
        alerts += self._venue_exits()
        alerts += self._vanished_positions()
        alerts += self._events()
        alerts += self._venue_errors()
        alerts += self._backlog()
        alerts += self._clock_checks()
        return alerts

    def _orders(self) -> list[Alert]:
        rows = self._rows(
            select(t.order_events.c.id, t.order_events.c.at_ms, t.orders, t.ai_logs.c.explanation)
            .join(t.orders, t.orders.c.client_oid == t.order_events.c.client_oid)
            .join(t.ai_logs, t.ai_logs.c.client_oid == t.orders.c.client_oid, isouter=True)
            .where(t.order_events.c.id > self.order_event_id)
            .order_by(t.order_events.c.id)
        )
        alerts = []
        for row in rows:
            self.order_event_id = max(self.order_event_id, int(row["id"]))
            if row["purpose"] not in ("entry", "exit") or row["status"] != "filled":
                continue
            reason = " ".join(str(row["explanation"] or "").split())[:240]
            price = row["average_price"] or row["price"] or "market"
            alerts.append(
                Alert(
                    row["purpose"],
                    row["client_oid"],
                    f"alphaloop {row['purpose']}: {row['intent']} {row['symbol']}",
                    f"{row['intent']} {row['filled']} {row['symbol']} at {price}. {reason}",
                    int(row["at_ms"]),
                )
            )
        return alerts

    def _venue_exits(self) -> list[Alert]:
        """Fills the venue made on its own (no client order id of ours): a stop, a target, or a
        liquidation closed a position."""
        rows = self._rows(
            select(t.fills, t.orders.c.purpose)
            .join(t.orders, t.orders.c.client_oid == t.fills.c.client_oid, isouter=True)
            .where(t.fills.c.ts_ms >= self.fill_ts)
            .order_by(t.fills.c.ts_ms)
        )
        stops = {
            row["venue_order_id"]
            for row in self._rows(select(t.orders.c.venue_order_id).where(t.orders.c.purpose == "stop_loss"))
        }
        alerts = []
        for row in rows:
            if row["trade_id"] in self.seen_fills:
                continue
            self.seen_fills.add(row["trade_id"])
            self.fill_ts = max(self.fill_ts, int(row["ts_ms"]))
            if row["client_oid"] is not None and row["purpose"] != "stop_loss":
                continue  # our own entry or exit: reported from the order
            stop = row["purpose"] == "stop_loss" or row["venue_order_id"] in stops
            what = "stop-loss" if stop else "venue-side stop, target or liquidation"
            alerts.append(
                Alert(
                    "stop_hit",
                    row["trade_id"],
                    f"alphaloop: {what} hit on {row['symbol']}",
                    f"{row['symbol']} {row['position_side']} closed by the venue: {row['amount']} at "
                    f"{row['price']}, realized PnL {row['realized_pnl']}",
                    int(row["ts_ms"]),
                )
            )
        return alerts

    def _held(self) -> tuple[int, dict[tuple[str, str], str]]:
        """The positions of the newest account snapshot: (time, {(symbol, side): size})."""
        latest = _max(self.journal, t.equity.c.at_ms)
        rows = self._rows(select(t.position_snapshots).where(t.position_snapshots.c.at_ms == latest))
        return latest, {(r["symbol"], r["side"]): r["size"] for r in rows if float(r["size"]) > 0}

    def _vanished_positions(self) -> list[Alert]:
        """A position gone between two snapshots without a filled exit of ours: the venue closed it
        (its stop-loss, a take-profit, or a liquidation). Every snapshot since the last look is
        compared with the one before, so a position that lived between two looks still counts."""
        times = [
            int(row["at_ms"])
            for row in self._rows(
                select(t.equity.c.at_ms)
                .where(t.equity.c.at_ms > self.held_at)
                .order_by(t.equity.c.at_ms)
                .limit(2000)
            )
        ]
        if not times:
            return []
        snapshots: dict[int, dict[tuple[str, str], str]] = {at: {} for at in times}
        for row in self._rows(
            select(t.position_snapshots).where(
                and_(t.position_snapshots.c.at_ms > self.held_at, t.position_snapshots.c.at_ms <= times[-1])
            )
        ):
            if row["at_ms"] in snapshots and float(row["size"]) > 0:
                snapshots[row["at_ms"]][(row["symbol"], row["side"])] = row["size"]
        alerts = []
        for at in times:
            held = snapshots[at]
            alerts += self._closed_by_venue(self.held, held, self.held_at, at)
            self.held_at, self.held = at, held
        return alerts

    def _closed_by_venue(
        self, before: dict[tuple[str, str], str], after: dict[tuple[str, str], str], since: int, at: int
    ) -> list[Alert]:
        alerts = []
        for (symbol, side), size in before.items():
            if (symbol, side) in after:
                continue
            closing = "close_long" if side == "long" else "close_short"
            ours = self._rows(
                select(t.orders.c.client_oid).where(
                    and_(
                        t.orders.c.symbol == symbol,
                        t.orders.c.intent == closing,
                        t.orders.c.purpose == "exit",
                        t.orders.c.updated_ms >= since - 60_000,
                    )
                )
            )
            if ours:
                continue
            alerts.append(
                Alert(
                    "stop_hit",
                    f"{symbol}:{side}:{at}",
                    f"alphaloop: venue-side stop, target or liquidation hit on {symbol}",
                    f"{symbol} {side} {size} was closed by the venue (no exit order of ours): "
                    "its stop-loss, take-profit or a liquidation",
                    at,
                )
            )
        return alerts

    def _events(self) -> list[Alert]:
        rows = self._rows(select(t.events).where(t.events.c.id > self.event_id).order_by(t.events.c.id))
        alerts = []
        for row in rows:
            self.event_id = max(self.event_id, int(row["id"]))
            kind = row["kind"]
            if kind in RISK_KINDS:
                alerts.append(Alert("risk_state", str(row["id"]), "alphaloop: trading state", row["message"]))
            elif kind == "approval_waiting":
                detail = row["detail"] or {}
                alerts.append(
                    Alert(
                        "approval_waiting",
                        str(detail.get("client_oid", row["id"])),
                        "alphaloop: an order waits for your approval",
                        f"{row['message']} - approve: alphaloop approve {detail.get('client_oid', '')} "
                        "(or the dashboard's Approvals page)",
                    )
                )
            elif kind == "ailog_upload_failed":
                alerts.append(
                    Alert("ailog_failure", str(row["id"]), "alphaloop: AI-log upload failed", row["message"])
                )
            elif kind in ("flatten", "model_error"):
                alerts.append(
                    Alert(kind, str(row["id"]), f"alphaloop: {kind.replace('_', ' ')}", row["message"])
                )
        return alerts

    def _venue_errors(self) -> list[Alert]:
        if not self.last_equity_ms:
            return []
        since = self.last_equity_ms - WINDOW_MS
        # order calls are journaled on the wall clock (pacing is real time), events and equity on the
        # market clock (simulated time against `sim serve`): each window is measured on its own clock
        calls_since = _max(self.journal, t.api_calls.c.at_ms) - WINDOW_MS
        failed = self._rows(
            select(func.count())
            .select_from(t.api_calls)
            .where(and_(t.api_calls.c.at_ms >= calls_since, t.api_calls.c.ok.is_(False)))
        )[0]
        unknown = self._rows(
            select(func.count())
            .select_from(t.events)
            .where(and_(t.events.c.at_ms >= since, t.events.c.kind.in_(VENUE_ERROR_KINDS)))
        )[0]
        count = int(next(iter(failed.values()))) + int(next(iter(unknown.values())))
        if count < self.venue_error_burst:
            return []
        return [
            Alert(
                "venue_errors",
                "burst",  # one key: the dispatcher's wall-clock dedup sends it at most once per period
                "alphaloop: repeated venue errors",
                f"{count} failed order calls or unknown outcomes in the last 10 minutes "
                "(429s, 5xx, timeouts)",
            )
        ]

    def _backlog(self) -> list[Alert]:
        if not self.last_equity_ms:
            return []
        rows = self._rows(
            select(func.count())
            .select_from(t.ai_logs)
            .where(
                and_(
                    t.ai_logs.c.status != "uploaded",
                    t.ai_logs.c.created_ms < self.last_equity_ms - BACKLOG_AGE_MS,
                )
            )
        )
        count = int(next(iter(rows[0].values())))
        if not count:
            return []
        return [
            Alert(
                "ailog_backlog",
                str(self.last_equity_ms // 3_600_000),
                "alphaloop: AI-log backlog",
                f"{count} AI logs older than 5 minutes are not uploaded yet (alphaloop ailog status)",
            )
        ]

    def _clock_checks(self) -> list[Alert]:
        """A missed cycle and the daily summary, on the trader's own clock (its equity points)."""
        latest = _max(self.journal, t.equity.c.at_ms)
        previous, self.last_equity_ms = self.last_equity_ms, latest
        if not latest:
            return []
        alerts = []
        run = self.journal.latest_run()
        step = TIMEFRAME_MS.get(str(run["timeframe"])) if run else None
        last_bar = _max(self.journal, t.decisions.c.bar_close_ms)
        # the trader's own clock on both sides (a simulator's bars may run on another one)
        decided_at = _max(self.journal, t.decisions.c.created_ms)
        if step and decided_at and latest - decided_at > 2 * step:
            alerts.append(
                Alert(
                    "missed_cycle",
                    str(last_bar),
                    "alphaloop: missed cycle",
                    f"no decision since the bar closing {_day(last_bar)} "
                    f"{datetime.fromtimestamp(last_bar / 1000, UTC):%H:%M} UTC: "
                    "the trader is behind or stuck",
                )
            )
        if previous and _day(previous) != _day(latest):
            alerts.append(self._daily_summary(_day(previous)))
        return alerts

    def _daily_summary(self, day: str) -> Alert:
        start = int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp() * 1000)
        end = start + 86_400_000
        points = self._rows(
            select(t.equity.c.equity)
            .where(and_(t.equity.c.at_ms >= start, t.equity.c.at_ms < end))
            .order_by(t.equity.c.at_ms)
        )
        orders = self._rows(
            select(func.count())
            .select_from(t.orders)
            .where(
                and_(
                    t.orders.c.created_ms >= start, t.orders.c.created_ms < end, t.orders.c.status == "filled"
                )
            )
        )
        filled = int(next(iter(orders[0].values())))
        if points:
            first, last = float(points[0]["equity"]), float(points[-1]["equity"])
            money = f"equity {first:,.2f} -> {last:,.2f} USDT ({last - first:+,.2f})"
        else:
            money = "no equity recorded"
        return Alert(
            "daily_summary", day, f"alphaloop: daily summary {day}", f"{day}: {money}, {filled} orders filled"
        )


__all__ = ["JournalWatcher"]
