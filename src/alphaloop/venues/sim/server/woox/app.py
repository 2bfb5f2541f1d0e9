"""The WOO X dialect's ASGI application: the same shell as the WEEX one (lifespan, admin API, fault
injection, request counters) around the WOO X pipeline:

normalise path -> route by (method, path) (404/405) -> faults -> auth (x-api-*) -> rate limit ->
parameters (unknown ones -1004) -> handler -> `{"success": true, "data": ..., "timestamp": ...}`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
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
from alphaloop.venues.sim.server.faults import FaultKind, FaultRule
from alphaloop.venues.sim.server.state import Simulator
from alphaloop.venues.sim.server.woox import (
    routes_account,
    routes_algo,
    routes_ccxt,
    routes_public,
    routes_trade,
    wire,
)
from alphaloop.venues.sim.server.woox.call import Handler, WooxCall, rejection_error
from alphaloop.venues.sim.server.woox.params import check_known
from alphaloop.venues.sim.server.woox.wire import WooxError
from alphaloop.venues.sim.server.woox.world import WooxWorld
from alphaloop.venues.woox.constants import ENDPOINTS, Endpoint

logger = logging.getLogger("alphaloop.sim.server")


@dataclass(frozen=True, slots=True)
class WooxRoute:
    endpoint: Endpoint
    handler: Handler
    #: parameter names the endpoint accepts; anything else is -1004
    allowed: frozenset[str]


def build_woox_routes() -> dict[tuple[str, str], WooxRoute]:
    """(method, path) -> route for every endpoint of the table; fails loudly if one is missing."""
    handlers = {
        **routes_public.ROUTES,
        **routes_account.ROUTES,
        **routes_trade.ROUTES,
        **routes_algo.ROUTES,
        **routes_ccxt.ROUTES,
    }
    table = (*ENDPOINTS, *routes_ccxt.EXTRA_ENDPOINTS)
    missing = [e.name for e in table if e.name not in handlers]
    if missing:
        raise RuntimeError(f"no handler for WOO X endpoints: {', '.join(missing)}")
    return {(e.method, e.path): WooxRoute(e, *handlers[e.name]) for e in table}


def _params(method: str, query: str, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    if method in ("POST", "PUT") and body.strip():
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise WooxError(-1005, "the request body is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise WooxError(-1005, "the request body must be a JSON object")
        params.update(parsed)
    return params


class WooxSimulatorApp(SimulatorApp):
    """ASGI callable serving the WOO X V3 API from a `Simulator` (configured with dialect "woox")."""

    def __init__(self, sim: Simulator) -> None:
        # deliberately not SimulatorApp.__init__: that one builds the WEEX route table
        self.sim = sim
        self.routes = {}
        self.world = WooxWorld(sim)
        sim.extensions.append(self.world)
        self.woox_routes = build_woox_routes()
        self._paths = {path for _, path in self.woox_routes}

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        sim = self.sim
        path = normalize_path(scope["path"])
        method = scope["method"]
        if path.startswith(ADMIN_PREFIX):
            await admin.handle(sim, method, path[len(ADMIN_PREFIX) :], await read_body(receive), send)
            return
        route = self.woox_routes.get((method, path))
        path_params: dict[str, str] = {}
        trades = routes_ccxt.ORDER_TRADES.match(path) if route is None else None
        if trades is not None:
            # the one templated path (ccxt's fetch_order_trades); it is signed as sent
            route = self.woox_routes.get((method, routes_ccxt.ORDER_TRADES_PATH))
            path_params = {"oid": trades.group(1)}
        if route is None:
            status = 405 if path in self._paths else 404
            sim.count("<unknown>", status)
            reason = "Method Not Allowed" if status == 405 else "Not Found"
            await respond(send, status, {"success": False, "message": f"{reason}: {method} {path}"})
            return
        endpoint = route.endpoint
        body = await read_body(receive)
        decision = sim.faults.decide(endpoint.name)
        if decision.latency_ms:
            await asyncio.sleep(decision.latency_ms / 1000)
        if decision.terminal is not None:
            await self._woox_fault(decision.terminal, endpoint, receive, send)
            return
        status, payload = self._woox_dispatch(scope, route, path, body, path_params)
        sim.count(endpoint.name, status)
        if decision.drop:
            await drop_connection(receive)
            return
        await respond(send, status, payload)

    def _woox_dispatch(
        self,
        scope: Scope,
        route: WooxRoute,
        path: str,
        body: bytes,
        path_params: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """Authenticate, rate-limit and run one request; returns (HTTP status, JSON payload)."""
        sim, world, endpoint = self.sim, self.world, route.endpoint
        wall_ms = sim.wall_ms()
        # reported times (envelope `timestamp`, systemInfo) are the simulator's one clock
        now_ms = sim.reported_ms()
        query = scope["query_string"].decode("latin-1")
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        try:
            account = None
            if endpoint.private:
                headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
                account = world.auth.verify(
                    method=endpoint.method,
                    path=path,
                    query=query,
                    body=body,
                    headers=headers,
                    client_ip=ip,
                    server_ms=now_ms,
                    wall_ms=wall_ms,
                )
                if endpoint.method != "GET" and not account.can_trade:
                    raise WooxError.of(wire.UNAUTHORIZED, "no permission: this API key may not trade")
            params = _params(endpoint.method, query, body)
            params.update(path_params or {})
            symbol = params.get("symbol")
            owner = account.core_id if account is not None else None
            if not world.limiter.admit(endpoint, ip, owner, str(symbol) if symbol else None):
                raise WooxError.of(wire.TOO_MANY_REQUESTS)
            check_known(params, route.allowed)
            sim_ms = sim.sync()
            data = route.handler(WooxCall(world, params, account, sim_ms, now_ms))
            if endpoint.method != "GET":
                world.observe(sim_ms)  # e.g. arm a bracket's TP/SL when its entry filled at once
            if endpoint.name in routes_ccxt.V1_ENDPOINTS:
                return 200, {"success": True, **data}
            return 200, wire.success(data, now_ms)
        except WooxError as error:
            return error.status, wire.failure(error.code, error.message)
        except SimRejection as rejection:
            mapped = rejection_error(rejection)
            return mapped.status, wire.failure(mapped.code, mapped.message)
        except Exception:
            # a simulator bug must not look like a venue rejection the client would trust
            logger.exception("simulator error on %s", endpoint.name)
            code, message, status = wire.UNKNOWN
            return status, wire.failure(code, message)

    async def _woox_fault(self, rule: FaultRule, endpoint: Endpoint, receive: Receive, send: Send) -> None:
        sim = self.sim
        if rule.kind is FaultKind.TIMEOUT:
            sim.count(endpoint.name, 0)
            await asyncio.sleep(rule.duration_ms / 1000)
            await drop_connection(receive)
            return
        if rule.kind is FaultKind.RATE_LIMIT:
            code, message, status = wire.TOO_MANY_REQUESTS
        elif rule.kind is FaultKind.IP_DENY:
            code, message, status = wire.UNAUTHORIZED[0], "IP not allowed for this API key", 401
        elif rule.status == 500:
            code, message, status = wire.UNKNOWN
        else:
            # gateways (502/503/504...) answer HTML, not JSON: clients must cope with that too
            sim.count(endpoint.name, rule.status)
            await respond_text(
                send, rule.status, f"<html><body><h1>{rule.status} Gateway Error</h1></body></html>"
            )
            return
        sim.count(endpoint.name, status)
        await respond(send, status, wire.failure(code, message))
