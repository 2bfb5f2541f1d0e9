"""The summary object of a run (`--json`, summary.json) and its table: the strategy beside
buy-and-hold and beside the random-entry baseline, so an edge is visible or its absence is.

Shape: the strategy's metric keys (`SUMMARY_KEYS`) at top level, then
`baselines = {"buy_and_hold": {same keys} (1x), "buy_and_hold_matched": {same keys,
"target_exposure"}, "trend": {same keys}, "random": {key: {"mean", "std"}, "percentile",
"p_value", "method"}}` and `meta`; `alphaloop backtest` adds `model`, `in_sample`, `risk`,
`liquidation_shortfall`, `funding_uncovered_share`, `sharpe_significance` and `warnings`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
from rich.table import Table

from alphaloop.backtest.metrics import METHOD, SUMMARY_KEYS, Metrics, finite_or_none
from alphaloop.backtest.result import BacktestResult
from alphaloop.model.market import TIMEFRAME_MS

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]

#: How each metric reads in a table: its label and its kind of number.
_PERCENT, _RATIO, _MULTIPLE, _COUNT, _MONEY = "percent", "ratio", "multiple", "count", "money"
_DISPLAY: dict[str, tuple[str, str]] = {
    "total_return": ("Total return", _PERCENT),
    "cagr": ("CAGR", _PERCENT),
    "sharpe": ("Sharpe (annualised)", _RATIO),
    "sortino": ("Sortino (annualised)", _RATIO),
    "max_drawdown": ("Max drawdown", _PERCENT),
    "calmar": ("Calmar", _RATIO),
    "trades": ("Trades", _COUNT),
    "win_rate": ("Win rate", _PERCENT),
    "profit_factor": ("Profit factor", _RATIO),
    "average_trade": ("Average trade (USDT)", _MONEY),
    "exposure": ("Exposure", _PERCENT),
    "turnover": ("Turnover (x mean equity)", _MULTIPLE),
    "fees_paid": ("Fees paid (USDT)", _MONEY),
    "funding_paid": ("Funding paid (USDT)", _MONEY),
    "liquidations": ("Liquidations", _COUNT),
}
_MISSING = "—"


def aggregate(metrics: Sequence[Metrics]) -> dict[str, dict[str, float | None]]:
    """Mean and population std of each summary key over the random seeds.

    A seed where a metric is undefined (say, no closed trade for win rate) is left out of that
    metric; both are None when no seed defines it.
    """
    rows = [m.to_dict() for m in metrics]
    out: dict[str, dict[str, float | None]] = {}
    for key in SUMMARY_KEYS:
        values = np.array([float(v) for row in rows if (v := row[key]) is not None], dtype=np.float64)
        if len(values) == 0:
            out[key] = {"mean": None, "std": None}
        else:
            out[key] = {
                "mean": finite_or_none(float(values.mean())),
                "std": finite_or_none(float(values.std())),
            }
    return out


def run_meta(result: BacktestResult, *, report: Path | None = None) -> dict[str, object]:
    """The facts of a run for `build_summary`'s `meta`: what was tested, on what, over when."""
    step = TIMEFRAME_MS.get(result.timeframe, result.step_ms)
    meta: dict[str, object] = {
        "strategy": result.strategy,
        "symbols": list(result.symbols),
        "timeframe": result.timeframe,
        "start": iso_time(int(result.ts[0])) if len(result.ts) else None,
        "end": iso_time(int(result.ts[-1]) + step) if len(result.ts) else None,
        "bars": len(result.ts),
        "initial_equity": result.initial_equity,
        "final_equity": result.final_equity,
    }
    if report is not None:
        meta["report"] = str(report)
    return meta


#: How the `random` baseline is drawn (the JSON says it, the table's caption too).
RANDOM_METHOD = (
    "the strategy's whole plan shifted circularly in time by one random offset per seed (side mix, "
    "holding times, trade counts and cross-symbol clustering kept)"
)


def build_summary(
    strategy: Metrics,
    buy_and_hold: Metrics,
    random_runs: Sequence[Metrics],
    meta: Mapping[str, object],
    *,
    buy_and_hold_matched: Metrics | None = None,
    matched_exposure: float | None = None,
    trend: Metrics | None = None,
    random_method: str = RANDOM_METHOD,
) -> dict[str, object]:
    """The summary object; JSON-ready (no NaN, inf, paths or tuples anywhere inside).

    `baselines.random` holds each metric's mean and std over the seeds, plus the strategy's
    `percentile` and one-sided `p_value` of total return among them."""
    from alphaloop.backtest.nulls import null_distribution

    meta_out = {str(key): json_safe(value) for key, value in meta.items()}
    meta_out.setdefault("final_equity", finite_or_none(strategy.final_equity))
    meta_out["random_seeds"] = len(random_runs)
    meta_out["method"] = METHOD
    summary: dict[str, object] = dict(strategy.to_dict())
    random: dict[str, object] = dict(aggregate(random_runs))
    random |= null_distribution(strategy.total_return, [m.total_return for m in random_runs])
    random["method"] = random_method
    baselines: dict[str, object] = {"buy_and_hold": buy_and_hold.to_dict(), "random": random}
    if buy_and_hold_matched is not None:
        baselines["buy_and_hold_matched"] = {
            **buy_and_hold_matched.to_dict(),
            "target_exposure": finite_or_none(matched_exposure),
        }
    if trend is not None:
        baselines["trend"] = trend.to_dict()
    summary["baselines"] = baselines
    summary["meta"] = meta_out
    return summary


def run_labels(summary: Mapping[str, object]) -> list[str]:
    """Warnings every table and report of this run must carry: IN-SAMPLE (the model saw these
    bars in training), NO RISK GATE (research run without the trader's gate)."""
    labels = []
    if summary.get("in_sample"):
        labels.append("IN-SAMPLE")
    risk = summary.get("risk")
    if isinstance(risk, Mapping) and risk.get("enabled") is False:
        labels.append("NO RISK GATE")
    return labels


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One metric as displayed: label, strategy, buy-and-hold, random 'mean ± std'."""

    key: str
    label: str
    strategy: str
    buy_and_hold: str
    random: str
    buy_and_hold_matched: str = _MISSING
    trend: str = _MISSING


def summary_rows(summary: Mapping[str, object]) -> list[SummaryRow]:
    baselines = _mapping(summary.get("baselines"))
    buy_and_hold = _mapping(baselines.get("buy_and_hold"))
    matched = _mapping(baselines.get("buy_and_hold_matched"))
    trend = _mapping(baselines.get("trend"))
    random = _mapping(baselines.get("random"))
    rows = []
    for key in SUMMARY_KEYS:
        label, kind = _DISPLAY[key]
        spread = _mapping(random.get(key))
        mean, std = spread.get("mean"), spread.get("std")
        random_text = (
            _MISSING
            if mean is None
            else f"{_format(kind, mean, spread=True)} ± {_format(kind, std, spread=True)}"
        )
        rows.append(
            SummaryRow(
                key=key,
                label=label,
                strategy=_format(kind, summary.get(key)),
                buy_and_hold=_format(kind, buy_and_hold.get(key)),
                random=random_text,
                buy_and_hold_matched=_format(kind, matched.get(key)),
                trend=_format(kind, trend.get(key)),
            )
        )
    return rows


def render_summary_table(summary: Mapping[str, object]) -> Table:
    meta = _mapping(summary.get("meta"))
    title = " · ".join(
        str(part)
        for part in (
            *run_labels(summary),
            meta.get("strategy"),
            meta.get("timeframe"),
            _period(meta.get("start"), meta.get("end")),
        )
        if part
    )
    table = Table(title=title or None, caption=null_caption(summary))
    baselines = _mapping(summary.get("baselines"))
    matched = _mapping(baselines.get("buy_and_hold_matched"))
    table.add_column("metric")
    table.add_column("strategy", justify="right")
    table.add_column("buy & hold 1x", justify="right")
    if matched:
        table.add_column(f"buy & hold {_format(_MULTIPLE, matched.get('target_exposure'))}", justify="right")
    if "trend" in baselines:
        table.add_column("trend", justify="right")
    table.add_column("random mean ± std", justify="right")
    for row in summary_rows(summary):
        cells = [row.label, row.strategy, row.buy_and_hold]
        if matched:
            cells.append(row.buy_and_hold_matched)
        if "trend" in baselines:
            cells.append(row.trend)
        table.add_row(*cells, row.random)
    return table


def null_caption(summary: Mapping[str, object]) -> str | None:
    """One line on the random null: seeds, method, the strategy's percentile and p-value."""
    meta = _mapping(summary.get("meta"))
    seeds = meta.get("random_seeds")
    if not seeds:  # absent, or `--seeds 0` (no baseline): nothing to caption
        return None
    random = _mapping(_mapping(summary.get("baselines")).get("random"))
    text = f"random: mean ± std over {seeds} seeds"
    if random.get("method"):
        text += f" of {random['method']}"
    percentile, p_value = random.get("percentile"), random.get("p_value")
    if isinstance(percentile, int | float) and isinstance(p_value, int | float):
        text += f"; strategy total return at percentile {percentile:.0%} (p = {p_value:.3f})"
    return text


def format_value(key: str, value: object) -> str:
    """One metric value as the table shows it (percent, ratio, USDT with separators, count)."""
    return _format(_DISPLAY[key][1], value)


def iso_time(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).isoformat().replace("+00:00", "Z")


def json_safe(value: object) -> JsonValue:
    """Plain JSON values: paths and enums as strings, tuples as lists, NaN and inf as None."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Enum):
        return json_safe(value.value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return finite_or_none(float(value))
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [json_safe(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _format(kind: str, value: object, *, spread: bool = False) -> str:
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        return _MISSING
    if kind == _PERCENT:
        return f"{value:.2%}"
    if kind == _MONEY:
        return f"{value:,.2f}"
    if kind == _MULTIPLE:
        return f"{value:,.2f}x"
    if kind == _COUNT:
        # A mean or spread over seeds is fractional; a single run's count is not.
        return (
            f"{value:,.1f}"
            if spread or (isinstance(value, float) and not value.is_integer())
            else f"{value:,.0f}"
        )
    return f"{value:.2f}"


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _period(start: object, end: object) -> str | None:
    if not (isinstance(start, str) and isinstance(end, str)):
        return None
    return f"{start[:10]} → {end[:10]}"
