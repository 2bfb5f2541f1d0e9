"""Price arithmetic of the simulator: synthetic top of book, taker prices, rounding, candle paths.

All functions are pure. Money amounts (fees, funding, margin) are quantized to 8 decimal places
with ROUND_HALF_UP, the precision WEEX reports them with; prices and sizes stay exact.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from alphaloop.model import Candle, Instrument, Side

MONEY_QUANTUM = Decimal("0.00000001")
ZERO = Decimal(0)


def money(value: Decimal) -> Decimal:
    """Quantize a money amount to 8 decimals, half up (fees, funding, margin, prorated values)."""
    return value.quantize(MONEY_QUANTUM, rounding=ROUND_HALF_UP)


def fee_for(value: Decimal, rate: Decimal) -> Decimal:
    """Fee of a fill: exactly value * rate, quantized to 8 decimals half up."""
    return money(value * rate)


def _to_tick(price: Decimal, tick: Decimal, *, up: bool) -> Decimal:
    units = (price / tick).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return units * tick


def synthetic_book(last: Decimal, instrument: Instrument, spread_ticks: int) -> tuple[Decimal, Decimal]:
    """(bid, ask) around `last`: last -/+ spread_ticks*tick/2, rounded outward to the tick.

    Rounding outward keeps the book from ever crossing and never gives a taker a better price
    than `last`; a zero spread still puts bid/ask on the tick grid.
    """
    tick = instrument.price_tick
    half = tick * spread_ticks / 2
    bid = _to_tick(last - half, tick, up=False)
    ask = _to_tick(last + half, tick, up=True)
    if bid <= 0:
        # A price below one tick has no room for a bid; keep it positive.
        bid = min(tick, ask)
    return bid, ask


def taker_price(side: Side, bid: Decimal, ask: Decimal, slippage: Decimal, tick: Decimal) -> Decimal:
    """Price a taker gets: ask for buys, bid for sells, moved adversely by `slippage` and
    rounded against the taker to the tick."""
    if side is Side.BUY:
        return _to_tick(ask * (1 + slippage), tick, up=True)
    price = _to_tick(bid * (1 - slippage), tick, up=False)
    return price if price > 0 else tick


def is_marketable(side: Side, limit: Decimal, bid: Decimal, ask: Decimal) -> bool:
    """Whether a limit order would cross the synthetic book on arrival."""
    return limit >= ask if side is Side.BUY else limit <= bid


def traded_through(side: Side, limit: Decimal, price: Decimal) -> bool:
    """Whether a trade at `price` passes strictly through a resting limit (a touch is not enough)."""
    return price < limit if side is Side.BUY else price > limit


def candle_path(candle: Candle) -> list[Decimal]:
    """The intra-candle price path replayed by the simulator.

    A rising (or flat) candle goes open -> low -> high -> close, a falling one open -> high ->
    low -> close: the path visits the extreme against the candle's direction first, which is the
    usual assumption for candles without ticks and visits both extremes, so stops and limits are
    tested against the full range. Consecutive duplicates are dropped.
    """
    if candle.close >= candle.open:
        points = [candle.open, candle.low, candle.high, candle.close]
    else:
        points = [candle.open, candle.high, candle.low, candle.close]
    path: list[Decimal] = []
    for point in points:
        if not path or path[-1] != point:
            path.append(point)
    return path


def depth_levels(
    touch: Decimal,
    side: Side,
    volume: Decimal | None,
    tick: Decimal,
    count: int,
    share: Decimal,
    band: Decimal,
) -> list[tuple[Decimal, Decimal]]:
    """`count` price levels from the touch outward (asks up for BUY takers' side, bids down),
    each holding the depth model's size for one tick: share * volume / band * tick / touch."""
    if touch <= 0 or volume is None or volume <= 0:
        return []
    per_tick = money(share * volume / band * tick / touch)
    direction = 1 if side is Side.BUY else -1
    levels = []
    for k in range(count):
        price = touch + direction * tick * k
        if price <= 0:
            break
        levels.append((price, per_tick))
    return levels
