"""Public market endpoints (spec 7.1-7.13), answered from the replayed data up to simulated time.

Depth and public trades are synthetic (the data has candles, not books or tapes): a book of
one-tick levels around the core's bid/ask, and one trade per closed candle at its close.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from alphaloop.model import TIMEFRAME_MS, Candle, Side
from alphaloop.venues.sim.core import MarketState
from alphaloop.venues.sim.core.book import depth_levels
from alphaloop.venues.sim.feed import bucket_start
from alphaloop.venues.sim.server.contracts import ContractInfo
from alphaloop.venues.sim.server.dialect import Call, choice, contract, integer, require_contract
from alphaloop.venues.sim.server.wire import dec, param_invalid
from alphaloop.venues.weex.constants import GRANULARITIES

Handler = Callable[[Call], Any]

FUNDING_INTERVAL_MS = 8 * 3_600_000
_GRANULARITY = {g: g for g in GRANULARITIES}
_PRICE_TYPES = {"LAST": "LAST", "MARK": "MARK", "INDEX": "INDEX"}
_INDEX_TYPES = {"INDEX": "INDEX", "MARK": "MARK"}
_TRADE_NAMESPACE = uuid.UUID("6f1c6b0e-7f43-4c57-9d8e-1d7f0f4b5a10")


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def time_(call: Call) -> Any:
    ms = call.wall_ms
    return {"epoch": f"{ms // 1000}.{ms % 1000:03d}", "iso": _iso(ms), "timestamp": ms}


def contracts(call: Call) -> Any:
    info = contract(call.sim, call.params, required=False)
    if info is not None:
        return [info.json]
    return [c.json for c in call.sim.contracts.values()]


def _market(call: Call, info: ContractInfo) -> MarketState:
    return call.sim.exchange.market(info.instrument.symbol)


def _ticker_json(call: Call, info: ContractInfo) -> dict[str, Any]:
    m = _market(call, info)
    change = (m.last - m.open_24h) / m.open_24h if m.open_24h else Decimal(0)
    return {
        "symbol": info.instrument.venue_symbol,
        "last": dec(m.last),
        "best_ask": dec(m.ask),
        "best_bid": dec(m.bid),
        "high_24h": dec(m.high_24h),
        "low_24h": dec(m.low_24h),
        "volume_24h": dec(m.quote_volume_24h),
        "timestamp": str(call.sim_ms),
        "priceChangePercent": dec(round(change, 6)),
        "base_volume": dec(m.volume_24h),
        "markPrice": dec(m.mark),
        "indexPrice": dec(m.index),
    }


def ticker(call: Call) -> Any:
    return _ticker_json(call, require_contract(call.sim, call.params))


def tickers(call: Call) -> Any:
    return [_ticker_json(call, info) for info in call.sim.contracts.values()]


def depth(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    limit = integer(call.params, "limit", default=15)
    if limit not in (15, 200):
        raise param_invalid("limit")
    m = _market(call, info)
    tick = info.instrument.price_tick
    step = info.instrument.size_step
    model = call.sim.exchange.config.depth
    if model is not None and m.bar_volume is not None and m.bar_volume > 0:
        # The book market orders fill against (the core's depth model, as the backtest prices it).
        ask_levels = depth_levels(m.ask, Side.BUY, m.bar_volume, tick, limit, model.share, model.band)
        bid_levels = depth_levels(m.bid, Side.SELL, m.bar_volume, tick, limit, model.share, model.band)
        return {
            "asks": [[dec(p), dec(size)] for p, size in ask_levels],
            "bids": [[dec(p), dec(size)] for p, size in bid_levels],
            "timestamp": str(call.sim_ms),
        }
    # Deterministic sizes that grow away from the touch, so clients see a plausible book.
    asks = [[dec(m.ask + tick * i), dec(step * (1 + (i * 7) % 23))] for i in range(limit)]
    bids = [
        [dec(m.bid - tick * i), dec(step * (1 + (i * 11) % 19))] for i in range(limit) if m.bid - tick * i > 0
    ]
    return {"asks": asks, "bids": bids, "timestamp": str(call.sim_ms)}


def trades(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    limit = integer(call.params, "limit", default=100, low=1, high=1000)
    assert limit is not None
    series = call.sim.data.series[info.instrument.symbol]
    stop = series.closed_count(call.sim_ms)
    out = []
    for index in range(stop - 1, max(stop - limit, 0) - 1, -1):
        candle = series.candle(index)
        size = info.instrument.size_step * (1 + (series.ts[index] // series.step_ms) % 20)
        out.append(
            {
                "ticketId": str(uuid.uuid5(_TRADE_NAMESPACE, f"{info.instrument.symbol}{series.ts[index]}")),
                "time": series.ts[index] + series.step_ms - 1,
                "price": dec(candle.close),
                "size": dec(size),
                "value": dec(size * candle.close),
                "symbol": info.instrument.venue_symbol,
                "isBestMatch": True,
                "isBuyerMaker": candle.close < candle.open,
                "contractVal": dec(info.internal_unit),
            }
        )
    return out


def _candle_row(candle: Candle) -> list[str]:
    quote = candle.quote_volume if candle.quote_volume is not None else candle.volume * candle.close
    return [
        str(candle.timestamp),
        dec(candle.open),
        dec(candle.high),
        dec(candle.low),
        dec(candle.close),
        dec(candle.volume),
        dec(round(quote, 8)),
    ]


def _candles(call: Call, *, max_limit: int, end_ms: int | None, start_ms: int | None) -> Any:
    info = require_contract(call.sim, call.params)
    granularity = choice(call.params, "granularity", _GRANULARITY)
    limit = integer(call.params, "limit", default=100, low=1, high=max_limit)
    choice(call.params, "priceType", _PRICE_TYPES, required=False)
    assert limit is not None
    step = TIMEFRAME_MS[granularity]
    if start_ms is not None and end_ms is None:
        # Only a start: the `limit` candles from startTime on (newest first, like every answer).
        end_ms = bucket_start(start_ms, step) + (limit - 1) * step
    rows = call.sim.data.candles(
        info.instrument.symbol, granularity, now_ms=call.sim_ms, limit=limit, end_ms=end_ms
    )
    if rows is None:
        # The data folder has no timeframe that divides this granularity (e.g. 1m from 5m files).
        raise param_invalid("granularity")
    if start_ms is not None:
        rows = [c for c in rows if c.timestamp >= bucket_start(start_ms, step)]
    return [_candle_row(c) for c in rows]


def candles(call: Call) -> Any:
    return _candles(call, max_limit=1000, end_ms=None, start_ms=None)


def _time_param(call: Call, name: str) -> int | None:
    # historyCandles: an invalid time falls back to the latest period (spec 7.8), it is not an error.
    try:
        value = integer(call.params, name)
    except Exception:
        return None
    return value if value is not None and value > 0 else None


def history_candles(call: Call) -> Any:
    end_ms = _time_param(call, "endTime")
    start_ms = None if end_ms is not None else _time_param(call, "startTime")
    return _candles(call, max_limit=100, end_ms=end_ms, start_ms=start_ms)


def index(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    kind = choice(call.params, "priceType", _INDEX_TYPES, required=False) or "INDEX"
    m = _market(call, info)
    return {
        "symbol": info.instrument.venue_symbol,
        "index": dec(m.mark if kind == "MARK" else m.index),
        "timestamp": str(call.sim_ms),
    }


def open_interest(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    m = _market(call, info)
    # No open-interest data: report half a day's volume, a plausible order of magnitude.
    base = round(m.volume_24h / 2, 4)
    return [
        {
            "symbol": info.instrument.venue_symbol,
            "base_volume": dec(base),
            "target_volume": dec(round(base * m.last, 2)),
            "timestamp": str(call.sim_ms),
        }
    ]


def next_funding_ms(now_ms: int) -> int:
    """Next 00/08/16 UTC settlement strictly after `now_ms`."""
    return (now_ms // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS


def funding_time(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    return {"symbol": info.instrument.venue_symbol, "fundingTime": next_funding_ms(call.sim_ms)}


def history_fund_rate(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    limit = integer(call.params, "limit", default=10, low=1, high=100)
    assert limit is not None
    history = call.sim.data.funding_history(info.instrument.symbol, now_ms=call.sim_ms, limit=limit)
    return [
        {"symbol": info.instrument.venue_symbol, "fundingRate": dec(rate), "fundingTime": at}
        for at, rate in history
    ]


def _current_rate(call: Call, info: ContractInfo) -> dict[str, Any]:
    # The next rate is unknown until settled (no future data): show the last settled one.
    history = call.sim.data.funding_history(info.instrument.symbol, now_ms=call.sim_ms, limit=1)
    rate = history[0][1] if history else _market(call, info).funding_rate
    return {
        "symbol": info.instrument.venue_symbol,
        "fundingRate": dec(rate),
        "collectCycle": FUNDING_INTERVAL_MS // 60_000,
        "timestamp": call.sim_ms,
    }


def current_fund_rate(call: Call) -> Any:
    info = contract(call.sim, call.params, required=False)
    infos = [info] if info is not None else list(call.sim.contracts.values())
    return [_current_rate(call, i) for i in infos]


ROUTES: dict[str, Handler] = {
    "time": time_,
    "contracts": contracts,
    "depth": depth,
    "tickers": tickers,
    "ticker": ticker,
    "trades": trades,
    "candles": candles,
    "historyCandles": history_candles,
    "index": index,
    "open_interest": open_interest,
    "funding_time": funding_time,
    "getHistoryFundRate": history_fund_rate,
    "currentFundRate": current_fund_rate,
}
