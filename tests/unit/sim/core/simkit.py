"""Small builders for simulator-core tests: instruments like spec §6 and a funded exchange."""

from __future__ import annotations

from decimal import Decimal

from alphaloop.model import Instrument, OrderIntent, OrderRequest, OrderType, TimeInForce
from alphaloop.venues.sim.core import Exchange, ExchangeConfig

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
ACCOUNT = "acct-1"
T0 = 1_700_000_000_000


def btc_perp(**overrides: object) -> Instrument:
    """BTC like the spec §6 seed: tick 0.1, step 0.0001, maker 0.0002, taker 0.0008, band 1 %."""
    fields: dict[str, object] = {
        "symbol": BTC,
        "venue_symbol": "cmt_btcusdt",
        "base": "BTC",
        "quote": "USDT",
        "settle": "USDT",
        "price_tick": Decimal("0.1"),
        "size_step": Decimal("0.0001"),
        "min_size": Decimal("0.0001"),
        "max_size": Decimal("1200"),
        "max_market_open_size": Decimal("100"),
        "max_position_size": Decimal("1000000"),
        "max_leverage": 400,
        "maker_fee": Decimal("0.0002"),
        "taker_fee": Decimal("0.0008"),
        "contract_value": Decimal("0.0001"),
        "buy_limit_price_ratio": Decimal("0.01"),
        "sell_limit_price_ratio": Decimal("0.01"),
    }
    fields.update(overrides)
    return Instrument(**fields)  # type: ignore[arg-type]


def eth_perp(**overrides: object) -> Instrument:
    fields: dict[str, object] = {
        "symbol": ETH,
        "venue_symbol": "cmt_ethusdt",
        "base": "ETH",
        "quote": "USDT",
        "settle": "USDT",
        "price_tick": Decimal("0.01"),
        "size_step": Decimal("0.01"),
        "min_size": Decimal("0.01"),
        "max_size": Decimal("10000"),
        "max_leverage": 400,
    }
    fields.update(overrides)
    return Instrument(**fields)  # type: ignore[arg-type]


def make_exchange(
    *,
    balance: Decimal = Decimal(1000),
    btc_price: Decimal | None = Decimal(100000),
    config: ExchangeConfig | None = None,
    instruments: list[Instrument] | None = None,
) -> Exchange:
    """An exchange with BTC and ETH, one funded account and (by default) a BTC price."""
    listed = instruments if instruments is not None else [btc_perp(), eth_perp()]
    exchange = Exchange({i.symbol: i for i in listed}, config or ExchangeConfig())
    exchange.open_account(ACCOUNT, balance, now_ms=T0)
    if btc_price is not None:
        exchange.update_price(BTC, btc_price, now_ms=T0)
    return exchange


def market(intent: OrderIntent, amount: str, symbol: str = BTC, **kwargs: object) -> OrderRequest:
    return OrderRequest(symbol, intent, Decimal(amount), order_type=OrderType.MARKET, **kwargs)  # type: ignore[arg-type]


def limit(
    intent: OrderIntent,
    amount: str,
    price: str,
    symbol: str = BTC,
    tif: TimeInForce = TimeInForce.GTC,
    **kwargs: object,
) -> OrderRequest:
    return OrderRequest(
        symbol,
        intent,
        Decimal(amount),
        order_type=OrderType.LIMIT,
        price=Decimal(price),
        time_in_force=tif,
        **kwargs,  # type: ignore[arg-type]
    )
