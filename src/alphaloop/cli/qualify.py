"""`alphaloop qualify`: the competition's API-test checklist with a readable verdict."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer
from rich.table import Table

from alphaloop.cli.common import (
    ConfigOption,
    WeexApiOption,
    checked_url,
    console,
    fail,
    settings_or_exit,
    with_weex_api,
)
from alphaloop.model import ConfigurationError, to_unified_symbol
from alphaloop.ops.qualify import QualifyReport, run_weex_qualify, run_woox_qualify

_STYLE = {"passed": "[green]✓ passed[/]", "failed": "[red]✗ failed[/]", "skipped": "[yellow]– skipped[/]"}


def render(report: QualifyReport) -> Table:
    table = Table(title=f"API-test checklist against {report.base_url}", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("step")
    table.add_column("request", overflow="fold", max_width=28)
    table.add_column("HTTP", justify="right")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    table.add_column("latency", justify="right")
    for step in report.steps:
        table.add_row(
            str(step.number),
            step.name,
            step.request.replace("/capi/v2/", "").replace("/capi/v3/", "").replace("/v3/", ""),
            "" if step.http_status is None else str(step.http_status),
            _STYLE[step.outcome],
            step.detail,
            "" if step.latency_ms is None else f"{step.latency_ms:.0f} ms",
        )
    return table


def qualify(
    base_url: str = typer.Option(
        None, "--base-url", help="API host of the venue (default: settings, i.e. production)"
    ),
    venue: str = typer.Option(
        None, "--venue", help="weex or woox (default: settings `venue`, i.e. weex)", show_default=False
    ),
    weex_api: str | None = WeexApiOption,
    symbol: str = typer.Option("cmt_btcusdt", "--symbol", help="contract for the ticker/order steps"),
    leverage: int = typer.Option(1, "--leverage", min=1, max=20, help="leverage to set in the leverage step"),
    cleanup: bool = typer.Option(True, "--cleanup/--no-cleanup", help="close what the test order opened"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object and nothing else"),
    config_file: Path | None = ConfigOption,
) -> None:
    """Run the competition's API-test checklist (server time ... fills); exit 0 only if all pass."""
    url = checked_url(base_url)
    settings = settings_or_exit(config_file)
    chosen = (venue or settings.venue).lower()
    if chosen not in ("weex", "woox"):
        fail(f"--venue must be weex or woox, not {venue!r}")
    settings = with_weex_api(settings, weex_api, chosen)
    try:
        unified = to_unified_symbol(symbol)
        if chosen == "woox":
            checklist = run_woox_qualify(
                settings,
                settings.woox_credentials(),
                base_url=url,
                symbol=unified,
                leverage=leverage,
                cleanup=cleanup,
            )
        else:
            checklist = run_weex_qualify(
                settings,
                settings.weex_credentials(),
                base_url=url,
                symbol=unified,
                leverage=leverage,
                cleanup=cleanup,
            )
        report = asyncio.run(checklist)
    except ConfigurationError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        console.print(render(report))
        skipped = [s for s in report.steps if s.outcome == "skipped"]
        if skipped:
            names = ", ".join(s.name for s in skipped)
            console.print(f"[yellow]skipped:[/] {names} ({skipped[0].detail})")
        verdict = "[bold green]PASSED[/]" if report.passed else "[bold red]NOT PASSED[/]"
        passed = sum(s.passed for s in report.steps)
        console.print(f"{verdict}: {passed}/{len(report.steps)} steps passed")
    raise typer.Exit(0 if report.passed else 1)
