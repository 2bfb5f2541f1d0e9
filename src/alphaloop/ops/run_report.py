"""The report of a paper or live run, read back from its trading journal.

```
folder/
  summary.json     period, cycles, orders, fills, equity and drawdown, AI-log coverage, denials, events
  equity.csv       one row per equity point of the journal
  orders.csv       every column of every order, plus its time and its AI log's status
  fills.csv        every column of every fill, plus its time
  report.html      facts, summary table, equity (with entries and exits) and drawdown plots, orders
                   and denials; opens offline
  plotly.min.js    the plotting library the page loads, shipped beside it
```

The journal is only read (SQLAlchemy Core selects). With `run_id`, decisions, orders and AI logs
are those of that run, and the tables without a run column (fills, equity, denials, events) are
cut to the run's time window: from its start to its end, or to the next run's start when it
never recorded an end (a crash).
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]
import sqlalchemy
from sqlalchemy import ColumnElement, Connection, Engine, Table, select

from alphaloop.backtest.metrics import drawdown_curve
from alphaloop.backtest.report import (
    EQUITY_FILE,
    FIGURE_CLASS,
    FILLS_FILE,
    PLOTLY_JS_FILE,
    REPORT_FILE,
    SUMMARY_FILE,
    figure_section,
    plotly_js_for,
)
from alphaloop.backtest.summary import json_safe
from alphaloop.journal import schema
from alphaloop.journal.db import create_engine, redact_url, to_url
from alphaloop.journal.records import UNSENT_ORDER_STATUSES
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.snapshot import FloatArray, IntArray
from alphaloop.ops.model_fit import MAX_MODEL_ERROR_RATE
from alphaloop.ops.run_report_plots import (
    _decimal,
    _text,
    drawdown_figure,
    equity_figure,
    trade_pnl_figure,
)

ORDERS_FILE = "orders.csv"
#: The page lists the newest orders and denials only; the CSV files hold them all.
MAX_TABLE_ROWS = 500


EQUITY_COLUMNS = ("at_ms", "time", "equity", "available", "unrealized_pnl", "open_positions")
ORDER_COLUMNS = (*schema.orders.c.keys(), "created_time", "ai_log_status")
FILL_COLUMNS = (*schema.fills.c.keys(), "time")


Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RunReport:
    folder: Path
    html_path: Path
    summary: dict[str, Any]


def write_run_report(
    folder: Path,
    journal: Engine | str | Path,
    *,
    title: str,
    initial_equity: float | None = None,
    run_id: str | None = None,
    benchmark: tuple[IntArray, FloatArray] | None = None,
) -> RunReport:
    """Read the journal (an engine, a path or a URL) and write the report folder (created if needed).

    `initial_equity` is the equity the run started from when the journal's first equity point is
    not it (it then also starts the drawdown curve); `run_id` narrows the report to one run;
    `benchmark` (times, equity) is drawn beside the equity, e.g. `buy_and_hold_curve`.
    """
    rows = load_rows(journal, run_id=run_id)
    summary = build_summary(rows, title=title, initial_equity=initial_equity)
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(json_safe(summary), indent=2, allow_nan=False)
    (folder / SUMMARY_FILE).write_text(text + "\n", encoding="utf-8")
    _write_csv(folder / EQUITY_FILE, EQUITY_COLUMNS, _equity_records(rows.equity))
    log_status = _log_status_by_order(rows.ai_logs)
    _write_csv(
        folder / ORDERS_FILE,
        ORDER_COLUMNS,
        (
            {**o, "created_time": _iso(o["created_ms"]), "ai_log_status": log_status.get(o["client_oid"])}
            for o in rows.orders
        ),
    )
    _write_csv(folder / FILLS_FILE, FILL_COLUMNS, ({**f, "time": _iso(f["ts_ms"])} for f in rows.fills))
    curve = _curve(rows.equity, initial_equity)
    figures = [equity_figure(curve, rows, benchmark), drawdown_figure(curve), trade_pnl_figure(rows)]
    script = plotly_js_for(folder)
    page = folder / REPORT_FILE
    page.write_text(render_html(summary, rows, figures, log_status, plotly_js=script), encoding="utf-8")
    return RunReport(folder=folder, html_path=page, summary=summary)


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class RunRows:
    """The journal rows a report is made of, oldest first, as plain dicts."""

    journal: str
    run_id: str | None
    runs: list[Row]
    decisions: list[Row]
    orders: list[Row]
    ai_logs: list[Row]
    fills: list[Row]
    equity: list[Row]
    denials: list[Row]
    events: list[Row]


def load_rows(journal: Engine | str | Path, *, run_id: str | None = None) -> RunRows:
    """Read what the report needs; a path or URL gets its own engine, disposed afterwards."""
    if isinstance(journal, Engine):
        return _load(journal, redact_url(journal.url), run_id)
    url = to_url(journal)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        # create_engine would make an empty file; a report of nothing is a mistake worth naming.
        raise ConfigurationError(f"no journal at {redact_url(journal)}")
    engine = create_engine(journal)
    try:
        return _load(engine, redact_url(journal), run_id)
    finally:
        engine.dispose()


def _load(engine: Engine, label: str, run_id: str | None) -> RunRows:
    t = schema
    with engine.connect() as conn:
        if not sqlalchemy.inspect(conn).has_table(t.orders.name):
            raise ConfigurationError(f"{label} is not a trading journal (it has no orders table)")
        runs = _all(conn, select(t.runs).order_by(t.runs.c.started_ms, t.runs.c.id))
        start_ms, end_ms = _window(runs, run_id)
        if run_id is not None:
            runs = [r for r in runs if r["id"] == run_id]

        def of_run(column: ColumnElement[Any]) -> list[ColumnElement[bool]]:
            return [] if run_id is None else [column == run_id]

        def in_window(column: ColumnElement[Any]) -> list[ColumnElement[bool]]:
            conditions = []
            if start_ms is not None:
                conditions.append(column >= start_ms)
            if end_ms is not None:
                conditions.append(column < end_ms)
            return conditions

        d, o, a = t.decisions.c, t.orders.c, t.ai_logs.c
        run_decisions = select(d.id).where(*of_run(d.run_id))
        return RunRows(
            journal=label,
            run_id=run_id,
            runs=runs,
            decisions=_all(
                conn,
                select(d.id, d.run_id, d.bar_close_ms, d.created_ms, d.model, d.error)
                .where(*of_run(d.run_id))
                .order_by(d.bar_close_ms, d.id),
            ),
            orders=_all(conn, select(t.orders).where(*of_run(o.run_id)).order_by(o.created_ms, o.client_oid)),
            ai_logs=_all(
                conn,
                select(a.id, a.decision_id, a.client_oid, a.order_id, a.status, a.created_ms, a.uploaded_ms)
                .where(*([] if run_id is None else [a.decision_id.in_(run_decisions)]))
                .order_by(a.id),
            ),
            fills=_timed(conn, t.fills, t.fills.c.ts_ms, in_window, t.fills.c.trade_id),
            equity=_timed(conn, t.equity, t.equity.c.at_ms, in_window),
            denials=_timed(conn, t.denials, t.denials.c.at_ms, in_window, t.denials.c.id),
            events=_all(
                conn,
                select(t.events.c.at_ms, t.events.c.kind)
                .where(*in_window(t.events.c.at_ms))
                .order_by(t.events.c.at_ms, t.events.c.id),
            ),
        )


def _window(runs: Sequence[Row], run_id: str | None) -> tuple[int | None, int | None]:
    """[start, end) of the run in ms, or (None, None) for the whole journal."""
    if run_id is None:
        return None, None
    run = next((r for r in runs if r["id"] == run_id), None)
    if run is None:
        known = ", ".join(str(r["id"]) for r in runs) or "none"
        raise ConfigurationError(f"run {run_id!r} is not in the journal (runs: {known})")
    start = int(run["started_ms"])
    if run["ended_ms"] is not None:
        return start, int(run["ended_ms"]) + 1
    later = [int(r["started_ms"]) for r in runs if r["started_ms"] is not None and r["started_ms"] > start]
    return start, min(later) if later else None


def _timed(conn: Connection, table: Table, at: Any, in_window: Any, *tiebreak: Any) -> list[Row]:
    return _all(conn, select(table).where(*in_window(at)).order_by(at, *tiebreak))


def _all(conn: Connection, statement: Any) -> list[Row]:
    return [dict(row) for row in conn.execute(statement).mappings()]


# ----------------------------------------------------------------------------- summary


def build_summary(rows: RunRows, *, title: str, initial_equity: float | None = None) -> dict[str, Any]:
    """The numbers of the run (pure: rows in, a JSON-ready dict out)."""
    bars = [int(d["bar_close_ms"]) for d in rows.decisions if d["bar_close_ms"] is not None]
    first_bar, last_bar = (min(bars), max(bars)) if bars else (None, None)
    errors = sum(1 for d in rows.decisions if d["error"])
    rate = errors / len(rows.decisions) if rows.decisions else 0.0
    return {
        "title": title,
        # first: a model that fails on every cycle looks like a quiet, flat run everywhere else
        "model_errors": {
            "cycles": errors,
            "rate": rate,
            "failed_run": rate > MAX_MODEL_ERROR_RATE,
            "threshold": MAX_MODEL_ERROR_RATE,
        },
        "journal": rows.journal,
        "run_id": rows.run_id,
        "venue": _joined(r["venue"] for r in rows.runs),
        "mode": _joined(r["mode"] for r in rows.runs),
        "models": _distinct(r["model"] for r in rows.runs),
        "runs": [_run_summary(r) for r in rows.runs],
        "period": {
            "first_decision_bar": _iso(first_bar),
            "last_decision_bar": _iso(last_bar),
            "first_decision_bar_ms": first_bar,
            "last_decision_bar_ms": last_bar,
        },
        "cycles": len(rows.decisions),
        "cycles_with_model_error": sum(1 for d in rows.decisions if d["error"]),
        "orders": _orders_summary(rows.orders),
        "fills": _fills_summary(rows.fills),
        "equity": _equity_summary(rows.equity, initial_equity),
        "ai_logs": _ai_log_summary(rows.ai_logs, rows.orders),
        "denials": {"total": len(rows.denials), "by_rule": _counts(d["rule"] for d in rows.denials)},
        "events": {"total": len(rows.events), "by_kind": _counts(e["kind"] for e in rows.events)},
    }


def _run_summary(run: Row) -> dict[str, Any]:
    return {
        "id": run["id"],
        "mode": run["mode"],
        "venue": run["venue"],
        "model": run["model"],
        "timeframe": run["timeframe"],
        "version": run["version"],
        "started": _iso(run["started_ms"]),
        "ended": _iso(run["ended_ms"]),
        "end_reason": run["end_reason"],
    }


def _orders_summary(orders: Sequence[Row]) -> dict[str, Any]:
    by_purpose_and_status: dict[str, dict[str, int]] = {}
    for purpose in _distinct(o["purpose"] for o in orders):
        by_purpose_and_status[purpose] = _counts(o["status"] for o in orders if o["purpose"] == purpose)
    return {
        "total": len(orders),
        "sent": sum(1 for o in orders if _was_sent(o)),
        "by_purpose": _counts(o["purpose"] for o in orders),
        "by_status": _counts(o["status"] for o in orders),
        "by_purpose_and_status": by_purpose_and_status,
    }


def _fills_summary(fills: Sequence[Row]) -> dict[str, Any]:
    return {
        "count": len(fills),
        "fees": float(sum((_decimal(f["fee"]) or Decimal(0) for f in fills), Decimal(0))),
        "realized_pnl": float(sum((_decimal(f["realized_pnl"]) or Decimal(0) for f in fills), Decimal(0))),
    }


def _equity_summary(points: Sequence[Row], initial_equity: float | None) -> dict[str, Any]:
    values = [v for _, v in _equity_series(points)]
    final = values[-1] if values else None
    if initial_equity is not None:
        initial: float | None = float(initial_equity)
        source: str | None = "given"
    else:
        initial = values[0] if values else None
        source = "first equity point" if values else None
    curve = _curve(points, initial_equity)[1]
    return {
        "points": len(values),
        "initial": initial,
        "initial_source": source,
        "final": final,
        "return_pct": _percent(final / initial - 1.0) if final is not None and initial else None,
        "max_drawdown_pct": _percent(float(drawdown_curve(curve).max())) if len(curve) else None,
    }


def _ai_log_summary(logs: Sequence[Row], orders: Sequence[Row]) -> dict[str, Any]:
    status_by_order = _log_status_by_order(logs)
    sent = [o["client_oid"] for o in orders if _was_sent(o)]
    with_log = sum(1 for oid in sent if oid in status_by_order)
    with_uploaded = sum(1 for oid in sent if status_by_order.get(oid) == "uploaded")
    by_status = Counter(str(log["status"]) for log in logs)
    return {
        "stored": len(logs),
        "waiting": by_status["waiting"],
        "pending": by_status["pending"],
        "uploaded": by_status["uploaded"],
        "without_order": sum(1 for log in logs if log["client_oid"] is None),
        "orders_sent": len(sent),
        "orders_with_stored_log": with_log,
        "orders_with_uploaded_log": with_uploaded,
        # No order sent means no log missing: full coverage, as journal.AiLogCounts has it.
        "coverage_stored_pct": _percent(with_log / len(sent)) if sent else 100.0,
        "coverage_uploaded_pct": _percent(with_uploaded / len(sent)) if sent else 100.0,
    }


def _was_sent(order: Row) -> bool:
    return order["status"] not in UNSENT_ORDER_STATUSES


def _log_status_by_order(logs: Iterable[Row]) -> dict[str, str]:
    return {str(log["client_oid"]): str(log["status"]) for log in logs if log["client_oid"] is not None}


# ----------------------------------------------------------------------------- figures


def _equity_series(points: Iterable[Row]) -> list[tuple[int, float]]:
    series = []
    for point in points:
        value = point.get("equity")
        if point.get("at_ms") is not None and value is not None and math.isfinite(value):
            series.append((int(point["at_ms"]), float(value)))
    return series


def _curve(points: Sequence[Row], initial_equity: float | None) -> tuple[IntArray, FloatArray]:
    """(times, equity) with, when given, the initial equity first (its time: the first point's)."""
    series = _equity_series(points)
    ts = np.array([t for t, _ in series], dtype=np.int64)
    values = np.array([v for _, v in series], dtype=np.float64)
    if series and initial_equity is not None and math.isfinite(initial_equity):
        ts = np.concatenate((ts[:1], ts))
        values = np.concatenate(([float(initial_equity)], values))
    return ts, values


# ----------------------------------------------------------------------------- files


def _equity_records(points: Iterable[Row]) -> Iterable[Row]:
    for point in points:
        yield {**point, "time": _iso(point.get("at_ms"))}


def _write_csv(path: Path, columns: Sequence[str], records: Iterable[Mapping[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for record in records:
            writer.writerow(_cell(record.get(column)) for column in columns)


def _cell(value: Any) -> Any:
    # NULL is an empty cell, which every CSV reader takes as missing.
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


# ----------------------------------------------------------------------------- page


def render_html(
    summary: Mapping[str, Any],
    rows: RunRows,
    figures: Sequence[go.Figure],
    log_status: Mapping[str, str],
    *,
    plotly_js: str = PLOTLY_JS_FILE,
) -> str:
    title = str(summary.get("title") or "alphaloop run")
    return _PAGE.format(
        title=_text(title),
        plotly_js=_text(plotly_js),
        facts=_facts(summary),
        table=_summary_table(summary),
        sections="\n".join(figure_section(i, figure) for i, figure in enumerate(figures)),
        orders=_orders_table(rows.orders, log_status),
        denials=_denials_table(rows.denials),
        figure_class=FIGURE_CLASS,
    )


def _facts(summary: Mapping[str, Any]) -> str:
    period = summary["period"]
    equity = summary["equity"]
    models = ", ".join(summary["models"]) or "?"
    parts = [
        f"<b>{_text(models)}</b> on {_text(summary['venue'] or '?')} ({_text(summary['mode'] or '?')})",
        f"{_text(period['first_decision_bar'] or '?')} → {_text(period['last_decision_bar'] or '?')} "
        f"({summary['cycles']:,} cycles)",
        f"equity {_money(equity['initial'])} → {_money(equity['final'])} USDT",
        f"journal {_text(summary['journal'])}",
    ]
    return " · ".join(parts)


def summary_rows(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) lines of the page's summary table."""
    equity, fills, logs = summary["equity"], summary["fills"], summary["ai_logs"]
    orders, denials, events = summary["orders"], summary["denials"], summary["events"]
    errors = summary.get("model_errors", {})
    flagged = (
        [
            (
                "MODEL ERRORS",
                f"{errors['cycles']:,} cycles ({errors['rate']:.0%})"
                + (f": FAILED RUN (above {errors['threshold']:.0%})" if errors["failed_run"] else ""),
            )
        ]
        if errors.get("cycles")
        else []
    )
    return [
        *flagged,
        ("runs", ", ".join(r["id"] for r in summary["runs"]) or "-"),
        (
            "cycles (decisions)",
            f"{summary['cycles']:,} ({summary['cycles_with_model_error']:,} model errors)",
        ),
        ("initial equity", f"{_money(equity['initial'])} ({equity['initial_source'] or 'unknown'})"),
        ("final equity", _money(equity["final"])),
        ("return", _pct(equity["return_pct"])),
        ("max drawdown", _pct(equity["max_drawdown_pct"])),
        ("orders", f"{orders['total']:,} ({orders['sent']:,} sent)"),
        ("orders by purpose", _mapping(orders["by_purpose"])),
        ("orders by status", _mapping(orders["by_status"])),
        ("fills", f"{fills['count']:,}"),
        ("fees", _money(fills["fees"])),
        ("realized PnL", _money(fills["realized_pnl"])),
        ("AI logs", f"{logs['stored']:,} stored, {logs['uploaded']:,} uploaded"),
        (
            "AI-log coverage of sent orders",
            f"{_pct(logs['coverage_stored_pct'])} stored, {_pct(logs['coverage_uploaded_pct'])} uploaded "
            f"({logs['orders_sent']:,} orders sent)",
        ),
        ("denials by rule", _mapping(denials["by_rule"])),
        ("events by kind", _mapping(events["by_kind"])),
    ]


def _summary_table(summary: Mapping[str, Any]) -> str:
    body = "\n".join(
        f"<tr><td>{_text(label)}</td><td>{_text(value)}</td></tr>" for label, value in summary_rows(summary)
    )
    return f'<table class="summary">\n<tr><th>metric</th><th>value</th></tr>\n{body}\n</table>'


def _orders_table(orders: Sequence[Row], log_status: Mapping[str, str]) -> str:
    header = (
        "<tr><th>time</th><th>symbol</th><th>intent</th><th>purpose</th><th>size</th><th>price</th>"
        "<th>status</th><th>venue order id</th><th>AI log uploaded</th></tr>"
    )
    shown = list(reversed(orders[-MAX_TABLE_ROWS:]))
    lines = []
    for order in shown:
        status = log_status.get(order["client_oid"])
        uploaded = "yes" if status == "uploaded" else f"no ({status or 'none stored'})"
        price = order["average_price"] if order["average_price"] is not None else order["price"]
        cells = (
            _iso(order["created_ms"]),
            order["symbol"],
            order["intent"],
            order["purpose"],
            order["amount"],
            price,
            order["status"],
            order["venue_order_id"],
            uploaded,
        )
        lines.append("<tr>" + "".join(f"<td>{_text(_shown(c))}</td>" for c in cells) + "</tr>")
    return _table("orders", header, lines, total=len(orders), file=ORDERS_FILE)


def _denials_table(denials: Sequence[Row]) -> str:
    header = "<tr><th>time</th><th>symbol</th><th>rule</th><th>reason</th></tr>"
    lines = [
        "<tr>"
        + "".join(
            f"<td>{_text(_shown(c))}</td>" for c in (_iso(d["at_ms"]), d["symbol"], d["rule"], d["message"])
        )
        + "</tr>"
        for d in reversed(denials[-MAX_TABLE_ROWS:])
    ]
    return _table("denials", header, lines, total=len(denials), file=None)


def _table(kind: str, header: str, lines: Sequence[str], *, total: int, file: str | None) -> str:
    if not lines:
        return f'<p class="note">No {kind} in the journal.</p>'
    note = f"{total:,} {kind}, newest first."
    if total > len(lines):
        where = f" in {file}" if file else ""
        note = f"The latest {len(lines):,} of {total:,} {kind}, newest first; all of them{where}."
    body = "\n".join(lines)
    return f'<p class="note">{_text(note)}</p>\n<table class="rows {kind}">\n{header}\n{body}\n</table>'


# ----------------------------------------------------------------------------- small helpers


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _percent(fraction: float) -> float | None:
    return fraction * 100.0 if math.isfinite(fraction) else None


def _counts(values: Iterable[Any]) -> dict[str, int]:
    return dict(sorted(Counter(str(v) for v in values).items()))


def _distinct(values: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values if v is not None))


def _joined(values: Iterable[Any]) -> str | None:
    return ", ".join(_distinct(values)) or None


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}%"


def _mapping(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{key} {value:,}" for key, value in counts.items()) or "-"


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<script src="{plotly_js}"></script>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ padding: 0.25rem 0.75rem; border-bottom: 1px solid #ddd; text-align: left; }}
table.rows {{ font-size: 0.85rem; }}
p.note {{ font-size: 0.85rem; color: #555; }}
section {{ margin-top: 2rem; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="facts">{facts}</p>
<h2>Summary</h2>
{table}
{sections}
<section>
<h2>Orders</h2>
{orders}
</section>
<section>
<h2>Risk denials</h2>
{denials}
</section>
<script>
for (const block of document.querySelectorAll("script.{figure_class}")) {{
  const figure = JSON.parse(block.textContent);
  Plotly.newPlot(block.dataset.target, figure.data, figure.layout, {{responsive: true}});
}}
</script>
</body>
</html>
"""
