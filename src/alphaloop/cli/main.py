"""The `alphaloop` command: a thin typer adapter; each command group lives in its own module."""

from __future__ import annotations

import logging

import typer

from alphaloop import __version__
from alphaloop.cli.ailog import ailog_app
from alphaloop.cli.audit import audit
from alphaloop.cli.backtest import backtest
from alphaloop.cli.console import approvals, approve, dashboard, flatten, veto
from alphaloop.cli.control import halt, resume
from alphaloop.cli.data import data_app
from alphaloop.cli.demo import demo
from alphaloop.cli.errors import OneLineErrors
from alphaloop.cli.model import model_app
from alphaloop.cli.qualify import qualify
from alphaloop.cli.research import research_app
from alphaloop.cli.sim import sim_app
from alphaloop.cli.status import status
from alphaloop.cli.trade import live_command, paper_command, run_command

app = typer.Typer(
    name="alphaloop",
    help="AI trading for crypto perpetual futures: WEEX client, exchange simulator, competition tools.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=OneLineErrors,
)
app.add_typer(sim_app, name="sim")
app.add_typer(data_app, name="data")
app.add_typer(model_app, name="model")
app.add_typer(research_app, name="research")
app.command()(backtest)
app.command()(qualify)
app.command()(demo)
app.command("run")(run_command)
app.command("paper")(paper_command)
app.command("live")(live_command)
app.command()(audit)
app.add_typer(ailog_app, name="ailog")
app.command()(halt)
app.command()(resume)
app.command()(status)
app.command()(flatten)
app.command()(approve)
app.command()(veto)
app.command()(approvals)
app.command()(dashboard)


@app.callback()
def _root(
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, help="-v info logs, -vv debug logs (stderr)"
    ),
) -> None:
    """AI trading for crypto perpetual futures."""
    if verbose:
        level = logging.DEBUG if verbose > 1 else logging.INFO
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command()
def version() -> None:
    """Print the alphaloop version."""
    typer.echo(__version__)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
