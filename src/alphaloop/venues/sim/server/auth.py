"""Server-side WEEX request authentication (spec 2.4 verification algorithm, steps 3-10).

Pure: takes the request parts and the server time, returns the account or raises `WeexError`.
Path normalisation (step 1) lives here too because routing and signing must agree on it.
The precedence of checks is the spec's list; the live order is undocumented, so tests pin ours.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from alphaloop.venues.sim.server import wire
from alphaloop.venues.sim.server.config import ApiAccount
from alphaloop.venues.sim.server.wire import WeexError
from alphaloop.venues.weex.constants import TIMESTAMP_WINDOW_MS
from alphaloop.venues.weex.signing import string_to_sign

_SLASHES = re.compile(r"/{2,}")


def normalize_path(path: str) -> str:
    """Collapse runs of `/`: the official sample requests `//capi/...` but signs `/capi/...` (2.4 row 3)."""
    return _SLASHES.sub("/", path) if "//" in path else path


@dataclass(frozen=True, slots=True)
class _Credential:
    account: ApiAccount
    secret: bytes
    passphrase: bytes
    allowed_ips: frozenset[str]


class Authenticator:
    """Verifies the ACCESS-* headers of private requests against the configured accounts."""

    def __init__(
        self,
        accounts: Iterable[ApiAccount],
        *,
        window_ms: int = TIMESTAMP_WINDOW_MS,
        ip_reject: Literal["40018", "521"] = "40018",
        lenient: bool = False,
    ) -> None:
        # Secrets are unwrapped once here so the hot path does no SecretStr calls.
        self._credentials = {
            a.api_key: _Credential(
                a,
                a.secret_key.get_secret_value().encode(),
                a.passphrase.get_secret_value().encode(),
                frozenset(a.allowed_ips),
            )
            for a in accounts
        }
        self.window_ms = window_ms
        self.ip_reject = ip_reject
        self.lenient = lenient

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
        """Return the authenticated account or raise the first failing check's `WeexError`.

        `path` is already normalised; `query` is the raw text after `?`; `headers` has lower-case
        names; `server_ms` is the server's (possibly skewed) wall clock.
        """
        key = headers.get("access-key")
        if not key:
            raise WeexError.of(wire.MISSING_KEY)
        signature = headers.get("access-sign")
        if not signature:
            raise WeexError.of(wire.MISSING_SIGN)
        timestamp = headers.get("access-timestamp")
        if not timestamp:
            raise WeexError.of(wire.MISSING_TIMESTAMP)
        passphrase = headers.get("access-passphrase")
        if not passphrase:
            raise WeexError.of(wire.MISSING_PASSPHRASE)
        # 13 ASCII digits = epoch milliseconds (FIELD); seconds or float text is a format error.
        if len(timestamp) != 13 or not timestamp.isascii() or not timestamp.isdigit():
            raise WeexError.of(wire.INVALID_TIMESTAMP)
        # within the window of the simulated clock, or of the wall clock for a client that signs
        # with its own wall time (the simulator's time may stand still or jump when advanced)
        skew = min(abs(server_ms - int(timestamp)), abs((wall_ms or server_ms) - int(timestamp)))
        if skew > self.window_ms:
            raise WeexError.of(wire.TIMESTAMP_EXPIRED)
        credential = self._credentials.get(key)
        if credential is None:
            raise WeexError.of(wire.INVALID_KEY)
        if not hmac.compare_digest(credential.passphrase, passphrase.encode()):
            raise WeexError.of(wire.WRONG_PASSPHRASE)
        account = credential.account
        if credential.allowed_ips and client_ip not in credential.allowed_ips:
            if self.ip_reject == "521":
                raise WeexError("521", "Web Server is Down - IP not whitelisted", status=521)
            raise WeexError.of(wire.INVALID_IP)
        if not self._signature_matches(credential.secret, signature, timestamp, method, path, query, body):
            raise WeexError.of(wire.VERIFICATION_FAILED)
        if method == "POST" and not headers.get("content-type", "").lower().startswith("application/json"):
            raise WeexError.of(wire.INVALID_CONTENT_TYPE)
        if account.status == "frozen":
            raise WeexError.of(wire.ACCOUNT_FROZEN)
        if account.status == "disabled":
            raise WeexError.of(wire.PERMISSION_DISABLED)
        return account

    def _signature_matches(
        self, secret: bytes, signature: str, timestamp: str, method: str, path: str, query: str, body: bytes
    ) -> bool:
        if _check(secret, signature, string_to_sign(timestamp, method, path, query, ""), body):
            return True
        if not self.lenient:
            return False
        # Lenient variants of spec 2.4: no `?` before the query (row 2), `{}` signed as "" (row 7),
        # percent-decoded query (row 8).
        candidates: list[tuple[str, bytes]] = []
        if query:
            candidates.append((f"{timestamp}{method}{path}{query}", body))
            decoded = unquote(query)
            if decoded != query:
                candidates.append((string_to_sign(timestamp, method, path, decoded, ""), body))
        if body.strip() == b"{}":
            candidates.append((string_to_sign(timestamp, method, path, query, ""), b""))
        return any(_check(secret, signature, prefix, raw) for prefix, raw in candidates)


def _check(secret: bytes, signature: str, prefix: str, body: bytes) -> bool:
    # HMAC over the raw body bytes: never re-serialise parsed JSON (2.4 row 4).
    mac = hmac.new(secret, prefix.encode(), hashlib.sha256)
    mac.update(body)
    expected = base64.b64encode(mac.digest())
    return hmac.compare_digest(expected, signature.encode("ascii", "replace"))
