"""SimVenue: the async Venue port over the in-process simulator core."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alphaloop.model import (
    AiLog,
    Candle,
    ConfigurationError,
    FundingRate,
    Instrument,
    InsufficientFundsError,
    InvalidOrderError,
    LeverageLimitError,
    MarginMode,
    OrderIntent,
    OrderNotFoundError,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    SymbolNotAllowedError,
)
from alphaloop.venues.base import Venue
from alphaloop.venues.sim.core import Exchange, ExchangeConfig
from alphaloop.venues.sim.venue import SimVenue

D = Decimal
BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
ACCOUNT = "acct-1"
T0 = 1_700_000_000_000


# Self-contained builders: `tests/unit/sim/` is not a package, so this module cannot import the
# core tests' `simkit` portably.
def instrument(base: str, tick: str, step: str) -> Instrument:
    return Instrument(
        symbol=f"{base}/USDT:USDT",
        venue_symbol=f"cmt_{base.lower()}usdt",
        base=base,
        quote="USDT",
        settle="USDT",
        price_tick=D(tick),
        size_step=D(step),
        min_size=D(step),
        max_size=D(1200),
        max_leverage=400,
    )


def make_exchange(config: ExchangeConfig) -> Exchange:
    instruments = {BTC: instrument("BTC", "0.1", "0.0001"), ETH: instrument("ETH", "0.01", "0.01")}
    exchange = Exchange(instruments, config)
    exchange.open_account(ACCOUNT, D(1000), now_ms=T0)
    exchange.update_price(BTC, D(100000), now_ms=T0)
    exchange.update_price(ETH, D(3000), now_ms=T0)
    return exchange


def market(intent: OrderIntent, amount: str, symbol: str = BTC, coid: str | None = None) -> OrderRequest:
    return OrderRequest(symbol, intent, D(amount), order_type=OrderType.MARKET, client_order_id=coid)


def limit(intent: OrderIntent, amount: str, price: str) -> OrderRequest:
    return OrderRequest(BTC, intent, D(amount), price=D(price))


class Clock:
    """A settable clock, so tests decide what 'now' is."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def make_venue(**kwargs: object) -> tuple[SimVenue, Clock]:
    clock = Clock(T0 + 1)
    exchange = make_exchange(config=ExchangeConfig(allowed_symbols=frozenset({BTC})))
    return SimVenue(exchange, ACCOUNT, clock=clock, **kwargs), clock  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_sim_venue_satisfies_the_venue_protocol() -> None:
    venue, clock = make_venue()
    assert isinstance(venue, Venue)
    assert await venue.fetch_time() == clock.now
    instruments = await venue.load_instruments()
    assert set(instruments) == {BTC, ETH}


@pytest.mark.asyncio
async def test_order_round_trip_through_the_port() -> None:
    venue, _clock = make_venue()
    order = await venue.create_order(market(OrderIntent.OPEN_LONG, "0.01", coid="c1"))
    assert order.status is OrderStatus.FILLED
    assert order.client_order_id == "c1"
    assert (await venue.fetch_order(BTC, client_order_id="c1")).id == order.id
    (trade,) = await venue.fetch_my_trades(BTC, order_id=order.id)
    assert trade.cost == trade.price * trade.amount
    assert trade.fee == D("0.80000080")
    (position,) = await venue.fetch_positions([BTC])
    assert position.side is PositionSide.LONG
    assert position.size == D("0.01")
    assert position.leverage == D(20)
    balance = await venue.fetch_balance()
    assert balance.currency == "USDT"
    assert balance.total == balance.free + balance.used


@pytest.mark.asyncio
async def test_resting_orders_are_listed_and_cancelable() -> None:
    venue, _ = make_venue()
    order = await venue.create_order(limit(OrderIntent.OPEN_LONG, "0.01", "99500"))
    assert [o.id for o in await venue.fetch_open_orders()] == [order.id]
    result = await venue.cancel_order(BTC, order_id=order.id)
    assert result.success
    assert await venue.fetch_open_orders(BTC) == []
    with pytest.raises(OrderNotFoundError):
        await venue.cancel_order(BTC, order_id=order.id)


@pytest.mark.asyncio
async def test_rejections_map_onto_the_error_hierarchy() -> None:
    venue, _ = make_venue()
    with pytest.raises(InvalidOrderError) as excinfo:
        await venue.create_order(market(OrderIntent.OPEN_LONG, "0.00015"))
    assert excinfo.value.code == "precision"
    with pytest.raises(InvalidOrderError):
        await venue.create_order(market(OrderIntent.CLOSE_LONG, "0.01"))
    with pytest.raises(SymbolNotAllowedError):
        await venue.create_order(market(OrderIntent.OPEN_LONG, "0.01", symbol=ETH))
    with pytest.raises(InsufficientFundsError):
        await venue.create_order(market(OrderIntent.OPEN_LONG, "1"))
    with pytest.raises(LeverageLimitError):
        await venue.set_leverage(BTC, 21)
    with pytest.raises(OrderNotFoundError):
        await venue.fetch_order(BTC, order_id="1")


@pytest.mark.asyncio
async def test_set_leverage_applies_to_both_sides_and_can_switch_margin_mode() -> None:
    venue, _ = make_venue()
    await venue.set_leverage(BTC, 5)
    setting = venue.exchange.leverage_setting(ACCOUNT, BTC)
    assert (setting.long_leverage, setting.short_leverage) == (5, 5)
    await venue.set_leverage(BTC, 3, margin_mode=MarginMode.ISOLATED)
    assert venue.exchange.leverage_setting(ACCOUNT, BTC).margin_mode is MarginMode.ISOLATED


@pytest.mark.asyncio
async def test_market_data_comes_from_the_core() -> None:
    venue, clock = make_venue()
    venue.exchange.apply_candle(BTC, Candle(T0 + 60_000, D(100000), D(101000), D(99500), D(100800), D(3)))
    ticker = await venue.fetch_ticker("cmt_btcusdt")  # any known spelling is accepted
    assert ticker.symbol == BTC
    assert ticker.last == D(100800)
    assert ticker.bid is not None
    assert ticker.ask is not None
    assert ticker.bid < ticker.ask
    assert ticker.high == D(101000)
    book = await venue.fetch_order_book(BTC)
    assert book.bids[0][0] == ticker.bid
    assert book.asks[0][0] == ticker.ask
    funding = await venue.fetch_funding_rate(BTC)
    assert funding.rate == D("0.0001")
    assert funding.next_funding_time is not None
    assert funding.next_funding_time > clock.now
    venue.exchange.settle_funding(BTC, D("0.0002"), now_ms=T0 + 120_000)
    history = await venue.fetch_funding_rate_history(BTC)
    assert [f.rate for f in history] == [D("0.0002")]


@pytest.mark.asyncio
async def test_candles_and_funding_history_come_from_injected_sources() -> None:
    candle = Candle(T0, D(1), D(2), D(1), D(2), D(10))
    calls: list[tuple[str, str, int | None, int | None, int | None]] = []

    def candles(
        symbol: str, timeframe: str, since: int | None, until: int | None, limit: int | None
    ) -> list[Candle]:
        calls.append((symbol, timeframe, since, until, limit))
        return [candle]

    def funding(symbol: str, limit: int | None) -> list[FundingRate]:
        return [FundingRate(symbol, D("0.0003"), T0)]

    venue, _ = make_venue(candles=candles, funding_history=funding)
    assert await venue.fetch_ohlcv(BTC, "1m", since=T0, limit=5) == [candle]
    assert calls == [(BTC, "1m", T0, None, 5)]
    assert (await venue.fetch_funding_rate_history(BTC))[0].rate == D("0.0003")
    bare, _ = make_venue()
    with pytest.raises(ConfigurationError):
        await bare.fetch_ohlcv(BTC)


@pytest.mark.asyncio
async def test_ai_logs_are_stored_and_close_is_harmless() -> None:
    venue, clock = make_venue()
    log = AiLog(
        stage="Decision Making", model="test-model", input={"x": 1}, output={"y": 2}, explanation="because"
    )
    await venue.upload_ai_log(log)
    assert venue.ai_logs == [log]
    assert venue.ai_log_times == [clock.now]
    await venue.close()
    assert venue.closed
