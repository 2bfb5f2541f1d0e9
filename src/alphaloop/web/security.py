"""Dashboard access: one bearer token for every page and action, CSRF for every action.

The token comes from `ALPHALOOP_DASHBOARD_TOKEN` or is generated at start and printed once. A
browser presents it once as `?token=...`; the server answers with an HttpOnly, SameSite=Strict
cookie and a redirect that drops it from the address bar. Scripts send `Authorization: Bearer`.
Actions are POST forms carrying a CSRF value derived from the token (an HMAC, so the page never
shows the token itself) and, when the browser sends one, an Origin of this very host.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets

from alphaloop.model import ConfigurationError

TOKEN_ENV = "ALPHALOOP_DASHBOARD_TOKEN"
COOKIE = "alphaloop_dashboard"
MIN_TOKEN_CHARS = 16


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_token(host: str, environ: dict[str, str] | None = None) -> tuple[str, bool]:
    """The dashboard token and whether it was generated here (then the caller prints it once).

    A host other than loopback needs a token chosen by the operator: a generated one printed on
    a server's console is too easy to lose and too tempting to paste around.
    """
    env = os.environ if environ is None else environ
    token = (env.get(TOKEN_ENV) or "").strip()
    if token:
        if len(token) < MIN_TOKEN_CHARS:
            raise ConfigurationError(f"{TOKEN_ENV} must have at least {MIN_TOKEN_CHARS} characters")
        return token, False
    if not is_loopback(host):
        raise ConfigurationError(
            f"--host {host} is not a loopback address: set {TOKEN_ENV} (at least {MIN_TOKEN_CHARS} "
            "characters) to serve the dashboard beyond this machine"
        )
    return secrets.token_urlsafe(24), True


def token_matches(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def csrf_value(token: str) -> str:
    """The CSRF form value: derived from the token, never the token (pages must not show it)."""
    return hmac.new(token.encode(), b"alphaloop-dashboard-csrf", hashlib.sha256).hexdigest()


def csrf_matches(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), csrf_value(token).encode())


__all__ = [
    "COOKIE",
    "TOKEN_ENV",
    "csrf_matches",
    "csrf_value",
    "is_loopback",
    "resolve_token",
    "token_matches",
]
