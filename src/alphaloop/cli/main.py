"""The `alphaloop` command: a thin typer adapter; each command group lives in its own module."""

from __future__ import annotations

import typer

from alphaloop import __version__
from alphaloop.cli.demo import demo
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
app.command()(qualify)
app.command()(demo)


@app.command()
def version() -> None:
    """Print the alphaloop version."""
    typer.echo(__version__)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
