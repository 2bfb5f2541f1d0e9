"""`alphaloop audit`: the journal checked against the competition's rules (exit 1 on any violation)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from alphaloop.cli.common import ConfigOption, console, fail, settings_or_exit
from alphaloop.model import AlphaloopError
from alphaloop.ops.audit import AuditReport, audit_engine, iso, parse_since
from alphaloop.ops.control import open_existing_journal, root_cause

DbOption = typer.Option(
    None, "--db", help="journal: a SQLite path or SQLAlchemy URL (default: settings journal_url)"
)
#: violations listed per check before "... and N more" (--json always has all of them)
SHOWN_PER_CHECK = 10


def render_checks(report: AuditReport) -> Table:
    table = Table(title="Competition rules", title_justify="left")
    table.add_column("check")
    table.add_column("measured", overflow="fold")
    table.add_column("limit")
    table.add_column("result")
    for check in report.checks:
        verdict = "[green]✓ ok[/]" if check.passed else f"[red]✗ {len(check.violations)} violation(s)[/]"
        table.add_row(escape(check.title), escape(check.measured), escape(check.limit), verdict)
    return table


def print_report(report: AuditReport) -> None:
    run = report.latest_run
    console.print(f"[bold]Audit of[/] {escape(report.journal)}", highlight=False)
    if run is None:
        console.print("runs: none recorded")
    else:
        console.print(
            escape(
                f"runs: {report.runs}; latest {run.id} ({run.mode} on {run.venue}, model {run.model}, "
                f"started {iso(run.started_ms)})"
            ),
            highlight=False,
        )
    scope = f"since {iso(report.since_ms)}" if report.since_ms is not None else "whole journal"
    console.print(
        f"scope: {scope}; orders sent: {report.orders_sent}; fills: {report.fills}", highlight=False
    )
    console.print(render_checks(report))
    for check in report.checks:
        if check.passed:
            continue
        console.print(f"[bold red]✗ {check.name}[/] ({check.title}):")
        for violation in check.violations[:SHOWN_PER_CHECK]:
            rows = _shorten(violation.client_oids)
            times = _shorten([iso(t) for t in violation.times_ms], keep=2)
            detail = "; ".join(part for part in (rows, times) if part)
            line = violation.message + (f" [{detail}]" if detail else "")
            console.print(f"  - {escape(line)}", highlight=False)
        hidden = len(check.violations) - SHOWN_PER_CHECK
        if hidden > 0:
            console.print(f"  ... and {hidden} more (see --json)")
    _print_info(report)
    if report.passed:
        console.print(f"[bold green]PASSED[/]: {len(report.checks)}/{len(report.checks)} checks clean")
    else:
        failed = sum(not check.passed for check in report.checks)
        console.print(
            f"[bold red]VIOLATIONS[/]: {failed} of {len(report.checks)} checks failed "
            f"({report.violations} violation(s))"
        )


def _shorten(items: Sequence[str], *, keep: int = 12) -> str:
    """A long list (a burst of calls) as its first items and a count."""
    if len(items) <= keep:
        return ", ".join(items)
    return ", ".join(items[:keep]) + f" ... ({len(items)} in all)"


def _print_info(report: AuditReport) -> None:
    if report.denials_by_rule:
        denials = ", ".join(f"{rule} {count}" for rule, count in report.denials_by_rule.items())
        console.print(f"risk denials by rule: {escape(denials)}", highlight=False)
    else:
        console.print("risk denials: none")
    if report.state_events:
        events = Table(title="Kill switch, halt and resume", title_justify="left")
        for column in ("time", "kind", "message"):
            events.add_column(column, overflow="fold")
        for event in report.state_events:
            events.add_row(iso(event.at_ms), event.kind, escape(event.message))
        console.print(events)
    if report.states:
        for state in report.states:
            console.print(
                f"trading state of {escape(state.account)}: [bold]{escape(state.state)}[/] "
                f"since {iso(state.since_ms)} ({escape(state.reason)})",
                highlight=False,
            )
    else:
        console.print("trading state: none recorded")


def audit(
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="print one JSON object and nothing else"),
    since: str | None = typer.Option(
        None, "--since", help="audit only from this ISO date/time on (UTC unless an offset is given)"
    ),
    config_file: Path | None = ConfigOption,
    venue: str | None = typer.Option(
        None,
        "--venue",
        help="also hold the journal against this venue's account (weex or woox): orders and fills",
    ),
    base_url: str | None = typer.Option(
        None,
        "--base-url",
        help="with --venue: the API host (e.g. `alphaloop sim serve`; default: configured)",
    ),
) -> None:
    """Check the journal against the competition rules and our limits; exit 1 on any violation."""
    settings = settings_or_exit(config_file)
    url = db or settings.journal_url
    try:
        since_ms = parse_since(since) if since else None
        journal = open_existing_journal(url)
    except AlphaloopError as exc:
        fail(str(exc))
    try:
        with journal:
            report = audit_engine(journal.engine, journal=journal.url, since_ms=since_ms)
            if venue is not None:
                from alphaloop.ops.audit_venue import audit_with_venue
                from alphaloop.ops.sessions import account_venue

                client, _ = account_venue(settings, venue, base_url)
                report = asyncio.run(audit_with_venue(report, journal.engine, client))
    except AlphaloopError as exc:
        fail(f"cannot read the venue's side: {exc}")
    except SQLAlchemyError as exc:
        fail(f"cannot read the journal {journal.url}: {root_cause(exc)}")
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        print_report(report)
    raise typer.Exit(0 if report.passed else 1)
