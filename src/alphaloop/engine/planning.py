"""From a decision to concrete orders: which intent, how much, at which reference price, with
which stop. Pure: the trader passes in the account, positions, contract terms and prices.

Rules (the same in paper and live):
* CLOSE closes the whole open position of that symbol.
* An entry in the direction of an open position does nothing (no pyramiding).
* An entry against an open position closes it this cycle and leaves the new entry to a later
  decision: reversing in one step would momentarily hold both sides (a wash-trade pattern).
* Entries are sized by the `SizingPolicy`, floored to the size step; below the minimum size the
  entry is skipped with a reason, never rounded up.
* Every entry carries a stop-loss: the model's, or `fallback_stop_fraction` away from the price.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from alphaloop.engine.ledger import SymbolSpec
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.model import Instrument, OrderIntent, Position, PositionSide
from alphaloop.model.decision import Action, Decision, SymbolDecision
from alphaloop.model.snapshot import AccountView


@dataclass(frozen=True, slots=True)
class PlannedOrder:
    symbol: str
    intent: OrderIntent
    amount: Decimal
    #: the reference (last close) price: the market order's expected fill, for the gate and the AI log
    price: Decimal
    leverage: int
    purpose: str  # entry | exit
    leg: str  # e | x
    decision: SymbolDecision
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    #: how the stop was chosen, for the AI log ("model" or "engine default")
    stop_source: str = "model"


@dataclass(frozen=True, slots=True)
class Skipped:
    symbol: str
    reason: str


def _round_to_tick(price: float, instrument: Instrument, *, up: bool) -> Decimal:
    tick = instrument.price_tick
    units = (Decimal(repr(price)) / tick).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return units * tick


def exit_price_levels(
    decision: SymbolDecision,
    direction: int,
    price: Decimal,
    instrument: Instrument,
    fallback_stop_fraction: float,
) -> tuple[Decimal, Decimal | None, str]:
    """(stop, take profit, stop source) rounded to the tick, each on the protective side: a long's
    stop rounds down and its target up, so rounding never tightens an exit into the price."""
    long = direction > 0
    stop_value = decision.stop_loss
    source = "model"
    reference = float(price)
    valid_stop = stop_value is not None and (0 < stop_value < reference if long else stop_value > reference)
    if not valid_stop:
        stop_value = float(price) * (1 - fallback_stop_fraction if long else 1 + fallback_stop_fraction)
        source = "engine default"
    assert stop_value is not None
    stop = _round_to_tick(stop_value, instrument, up=not long)
    take = decision.take_profit
    target = None
    if take is not None and (take > reference if long else 0 < take < reference):
        target = _round_to_tick(take, instrument, up=long)
    return stop, target, source


def plan_orders(
    decision: Decision,
    *,
    positions: Mapping[str, Position],
    instruments: Mapping[str, Instrument],
    prices: Mapping[str, Decimal],
    account: AccountView,
    sizing: SizingPolicy,
    leverage: int,
    fallback_stop_fraction: float = 0.03,
) -> tuple[list[PlannedOrder], list[Skipped]]:
    """Exits first, then entries strongest first (so freed margin is counted by the venue before
    entries, and the gate's remaining room goes to the most confident signals)."""
    exits: list[PlannedOrder] = []
    entries: list[PlannedOrder] = []
    skipped: list[Skipped] = []
    for wish in decision.actionable:
        symbol = wish.symbol
        instrument = instruments.get(symbol)
        price = prices.get(symbol)
        if instrument is None or price is None or price <= 0:
            skipped.append(Skipped(symbol, "no contract terms or price for this symbol"))
            continue
        held = positions.get(symbol)
        if wish.action is Action.CLOSE:
            if held is None:
                skipped.append(Skipped(symbol, "CLOSE without an open position"))
            else:
                exits.append(_close(held, price, leverage, wish))
            continue
        direction = wish.action.direction
        if held is not None:
            held_direction = 1 if held.side is PositionSide.LONG else -1
            if held_direction == direction:
                skipped.append(Skipped(symbol, "already positioned in that direction"))
            else:
                exits.append(_close(held, price, leverage, wish))
                skipped.append(Skipped(symbol, "reversal: the position is closed now, a new entry waits"))
            continue
        use_leverage = min(leverage, wish.leverage) if wish.leverage else leverage
        stop, target, source = exit_price_levels(wish, direction, price, instrument, fallback_stop_fraction)
        spec = SymbolSpec.from_instrument(instrument)
        size = sizing.size(
            spec,
            price=float(price),
            equity=account.equity,
            available=account.available,
            leverage=use_leverage,
            stop=float(stop),
            risk_fraction=wish.risk_fraction,
        )
        amount = instrument.round_size(Decimal(repr(size)))
        if amount <= 0 or amount < instrument.min_size:
            skipped.append(
                Skipped(symbol, f"size {size:g} is below the minimum order size {instrument.min_size}")
            )
            continue
        intent = OrderIntent.OPEN_LONG if direction > 0 else OrderIntent.OPEN_SHORT
        entries.append(
            PlannedOrder(
                symbol=symbol,
                intent=intent,
                amount=amount,
                price=price,
                leverage=use_leverage,
                purpose="entry",
                leg="e",
                decision=wish,
                stop_loss=stop,
                take_profit=target,
                stop_source=source,
            )
        )
    # when limits allow only some entries, the strongest signals go first (ties keep model order)
    entries.sort(key=lambda plan: -(plan.decision.confidence or 0.0))
    return [*exits, *entries], skipped


def _close(position: Position, price: Decimal, leverage: int, wish: SymbolDecision) -> PlannedOrder:
    return PlannedOrder(
        symbol=position.symbol,
        intent=OrderIntent.closing(position.side),
        amount=position.size,
        price=price,
        leverage=int(position.leverage) or leverage,
        purpose="exit",
        leg="x",
        decision=wish,
    )


def positions_by_symbol(positions: Sequence[Position]) -> dict[str, Position]:
    """One position per symbol (the engine never holds both sides; if a venue reports both, the
    larger wins here and the trader closes the other through reconciliation)."""
    by_symbol: dict[str, Position] = {}
    for position in positions:
        if position.size <= 0:
            continue
        current = by_symbol.get(position.symbol)
        if current is None or position.size * position.entry_price > current.size * current.entry_price:
            by_symbol[position.symbol] = position
    return by_symbol
