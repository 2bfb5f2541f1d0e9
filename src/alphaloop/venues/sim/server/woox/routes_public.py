"""Public market endpoints, `/v3/public/*` (spec 4.1), answered from the replayed data up to
simulated time. Order book and public trades are synthetic (the data has candles, not books): a
book of one-tick levels around the core's bid/ask, one trade per closed candle at its close."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from alphaloop.model import TIMEFRAME_MS, Candle, Instrument
from alphaloop.venues.sim.feed import bucket_start
from alphaloop.venues.sim.server.woox import params as p
from alphaloop.venues.sim.server.woox.call import Handler, WooxCall, instrument, require_instrument
from alphaloop.venues.sim.server.woox.wire import WooxError, dec
from alphaloop.venues.woox.constants import DEFAULT_FUNDING_INTERVAL_HOURS, KLINE_MAX_LIMIT, KLINE_TYPES

FUNDING_INTERVAL_MS = DEFAULT_FUNDING_INTERVAL_HOURS * 3_600_000


def next_funding_ms(now_ms: int) -> int:
    """Next 00/08/16 UTC settlement strictly after `now_ms`."""
    return (now_ms // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS


def system_info(call: WooxCall) -> Any:
    return {"status": 0, "msg": "System is functioning properly.", "estimatedEndTime": None}


def instruments(call: WooxCall) -> Any:
    # imported here: instruments.py is a leaf, but keeping the route table free of row builders
    from alphaloop.venues.sim.server.woox.instruments import instrument_row

    only = instrument(call, required=False)
    chosen = [only] if only is not None else [c.instrument for c in call.sim.contracts.values()]
    return {"rows": [instrument_row(i) for i in chosen]}


def _kline_row(inst: Instrument, kind: str, candle: Candle) -> dict[str, Any]:
    quote = candle.quote_volume if candle.quote_volume is not None else candle.volume * candle.close
    return {
        "symbol": inst.venue_symbol,
        "open": dec(candle.open),
        "close": dec(candle.close),
        "high": dec(candle.high),
        "low": dec(candle.low),
        "volume": dec(candle.volume),
        "amount": dec(round(quote, 8)),
        "type": kind,
        "startTimestamp": candle.timestamp,
        "endTimestamp": candle.timestamp + TIMEFRAME_MS[kind],
    }


def _candles(call: WooxCall, inst: Instrument, kind: str, limit: int, end_ms: int | None) -> list[Candle]:
    rows = call.sim.data.candles(inst.symbol, kind, now_ms=call.sim_ms, limit=limit, end_ms=end_ms)
    if rows is None:
        raise WooxError(-1005, f"type {kind} cannot be built from the simulator's data")
    return rows


def _kline_params(call: WooxCall) -> tuple[Instrument, str, int]:
    inst = require_instrument(call)
    kind = p.require_choice(call.params, "type", [k.upper() for k in KLINE_TYPES]).lower()
    if kind not in TIMEFRAME_MS:
        raise WooxError(-1005, f"type {kind} is not available in the simulator")
    limit = p.integer(call.params, "limit", default=100, low=1, high=KLINE_MAX_LIMIT)
    assert limit is not None
    return inst, kind, limit


def kline(call: WooxCall) -> Any:
    """The latest `limit` candles, newest first."""
    inst, kind, limit = _kline_params(call)
    return {"rows": [_kline_row(inst, kind, c) for c in _candles(call, inst, kind, limit, None)]}


def kline_history(call: WooxCall) -> Any:
    """A page strictly before `before`, or strictly after `after` (the `limit` candles following
    it), newest first; `before` wins when both are given (spec 4.1)."""
    inst, kind, limit = _kline_params(call)
    before = p.integer(call.params, "before", low=0)
    after = p.integer(call.params, "after", low=0)
    step = TIMEFRAME_MS[kind]
    if before is not None:
        rows = _candles(call, inst, kind, limit, before - 1)
    elif after is not None:
        first = bucket_start(after, step) + step
        rows = [
            c for c in _candles(call, inst, kind, limit, first + (limit - 1) * step) if c.timestamp > after
        ]
    else:
        rows = _candles(call, inst, kind, limit, None)
    return {"rows": [_kline_row(inst, kind, c) for c in rows]}


def orderbook(call: WooxCall) -> Any:
    inst = require_instrument(call)
    levels = p.integer(call.params, "maxLevel", default=100, low=1, high=500)
    p.boolean(call.params, "rpi")
    assert levels is not None
    market = call.sim.exchange.market(inst.symbol)
    tick, step = inst.price_tick, inst.size_step
    # deterministic sizes that grow away from the touch, so clients see a plausible book
    asks = [
        {"price": dec(market.ask + tick * i), "quantity": dec(step * (1 + (i * 7) % 23))}
        for i in range(levels)
    ]
    bids = [
        {"price": dec(market.bid - tick * i), "quantity": dec(step * (1 + (i * 11) % 19))}
        for i in range(levels)
        if market.bid - tick * i > 0
    ]
    return {"asks": asks, "bids": bids}


def market_trades(call: WooxCall) -> Any:
    inst = require_instrument(call)
    limit = p.integer(call.params, "limit", default=10, low=1, high=1000)
    assert limit is not None
    series = call.sim.data.series[inst.symbol]
    stop = series.closed_count(call.sim_ms)
    rows = []
    for index in range(stop - 1, max(stop - limit, 0) - 1, -1):
        candle = series.candle(index)
        rows.append(
            {
                "symbol": inst.venue_symbol,
                "side": "SELL" if candle.close < candle.open else "BUY",
                "source": 0,
                "executedPrice": dec(candle.close),
                "executedQuantity": dec(inst.size_step * (1 + (series.ts[index] // series.step_ms) % 20)),
                "executedTimestamp": series.ts[index] + series.step_ms - 1,
            }
        )
    return {"rows": rows}


def _futures_row(call: WooxCall, inst: Instrument) -> dict[str, Any]:
    m = call.sim.exchange.market(inst.symbol)
    # no open-interest data: half a day's volume, a plausible order of magnitude
    return {
        "symbol": inst.venue_symbol,
        "indexPrice": dec(m.index),
        "markPrice": dec(m.mark),
        "estFundingRate": dec(m.funding_rate),
        "lastFundingRate": dec(m.funding_rate),
        "openInterest": dec(round(m.volume_24h / 2, 4)),
        "24hOpen": dec(m.open_24h if m.open_24h is not None else m.last),
        "24hClose": dec(m.last),
        "24hHigh": dec(m.high_24h),
        "24hLow": dec(m.low_24h),
        "24hVolume": dec(m.volume_24h),
        "24hAmount": dec(round(m.quote_volume_24h, 2)),
        "nextFundingTime": next_funding_ms(call.sim_ms),
    }


def futures(call: WooxCall) -> Any:
    only = instrument(call, required=False)
    chosen = [only] if only is not None else [c.instrument for c in call.sim.contracts.values()]
    return {"rows": [_futures_row(call, i) for i in chosen]}


def _funding_row(call: WooxCall, inst: Instrument) -> dict[str, Any]:
    # the next rate is unknown until settled (no future data): the estimate is the last settled one
    history = call.sim.data.funding_history(inst.symbol, now_ms=call.sim_ms, limit=1)
    market = call.sim.exchange.market(inst.symbol)
    rate = history[0][1] if history else market.funding_rate
    last_at = history[0][0] if history else next_funding_ms(call.sim_ms) - FUNDING_INTERVAL_MS
    return {
        "symbol": inst.venue_symbol,
        "estFundingRate": dec(rate),
        "estFundingRateTimestamp": call.sim_ms,
        "lastFundingRate": dec(rate),
        "lastFundingRateTimestamp": last_at,
        "nextFundingTime": next_funding_ms(call.sim_ms),
        "lastFundingIntervalHours": DEFAULT_FUNDING_INTERVAL_HOURS,
        "estFundingIntervalHours": DEFAULT_FUNDING_INTERVAL_HOURS,
    }


def funding_rate(call: WooxCall) -> Any:
    only = instrument(call, required=False)
    chosen = [only] if only is not None else [c.instrument for c in call.sim.contracts.values()]
    return {"rows": [_funding_row(call, i) for i in chosen]}


def page_of(rows: list[Any], call: WooxCall, *, default_size: int = 25, max_size: int = 500) -> Any:
    """`rows` cut to the requested page, with the `meta` block of paginated answers."""
    page = p.integer(call.params, "page", default=1, low=1)
    size = p.integer(call.params, "size", default=default_size, low=1, high=max_size)
    assert page is not None
    assert size is not None
    chunk = rows[(page - 1) * size : page * size]
    return {"rows": chunk, "meta": {"total": len(rows), "recordsPerPage": size, "currentPage": page}}


def funding_rate_history(call: WooxCall) -> Any:
    inst = require_instrument(call)
    since = p.integer(call.params, "startTime", low=0)
    until = p.integer(call.params, "endTime", low=0)
    history = call.sim.data.funding_history(inst.symbol, now_ms=call.sim_ms, limit=1_000_000)
    rows = [
        {
            "symbol": inst.venue_symbol,
            "fundingRate": dec(Decimal(rate)),
            "fundingRateTimestamp": at,
            "nextFundingTime": at + FUNDING_INTERVAL_MS,
            "markPrice": None,
        }
        for at, rate in history
        if (since is None or at >= since) and (until is None or at <= until)
    ]
    return page_of(rows, call)


ROUTES: dict[str, tuple[Handler, frozenset[str]]] = {
    "systemInfo": (system_info, frozenset()),
    "instruments": (instruments, frozenset({"symbol"})),
    "kline": (kline, frozenset({"symbol", "type", "limit"})),
    "klineHistory": (kline_history, frozenset({"symbol", "type", "limit", "before", "after"})),
    "orderbook": (orderbook, frozenset({"symbol", "maxLevel", "rpi"})),
    "marketTrades": (market_trades, frozenset({"symbol", "limit"})),
    "futures": (futures, frozenset({"symbol"})),
    "fundingRate": (funding_rate, frozenset({"symbol"})),
    "fundingRateHistory": (
        funding_rate_history,
        frozenset({"symbol", "startTime", "endTime", "page", "size"}),
    ),
}
