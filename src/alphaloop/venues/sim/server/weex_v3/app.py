"""The WEEX v3 dialect's ASGI application: the v2 shell (lifespan, admin API, faults, counters)
around the v3 pipeline:

normalise path -> route by (method, path) (404 / -1150) -> faults -> auth (ACCESS-*, v3 codes) ->
rate limit (v3 weights, 429) -> parameters (query; JSON body on POST and DELETE) -> handler ->
bare JSON payload, or `{"code": -1xxx, "msg": ...}`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qsl

import orjson

from alphaloop.venues.sim.core import SimRejection
from alphaloop.venues.sim.server import admin
from alphaloop.venues.sim.server.app import (
    ADMIN_PREFIX,
    Receive,
    Scope,
    Send,
    SimulatorApp,
    drop_connection,
    read_body,
    respond,
    respond_text,
)
from alphaloop.venues.sim.server.auth import normalize_path
from alphaloop.venues.sim.server.contracts import ContractInfo
from alphaloop.venues.sim.server.faults import FaultKind, FaultRule
from alphaloop.venues.sim.server.state import Simulator
from alphaloop.venues.sim.server.weex_v3 import routes_account, routes_market, routes_trade
from alphaloop.venues.sim.server.weex_v3.call import Handler, V3Call, V3Error, from_v2, rejection_error
from alphaloop.venues.sim.server.weex_v3.shapes import symbol_of
from alphaloop.venues.sim.server.wire import WeexError
from alphaloop.venues.weex.constants import Endpoint
from alphaloop.venues.weex.v3 import constants as c

logger = logging.getLogger("alphaloop.sim.server")

#: Endpoints a key without trading rights may still call with a non-GET method.
_READ_ONLY = frozenset({"v3_income", "v3_uploadAiLog", "v3_uploadAiLogV2"})


def build_v3_routes() -> dict[tuple[str, str], tuple[Endpoint, Handler]]:
    """(method, path) -> (endpoint, handler) for the whole table; fails loudly if one is missing."""
    handlers = {**routes_market.ROUTES, **routes_account.ROUTES, **routes_trade.ROUTES}
    missing = [e.name for e in c.ENDPOINTS if e.name not in handlers]
    if missing:
        raise RuntimeError(f"no handler for WEEX v3 endpoints: {', '.join(missing)}")
    return {(e.method, e.path): (e, handlers[e.name]) for e in c.ENDPOINTS}


class V3World:
    """What v3 keeps beside the core: the conditional type each algo order was placed as (the core
    knows trigger orders, not STOP vs TAKE_PROFIT_MARKET). An extension, so admin reset clears it."""

    name = "weex-v3"

    def __init__(self) -> None:
        self.algo_types: dict[str, str] = {}

    def reset(self) -> None:
        self.algo_types.clear()

    def state(self) -> dict[str, Any]:
        return {"algo_orders": len(self.algo_types)}

    def observe(self, now_ms: int) -> None:
        return None


def error_body(code: int, msg: str) -> dict[str, Any]:
    return {"code": code, "msg": msg}


def _params(method: str, query: str, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    if method in ("POST", "DELETE") and body.strip():
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise V3Error(c.INVALID_JSON) from None
        if not isinstance(parsed, dict):
            raise V3Error(c.INVALID_JSON, "the request body must be a JSON object")
        params.update(parsed)
    return params


class WeexV3SimulatorApp(SimulatorApp):
    """ASGI callable serving the WEEX contract API v3 from a `Simulator` (dialect "weex-v3")."""

    def __init__(self, sim: Simulator) -> None:
        # deliberately not SimulatorApp.__init__: that one builds the v2 route table
        self.sim = sim
        self.routes = {}
        self.v3_routes = build_v3_routes()
        self._paths = {path for _, path in self.v3_routes}
        self.by_v3: dict[str, ContractInfo] = {symbol_of(i): i for i in sim.contracts.values()}
        self.world = V3World()
        sim.extensions.append(self.world)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        sim = self.sim
        path = normalize_path(scope["path"])
        method = scope["method"]
        if path.startswith(ADMIN_PREFIX):
            await admin.handle(sim, method, path[len(ADMIN_PREFIX) :], await read_body(receive), send)
            return
        route = self.v3_routes.get((method, path))
        if route is None:
            if path in self._paths:
                # a known path with the wrong method (CCXT-LIVE, spec 4.3)
                sim.count("<unknown>", 405)
                await respond(
                    send,
                    405,
                    error_body(c.METHOD_NOT_SUPPORTED[0], f"Request method '{method}' not supported"),
                )
                return
            # Spring-style body without `msg`: ccxt reads it as ExchangeNotAvailable (spec 11.4 rule 5)
            sim.count("<unknown>", 404)
            await respond(
                send, 404, {"timestamp": sim.reported_ms(), "status": 404, "error": "Not Found", "path": path}
            )
            return
        endpoint, handler = route
        body = await read_body(receive)
        decision = sim.faults.decide(endpoint.name)
        if decision.latency_ms:
            await asyncio.sleep(decision.latency_ms / 1000)
        if decision.terminal is not None:
            await self._v3_fault(decision.terminal, endpoint, receive, send)
            return
        status, payload = self._v3_dispatch(scope, endpoint, handler, path, body)
        sim.count(endpoint.name, status)
        if decision.drop:
            await drop_connection(receive)
            return
        await respond(send, status, payload)

    def _v3_dispatch(
        self, scope: Scope, endpoint: Endpoint, handler: Handler, path: str, body: bytes
    ) -> tuple[int, Any]:
        sim = self.sim
        wall_ms = sim.wall_ms()
        # what the simulator reports is its one simulated clock (as in v2); signatures may be
        # stamped from it (a client synced to serverTime) or from the wall (ccxt signs local time)
        now_ms = sim.reported_ms()
        method = endpoint.method
        query = scope["query_string"].decode("latin-1")
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        try:
            account = None
            if endpoint.private:
                headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
                account = sim.auth.verify(
                    method=method,
                    path=path,
                    query=query,
                    body=body,
                    headers=headers,
                    client_ip=ip,
                    server_ms=now_ms,
                    wall_ms=wall_ms,
                )
                if method != "GET" and not account.can_trade and endpoint.name not in _READ_ONLY:
                    raise V3Error(c.INSUFFICIENT_PERMISSIONS)
            if not sim.limiter.admit(endpoint, ip, account.api_key if account else None):
                # no `msg`: ccxt maps a 429 without one to RateLimitExceeded (spec 3, 11.4 rule 4)
                return 429, {"code": c.TOO_MANY_REQUESTS[0], "message": c.TOO_MANY_REQUESTS[1]}
            params = _params(method, query, body)
            call = V3Call(sim, params, account, sim.sync(), now_ms, body, self.by_v3, self.world.algo_types)
            return 200, handler(call)
        except V3Error as error:
            return error.status, error_body(error.code, error.msg)
        except WeexError as error:
            mapped = from_v2(error)
            return mapped.status, error_body(mapped.code, mapped.msg)
        except SimRejection as rejection:
            mapped = rejection_error(rejection)
            return mapped.status, error_body(mapped.code, mapped.msg)
        except Exception:
            # a simulator bug must not look like a venue rejection the client would trust
            logger.exception("simulator error on %s", endpoint.name)
            return 500, error_body(c.SYSTEM_ERROR[0], c.SYSTEM_ERROR[1])

    async def _v3_fault(self, rule: FaultRule, endpoint: Endpoint, receive: Receive, send: Send) -> None:
        sim = self.sim
        if rule.kind is FaultKind.TIMEOUT:
            sim.count(endpoint.name, 0)
            await asyncio.sleep(rule.duration_ms / 1000)
            await drop_connection(receive)
            return
        if rule.kind is FaultKind.RATE_LIMIT:
            status, payload = 429, {"code": c.TOO_MANY_REQUESTS[0], "message": c.TOO_MANY_REQUESTS[1]}
        elif rule.kind is FaultKind.IP_DENY:
            status, payload = 400, error_body(*c.ILLEGAL_IP)
        elif rule.status == 500:
            status, payload = 500, error_body(*c.SYSTEM_ERROR)
        else:
            # gateways (502/503/504...) answer HTML, not JSON
            sim.count(endpoint.name, rule.status)
            await respond_text(
                send, rule.status, f"<html><body><h1>{rule.status} Gateway Error</h1></body></html>"
            )
            return
        sim.count(endpoint.name, status)
        await respond(send, status, payload)
