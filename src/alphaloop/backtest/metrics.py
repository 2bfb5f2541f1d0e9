"""Performance metrics of one backtest run: pure arithmetic on a `BacktestResult`, no I/O.

The same function scores the strategy, buy-and-hold and every random-entry run, so the three are
comparable by construction. `METHOD` states how each number is computed; the report prints it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from alphaloop.backtest.result import BacktestResult
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.market import TIMEFRAME_MS
from alphaloop.model.snapshot import FloatArray

#: Crypto trades every day of the year, so a year is 365 days of bars.
YEAR_MS = 365 * 86_400_000

#: Below this, a standard deviation is rounding noise, and a ratio over it would be meaningless.
_NEGLIGIBLE = 1e-12

#: Beyond this exponent, compounding a short run to a year only overflows; CAGR is then undefined.
_MAX_LOG_GROWTH = 700.0

METHOD = (
    "Returns are per-bar simple returns of the equity curve marked at each bar close, the first one "
    "measured from the initial equity. Sharpe = mean / standard deviation (population) of those "
    "returns; Sortino = mean / downside deviation, where downside deviation = sqrt(mean(min(r, 0)^2)) "
    "over all bars; both with a risk-free rate of 0 and annualised by sqrt(bars per year), with "
    "365-day years (crypto trades every day). CAGR compounds the total return over the calendar span "
    "from the first bar's open to the last bar's close. Max drawdown is the largest fall of equity "
    "below its running peak, as a fraction of that peak; Calmar = CAGR / max drawdown. Exposure is "
    "the fraction of bars that close with any open position. Turnover is the traded notional (size x "
    "price summed over every fill) divided by the mean equity, over the whole run (not annualised). "
    "Win rate, profit factor (gross profit / gross loss) and average trade use closed trades only, "
    "by net PnL after fees and funding; trades counts the position still open at the end too. Money "
    "is USDT; fractions are fractions (0.12 = 12%). The random baseline reports the mean and "
    "population standard deviation over its seeds, ignoring seeds where a metric is undefined."
)

#: The metric keys of the summary object (`--json`, summary.json), in display order.
SUMMARY_KEYS: tuple[str, ...] = (
    "total_return",
    "cagr",
    "sharpe",
    "sortino",
    "max_drawdown",
    "calmar",
    "trades",
    "win_rate",
    "profit_factor",
    "average_trade",
    "exposure",
    "turnover",
    "fees_paid",
    "funding_paid",
    "liquidations",
)


@dataclass(frozen=True, slots=True)
class Metrics:
    """Scores of one run. None marks a metric that is undefined for this run (see `METHOD`)."""

    total_return: float
    cagr: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: float
    calmar: float | None
    trades: int
    closed_trades: int
    win_rate: float | None
    profit_factor: float | None
    average_trade: float | None
    exposure: float
    turnover: float | None
    fees_paid: float
    funding_paid: float
    liquidations: int
    final_equity: float

    def to_dict(self) -> dict[str, float | int | None]:
        """The summary keys, JSON-ready: plain ints and floats, None for undefined, never NaN or inf."""
        out: dict[str, float | int | None] = {}
        for key in SUMMARY_KEYS:
            value = getattr(self, key)
            out[key] = value if isinstance(value, int) or value is None else finite_or_none(value)
        return out


def compute_metrics(result: BacktestResult) -> Metrics:
    if not (math.isfinite(result.initial_equity) and result.initial_equity > 0):
        raise ConfigurationError(f"initial equity must be positive, got {result.initial_equity}")
    curve = equity_curve(result)
    returns = bar_returns(curve)
    bars_per_year = _bars_per_year(result)
    max_drawdown = float(drawdown_curve(curve).max())
    cagr = _cagr(curve[-1] / curve[0], _span_ms(result))
    closed = [t.net_pnl for t in result.trades if not t.is_open]
    gross_profit = sum(p for p in closed if p > 0)
    gross_loss = -sum(p for p in closed if p < 0)
    mean_equity = float(curve[1:].mean()) if len(curve) > 1 else float(curve[0])
    exposure = np.nan_to_num(np.asarray(result.gross_exposure, dtype=np.float64), nan=0.0)
    return Metrics(
        total_return=float(curve[-1] / curve[0] - 1.0),
        cagr=cagr,
        sharpe=_annualised_ratio(returns, _std(returns), bars_per_year),
        sortino=_annualised_ratio(returns, _downside_deviation(returns), bars_per_year),
        max_drawdown=max_drawdown,
        calmar=cagr / max_drawdown if cagr is not None and max_drawdown > 0 else None,
        trades=len(result.trades),
        closed_trades=len(closed),
        win_rate=sum(1 for p in closed if p > 0) / len(closed) if closed else None,
        profit_factor=gross_profit / gross_loss if closed and gross_loss > 0 else None,
        average_trade=sum(closed) / len(closed) if closed else None,
        exposure=float((exposure > 0).mean()) if len(exposure) else 0.0,
        turnover=result.turnover_notional / mean_equity if mean_equity > 0 else None,
        fees_paid=float(result.fees_paid),
        funding_paid=float(result.funding_paid),
        liquidations=int(result.liquidations),
        final_equity=float(curve[-1]),
    )


def equity_curve(result: BacktestResult) -> FloatArray:
    """The initial equity followed by the equity at each bar close (len = bars + 1).

    A missing mark (NaN) carries the previous value forward: a gap is not a return.
    """
    curve = np.concatenate(([result.initial_equity], np.asarray(result.equity, dtype=np.float64)))
    missing = np.isnan(curve)
    if missing.any():
        last_seen = np.maximum.accumulate(np.where(missing, 0, np.arange(len(curve))))
        curve = curve[last_seen]
    return curve


def bar_returns(curve: FloatArray) -> FloatArray:
    """Simple returns between consecutive marks; a bar after equity reached 0 returns 0."""
    previous, current = curve[:-1], curve[1:]
    alive = previous > 0
    returns = np.zeros(len(current), dtype=np.float64)
    np.divide(current - previous, previous, out=returns, where=alive)
    return returns


def drawdown_curve(curve: FloatArray) -> FloatArray:
    """Fall below the running peak at each mark, as a positive fraction of that peak."""
    if len(curve) == 0:
        return np.zeros(0, dtype=np.float64)
    peak = np.maximum.accumulate(curve)
    drawdown = np.zeros(len(curve), dtype=np.float64)
    np.divide(peak - curve, peak, out=drawdown, where=peak > 0)
    return drawdown


def finite_or_none(value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _step_ms(result: BacktestResult) -> int:
    # The timeframe is authoritative; the first two bars may straddle a gap in the grid.
    return TIMEFRAME_MS.get(result.timeframe, result.step_ms)


def _bars_per_year(result: BacktestResult) -> float:
    step = _step_ms(result)
    return YEAR_MS / step if step > 0 else 0.0


def _span_ms(result: BacktestResult) -> int:
    if len(result.ts) == 0:
        return 0
    return int(result.ts[-1]) - int(result.ts[0]) + _step_ms(result)


def _cagr(growth: float, span_ms: int) -> float | None:
    if span_ms <= 0:
        return None
    if growth <= 0:
        return -1.0
    log_growth_per_year = math.log(growth) * YEAR_MS / span_ms
    if log_growth_per_year > _MAX_LOG_GROWTH:
        return None
    return math.expm1(log_growth_per_year)


def _std(returns: FloatArray) -> float:
    return float(returns.std()) if len(returns) else 0.0


def _downside_deviation(returns: FloatArray) -> float:
    if len(returns) == 0:
        return 0.0
    return math.sqrt(float(np.mean(np.minimum(returns, 0.0) ** 2)))


def _annualised_ratio(returns: FloatArray, deviation: float, bars_per_year: float) -> float | None:
    if len(returns) < 2 or deviation < _NEGLIGIBLE or bars_per_year <= 0:
        return None
    return finite_or_none(float(returns.mean()) / deviation * math.sqrt(bars_per_year))


def sharpe_significance(
    result: BacktestResult, *, trials: int = 1, trial_sharpe_std: float = 0.0
) -> dict[str, float | int | None]:
    """The per-bar Sharpe ratio's moments and its deflated Sharpe ratio: the probability that the
    true Sharpe is above zero after `trials` tries (1: the probabilistic Sharpe ratio)."""
    from alphaloop.backtest.nulls import deflated_sharpe

    returns = bar_returns(equity_curve(result))
    returns = returns[np.isfinite(returns)]
    std = _std(returns) if len(returns) else 0.0
    if len(returns) < 3 or std < _NEGLIGIBLE:
        return {"bar_sharpe": None, "deflated_sharpe": None, "trials": trials}
    centred = returns - returns.mean()
    sharpe = float(returns.mean() / std)
    skew = float(np.mean(centred**3) / std**3)
    kurtosis = float(np.mean(centred**4) / std**4)
    dsr = deflated_sharpe(
        sharpe,
        trials=trials,
        trial_sharpe_std=trial_sharpe_std,
        periods=len(returns),
        skew=skew,
        kurtosis=kurtosis,
    )
    return {
        "bar_sharpe": finite_or_none(sharpe),
        "skew": finite_or_none(skew),
        "kurtosis": finite_or_none(kurtosis),
        "trials": trials,
        "deflated_sharpe": finite_or_none(dsr),
    }
