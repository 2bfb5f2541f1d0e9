"""`alphaloop status`: a trader's state from its journal (thin adapter over `ops.status`)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from alphaloop.cli.audit import DbOption
from alphaloop.cli.common import ConfigOption, console, fail, settings_or_exit
from alphaloop.model import AlphaloopError
from alphaloop.ops.audit import iso
from alphaloop.ops.control import open_existing_journal, wall_clock_ms
from alphaloop.ops.status import TraderStatus, trader_status


def render(status: TraderStatus) -> Table:
    table = Table(title=f"trader status ({escape(status.journal)})", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value", overflow="fold")
    if status.run_id is None:
        table.add_row("runs", "none yet: start one with `alphaloop paper` or `alphaloop run`")
        return table
    if status.ended_ms is None:
        pid = status.running_pid
        running = f"running (pid {pid})" if pid else "not running (no end recorded)"
    else:
        running = f"stopped at {iso(status.ended_ms)}: {escape(status.end_reason or '-')}"
    table.add_row("latest run", f"{status.run_id} ({status.mode} on {status.venue}, {status.timeframe})")
    table.add_row("process", running)
    table.add_row("model", escape(status.model or "-"))
    table.add_row("started", iso(status.started_ms))
    for state in status.states:
        table.add_row(f"state {escape(state['account'])}", f"{state['state']} since {iso(state['since_ms'])}")
    last_bar = iso(status.last_decision_bar_ms) if status.last_decision_bar_ms else "-"
    errors = f"{status.model_errors:,} model errors"
    table.add_row("decisions", f"{status.cycles:,} (last bar {last_bar}; {errors})")
    equity = "-" if status.equity is None else f"{status.equity:,.2f} USDT at {iso(status.equity_at_ms)}"
    table.add_row("equity", equity)
    held = status.positions
    positions = ", ".join(f"{p['symbol']} {p['side']} {p['size']} @ {p['entry_price']}" for p in held)
    table.add_row("open positions", positions or "none")
    table.add_row("orders in doubt", str(status.orders_in_doubt))
    table.add_row("AI-log backlog", str(status.ai_log_backlog))
    return table


def status(
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="print one JSON object and nothing else"),
    config_file: Path | None = ConfigOption,
) -> None:
    """A trader's state from its journal: latest run, running or not, trading state, last decision,
    equity, open positions, orders in doubt and the AI-log backlog (no venue call, no keys)."""
    settings = settings_or_exit(config_file)
    url = db or settings.journal_url
    try:
        journal = open_existing_journal(url)
    except AlphaloopError as exc:
        fail(str(exc))
    with journal:
        found = trader_status(journal, url, now_ms=wall_clock_ms())
    if as_json:
        typer.echo(json.dumps(found.to_json(), indent=2, default=str))
    else:
        console.print(render(found))
