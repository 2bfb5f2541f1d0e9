"""`alphaloop sim ...`: the local exchange simulator (filled in by the simulator work)."""

from __future__ import annotations

import typer

sim_app = typer.Typer(help="Local exchange simulator that answers like WEEX.", no_args_is_help=True)
