"""The ASGI application: request pipeline of spec 2.4 around the route handlers.

Plain ASGI rather than a Starlette router because the pipeline needs the raw path (to collapse
`//`), the raw query and body bytes (signatures), and control over the connection (fault
injection drops it). Per request: normalise path -> route (404/405) -> faults -> auth -> rate
limit -> parameters -> handler -> response, with orjson and no validation framework on the way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson

from alphaloop.venues.sim.core import SimRejection
from alphaloop.venues.sim.server import admin, routes_account, routes_market, routes_order, wire
from alphaloop.venues.sim.server.auth import normalize_path
from alphaloop.venues.sim.server.config import ServerConfig
from alphaloop.venues.sim.server.dialect import Call, rejection_to_error
from alphaloop.venues.sim.server.faults import FaultKind, FaultRule
from alphaloop.venues.sim.server.state import Simulator
from alphaloop.venues.sim.server.wire import WeexError
from alphaloop.venues.weex.constants import ENDPOINTS, NOT_ENDPOINTS, Endpoint

logger = logging.getLogger("alphaloop.sim.server")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Handler = Callable[[Call], Any]

ADMIN_PREFIX = "/__admin/"
_JSON_HEADERS = [(b"content-type", b"application/json")]
#: Endpoints a key without trading rights may still call: reads, the ledger query, AI logs.
_READ_ONLY_POSTS = frozenset({"bills", "uploadAiLog"})


@dataclass(frozen=True, slots=True)
class Route:
    endpoint: Endpoint
    handler: Handler


def build_routes() -> dict[str, Route]:
    """Path -> route for all 41 endpoints; fails loudly if a handler is missing."""
    handlers: dict[str, Handler] = {**routes_market.ROUTES, **routes_account.ROUTES, **routes_order.ROUTES}
    missing = [e.name for e in ENDPOINTS if e.name not in handlers]
    if missing:
        raise RuntimeError(f"no handler for endpoints: {', '.join(missing)}")
    return {e.path: Route(e, handlers[e.name]) for e in ENDPOINTS}


class ConnectionDropped(Exception):
    """Raised to the client side when no real socket can be dropped (in-process ASGI transports)."""


async def respond(
    send: Send, status: int, payload: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = orjson.dumps(payload)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*(headers or _JSON_HEADERS), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def respond_text(send: Send, status: int, text: str) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/html"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def drop_connection(receive: Receive) -> None:
    """Close the socket without a response (uvicorn exposes its transport on `receive.__self__`)."""
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionDropped("simulated connection drop")
    transport.abort()
    # Wait until the server noticed the loss, so it does not try to send a 500 on our behalf.
    while (await receive())["type"] != "http.disconnect":
        pass


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _params(method: str, query: str, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    if method == "POST" and body.strip():
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise WeexError.of(wire.VALIDATION_FAILED) from None
        if not isinstance(parsed, dict):
            raise WeexError.of(wire.VALIDATION_FAILED)
        params.update(parsed)
    return params


class SimulatorApp:
    """ASGI callable serving the WEEX contract API v2 from a `Simulator`."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        # NOT_ENDPOINTS (participants' guesses) are simply absent from the table: they answer 404.
        self.routes = build_routes()
        assert not self.routes.keys() & set(NOT_ENDPOINTS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        sim = self.sim
        path = normalize_path(scope["path"])
        method = scope["method"]
        if path.startswith(ADMIN_PREFIX):
            await admin.handle(sim, method, path[len(ADMIN_PREFIX) :], await read_body(receive), send)
            return
        route = self.routes.get(path)
        if route is None:
            sim.count("<unknown>", 404)
            await respond(send, 404, wire.not_found_body(path, sim.reported_ms()))
            return
        endpoint = route.endpoint
        if method != endpoint.method:
            sim.count(endpoint.name, 405)
            await respond(send, 405, wire.not_found_body(path, sim.reported_ms(), 405, "Method Not Allowed"))
            return
        body = await read_body(receive)
        decision = sim.faults.decide(endpoint.name)
        if decision.latency_ms:
            await asyncio.sleep(decision.latency_ms / 1000)
        if decision.terminal is not None:
            await self._fault(decision.terminal, endpoint, receive, send)
            return
        status, payload = self._dispatch(scope, route, path, body)
        sim.count(endpoint.name, status)
        if decision.drop:
            await drop_connection(receive)
            return
        await respond(send, status, payload)

    def _dispatch(self, scope: Scope, route: Route, path: str, body: bytes) -> tuple[int, Any]:
        """Authenticate, rate-limit and run one request; returns (HTTP status, JSON payload)."""
        sim = self.sim
        endpoint = route.endpoint
        wall_ms = sim.wall_ms()
        # what the simulator reports is its simulated time; signatures may be stamped from it
        # (a client synced to `/market/time`) or from the wall (a client that never synced)
        now_ms = sim.reported_ms()
        method = endpoint.method
        query = scope["query_string"].decode("latin-1")
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        try:
            account = None
            if endpoint.private:
                account = sim.auth.verify(
                    method=method,
                    path=path,
                    query=query,
                    body=body,
                    headers=_headers(scope),
                    client_ip=ip,
                    server_ms=now_ms,
                    wall_ms=wall_ms,
                )
                if method == "POST" and not account.can_trade and endpoint.name not in _READ_ONLY_POSTS:
                    raise WeexError.of(wire.INVALID_PERMISSIONS)
            if not sim.limiter.admit(endpoint, ip, account.api_key if account else None):
                raise WeexError.of(wire.TOO_MANY_REQUESTS, status=429)
            params = _params(method, query, body)
            call = Call(sim, params, account, sim.sync(), now_ms, body)
            return 200, route.handler(call)
        except WeexError as error:
            return error.status, wire.envelope(error.code, error.msg, now_ms)
        except SimRejection as rejection:
            mapped = rejection_to_error(
                rejection, insufficient_margin_code=sim.config.insufficient_margin_code
            )
            return mapped.status, wire.envelope(mapped.code, mapped.msg, now_ms)
        except Exception:
            # A simulator bug must not look like a venue rejection the client would trust.
            logger.exception("simulator error on %s", endpoint.name)
            return 500, wire.envelope(*wire.SYSTEM_ERROR, now_ms)

    async def _fault(self, rule: FaultRule, endpoint: Endpoint, receive: Receive, send: Send) -> None:
        sim = self.sim
        wall_ms = sim.reported_ms()
        if rule.kind is FaultKind.TIMEOUT:
            sim.count(endpoint.name, 0)
            await asyncio.sleep(rule.duration_ms / 1000)
            await drop_connection(receive)
            return
        if rule.kind is FaultKind.RATE_LIMIT:
            status, payload = 429, wire.envelope(*wire.TOO_MANY_REQUESTS, wall_ms)
        elif rule.kind is FaultKind.IP_DENY:
            status, payload = 400, wire.envelope(*wire.INVALID_IP, wall_ms)
        elif rule.status == 521:
            status, payload = 521, wire.envelope("521", "Web Server is Down - IP not whitelisted", wall_ms)
        elif rule.status == 500:
            status, payload = 500, wire.envelope("500", "Internal Server Error", wall_ms)
        else:
            # Gateways (502/503/504) answer HTML, not JSON: clients must cope with that too.
            sim.count(endpoint.name, rule.status)
            await respond_text(
                send, rule.status, f"<html><body><h1>{rule.status} Gateway Error</h1></body></html>"
            )
            return
        sim.count(endpoint.name, status)
        await respond(send, status, payload)


def create_app(config: ServerConfig, *, sim: Simulator | None = None) -> SimulatorApp:
    """The ASGI app for `config` (pass `sim` to share or inspect the simulator state): the WEEX
    dialect, or with `config.dialect == "woox"` the WOO X one, "weex-v3" the WEEX v3 one."""
    simulator = sim or Simulator(config)
    if simulator.config.dialect == "woox":
        # imported here: the WOO X app builds on this module
        from alphaloop.venues.sim.server.woox.app import WooxSimulatorApp

        return WooxSimulatorApp(simulator)
    if simulator.config.dialect == "weex-v3":
        from alphaloop.venues.sim.server.weex_v3.app import WeexV3SimulatorApp

        return WeexV3SimulatorApp(simulator)
    return SimulatorApp(simulator)
