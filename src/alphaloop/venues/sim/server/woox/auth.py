"""WOO X V3 request authentication for the simulator (spec 1.1), as a pure check.

Takes the request parts and the server time, returns the account or raises `WooxError`. Order of
checks (the live order is undocumented; tests pin ours): key header, timestamp header, signature
header -> timestamp format -> window -> known key -> IP allow-list -> signature -> account status.
Hex signatures are compared case-insensitively (spec 1.1: some clients upper-case them).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from alphaloop.venues.sim.server.config import ApiAccount
from alphaloop.venues.sim.server.woox import wire
from alphaloop.venues.sim.server.woox.wire import WooxError
from alphaloop.venues.woox.constants import TIMESTAMP_WINDOW_MS
from alphaloop.venues.woox.signing import string_to_sign


@dataclass(frozen=True, slots=True)
class _Credential:
    account: ApiAccount
    secret: bytes
    allowed_ips: frozenset[str]


class WooxAuthenticator:
    """Verifies x-api-key / x-api-timestamp / x-api-signature against the configured accounts."""

    def __init__(self, accounts: Iterable[ApiAccount], *, window_ms: int = TIMESTAMP_WINDOW_MS) -> None:
        self._credentials = {
            a.api_key: _Credential(a, a.secret_key.get_secret_value().encode(), frozenset(a.allowed_ips))
            for a in accounts
        }
        self.window_ms = window_ms

    def verify(
        self,
        *,
        method: str,
        path: str,
        query: str,
        body: bytes,
        headers: Mapping[str, str],
        client_ip: str,
        server_ms: int,
        wall_ms: int | None = None,
    ) -> ApiAccount:
        """The authenticated account, or the first failing check's `WooxError`; `headers` has
        lower-case names, `query` is the raw text after `?`."""
        key = headers.get("x-api-key")
        timestamp = headers.get("x-api-timestamp")
        signature = headers.get("x-api-signature")
        if not key:
            raise WooxError.of(wire.UNAUTHORIZED, "x-api-key header is required")
        if not timestamp:
            raise WooxError.of(wire.UNAUTHORIZED, "x-api-timestamp header is required")
        if not signature:
            raise WooxError.of(wire.INVALID_SIGNATURE, "x-api-signature header is required")
        # 13 ASCII digits = epoch milliseconds (spec 1.1); seconds are a format error (-1002)
        if len(timestamp) != 13 or not timestamp.isascii() or not timestamp.isdigit():
            raise WooxError.of(wire.UNAUTHORIZED, "invalid x-api-timestamp: expected epoch milliseconds")
        # within the window of the simulated clock, or of the wall clock for a client that signs
        # with its own wall time (the simulator's time may stand still or jump when advanced)
        skew = min(abs(server_ms - int(timestamp)), abs((wall_ms or server_ms) - int(timestamp)))
        if skew > self.window_ms:
            # GUESS: the legacy gateway answers -1002; the wording lets clients tell it apart
            raise WooxError.of(
                wire.UNAUTHORIZED,
                f"Timestamp expired: x-api-timestamp is outside the window of {self.window_ms // 1000} s",
            )
        credential = self._credentials.get(key)
        if credential is None:
            raise WooxError.of(wire.UNAUTHORIZED)
        if credential.allowed_ips and client_ip not in credential.allowed_ips:
            raise WooxError.of(wire.UNAUTHORIZED, f"IP not allowed for this API key: {client_ip}")
        if path.startswith("/v1/"):
            # V1 signs `<sorted url-encoded params>|<timestamp>` (legacy docs; ccxt's v1 calls)
            params = query if method == "GET" else body.decode("utf-8", "replace")
            mac = hmac.new(credential.secret, f"{params}|{timestamp}".encode(), hashlib.sha256)
        else:
            message = string_to_sign(timestamp, method, path, query, "").encode()
            mac = hmac.new(credential.secret, message, hashlib.sha256)
            mac.update(body)  # the raw bytes as sent: never re-serialise parsed JSON
        if not hmac.compare_digest(mac.hexdigest().encode(), signature.lower().encode("ascii", "replace")):
            raise WooxError.of(wire.INVALID_SIGNATURE, "Signature verification failed.")
        account = credential.account
        if account.status != "active":
            raise WooxError.of(wire.UNAUTHORIZED, f"API key is {account.status}: expired or revoked")
        return account
