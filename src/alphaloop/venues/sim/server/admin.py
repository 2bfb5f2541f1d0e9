"""Admin API under `/__admin/` (only with `--admin`): drive and inspect the simulator from tests.

* `GET /__admin/state`: core `state()` + AI logs + request counters + clocks + faults.
* `GET /__admin/ailogs`: stored uploadAiLog calls, verbatim.
* `POST /__admin/advance` `{"ms": N}` or `{"to_ms": T}`: move simulated time forward (replays
  candles and funding up to it).
* `POST /__admin/speed` `{"speed": X}`: simulated seconds per wall second (0 freezes time).
* `POST /__admin/price` `{"symbol": "cmt_btcusdt", "price": "100000", "mark": "..."}`: feed one
  trade price (fills, triggers, liquidations follow).
* `GET /__admin/faults`, `POST /__admin/faults` `{"spec": "placeOrder:drop@n=1"}` (`""` clears):
  read / replace the fault rules (syntax in `faults.py`).
* `POST /__admin/reset`: fresh accounts and market at the start time; faults and limits cleared.

Answers are plain JSON objects; errors are `{"error": "..."}` with HTTP 400. No auth: it binds to
loopback and is off by default.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from decimal import Decimal
from typing import Any

import orjson

from alphaloop.model import AlphaloopError, to_unified_symbol
from alphaloop.venues.sim.core import SimRejection
from alphaloop.venues.sim.server.faults import FaultSpecError, parse_fault_spec
from alphaloop.venues.sim.server.numbers import bounded_decimal, bounded_int_text
from alphaloop.venues.sim.server.state import Simulator
from alphaloop.venues.sim.server.wire import not_found_body

#: simulated seconds per wall second the clock may run at (a 20-day round in under a minute)
MAX_SPEED = 1_000_000.0
#: the furthest one `advance` may jump
MAX_ADVANCE_MS = 10 * 365 * 86_400_000

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class AdminError(Exception):
    """A bad admin request (HTTP 400)."""


class AdminNotFound(Exception):
    """No such admin action (HTTP 404)."""


async def _send(send: Send, status: int, payload: Any) -> None:
    body = orjson.dumps(payload, default=str)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise AdminError(f"body is not JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise AdminError("body must be a JSON object")
    return parsed


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not bounded_int_text(str(value)):
        raise AdminError(f"'{name}' must be an integer (at most 18 digits)")
    return int(value)


def _decimal(body: dict[str, Any], name: str) -> Decimal:
    # NaN, Infinity and 1e999999 are refused here: a NaN speed broke every endpoint until restart
    value = bounded_decimal(body.get(name))
    if value is None:
        raise AdminError(f"'{name}' must be a finite decimal number")
    return value


def _positive_price(body: dict[str, Any], name: str) -> Decimal:
    value = _decimal(body, name)
    if value <= 0:
        raise AdminError(f"'{name}' must be > 0")
    return value


def _unified(symbol: str) -> str:
    """Any venue spelling (`cmt_btcusdt`, `PERP_BTC_USDT`) as the unified symbol, else unchanged."""
    try:
        return to_unified_symbol(symbol)
    except AlphaloopError:
        return symbol


def dispatch(sim: Simulator, method: str, action: str, raw: bytes) -> tuple[int, Any]:
    """Run one admin action; returns (HTTP status, payload)."""
    body = _body(raw) if method == "POST" else {}
    if method == "GET" and action == "state":
        sim.sync()
        return 200, sim.state()
    if method == "GET" and action == "ailogs":
        return 200, sim.state()["ai_logs"]
    if method == "GET" and action == "faults":
        return 200, {"spec": sim.faults.spec, "fired": sim.faults.fired, "skew_ms": sim.faults.skew_ms}
    if method != "POST":
        raise AdminNotFound(action)
    if action == "advance":
        if "to_ms" in body:
            sim.clock.advance_to(_int(body, "to_ms"))
        else:
            ms = _int(body, "ms")
            if ms < 0:
                raise AdminError("'ms' must be >= 0: simulated time never goes backwards")
            if ms > MAX_ADVANCE_MS:
                raise AdminError(f"'ms' must be <= {MAX_ADVANCE_MS} (ten years) per call")
            sim.clock.advance(ms)
        return 200, {"sim_time_ms": sim.sync()}
    if action == "speed":
        speed = float(_decimal(body, "speed"))
        if not 0 <= speed <= MAX_SPEED:
            raise AdminError(f"'speed' must be between 0 and {MAX_SPEED:g}")
        sim.clock.set_speed(speed)
        return 200, {"speed": speed, "sim_time_ms": sim.sync()}
    if action == "price":
        symbol = str(body.get("symbol", ""))
        info = sim.contracts.get(symbol) or sim.by_unified.get(symbol) or sim.by_unified.get(_unified(symbol))
        if info is None:
            raise AdminError(f"unknown symbol '{symbol}'")
        price = _positive_price(body, "price")
        mark = _positive_price(body, "mark") if "mark" in body else None
        now = sim.sync()
        fills = sim.exchange.update_price(info.instrument.symbol, price, now_ms=now, mark=mark)
        sim.observe(now)
        return 200, {"symbol": info.instrument.venue_symbol, "fills": len(fills), "sim_time_ms": now}
    if action == "faults":
        spec = str(body.get("spec", ""))
        try:
            sim.faults.set_rules(parse_fault_spec(spec, sim.endpoint_names))
        except FaultSpecError as exc:
            raise AdminError(str(exc)) from None
        return 200, {"spec": sim.faults.spec}
    if action == "reset":
        sim.reset()
        return 200, {"sim_time_ms": sim.sync()}
    raise AdminNotFound(action)


async def handle(sim: Simulator, method: str, action: str, raw: bytes, send: Send) -> None:
    if not sim.config.admin:
        await _send(send, 404, not_found_body("/__admin/" + action, sim.reported_ms()))
        return
    try:
        status, payload = dispatch(sim, method, action.strip("/"), raw)
    except AdminNotFound:
        status, payload = 404, not_found_body("/__admin/" + action, sim.reported_ms())
    except (AdminError, SimRejection, ValueError) as exc:
        status, payload = 400, {"error": str(exc)}
    await _send(send, status, payload)
