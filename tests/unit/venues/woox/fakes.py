"""Fakes for the WOO X client tests: a clock that never sleeps, and a scripted venue behind
`httpx.MockTransport` that records every request it receives (STYLE 5: fakes, not patches)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
from pydantic import SecretStr

from alphaloop.config import WooxCredentials
from alphaloop.venues.woox import WooxHttpClient, WooxVenue

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE_URL = "https://api.woox.test"

#: The spec's test-vector key and timestamp (section 1.2).
SECRET = "QHKRXHPAW1MC9YGZMAT8YDJG2HPR"
API_KEY = "AbmyVJGUpN064ks5ELjLfA=="
T0_MS = 1578565539808
CREDENTIALS = WooxCredentials(SecretStr(API_KEY), SecretStr(SECRET))


def fixture(name: str) -> Any:
    payload = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    payload.pop("_note", None)
    return payload


def data(name: str) -> Any:
    return fixture(name)["data"]


class FakeClock:
    """Wall and monotonic time that only move when told to, or when someone `sleep`s."""

    def __init__(self, wall_ms: int = T0_MS, mono: float = 1000.0) -> None:
        self.wall = wall_ms / 1000
        self.mono = mono
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.wall += seconds
        self.mono += seconds


Reply = Callable[[httpx.Request], httpx.Response]


def reply(
    payload: Any = None, *, status: int = 200, headers: dict[str, str] | None = None, text: str | None = None
) -> Reply:
    def make(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text, headers=headers)
        return httpx.Response(status, json=payload, headers=headers)

    return make


def ok(data: Any = None, *, timestamp: int = T0_MS) -> Reply:
    payload: dict[str, Any] = {"success": True, "timestamp": timestamp}
    if data is not None:
        payload["data"] = data
    return reply(payload)


def error(
    code: int | str, message: str, *, status: int = 400, headers: dict[str, str] | None = None
) -> Reply:
    return reply({"success": False, "code": code, "message": message}, status=status, headers=headers)


def fail(exc_type: type[httpx.TransportError], message: str = "boom") -> Reply:
    def make(request: httpx.Request) -> httpx.Response:
        raise exc_type(message, request=request)

    return make


@dataclass
class Sent:
    request: httpx.Request
    at: float

    @property
    def method(self) -> str:
        return self.request.method

    @property
    def path(self) -> str:
        return self.request.url.path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.request.url.query.decode()))

    @property
    def body(self) -> Any:
        return json.loads(self.request.content) if self.request.content else None


@dataclass
class FakeWoox:
    """Answers each "METHOD /path" from a script; the last scripted reply of a route repeats.
    systemInfo answers the fake clock's time unless scripted."""

    clock: FakeClock
    server_offset_ms: int = 0
    routes: dict[str, list[Reply]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)

    def on(self, route: str, *replies: Reply) -> FakeWoox:
        self.routes[route] = list(replies)
        return self

    def server_ms(self) -> int:
        return round(self.clock.wall * 1000) + self.server_offset_ms

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(Sent(request, self.clock.mono))
        route = f"{request.method} {request.url.path}"
        script = self.routes.get(route)
        if script:
            make = script.pop(0) if len(script) > 1 else script[0]
            return make(request)
        if route == "GET /v3/public/systemInfo":
            return httpx.Response(
                200, json={"success": True, "data": {"status": 0}, "timestamp": self.server_ms()}
            )
        return httpx.Response(404, json={"success": False, "message": f"Not Found: {route}"})

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    def calls(self, route: str) -> list[Sent]:
        method, path = route.split(" ", 1)
        return [s for s in self.sent if s.method == method and s.path == path]

    def routes_called(self) -> list[str]:
        return [f"{s.method} {s.path}" for s in self.sent]


def make_client(fake: FakeWoox, *, authenticated: bool = True, **kwargs: Any) -> WooxHttpClient:
    return WooxHttpClient(
        BASE_URL, CREDENTIALS if authenticated else None, transport=fake.transport, clock=fake.clock, **kwargs
    )


def make_venue(fake: FakeWoox, **kwargs: Any) -> WooxVenue:
    return WooxVenue(make_client(fake), outcome_check_interval=0.5, **kwargs)
