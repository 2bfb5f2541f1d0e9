"""Helpers shared by CLI command modules: settings loading and error exits."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

from alphaloop.config import Settings, load_settings
from alphaloop.model import ConfigurationError

console = Console()
error_console = Console(stderr=True)

ConfigOption = typer.Option(
    None, "--config", help="alphaloop.toml to read (default: ./alphaloop.toml if present)", dir_okay=False
)


def fail(message: str, *, code: int = 2) -> NoReturn:
    error_console.print(f"[bold red]alphaloop:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def settings_or_exit(config_file: Path | None, **overrides: Any) -> Settings:
    """Load settings; an invalid configuration stops with one line per problem (exit 2)."""
    try:
        return load_settings(config_file, **overrides)
    except ConfigurationError as exc:
        fail(str(exc))


WeexApiOption = typer.Option(
    None, "--weex-api", help="WEEX contract API version: v2 or v3 (default: settings `weex.api`)"
)


def with_weex_api(settings: Settings, weex_api: str | None) -> Settings:
    """`settings` with `--weex-api` applied; anything but v2/v3 is one line and exit 2."""
    if weex_api is None:
        return settings
    if weex_api not in ("v2", "v3"):
        fail(f"--weex-api must be v2 or v3, not {weex_api!r}")
    return settings.model_copy(update={"weex": settings.weex.model_copy(update={"api": weex_api})})
