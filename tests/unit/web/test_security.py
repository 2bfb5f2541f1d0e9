"""Dashboard token rules: loopback by default, a chosen token for any other host, CSRF derived."""

from __future__ import annotations

import pytest

from alphaloop.model import ConfigurationError
from alphaloop.web.security import csrf_matches, csrf_value, is_loopback, resolve_token, token_matches


def test_a_token_is_generated_for_loopback_and_required_for_other_hosts() -> None:
    token, generated = resolve_token("127.0.0.1", {})
    assert generated
    assert len(token) >= 24
    assert resolve_token("::1", {})[1]
    with pytest.raises(ConfigurationError, match="not a loopback address"):
        resolve_token("0.0.0.0", {})
    with pytest.raises(ConfigurationError, match="not a loopback address"):
        resolve_token("192.168.1.5", {})
    chosen = "a-chosen-token-of-enough-length"
    assert resolve_token("0.0.0.0", {"ALPHALOOP_DASHBOARD_TOKEN": chosen}) == (chosen, False)
    with pytest.raises(ConfigurationError, match="at least 16"):
        resolve_token("127.0.0.1", {"ALPHALOOP_DASHBOARD_TOKEN": "short"})


def test_loopback_detection() -> None:
    assert is_loopback("localhost")
    assert is_loopback("127.0.0.2")
    assert not is_loopback("example.org")
    assert not is_loopback("10.0.0.1")


def test_csrf_value_is_derived_and_never_the_token() -> None:
    token = "a-chosen-token-of-enough-length"
    value = csrf_value(token)
    assert token not in value
    assert csrf_matches(value, token)
    assert not csrf_matches(value, token + "x")
    assert not csrf_matches(None, token)
    assert token_matches(token, token)
    assert not token_matches(None, token)
    assert not token_matches("", token)
