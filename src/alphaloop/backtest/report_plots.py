"""The figures of the HTML report, built from results only (no files).

Lines are min-max downsampled to a few thousand points so a 5m run over months stays small and
keeps its peaks and troughs; fill markers are never dropped. Times go to plotly as ms since the
epoch on date axes, which serialise as compact binary arrays rather than date strings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go  # type: ignore[import-untyped, unused-ignore]
from plotly.subplots import make_subplots  # type: ignore[import-untyped, unused-ignore]

from alphaloop.backtest.metrics import drawdown_curve, equity_curve
from alphaloop.backtest.result import BacktestResult, FillRecord
from alphaloop.model.snapshot import FloatArray, IntArray

EQUITY_TITLE = "Equity vs buy & hold"
DRAWDOWN_TITLE = "Drawdown"
PRICE_TITLE = "Price with entries and exits"
PNL_TITLE = "Net PnL by symbol"
COSTS_TITLE = "Fees and funding paid"

#: Points per line; a screen is narrower than this, and min-max keeps every visible extreme.
MAX_LINE_POINTS = 5_000
#: The `meta` of fill-marker traces, so the page (and its tests) can tell them from lines.
FILL_MARKERS = "fills"

_TEMPLATE = "plotly_white"
_GREEN, _RED, _BLUE, _GREY, _ORANGE = "#2ca02c", "#d62728", "#1f77b4", "#7f7f7f", "#ff7f0e"
_EXIT_COLOURS = {"stop_loss": _RED, "take_profit": _GREEN, "liquidation": "#9467bd"}


def minmax_indices(values: FloatArray, max_points: int = MAX_LINE_POINTS) -> IntArray:
    """Indices of at most `max_points` samples: the first, the last, and each bucket's min and max."""
    n = len(values)
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    buckets = max(1, (max_points - 2) // 2)
    size = -(-n // buckets)
    padded = np.full(buckets * size, np.nan)
    padded[:n] = values
    grid = padded.reshape(buckets, size)
    missing = np.isnan(grid)
    offsets = np.arange(buckets, dtype=np.int64) * size
    lows = np.where(missing, np.inf, grid).argmin(axis=1) + offsets
    highs = np.where(missing, -np.inf, grid).argmax(axis=1) + offsets
    picked = np.concatenate(([0, n - 1], lows, highs))
    return np.unique(np.minimum(picked, n - 1))


def equity_figure(
    result: BacktestResult, buy_and_hold: BacktestResult | None, random_equity: Sequence[FloatArray]
) -> go.Figure:
    figure = go.Figure()
    if random_equity:
        stacked = np.vstack([np.asarray(e, dtype=np.float64) for e in random_equity])
        if stacked.shape[1] != len(result.ts):
            raise ValueError(f"random equity curves have {stacked.shape[1]} bars, the run {len(result.ts)}")
        mean = stacked.mean(axis=0)
        keep = minmax_indices(mean)
        x = _x(result.ts[keep])
        label = f"random entries ({len(random_equity)} seeds)"
        figure.add_scatter(
            x=x,
            y=stacked.min(axis=0)[keep],
            name="random min",
            line={"width": 0},
            legendgroup="random",
            showlegend=False,
            hoverinfo="skip",
        )
        figure.add_scatter(
            x=x,
            y=stacked.max(axis=0)[keep],
            name=f"{label}: min–max",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(127,127,127,0.2)",
            legendgroup="random",
            hoverinfo="skip",
        )
        figure.add_scatter(x=x, y=mean[keep], name=f"{label}: mean", line={"color": _GREY, "dash": "dot"})
    if buy_and_hold is not None:
        _add_line(figure, buy_and_hold.ts, buy_and_hold.equity, name="buy & hold", color=_ORANGE)
    _add_line(figure, result.ts, result.equity, name=result.strategy, color=_BLUE)
    figure.update_layout(title=EQUITY_TITLE, yaxis_title="equity (USDT)", hovermode="x unified")
    return _styled(figure)


def drawdown_figure(result: BacktestResult, buy_and_hold: BacktestResult | None) -> go.Figure:
    figure = go.Figure()
    if buy_and_hold is not None:
        _add_line(
            figure,
            buy_and_hold.ts,
            -drawdown_curve(equity_curve(buy_and_hold))[1:],
            name="buy & hold",
            color=_ORANGE,
            dash="dot",
        )
    _add_line(
        figure,
        result.ts,
        -drawdown_curve(equity_curve(result))[1:],
        name=result.strategy,
        color=_RED,
        fill="tozeroy",
    )
    figure.update_layout(
        title=DRAWDOWN_TITLE,
        yaxis={"title": "below running peak", "tickformat": ".0%"},
        hovermode="x unified",
    )
    return _styled(figure)


def price_figure(result: BacktestResult) -> go.Figure:
    """One row per symbol: the close, entry markers (filled) and exit markers (open triangles)."""
    fills_by_symbol: dict[str, list[FillRecord]] = defaultdict(list)
    for fill in result.fills:
        fills_by_symbol[fill.symbol].append(fill)
    symbols = list(dict.fromkeys([*result.symbols, *result.closes, *fills_by_symbol]))
    rows = max(1, len(symbols))
    figure = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=min(0.06, 0.3 / rows),
        subplot_titles=symbols or None,
    )
    points_per_symbol = max(1_500, MAX_LINE_POINTS // rows)
    for row, symbol in enumerate(symbols, start=1):
        first = row == 1
        if symbol in result.closes:
            _add_line(
                figure,
                result.ts,
                result.closes[symbol],
                name="close",
                color=_GREY,
                row=row,
                max_points=points_per_symbol,
                legendgroup="close",
                showlegend=first,
            )
        fills = fills_by_symbol.get(symbol, [])
        entries = [f for f in fills if f.reason == "open"]
        exits = [f for f in fills if f.reason != "open"]
        _add_markers(figure, entries, name="entries", row=row, showlegend=first, entry=True)
        _add_markers(figure, exits, name="exits", row=row, showlegend=first, entry=False)
    figure.update_yaxes(title_text="USDT")
    figure.update_layout(title=PRICE_TITLE, height=140 + 240 * rows)
    return _styled(figure)


def pnl_figure(result: BacktestResult) -> go.Figure:
    pnl = result.pnl_by_symbol()
    values = list(pnl.values())
    figure = go.Figure(
        go.Bar(
            x=list(pnl),
            y=values,
            name="net PnL",
            marker_color=[_GREEN if v >= 0 else _RED for v in values],
            text=[f"{v:,.2f}" for v in values],
            textposition="outside",
        )
    )
    figure.update_layout(title=PNL_TITLE, yaxis_title="net PnL after fees and funding (USDT)")
    return _styled(figure, dates=False)


def costs_figure(result: BacktestResult) -> go.Figure:
    """Per symbol (from trades) and cumulative over time: fees at each fill, funding when its trade ends."""
    fees: dict[str, float] = dict.fromkeys(result.symbols, 0.0)
    funding: dict[str, float] = dict.fromkeys(result.symbols, 0.0)
    funding_events: list[tuple[int, float]] = []
    last_ts = int(result.ts[-1]) if len(result.ts) else 0
    for trade in result.trades:
        fees[trade.symbol] = fees.get(trade.symbol, 0.0) + trade.fees
        funding[trade.symbol] = funding.get(trade.symbol, 0.0) + trade.funding
        funding_events.append((trade.exit_ts if trade.exit_ts is not None else last_ts, trade.funding))
    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.4, 0.6],
        subplot_titles=("per symbol (USDT)", "cumulative (USDT; funding booked when its trade ends)"),
    )
    figure.add_bar(x=list(fees), y=list(fees.values()), name="fees", marker_color=_RED, row=1, col=1)
    figure.add_bar(
        x=list(funding), y=list(funding.values()), name="funding", marker_color=_ORANGE, row=1, col=1
    )
    start = int(result.ts[0]) if len(result.ts) else 0
    for name, events, colour in (
        ("cumulative fees", [(f.timestamp, f.fee) for f in result.fills], _RED),
        ("cumulative funding", funding_events, _ORANGE),
    ):
        x, y = _cumulative(events, start, last_ts)
        figure.add_scatter(x=x, y=y, name=name, line={"color": colour, "shape": "hv"}, row=1, col=2)
    figure.update_xaxes(type="date", row=1, col=2)
    figure.update_layout(title=COSTS_TITLE, barmode="group")
    return _styled(figure, dates=False)


def _add_line(
    figure: go.Figure,
    ts: IntArray,
    values: FloatArray,
    *,
    name: str,
    color: str,
    dash: str | None = None,
    fill: str | None = None,
    row: int | None = None,
    max_points: int = MAX_LINE_POINTS,
    legendgroup: str | None = None,
    showlegend: bool = True,
) -> None:
    values = np.asarray(values, dtype=np.float64)
    keep = minmax_indices(values, max_points)
    figure.add_scatter(
        x=_x(ts[keep]),
        y=values[keep],
        name=name,
        mode="lines",
        line={"color": color, "dash": dash, "width": 1.5},
        fill=fill,
        legendgroup=legendgroup,
        showlegend=showlegend,
        row=row,
        col=1 if row else None,
    )


def _add_markers(
    figure: go.Figure, fills: list[FillRecord], *, name: str, row: int, showlegend: bool, entry: bool
) -> None:
    if not fills:
        return
    buys = [f.side > 0 for f in fills]
    if entry:
        shapes = ["triangle-up" if b else "triangle-down" for b in buys]
        colours = [_GREEN if b else _RED for b in buys]
    else:
        shapes = ["triangle-up-open" if b else "triangle-down-open" for b in buys]
        colours = [_EXIT_COLOURS.get(f.reason, "black") for f in fills]
    figure.add_scatter(
        x=[f.timestamp for f in fills],
        y=[f.price for f in fills],
        name=name,
        mode="markers",
        meta=FILL_MARKERS,
        marker={"symbol": shapes, "color": colours, "size": 9},
        legendgroup=name,
        showlegend=showlegend,
        hovertext=[_fill_text(f) for f in fills],
        hoverinfo="text+x",
        row=row,
        col=1,
    )


def _fill_text(fill: FillRecord) -> str:
    side = "buy" if fill.side > 0 else "sell"
    return (
        f"{fill.symbol} {fill.reason}: {side} {fill.size:g} @ {fill.price:g}"
        f"<br>fee {fill.fee:,.4f} · realised {fill.realized_pnl:,.2f} USDT"
    )


def _cumulative(events: list[tuple[int, float]], start: int, end: int) -> tuple[list[int], list[float]]:
    events = sorted(events)
    x = [start, *(t for t, _ in events), end]
    y = [0.0, *np.cumsum([v for _, v in events]).tolist()]
    y.append(y[-1])
    return x, y


def _x(ts: IntArray) -> FloatArray:
    # float64 ms: exact for epoch ms, binary-encoded by plotly, and read as dates on a date axis.
    return np.asarray(ts, dtype=np.float64)


def _styled(figure: go.Figure, *, dates: bool = True) -> go.Figure:
    figure.update_layout(
        template=_TEMPLATE, margin={"l": 60, "r": 20, "t": 70, "b": 40}, legend_orientation="h"
    )
    if dates:
        figure.update_xaxes(type="date")
    return figure
