"""The figures of the run report and what they need: equity with fills and buy-and-hold,
drawdown, realised PnL per trade, and where the page finds the plotting library."""

from __future__ import annotations

import html
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]

from alphaloop.backtest.metrics import drawdown_curve
from alphaloop.backtest.report_plots import FILL_MARKERS, minmax_indices
from alphaloop.model.frame import MarketFrame
from alphaloop.model.snapshot import FloatArray, IntArray

if TYPE_CHECKING:
    from alphaloop.ops.run_report import RunRows

EQUITY_TITLE = "Equity with entries and exits"
DRAWDOWN_TITLE = "Drawdown"
TRADE_PNL_TITLE = "Realised PnL per trade"
BUY_AND_HOLD_NAME = "buy and hold (equal weight)"
_TEMPLATE = "plotly_white"
_GREEN, _RED, _BLUE, _GREY = "#2ca02c", "#d62728", "#1f77b4", "#7f7f7f"

Row = dict[str, Any]


def buy_and_hold_curve(
    frame: MarketFrame, start_ms: int, end_ms: int, initial_equity: float
) -> tuple[IntArray, FloatArray]:
    """Equal-weight buy-and-hold of the frame's symbols over [start_ms, end_ms], as equity: each
    symbol's close over its first close in the window, averaged over the symbols that have one."""
    inside = (frame.ts >= start_ms) & (frame.ts <= end_ms)
    ts = frame.ts[inside].astype(np.int64)
    if not len(ts):
        return ts, np.empty(0, dtype=np.float64)
    ratios = []
    for bars in frame.bars.values():
        closes = np.asarray(bars.close, dtype=np.float64)[inside]
        valid = np.flatnonzero(np.isfinite(closes) & (closes > 0))
        if len(valid):
            # carry the last price over a missing bar; before its first bar a symbol counts as flat
            index = np.maximum.accumulate(np.where(np.isfinite(closes) & (closes > 0), np.arange(len(ts)), 0))
            filled = closes[index]
            filled[: valid[0]] = closes[valid[0]]
            ratios.append(filled / closes[valid[0]])
    if not ratios:
        return ts[:0], np.empty(0, dtype=np.float64)
    # close time of each bar: the equity points of the run are stamped at bar closes
    step = int(ts[1] - ts[0]) if len(ts) > 1 else 0
    return ts + step, np.mean(ratios, axis=0) * initial_equity


def _marker_size(count: int) -> int:
    """Smaller markers as fills multiply: thousands of 9 px triangles hide the line they sit on."""
    return 9 if count < 200 else 6 if count < 2_000 else 4


def equity_figure(
    curve: tuple[IntArray, FloatArray],
    rows: RunRows,
    benchmark: tuple[IntArray, FloatArray] | None = None,
) -> go.Figure:
    """The equity line, with each fill marked on it at the equity of that moment, and buy-and-hold
    beside it when given."""
    ts, values = curve
    figure = go.Figure()
    if len(ts) == 0:
        return _empty(figure, EQUITY_TITLE, "no equity points in the journal")
    keep = minmax_indices(values)
    figure.add_scatter(
        x=ts[keep].astype(np.float64),
        y=values[keep],
        name="equity",
        mode="lines",
        line={"color": _BLUE, "width": 1.5},
    )
    if benchmark is not None and len(benchmark[0]):
        bench_ts, bench_values = benchmark
        picked = minmax_indices(bench_values)
        figure.add_scatter(
            x=bench_ts[picked].astype(np.float64),
            y=bench_values[picked],
            name=BUY_AND_HOLD_NAME,
            mode="lines",
            line={"color": _GREY, "width": 1.2, "dash": "dot"},
        )
    purpose = {o["client_oid"]: o["purpose"] for o in rows.orders}
    fills = [f for f in rows.fills if f["ts_ms"] is not None]
    entries = [f for f in fills if _is_entry(f, purpose.get(f["client_oid"]))]
    exits = [f for f in fills if not _is_entry(f, purpose.get(f["client_oid"]))]
    for name, marked, entry in (("entries", entries, True), ("exits", exits, False)):
        if not marked:
            continue
        at = np.array([int(f["ts_ms"]) for f in marked], dtype=np.int64)
        # The equity last recorded at or before the fill (the first point for fills before it).
        index = np.clip(np.searchsorted(ts, at, side="right") - 1, 0, len(ts) - 1)
        buys = [f["side"] == "buy" for f in marked]
        figure.add_scatter(
            x=at.tolist(),
            y=values[index].tolist(),
            name=name,
            mode="markers",
            meta=FILL_MARKERS,
            marker={
                "symbol": [
                    ("triangle-up" if b else "triangle-down") + ("" if entry else "-open") for b in buys
                ],
                "color": [_GREEN if b else _RED for b in buys],
                "size": _marker_size(len(fills)),
            },
            hovertext=[_fill_text(f, "entry" if entry else "exit") for f in marked],
            hoverinfo="text+x",
        )
    figure.update_layout(title=EQUITY_TITLE, yaxis_title="equity (USDT)", hovermode="closest")
    return _styled(figure)


def drawdown_figure(curve: tuple[IntArray, FloatArray]) -> go.Figure:
    ts, values = curve
    figure = go.Figure()
    if len(ts) == 0:
        return _empty(figure, DRAWDOWN_TITLE, "no equity points in the journal")
    drawdown = -drawdown_curve(values)
    keep = minmax_indices(drawdown)
    figure.add_scatter(
        x=ts[keep].astype(np.float64),
        y=drawdown[keep],
        name="drawdown",
        mode="lines",
        line={"color": _RED, "width": 1.5},
        fill="tozeroy",
    )
    figure.update_layout(
        title=DRAWDOWN_TITLE,
        yaxis={"title": "below running peak", "tickformat": percent_format(float(-drawdown.min()))},
        hovermode="x",
    )
    return _styled(figure)


def percent_format(largest: float) -> str:
    """Enough decimals that the ticks of an axis up to `largest` (a fraction) differ: ".0%" labels
    every tick of a 0.4% drawdown "0%"."""
    return ".0%" if largest >= 0.05 else ".1%" if largest >= 0.005 else ".2%"


def trade_pnl_figure(rows: RunRows) -> go.Figure:
    """Realised PnL of each closing fill (net of its fee), green above zero and red below."""
    figure = go.Figure()
    closing = [f for f in rows.fills if f["ts_ms"] is not None and _decimal(f["realized_pnl"])]
    if not closing:
        return _empty(figure, TRADE_PNL_TITLE, "no closed trades in the journal")
    pnl = [float((_decimal(f["realized_pnl"]) or 0) - (_decimal(f["fee"]) or 0)) for f in closing]
    figure.add_bar(
        x=[int(f["ts_ms"]) for f in closing],
        y=pnl,
        name="realised PnL per trade",
        marker={"color": [_GREEN if v >= 0 else _RED for v in pnl]},
        hovertext=[_fill_text(f, "exit") for f in closing],
        hoverinfo="text+y",
    )
    wins = sum(v > 0 for v in pnl)
    figure.update_layout(
        title=f"{TRADE_PNL_TITLE}: {len(pnl):,} trades, {wins:,} won, total {sum(pnl):,.2f} USDT",
        yaxis={"title": "USDT", "tickformat": ",.2f"},
        bargap=0.1,
        hovermode="closest",
    )
    return _styled(figure)


def _is_entry(fill: Row, purpose: str | None) -> bool:
    if purpose is not None:
        return purpose == "entry"
    # A fill of no order of ours (a venue-side exit): buying into a long or selling into a short opens.
    return (fill["side"], fill["position_side"]) in (("buy", "long"), ("sell", "short"))


def _fill_text(fill: Row, kind: str) -> str:
    return (
        f"{_text(str(fill['symbol']))} {kind}: {_text(str(fill['side']))} {_text(str(fill['amount']))} "
        f"@ {_text(str(fill['price']))}<br>fee {_text(str(fill['fee']))} · "
        f"realised {_text(str(fill['realized_pnl']))} USDT"
    )


def _empty(figure: go.Figure, title: str, message: str) -> go.Figure:
    figure.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    figure.update_layout(title=title, xaxis_visible=False, yaxis_visible=False)
    return _styled(figure, dates=False)


def _styled(figure: go.Figure, *, dates: bool = True) -> go.Figure:
    figure.update_layout(
        template=_TEMPLATE, margin={"l": 60, "r": 20, "t": 70, "b": 40}, legend_orientation="h"
    )
    if dates:
        figure.update_xaxes(type="date")
    return figure


def _decimal(text: Any) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _text(value: str) -> str:
    return html.escape(value, quote=True)
