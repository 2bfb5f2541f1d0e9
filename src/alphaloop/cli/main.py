"""The `alphaloop` command: a thin typer adapter; each command group lives in its own module."""

from __future__ import annotations

import logging

import typer

from alphaloop import __version__
from alphaloop.cli.backtest import backtest
from alphaloop.cli.data import data_app
from alphaloop.cli.demo import demo
from alphaloop.cli.model import model_app
from alphaloop.cli.qualify import qualify
from alphaloop.cli.sim import sim_app

app = typer.Typer(
    name="alphaloop",
    help="AI trading for crypto perpetual futures: WEEX client, exchange simulator, competition tools.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(sim_app, name="sim")
app.add_typer(data_app, name="data")
app.add_typer(model_app, name="model")
app.command()(backtest)
app.command()(qualify)
app.command()(demo)


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
