"""The gate's view after the orders already sent in this cycle: the projected state.

The trader reads positions, balance and resting orders once per cycle. Gating the fifth entry
against that first read would let eight entries through a four-position limit, so every order
sent (or whose outcome is in doubt) is folded into the view before the next one is checked:

* an entry sent or in doubt counts as filled at its proposal price: a position (or a larger one),
  its notional, its margin (`amount * price / leverage` taken from `available`), its time as the
  symbol's last entry, and one more order in the last hour;
* an exit counts as filled only when the venue confirmed the fill; until then the position, its
  notional and its margin stay counted (an exit in doubt frees nothing);
* a refused order (rejected, not sent) changes nothing but the hour's order count when it reached
  the venue.

Worst case on purpose: the projection may deny an entry the venue would have allowed, never the
other way round. Pure.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from alphaloop.model import Position
from alphaloop.risk.rules import OrderProposal, RiskView


def project(
    view: RiskView, proposal: OrderProposal, *, filled: Decimal | None, reached_venue: bool
) -> RiskView:
    """`view` after `proposal` was sent. `filled`: the amount the venue confirmed filled, or None
    when the outcome is unknown (an entry is then counted as fully filled, an exit as not filled).
    `reached_venue`: False when the order certainly did not execute (refused before matching)."""
    if not reached_venue:
        return view
    hour = view.orders_last_hour + 1
    if proposal.intent.reduce_only:
        done = filled if filled is not None else Decimal(0)
        if done <= 0:
            return replace(view, orders_last_hour=hour)
        return _reduce(view, proposal, done, hour)
    amount = proposal.amount if filled is None or filled <= 0 else max(filled, proposal.amount)
    side = proposal.intent.position_side
    leverage = Decimal(max(proposal.leverage, 1))
    margin = amount * proposal.price / leverage
    positions: list[Position] = []
    merged = False
    for pos in view.positions:
        if not merged and pos.symbol == proposal.symbol and pos.side is side and pos.size > 0:
            size = pos.size + amount
            entry = (pos.notional + amount * proposal.price) / size
            positions.append(replace(pos, size=size, entry_price=entry, margin=pos.margin + margin))
            merged = True
        else:
            positions.append(pos)
    if not merged:
        positions.append(
            Position(
                symbol=proposal.symbol,
                side=side,
                size=amount,
                entry_price=proposal.price,
                leverage=leverage,
                margin=margin,
            )
        )
    last_entry = dict(view.last_entry_ms)
    last_entry[proposal.symbol] = view.now_ms
    return replace(
        view,
        positions=tuple(positions),
        available=view.available - margin,
        last_entry_ms=last_entry,
        orders_last_hour=hour,
    )


def _reduce(view: RiskView, proposal: OrderProposal, done: Decimal, hour: int) -> RiskView:
    side = proposal.intent.position_side
    freed = Decimal(0)
    positions: list[Position] = []
    left = done
    for pos in view.positions:
        if left > 0 and pos.symbol == proposal.symbol and pos.side is side and pos.size > 0:
            cut = min(pos.size, left)
            left -= cut
            share = cut / pos.size
            # the position's margin as the venue holds it, or its notional over its leverage
            held = pos.margin if pos.margin > 0 else pos.notional / max(pos.leverage, Decimal(1))
            freed += held * share
            if cut < pos.size:
                positions.append(replace(pos, size=pos.size - cut, margin=held - held * share))
            continue
        positions.append(pos)
    return replace(view, positions=tuple(positions), available=view.available + freed, orders_last_hour=hour)
