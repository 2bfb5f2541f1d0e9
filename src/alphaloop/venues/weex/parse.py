"""WEEX wire shapes -> alphaloop domain types. Pure functions, no I/O.

Symbols come out unified (`BTC/USDT:USDT`); each domain object keeps the venue payload in `raw`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from alphaloop.model import (
    Balance,
    Candle,
    FundingRate,
    Instrument,
    MalformedResponseError,
    MarginMode,
    Order,
    OrderBook,
    OrderIntent,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Side,
    Ticker,
    TimeInForce,
    Trade,
    TriggerKind,
)
from alphaloop.model.instruments import decimal_step, from_weex_symbol
from alphaloop.venues.common.wire import positive, raw, symbol_parts
from alphaloop.venues.weex.constants import VENUE_NAME
from alphaloop.venues.weex.schemas import (
    Asset,
    BookLevel,
    Contract,
    CurrentFundRate,
    Depth,
    Fill,
    HistoryFundRate,
    Kline,
    OrderWire,
    PlanOrderWire,
    PositionWire,
    TickerWire,
    Wire,
)

# ---------------------------------------------------------------- vocabularies (spec 5.1, 5.3)

#: placeOrder / plan_order `type`
INTENT_TO_TYPE: dict[OrderIntent, str] = {
    OrderIntent.OPEN_LONG: "1",
    OrderIntent.OPEN_SHORT: "2",
    OrderIntent.CLOSE_LONG: "3",
    OrderIntent.CLOSE_SHORT: "4",
}
#: placeOrder `order_type`
TIF_TO_ORDER_TYPE: dict[TimeInForce, str] = {
    TimeInForce.GTC: "0",
    TimeInForce.POST_ONLY: "1",
    TimeInForce.FOK: "2",
    TimeInForce.IOC: "3",
}

# Liquidation and ADL closes reduce a position like a close order does.
_ORDER_TYPE_WORDS: dict[str, OrderIntent] = {
    "open_long": OrderIntent.OPEN_LONG,
    "open_short": OrderIntent.OPEN_SHORT,
    "close_long": OrderIntent.CLOSE_LONG,
    "close_short": OrderIntent.CLOSE_SHORT,
    "offset_liquidate_long": OrderIntent.CLOSE_LONG,
    "offset_liquidate_short": OrderIntent.CLOSE_SHORT,
    "agreement_close_long": OrderIntent.CLOSE_LONG,
    "agreement_close_short": OrderIntent.CLOSE_SHORT,
    "burst_liquidate_long": OrderIntent.CLOSE_LONG,
    "burst_liquidate_short": OrderIntent.CLOSE_SHORT,
}
# Plan orders: 1-4 as placeOrder, 5/6 partial close, 7/8 ADL, 9/10 liquidation (odd = long).
_PLAN_TYPE_CODES: dict[str, OrderIntent] = {
    "1": OrderIntent.OPEN_LONG,
    "2": OrderIntent.OPEN_SHORT,
    **{str(code): OrderIntent.CLOSE_LONG for code in (3, 5, 7, 9)},
    **{str(code): OrderIntent.CLOSE_SHORT for code in (4, 6, 8, 10)},
}
_STATUS_WORDS: dict[str, OrderStatus] = {
    "pending": OrderStatus.PENDING,
    "open": OrderStatus.OPEN,
    "partially_filled": OrderStatus.OPEN,
    "filled": OrderStatus.FILLED,
    "canceling": OrderStatus.CANCELING,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
    "untriggered": OrderStatus.UNTRIGGERED,
}
_PLAN_STATUS_CODES: dict[str, OrderStatus] = {
    "-1": OrderStatus.CANCELED,
    "0": OrderStatus.UNTRIGGERED,
    "1": OrderStatus.OPEN,  # partially filled
    "2": OrderStatus.FILLED,
}
_TIF_WORDS: dict[str, TimeInForce] = {
    "normal": TimeInForce.GTC,
    "postonly": TimeInForce.POST_ONLY,
    "post_only": TimeInForce.POST_ONLY,
    "fok": TimeInForce.FOK,
    "ioc": TimeInForce.IOC,
    "0": TimeInForce.GTC,
    "1": TimeInForce.POST_ONLY,
    "2": TimeInForce.FOK,
    "3": TimeInForce.IOC,
}
_MARGIN_MODES: dict[str, MarginMode] = {"shared": MarginMode.CROSS, "isolated": MarginMode.ISOLATED}


def _malformed(message: str) -> MalformedResponseError:
    return MalformedResponseError(message, venue=VENUE_NAME)


def _raw(wire: Wire) -> dict[str, object]:
    return raw(wire, by_alias=False)


def unified(venue_symbol: str) -> str:
    return from_weex_symbol(venue_symbol)


# ---------------------------------------------------------------- market data


def parse_instrument(contract: Contract) -> Instrument:
    """Contract row -> Instrument, with the rounding rules of spec section 6:
    price tick = priceEndStep x 10^-tick_size; size step = max(10^-size_increment, contract_val)."""
    symbol = unified(contract.symbol)
    base, quote, settle = symbol_parts(symbol)
    end_step = contract.priceEndStep if contract.priceEndStep and contract.priceEndStep > 0 else Decimal(1)
    price_tick = end_step * decimal_step(contract.tick_size)
    size_step = decimal_step(contract.size_increment)
    contract_val = contract.contract_val or Decimal(0)
    if contract_val > size_step:
        size_step = contract_val
    min_size = contract.minOrderSize if contract.minOrderSize else size_step
    max_size = contract.maxOrderSize if contract.maxOrderSize else Decimal("Infinity")
    return Instrument(
        symbol=symbol,
        venue_symbol=contract.symbol,
        base=base,
        quote=quote,
        settle=settle,
        price_tick=price_tick,
        size_step=size_step,
        min_size=min_size,
        max_size=max_size,
        max_market_open_size=positive(contract.marketOpenLimitSize),
        max_position_size=positive(contract.maxPositionSize),
        min_leverage=contract.minLeverage or 1,
        max_leverage=contract.maxLeverage or 20,
        maker_fee=contract.makerFeeRate if contract.makerFeeRate is not None else Decimal("0.0002"),
        taker_fee=contract.takerFeeRate if contract.takerFeeRate is not None else Decimal("0.0008"),
        contract_value=contract_val,
        buy_limit_price_ratio=contract.buyLimitPriceRatio,
        sell_limit_price_ratio=contract.sellLimitPriceRatio,
        funding_times_utc=tuple(contract.delivery) or ("00:00:00", "08:00:00", "16:00:00"),
    )


def parse_ticker(wire: TickerWire) -> Ticker:
    """`priceChangePercent` is a fraction on WEEX; `Ticker.percentage` is in percent (ccxt)."""
    change = wire.priceChangePercent
    return Ticker(
        symbol=unified(wire.symbol),
        last=wire.last,
        bid=wire.best_bid,
        ask=wire.best_ask,
        high=wire.high_24h,
        low=wire.low_24h,
        base_volume=wire.base_volume,
        quote_volume=wire.volume_24h,
        percentage=None if change is None else change * 100,
        mark_price=wire.markPrice,
        index_price=wire.indexPrice,
        timestamp=wire.timestamp,
        raw=_raw(wire),
    )


def parse_candles(rows: Iterable[Kline]) -> list[Candle]:
    """Candle rows in any order -> candles oldest first, one per open time."""
    by_time: dict[int, Candle] = {}
    for row in rows:
        by_time[row.ts] = Candle(
            timestamp=row.ts,
            open=row.open,
            high=row.high,
            low=row.low,
            close=row.close,
            volume=row.base_volume,
            quote_volume=row.quote_volume,
        )
    return [by_time[ts] for ts in sorted(by_time)]


def _levels(levels: list[BookLevel] | None, *, descending: bool) -> tuple[tuple[Decimal, Decimal], ...]:
    pairs = [(level.price, level.size) for level in levels or () if level.size > 0]
    return tuple(sorted(pairs, key=lambda pair: pair[0], reverse=descending))


def parse_order_book(symbol: str, wire: Depth, *, limit: int | None = None) -> OrderBook:
    """Bids best (highest) first, asks best (lowest) first; a missing book is empty, not an error."""
    bids = _levels(wire.bids, descending=True)
    asks = _levels(wire.asks, descending=False)
    if limit is not None:
        bids, asks = bids[:limit], asks[:limit]
    return OrderBook(symbol=symbol, bids=bids, asks=asks, timestamp=wire.timestamp)


def parse_funding_rate(wire: CurrentFundRate, *, next_funding_time: int | None = None) -> FundingRate:
    return FundingRate(
        symbol=unified(wire.symbol),
        rate=wire.fundingRate,
        timestamp=wire.timestamp,
        next_funding_time=next_funding_time,
        interval_minutes=wire.collectCycle,
    )


def parse_funding_history(rows: Iterable[HistoryFundRate]) -> list[FundingRate]:
    """Oldest first."""
    rates = [FundingRate(symbol=unified(r.symbol), rate=r.fundingRate, timestamp=r.fundingTime) for r in rows]
    return sorted(rates, key=lambda rate: rate.timestamp or 0)


# ---------------------------------------------------------------- account


def parse_balance(assets: Iterable[Asset], currency: str = "USDT") -> Balance:
    for asset in assets:
        if asset.coinName.upper() == currency.upper():
            free = asset.available
            return Balance(
                currency=currency.upper(),
                total=asset.equity,
                free=free,
                used=asset.equity - free,
                unrealized_pnl=asset.unrealizePnl or Decimal(0),
                raw=_raw(asset),
            )
    return Balance(currency=currency.upper(), total=Decimal(0), free=Decimal(0), used=Decimal(0))


def parse_position(wire: PositionWire) -> Position:
    """Entry price is not a field on WEEX: it is open_value / size."""
    try:
        side = PositionSide(wire.side.lower())
    except ValueError:
        raise _malformed(f"position {wire.id}: unknown side {wire.side!r}") from None
    entry = wire.open_value / wire.size if wire.size else Decimal(0)
    margin_mode = _MARGIN_MODES.get((wire.margin_mode or "SHARED").lower(), MarginMode.CROSS)
    return Position(
        symbol=unified(wire.symbol),
        side=side,
        size=wire.size,
        entry_price=entry,
        leverage=wire.leverage,
        margin_mode=margin_mode,
        margin=wire.marginSize or Decimal(0),
        unrealized_pnl=wire.unrealizePnl or Decimal(0),
        liquidation_price=positive(wire.liquidatePrice),
        id=wire.id,
        timestamp=wire.updated_time or wire.created_time,
        raw=_raw(wire),
    )


# ---------------------------------------------------------------- orders and fills


def parse_order(wire: OrderWire) -> Order:
    """Normal-order vocabulary (spec 5.3). A market order shows price "0" (and order_type ioc)."""
    intent = _ORDER_TYPE_WORDS.get(wire.type.lower())
    if intent is None:
        raise _malformed(f"order {wire.order_id}: unknown type {wire.type!r}")
    return _order(wire, intent, _STATUS_WORDS.get(wire.status.lower(), OrderStatus.UNKNOWN))


def trigger_kind_of(
    intent: OrderIntent, trigger_price: Decimal | None, last_price: Decimal | None
) -> TriggerKind:
    """What a `currentPlan` row is. WEEX lists plan orders and position TP/SL in one list without
    saying which is which (spec 7.35 has no plan-type field), so: a row that opens is a PLAN; a row
    that closes is a STOP_LOSS when it fires on the losing side of the last price (below it for a
    long, above it for a short) and a TAKE_PROFIT on the winning side -- the rule WOO X applies when
    it relabels STOP orders (woox spec 4.5). Without a last price a closing row stays PLAN.

    A resting trigger has not fired, so it still lies on the side of the price it fires from; a
    trigger exactly at the price counts as a stop (the protective reading)."""
    if not intent.reduce_only or trigger_price is None or last_price is None:
        return TriggerKind.PLAN
    if intent.position_side is PositionSide.LONG:
        losing_side = trigger_price <= last_price
    else:
        losing_side = trigger_price >= last_price
    return TriggerKind.STOP_LOSS if losing_side else TriggerKind.TAKE_PROFIT


def parse_plan_order(wire: PlanOrderWire, *, last_price: Decimal | None = None) -> Order:
    """Trigger-order vocabulary (numeric codes), with `trigger_price` and `trigger_kind` set (see
    `trigger_kind_of`: pass the symbol's `last_price` to tell a closing row's TP from its SL). The
    wire trigger price also stays in `raw["triggerPrice"]`."""
    intent = _PLAN_TYPE_CODES.get(wire.type)
    if intent is None:
        raise _malformed(f"trigger order {wire.order_id}: unknown type {wire.type!r}")
    trigger_price = positive(wire.triggerPrice)
    return _order(
        wire,
        intent,
        _PLAN_STATUS_CODES.get(wire.status, OrderStatus.UNKNOWN),
        trigger_price=trigger_price,
        trigger_kind=trigger_kind_of(intent, trigger_price, last_price),
    )


def _order(
    wire: OrderWire | PlanOrderWire,
    intent: OrderIntent,
    status: OrderStatus,
    *,
    trigger_price: Decimal | None = None,
    trigger_kind: TriggerKind | None = None,
) -> Order:
    """The fields normal and trigger orders share; only their type and status vocabularies differ."""
    price = positive(wire.price)
    return Order(
        id=wire.order_id,
        symbol=unified(wire.symbol),
        intent=intent,
        order_type=OrderType.LIMIT if price is not None else OrderType.MARKET,
        status=status,
        amount=wire.size,
        filled=wire.filled_qty or Decimal(0),
        price=price,
        average_price=positive(wire.price_avg),
        fee=abs(wire.fee or Decimal(0)),
        realized_pnl=wire.totalProfits or Decimal(0),
        client_order_id=wire.client_oid,
        time_in_force=_TIF_WORDS.get(wire.order_type.lower(), TimeInForce.GTC),
        timestamp=wire.createTime,
        take_profit_price=positive(wire.presetTakeProfitPrice),
        stop_loss_price=positive(wire.presetStopLossPrice),
        trigger_price=trigger_price,
        trigger_kind=trigger_kind,
        raw=_raw(wire),
    )


def parse_trade(wire: Fill) -> Trade:
    """Fill price is not a field on WEEX: it is fillValue / fillSize."""
    try:
        side = Side(wire.orderSide.lower())
        position_side = PositionSide(wire.positionSide.lower())
    except ValueError:
        raise _malformed(
            f"fill {wire.tradeId}: unknown side {wire.orderSide!r}/{wire.positionSide!r}"
        ) from None
    if wire.fillSize <= 0:
        raise _malformed(f"fill {wire.tradeId}: fill size {wire.fillSize} is not positive")
    direction = (wire.direction or "").upper()
    return Trade(
        id=wire.tradeId,
        order_id=wire.orderId,
        symbol=unified(wire.symbol),
        side=side,
        position_side=position_side,
        amount=wire.fillSize,
        price=wire.fillValue / wire.fillSize,
        cost=wire.fillValue,
        fee=abs(wire.fillFee or Decimal(0)),
        realized_pnl=wire.realizePnl or Decimal(0),
        timestamp=wire.createdTime,
        is_maker={"MAKER": True, "TAKER": False}.get(direction),
        raw=_raw(wire),
    )


@dataclass(frozen=True, slots=True)
class PositionCloseResult:
    """One row of `closePositions`: which position, and the market order that closes it."""

    position_id: str
    order_id: str | None
    success: bool
    message: str = ""
