"""WEEX contract API v2 request signing (spec section 2), as pure functions.

ACCESS-SIGN = Base64(HMAC-SHA256(secret, timestamp + METHOD + path + ["?" + query] + body))
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def string_to_sign(timestamp: str, method: str, path: str, query: str = "", body: str = "") -> str:
    """The exact text WEEX signs; `query` is the raw text after `?` (no leading `?`)."""
    query = query.removeprefix("?")
    return f"{timestamp}{method.upper()}{path}{'?' + query if query else ''}{body}"


def sign(secret: str, timestamp: str, method: str, path: str, query: str = "", body: str = "") -> str:
    """Base64 HMAC-SHA256 signature for one request."""
    message = string_to_sign(timestamp, method, path, query, body)
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign_ws_login(secret: str, timestamp: str, path: str = "/v2/ws/private") -> str:
    """Signature for the private WebSocket handshake: timestamp + path, no method or body."""
    digest = hmac.new(secret.encode(), f"{timestamp}{path}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(
    secret: str, signature: str, timestamp: str, method: str, path: str, query: str = "", body: str = ""
) -> bool:
    """Constant-time check of a received signature (used by the simulator)."""
    expected = sign(secret, timestamp, method, path, query, body)
    return hmac.compare_digest(expected.encode(), signature.encode())
