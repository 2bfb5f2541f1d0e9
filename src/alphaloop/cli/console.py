"""`alphaloop dashboard`, `approve`, `veto`, `approvals` and `flatten`: the operator console."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from alphaloop.cli.audit import DbOption
from alphaloop.cli.common import ConfigOption, console, fail, settings_or_exit
from alphaloop.config import Settings
from alphaloop.journal import Journal
from alphaloop.model import AlphaloopError
from alphaloop.ops import console as ops
from alphaloop.ops.audit import iso
from alphaloop.ops.control import open_existing_journal, wall_clock_ms


def _journal(db: str | None, config_file: Path | None) -> Journal:
    settings = settings_or_exit(config_file)
    try:
        return open_existing_journal(db or settings.journal_url, migrate=True)
    except AlphaloopError as exc:
        fail(str(exc))


def approvals(
    all_: Annotated[bool, typer.Option("--all", help="Decided ones too, not only those waiting.")] = False,
    db: str | None = DbOption,
    config_file: Path | None = ConfigOption,
) -> None:
    """List the orders waiting for a human (semi-automatic mode)."""
    with _journal(db, config_file) as journal:
        rows = ops.approvals(journal, status=None if all_ else "pending")
    table = Table(title="Approvals", title_justify="left")
    for column in ("id", "status", "order", "created", "expires", "decided"):
        table.add_column(column, overflow="fold")
    for row in rows:
        decided = f"{row.decided_by} {iso(row.decided_ms)}" if row.decided_by else ""
        table.add_row(
            row.client_oid,
            row.status,
            escape(row.summary),
            iso(row.created_ms),
            iso(row.expires_wall_ms if row.expires_wall_ms is not None else row.expires_ms),
            escape(decided),
        )
    console.print(table if rows else "nothing waits for approval")


def approve(
    order_id: Annotated[str, typer.Argument(help="The id shown by `alphaloop approvals` (its client_oid).")],
    by: Annotated[str, typer.Option(help="Who approves (journaled).")] = "cli",
    db: str | None = DbOption,
    config_file: Path | None = ConfigOption,
) -> None:
    """Approve an order waiting for a human: the trader re-gates it and sends it."""
    with _journal(db, config_file) as journal:
        try:
            row = ops.approve(journal, order_id, by=by, now_ms=wall_clock_ms())
        except AlphaloopError as exc:
            fail(str(exc))
    console.print(
        f"approved {row.client_oid}: {escape(row.summary)} (re-gated and sent at the trader's next pass)"
    )


def veto(
    order_id: Annotated[str, typer.Argument(help="The id shown by `alphaloop approvals` (its client_oid).")],
    reason: Annotated[str, typer.Option(help="Why (journaled).")] = "vetoed by operator",
    by: Annotated[str, typer.Option(help="Who vetoes (journaled).")] = "cli",
    db: str | None = DbOption,
    config_file: Path | None = ConfigOption,
) -> None:
    """Veto an order waiting for a human: it is never sent."""
    with _journal(db, config_file) as journal:
        try:
            row = ops.veto(journal, order_id, by=by, reason=reason, now_ms=wall_clock_ms())
        except AlphaloopError as exc:
            fail(str(exc))
    console.print(f"vetoed {row.client_oid}: never sent")


def flatten(
    reason: Annotated[str, typer.Option(help="Why (journaled).")] = "flatten by operator",
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for the trader to carry it out (0: don't).")
    ] = 0.0,
    by: Annotated[str, typer.Option(help="Who asks (journaled).")] = "cli",
    db: str | None = DbOption,
    config_file: Path | None = ConfigOption,
) -> None:
    """Halt, then close every position and cancel every order (each close with its AI log).

    The running trader carries it out within one upkeep pass (`--maintain`); a stopped one at its
    next start. Exit 1 when --wait runs out first or the flatten failed."""
    with _journal(db, config_file) as journal:
        number = ops.flatten(journal, reason=reason, by=by, now_ms=wall_clock_ms())
        console.print(f"[bold red]HALTED[/]; flatten request {number} stored for the trader")
        if wait <= 0:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            request = ops.request(journal, number)
            if request is not None and request.status != "pending":
                console.print(f"flatten {request.status}: {escape(request.outcome or '')}")
                if request.status != "done":
                    raise typer.Exit(1)
                return
            time.sleep(0.2)
    console.print("the trader has not carried it out yet (is it running?)")
    raise typer.Exit(1)


def dashboard(
    host: Annotated[
        str, typer.Option(help="Address to bind (loopback unless you set a token).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8765,
    db: str | None = DbOption,
    config_file: Path | None = ConfigOption,
) -> None:
    """Serve the operator dashboard over a journal (token from ALPHALOOP_DASHBOARD_TOKEN, or printed)."""
    settings = settings_or_exit(config_file)
    serve_dashboard(db or settings.journal_url, host=host, port=port)


def serve_dashboard(url: str, *, host: str, port: int) -> None:
    """Serve the dashboard over the journal at `url` in the foreground, until interrupted."""
    from alphaloop.web import listen, resolve_token, serve

    try:
        token, generated = resolve_token(host)
        open_existing_journal(url, migrate=True).close()
        sock = listen(host, port)
    except AlphaloopError as exc:
        fail(str(exc))
    announce_dashboard(host, port, token if generated else None)
    serve(url, token, host=host, port=port, sock=sock)


def announce_dashboard(host: str, port: int, generated_token: str | None) -> None:
    """Print where the dashboard is; a generated token is printed this once, never logged."""
    shown = f"[{host}]" if ":" in host else host
    if generated_token is not None:
        console.print(
            f"dashboard: http://{shown}:{port}/?token={generated_token}  (token generated for this run)"
        )
    else:
        console.print(f"dashboard: http://{shown}:{port}/  (token from ALPHALOOP_DASHBOARD_TOKEN)")


def with_approval(options: Any, approval: str | None, settings: Settings) -> Any:
    """The trading options with the semi-automatic mode of `--approval` or `[trading] approval`."""
    from alphaloop.engine.approval import APPROVAL_MODES

    mode = approval or settings.trading.approval
    if mode not in APPROVAL_MODES:
        fail(f"--approval {mode!r}: one of {', '.join(APPROVAL_MODES)}")
    return replace(options, approval=mode, approval_expiry_s=settings.trading.approval_expiry_seconds)


@contextmanager
def console_services(settings: Settings, journal_url: str, *, dashboard: bool, port: int) -> Iterator[None]:
    """Beside a trading session: the dashboard (`--dashboard`) and alerts (`[alerts] urls` or
    ALPHALOOP_ALERT_URLS), each in its own thread, stopped when the session ends."""
    from alphaloop.alerts import AlertService, alert_urls

    urls = alert_urls(settings.alerts.urls)
    if not dashboard and not urls:
        yield
        return
    stops: list[Callable[[], None]] = []
    try:
        try:
            Journal.open(journal_url).close()  # created and migrated before anyone reads it
            if urls:
                service = AlertService.from_urls(
                    journal_url,
                    urls,
                    dedup_seconds=settings.alerts.dedup_seconds,
                    max_per_minute=settings.alerts.max_per_minute,
                    venue_error_burst=settings.alerts.venue_error_burst,
                ).start()
                stops.append(service.stop)
                console.print(f"alerts: {len(urls)} notification URL(s)")
            if dashboard:
                from alphaloop.web import DashboardThread, resolve_token

                host = "127.0.0.1"
                token, generated = resolve_token(host)
                stops.append(DashboardThread(journal_url, token, host=host, port=port).start().stop)
                announce_dashboard(host, port, token if generated else None)
        except (AlphaloopError, ValueError) as exc:
            fail(str(exc))
        yield
    finally:
        for stop in reversed(stops):
            stop()
