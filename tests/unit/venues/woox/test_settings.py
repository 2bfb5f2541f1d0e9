"""The `[woox]` settings section and the WOOX_API_KEY / WOOX_API_SECRET secrets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from alphaloop.config import load_settings
from alphaloop.model import ConfigurationError
from alphaloop.venues.woox import PRODUCTION_BASE_URL, WooxVenue


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("ALPHALOOP_", "WEEX_", "WOOX_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray alphaloop.toml or .env from the developer's checkout


def test_defaults_and_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert (settings.woox.base_url, settings.woox.position_mode) == (PRODUCTION_BASE_URL, "HEDGE_MODE")
    assert settings.woox_credentials() is None
    monkeypatch.setenv("WOOX_API_KEY", "woox-key-123456")
    monkeypatch.setenv("WOOX_API_SECRET", "woox-secret-987654")
    credentials = load_settings().woox_credentials()
    assert credentials is not None
    assert credentials.api_secret.get_secret_value() == "woox-secret-987654"
    assert "woox-secret" not in repr(credentials)
    assert "woox-key" not in repr(credentials)


def test_half_the_credentials_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WOOX_API_KEY", "woox-key-123456")
    with pytest.raises(ConfigurationError, match="WOOX_API_SECRET missing while WOOX_API_KEY is set"):
        load_settings().woox_credentials()


def test_toml_section_is_validated_and_builds_the_venue(tmp_path: Path) -> None:
    (tmp_path / "alphaloop.toml").write_text(
        'venue = "woox"\n[woox]\nbase_url = "https://api.staging.woox.io/"\nposition_mode = "ONE_WAY"\n'
        'ai_log_file = "logs/ai.jsonl"\n'
    )
    settings = load_settings()
    venue = WooxVenue.from_settings(settings.woox, None)
    assert (venue.client.base_url, venue.position_mode, venue.ai_log_file) == (
        "https://api.staging.woox.io",
        "ONE_WAY",
        Path("logs/ai.jsonl"),
    )
    (tmp_path / "alphaloop.toml").write_text('[woox]\nbase_url = "ftp://x"\nposition_mode = "BOTH"\n')
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert "woox.base_url" in str(caught.value)
    assert "woox.position_mode" in str(caught.value)
