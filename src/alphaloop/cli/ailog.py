"""`alphaloop ailog status|flush`: AI-log coverage and backlog, and a manual upload of the backlog."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from alphaloop.cli.audit import DbOption
from alphaloop.cli.common import ConfigOption, checked_url, console, fail, settings_or_exit
from alphaloop.model import AlphaloopError
from alphaloop.ops.ailog import AiLogStatus, ailog_status, build_venue, flush_ai_logs
from alphaloop.ops.audit import iso
from alphaloop.ops.control import open_existing_journal, wall_clock_ms

ailog_app = typer.Typer(help="AI logs: coverage, backlog and manual upload.", no_args_is_help=True)


def render_status(status: AiLogStatus, journal: str) -> Table:
    counts = status.counts
    table = Table(title=f"AI logs in {escape(journal)}", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value", overflow="fold")
    table.add_row("orders sent", str(counts.orders_sent))
    table.add_row("with a stored AI log", f"{counts.orders_with_log} ({counts.coverage_stored:.1%})")
    table.add_row(
        "with an uploaded AI log", f"{counts.orders_with_uploaded_log} ({counts.coverage_uploaded:.1%})"
    )
    table.add_row("AI logs stored", f"{counts.total} (uploaded {counts.uploaded})")
    table.add_row("backlog", f"{status.backlog} (waiting {counts.waiting}, pending {counts.pending})")
    age = status.oldest_backlog_age_s
    table.add_row(
        "oldest in backlog",
        "-" if age is None else f"{age:.0f} s old (stored {iso(status.oldest_backlog_ms)})",
    )
    error = "-" if status.last_error is None else f"AI log {status.last_error_log_id}: {status.last_error}"
    table.add_row("last upload error", escape(error))
    return table


@ailog_app.command("status")
def status_command(
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="print one JSON object and nothing else"),
    config_file: Path | None = ConfigOption,
) -> None:
    """Coverage (orders with a stored / uploaded AI log), backlog, oldest pending log, last error."""
    settings = settings_or_exit(config_file)
    try:
        journal = open_existing_journal(db or settings.journal_url)
    except AlphaloopError as exc:
        fail(str(exc))
    with journal:
        status = ailog_status(journal, now_ms=wall_clock_ms())
        shown_url = journal.url
    if as_json:
        typer.echo(json.dumps(status.to_json() | {"journal": shown_url}, indent=2))
    else:
        console.print(render_status(status, shown_url))


@ailog_app.command("flush")
def flush_command(
    db: str | None = DbOption,
    venue: str | None = typer.Option(
        None, "--venue", help="weex or woox (default: settings `venue`)", show_default=False
    ),
    base_url: str | None = typer.Option(None, "--base-url", help="API host (default: settings)"),
    limit: int = typer.Option(100, "--limit", min=1, help="upload at most this many logs"),
    config_file: Path | None = ConfigOption,
) -> None:
    """Upload the AI logs that are due now; exit 1 if any log remains in the backlog (pending or waiting)."""
    settings = settings_or_exit(config_file)
    try:
        journal = open_existing_journal(db or settings.journal_url, migrate=True)
    except AlphaloopError as exc:
        fail(str(exc))
    with journal:
        before = ailog_status(journal, now_ms=wall_clock_ms())
        if not before.backlog:
            # nothing to send: no venue, so no keys are needed to learn that
            console.print("uploaded 0, failed 0, remaining 0 (the backlog is empty)", highlight=False)
            raise typer.Exit(0)
        try:
            chosen = build_venue(settings, venue, base_url=checked_url(base_url))
        except AlphaloopError as exc:
            fail(str(exc))
        report = asyncio.run(flush_ai_logs(journal, chosen, limit=limit))
        status = ailog_status(journal, now_ms=wall_clock_ms())
    console.print(
        f"uploaded {report.uploaded}, failed {report.failed}, remaining {report.remaining}", highlight=False
    )
    if status.last_error is not None and report.failed:
        console.print(
            f"last error (AI log {status.last_error_log_id}): {escape(status.last_error)}", highlight=False
        )
    waiting = status.counts.waiting
    if waiting:
        console.print(
            f"{waiting} more log(s) wait for their order's outcome: the trader binds them to the "
            "order id (or releases them) before they can be uploaded",
            highlight=False,
        )
    raise typer.Exit(1 if report.remaining or waiting else 0)
