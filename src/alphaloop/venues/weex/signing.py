"""WEEX contract API v2 request signing (spec section 2), as pure functions.

ACCESS-SIGN = Base64(HMAC-SHA256(secret, timestamp + METHOD + path + ["?" + query] + body))
"""

from __future__ import annotations

import base64
import hmac

from alphaloop.venues.http.signing import hmac_sha256, prehash

__all__ = ["sign", "sign_ws_login", "string_to_sign", "verify"]

#: The exact text WEEX signs; `query` is the raw text after `?`.
string_to_sign = prehash


def sign(secret: str, timestamp: str, method: str, path: str, query: str = "", body: str = "") -> str:
    """Base64 HMAC-SHA256 signature for one request."""
    message = string_to_sign(timestamp, method, path, query, body)
    return base64.b64encode(hmac_sha256(secret, message)).decode()


def sign_ws_login(secret: str, timestamp: str, path: str = "/v2/ws/private") -> str:
    """Signature for the private WebSocket handshake: timestamp + path, no method or body."""
    return base64.b64encode(hmac_sha256(secret, f"{timestamp}{path}")).decode()


def verify(
    secret: str, signature: str, timestamp: str, method: str, path: str, query: str = "", body: str = ""
) -> bool:
    """Constant-time check of a received signature (used by the simulator)."""
    expected = sign(secret, timestamp, method, path, query, body)
    return hmac.compare_digest(expected.encode(), signature.encode())
