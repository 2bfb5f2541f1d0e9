"""`alphaloop run` (the embedded default), `alphaloop paper` and `alphaloop live`: thin adapters."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from alphaloop.cli.common import (
    LEVERAGE_HELP,
    ConfigOption,
    WeexApiOption,
    checked_url,
    console,
    error_console,
    fail,
    leverage_or_exit,
    out_folder_or_exit,
    reachable_or_exit,
    settings_or_exit,
    symbol_list,
    with_weex_api,
)
from alphaloop.cli.console import console_services, serve_dashboard, with_approval
from alphaloop.config import Settings
from alphaloop.model import COMPETITION_SYMBOLS, TIMEFRAME_MS, AlphaloopError, ConfigurationError, ModelError

StrategyOpt = Annotated[str, typer.Option(help="Decision model: ml (default), llm, sma, hold, random.")]
#: the embedded default's entry threshold (see `alphaloop run --help`)
RUN_ENTRY_THRESHOLD = 0.56
ThresholdOpt = Annotated[
    float | None,
    typer.Option(
        help="--strategy ml: p(up) that opens a long, 1 - it a short (default: learnt in training)."
    ),
]
ModelOpt = Annotated[Path | None, typer.Option("--model", help="ML artifact folder (default: the latest).")]
TimeframeOpt = Annotated[str, typer.Option(help="Bar timeframe of the decision cycle.")]
LeverageOpt = Annotated[int, typer.Option(help=LEVERAGE_HELP)]
DbOpt = Annotated[str | None, typer.Option("--db", help="Journal: SQLite path or SQLAlchemy URL.")]
LlmUrlOpt = Annotated[str | None, typer.Option(help="--strategy llm: OpenAI-compatible base URL.")]
LlmModelOpt = Annotated[str | None, typer.Option(help="--strategy llm: the provider's model id.")]
LlmHybridOpt = Annotated[
    bool,
    typer.Option("--llm-hybrid", help="--strategy llm: the ML model's signal in the prompt, and fallback."),
]
ApprovalOpt = Annotated[
    str | None,
    typer.Option(
        "--approval",
        help="auto (default; [trading] approval): the gate decides; entries: a human approves entries; "
        "manual: a human approves entries and exits (`alphaloop approve|veto ID` or the dashboard).",
    ),
]
DashboardOpt = Annotated[
    bool, typer.Option("--dashboard", help="Serve the operator dashboard from this process (127.0.0.1).")
]
DashboardPortOpt = Annotated[int, typer.Option(min=1, max=65535, help="--dashboard: its port.")]
SymbolsOpt = Annotated[
    str | None, typer.Option(help="Comma-separated symbols (default: the competition's 8).")
]


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": record.getMessage(),
            }
        )


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is now: a handler bound to the stream of the moment outlives
    it when commands run in one process (typer's test runner swaps the streams per command)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(as_json: bool, level: str = "INFO") -> None:
    handler = _CurrentStderr(sys.stderr)
    handler.setFormatter(
        _JsonFormatter() if as_json else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger("alphaloop")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def _symbols(text: str | None, settings: Settings) -> tuple[str, ...]:
    return symbol_list(text, tuple(settings.competition.symbols) or COMPETITION_SYMBOLS)


def _options(
    settings: Settings,
    *,
    strategy: str,
    model: Path | None,
    symbols: str | None,
    timeframe: str,
    leverage: int,
    seed: int = 0,
    entry_rate: float = 0.01,
    hold_bars: int = 24,
    entry_threshold: float | None = None,
) -> Any:
    from alphaloop.ops.trading import TradingOptions

    if timeframe not in TIMEFRAME_MS:
        fail(f"unknown timeframe {timeframe!r}: one of {', '.join(TIMEFRAME_MS)}")
    return TradingOptions(
        strategy=strategy,
        model_path=model,
        symbols=_symbols(symbols, settings),
        timeframe=timeframe,
        leverage=leverage_or_exit(leverage, settings),
        limits=settings.risk,
        explanation_max_chars=settings.competition.ai_log_max_chars,
        seed=seed,
        entry_rate=entry_rate,
        hold_bars=hold_bars,
        entry_threshold=entry_threshold,
    )


def _llm_model(
    strategy: str,
    base_url: str | None,
    model_id: str | None,
    hybrid: bool,
    ml_model: Path | None,
    options: Any,
) -> Any:
    """The LLM agent for `--strategy llm` (None: the registry builds the other strategies)."""
    if strategy != "llm":
        return None
    from alphaloop.cli.llm_options import build_cli_llm_agent

    return build_cli_llm_agent(
        base_url, model_id, "live", None, ml_model, hybrid=hybrid, symbols=tuple(options.symbols)
    )


# ---------------------------------------------------------------------- alphaloop run


@contextlib.contextmanager
def _ctrl_c_sets(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C asks the replay to stop after its cycle (report and lock handled); a second
    one interrupts at once."""

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_command(
    days: Annotated[int, typer.Option(min=1, help="Replay the last N days of the data.")] = 30,
    strategy: StrategyOpt = "ml",
    model: ModelOpt = None,
    entry_threshold: Annotated[
        float | None,
        typer.Option(
            help="--strategy ml: p(up) that opens a long, 1 - it a short. The demo trades at 0.56: the "
            "thresholds learnt in training rarely fire in a single month."
        ),
    ] = RUN_ENTRY_THRESHOLD,
    symbols: SymbolsOpt = None,
    timeframe: TimeframeOpt = "1h",
    leverage: LeverageOpt = 5,
    balance: Annotated[
        float, typer.Option(min=1, help="Starting USDT balance of the simulated account.")
    ] = 1000.0,
    out: Annotated[Path | None, typer.Option(help="Report folder (default: reports/run-<time>).")] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data", help="Candle folder (default: ALPHALOOP_DATA_DIR).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    allow_in_sample: Annotated[
        bool,
        typer.Option("--allow-in-sample", help="Replay bars the model was trained on; labelled IN-SAMPLE."),
    ] = False,
    dashboard: Annotated[
        bool,
        typer.Option("--dashboard", help="Then serve the dashboard over the run's journal (Ctrl-C ends)."),
    ] = False,
    dashboard_port: DashboardPortOpt = 8765,
    config_file: Path | None = ConfigOption,
) -> None:
    """The embedded default, offline: the offline AI model trades a replayed period on the in-process
    simulator through the full path (risk gate, journal, orders, AI-log uploads), then reports."""
    from alphaloop.ops.embedded import EmbeddedRequest, RunInterruptedError, prepare_embedded, run_and_report

    configure_logging(False, "WARNING")
    settings = settings_or_exit(config_file, **({"data_dir": data_dir} if data_dir else {}))
    options = _options(
        settings,
        strategy=strategy,
        model=model,
        symbols=symbols,
        timeframe=timeframe,
        leverage=leverage,
        entry_threshold=entry_threshold,
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = out or Path("reports") / f"run-{stamp}"
    if out is not None:
        out_folder_or_exit(out, "report")
    request = EmbeddedRequest(
        options=options,
        days=days,
        balance=Decimal(repr(balance)),
        report_dir=folder,
        allow_in_sample=allow_in_sample,
    )
    try:
        prepared = prepare_embedded(request, settings, say=lambda text: error_console.print(text))
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=error_console,
            transient=True,
            disable=as_json or not error_console.is_terminal,
        ) as bar:
            task = bar.add_task("trading the replay", total=len(prepared.closes))
            total, done = len(prepared.closes), [0]

            def advance(report: Any) -> None:
                bar.advance(task)
                done[0] += 1
                # no bar without a terminal: a line per tenth, so a long --days run is visibly alive
                if bar.disable and not as_json and total >= 50 and done[0] % (total // 10) == 0:
                    error_console.print(f"trading the replay: {done[0]:,}/{total:,} cycles", highlight=False)

            with _ctrl_c_sets(stop := threading.Event()):
                outcome = run_and_report(prepared, on_cycle=advance, stop=stop)
    except RunInterruptedError as stopped:
        where = f"the report so far: {stopped.report}" if stopped.report else "no report (nothing traded yet)"
        fail(
            f"interrupted: the replay stopped, the journal {stopped.journal} is closed and its lock "
            f"released; {where}",
            code=130,
        )
    except AlphaloopError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(outcome.summary, indent=2, default=str))
    else:
        for line in outcome.lines:
            console.print(line)
    if dashboard:
        serve_dashboard(
            str(outcome.result.report_dir / "journal.sqlite"), host="127.0.0.1", port=dashboard_port
        )
    if not outcome.audit_passed:
        raise typer.Exit(1)


# ---------------------------------------------------------------------- paper and live


def _venue_url(settings: Settings, venue: str) -> str:
    if venue not in ("weex", "woox"):
        fail(f"--venue must be weex or woox, not {venue!r}")
    return settings.woox.base_url if venue == "woox" else settings.weex.base_url


def _install_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


def _session(plan: Any, *, check_first: bool = False) -> None:
    from alphaloop.ops.sessions import preflight
    from alphaloop.ops.trading import run_session

    async def main() -> Any:
        if check_first:
            try:
                for check in await preflight(plan):
                    console.print(f"pre-flight: {check}")
            except BaseException:
                await plan.venue.close()
                raise
        stop = asyncio.Event()
        _install_signals(stop)
        return await run_session(plan, stop)

    started = time.monotonic()
    try:
        stats = asyncio.run(main())
    except ModelError as exc:  # the model failed too often: a failed run, not a usage error
        fail(str(exc), code=1)
    except AlphaloopError as exc:
        fail(str(exc))
    console.print(
        f"stopped after {time.monotonic() - started:,.0f} s: {stats.cycles} cycles, "
        f"{stats.sent} orders sent, {stats.denied} denied, {stats.unknown} with unknown outcome "
        f"(reconciled), journal {plan.journal_url}"
    )


def paper_command(
    venue: Annotated[str, typer.Option(help="weex or woox.")] = "weex",
    base_url: Annotated[
        str | None,
        typer.Option(
            help="Trade against this venue endpoint (e.g. `alphaloop sim serve`), with the credentials "
            "from the environment. Without it: live public prices, simulator matching in-process."
        ),
    ] = None,
    strategy: StrategyOpt = "ml",
    model: ModelOpt = None,
    entry_threshold: ThresholdOpt = None,
    symbols: SymbolsOpt = None,
    timeframe: TimeframeOpt = "1h",
    leverage: LeverageOpt = 5,
    balance: Annotated[float, typer.Option(min=1, help="Paper balance (in-process matching only).")] = 1000.0,
    db: DbOpt = None,
    poll: Annotated[float, typer.Option(min=0.05, help="Seconds between checks for a new bar.")] = 5.0,
    maintain: Annotated[float, typer.Option(min=0.1, help="Seconds between stop/fill/AI-log upkeep.")] = 60.0,
    health: Annotated[float, typer.Option(min=0.1, help="Seconds between health lines.")] = 60.0,
    max_cycles: Annotated[int | None, typer.Option(help="Stop after N decision cycles.")] = None,
    log_json: Annotated[bool, typer.Option("--log-json", help="Structured JSON log lines.")] = False,
    seed: Annotated[int, typer.Option(help="--strategy random: its seed.")] = 0,
    entry_rate: Annotated[float, typer.Option(help="--strategy random: entry chance per bar.")] = 0.01,
    hold_bars: Annotated[int, typer.Option(help="--strategy random: bars held.")] = 24,
    llm_base_url: LlmUrlOpt = None,
    llm_model: LlmModelOpt = None,
    llm_hybrid: LlmHybridOpt = False,
    weex_api: str | None = WeexApiOption,
    approval: ApprovalOpt = None,
    dashboard: DashboardOpt = False,
    dashboard_port: DashboardPortOpt = 8765,
    config_file: Path | None = ConfigOption,
) -> None:
    """Paper trading: the engine on live prices with simulated matching, or against `sim serve`."""
    from alphaloop.ops.sessions import build_session

    base_url = checked_url(base_url)
    configure_logging(log_json)
    settings = with_weex_api(settings_or_exit(config_file), weex_api, venue)
    reachable_or_exit(base_url or _venue_url(settings, venue))
    options = _options(
        settings,
        strategy=strategy,
        model=model,
        symbols=symbols,
        timeframe=timeframe,
        leverage=leverage,
        seed=seed,
        entry_rate=entry_rate,
        hold_bars=hold_bars,
        entry_threshold=entry_threshold,
    )
    options = with_approval(options, approval, settings)
    try:
        plan = build_session(
            settings,
            options,
            mode="paper",
            venue_name=venue,
            base_url=base_url,
            journal_url=db or settings.journal_url,
            balance=Decimal(repr(balance)),
            poll_seconds=poll,
            maintain_seconds=maintain,
            health_seconds=health,
            max_cycles=max_cycles,
            model=_llm_model(strategy, llm_base_url, llm_model, llm_hybrid, model, options),
        )
    except (AlphaloopError, ConfigurationError) as exc:
        fail(str(exc))
    console.print(f"paper trading {plan.venue_name} with {plan.model.info.label}; journal {plan.journal_url}")
    with console_services(settings, plan.journal_url, dashboard=dashboard, port=dashboard_port):
        _session(plan)


def live_command(
    confirm_live: Annotated[
        bool, typer.Option("--confirm-live", help="Required: you are about to trade real money.")
    ] = False,
    venue: Annotated[str, typer.Option(help="weex or woox.")] = "weex",
    base_url: Annotated[str | None, typer.Option(help="API host (default: the configured one).")] = None,
    strategy: StrategyOpt = "ml",
    model: ModelOpt = None,
    entry_threshold: ThresholdOpt = None,
    symbols: SymbolsOpt = None,
    timeframe: TimeframeOpt = "1h",
    leverage: LeverageOpt = 5,
    db: DbOpt = None,
    poll: Annotated[float, typer.Option(min=0.05, help="Seconds between checks for a new bar.")] = 5.0,
    max_cycles: Annotated[int | None, typer.Option(help="Stop after N decision cycles.")] = None,
    log_json: Annotated[bool, typer.Option("--log-json", help="Structured JSON log lines.")] = False,
    llm_base_url: LlmUrlOpt = None,
    llm_model: LlmModelOpt = None,
    llm_hybrid: LlmHybridOpt = False,
    weex_api: str | None = WeexApiOption,
    approval: ApprovalOpt = None,
    dashboard: DashboardOpt = False,
    dashboard_port: DashboardPortOpt = 8765,
    config_file: Path | None = ConfigOption,
) -> None:
    """Live trading on WEEX (or WOO X) after a pre-flight; needs --confirm-live and keys in the env."""
    from alphaloop.ops.sessions import build_session

    if not confirm_live:
        fail("live trading sends real orders: add --confirm-live to go ahead (try `alphaloop paper` first)")
    base_url = checked_url(base_url)
    configure_logging(log_json)
    settings = with_weex_api(settings_or_exit(config_file), weex_api, venue)
    reachable_or_exit(base_url or _venue_url(settings, venue))
    options = _options(
        settings,
        strategy=strategy,
        model=model,
        symbols=symbols,
        timeframe=timeframe,
        leverage=leverage,
        entry_threshold=entry_threshold,
    )
    options = with_approval(options, approval, settings)
    try:
        plan = build_session(
            settings,
            options,
            mode="live",
            venue_name=venue,
            base_url=base_url,
            journal_url=db or settings.journal_url,
            poll_seconds=poll,
            max_cycles=max_cycles,
            model=_llm_model(strategy, llm_base_url, llm_model, llm_hybrid, model, options),
        )
    except AlphaloopError as exc:
        fail(str(exc))
    with console_services(settings, plan.journal_url, dashboard=dashboard, port=dashboard_port):
        _session(plan, check_first=True)
