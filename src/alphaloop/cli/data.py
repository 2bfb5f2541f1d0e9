"""`alphaloop data ...`: download, import, list and check market data (thin adapter over `alphaloop.data`)."""

from __future__ import annotations

import asyncio
import importlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from alphaloop.cli.common import ConfigOption, checked_url, console, error_console, fail, settings_or_exit
from alphaloop.config import Settings
from alphaloop.data import (
    DatasetCheck,
    DownloadReport,
    ImportResult,
    MarketDataVenue,
    ParquetStore,
    available,
    check_file,
    data_files,
    download,
    import_file,
    unified_symbol,
)
from alphaloop.data.quality import CheckReport, Gap
from alphaloop.data.store import check_venue
from alphaloop.data.timeframes import step_ms
from alphaloop.model import ConfigurationError
from alphaloop.venues.weex.venue import WeexVenue

data_app = typer.Typer(help="Market data: download, import, list and check candles and funding.")

#: How many gaps and bad rows a report lists per series.
SHOWN = 5
VENUES = ("weex", "woox")


def format_ms(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


def parse_time(text: str, option: str) -> int:
    """ISO date or date-time (UTC unless an offset is given) -> epoch ms."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        fail(f"{option} '{text}' is not an ISO date like 2025-01-01 or 2025-01-01T08:00:00Z")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def parse_symbols(values: list[str] | None, settings: Settings) -> list[str]:
    """`--symbols BTCUSDT,ETHUSDT` or repeated `--symbols`; default: the competition's symbols."""
    if not values:
        return list(settings.competition.symbols)
    texts = [part.strip() for value in values for part in value.replace(" ", ",").split(",") if part.strip()]
    try:
        return list(dict.fromkeys(unified_symbol(text) for text in texts))
    except ConfigurationError as exc:
        fail(str(exc))


def _gap_text(gaps: list[Gap]) -> str:
    shown = ", ".join(f"{format_ms(g.start_ms)} ({g.missing} missing)" for g in gaps[:SHOWN])
    more = f" and {len(gaps) - SHOWN} more" if len(gaps) > SHOWN else ""
    return shown + more


# ------------------------------------------------------------ download


def open_venue(name: str, settings: Settings, base_url: str | None) -> Any:
    """A venue client for public market data (no credentials); nothing is sent until it is used."""
    if name == "weex":
        return WeexVenue.create(
            base_url or settings.weex.base_url,
            None,
            timeout=settings.weex.timeout_seconds,
            locale=settings.weex.locale,
            api=settings.weex.api,
        )
    if name == "woox":
        # imported on demand: the WOO X adapter is optional for everything but WOO X downloads
        try:
            module = importlib.import_module("alphaloop.venues.woox")
        except ModuleNotFoundError as exc:
            if exc.name is not None and exc.name.startswith("alphaloop.venues.woox"):
                fail("WOO X is not available in this version of alphaloop (no alphaloop.venues.woox)")
            raise
        venue_class = getattr(module, "WooxVenue", None)
        from_settings = getattr(venue_class, "from_settings", None)
        section = getattr(settings, "woox", None)
        if from_settings is not None and section is not None:
            return from_settings(section, None, base_url=base_url)
        create = getattr(venue_class, "create", None)
        if create is None:
            fail("alphaloop.venues.woox has no WooxVenue.create(); cannot download from WOO X")
        return create(base_url) if base_url else create()
    fail(f"--venue must be one of {', '.join(VENUES)}")


class RichProgress:
    """One progress bar per symbol, on stderr so that the report on stdout stays clean."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, Any] = {}

    def start(self, symbol: str, total_bars: int) -> None:
        self.tasks[symbol] = self.progress.add_task(symbol, total=max(total_bars, 1))
        if total_bars == 0:
            self.progress.update(self.tasks[symbol], completed=1)

    def advance(self, symbol: str, bars: int) -> None:
        if symbol in self.tasks:
            self.progress.advance(self.tasks[symbol], bars)

    def finish(self, symbol: str) -> None:
        if symbol in self.tasks:
            task = self.tasks[symbol]
            self.progress.update(task, completed=self.progress.tasks[task].total)


def render_download(report: DownloadReport) -> Table:
    table = Table(
        title=f"{report.venue} {report.timeframe} candles"
        + (f" from {format_ms(report.since_ms)}" if report.since_ms is not None else ""),
        title_justify="left",
    )
    for column in ("symbol", "requests", "new", "stored", "first", "last", "gaps", "funding", "status"):
        table.add_column(column, justify="right" if column in ("requests", "new", "stored") else "left")
    for s in report.series:
        gaps = f"{len(s.gaps)} ({sum(g.missing for g in s.gaps)} bars)" if s.gaps else "none"
        funding = f"+{s.funding_added}" + (
            f" from {format_ms(s.funding_first_ms)}" if s.funding_first_ms else ""
        )
        status = "[red]failed[/]" if s.error else "[green]ok[/]"
        table.add_row(
            s.symbol,
            str(s.requests + s.funding_requests),
            str(s.added),
            str(s.stored),
            format_ms(s.first_ts),
            format_ms(s.last_ts),
            gaps,
            funding,
            status,
        )
    return table


@data_app.command("download")
def download_command(
    symbols: Annotated[
        list[str] | None,
        typer.Option(
            "--symbols", "-s", help="Symbols, comma-separated or repeated (default: the competition's 8)."
        ),
    ] = None,
    timeframe: Annotated[str, typer.Option("--timeframe", "-t", help="Candle timeframe.")] = "1h",
    since: Annotated[
        str | None,
        typer.Option(help="First bar, ISO UTC date (default: continue each stored series from its start)."),
    ] = None,
    until: Annotated[str | None, typer.Option(help="Stop before this ISO UTC time (default: now).")] = None,
    venue: Annotated[str, typer.Option(help="Venue to download from: weex or woox.")] = "weex",
    base_url: Annotated[str | None, typer.Option(help="API host (default: the configured one).")] = None,
    funding: Annotated[bool, typer.Option("--funding/--no-funding", help="Also fetch funding rates.")] = True,
    store: Annotated[Path | None, typer.Option(help="Parquet store (default: ALPHALOOP_STORE_DIR).")] = None,
    config_file: Path | None = ConfigOption,
) -> None:
    """Download candles (paged, rate-limited, resumable) and funding into the store; report gaps."""
    base_url = checked_url(base_url)
    settings = settings_or_exit(config_file)
    if venue not in VENUES:
        fail(f"--venue must be one of {', '.join(VENUES)}")
    wanted = parse_symbols(symbols, settings)
    since_ms = parse_time(since, "--since") if since else None
    until_ms = parse_time(until, "--until") if until else None
    target = ParquetStore(store or settings.store_dir)

    async def run() -> DownloadReport:
        client = open_venue(venue, settings, base_url)
        try:
            columns = (
                TextColumn("{task.description:<16}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("bars"),
                TimeRemainingColumn(),
            )
            with Progress(*columns, console=error_console, transient=False) as bars:
                source: MarketDataVenue = client
                return await download(
                    source,
                    target,
                    wanted,
                    timeframe,
                    since_ms=since_ms,
                    until_ms=until_ms,
                    funding=funding,
                    progress=RichProgress(bars),
                )
        finally:
            await client.close()

    try:
        report = asyncio.run(run())
    except ConfigurationError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail(
            "interrupted: the bars fetched so far are stored; run the same command again to resume", code=130
        )
    console.print(render_download(report))
    for s in report.series:
        if s.error:
            console.print(f"[red]{s.symbol}:[/] {s.error}", highlight=False)
        if s.history_starts_ms is not None:
            console.print(
                f"{s.symbol}: {report.venue} serves no bars before {format_ms(s.history_starts_ms)}"
            )
        if s.gaps:
            console.print(f"{s.symbol} gaps: {_gap_text(s.gaps)}", highlight=False)
    total_gaps = sum(len(s.gaps) for s in report.series)
    console.print(
        f"{report.added} new bars in {report.requests} requests; "
        + (f"{total_gaps} gap(s) in the stored range" if total_gaps else "no gaps in the stored range")
        + f"; store {target.root}"
    )
    raise typer.Exit(1 if report.failed else 0)


# ------------------------------------------------------------ import


@data_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A CSV / CSV.GZ file, or a folder of them (and funding/).")],
    venue: Annotated[str, typer.Option(help="Venue whose store receives the rows.")] = "weex",
    symbol: Annotated[str | None, typer.Option(help="Symbol, when the file name does not tell.")] = None,
    timeframe: Annotated[
        str | None, typer.Option(help="Timeframe, when the file name does not tell.")
    ] = None,
    drop_bad: Annotated[
        bool, typer.Option("--drop-bad", help="Import the good rows of files with bad rows.")
    ] = False,
    market: Annotated[
        str,
        typer.Option(
            help="perp, spot, or auto (spot when the files sit under a folder named spot). Spot bars are "
            "stored apart (<venue>_spot) and never replace the perpetual-futures bars."
        ),
    ] = "auto",
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite stored rows whose values differ (refused otherwise).")
    ] = False,
    store: Annotated[Path | None, typer.Option(help="Parquet store (default: ALPHALOOP_STORE_DIR).")] = None,
    config_file: Path | None = ConfigOption,
) -> None:
    """Import candle (ts,open,high,low,close,volume) or funding (ts,funding_rate) files into the store."""
    settings = settings_or_exit(config_file)
    target = ParquetStore(store or settings.store_dir)
    results: list[ImportResult] = []
    try:
        check_venue(venue)
        files = data_files(path)
        if (symbol or timeframe) and len(files) > 1:
            fail("--symbol and --timeframe apply to a single file, not a folder")
        for file in files:
            results.append(
                import_file(
                    file,
                    target,
                    venue,
                    symbol=symbol,
                    timeframe=timeframe,
                    drop_bad=drop_bad,
                    market=market,
                    force=force,
                )
            )
    except ConfigurationError as exc:
        fail(str(exc))
    table = Table(title=f"import into {target.root / venue}", title_justify="left")
    for column in ("file", "symbol", "series", "rows", "new", "replaced", "first", "last", "result"):
        table.add_column(column, justify="right" if column in ("rows", "new", "replaced") else "left")
    for r in results:
        if r.appended is None:
            outcome = f"[red]refused: {r.check.bad_rows} bad rows[/]"
        elif r.dropped:
            outcome = f"[yellow]ok, {r.dropped} bad rows dropped[/]"
        else:
            outcome = "[green]ok[/]"
        table.add_row(
            r.path.name,
            r.symbol,
            (r.timeframe or "funding") + (" spot" if r.market == "spot" else ""),
            str(r.check.rows),
            "-" if r.appended is None else str(r.appended.added),
            "-" if r.appended is None else str(r.appended.replaced),
            format_ms(r.check.first_ts),
            format_ms(r.check.last_ts),
            outcome,
        )
    console.print(table)
    refused = [r for r in results if r.refused]
    for r in refused:
        _print_bad_rows(r.path.name, r.check)
    if refused:
        console.print("refused files were not imported; fix them or pass --drop-bad")
    raise typer.Exit(1 if refused else 0)


# ------------------------------------------------------------ list


@data_app.command("list")
def list_command(
    data: Annotated[Path | None, typer.Option(help="CSV folder (default: ALPHALOOP_DATA_DIR).")] = None,
    store: Annotated[Path | None, typer.Option(help="Parquet store (default: ALPHALOOP_STORE_DIR).")] = None,
    config_file: Path | None = ConfigOption,
) -> None:
    """List the candle and funding series of the store and the CSV data folder."""
    settings = settings_or_exit(config_file)
    data_dir, store_dir = data or settings.data_dir, store or settings.store_dir
    found = available(data_dir, store_dir)
    if not found:
        console.print(
            f"no market data in {store_dir} or {data_dir}; get some with `alphaloop data download` "
            "or `alphaloop data import PATH`"
        )
        raise typer.Exit(0)
    table = Table(title=f"market data (store {store_dir}, files {data_dir})", title_justify="left")
    for column in ("source", "symbol", "series", "first", "last", "rows", "path"):
        table.add_column(column, justify="right" if column == "rows" else "left", overflow="fold")
    for info in found:
        source = f"store/{info.venue}" if info.source == "store" else "files"
        table.add_row(
            source,
            info.symbol,
            info.timeframe or "funding",
            format_ms(info.first_ts),
            format_ms(info.last_ts),
            str(info.rows) if info.problem is None else f"[red]{info.problem}[/]",
            str(info.path),
        )
    console.print(table)


# ------------------------------------------------------------ check


def _print_bad_rows(label: str, report: CheckReport) -> None:
    counts = ", ".join(f"{n} {reason}" for reason, n in report.bad_counts.items())
    console.print(f"[red]{label}: {report.bad_rows} bad rows[/] ({counts})", highlight=False)
    for example in report.bad_examples:
        when = "missing ts" if example.ts is None else f"{format_ms(example.ts)} UTC"
        console.print(f"    {when}: {example.reason}", highlight=False)


@data_app.command("check")
def check_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files to check (default: every series of store and data folder)."),
    ] = None,
    symbols: Annotated[list[str] | None, typer.Option("--symbols", "-s", help="Only these symbols.")] = None,
    timeframe: Annotated[
        str | None, typer.Option("--timeframe", "-t", help="Only this timeframe (or the files' one).")
    ] = None,
    data: Annotated[Path | None, typer.Option(help="CSV folder (default: ALPHALOOP_DATA_DIR).")] = None,
    store: Annotated[Path | None, typer.Option(help="Parquet store (default: ALPHALOOP_STORE_DIR).")] = None,
    config_file: Path | None = ConfigOption,
) -> None:
    """Coverage, gaps and bad rows (high < low, non-positive prices, duplicates...); exit 1 on bad rows."""
    settings = settings_or_exit(config_file)
    checks: list[DatasetCheck] = []
    try:
        if timeframe is not None:
            step_ms(timeframe)  # a typo is refused, not reported as "nothing to check"
        if paths:
            checks = [check_file(p, timeframe=timeframe) for p in paths]
        else:
            wanted = set(parse_symbols(symbols, settings)) if symbols else None
            for info in available(data or settings.data_dir, store or settings.store_dir):
                if wanted is not None and info.symbol not in wanted:
                    continue
                if timeframe is not None and info.timeframe != timeframe:
                    continue
                checks.append(check_file(info.path, timeframe=info.timeframe, symbol=info.symbol))
    except ConfigurationError as exc:
        fail(str(exc))
    if not checks:
        fail("nothing to check: no matching series (see `alphaloop data list`)", code=1)
    table = Table(title="data check", title_justify="left")
    for column in ("series", "first", "last", "rows", "coverage", "gaps", "bad rows", "path"):
        table.add_column(column, justify="right" if column in ("rows", "coverage", "bad rows") else "left")
    for c in checks:
        r = c.report
        gaps = f"{len(r.gaps)} ({r.missing_bars} bars)" if r.gaps else "none"
        table.add_row(
            f"{c.symbol} {c.timeframe or 'funding'}",
            format_ms(r.first_ts),
            format_ms(r.last_ts),
            str(r.rows),
            f"{100 * r.coverage:.2f}%",
            gaps,
            f"[red]{r.bad_rows}[/]" if r.bad_rows else "0",
            str(c.path),
        )
    console.print(table)
    for c in checks:
        label = f"{c.symbol} {c.timeframe or 'funding'} ({c.path.name})"
        if c.report.gaps:
            console.print(f"{label} gaps: {_gap_text(c.report.gaps)}", highlight=False)
        if not c.report.sorted:
            console.print(f"{label}: rows are not sorted by ts", highlight=False)
        if c.report.bad_rows:
            _print_bad_rows(label, c.report)
    bad = sum(c.report.bad_rows for c in checks)
    console.print(
        f"{len(checks)} series checked: "
        + (f"[red]{bad} bad rows[/]" if bad else "no bad rows")
        + f", {sum(len(c.report.gaps) for c in checks)} gaps"
    )
    raise typer.Exit(1 if bad else 0)
