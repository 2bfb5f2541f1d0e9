"""WOO X wire shapes -> alphaloop domain types, and the vocabularies between them. Pure, no I/O.

The port speaks hedge mode (open/close long/short); WOO X speaks `side` BUY/SELL plus `positionSide`
LONG/SHORT in HEDGE_MODE, or BOTH with a signed holding and `reduceOnly` in ONE_WAY mode. Both
spellings are read; `order_fields` writes either. Symbols come out unified (`BTC/USDT:USDT`) and
every domain object keeps the venue payload in `raw`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Literal

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
from alphaloop.model.instruments import from_woox_symbol
from alphaloop.venues.common.wire import positive, raw, symbol_parts
from alphaloop.venues.woox.constants import (
    DEFAULT_FUNDING_INTERVAL_HOURS,
    DEFAULT_MAKER_FEE,
    DEFAULT_TAKER_FEE,
    MAX_CLIENT_ORDER_ID,
    VENUE_NAME,
)
from alphaloop.venues.woox.schemas import (
    AlgoOrderWire,
    BalancesWire,
    BookLevel,
    FundingRateHistoryWire,
    FundingRateWire,
    FuturesWire,
    InstrumentWire,
    KlineWire,
    OrderbookWire,
    OrderWire,
    PositionWire,
    TransactionWire,
    Wire,
)

PositionMode = Literal["HEDGE_MODE", "ONE_WAY"]

# ---------------------------------------------------------------- vocabularies (spec 4.3, 4.6)

#: order `type` for a limit order of each time in force (time in force is encoded in the type)
TIF_TO_TYPE: dict[TimeInForce, str] = {
    TimeInForce.GTC: "LIMIT",
    TimeInForce.IOC: "IOC",
    TimeInForce.FOK: "FOK",
    TimeInForce.POST_ONLY: "POST_ONLY",
}
_TYPE_TO_TIF: dict[str, TimeInForce] = {v: k for k, v in TIF_TO_TYPE.items()} | {"MARKET": TimeInForce.IOC}
_STATUSES: dict[str, OrderStatus] = {
    "NEW": OrderStatus.OPEN,
    "PARTIAL_FILLED": OrderStatus.OPEN,
    "REPLACED": OrderStatus.OPEN,
    "FILLED": OrderStatus.FILLED,
    "CANCELLED": OrderStatus.CANCELED,
    "CANCELED": OrderStatus.CANCELED,
    "REJECTED": OrderStatus.REJECTED,
}
MARGIN_MODE_WIRE: dict[MarginMode, str] = {MarginMode.CROSS: "CROSS", MarginMode.ISOLATED: "ISOLATED"}
_MARGIN_MODES: dict[str, MarginMode] = {v: k for k, v in MARGIN_MODE_WIRE.items()}
#: hedge-mode words of `GET /v3/trade/transaction` (spec 4.4)
_SIDE_WORDS: dict[str, tuple[Side, PositionSide]] = {
    "OPEN LONG": (Side.BUY, PositionSide.LONG),
    "CLOSE LONG": (Side.SELL, PositionSide.LONG),
    "OPEN SHORT": (Side.SELL, PositionSide.SHORT),
    "CLOSE SHORT": (Side.BUY, PositionSide.SHORT),
}

#: Kline `type` of each alphaloop timeframe (identical spellings; `1mon`/`1y` have no alphaloop twin).
TIMEFRAME_TO_KLINE: dict[str, str] = {
    tf: tf for tf in ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d", "1w")
}


def _malformed(message: str) -> MalformedResponseError:
    return MalformedResponseError(message, venue=VENUE_NAME)


def _raw(wire: Wire) -> dict[str, object]:
    return raw(wire, by_alias=True)


def unified(venue_symbol: str) -> str:
    return from_woox_symbol(venue_symbol)


# ---------------------------------------------------------------- client order ids


def wire_client_id(client_order_id: str) -> int:
    """A client order id as WOO X wants it: an integer in 1..2^63-1 (spec 2.2).

    Decimal text inside the range is used as it is. Anything else (a UUID, `decision_42`) maps to
    the first 63 bits of its SHA-256, so the same text always finds the same order again, even
    after a restart; the venue then reports the number, not the text.
    """
    text = client_order_id.strip()
    if text.isdigit() and 0 < int(text) <= MAX_CLIENT_ORDER_ID:
        return int(text)
    number = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") & MAX_CLIENT_ORDER_ID
    return number or 1


# ---------------------------------------------------------------- intents


def side_fields(intent: OrderIntent, mode: PositionMode) -> tuple[str, str | None, bool | None]:
    """(`side`, `positionSide`, `reduceOnly`) of an intent: hedge mode names the position side and
    sends no reduce-only flag, one-way mode sends no position side and flags closes reduce-only."""
    side = intent.side.value.upper()
    if mode == "HEDGE_MODE":
        return side, intent.position_side.value.upper(), None
    return side, None, intent.reduce_only


def order_fields(intent: OrderIntent, mode: PositionMode) -> dict[str, object]:
    """`side_fields` as venue-named body fields (for algo legs), the absent ones left out."""
    side, position_side, reduce_only = side_fields(intent, mode)
    fields: dict[str, object] = {"side": side}
    if position_side is not None:
        fields["positionSide"] = position_side
    if reduce_only is not None:
        fields["reduceOnly"] = reduce_only
    return fields


def intent_of(side: str, position_side: str | None, reduce_only: bool) -> OrderIntent:
    """The hedge-mode intent of a WOO X order: `positionSide` decides when it is LONG/SHORT;
    with BOTH (one-way mode) a reduce-only order closes the opposite side, any other opens."""
    word = side.upper()
    if word not in ("BUY", "SELL"):
        raise _malformed(f"unknown order side {side!r}")
    buy = word == "BUY"
    kind = (position_side or "BOTH").upper()
    if kind == "LONG":
        return OrderIntent.OPEN_LONG if buy else OrderIntent.CLOSE_LONG
    if kind == "SHORT":
        return OrderIntent.CLOSE_SHORT if buy else OrderIntent.OPEN_SHORT
    if reduce_only:
        return OrderIntent.CLOSE_SHORT if buy else OrderIntent.CLOSE_LONG
    return OrderIntent.OPEN_LONG if buy else OrderIntent.OPEN_SHORT


# ---------------------------------------------------------------- market data


def parse_instrument(
    wire: InstrumentWire, *, maker_fee: Decimal = DEFAULT_MAKER_FEE, taker_fee: Decimal = DEFAULT_TAKER_FEE
) -> Instrument:
    """Instrument row -> Instrument. Quantities are base coin (contract size 1); the price band
    ratios `bidCapRatio` 1.1 / `askFloorRatio` 0.9 become the model's 0.1 / 0.1."""
    symbol = unified(wire.symbol)
    base, quote, settle = symbol_parts(symbol)
    min_size = wire.baseMin if wire.baseMin else wire.baseTick
    max_leverage = 20
    if wire.baseIMR and wire.baseIMR > 0:
        max_leverage = int(1 / wire.baseIMR)
    interval = wire.fundingIntervalHours or DEFAULT_FUNDING_INTERVAL_HOURS
    return Instrument(
        symbol=symbol,
        venue_symbol=wire.symbol,
        base=base,
        quote=quote,
        settle=settle,
        price_tick=wire.quoteTick,
        size_step=wire.baseTick,
        min_size=min_size,
        max_size=wire.baseMax if wire.baseMax else Decimal("Infinity"),
        max_leverage=max_leverage,
        maker_fee=maker_fee,
        taker_fee=taker_fee,
        contract_value=Decimal(1),
        buy_limit_price_ratio=None if wire.bidCapRatio is None else wire.bidCapRatio - 1,
        sell_limit_price_ratio=None if wire.askFloorRatio is None else 1 - wire.askFloorRatio,
        funding_times_utc=tuple(f"{h:02d}:00:00" for h in range(0, 24, interval)),
    )


def parse_ticker(
    wire: FuturesWire, *, bid: Decimal | None = None, ask: Decimal | None = None, timestamp: int | None = None
) -> Ticker:
    """`/v3/public/futures` row (no bid/ask there: pass them from the order book)."""
    change = None
    if wire.open_24h:
        change = (wire.close_24h - wire.open_24h) / wire.open_24h * 100
    return Ticker(
        symbol=unified(wire.symbol),
        last=wire.close_24h,
        bid=bid,
        ask=ask,
        high=wire.high_24h,
        low=wire.low_24h,
        base_volume=wire.volume_24h,
        quote_volume=wire.amount_24h,
        percentage=change,
        mark_price=wire.markPrice,
        index_price=wire.indexPrice,
        timestamp=timestamp,
        raw=_raw(wire),
    )


def parse_candles(rows: Iterable[KlineWire]) -> list[Candle]:
    """Kline rows in any order (the venue's order is undocumented) -> oldest first, one per open time."""
    by_time: dict[int, Candle] = {}
    for row in rows:
        by_time[row.startTimestamp] = Candle(
            timestamp=row.startTimestamp,
            open=row.open,
            high=row.high,
            low=row.low,
            close=row.close,
            volume=row.volume,
            quote_volume=row.amount,
        )
    return [by_time[ts] for ts in sorted(by_time)]


def _levels(levels: Sequence[BookLevel], *, descending: bool) -> tuple[tuple[Decimal, Decimal], ...]:
    pairs = [(level.price, level.quantity) for level in levels if level.quantity > 0]
    return tuple(sorted(pairs, key=lambda pair: pair[0], reverse=descending))


def parse_order_book(
    symbol: str, wire: OrderbookWire, *, timestamp: int | None = None, limit: int | None = None
) -> OrderBook:
    """Bids best (highest) first, asks best (lowest) first."""
    bids = _levels(wire.bids, descending=True)
    asks = _levels(wire.asks, descending=False)
    if limit is not None:
        bids, asks = bids[:limit], asks[:limit]
    return OrderBook(symbol=symbol, bids=bids, asks=asks, timestamp=timestamp)


def parse_funding_rate(wire: FundingRateWire) -> FundingRate:
    """The estimated rate of the coming settlement (falls back to the last settled one)."""
    rate = wire.estFundingRate if wire.estFundingRate is not None else wire.lastFundingRate
    if rate is None:
        raise _malformed(f"{wire.symbol}: funding rate row without a rate")
    hours = wire.estFundingIntervalHours or wire.lastFundingIntervalHours
    return FundingRate(
        symbol=unified(wire.symbol),
        rate=rate,
        timestamp=wire.estFundingRateTimestamp or wire.lastFundingRateTimestamp,
        next_funding_time=wire.nextFundingTime,
        interval_minutes=None if hours is None else hours * 60,
    )


def parse_funding_history(rows: Iterable[FundingRateHistoryWire]) -> list[FundingRate]:
    """Oldest first."""
    rates = [
        FundingRate(symbol=unified(r.symbol), rate=r.fundingRate, timestamp=r.fundingRateTimestamp)
        for r in rows
    ]
    return sorted(rates, key=lambda rate: rate.timestamp or 0)


# ---------------------------------------------------------------- account


def parse_position(wire: PositionWire) -> Position | None:
    """A position row -> one side of a position, None when flat. Unrealised PnL is not a field:
    it is (mark - average open) x signed holding (spec 4.2)."""
    holding = wire.holding
    if holding == 0:
        return None
    kind = wire.positionSide.upper()
    if kind == "LONG":
        side = PositionSide.LONG
    elif kind == "SHORT":
        side = PositionSide.SHORT
    else:
        side = PositionSide.LONG if holding > 0 else PositionSide.SHORT
    size = abs(holding)
    # the sign of a hedge-mode short's holding is undocumented: trust positionSide, not the sign
    signed = size if side is PositionSide.LONG else -size
    entry = wire.averageOpenPrice or Decimal(0)
    leverage = wire.leverage if wire.leverage and wire.leverage > 0 else Decimal(1)
    mode = _MARGIN_MODES.get(wire.marginMode.upper(), MarginMode.CROSS)
    if mode is MarginMode.ISOLATED and wire.isolatedMarginAmount:
        margin = wire.isolatedMarginAmount
    else:
        margin = size * entry / leverage
    upnl = (wire.markPrice - entry) * signed if wire.markPrice is not None and entry else Decimal(0)
    return Position(
        symbol=unified(wire.symbol),
        side=side,
        size=size,
        entry_price=entry,
        leverage=leverage,
        margin_mode=mode,
        margin=margin,
        unrealized_pnl=upnl,
        liquidation_price=positive(wire.estLiqPrice),
        timestamp=wire.timestamp,
        raw=_raw(wire),
    )


def parse_positions(rows: Iterable[PositionWire]) -> list[Position]:
    return [p for p in (parse_position(row) for row in rows) if p is not None]


def parse_balance(wire: BalancesWire, positions: Iterable[Position] = (), currency: str = "USDT") -> Balance:
    """`holding` is the wallet; equity adds the positions' unrealised PnL, which the balances
    endpoint does not include (pass the positions to get a true `total`)."""
    upnl = sum((p.unrealized_pnl for p in positions), Decimal(0))
    for row in wire.holding:
        if row.token.upper() == currency.upper():
            total = row.holding + upnl
            if row.availableBalance is not None:
                free = row.availableBalance
            else:
                free = row.holding - (row.frozen or Decimal(0))
            return Balance(
                currency=currency.upper(),
                total=total,
                free=free,
                used=total - free,
                unrealized_pnl=upnl,
                raw=_raw(row),
            )
    return Balance(currency=currency.upper(), total=upnl, free=Decimal(0), used=upnl, unrealized_pnl=upnl)


# ---------------------------------------------------------------- orders and fills


def order_status(status: str) -> OrderStatus:
    return _STATUSES.get(status.upper(), OrderStatus.UNKNOWN)


def parse_order(wire: OrderWire) -> Order:
    """Ordinary order (spec 4.4). A market order has price null and type MARKET."""
    kind = wire.type.upper()
    market = kind in ("MARKET", "ASK", "BID")
    return Order(
        id=wire.orderId,
        symbol=unified(wire.symbol),
        intent=intent_of(wire.side, wire.positionSide, wire.reduceOnly),
        order_type=OrderType.MARKET if market else OrderType.LIMIT,
        status=order_status(wire.status),
        amount=wire.quantity or Decimal(0),
        filled=wire.executed or Decimal(0),
        price=None if market else positive(wire.price),
        average_price=positive(wire.averageExecutedPrice),
        fee=abs(wire.totalFee or Decimal(0)),
        realized_pnl=wire.realizedPnl or Decimal(0),
        client_order_id=wire.clientOrderId,
        time_in_force=_TYPE_TO_TIF.get(kind, TimeInForce.GTC),
        timestamp=wire.createdTime,
        raw=_raw(wire),
    )


def algo_status(wire: AlgoOrderWire) -> OrderStatus:
    """An algo order waiting for its trigger is UNTRIGGERED; once triggered it reports like an order."""
    status = order_status(wire.algoStatus)
    if status is OrderStatus.OPEN and not wire.isTriggered:
        return OrderStatus.UNTRIGGERED
    return status


def _legs(wire: AlgoOrderWire) -> list[AlgoOrderWire]:
    """Every TAKE_PROFIT / STOP_LOSS leg below `wire`, however deep (BRACKET > POSITIONAL_TP_SL > legs)."""
    found: list[AlgoOrderWire] = []
    for child in wire.childOrders:
        if child.algoType.upper() in ("TAKE_PROFIT", "STOP_LOSS"):
            found.append(child)
        found.extend(_legs(child))
    return found


def _algo_intent(wire: AlgoOrderWire) -> OrderIntent:
    if wire.side:
        return intent_of(wire.side, wire.positionSide, wire.reduceOnly)
    # a POSITIONAL_TP_SL parent has no side: its legs close the position, so they tell
    legs = _legs(wire)
    if legs and legs[0].side:
        return intent_of(legs[0].side, legs[0].positionSide, True)
    raise _malformed(f"algo order {wire.algoOrderId}: no side on the order or its legs")


def parse_algo_order(wire: AlgoOrderWire) -> Order:
    """Algo order (STOP, TRAILING_STOP, TP_SL, POSITIONAL_TP_SL, BRACKET...) as an `Order`: the id is
    the `algoOrderId`; trigger, callback and activation prices stay in `raw`; TP/SL legs fill
    `take_profit_price` / `stop_loss_price`."""
    return _algo_order(wire, _algo_intent(wire))


def _algo_order(wire: AlgoOrderWire, intent: OrderIntent) -> Order:
    kind = (wire.type or "MARKET").upper()
    take_profit = stop_loss = None
    for leg in _legs(wire):
        if leg.algoType.upper() == "TAKE_PROFIT" and take_profit is None:
            take_profit = leg.triggerPrice
        elif leg.algoType.upper() == "STOP_LOSS" and stop_loss is None:
            stop_loss = leg.triggerPrice
    market = kind in ("MARKET", "CLOSE_POSITION")
    return Order(
        id=wire.algoOrderId,
        symbol=unified(wire.symbol),
        intent=intent,
        order_type=OrderType.MARKET if market else OrderType.LIMIT,
        status=algo_status(wire),
        amount=wire.quantity or Decimal(0),
        filled=wire.totalExecutedQuantity or Decimal(0),
        price=None if market else positive(wire.price),
        average_price=positive(wire.averageExecutedPrice),
        fee=abs(wire.totalFee or Decimal(0)),
        realized_pnl=wire.realizedPnl or Decimal(0),
        client_order_id=wire.clientAlgoOrderId,
        time_in_force=_TYPE_TO_TIF.get(kind, TimeInForce.GTC),
        timestamp=wire.createdTime,
        take_profit_price=take_profit,
        stop_loss_price=stop_loss,
        raw=_raw(wire),
    )


#: Algo orders that fire at a trigger price themselves, and what they are. The containers (TP_SL,
#: POSITIONAL_TP_SL, BRACKET) fire nothing of their own: their TAKE_PROFIT / STOP_LOSS legs do. A
#: STOP the venue relabelled TAKE_PROFIT / STOP_LOSS (spec 4.5) is read as what it was relabelled.
_TRIGGER_KINDS: dict[str, TriggerKind] = {
    "STOP": TriggerKind.PLAN,
    "TRAILING_STOP": TriggerKind.PLAN,
    "TAKE_PROFIT": TriggerKind.TAKE_PROFIT,
    "STOP_LOSS": TriggerKind.STOP_LOSS,
}


def parse_trigger_order(wire: AlgoOrderWire, *, parent: AlgoOrderWire | None = None) -> Order:
    """One algo order that fires at a trigger price, as a trigger `Order` (`trigger_price`,
    `trigger_kind`). A TP/SL leg is listed under its own `algoOrderId`, always closes, and takes
    what it lacks from its `parent`: the client id, the quantity (a TP_SL's) and the side. A
    CLOSE_POSITION leg of a POSITIONAL_TP_SL has no quantity: its `amount` is 0 ("the whole
    position")."""
    kind = _TRIGGER_KINDS.get(wire.algoType.upper())
    if kind is None:
        raise _malformed(f"algo order {wire.algoOrderId}: {wire.algoType} fires at no trigger price")
    if parent is None:
        order = parse_algo_order(wire)
    else:
        intent = intent_of(wire.side, wire.positionSide, True) if wire.side else _algo_intent(parent)
        order = _algo_order(wire, intent)
        order = replace(
            order,
            amount=order.amount or parent.quantity or Decimal(0),
            client_order_id=order.client_order_id or parent.clientAlgoOrderId,
        )
    return replace(order, trigger_price=positive(wire.triggerPrice), trigger_kind=kind)


def parse_trigger_orders(wire: AlgoOrderWire) -> list[Order]:
    """The resting (untriggered) trigger orders of one algo order tree, root first, legs in order.

    The TP/SL of a BRACKET whose entry has not filled yet protect nothing so far and are left out,
    as WEEX lists a preset TP/SL only once its entry has filled."""
    found: list[Order] = []

    def walk(node: AlgoOrderWire, parent: AlgoOrderWire | None) -> None:
        if node.algoType.upper() in _TRIGGER_KINDS:
            order = parse_trigger_order(node, parent=parent)
            if order.status is OrderStatus.UNTRIGGERED:
                found.append(order)
        if node.algoType.upper() == "BRACKET" and not node.totalExecutedQuantity:
            return
        for child in node.childOrders:
            walk(child, node)

    walk(wire, None)
    return found


def _trade_sides(wire: TransactionWire) -> tuple[Side, PositionSide]:
    word = wire.side.upper().replace("_", " ")
    if word in _SIDE_WORDS:
        return _SIDE_WORDS[word]
    if word not in ("BUY", "SELL"):
        raise _malformed(f"fill {wire.id}: unknown side {wire.side!r}")
    side = Side.BUY if word == "BUY" else Side.SELL
    kind = (wire.positionSide or "").upper()
    if kind in ("LONG", "SHORT"):
        return side, PositionSide(kind.lower())
    # One-way rows do not say which side they touched: a fill that realised PnL closed a position
    # (a sell closes a long), any other opened one. Rare exact-zero closes are read as opens.
    closing = wire.realizedPnl is not None and wire.realizedPnl != 0
    if closing:
        return side, PositionSide.LONG if side is Side.SELL else PositionSide.SHORT
    return side, PositionSide.LONG if side is Side.BUY else PositionSide.SHORT


def parse_trade(wire: TransactionWire) -> Trade:
    if wire.executedQuantity <= 0:
        raise _malformed(f"fill {wire.id}: quantity {wire.executedQuantity} is not positive")
    side, position_side = _trade_sides(wire)
    return Trade(
        id=wire.id,
        order_id=wire.orderId,
        symbol=unified(wire.symbol),
        side=side,
        position_side=position_side,
        amount=wire.executedQuantity,
        price=wire.executedPrice,
        cost=wire.executedPrice * wire.executedQuantity,
        fee=abs(wire.fee or Decimal(0)),
        realized_pnl=wire.realizedPnl or Decimal(0),
        timestamp=wire.executedTimestamp,
        is_maker=wire.isMaker,
        raw=_raw(wire),
    )


def parse_trades(rows: Iterable[TransactionWire]) -> list[Trade]:
    """Oldest first; fills of one instant keep their id order."""
    trades = [parse_trade(row) for row in rows]
    return sorted(trades, key=lambda t: (t.timestamp or 0, int(t.id) if t.id.isdigit() else 0))
