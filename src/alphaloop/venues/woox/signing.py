"""WOO X V3 request signing (spec section 1), as pure functions.

x-api-signature = lower-case hex HMAC-SHA256(secret, timestamp + METHOD + path ["?" + query] + body)

No separators; GET and DELETE carry their parameters in the signed query, POST and PUT in the signed
JSON body. (The legacy V1 scheme `sorted params + "|" + timestamp` is a different thing: the seed's
shown signature `20da0852...` is the V1 one, see the spec's verdict in 1.2.)
"""

from __future__ import annotations

import hmac

from alphaloop.venues.http.signing import hmac_sha256, prehash

__all__ = ["sign", "sign_v1", "string_to_sign", "verify"]

#: The exact text WOO X signs; `query` is the raw text after `?` (a leading `?` is tolerated).
string_to_sign = prehash


def sign(secret: str, timestamp: str, method: str, path: str, query: str = "", body: str = "") -> str:
    """Lower-case hex HMAC-SHA256 signature for one request."""
    return hmac_sha256(secret, string_to_sign(timestamp, method, path, query, body)).hex()


def verify(
    secret: str, signature: str, timestamp: str, method: str, path: str, query: str = "", body: str = ""
) -> bool:
    """Constant-time check of a received signature; hex case is ignored (some clients upper-case it)."""
    expected = sign(secret, timestamp, method, path, query, body)
    return hmac.compare_digest(expected.encode(), signature.lower().encode("ascii", "replace"))


def sign_v1(secret: str, timestamp: str, params: str) -> str:
    """The legacy V1 scheme (`params|timestamp`), kept only to document the seed's mistaken example."""
    return hmac_sha256(secret, f"{params}|{timestamp}").hex()
