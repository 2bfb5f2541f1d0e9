"""The signing scheme WEEX and WOO X share, as pure functions: HMAC-SHA256 over
`timestamp + METHOD + path ["?" + query] + body`, no separators. A dialect's `signing.py` picks the
encoding of the digest (WEEX Base64, WOO X lower-case hex) and the headers that carry it."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["hmac_sha256", "prehash"]


def prehash(timestamp: str, method: str, path: str, query: str = "", body: str = "") -> str:
    """The exact text signed; `query` is the raw text after `?` (a leading `?` is tolerated)."""
    query = query.removeprefix("?")
    return f"{timestamp}{method.upper()}{path}{'?' + query if query else ''}{body}"


def hmac_sha256(secret: str, message: str) -> bytes:
    """The raw HMAC-SHA256 digest of `message` under `secret` (both UTF-8)."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
