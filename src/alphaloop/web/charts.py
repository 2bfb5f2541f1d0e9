"""Overview charts (plotly, the reports' plotting library); plotly.js itself is served locally."""

from __future__ import annotations

from datetime import UTC, datetime

import plotly.graph_objects as go
from plotly.subplots import make_subplots


def equity_figure_html(points: list[tuple[int, float]]) -> str:
    """Equity and drawdown, stacked, as an HTML fragment (no plotly.js inside: the page loads it)."""
    if not points:
        return '<p class="muted">No equity recorded yet.</p>'
    times = [datetime.fromtimestamp(ms / 1000, UTC) for ms, _ in points]
    equity = [value for _, value in points]
    peak = equity[0]
    drawdown = []
    for value in equity:
        peak = max(peak, value)
        drawdown.append((value / peak - 1.0) * 100 if peak else 0.0)
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32], vertical_spacing=0.06)
    figure.add_trace(
        go.Scatter(x=times, y=equity, name="equity (USDT)", line={"color": "#2563eb"}), row=1, col=1
    )
    figure.add_trace(
        go.Scatter(x=times, y=drawdown, name="drawdown (%)", fill="tozeroy", line={"color": "#dc2626"}),
        row=2,
        col=1,
    )
    figure.update_layout(
        height=380, margin={"l": 50, "r": 10, "t": 10, "b": 30}, showlegend=True, legend={"orientation": "h"}
    )
    html: str = figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})
    return html


__all__ = ["equity_figure_html"]
