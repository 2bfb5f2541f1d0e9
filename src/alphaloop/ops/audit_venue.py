"""`alphaloop audit --venue`: the journal held against the venue itself.

Two checks, read-only at the venue:
* `venue_orders_known`: every order the venue lists for the account (its fills' orders, resting
  orders, resting trigger orders) is one the journal knows, by `client_oid` or venue order id;
* `venue_fills_equal`: the venue's fills since the journal's first run are exactly the journal's
  fills (same trade ids), so fill-based figures (PnL, coverage) rest on every execution. Per
  symbol one page of the venue's newest 100 fills is compared (with the journal's fills of the
  same window): the venue port pages fills only forward, the venues answer newest first.

Venue-triggered executions of our stops are known through the stop's journaled venue id. A venue
that does not echo `client_oid` on its fills is matched by order id only (see the README).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import Engine, func, select

from alphaloop.journal import schema
from alphaloop.model import Order, Trade
from alphaloop.ops.audit import AuditReport, Check, Violation, iso
from alphaloop.venues.base import Venue

#: fills read per symbol (one page: the newest ones when there are more)
PAGE = 100


async def venue_fills(venue: Venue, symbol: str, since_ms: int) -> tuple[list[Trade], int]:
    """The fills of `symbol` from `since_ms` the venue lists in one page, and the start of the
    window they cover: venues answer the newest page first and the port pages only forward, so
    when the page is full the comparison covers the newest `PAGE` fills of the symbol."""
    page = await venue.fetch_my_trades(symbol, since=since_ms, limit=PAGE)
    window = since_ms
    if len(page) >= PAGE:
        window = min((t.timestamp or since_ms) for t in page)
    return sorted(page, key=lambda t: (t.timestamp or 0, t.id)), window


def _preset_sides(engine: Engine) -> set[tuple[str, str]]:
    """(symbol, position side) of journaled entries that carried a preset stop or target: the
    venue lists those as trigger orders of its own (no client_oid, an id we never saw)."""
    s = schema
    query = select(s.orders.c.symbol, s.orders.c.intent).where(
        s.orders.c.purpose == "entry",
        (s.orders.c.stop_loss.is_not(None)) | (s.orders.c.take_profit.is_not(None)),
    )
    with engine.connect() as conn:
        return {(symbol, intent.removeprefix("open_")) for symbol, intent in conn.execute(query)}


def _journal_fills(engine: Engine, symbol: str, since_ms: int) -> set[str]:
    s = schema
    query = select(s.fills.c.trade_id).where(s.fills.c.symbol == symbol, s.fills.c.ts_ms >= since_ms)
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(query)}


def _journal_ids(engine: Engine) -> tuple[set[str], set[str], set[str], int | None]:
    s = schema
    with engine.connect() as conn:
        oids = {r.client_oid for r in conn.execute(select(s.orders.c.client_oid))}
        venue_ids = {
            r.venue_order_id
            for r in conn.execute(select(s.orders.c.venue_order_id))
            if r.venue_order_id is not None
        }
        fills = {r.trade_id for r in conn.execute(select(s.fills.c.trade_id))}
        started = conn.scalar(select(func.min(s.runs.c.started_ms)))
    return oids, venue_ids, fills, None if started is None else int(started)


def _known(order_id: str, client_oid: str | None, oids: set[str], venue_ids: set[str]) -> bool:
    return order_id in venue_ids or (client_oid is not None and client_oid in oids)


async def venue_checks(engine: Engine, venue: Venue, symbols: Sequence[str]) -> tuple[Check, Check]:
    oids, venue_ids, all_journal_fills, started = _journal_ids(engine)
    since = started or 0
    fills: list[Trade] = []
    journal_fills: set[str] = set()
    for symbol in symbols:
        page, window = await venue_fills(venue, symbol, since)
        fills.extend(page)
        # a full page: fills sharing its oldest millisecond may fall outside it, so the journal's
        # side of the window starts just after
        journal_fills |= _journal_fills(engine, symbol, window + 1 if window > since else since)
    resting: list[Order] = [*await venue.fetch_open_orders(), *await venue.fetch_trigger_orders()]
    presets = _preset_sides(engine)
    unknown: list[Violation] = []
    for order in resting:
        preset = (
            order.client_order_id is None
            and order.trigger_kind is not None
            and (order.symbol, order.intent.position_side.value) in presets
        )
        if (
            order.symbol in symbols
            and not preset
            and not _known(order.id, order.client_order_id, oids, venue_ids)
        ):
            unknown.append(
                Violation(
                    f"resting {order.symbol} order {order.id} ({order.client_order_id or 'no client_oid'}) "
                    "is not in the journal",
                    (order.client_order_id,) if order.client_order_id else (),
                )
            )
    fill_oid = {t.id: (t.raw.get("client_oid") or t.raw.get("clientOrderId")) for t in fills}
    for trade in fills:
        client_oid = fill_oid[trade.id]
        oid = str(client_oid) if client_oid else None
        if trade.id not in journal_fills and not _known(trade.order_id, oid, oids, venue_ids):
            unknown.append(
                Violation(
                    f"{trade.symbol} fill {trade.id} of order {trade.order_id} at {iso(trade.timestamp)} "
                    "belongs to no journaled order",
                    (oid,) if oid else (),
                    (trade.timestamp,) if trade.timestamp is not None else (),
                )
            )
    venue_ids_seen = {t.id for t in fills}
    missing = sorted(venue_ids_seen - all_journal_fills)
    extra = sorted(journal_fills - venue_ids_seen)
    equal: list[Violation] = []
    if missing:
        equal.append(
            Violation(f"{len(missing)} venue fills are not in the journal: {', '.join(missing[:10])}")
        )
    if extra:
        equal.append(Violation(f"{len(extra)} journal fills are not at the venue: {', '.join(extra[:10])}"))
    return (
        Check(
            "venue_orders_known",
            "venue orders known to the journal",
            f"{len(fills)} venue fills, {len(resting)} resting orders",
            "all known",
            tuple(unknown),
        ),
        Check(
            "venue_fills_equal",
            "journal fills equal the venue's",
            f"venue {len(venue_ids_seen)}, journal {len(journal_fills)}",
            "equal",
            tuple(equal),
        ),
    )


def traded_symbols(engine: Engine) -> list[str]:
    """The symbols the journal has orders or fills in."""
    s = schema
    with engine.connect() as conn:
        found = {r[0] for r in conn.execute(select(s.orders.c.symbol).distinct())}
        found |= {r[0] for r in conn.execute(select(s.fills.c.symbol).distinct())}
    return sorted(found)


async def audit_with_venue(report: AuditReport, engine: Engine, venue: Venue) -> AuditReport:
    """`report` with the two venue checks added; the venue is closed afterwards."""
    try:
        extra = await venue_checks(engine, venue, traded_symbols(engine))
    finally:
        await venue.close()
    return replace(report, checks=(*report.checks, *extra))
