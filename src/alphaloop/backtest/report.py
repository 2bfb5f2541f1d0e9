"""The report folder of a backtest run.

```
folder/
  summary.json     the summary object (the same as `alphaloop backtest --json` prints)
  trades.csv       one row per round trip, net PnL after fees and funding
  fills.csv        one row per execution
  equity.csv       one row per bar: equity, drawdown, gross exposure (and buy-and-hold equity)
  report.html      summary table, method and plots; opens offline
  plotly.min.js    the plotting library the page loads, shipped beside it to keep the page small
```

A report folder directly inside a `reports/` folder loads the one shared `reports/plotly.min.js`
instead (see `plotly_js_for`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]
import plotly.offline  # type: ignore[import-untyped, unused-ignore]

from alphaloop.backtest import report_plots as plots
from alphaloop.backtest.metrics import METHOD
from alphaloop.backtest.report_csv import write_equity_csv, write_fills_csv, write_trades_csv
from alphaloop.backtest.result import BacktestResult
from alphaloop.backtest.summary import json_safe, null_caption, run_labels, summary_rows
from alphaloop.model.snapshot import FloatArray

SUMMARY_FILE = "summary.json"
TRADES_FILE = "trades.csv"
FILLS_FILE = "fills.csv"
EQUITY_FILE = "equity.csv"
REPORT_FILE = "report.html"
PLOTLY_JS_FILE = "plotly.min.js"
#: report folders directly in a folder of this name share one copy of the plotting library
SHARED_REPORTS_DIR = "reports"

#: Class of the <script type="application/json"> blocks that hold each figure (data and layout).
FIGURE_CLASS = "alphaloop-figure"


def write_report(
    folder: Path,
    result: BacktestResult,
    summary: Mapping[str, object],
    *,
    buy_and_hold: BacktestResult | None,
    random_equity: Sequence[FloatArray] = (),
) -> Path:
    """Write every file of the report folder (created if needed) and return the HTML page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(json_safe(summary), indent=2, allow_nan=False)
    (folder / SUMMARY_FILE).write_text(text + "\n", encoding="utf-8")
    write_trades_csv(folder / TRADES_FILE, result)
    write_fills_csv(folder / FILLS_FILE, result)
    write_equity_csv(folder / EQUITY_FILE, result, buy_and_hold)
    figures = [
        plots.equity_figure(result, buy_and_hold, random_equity),
        plots.drawdown_figure(result, buy_and_hold),
        plots.price_figure(result),
        plots.pnl_figure(result),
        plots.costs_figure(result),
    ]
    script = plotly_js_for(folder)
    page = folder / REPORT_FILE
    page.write_text(render_html(result, summary, figures, plotly_js=script), encoding="utf-8")
    return page


def render_html(
    result: BacktestResult,
    summary: Mapping[str, object],
    figures: Sequence[go.Figure],
    *,
    plotly_js: str = PLOTLY_JS_FILE,
) -> str:
    meta = summary.get("meta")
    meta = meta if isinstance(meta, Mapping) else {}
    labels = run_labels(summary)
    title = " ".join([*labels, f"alphaloop backtest: {result.strategy}"])
    sections = "\n".join(figure_section(i, figure) for i, figure in enumerate(figures))
    return _PAGE.format(
        title=_text(title),
        plotly_js=_text(plotly_js),
        facts=_facts(result, meta, summary.get("warnings")),
        table=_summary_table(summary),
        method=_text(METHOD),
        sections=sections,
        figure_class=FIGURE_CLASS,
    )


def _facts(result: BacktestResult, meta: Mapping[str, object], warnings: object = None) -> str:
    period = f"{meta.get('start', '?')} → {meta.get('end', '?')}"
    seeds = meta.get("random_seeds", 0)
    parts = [
        f"<b>{_text(result.strategy)}</b> on {_text(', '.join(result.symbols))}",
        f"{_text(result.timeframe)} bars, {_text(period)} ({len(result.ts):,} bars)",
        f"equity {result.initial_equity:,.2f} → {result.final_equity:,.2f} USDT",
        f"random baseline over {_text(str(seeds))} seeds" if seeds else "no random baseline (--seeds 0)",
    ]
    lines = [str(w) for w in warnings] if isinstance(warnings, list) else []
    return " · ".join(parts) + "".join(f"<br><b>warning:</b> {_text(w)}" for w in lines)


def _summary_table(summary: Mapping[str, object]) -> str:
    baselines = summary.get("baselines")
    baselines = baselines if isinstance(baselines, Mapping) else {}
    matched = "buy_and_hold_matched" in baselines
    trend = "trend" in baselines
    heads = ["metric", "strategy", "buy &amp; hold 1x"]
    heads += ["buy &amp; hold at the strategy's exposure"] if matched else []
    heads += ["trend"] if trend else []
    heads += ["random mean ± std"]
    header = "<tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr>"
    lines = []
    for r in summary_rows(summary):
        cells = [r.label, r.strategy, r.buy_and_hold]
        cells += [r.buy_and_hold_matched] if matched else []
        cells += [r.trend] if trend else []
        cells += [r.random]
        lines.append("<tr>" + "".join(f"<td>{_text(c)}</td>" for c in cells) + "</tr>")
    caption = null_caption(summary)
    caption_html = f"<caption>{_text(caption)}</caption>\n" if caption else ""
    body = "\n".join(lines)
    return f'<table class="summary">\n{caption_html}{header}\n{body}\n</table>'


def figure_section(index: int, figure: go.Figure) -> str:
    title = figure.layout.title.text or ""
    # "<" only ever occurs inside JSON strings, where \u003c means the same; the page stays parseable.
    data = figure.to_json().replace("<", "\\u003c")
    return (
        f'<section>\n<h2>{_text(title)}</h2>\n<div class="plot" id="figure-{index}"></div>\n'
        f'<script type="application/json" class="{FIGURE_CLASS}" data-target="figure-{index}">'
        f"{data}</script>\n"
        "</section>"
    )


def write_plotly_js(path: Path) -> None:
    source = plotly.offline.get_plotlyjs()
    # Re-running a report into the same folder should not rewrite 4.8 MB that is already there.
    if path.is_file() and path.stat().st_size == len(source.encode("utf-8")):
        return
    path.write_text(source, encoding="utf-8")


def plotly_js_for(folder: Path) -> str:
    """Write the plotting library where `folder`'s page loads it and return the page's `src`.

    Reports in the default `reports/` folder share one copy (`reports/plotly.min.js`, 4.8 MB once
    instead of once per report); a report anywhere else keeps its own copy, so it opens offline
    wherever it is moved. The `src` is relative, so the page opens from disk (file://)."""
    if folder.resolve().parent.name == SHARED_REPORTS_DIR:
        write_plotly_js(folder.parent / PLOTLY_JS_FILE)
        (folder / PLOTLY_JS_FILE).unlink(missing_ok=True)
        return f"../{PLOTLY_JS_FILE}"
    write_plotly_js(folder / PLOTLY_JS_FILE)
    return PLOTLY_JS_FILE


def _text(value: str) -> str:
    return html.escape(value, quote=True)


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
table.summary td:not(:first-child), table.summary th:not(:first-child) {{ text-align: right; }}
p.method {{ font-size: 0.85rem; color: #555; max-width: 60rem; }}
section {{ margin-top: 2rem; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="facts">{facts}</p>
<h2>Summary</h2>
{table}
<p class="method"><b>Method.</b> {method}</p>
{sections}
<script>
for (const block of document.querySelectorAll("script.{figure_class}")) {{
  const figure = JSON.parse(block.textContent);
  Plotly.newPlot(block.dataset.target, figure.data, figure.layout, {{responsive: true}});
}}
</script>
</body>
</html>
"""
