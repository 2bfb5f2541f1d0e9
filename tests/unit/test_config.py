from pathlib import Path

import pytest

from alphaloop.config import load_settings
from alphaloop.model import ConfigurationError

SECRET_VALUES = ("key-abcdef123456", "secret-zyx987654321", "pass-phrase-42")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("ALPHALOOP_", "WEEX_", "WOOX_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray alphaloop.toml or .env from the developer's checkout


def test_defaults_are_the_competition_rules() -> None:
    settings = load_settings()
    assert settings.competition.max_leverage == 20
    assert len(settings.competition.symbols) == 8
    assert settings.weex.base_url == "https://api-contract.weex.com"
    assert settings.weex_credentials() is None


def test_toml_then_env_then_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "alphaloop.toml"
    config.write_text('mode = "live"\n[weex]\nbase_url = "http://127.0.0.1:9000/"\ntimeout_seconds = 3\n')
    assert load_settings().weex.base_url == "http://127.0.0.1:9000"
    monkeypatch.setenv("ALPHALOOP_WEEX__TIMEOUT_SECONDS", "5")
    settings = load_settings()
    assert settings.mode == "live"
    assert settings.weex.timeout_seconds == 5
    assert load_settings(mode="paper").mode == "paper"


def test_every_problem_is_reported_on_its_own_line(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        'mode = "yolo"\nunknown_key = 1\n[competition]\nmax_leverage = 50\nsymbols = ["cmt_pepeusdt"]\n'
    )
    with pytest.raises(ConfigurationError) as info:
        load_settings(config)
    lines = str(info.value).splitlines()[1:]
    assert len(lines) == 4
    assert any(line.strip().startswith("mode:") for line in lines)
    assert any("unknown_key: unknown setting" in line for line in lines)
    assert any("competition.max_leverage" in line and "20" in line for line in lines)
    assert any("competition.symbols" in line and "cmt_pepeusdt" in line for line in lines)


def test_leverage_may_be_lowered_but_never_raised_above_20(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALPHALOOP_COMPETITION__MAX_LEVERAGE", "5")
    assert load_settings().competition.max_leverage == 5
    monkeypatch.setenv("ALPHALOOP_COMPETITION__MAX_LEVERAGE", "21")
    with pytest.raises(ConfigurationError, match="max_leverage"):
        load_settings()


def test_symbols_are_normalised_and_must_be_competition_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALPHALOOP_COMPETITION__SYMBOLS", '["cmt_btcusdt", "PERP_ETH_USDT", "cmt_btcusdt"]')
    assert load_settings().competition.symbols == ("BTC/USDT:USDT", "ETH/USDT:USDT")


def test_secrets_come_from_a_dotenv_file_and_never_show(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"WEEX_API_KEY={SECRET_VALUES[0]}\nWEEX_SECRET_KEY={SECRET_VALUES[1]}\n"
        f"WEEX_PASSPHRASE={SECRET_VALUES[2]}\nOPENAI_API_KEY=someone-elses\n"
    )
    settings = load_settings()
    credentials = settings.weex_credentials()
    assert credentials is not None
    assert credentials.secret_key.get_secret_value() == SECRET_VALUES[1]
    shown = repr(settings) + str(settings) + repr(credentials) + settings.model_dump_json()
    for secret in SECRET_VALUES:
        assert secret not in shown


def test_a_partial_credential_set_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEEX_API_KEY", SECRET_VALUES[0])
    with pytest.raises(ConfigurationError, match="WEEX_PASSPHRASE, WEEX_SECRET_KEY missing"):
        load_settings().weex_credentials()


def test_a_missing_config_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_an_invalid_secret_never_echoes_its_value(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[weex]\nbase_url = "ftp://x"\n')
    with pytest.raises(ConfigurationError, match=r"weex\.base_url: Value error, must start with http"):
        load_settings(config)


def test_the_weex_api_version_is_v2_unless_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings().weex.api == "v2"
    config = tmp_path / "alphaloop.toml"
    config.write_text('[weex]\napi = "v3"\n')
    assert load_settings(config).weex.api == "v3"
    monkeypatch.setenv("ALPHALOOP_WEEX__API", "v2")
    assert load_settings(config).weex.api == "v2"
    monkeypatch.delenv("ALPHALOOP_WEEX__API")
    config.write_text('[weex]\napi = "v4"\n')
    with pytest.raises(ConfigurationError, match=r"weex\.api"):
        load_settings(config)


@pytest.mark.parametrize("value", ["inf", "1e300", "-1", "0"])
def test_an_approval_expiry_out_of_range_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """inf or 1e300 used to pass and end a paper run with an OverflowError traceback."""
    monkeypatch.setenv("ALPHALOOP_TRADING__APPROVAL_EXPIRY_SECONDS", value)
    with pytest.raises(ConfigurationError, match="approval_expiry_seconds"):
        load_settings()
