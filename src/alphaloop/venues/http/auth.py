"""Request signing and secret hygiene, shared by every dialect.

`SigningAuth` stamps a request with the venue time and asks the dialect's signer for the header set,
computed from the bytes actually being sent (path, raw query, body). `Redactor` removes our secrets
from any text that might leave the process (errors, logs). Neither ever shows a secret in its repr.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping
from typing import Protocol

import httpx
from pydantic import SecretStr

from alphaloop.venues.http.clock import ServerClock

__all__ = ["HeaderSigner", "Redactor", "SigningAuth"]


class HeaderSigner(Protocol):
    """A dialect's signing hook: the authentication headers for one request.

    `timestamp` is the venue time in ms as text; `path` has no query; `query` is the raw query text
    without `?`; `body` the UTF-8 body ("" for none)."""

    def __call__(
        self, timestamp: str, method: str, path: str, query: str, body: str
    ) -> Mapping[str, str]: ...


class SigningAuth(httpx.Auth):
    """httpx auth flow: signs a request from the bytes it will send, stamped with venue time."""

    def __init__(self, signer: HeaderSigner, server_clock: ServerClock) -> None:
        self._signer = signer
        self._server_clock = server_clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = str(self._server_clock.now_ms())
        path, _, query = request.url.raw_path.decode("ascii").partition("?")
        body = request.content.decode("utf-8")
        request.headers.update(self._signer(timestamp, request.method, path, query, body))
        yield request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(***)"


class Redactor:
    """Removes our secrets from any text that might leave the process (errors, logs)."""

    def __init__(self, secrets: Iterable[SecretStr] = ()) -> None:
        # secrets shorter than 4 characters would blank out ordinary words
        values = (secret.get_secret_value() for secret in secrets)
        self._secrets: tuple[str, ...] = tuple(value for value in values if len(value) >= 4)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def __repr__(self) -> str:
        return "Redactor(***)"
