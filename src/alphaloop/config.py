"""Typed, frozen, strict configuration.

Precedence, highest first: explicit overrides (CLI flags) > environment (`ALPHALOOP_*`, and
`WEEX_*` / `WOOX_*` for secrets) > `.env` file > `alphaloop.toml` > defaults.
Secrets are `SecretStr`: they never appear in repr, logs or dumps.
"""

from __future__ import annotations

import contextvars
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from alphaloop.defaults import default_data_dir
from alphaloop.model import COMPETITION_MAX_LEVERAGE, COMPETITION_SYMBOLS, ConfigurationError
from alphaloop.model.instruments import to_unified_symbol
from alphaloop.risk.limits import RiskLimits
from alphaloop.venues.weex.constants import DEFAULT_AI_LOG_PATH, PRODUCTION_BASE_URL
from alphaloop.venues.woox.constants import DEFAULT_AI_LOG_FILE as WOOX_AI_LOG_FILE
from alphaloop.venues.woox.constants import PRODUCTION_BASE_URL as WOOX_BASE_URL

DEFAULT_CONFIG_FILE = Path("alphaloop.toml")
DEFAULT_DATA_DIR = Path("../shared/data")

Leverage = Annotated[int, Field(ge=1, le=COMPETITION_MAX_LEVERAGE)]

_config_file: contextvars.ContextVar[Path | None] = contextvars.ContextVar(
    "alphaloop_config_file", default=None
)


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WeexSettings(_Section):
    #: contract API version: v2 (`/capi/v2`) or v3 (`/capi/v3`); same `WeexVenue` either way
    api: Literal["v2", "v3"] = "v2"
    base_url: str = PRODUCTION_BASE_URL
    ai_log_path: str = DEFAULT_AI_LOG_PATH
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    locale: Literal["en-US", "zh-CN"] = "en-US"

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("ai_log_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/capi/") or not value.endswith("/uploadAiLog"):
            raise ValueError("must be a WEEX path like /capi/v2/order/uploadAiLog")
        return value


class WooxSettings(_Section):
    """WOO X V3 (staging: https://api.staging.woox.io)."""

    base_url: str = WOOX_BASE_URL
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    #: the account's position mode; HEDGE_MODE maps the port's open/close long/short one to one
    position_mode: Literal["HEDGE_MODE", "ONE_WAY"] = "HEDGE_MODE"
    #: WOO X has no AI-log endpoint: `upload_ai_log` appends one JSON line per log to this file
    ai_log_file: Path = Path(WOOX_AI_LOG_FILE)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class CompetitionSettings(_Section):
    """Rules of the WEEX AI Wars competition; may be tightened, never loosened."""

    max_leverage: Leverage = COMPETITION_MAX_LEVERAGE
    symbols: tuple[str, ...] = COMPETITION_SYMBOLS
    #: AI-log explanations are capped at 500 words; later rounds also allowed only 1000 characters
    ai_log_max_chars: int | None = Field(default=1000, ge=100)

    @field_validator("symbols")
    @classmethod
    def _allowed(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unified = []
        for raw in value:
            try:
                symbol = to_unified_symbol(raw)
            except Exception as exc:
                raise ValueError(str(exc)) from None
            if symbol not in COMPETITION_SYMBOLS:
                raise ValueError(f"{raw} is not one of the competition's 8 symbols")
            unified.append(symbol)
        if not unified:
            raise ValueError("at least one symbol is required")
        return tuple(dict.fromkeys(unified))


@dataclass(frozen=True, slots=True)
class WeexCredentials:
    api_key: SecretStr
    secret_key: SecretStr
    passphrase: SecretStr

    def __repr__(self) -> str:
        return "WeexCredentials(api_key=**********, secret_key=**********, passphrase=**********)"


@dataclass(frozen=True, slots=True)
class WooxCredentials:
    api_key: SecretStr
    api_secret: SecretStr

    def __repr__(self) -> str:
        return "WooxCredentials(api_key=**********, api_secret=**********)"


class _PrefixedDotEnv(DotEnvSettingsSource):
    """A `.env` is often shared with other tools: ignore keys that are not ours."""

    def __call__(self) -> dict[str, Any]:
        ours = ("alphaloop_", "weex_", "woox_")
        self.env_vars = {k: v for k, v in self.env_vars.items() if k.lower().startswith(ours)}
        return super().__call__()


class TradingSettings(_Section):
    """How orders reach the venue: `auto` (the gate decides), or a human approves `entries` or all
    orders (`manual`); an order not decided within `approval_expiry_seconds` (default: a quarter
    of the bar) expires unsent."""

    approval: Literal["auto", "entries", "manual"] = "auto"
    #: at most a week: longer makes no sense for a bar's plan (and inf/1e300 overflowed the ms)
    approval_expiry_seconds: float | None = Field(default=None, gt=0, le=7 * 86_400)


class AlertSettings(_Section):
    """Notification URLs (apprise syntax: tgram://, discord://, slack://, mailto://, json://...).
    They often hold a bot token: set them in the environment (ALPHALOOP_ALERT_URLS) if in doubt;
    they are never printed."""

    urls: tuple[str, ...] = ()
    #: the same alert (kind and key) is sent at most once per this many seconds
    dedup_seconds: float = Field(default=3600.0, ge=0)
    #: at most this many alerts per minute in all; the rest are summarised in one line
    max_per_minute: int = Field(default=20, ge=1)
    #: failed order calls or unknown outcomes within ten minutes that make one "venue errors" alert
    venue_error_burst: int = Field(default=3, ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        env_prefix="ALPHALOOP_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
    )

    mode: Literal["backtest", "paper", "live"] = "paper"
    venue: Literal["weex", "woox"] = "weex"
    data_dir: Path = Field(default_factory=default_data_dir)
    #: the Parquet store of `alphaloop data` (ALPHALOOP_STORE_DIR), relative to the working directory
    store_dir: Path = Path("data/store")
    #: the trading journal (ALPHALOOP_JOURNAL_URL): a SQLite path or an SQLAlchemy URL
    #: (`postgresql+psycopg://user@host/db`); a password belongs in the URL only via the environment
    journal_url: str = "data/journal.sqlite"
    weex: WeexSettings = WeexSettings()
    woox: WooxSettings = WooxSettings()
    competition: CompetitionSettings = CompetitionSettings()
    #: the risk gate's limits (`[risk]` in the config file, ALPHALOOP_RISK__MAX_LEVERAGE=...)
    risk: RiskLimits = RiskLimits()
    trading: TradingSettings = TradingSettings()
    alerts: AlertSettings = AlertSettings()

    weex_api_key: SecretStr | None = Field(default=None, validation_alias="WEEX_API_KEY")
    weex_secret_key: SecretStr | None = Field(default=None, validation_alias="WEEX_SECRET_KEY")
    weex_passphrase: SecretStr | None = Field(default=None, validation_alias="WEEX_PASSPHRASE")
    woox_api_key: SecretStr | None = Field(default=None, validation_alias="WOOX_API_KEY")
    woox_api_secret: SecretStr | None = Field(default=None, validation_alias="WOOX_API_SECRET")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        dotenv = _PrefixedDotEnv(settings_cls)
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv]
        toml_file = _config_file.get()
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    def weex_credentials(self) -> WeexCredentials | None:
        """All three secrets, or None when none is set; a partial set is a configuration error."""
        values = {
            "WEEX_API_KEY": self.weex_api_key,
            "WEEX_SECRET_KEY": self.weex_secret_key,
            "WEEX_PASSPHRASE": self.weex_passphrase,
        }
        present = {k for k, v in values.items() if v is not None and v.get_secret_value()}
        if not present:
            return None
        missing = sorted(set(values) - present)
        if missing:
            raise ConfigurationError(
                f"{', '.join(missing)} missing while {', '.join(sorted(present))} is set"
            )
        key, secret, passphrase = self.weex_api_key, self.weex_secret_key, self.weex_passphrase
        if key is None or secret is None or passphrase is None:  # unreachable; narrows the types
            raise ConfigurationError("incomplete WEEX credentials")
        return WeexCredentials(key, secret, passphrase)

    def woox_credentials(self) -> WooxCredentials | None:
        """Both WOO X secrets, or None when neither is set; only one of them is a configuration error."""
        key, secret = self.woox_api_key, self.woox_api_secret
        has_key = key is not None and bool(key.get_secret_value())
        has_secret = secret is not None and bool(secret.get_secret_value())
        if not has_key and not has_secret:
            return None
        if key is None or secret is None or not has_key or not has_secret:
            missing = "WOOX_API_SECRET" if has_key else "WOOX_API_KEY"
            present = "WOOX_API_KEY" if has_key else "WOOX_API_SECRET"
            raise ConfigurationError(f"{missing} missing while {present} is set")
        return WooxCredentials(key, secret)


#: setting names whose values are never echoed back in an error (a typo'd secret is still a secret)
_SECRET_HINTS = ("secret", "passphrase", "password", "token", "key", "credential", "auth")


def describe_error(error: Mapping[str, Any]) -> str:
    """One validation problem as `section.setting: what is wrong (got value)`; never a secret's value."""
    location = ".".join(str(part) for part in error.get("loc", ())) or "settings"
    message = str(error.get("msg", "invalid"))
    unknown = error.get("type") == "extra_forbidden"
    if unknown:
        message = "unknown setting"
    value = error.get("input")
    secret_like = any(hint in location.lower() for hint in _SECRET_HINTS)
    # an unknown setting's value is never shown: it is often a secret put in the wrong place
    hidden = unknown or secret_like or isinstance(value, dict | list | SecretStr)
    shown = "" if hidden else value
    return f"{location}: {message}" + (f" (got {shown!r})" if shown not in ("", None) else "")


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings; raise `ConfigurationError` with one line per problem when invalid."""
    path = config_file
    if path is None:
        env_path = os.environ.get("ALPHALOOP_CONFIG")
        path = Path(env_path) if env_path else (DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.exists() else None)
    if path is not None and not path.is_file():
        raise ConfigurationError(f"config file {path} does not exist")
    token = _config_file.set(path)
    try:
        return Settings(**overrides)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"config file {path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"config file {path} is not UTF-8 text: save it as UTF-8 TOML") from None
    except ValidationError as exc:
        lines = [describe_error(err) for err in exc.errors()]
        raise ConfigurationError(
            "invalid configuration:\n" + "\n".join(f"  {line}" for line in lines)
        ) from None
    finally:
        _config_file.reset(token)
