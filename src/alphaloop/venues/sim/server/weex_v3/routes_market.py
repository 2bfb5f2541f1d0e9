"""Public v3 market endpoints (spec 7.1) and the spot reads ccxt's load_markets makes (7.6).

Answered from the replayed data up to simulated time, like the v2 dialect; depth and public trades
are synthetic (the data has candles, not books or tapes). Candles are oldest first (Binance-style,
spec 7.1.7 GUESS).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from alphaloop.model import TIMEFRAME_MS, Candle
from alphaloop.venues.sim.core import MarketState
from alphaloop.venues.sim.feed import bucket_start
from alphaloop.venues.sim.server.contracts import ContractInfo
from alphaloop.venues.sim.server.numbers import wire_int
from alphaloop.venues.sim.server.routes_market import FUNDING_INTERVAL_MS, next_funding_ms
from alphaloop.venues.sim.server.weex_v3.call import (
    Handler,
    V3Call,
    V3Error,
    contract,
    require_contract,
    text,
)
from alphaloop.venues.sim.server.weex_v3.shapes import exchange_info_json, symbol_of
from alphaloop.venues.sim.server.wire import dec
from alphaloop.venues.weex.constants import GRANULARITIES
from alphaloop.venues.weex.v3 import constants as c

_TRADE_NAMESPACE = uuid.UUID("0b7d8e42-5c1a-4f0e-9a37-2f6a51c9d3e4")


def integer(call: V3Call, name: str, default: int | None, low: int, high: int | None = None) -> int | None:
    value = call.params.get(name)
    if value is None or value == "":
        return default
    result = wire_int(str(value))
    if result is None:
        raise V3Error(c.PARAM_ERROR, f"Parameter {name} is invalid")
    if result < low or (high is not None and result > high):
        raise V3Error(c.PARAM_VALIDATE_ERROR, f"Parameter {name} is out of range")
    return result


def _market(call: V3Call, info: ContractInfo) -> MarketState:
    return call.sim.exchange.market(info.instrument.symbol)


def _infos(call: V3Call) -> list[ContractInfo]:
    info = contract(call, required=False)
    return [info] if info is not None else list(call.by_v3.values())


def server_time(call: V3Call) -> Any:
    return {"serverTime": call.wall_ms}


def exchange_info(call: V3Call) -> Any:
    return {
        "assets": [{"asset": "USDT", "marginAvailable": True}],
        "symbols": [exchange_info_json(i) for i in _infos(call)],
    }


def depth(call: V3Call) -> Any:
    info = require_contract(call)
    limit = integer(call, "limit", 15, 1)
    if limit not in (15, 200):
        raise V3Error(c.PARAM_ERROR, "Parameter limit must be 15 or 200")
    m = _market(call, info)
    tick, step = info.instrument.price_tick, info.instrument.size_step
    asks = [[dec(m.ask + tick * i), dec(step * (1 + (i * 7) % 23))] for i in range(limit)]
    bids = [
        [dec(m.bid - tick * i), dec(step * (1 + (i * 11) % 19))] for i in range(limit) if m.bid - tick * i > 0
    ]
    return {"bids": bids, "asks": asks, "lastUpdateId": call.sim_ms}


def _ticker(call: V3Call, info: ContractInfo) -> dict[str, Any]:
    m = _market(call, info)
    opened = m.open_24h if m.open_24h is not None else m.last
    change = m.last - opened
    return {
        "symbol": symbol_of(info),
        "priceChange": dec(change),
        # a fraction, as in ccxt's live sample (spec 7.1.4)
        "priceChangePercent": dec(round(change / opened, 6) if opened else Decimal(0)),
        "lastPrice": dec(m.last),
        "openPrice": dec(opened),
        "highPrice": dec(m.high_24h),
        "lowPrice": dec(m.low_24h),
        "volume": dec(m.volume_24h),
        "quoteVolume": dec(m.quote_volume_24h),
        "markPrice": dec(m.mark),
        "indexPrice": dec(m.index),
        "openTime": call.sim_ms - 86_400_000,
        "closeTime": call.sim_ms,
    }


def ticker_24hr(call: V3Call) -> Any:
    return [_ticker(call, i) for i in _infos(call)]


def book_ticker(call: V3Call) -> Any:
    step = Decimal(1)
    rows = []
    for info in _infos(call):
        m = _market(call, info)
        step = info.instrument.size_step
        rows.append(
            {
                "symbol": symbol_of(info),
                "bidPrice": dec(m.bid),
                "bidQty": dec(step),
                "askPrice": dec(m.ask),
                "askQty": dec(step * 7),
                "time": call.sim_ms,
            }
        )
    return rows


def trades(call: V3Call) -> Any:
    info = require_contract(call)
    limit = integer(call, "limit", 100, 1, 1000)
    assert limit is not None
    series = call.sim.data.series[info.instrument.symbol]
    stop = series.closed_count(call.sim_ms)
    out = []
    for index in range(max(stop - limit, 0), stop):
        candle = series.candle(index)
        size = info.instrument.size_step * (1 + (series.ts[index] // series.step_ms) % 20)
        out.append(
            {
                "id": str(uuid.uuid5(_TRADE_NAMESPACE, f"{info.instrument.symbol}{series.ts[index]}")),
                "time": series.ts[index] + series.step_ms - 1,
                "price": dec(candle.close),
                "qty": dec(size),
                "quoteQty": dec(size * candle.close),
                "isBestMatch": True,
                "isBuyerMaker": candle.close < candle.open,
            }
        )
    return out


def _row(candle: Candle, step: int, zero_volume: bool) -> list[Any]:
    quote = candle.quote_volume if candle.quote_volume is not None else candle.volume * candle.close
    volume, quote_volume = ("0", "0") if zero_volume else (dec(candle.volume), dec(round(quote, 8)))
    return [
        candle.timestamp,
        dec(candle.open),
        dec(candle.high),
        dec(candle.low),
        dec(candle.close),
        volume,
        candle.timestamp + step - 1,
        quote_volume,
        0,
        "0",
        "0",
    ]


def _klines(call: V3Call, *, max_limit: int, ranged: bool, zero_volume: bool = False) -> Any:
    info = require_contract(call)
    interval = text(call, "interval")
    if interval not in GRANULARITIES:
        raise V3Error(c.PARAM_ERROR, f"Parameter interval must be one of {', '.join(GRANULARITIES)}")
    limit = integer(call, "limit", 100, 1, max_limit)
    assert limit is not None
    step = TIMEFRAME_MS[interval]
    start = integer(call, "startTime", None, 0) if ranged else None
    end = integer(call, "endTime", None, 0) if ranged else None
    if start is not None and end is not None and start > end:
        raise V3Error((-1171, "startTime is after endTime"))
    if start is not None and end is None:
        end = bucket_start(start, step) + (limit - 1) * step
    rows = call.sim.data.candles(
        info.instrument.symbol, interval, now_ms=call.sim_ms, limit=limit, end_ms=end
    )
    if rows is None:
        raise V3Error(c.PARAM_ERROR, f"interval {interval} cannot be built from the stored data")
    if start is not None:
        rows = [r for r in rows if r.timestamp >= bucket_start(start, step)]
    return [_row(r, step, zero_volume) for r in sorted(rows, key=lambda r: r.timestamp)]


def klines(call: V3Call) -> Any:
    return _klines(call, max_limit=1000, ranged=False)


def index_klines(call: V3Call) -> Any:
    # the data has no separate index series: last-price candles with zero volume, like JK's fixture
    return _klines(call, max_limit=1000, ranged=False, zero_volume=True)


def history_klines(call: V3Call) -> Any:
    price_type = text(call, "priceType", required=False)
    if price_type not in (None, "LAST", "INDEX", "MARK"):
        raise V3Error(c.PARAM_ERROR, "Parameter priceType is invalid")
    return _klines(call, max_limit=100, ranged=True, zero_volume=price_type in ("INDEX", "MARK"))


def symbol_price(call: V3Call) -> Any:
    info = require_contract(call)
    kind = text(call, "priceType", required=False) or "INDEX"
    if kind not in ("INDEX", "MARK"):
        raise V3Error(c.PARAM_ERROR, "Parameter priceType is invalid")
    m = _market(call, info)
    return {
        "symbol": symbol_of(info),
        "price": dec(m.mark if kind == "MARK" else m.index),
        "time": call.sim_ms,
    }


def open_interest(call: V3Call) -> Any:
    info = require_contract(call)
    # no open-interest data: half a day's volume, a plausible order of magnitude (as in v2)
    return {
        "symbol": symbol_of(info),
        "openInterest": dec(round(_market(call, info).volume_24h / 2, 4)),
        "time": call.sim_ms,
    }


def _last_rate(call: V3Call, info: ContractInfo) -> Decimal:
    history = call.sim.data.funding_history(info.instrument.symbol, now_ms=call.sim_ms, limit=1)
    return history[0][1] if history else _market(call, info).funding_rate


def premium_index(call: V3Call) -> Any:
    rows = []
    for info in _infos(call):
        m = _market(call, info)
        rate = _last_rate(call, info)
        rows.append(
            {
                "symbol": symbol_of(info),
                "markPrice": dec(m.mark),
                "indexPrice": dec(m.index),
                "lastFundingRate": dec(rate),
                "forecastFundingRate": dec(rate),
                "interestRate": "0.0001",
                "nextFundingTime": next_funding_ms(call.sim_ms),
                "time": call.sim_ms,
                "collectCycle": FUNDING_INTERVAL_MS // 60_000,
            }
        )
    return rows


def funding_rate(call: V3Call) -> Any:
    info = require_contract(call)
    limit = integer(call, "limit", 100, 1, 1000)
    start = integer(call, "startTime", None, 0)
    end = integer(call, "endTime", None, 0)
    assert limit is not None
    history = call.sim.data.funding_history(info.instrument.symbol, now_ms=call.sim_ms, limit=1000)
    rows = [
        {"symbol": symbol_of(info), "fundingRate": dec(rate), "fundingTime": at, "markPrice": "0"}
        for at, rate in sorted(history)
        if (start is None or at >= start) and (end is None or at <= end)
    ]
    return rows[-limit:]


def api_trading_symbols(call: V3Call) -> Any:
    return [symbol_of(i) for i in call.by_v3.values()]


# ---- spot (spec 7.6): no spot markets are simulated; these answers say so honestly


def spot_coins(call: V3Call) -> Any:
    return []


def spot_exchange_info(call: V3Call) -> Any:
    return {"timezone": "UTC", "serverTime": call.wall_ms, "symbols": []}


def spot_ping(call: V3Call) -> Any:
    return {}


ROUTES: dict[str, Handler] = {
    "v3_time": server_time,
    "v3_exchangeInfo": exchange_info,
    "v3_depth": depth,
    "v3_ticker24hr": ticker_24hr,
    "v3_bookTicker": book_ticker,
    "v3_trades": trades,
    "v3_klines": klines,
    "v3_indexPriceKlines": index_klines,
    "v3_markPriceKlines": index_klines,
    "v3_historyKlines": history_klines,
    "v3_symbolPrice": symbol_price,
    "v3_openInterest": open_interest,
    "v3_premiumIndex": premium_index,
    "v3_fundingRate": funding_rate,
    "v3_apiTradingSymbols": api_trading_symbols,
    "spot_coins": spot_coins,
    "spot_exchangeInfo": spot_exchange_info,
    "spot_time": server_time,
    "spot_ping": spot_ping,
}
