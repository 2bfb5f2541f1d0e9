"""Fakes for the WEEX client tests: a clock that never sleeps, and a scripted venue behind
`httpx.MockTransport` that records every request it receives."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from alphaloop.config import WeexCredentials
from alphaloop.venues.weex import WeexHttpClient

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "weex"
BASE_URL = "https://api-contract.weex.test"

API_KEY = "weex_0123456789abcdef0123456789abcdef"
SECRET = "weex_test_secret_0123456789"
PASSPHRASE = "correct-horse-battery-staple"
SECRETS = (API_KEY, SECRET, PASSPHRASE)
CREDENTIALS = WeexCredentials(SecretStr(API_KEY), SecretStr(SECRET), SecretStr(PASSPHRASE))

#: The spec's test-vector timestamp (section 2.2), as the fake wall clock's start.
T0_MS = 1765423487896


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


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
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds

    def jump_wall(self, seconds: float) -> None:
        """The wall clock steps (NTP, VM resume) while monotonic time does not."""
        self.wall += seconds


Reply = Callable[[httpx.Request], httpx.Response]


def reply(
    payload: Any = None, *, status: int = 200, headers: dict[str, str] | None = None, text: str | None = None
) -> Reply:
    """A response factory (a fresh `httpx.Response` per request)."""

    def make(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text, headers=headers)
        return httpx.Response(status, json=payload, headers=headers)

    return make


def error(code: str, msg: str, *, status: int = 400, headers: dict[str, str] | None = None) -> Reply:
    return reply(
        {"code": code, "msg": msg, "requestTime": T0_MS, "data": None}, status=status, headers=headers
    )


def fail(exc_type: type[httpx.TransportError], message: str = "boom") -> Reply:
    def make(request: httpx.Request) -> httpx.Response:
        raise exc_type(message, request=request)

    return make


@dataclass
class Sent:
    """One request as the venue received it, with the fake monotonic time of arrival."""

    request: httpx.Request
    at: float

    @property
    def path(self) -> str:
        return self.request.url.path

    @property
    def body(self) -> Any:
        return json.loads(self.request.content) if self.request.content else None


@dataclass
class FakeWeex:
    """Answers each path from a script; the last scripted reply of a path repeats."""

    clock: FakeClock
    server_offset_ms: int = 0
    routes: dict[str, list[Reply]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)

    def on(self, path: str, *replies: Reply) -> FakeWeex:
        self.routes[path] = list(replies)
        return self

    def server_ms(self) -> int:
        return round(self.clock.wall * 1000) + self.server_offset_ms

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(Sent(request, self.clock.mono))
        path = request.url.path
        script = self.routes.get(path)
        if script:
            make = script.pop(0) if len(script) > 1 else script[0]
            return make(request)
        if path == "/capi/v2/market/time":
            ms = self.server_ms()
            return httpx.Response(200, json={"epoch": f"{ms / 1000:.3f}", "iso": "", "timestamp": ms})
        return httpx.Response(404, json={"status": 404, "error": "Not Found", "path": path})

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    def calls(self, path: str) -> list[Sent]:
        return [s for s in self.sent if s.path == path]

    def paths(self) -> list[str]:
        return [s.path for s in self.sent]


def make_client(fake: FakeWeex, *, authenticated: bool = True, **kwargs: Any) -> WeexHttpClient:
    return WeexHttpClient(
        BASE_URL,
        CREDENTIALS if authenticated else None,
        transport=fake.transport,
        clock=fake.clock,
        **kwargs,
    )
