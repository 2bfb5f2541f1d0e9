"""`alphaloop demo` (what `make run` runs): the embedded default, end to end and offline.

Until the engine lands, the demo starts the WEEX simulator on a loopback port with throw-away
credentials and runs the competition's API-test checklist against it through the real client.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import typer
from pydantic import SecretStr

from alphaloop.cli.common import ConfigOption, console, fail, settings_or_exit
from alphaloop.cli.qualify import render
from alphaloop.config import WeexCredentials
from alphaloop.ops.qualify import run_weex_qualify
from alphaloop.venues.sim.server import ApiAccount, ServerConfig, run_in_thread


def demo(
    data_dir: Path | None = typer.Option(
        None, "--data", help="candle folder (default: ALPHALOOP_DATA_DIR or ../shared/data)", file_okay=False
    ),
    config_file: Path | None = ConfigOption,
) -> None:
    """Start the simulator on 127.0.0.1 and run the API-test checklist against it, offline."""
    settings = settings_or_exit(config_file)
    data = data_dir or settings.data_dir
    if not any(data.glob("*USDT-1h.csv.gz")):
        fail(
            f"no market data in {data}: point ALPHALOOP_DATA_DIR (or --data) at a folder of "
            "PAIRUSDT-1h.csv.gz candle files such as ../shared/data"
        )
    # Fresh credentials per run: nothing secret is configured, printed or stored.
    credentials = WeexCredentials(
        SecretStr("weex_" + secrets.token_hex(16)),
        SecretStr(secrets.token_hex(24)),
        SecretStr(secrets.token_hex(8)),
    )
    account = ApiAccount(
        api_key=credentials.api_key.get_secret_value(),
        secret_key=credentials.secret_key,
        passphrase=credentials.passphrase,
    )
    console.print(f"[bold]alphaloop demo[/]: starting the WEEX simulator on replayed candles from {data}")
    with run_in_thread(ServerConfig(accounts=(account,), data_dir=data)) as server:
        console.print(
            f"simulator listening on {server.base_url}; running the competition checklist against it"
        )
        report = asyncio.run(run_weex_qualify(settings, credentials, base_url=server.base_url))
    console.print(render(report))
    if not report.passed:
        fail("the checklist did not pass against the simulator", code=1)
    console.print(
        "[bold green]PASSED[/]: every checklist step passed against the simulator. "
        "Next: `alphaloop qualify --base-url https://api-contract.weex.com` with your WEEX_* keys in .env."
    )
