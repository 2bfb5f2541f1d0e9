"""Helpers shared by CLI command modules: settings loading and error exits."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from alphaloop.config import Settings, load_settings
from alphaloop.model import ConfigurationError


def _console(*, stderr: bool = False) -> Console:
    """A console that never wraps a line it did not have to: a suggested command or a path must stay
    copyable when the output is piped (rich assumes 80 columns without a terminal)."""
    made = Console(stderr=stderr, soft_wrap=True)
    if not made.is_terminal and "COLUMNS" not in os.environ:
        made = Console(stderr=stderr, soft_wrap=True, width=PIPED_WIDTH)
    return made


#: the width of tables and rules when the output is not a terminal
PIPED_WIDTH = 160
console = _console()
error_console = _console(stderr=True)

ConfigOption = typer.Option(
    None, "--config", help="alphaloop.toml to read (default: ./alphaloop.toml if present)", dir_okay=False
)


def fail(message: str, *, code: int = 2) -> NoReturn:
    error_console.print(f"[bold red]alphaloop:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def out_folder_or_exit(out: Path, what: str) -> None:
    """Refuse an `--out` that is a file or cannot be created, before any (long) work starts."""
    if out.exists() and not out.is_dir():
        fail(f"--out {out} is a file: give a folder for the {what} (it is created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        fail(f"--out {out}: cannot create this folder ({reason}); give a writable folder")


def settings_or_exit(config_file: Path | None, **overrides: Any) -> Settings:
    """Load settings; an invalid configuration stops with one line per problem (exit 2)."""
    try:
        return load_settings(config_file, **overrides)
    except ConfigurationError as exc:
        fail(str(exc))


WeexApiOption = typer.Option(
    None, "--weex-api", help="WEEX contract API version: v2 or v3 (default: settings `weex.api`)"
)


def with_weex_api(settings: Settings, weex_api: str | None, venue: str | None = None) -> Settings:
    """`settings` with `--weex-api` applied; anything but v2/v3, or the flag with the WOO X venue
    (which has one API: ignoring the flag would hide the user's mistake), is one line and exit 2."""
    if weex_api is None:
        return settings
    if weex_api not in ("v2", "v3"):
        fail(f"--weex-api must be v2 or v3, not {weex_api!r}")
    if (venue or settings.venue).lower() == "woox":
        fail("--weex-api applies to WEEX only; --venue woox speaks WOO X's own API")
    return settings.model_copy(update={"weex": settings.weex.model_copy(update={"api": weex_api})})


def checked_url(value: str | None, option: str = "--base-url") -> str | None:
    """`value` if it is an http(s) URL with a host; otherwise one line and exit 2 (never a request to
    a path glued onto nonsense)."""
    if value is None:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        fail(
            f"{option} {value!r} is not a URL: give one like http://127.0.0.1:8080 or https://api.example.com"
        )
    return value.strip().rstrip("/")


def symbol_list(text: str | None, allowed: tuple[str, ...], option: str = "--symbols") -> tuple[str, ...]:
    """`--symbols BTCUSDT,cmt_ethusdt,...` as unified symbols; None means `allowed` (the
    `[competition] symbols` of the settings). Empty text, an unknown spelling or a pair outside
    `allowed` is one line and exit 2 (never a silent "all pairs")."""
    from alphaloop.data.symbols import unified_symbol

    if text is None:
        return allowed
    parts = [part.strip() for part in text.replace(" ", ",").split(",") if part.strip()]
    if not parts:
        fail(f"{option} is empty: give pairs like BTCUSDT,ETHUSDT, or leave {option} out for {len(allowed)}")
    try:
        chosen = tuple(dict.fromkeys(unified_symbol(part) for part in parts))
    except ConfigurationError as exc:
        fail(str(exc))
    outside = [s for s in chosen if s not in allowed]
    if outside:
        fail(
            f"{', '.join(outside)} not among the allowed symbols ([competition] symbols in alphaloop.toml): "
            f"{', '.join(allowed)}"
        )
    return chosen


#: the help text every command's --leverage shares: one setting, one rule
#: (no square brackets: the help is rich markup, where `[risk]` would vanish as a style tag)
LEVERAGE_HELP = (
    "Leverage. Capped by the lower of competition.max_leverage (the venue rule, default 20) and "
    "risk.max_leverage (the risk gate, default 10), set in alphaloop.toml or as "
    "ALPHALOOP_COMPETITION__MAX_LEVERAGE / ALPHALOOP_RISK__MAX_LEVERAGE; above the cap every command "
    "refuses to start."
)


def leverage_or_exit(value: int, settings: Settings) -> int:
    """`value` if within the one leverage cap every command applies, else one line and exit 2."""
    competition, risk = settings.competition.max_leverage, settings.risk.max_leverage
    cap = min(competition, risk)
    if value < 1 or value > cap:
        fail(
            f"--leverage {value} is outside 1..{cap} (the lower of [competition] max_leverage={competition} "
            f"and [risk] max_leverage={risk}; raise them in alphaloop.toml to allow more)"
        )
    return value


#: seconds the pre-flight waits for a TCP connection before calling a venue unreachable
PROBE_TIMEOUT_SECONDS = 3.0


def reachable_or_exit(url: str) -> None:
    """Pre-flight: open (and close) one TCP connection to `url`'s host, so that an unreachable venue
    is one line within seconds instead of minutes of retry logs from the trading loop."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_SECONDS):
            pass
    except OSError as exc:
        fail(
            f"cannot reach {parts.scheme}://{host}:{port} ({exc.strerror or exc}): is the server running "
            "(`alphaloop sim serve`)? check --base-url and the network"
        )
