"""The study report: what was searched, what won, and how much to believe it.

`study_report` gathers the numbers (JSON-ready, tested without a browser); `write_report` writes
`study.json` and `report.html` (plotly, like the backtest report): trial history, parameter
importance, the winner's fold table and equity against the nulls, the overfitting statistics
(number of trials, deflated Sharpe ratio, PBO by CSCV) and every lockbox look.
"""

from __future__ import annotations

import html
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]

from alphaloop.backtest.report import figure_section, plotly_js_for
from alphaloop.research.lockbox import day
from alphaloop.research.search import OBJECTIVE_ATTR, completed, fold_row, prepared, trial_config, winner
from alphaloop.research.spec import Study
from alphaloop.research.stats import deflated_sharpe, probability_of_overfitting, sharpe
from alphaloop.research.store import Evaluation
from alphaloop.research.summary import aggregate, chain, null_aggregates, null_comparison
from alphaloop.research.trial import TrialResult, run_trial

REPORT_FILE = "report.html"
JSON_FILE = "study.json"
PLOTLY_JS_FILE = "plotly.min.js"
PBO_BLOCKS = 8


@dataclass(frozen=True, slots=True)
class StudyReport:
    data: dict[str, Any]
    figures: list[go.Figure]


def returns_matrix(trials: list[optuna.trial.FrozenTrial]) -> tuple[np.ndarray, list[int]]:
    """Daily returns [days, trials] on the days every trial has (same test span for all)."""
    series = []
    for t in trials:
        days = t.user_attrs.get("daily_ms") or []
        values = t.user_attrs.get("daily_returns") or []
        series.append(dict(zip(days, values, strict=True)))
    if not series:
        return np.zeros((0, 0)), []
    common = sorted(set.intersection(*(set(s) for s in series)))
    matrix = np.array([[s[d] for s in series] for d in common], dtype=np.float64)
    return matrix.reshape(len(common), len(series)), [t.number for t in trials]


def overfitting(trials: list[optuna.trial.FrozenTrial], best_number: int) -> dict[str, Any]:
    """Number of trials, the winner's deflated Sharpe ratio (daily returns, deflated by the spread
    of every trial's daily Sharpe) and PBO by CSCV over the trials' daily returns."""
    matrix, numbers = returns_matrix(trials)
    out: dict[str, Any] = {"n_trials": len(trials), "days": int(matrix.shape[0])}
    if not numbers or best_number not in numbers or matrix.shape[0] < 2:
        return out
    column = numbers.index(best_number)
    sharpes = np.array([sharpe(matrix[:, i]) for i in range(matrix.shape[1])])
    dsr = deflated_sharpe(matrix[:, column], sharpes)
    out["deflated_sharpe"] = {
        "dsr": dsr.dsr,
        "daily_sharpe": dsr.sharpe,
        "benchmark_daily_sharpe": dsr.benchmark,
        "skew": dsr.skew,
        "kurtosis": dsr.kurtosis,
    }
    if matrix.shape[1] >= 2 and matrix.shape[0] >= 2 * PBO_BLOCKS:
        pbo = probability_of_overfitting(matrix, blocks=PBO_BLOCKS)
        out["pbo"] = {"pbo": pbo.pbo, "splits": pbo.splits, "blocks": PBO_BLOCKS}
    else:
        out["pbo"] = None  # too few trials or days: not computable, and said so
    return out


def importance(handle: optuna.Study) -> dict[str, float]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # optuna's experimental-feature warnings
            values = optuna.importance.get_param_importances(
                handle,
                # PED-ANOVA (optuna's default since 5.0) needs no scikit-learn.
                evaluator=optuna.importance.PedAnovaImportanceEvaluator(),
                target=lambda t: float(t.user_attrs.get(OBJECTIVE_ATTR, float("nan"))),
            )
    except (RuntimeError, ValueError, ZeroDivisionError, ImportError):
        return {}  # fewer than two completed trials, or no parameter varied
    return {k: float(v) for k, v in values.items()}


def study_report(
    handle: optuna.Study,
    study: Study,
    evaluations: list[Evaluation],
    *,
    data_dir: Path | None = None,
    null_seeds: int = 10,
) -> StudyReport:
    trials = handle.get_trials(deepcopy=False)
    done = [t for t in completed(handle) if OBJECTIVE_ATTR in t.user_attrs]
    best = winner(handle)
    config = trial_config(best)
    # The winner once more with its nulls (deterministic: the same folds as in the search).
    rerun: TrialResult = run_trial(prepared(study, data_dir), study.study, config, null_seeds=null_seeds)
    strategy = aggregate(rerun.folds)
    nulls = null_aggregates(rerun.folds)
    importance_values = importance(handle)
    states: dict[str, int] = {}
    for t in trials:
        states[t.state.name.lower()] = states.get(t.state.name.lower(), 0) + 1
    data = {
        "study": study.study.name,
        "spec": study.model_dump(mode="json"),
        "trials": states,
        "winner": {
            "trial": best.number,
            "objective": float(best.user_attrs[OBJECTIVE_ATTR]),
            "config": config.model_dump(mode="json"),
            "folds": [fold_row(f) for f in rerun.folds],
            "aggregate": strategy.to_dict(),
            "nulls": null_comparison(strategy, nulls),
        },
        "overfitting": overfitting(done, best.number),
        "importance": importance_values,
        "seconds_per_trial": _median_seconds(done),
        "lockbox_looks": [
            {
                "id": e.id,
                "trial": e.trial_number,
                "started": day(e.started_ms),
                "finished": e.finished_ms is not None,
                "strategy": (e.figures or {}).get("strategy"),
            }
            for e in evaluations
        ],
    }
    figures = [_history_figure(trials), _importance_figure(importance_values), _equity_figure(rerun)]
    return StudyReport(data, figures)


def _median_seconds(done: list[optuna.trial.FrozenTrial]) -> float | None:
    seconds = [float(t.user_attrs["seconds"]) for t in done if "seconds" in t.user_attrs]
    return float(np.median(seconds)) if seconds else None


def _history_figure(trials: list[optuna.trial.FrozenTrial]) -> go.Figure:
    figure = go.Figure()
    done = [t for t in trials if OBJECTIVE_ATTR in t.user_attrs]
    xs = [t.number for t in done]
    ys = [float(t.user_attrs[OBJECTIVE_ATTR]) for t in done]
    figure.add_scatter(x=xs, y=ys, mode="markers", name="trial objective")
    if ys:
        figure.add_scatter(x=xs, y=list(np.maximum.accumulate(ys)), mode="lines", name="best so far")
    pruned = [t.number for t in trials if t.state == optuna.trial.TrialState.PRUNED]
    if pruned:
        figure.add_scatter(x=pruned, y=[min(ys, default=0.0)] * len(pruned), mode="markers", name="pruned")
    figure.update_layout(title="Trial history (median fold Sharpe - penalty x worst fold drawdown)")
    return figure


def _importance_figure(values: dict[str, float]) -> go.Figure:
    figure = go.Figure()
    names = list(values)[::-1]
    figure.add_bar(x=[values[n] for n in names], y=names, orientation="h", name="importance")
    figure.update_layout(title="Parameter importance (PED-ANOVA on the objective)")
    return figure


def _equity_figure(result: TrialResult) -> go.Figure:
    figure = go.Figure()
    ts, equity = chain([f.figures for f in result.folds])
    x = (ts / 1000).astype("datetime64[s]")
    kinds = sorted({k for f in result.folds for k in f.nulls})
    for kind in kinds:
        seeds = min(len(f.nulls[kind]) for f in result.folds)
        for i in range(seeds):
            nts, neq = chain([f.nulls[kind][i] for f in result.folds])
            figure.add_scatter(
                x=(nts / 1000).astype("datetime64[s]"), y=neq, mode="lines",
                name=kind if i == 0 else f"{kind} {i}", showlegend=i == 0, legendgroup=kind,
                opacity=1.0 if kind == "buy_and_hold" else 0.25,
            )  # fmt: skip
    figure.add_scatter(x=x, y=equity, mode="lines", name="winner", line={"width": 2.5})
    figure.update_layout(
        title="Winner's walk-forward equity (folds chained) vs nulls", yaxis_title="growth of 1"
    )
    return figure


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str, str]]) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label, _ in columns)
    body = []
    for row in rows:
        cells = []
        for key, _, pattern in columns:
            value = row.get(key)
            cells.append(f"<td>{html.escape(pattern.format(value) if value is not None else 'n/a')}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="summary"><tr>{head}</tr>{"".join(body)}</table>'


_FOLD_COLUMNS = [
    ("test", "test period", "{}"),
    ("train", "trained on", "{}"),
    ("sharpe", "Sharpe", "{:.2f}"),
    ("total_return", "return", "{:+.2%}"),
    ("max_drawdown", "max DD", "{:.2%}"),
    ("trades", "trades", "{}"),
    ("longs", "long", "{}"),
    ("shorts", "short", "{}"),
    ("fees", "fees", "{:,.0f}"),
    ("funding", "funding", "{:,.0f}"),
]


def render_html(report: StudyReport, *, plotly_js: str = PLOTLY_JS_FILE) -> str:
    d = report.data
    w = d["winner"]
    folds = [
        {
            **f,
            "test": f"{day(f['test_start_ms'])}..{day(f['test_end_ms'])}",
            "train": f"{day(f['train_start_ms'])}..{day(f['train_end_ms'])}",
        }
        for f in w["folds"]
    ]
    over = d["overfitting"]
    dsr = over.get("deflated_sharpe") or {}
    pbo = over.get("pbo")
    facts = [
        f"<b>{html.escape(d['study'])}</b>",
        "trials: " + ", ".join(f"{v} {k}" for k, v in sorted(d["trials"].items())),
        f"winner: trial {w['trial']} (objective {w['objective']:.3f})",
        f"deflated Sharpe ratio {dsr.get('dsr', float('nan')):.3f} over {over['n_trials']} trials",
        f"PBO {pbo['pbo']:.2f} ({pbo['splits']} CSCV splits)" if pbo else "PBO: too few trials or days",
        f"lockbox looks: {len(d['lockbox_looks'])}",
    ]
    agg = w["aggregate"]
    null_rows = [{"name": "winner", **agg, "p_value": None}] + [
        {"name": k, **v} for k, v in w["nulls"].items()
    ]
    null_table = _table(
        null_rows,
        [
            ("name", "", "{}"),
            ("sharpe", "Sharpe (daily, ann.)", "{:.2f}"),
            ("total_return", "return", "{:+.2%}"),
            ("max_drawdown", "max DD", "{:.2%}"),
            ("p_value", "p (null >= winner)", "{:.3f}"),
        ],
    )
    looks = _table(
        [{**e, **(e["strategy"] or {})} for e in d["lockbox_looks"]],
        [
            ("id", "look", "{}"),
            ("trial", "trial", "{}"),
            ("started", "date", "{}"),
            ("finished", "finished", "{}"),
            ("sharpe", "Sharpe", "{:.2f}"),
            ("total_return", "return", "{:+.2%}"),
            ("max_drawdown", "max DD", "{:.2%}"),
        ],
    )
    sections = "\n".join(figure_section(i, f) for i, f in enumerate(report.figures))
    config = html.escape(json.dumps(w["config"], indent=1))
    return _PAGE.format(
        title=html.escape(f"alphaloop study: {d['study']}"),
        plotly_js=html.escape(plotly_js),
        facts=" · ".join(facts),
        folds=_table(folds, _FOLD_COLUMNS),
        nulls=null_table,
        looks=looks,
        config=config,
        sections=sections,
    )


def write_report(folder: Path, report: StudyReport) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / JSON_FILE).write_text(json.dumps(report.data, indent=2, default=_json_default) + "\n")
    script = plotly_js_for(folder)
    page = folder / REPORT_FILE
    page.write_text(render_html(report, plotly_js=script), encoding="utf-8")
    return page


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<script src="{plotly_js}"></script>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }}
table.summary {{ border-collapse: collapse; margin: 1rem 0; }}
table.summary th, table.summary td {{ padding: 0.25rem 0.75rem; border-bottom: 1px solid #ddd; }}
table.summary td:not(:first-child) {{ text-align: right; }}
pre {{ background: #f6f6f6; padding: 0.5rem; font-size: 0.8rem; }}
section {{ margin-top: 2rem; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="facts">{facts}</p>
<h2>Winner's folds (walk-forward, net of fees and funding)</h2>
{folds}
<h2>Winner vs nulls</h2>
{nulls}
<h2>Lockbox looks (every final evaluation, in order)</h2>
{looks}
<h2>Winner's configuration</h2>
<pre>{config}</pre>
{sections}
<script>
for (const block of document.querySelectorAll("script.alphaloop-figure")) {{
  const figure = JSON.parse(block.textContent);
  Plotly.newPlot(block.dataset.target, figure.data, figure.layout, {{responsive: true}});
}}
</script>
</body>
</html>
"""
