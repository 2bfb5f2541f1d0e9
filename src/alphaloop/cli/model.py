"""`alphaloop model ...`: train, inspect and list the offline model's artifacts (thin adapter)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from alphaloop.cli.common import (
    ConfigOption,
    console,
    error_console,
    fail,
    out_folder_or_exit,
    settings_or_exit,
)
from alphaloop.model.errors import AlphaloopError
from alphaloop.model.instruments import COMPETITION_SYMBOLS, to_unified_symbol

model_app = typer.Typer(
    help="The offline AI model: train it walk-forward, inspect artifacts.", no_args_is_help=True
)

_METRICS = (
    ("oof_auc", "AUC", "{:.4f}"),
    ("oof_logloss", "log loss", "{:.5f}"),
    ("oof_logloss_base_rate", "log loss, base rate", "{:.5f}"),
    ("oof_hit_rate", "hit rate (p >= 0.5 side)", "{:.2%}"),
    ("long_threshold", "long at p(up) >=", "{:.4f}"),
    ("short_threshold", "short at p(up) <=", "{:.4f}"),
    ("oof_signal_share", "bars with a signal", "{:.2%}"),
    ("oof_signal_hit_rate", "signal hit rate (net of fees)", "{:.2%}"),
    ("oof_signal_mean_net_return", "signal mean net return", "{:+.4%}"),
    ("oof_rows", "out-of-fold rows", "{:,.0f}"),
    ("train_rows", "training rows", "{:,.0f}"),
    ("rounds", "boosting rounds", "{:.0f}"),
)


def _symbols(text: str | None) -> list[str]:
    if not text or text.strip().lower() == "all":
        return list(COMPETITION_SYMBOLS)
    try:
        return [to_unified_symbol(s.strip()) for s in text.split(",") if s.strip()]
    except AlphaloopError as error:
        fail(str(error))


def base_rate_warning(metrics: dict[str, float]) -> str | None:
    """A warning when the model does no better on its own out-of-fold validation than always
    answering the base rate (log loss) or than a coin (AUC): it has learnt nothing to trade on."""
    loss, base = metrics.get("oof_logloss"), metrics.get("oof_logloss_base_rate")
    area = metrics.get("oof_auc")
    if loss is not None and base is not None and loss >= base:
        return (
            f"out-of-fold log loss {loss:.4f} is no better than the base rate's {base:.4f}: the model "
            "has learnt nothing it can trade on; try a longer range or another timeframe"
        )
    if area is not None and area <= 0.5:
        return f"out-of-fold AUC {area:.4f} is no better than a coin: the model has learnt nothing to trade"
    return None


def _day(ms: int) -> str:
    """A date, with the time of day only when it is not midnight."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M" if moment.hour or moment.minute else "%Y-%m-%d")


def _metrics_table(metrics: dict[str, float], title: str) -> Table:
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, label, pattern in _METRICS:
        if key in metrics:
            table.add_row(label, pattern.format(metrics[key]))
    return table


@model_app.command("train")
def train_command(
    start: Annotated[str, typer.Option(help="First bar of the training range, YYYY-MM-DD UTC.")],
    end: Annotated[
        str, typer.Option(help="End of the training range, exclusive: no bar at or after it is read.")
    ],
    timeframe: Annotated[str, typer.Option("--timeframe", "-t", help="Bar timeframe.")] = "1h",
    symbols: Annotated[
        str | None, typer.Option(help="Comma-separated symbols (any spelling); default: the 8 pairs.")
    ] = None,
    horizon: Annotated[int | None, typer.Option(min=1, help="Label horizon in bars (default 8).")] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Artifact folder (default: MODELS_DIR/alphaloop-lgbm-TF-VERSION)."),
    ] = None,
    models_dir: Annotated[
        Path | None, typer.Option(help="Where artifacts go (default: $ALPHALOOP_MODELS_DIR, else ./models).")
    ] = None,
    folds: Annotated[int, typer.Option(min=1, max=20, help="Walk-forward folds.")] = 4,
    calibration: Annotated[str, typer.Option(help="platt or isotonic.")] = "platt",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the artifact metadata as JSON only.")
    ] = False,
    config_file: Path | None = ConfigOption,
) -> None:
    """Train the LightGBM model walk-forward on stored bars in [--start, --end) and save it."""
    from alphaloop.data import load_frame
    from alphaloop.decision.ml import DEFAULT_HORIZON_BARS, TrainSettings, train_with_report
    from alphaloop.decision.ml import models_dir as default_models_dir
    from alphaloop.features import FEATURE_LOOKBACK
    from alphaloop.model.market import TIMEFRAME_MS
    from alphaloop.ops.backtest import parse_day

    settings = settings_or_exit(config_file)
    if out is not None:
        out_folder_or_exit(out, "artifact")
    if calibration not in ("isotonic", "platt"):
        fail(f"--calibration must be platt or isotonic, not {calibration!r}")
    if timeframe not in TIMEFRAME_MS:
        fail(f"unknown timeframe {timeframe!r}: one of {', '.join(TIMEFRAME_MS)}")
    try:
        start_ms, end_ms = parse_day(start), parse_day(end)
        if end_ms <= start_ms:
            fail("--end must be after --start")
        # Bars before --start only warm the indicators up; the labels all lie inside the range.
        warmup_ms = FEATURE_LOOKBACK * TIMEFRAME_MS[timeframe]
        with Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=error_console,
            transient=True,
            disable=as_json or not error_console.is_terminal,
        ) as bar:
            task = bar.add_task("loading bars", total=None)
            frame = load_frame(
                _symbols(symbols),
                timeframe,
                start_ms=start_ms - warmup_ms,
                end_ms=end_ms,
                data_dir=settings.data_dir,
            )

            stages: list[str] = []

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=stage, completed=done, total=total)
                if bar.disable and not as_json and stage not in stages:
                    # no bar without a terminal: one line per stage, so a long training is visibly alive
                    stages.append(stage)
                    error_console.print(f"model train: {stage} ...", highlight=False)

            report = train_with_report(
                frame,
                start_ms=start_ms,
                end_ms=end_ms,
                horizon_bars=horizon or DEFAULT_HORIZON_BARS,
                settings=TrainSettings(folds=folds, calibration=calibration),  # type: ignore[arg-type]
                progress=progress,
            )
        artifact = report.artifact
        folder = out or (models_dir or default_models_dir()) / artifact.default_dirname()
        artifact.save(folder)
    except AlphaloopError as error:
        fail(str(error))
    if as_json:
        typer.echo(json.dumps({**artifact.metadata(), "path": str(folder)}, indent=2))
        return
    console.print(
        f"[bold]{artifact.label}[/] trained on {len(artifact.symbols)} symbols, {artifact.timeframe} bars "
        f"{_day(start_ms)} .. {_day(end_ms)} (exclusive), horizon {artifact.horizon_bars} bars, "
        f"{report.seconds:.1f} s",
        highlight=False,
    )
    folds_table = Table(title="walk-forward folds", title_justify="left")
    for column in ("fold", "train until", "test", "train rows", "test rows", "rounds", "AUC"):
        folds_table.add_column(column, justify="right" if column not in ("train until", "test") else "left")
    for k, fold in enumerate(report.folds, start=1):
        folds_table.add_row(
            str(k),
            _day(fold.window.train_end_ms),
            f"{_day(fold.window.test_start_ms)} .. {_day(fold.window.test_end_ms)}",
            f"{fold.train_rows:,}",
            f"{fold.test_rows:,}",
            str(fold.best_rounds),
            f"{fold.auc:.4f}",
        )
    console.print(folds_table)
    console.print(_metrics_table(dict(artifact.metrics), "out-of-fold validation"))
    warning = base_rate_warning(dict(artifact.metrics))
    if warning:
        console.print(f"[bold yellow]warning:[/] {warning}", highlight=False)
    console.print(f"version: {artifact.version}")
    console.print(f"artifact: {folder}", highlight=False, soft_wrap=True)


def _resolve(path: Path | None, models_dir: Path | None) -> Path:
    from alphaloop.decision.ml import latest_artifact
    from alphaloop.decision.ml import models_dir as default_models_dir

    folder = models_dir or default_models_dir()
    location = path or latest_artifact(folder)
    if location is None:
        fail(f"no trained model in {folder}: run `alphaloop model train --start ... --end ...`")
    return location


@model_app.command("info")
def info_command(
    path: Annotated[Path | None, typer.Argument(help="Artifact folder (default: the latest).")] = None,
    models_dir: Annotated[Path | None, typer.Option(help="Where to look for the latest artifact.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metadata as JSON.")] = False,
) -> None:
    """Show an artifact's version, data range, features, validation metrics and top features."""
    from alphaloop.decision.ml import MlArtifact

    location = _resolve(path, models_dir)
    try:
        artifact = MlArtifact.load(location)
    except AlphaloopError as error:
        fail(str(error))
    meta: dict[str, Any] = {**artifact.metadata(), "path": str(location)}
    if as_json:
        typer.echo(json.dumps(meta, indent=2))
        return
    console.print(f"[bold]{artifact.label}[/]  {location}", highlight=False, soft_wrap=True)
    console.print(
        f"{artifact.timeframe} bars {_day(artifact.start_ms)} .. {_day(artifact.end_ms)}, "
        f"horizon {artifact.horizon_bars} bars, {artifact.num_trees} trees, "
        f"{artifact.calibration.kind} calibration, symbols: {', '.join(artifact.symbols)}",
        highlight=False,
    )
    console.print(_metrics_table(dict(artifact.metrics), "out-of-fold validation"))
    warning = base_rate_warning(dict(artifact.metrics))
    if warning:
        console.print(f"[bold yellow]warning:[/] {warning}", highlight=False)
    gains = artifact.booster.feature_importance("gain")
    ranked = sorted(zip(artifact.feature_names, gains, strict=True), key=lambda item: -float(item[1]))
    total = float(sum(gains)) or 1.0
    table = Table(title="top features (gain)", title_justify="left")
    table.add_column("feature")
    table.add_column("share", justify="right")
    for name, gain in ranked[:10]:
        table.add_row(name, f"{float(gain) / total:.1%}")
    console.print(table)


@model_app.command("list")
def list_command(
    models_dir: Annotated[Path | None, typer.Option(help="Artifact folder (default: ./models).")] = None,
) -> None:
    """List trained artifacts, newest first."""
    from alphaloop.decision.ml import METADATA_FILE
    from alphaloop.decision.ml import models_dir as default_models_dir

    folder = models_dir or default_models_dir()
    rows = []
    for meta_path in sorted(folder.glob(f"*/{METADATA_FILE}")):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rows.append((int(meta.get("created_ms", 0)), meta, meta_path.parent))
    if not rows:
        console.print(f"no artifacts in {folder}", highlight=False)
        return
    table = Table()
    for column in ("version", "timeframe", "range", "horizon", "AUC", "trained", "path"):
        table.add_column(column)
    for created, meta, path in sorted(rows, key=lambda row: -row[0]):
        table.add_row(
            str(meta.get("version")),
            str(meta.get("timeframe")),
            f"{_day(int(meta['start_ms']))} .. {_day(int(meta['end_ms']))}",
            str(meta.get("horizon_bars")),
            f"{float(meta.get('metrics', {}).get('oof_auc', float('nan'))):.4f}",
            _day(created),
            str(path),
        )
    console.print(table)
