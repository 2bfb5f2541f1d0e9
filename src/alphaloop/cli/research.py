"""`alphaloop research ...`: walk-forward studies searched by Optuna, their report, and the one
lockbox evaluation of the chosen configuration (thin adapter over `alphaloop.research`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from alphaloop.cli.common import console, fail
from alphaloop.model.errors import AlphaloopError

research_app = typer.Typer(
    help="Research studies: walk-forward sweeps (Optuna, local processes or Ray), reports, lockbox.",
    no_args_is_help=True,
)

StorageOption = Annotated[
    str | None,
    typer.Option(
        "--storage",
        help="Study database URL: sqlite:///file.db or postgresql://... (default: sqlite:///studies/NAME.db).",
    ),
]


def _storage(url: str | None, name: str) -> str:
    from alphaloop.research.search import default_storage

    return url or default_storage(name)


@research_app.command("run")
def run_command(
    study_file: Annotated[Path, typer.Argument(help="The study's TOML file.", dir_okay=False)],
    trials: Annotated[int, typer.Option(min=1, help="Trials to add to the study.")] = 20,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Local worker processes (or Ray CPUs).")] = 1,
    ray_address: Annotated[
        str | None,
        typer.Option(
            help='Run trials as Ray tasks: a cluster address ("auto", "ray://host:10001") or "local".'
        ),
    ] = None,
    storage: StorageOption = None,
) -> None:
    """Search the study's space: each trial walks forward with periodic retraining."""
    from alphaloop.research.search import run_search, winner
    from alphaloop.research.spec import load_study_file

    try:
        study = load_study_file(study_file)
        url = _storage(storage, study.study.name)
        started = time.perf_counter()
        handle = run_search(study, url, n_trials=trials, workers=workers, ray_address=ray_address)
        seconds = time.perf_counter() - started
        best = winner(handle)
    except AlphaloopError as error:
        fail(str(error))
    console.print(
        f"study {study.study.name}: {trials} trials in {seconds:.1f} s ({seconds / trials:.2f} s/trial, "
        f"{workers} worker(s)); best trial {best.number}, objective {best.user_attrs['objective']:.3f}"
    )
    console.print(f"storage: {url}")


@research_app.command("report")
def report_command(
    name: Annotated[str, typer.Argument(help="Study name.")],
    storage: StorageOption = None,
    out: Annotated[Path | None, typer.Option(help="Report folder (default: reports/research-NAME).")] = None,
    null_seeds: Annotated[int, typer.Option(min=0, max=200, help="Random-entry null seeds per fold.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print study.json only.")] = False,
) -> None:
    """Write the study report: trials, importance, the winner's folds vs nulls, DSR, PBO, lockbox looks."""
    from alphaloop.research.lockbox import day
    from alphaloop.research.report import study_report, write_report
    from alphaloop.research.search import load_spec
    from alphaloop.research.store import EvaluationStore

    url = _storage(storage, name)
    try:
        handle, study = load_spec(url, name)
        with EvaluationStore(url) as store:
            looks = store.list(name)
        report = study_report(handle, study, looks, null_seeds=null_seeds)
        page = write_report(out or Path("reports") / f"research-{name}", report)
    except AlphaloopError as error:
        fail(str(error))
    if as_json:
        typer.echo(json.dumps(report.data, indent=2))
        return
    _print_summary(report.data, day)
    console.print(f"report: {page}")


def _print_summary(data: dict[str, Any], day: Callable[[int], str]) -> None:
    winner, over = data["winner"], data["overfitting"]
    table = Table(title=f"study {data['study']}: winner trial {winner['trial']}", title_justify="left")
    for column in ("test period", "Sharpe", "return", "max DD", "trades", "long", "short"):
        table.add_column(column, justify="right")
    for f in winner["folds"]:
        table.add_row(
            f"{day(f['test_start_ms'])}..{day(f['test_end_ms'])}",
            f"{f['sharpe']:.2f}",
            f"{f['total_return']:+.2%}",
            f"{f['max_drawdown']:.2%}",
            str(f["trades"]),
            str(f["longs"]),
            str(f["shorts"]),
        )
    console.print(table)
    dsr = (over.get("deflated_sharpe") or {}).get("dsr")
    pbo = (over.get("pbo") or {}).get("pbo")
    console.print(
        f"trials {over['n_trials']} · deflated Sharpe ratio "
        f"{'n/a' if dsr is None else f'{dsr:.3f}'} · PBO {'n/a' if pbo is None else f'{pbo:.2f}'}"
    )


@research_app.command("final")
def final_command(
    name: Annotated[str, typer.Argument(help="Study name.")],
    storage: StorageOption = None,
    trial: Annotated[int | None, typer.Option(help="Trial number (default: the study's winner).")] = None,
    out: Annotated[Path, typer.Option(help="Where the artifact folder goes.")] = Path("models"),
    null_seeds: Annotated[int, typer.Option(min=0, max=200, help="Random-entry null seeds per fold.")] = 10,
) -> None:
    """Evaluate the chosen configuration ONCE on the lockbox (2025-01-01..2025-09-30), record the
    look in the study, and write the shippable artifact with its provenance."""
    from alphaloop.research.final import final_evaluation

    url = _storage(storage, name)
    try:
        result = final_evaluation(url, name, out_dir=out, trial_number=trial, null_seeds=null_seeds)
    except AlphaloopError as error:
        fail(str(error))
    strategy = result.figures["strategy"]
    if result.earlier_looks:
        console.print(
            f"[bold yellow]warning:[/] the lockbox of {name} was already opened {result.earlier_looks} "
            "time(s): these figures are no longer an untouched out-of-sample test"
        )
    console.print(
        f"lockbox, trial {result.trial_number}: return {strategy['total_return']:+.2%}, Sharpe "
        f"{strategy['sharpe']:.2f}, max DD {strategy['max_drawdown']:.2%}, {strategy['trades']} trades "
        f"({strategy['longs']} long / {strategy['shorts']} short)"
    )
    for kind, null in result.figures["nulls"].items():
        console.print(f"  vs {kind}: Sharpe {null['sharpe']:.2f}, p = {null['p_value']:.3f}")
    console.print(f"artifact: {result.artifact}")
