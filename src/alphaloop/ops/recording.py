"""An httpx transport wrapper that records what went over the wire (method, path, status, latency).

`qualify` reports the HTTP status and latency of every checklist step; the raw client hides
responses behind typed schemas, so the transport is the one place that sees them all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx


@dataclass(frozen=True, slots=True)
class Exchange:
    method: str
    path: str
    status: int | None
    latency_ms: float
    error: str | None = None


class RecordingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._inner = inner or httpx.AsyncHTTPTransport()
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.HTTPError as exc:
            elapsed = (time.perf_counter() - started) * 1000
            self.exchanges.append(
                Exchange(request.method, request.url.path, None, elapsed, type(exc).__name__)
            )
            raise
        elapsed = (time.perf_counter() - started) * 1000
        self.exchanges.append(Exchange(request.method, request.url.path, response.status_code, elapsed))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()

    def mark(self) -> int:
        """Position to pass to `since` to see only the exchanges of the next step."""
        return len(self.exchanges)

    def since(self, mark: int) -> list[Exchange]:
        return self.exchanges[mark:]
