"""uvicorn's httptools protocol with a deadline per request.

uvicorn times out idle keep-alive connections after a response, but not a connection that never
sends a byte, nor a request whose headers or body trickle in (slowloris): such connections stayed
open for ever. Here every connection must deliver a complete request within `REQUEST_TIMEOUT_S`
of opening (or of the request's first byte on a kept-alive connection), else it is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: seconds a connection may take to deliver one complete request
REQUEST_TIMEOUT_S = 10.0


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` + a request deadline (see the module docstring)."""

    request_timeout_s = REQUEST_TIMEOUT_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout_s, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def guarded_protocol(timeout_s: float) -> type[GuardedHttpToolsProtocol]:
    """The protocol class with its own request deadline."""
    return type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,), {"request_timeout_s": timeout_s})
