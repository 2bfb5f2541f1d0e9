"""Configuration of the simulator's HTTP server: accounts (API credentials), limits, clock, faults.

Frozen, strict pydantic models (STYLE 10); read once at start-up, never on the hot path except as
plain attribute access. Secrets stay `SecretStr` so a state dump or repr never shows them.
"""

from __future__ import annotations

import json
import os
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from alphaloop.model import ConfigurationError

#: The competition's starting balance (spec section 9).
DEFAULT_BALANCE = Decimal(1000)
#: Where the shared candle data lives relative to the repository (data/README.md).
DEFAULT_DATA_DIR = Path("../shared/data")
DATA_DIR_ENV = "ALPHALOOP_DATA_DIR"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ApiAccount(_Frozen):
    """One simulated WEEX account and the API key that reaches it."""

    api_key: Annotated[str, Field(min_length=1)]
    secret_key: SecretStr
    passphrase: SecretStr
    balance: Annotated[Decimal, Field(ge=0)] = DEFAULT_BALANCE
    #: core account id; defaults to the API key
    account_id: str | None = None
    #: source IPs allowed for this key; empty = any (competition keys are IP-bound, spec section 9)
    allowed_ips: tuple[str, ...] = ()
    #: `frozen` -> 40013, `disabled` -> 40753 (spec section 2.5)
    status: Literal["active", "frozen", "disabled"] = "active"
    #: False -> order and position endpoints answer 40014 "Invalid permissions"
    can_trade: bool = True
    #: False -> uploadAiLog answers 50004 (only allow-listed UIDs may upload, spec section 7.41)
    ai_log_allowed: bool = True

    @property
    def core_id(self) -> str:
        return self.account_id or self.api_key


class RateLimitConfig(_Frozen):
    """Server-side limits of spec section 3; `enabled=False` turns all of them off."""

    enabled: bool = True
    ip_weight_limit: Annotated[int, Field(ge=1)] = 1000
    uid_weight_limit: Annotated[int, Field(ge=1)] = 1000
    window_seconds: Annotated[float, Field(gt=0)] = 10.0
    order_calls_per_second: Annotated[int, Field(ge=1)] = 10


class ServerConfig(_Frozen):
    """Everything `create_app` needs; the CLI and `run_in_thread` build one of these."""

    accounts: Annotated[tuple[ApiAccount, ...], Field(min_length=1)]
    data_dir: Path = DEFAULT_DATA_DIR
    #: candle timeframe replayed into the core (a file `PAIRUSDT-<tf>.csv.gz` must exist)
    timeframe: str = "1h"
    #: simulated start (ms UTC); None = one month before the end of the data
    start_ms: int | None = None
    #: simulated seconds per wall second; 0 freezes market time (advance it through the admin API)
    speed: Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)] = 1.0
    faults: str = ""
    admin: bool = False
    seed: int = 0
    rate_limits: RateLimitConfig = RateLimitConfig()
    #: answer to a non-allow-listed IP: 40018 envelope with HTTP 400, or bare HTTP 521 (spec 2.5)
    ip_reject: Literal["40018", "521"] = "40018"
    #: error code for insufficient margin, undocumented on the live venue (spec section 10.5)
    insufficient_margin_code: str = "40020"
    #: delay before preset TP/SL orders appear in currentPlan and arm (FIELD: ~1-2 s), in simulated
    #: ms: with `speed=0` they appear only once time is advanced past it
    tpsl_lag_ms: Annotated[int, Field(ge=0)] = 1500
    #: accept the lenient signature variants of spec 2.4 (rows 2, 7, 8)
    lenient_signatures: bool = False
    #: symbols served (WEEX spelling); default: every default contract that has data
    symbols: tuple[str, ...] | None = None
    #: which venue's API the server speaks: WEEX contract v2 (default), WEEX contract v3 or WOO X V3
    dialect: Literal["weex", "weex-v3", "woox"] = "weex"
    #: accepted |server time - request timestamp| in ms; None = the dialect's documented window
    #: (WEEX 30 s, WOO X 300 s)
    timestamp_window_ms: Annotated[int, Field(gt=0)] | None = None


def default_data_dir() -> Path:
    """`ALPHALOOP_DATA_DIR`, else `../shared/data` (data/README.md)."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else DEFAULT_DATA_DIR


def load_accounts(path: Path, *, passphrase_required: bool = True) -> tuple[ApiAccount, ...]:
    """Read API accounts from a JSON or TOML file.

    Accepted shapes: `{"accounts": [{...}, ...]}` (JSON or TOML `[[accounts]]`) or a bare JSON list.
    Each entry has `api_key`, `secret_key`, `passphrase` and optionally `balance`, `account_id`,
    `allowed_ips`, `status`, `can_trade`, `ai_log_allowed`. WOO X keys have no passphrase: with
    `passphrase_required=False` an entry may leave it out.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read accounts file {path}: {exc}") from exc
    try:
        raw: Any = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigurationError(
            f"accounts file {path} is not valid {path.suffix[1:] or 'JSON'}: {exc}"
        ) from exc
    entries = raw.get("accounts") if isinstance(raw, dict) else raw
    if not isinstance(entries, list) or not entries:
        raise ConfigurationError(f"accounts file {path} must hold a non-empty list 'accounts'")
    accounts: list[ApiAccount] = []
    for number, entry in enumerate(entries, start=1):
        if not passphrase_required and isinstance(entry, dict):
            entry = {"passphrase": "", **entry}
        try:
            accounts.append(ApiAccount.model_validate(entry))
        except ValidationError as exc:
            raise ConfigurationError(f"accounts file {path}, entry {number}: {exc}") from exc
    keys = [a.api_key for a in accounts]
    if len(set(keys)) != len(keys):
        raise ConfigurationError(f"accounts file {path} repeats an api_key")
    return tuple(accounts)
