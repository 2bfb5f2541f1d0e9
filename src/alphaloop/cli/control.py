"""`alphaloop halt` and `alphaloop resume`: steer a running trader through its journal's trading state."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from alphaloop.cli.audit import DbOption
from alphaloop.cli.common import ConfigOption, console, fail, settings_or_exit
from alphaloop.model import AlphaloopError
from alphaloop.ops.audit import iso
from alphaloop.ops.control import ControlResult, open_existing_journal, wall_clock_ms
from alphaloop.ops.control import halt as halt_journal
from alphaloop.ops.control import resume as resume_journal

_STYLE = {"active": "[green]active[/]", "reducing": "[yellow]reducing[/]", "halted": "[red]halted[/]"}


def render_states(result: ControlResult) -> Table:
    table = Table(title="Trading state", title_justify="left")
    for column in ("account", "state", "since", "reason"):
        table.add_column(column, overflow="fold")
    for row in result.after:
        table.add_row(
            escape(row.account),
            _STYLE.get(row.state, escape(row.state)),
            iso(row.since_ms),
            escape(row.reason),
        )
    return table


def _apply(action: str, db: str | None, reason: str, config_file: Path | None) -> ControlResult:
    settings = settings_or_exit(config_file)
    try:
        journal = open_existing_journal(db or settings.journal_url, migrate=True)
    except AlphaloopError as exc:
        fail(str(exc))
    with journal:
        try:
            apply = halt_journal if action == "halt" else resume_journal
            return apply(journal, reason=reason, now_ms=wall_clock_ms())
        except AlphaloopError as exc:
            fail(str(exc))


def halt(
    reason: str = typer.Option(..., "--reason", help="why trading stops (journaled with the halt)"),
    db: str | None = DbOption,
    config_file: Path | None = ConfigOption,
) -> None:
    """Halt trading: a running trader denies every order from its next cycle on, until `resume`."""
    result = _apply("halt", db, reason, config_file)
    console.print(render_states(result))
    console.print("[bold red]HALTED[/]: a running trader stops trading at its next cycle")


def resume(
    db: str | None = DbOption,
    reason: str = typer.Option("resumed by operator", "--reason", help="why trading resumes"),
    config_file: Path | None = ConfigOption,
) -> None:
    """Resume trading after a halt or a kill-switch reduction (sets the state back to active)."""
    result = _apply("resume", db, reason, config_file)
    console.print(render_states(result))
    if result.changed:
        console.print("[bold green]ACTIVE[/]: a running trader trades again from its next cycle")
    else:
        console.print("already active: nothing to resume")
