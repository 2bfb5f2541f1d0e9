"""`alphaloop backtest`: run a strategy on stored data beside buy-and-hold and random entries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from alphaloop.cli.common import (
    LEVERAGE_HELP,
    ConfigOption,
    console,
    error_console,
    fail,
    leverage_or_exit,
    out_folder_or_exit,
    settings_or_exit,
    symbol_list,
)
from alphaloop.model.errors import AlphaloopError

_STAGES = {
    "load": "loading bars",
    "simulate": "simulating",
    "baselines": "baselines",
    "report": "writing report",
}


def backtest(
    symbols: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated symbols (BTCUSDT, cmt_btcusdt, BTC/USDT:USDT...); default: "
            "[competition] symbols of alphaloop.toml (the 8 pairs)."
        ),
    ] = None,
    timeframe: Annotated[str, typer.Option("--timeframe", "-t", help="Bar timeframe.")] = "1h",
    start: Annotated[
        str | None, typer.Option(help="First bar, YYYY-MM-DD UTC (default: data start).")
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="End, exclusive, YYYY-MM-DD UTC (default: data end).")
    ] = None,
    strategy: Annotated[str, typer.Option("--strategy", "-s", help="sma, hold, random, ml or llm.")] = "sma",
    leverage: Annotated[int, typer.Option(help=LEVERAGE_HELP)] = 1,
    equity: Annotated[float, typer.Option(help="Starting equity, USDT.")] = 10_000.0,
    sizing: Annotated[str, typer.Option(help="risk (stop-based), slot (equal notional) or units.")] = "risk",
    risk: Annotated[float, typer.Option(help="Equity fraction risked per trade (sizing=risk).")] = 0.01,
    units: Annotated[float, typer.Option(help="Base units per trade (sizing=units).")] = 1.0,
    slippage_bps: Annotated[float, typer.Option(help="Adverse slippage per taker fill, basis points.")] = 0.0,
    funding: Annotated[bool, typer.Option("--funding/--no-funding", help="Settle funding rates.")] = True,
    exact: Annotated[
        bool, typer.Option("--exact", help="Replay every bar through the simulator core (slow, reference).")
    ] = False,
    seeds: Annotated[int, typer.Option(min=0, help="Random-entry baseline seeds (0: no baseline).")] = 20,
    allow_in_sample: Annotated[
        bool,
        typer.Option(
            "--allow-in-sample", help="Test a model on (part of) its training range; labelled IN-SAMPLE."
        ),
    ] = False,
    no_risk: Annotated[
        bool,
        typer.Option("--no-risk", help="Research only: skip the trader's risk gate (labelled NO RISK GATE)."),
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of --strategy random.")] = 0,
    model: Annotated[Path | None, typer.Option(help="ML artifact (default: the latest trained).")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Report folder (default: reports/backtest-NAME-TIME).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary JSON only.")] = False,
    llm_base_url: Annotated[str | None, typer.Option(help="LLM: OpenAI-compatible base URL.")] = None,
    llm_model: Annotated[str | None, typer.Option(help="LLM: model id.")] = None,
    llm_mode: Annotated[str, typer.Option(help="LLM: live, record or replay (cassettes).")] = "live",
    llm_cassettes: Annotated[Path | None, typer.Option(help="LLM: cassette folder.")] = None,
    llm_hybrid: Annotated[
        bool,
        typer.Option("--llm-hybrid", help="LLM: the ML model decides first, the LLM makes the final call."),
    ] = False,
    config_file: Path | None = ConfigOption,
) -> None:
    """Backtest a strategy with perp accounting (fees, funding, margin, liquidation) and report it
    beside buy-and-hold and the random-entry baseline."""
    from alphaloop.backtest.runner import BacktestConfig
    from alphaloop.decision.registry import StrategyOptions, build_strategy
    from alphaloop.engine.sizing import SizingPolicy
    from alphaloop.ops.backtest import BacktestRequest, default_report_dir, parse_day, run_backtest_report

    settings = settings_or_exit(config_file)
    chosen = list(symbol_list(None if symbols is None or symbols.strip().lower() == "all" else symbols,
                              tuple(settings.competition.symbols)))  # fmt: skip
    leverage = leverage_or_exit(leverage, settings)
    if out is not None:
        out_folder_or_exit(out, "report")
    try:
        config = BacktestConfig(
            initial_equity=equity,
            leverage=leverage,
            sizing=SizingPolicy(mode=sizing, risk_fraction=risk, units=units),  # type: ignore[arg-type]
            slippage=slippage_bps / 10_000,
            funding=funding,
            exact=exact,
            risk_gate=not no_risk,
        )
        if strategy == "llm":
            from alphaloop.cli.llm_options import build_cli_llm_agent

            decision_model = build_cli_llm_agent(
                llm_base_url, llm_model, llm_mode, llm_cassettes, model, hybrid=llm_hybrid,
                symbols=tuple(chosen),
            )  # fmt: skip
        else:
            if strategy == "ml":  # only a model trained on these bars, pairs and features
                from alphaloop.decision.ml import models_dir
                from alphaloop.ops.model_fit import pick_artifact

                model = pick_artifact(model, models_dir(), timeframe, tuple(chosen))
            decision_model = build_strategy(strategy, StrategyOptions(seed=seed, model_path=model))
        request = BacktestRequest(
            symbols=chosen,
            timeframe=timeframe,
            start_ms=parse_day(start) if start else None,
            end_ms=parse_day(end) if end else None,
            config=config,
            seeds=seeds,
            out_dir=out or default_report_dir(strategy),
            data_dir=settings.data_dir,
            allow_in_sample=allow_in_sample,
        )
        with Progress(
            TextColumn("{task.description:<16}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=error_console,
            transient=as_json,
            disable=as_json or not error_console.is_terminal,
        ) as bar:
            tasks: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = int(bar.add_task(_STAGES.get(stage, stage), total=total))
                bar.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

            outcome = run_backtest_report(request, decision_model, progress=progress)
    except (AlphaloopError, ValueError) as error:
        fail(str(error))
    for warning in outcome.warnings:
        error_console.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    if as_json:
        typer.echo(json.dumps(outcome.summary, indent=2))
        return
    from alphaloop.backtest.summary import render_summary_table

    console.print(render_summary_table(outcome.summary))
    if outcome.skipped_entries:
        skipped = ", ".join(f"{reason}: {count}" for reason, count in outcome.skipped_entries.items())
        console.print(f"entries not taken: {skipped}")
    if outcome.report is not None:
        console.print(f"report: {outcome.report}")
