"""`alphaloop sim ...`: the local exchange simulator that answers like WEEX or WOO X (thin adapter)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr, ValidationError

from alphaloop.cli.common import fail
from alphaloop.cli.errors import describe
from alphaloop.data.paths import resolve_data_dir
from alphaloop.model import TIMEFRAME_MS, ConfigurationError
from alphaloop.venues.sim.server import (
    ApiAccount,
    FaultSpecError,
    RateLimitConfig,
    ServerConfig,
    load_accounts,
    parse_fault_spec,
    serve,
)
from alphaloop.venues.sim.server.state import dialect_endpoint_names

sim_app = typer.Typer(help="Local exchange simulator that answers like WEEX or WOO X.", no_args_is_help=True)
DIALECT_NAMES = {"weex": "WEEX", "weex-v3": "WEEX contract v3", "woox": "WOO X"}


def _parse_start(text: str) -> int:
    """ISO date or date-time (UTC unless an offset is given) -> epoch ms."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(f"--start '{text}' is not an ISO date like 2025-09-01 or 2025-09-01T08:00:00Z")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


@sim_app.command("serve")
def serve_command(
    host: Annotated[
        str, typer.Option(help="Interface to bind (loopback unless told otherwise).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="TCP port; 0 picks a free one (printed).")
    ] = 8080,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Candle folder (default: $ALPHALOOP_DATA_DIR, else ../shared/data)."),
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="ALPHALOOP_SIM_API_KEY", help="API key of one account.")
    ] = None,
    secret_key: Annotated[
        str | None, typer.Option(envvar="ALPHALOOP_SIM_SECRET_KEY", help="Its secret.")
    ] = None,
    passphrase: Annotated[
        str | None,
        typer.Option(envvar="ALPHALOOP_SIM_PASSPHRASE", help="Its passphrase (WEEX only; WOO X has none)."),
    ] = None,
    dialect: Annotated[
        str,
        typer.Option(
            help="Which venue's API to speak: weex (contract API v2), weex-v3 (contract API v3) or woox (V3)."
        ),
    ] = "weex",
    timestamp_window_ms: Annotated[
        int | None,
        typer.Option(
            min=1, help="Accepted request-timestamp skew in ms (default: WEEX 30000, WOO X 300000)."
        ),
    ] = None,
    balance: Annotated[str, typer.Option(help="Starting USDT balance of --api-key's account.")] = "1000",
    accounts: Annotated[
        Path | None,
        typer.Option("--accounts", help="JSON/TOML file of accounts: {'accounts': [{api_key, ...}]}."),
    ] = None,
    speed: Annotated[
        float, typer.Option(min=0, help="Simulated seconds per wall second (0 = frozen).")
    ] = 1.0,
    start: Annotated[
        str | None, typer.Option(help="Simulated start, ISO UTC (default: data end - 1 month).")
    ] = None,
    timeframe: Annotated[str, typer.Option(help="Candle file timeframe replayed into the exchange.")] = "1h",
    faults: Annotated[
        str, typer.Option(help="Fault spec, e.g. 'placeOrder:5xx@p=0.2;ticker:latency=200ms'.")
    ] = "",
    admin: Annotated[
        bool, typer.Option("--admin", help="Enable /__admin/ (time, prices, faults, state).")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the fault-injection RNG.")] = 0,
    rate_limits: Annotated[
        bool, typer.Option("--rate-limits/--no-rate-limits", help="Enforce the limits of spec section 3.")
    ] = True,
    ip_limit: Annotated[int, typer.Option(min=1, help="Weight per IP per window.")] = 1000,
    uid_limit: Annotated[int, typer.Option(min=1, help="Weight per API key per window.")] = 1000,
    order_limit: Annotated[int, typer.Option(min=1, help="Order calls per second per API key.")] = 10,
    ip_reject: Annotated[str, typer.Option(help="Answer to a non-allow-listed IP: 40018 or 521.")] = "40018",
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Serve the WEEX contract API v2 (--dialect weex-v3: v3, --dialect woox: WOO X V3) from candles."""
    if dialect not in DIALECT_NAMES:
        fail("--dialect must be weex, weex-v3 or woox")
    woox = dialect == "woox"
    if timeframe not in TIMEFRAME_MS:
        fail(f"--timeframe must be one of {', '.join(TIMEFRAME_MS)}")
    if ip_reject not in ("40018", "521"):
        fail("--ip-reject must be 40018 or 521")
    try:
        if not Decimal(balance).is_finite() or Decimal(balance) <= 0:
            raise InvalidOperation
    except InvalidOperation:
        fail(f"--balance {balance!r} is not a positive number of USDT, like 1000")
    try:
        parse_fault_spec(faults, dialect_endpoint_names(dialect))
    except FaultSpecError as exc:
        fail(f"--faults: {exc}")
    try:
        account_list = list(load_accounts(accounts, passphrase_required=not woox)) if accounts else []
        if api_key or secret_key or passphrase:
            if not (api_key and secret_key) or not (woox or passphrase):
                together = (
                    "--api-key and --secret-key" if woox else "--api-key, --secret-key and --passphrase"
                )
                fail(f"{together} go together")
            account_list.append(
                ApiAccount(
                    api_key=api_key,
                    secret_key=SecretStr(secret_key),
                    passphrase=SecretStr(passphrase or ""),
                    balance=balance,  # type: ignore[arg-type]  # pydantic parses the decimal text
                )
            )
        if not account_list:
            needed = "--api-key/--secret-key" if woox else "--api-key/--secret-key/--passphrase"
            fail(f"give {needed} or --accounts FILE")
        config = ServerConfig(
            accounts=tuple(account_list),
            data_dir=data or resolve_data_dir(),
            timeframe=timeframe,
            start_ms=_parse_start(start) if start else None,
            speed=speed,
            faults=faults,
            admin=admin,
            seed=seed,
            rate_limits=RateLimitConfig(
                enabled=rate_limits,
                ip_weight_limit=ip_limit,
                uid_weight_limit=uid_limit,
                order_calls_per_second=order_limit,
            ),
            ip_reject=ip_reject,  # type: ignore[arg-type]  # checked above
            dialect=dialect,  # type: ignore[arg-type]  # checked above
            timestamp_window_ms=timestamp_window_ms,
        )
        serve(
            config,
            host=host,
            port=port,
            log_level=log_level,
            on_ready=lambda url: typer.echo(
                f"alphaloop sim: serving {DIALECT_NAMES[dialect]} API on {url}", err=False
            ),
        )
    except ConfigurationError as exc:
        fail(str(exc))
    except ValidationError as exc:
        fail(describe(exc) or "invalid simulator settings")
    except OSError as exc:
        fail(f"cannot serve on {host}:{port}: {exc}")
