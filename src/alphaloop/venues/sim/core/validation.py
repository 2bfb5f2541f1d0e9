"""Order validation in the order of spec §10.5: the first failing rule wins, nothing is mutated.

`check_symbol` covers the first two rules (known symbol, allow-list); `plan_order` the rest and
returns an `OrderPlan` saying how the order will execute.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

from alphaloop.model import (
    Instrument,
    MarginMode,
    OrderRequest,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
    format_decimal,
)
from alphaloop.venues.sim.core.book import fee_for, is_marketable, money, taker_price
from alphaloop.venues.sim.core.types import ExchangeConfig, RejectReason, SimRejection

#: WEEX: client_oid is at most 40 characters.
MAX_CLIENT_ORDER_ID_LENGTH = 40


@dataclass(frozen=True, slots=True)
class Quote:
    """The prices an arriving order is checked against."""

    last: Decimal
    bid: Decimal
    ask: Decimal
    #: The last completed bar's traded volume (base units): what the depth model scales with.
    bar_volume: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OrderPlan:
    """A validated order and how it executes on arrival."""

    request: OrderRequest
    margin_mode: MarginMode
    leverage: int
    #: Fill now (market, or marketable limit that is not post-only) at `fill_price` as taker.
    fill_now: bool
    fill_price: Decimal | None
    #: Post-only crossing, or FOK/IOC not marketable: recorded as CANCELED with no fill.
    cancel_now: bool
    #: Margin + taker fee estimate the order needs (0 for closes).
    required_margin: Decimal


def reject(reason: RejectReason, message: str, param: str | None = None) -> SimRejection:
    return SimRejection(reason, message, param=param)


def check_symbol(symbol: str, instruments: Mapping[str, Instrument], config: ExchangeConfig) -> Instrument:
    instrument = instruments.get(symbol)
    if instrument is None:
        raise reject(RejectReason.UNKNOWN_SYMBOL, f"Parameter symbol is invalid: '{symbol}'", "symbol")
    if config.allowed_symbols is not None and symbol not in config.allowed_symbols:
        raise reject(
            RejectReason.SYMBOL_NOT_ALLOWED, f"Not have permission to trade this pair: {symbol}", "symbol"
        )
    return instrument


def initial_margin(notional: Decimal, leverage: int, taker_fee: Decimal) -> Decimal:
    """Margin an opening order needs: notional / leverage + the taker fee on the notional."""
    return money(notional / leverage) + fee_for(notional, taker_fee)


def _check_params(request: OrderRequest, open_client_ids: Collection[str]) -> None:
    if request.order_type is OrderType.LIMIT and request.price is None:
        raise reject(RejectReason.MISSING_PARAMETER, "Parameter price cannot be empty", "price")
    if request.amount <= 0:
        raise reject(RejectReason.INVALID_PARAMETER, "Parameter size is invalid: must be positive", "size")
    if request.order_type is OrderType.LIMIT and request.price is not None and request.price <= 0:
        raise reject(RejectReason.INVALID_PARAMETER, "Parameter price is invalid: must be positive", "price")
    for name, value in (
        ("presetTakeProfitPrice", request.take_profit_price),
        ("presetStopLossPrice", request.stop_loss_price),
    ):
        if value is not None and value <= 0:
            raise reject(RejectReason.INVALID_PARAMETER, f"Parameter {name} is invalid", name)
        if value is not None and request.intent.reduce_only:
            raise reject(
                RejectReason.INVALID_PARAMETER, f"Parameter {name} is only allowed on opening orders", name
            )
    coid = request.client_order_id
    if coid is not None:
        if not coid or len(coid) > MAX_CLIENT_ORDER_ID_LENGTH:
            raise reject(RejectReason.INVALID_PARAMETER, "Parameter client_oid is invalid", "client_oid")
        if coid in open_client_ids:
            raise reject(
                RejectReason.DUPLICATE_CLIENT_ORDER_ID,
                f"client_oid '{coid}' is already used by an open order",
                "client_oid",
            )


def _check_precision(request: OrderRequest, instrument: Instrument) -> None:
    if not instrument.is_size_on_step(request.amount):
        raise reject(
            RejectReason.PRECISION,
            f"Parameter size is invalid: {format_decimal(request.amount)} is not a multiple of "
            f"{format_decimal(instrument.size_step)}",
            "size",
        )
    for name, price in (
        ("price", request.price if request.order_type is OrderType.LIMIT else None),
        ("presetTakeProfitPrice", request.take_profit_price),
        ("presetStopLossPrice", request.stop_loss_price),
    ):
        if price is not None and not instrument.is_price_on_tick(price):
            raise reject(
                RejectReason.PRECISION,
                f"Parameter {name} is invalid: {format_decimal(price)} is not a multiple of "
                f"{format_decimal(instrument.price_tick)}",
                name,
            )


def _check_size(request: OrderRequest, instrument: Instrument, position_size: Decimal) -> None:
    amount = request.amount
    if amount < instrument.min_size or amount > instrument.max_size:
        raise reject(
            RejectReason.SIZE_LIMIT,
            f"Parameter size is invalid: {format_decimal(amount)} is outside "
            f"[{format_decimal(instrument.min_size)}, {format_decimal(instrument.max_size)}]",
            "size",
        )
    opening = not request.intent.reduce_only
    limit = instrument.max_market_open_size
    if opening and request.order_type is OrderType.MARKET and limit is not None and amount > limit:
        raise reject(
            RejectReason.SIZE_LIMIT,
            f"Parameter size is invalid: market open size {format_decimal(amount)} is above "
            f"{format_decimal(limit)}",
            "size",
        )
    cap = instrument.max_position_size
    if opening and cap is not None and position_size + amount > cap:
        raise reject(
            RejectReason.SIZE_LIMIT,
            f"Parameter size is invalid: the position would exceed {format_decimal(cap)}",
            "size",
        )


def _check_price_band(request: OrderRequest, instrument: Instrument, quote: Quote) -> None:
    """Limit prices must stay within the band around the last price (spec §6, GUESS: last)."""
    price = request.price
    if request.order_type is not OrderType.LIMIT or price is None:
        return
    buy_ratio, sell_ratio = instrument.buy_limit_price_ratio, instrument.sell_limit_price_ratio
    if request.intent.side is Side.BUY and buy_ratio is not None and price > quote.last * (1 + buy_ratio):
        raise reject(
            RejectReason.PRICE_BAND,
            f"Parameter price is invalid: buy price {format_decimal(price)} is above the band "
            f"{format_decimal(quote.last * (1 + buy_ratio))}",
            "price",
        )
    if request.intent.side is Side.SELL and sell_ratio is not None and price < quote.last * (1 - sell_ratio):
        raise reject(
            RejectReason.PRICE_BAND,
            f"Parameter price is invalid: sell price {format_decimal(price)} is below the band "
            f"{format_decimal(quote.last * (1 - sell_ratio))}",
            "price",
        )


def check_tpsl_side(
    position_side: PositionSide, reference: Decimal, take_profit: Decimal | None, stop_loss: Decimal | None
) -> None:
    """Take-profit must lie on the profitable side of `reference`, stop-loss on the losing side."""
    long = position_side is PositionSide.LONG
    if take_profit is not None and (take_profit <= reference if long else take_profit >= reference):
        raise reject(
            RejectReason.INVALID_PARAMETER,
            f"take-profit {format_decimal(take_profit)} is on the wrong side of {format_decimal(reference)} "
            f"for a {position_side.value} position",
            "presetTakeProfitPrice",
        )
    if stop_loss is not None and (stop_loss >= reference if long else stop_loss <= reference):
        raise reject(
            RejectReason.INVALID_PARAMETER,
            f"stop-loss {format_decimal(stop_loss)} is on the wrong side of {format_decimal(reference)} "
            f"for a {position_side.value} position",
            "presetStopLossPrice",
        )


def plan_order(
    request: OrderRequest,
    *,
    instrument: Instrument,
    config: ExchangeConfig,
    quote: Quote | None,
    margin_mode: MarginMode,
    leverage: int,
    position_size: Decimal,
    closable_size: Decimal,
    available: Decimal,
    open_client_ids: Collection[str],
) -> OrderPlan:
    """Rules 3-9 of §10.5 for a request whose symbol passed `check_symbol`.

    `closable_size` is the position size minus what open close orders already reserve.
    """
    _check_params(request, open_client_ids)
    _check_precision(request, instrument)
    _check_size(request, instrument, position_size)
    if quote is None:
        raise reject(RejectReason.NO_PRICE, f"no price for {request.symbol} yet", "symbol")
    if config.enforce_price_band:
        _check_price_band(request, instrument, quote)
    intent = request.intent
    if intent.reduce_only and request.amount > closable_size:
        raise reject(
            RejectReason.CLOSE_EXCEEDS_POSITION,
            f"Parameter size is invalid: close size {format_decimal(request.amount)} exceeds the closable "
            f"{intent.position_side.value} position {format_decimal(closable_size)}",
            "size",
        )

    side = intent.side
    impact = config.depth.impact(request.amount, quote.bar_volume) if config.depth is not None else Decimal(0)
    market_price = taker_price(
        side, quote.bid, quote.ask, config.market_slippage + impact, instrument.price_tick
    )
    fill_now = False
    cancel_now = False
    fill_price: Decimal | None = None
    if request.order_type is OrderType.MARKET:
        fill_now, fill_price = True, market_price
    else:
        assert request.price is not None  # checked by _check_params
        crossing = is_marketable(side, request.price, quote.bid, quote.ask)
        if crossing and request.time_in_force is not TimeInForce.POST_ONLY:
            # A marketable limit takes liquidity at the book, never beyond its own limit.
            fill_now = True
            fill_price = (
                min(market_price, request.price) if side is Side.BUY else max(market_price, request.price)
            )
        elif crossing or request.time_in_force in (TimeInForce.FOK, TimeInForce.IOC):
            cancel_now = True

    reference = fill_price if fill_price is not None else request.price
    assert reference is not None
    check_tpsl_side(intent.position_side, reference, request.take_profit_price, request.stop_loss_price)

    required = Decimal(0)
    if not intent.reduce_only and not cancel_now:
        required = initial_margin(reference * request.amount, leverage, instrument.taker_fee)
        if required > available:
            raise reject(
                RejectReason.INSUFFICIENT_MARGIN,
                f"insufficient margin: the order needs {format_decimal(required)} USDT, "
                f"{format_decimal(available)} available",
                "size",
            )
    return OrderPlan(request, margin_mode, leverage, fill_now, fill_price, cancel_now, required)
