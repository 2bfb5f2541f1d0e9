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
