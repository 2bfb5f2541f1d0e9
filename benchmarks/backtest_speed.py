"""Backtest speed and correctness: alphaloop vs backtesting.py vs vectorbt on the SMA reference.

The reference strategy and its exact semantics are in `shared/benchmarks/sma-reference.md`
(SMA 20/50 with a 1e-10 relative tie tolerance, first decision at bar 50, always in the market,
fills at the next open, 1 unit, 0.08% per side, 1,000,000 USDT, last trade left open).

For each series the script runs all three, checks that the trade lists are equal trade for
trade (entry/exit time, side, size, entry/exit price), prints the check figures and bars per
second (median of --repeat runs after a warm-up, data loading excluded), and the ratios. It
also measures alphaloop's cold start (a fresh interpreter: imports plus the first backtest).

alphaloop is timed twice: with the reference's accounting (no funding) and with full perp
accounting (funding settled every 8 h, margin and liquidation checks, which it always does).
`--ml` adds the 8-pair 5m backtest with the trained ML model (needs `alphaloop model train`).

Run:  .venv/bin/pip install -e '.[bench]'
      .venv/bin/python benchmarks/backtest_speed.py [--repeat 5] [--series BTCUSDT-5m,ALL-5m,BTCUSDT-1h]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np

from alphaloop.backtest.result import BacktestResult
from alphaloop.backtest.runner import BacktestConfig, run_backtest
from alphaloop.data import load_frame
from alphaloop.decision.rules import SmaCross
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.features import sma
from alphaloop.model.frame import MarketFrame
from alphaloop.model.instruments import COMPETITION_SYMBOLS, Instrument
from alphaloop.risk import RiskLimits
from alphaloop.venues.sim.server.contracts import default_instruments

DATA = Path(os.environ.get("ALPHALOOP_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
NO_STORE = Path(__file__).resolve().parent / "__no_store__"
CASH, FEE, FAST, SLOW, TOL = 1_000_000.0, 0.0008, 20, 50, 1e-10
Trade = tuple[int, int, int, float, float, float]  # entry ms, exit ms (-1 open), side, size, entry, exit


def reference_state(close: np.ndarray) -> np.ndarray:
    """+1/-1 target per bar (0 before the first signal), for the two other libraries."""
    fast, slow = sma(close, FAST), sma(close, SLOW)
    tol = TOL * np.abs(slow)
    with np.errstate(invalid="ignore"):
        raw = np.where(fast - slow > tol, 1, np.where(slow - fast > tol, -1, 0))
    raw[:SLOW] = 0
    index = np.where(raw != 0, np.arange(len(raw)), 0)
    np.maximum.accumulate(index, out=index)
    return np.where((index > 0) | (raw[0] != 0), raw[index], 0)


def timed(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    function()  # warm-up (vectorbt compiles here)
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


# ------------------------------------------------------------------ alphaloop
def reference_contracts() -> dict[str, Instrument]:
    """WEEX terms except sizes: the reference trades 1 unit, below DOGE/XRP/ADA's minimum size."""
    unit = Decimal("0.0001")
    return {s: replace(i, size_step=unit, min_size=unit) for s, i in default_instruments().items()}


#: Limits loose enough for the reference's 1-unit, 20x, always-in-the-market trading: the gate
#: still plans through `plan_orders` and checks every order (the cost measured), it denies little.
BENCH_LIMITS = RiskLimits(
    max_leverage=20, min_entry_interval_s=0, max_orders_per_hour=10_000, max_open_positions=8,
    max_symbol_notional=100, max_total_notional=100, max_margin_use=1, max_risk_per_trade=1,
)  # fmt: skip


def alphaloop_config(funding: bool, gate: bool = False) -> BacktestConfig:
    """The reference accounting (no funding, no gate), or full perp accounting with the trader's
    planning and risk gate (which plans a stop and closes before reversing, so its trades differ)."""
    return BacktestConfig(
        initial_equity=CASH,
        leverage=20,
        sizing=SizingPolicy(mode="units", units=1.0),
        funding=funding,
        contracts=reference_contracts(),
        risk_gate=gate,
        limits=BENCH_LIMITS,
        depth_share=0.05 if gate else None,  # full accounting walks the book; the reference does not
    )


def alphaloop_trades(result: BacktestResult, symbol: str) -> list[Trade]:
    return [
        (t.entry_ts, -1 if t.is_open else int(t.exit_ts or 0), t.direction, t.size, t.entry_price,
         float("nan") if t.is_open else float(t.exit_price or 0))
        for t in result.trades if t.symbol == symbol
    ]  # fmt: skip


# ------------------------------------------------------------------ backtesting.py
def backtesting_run(frame: MarketFrame, symbol: str) -> tuple[list[Trade], float]:
    import pandas as pd
    from backtesting import Backtest, Strategy

    bars = frame.bars[symbol]
    keep = ~np.isnan(bars.close)
    index = pd.to_datetime(frame.ts[keep], unit="ms", utc=True)
    df = pd.DataFrame(
        {"Open": bars.open[keep], "High": bars.high[keep], "Low": bars.low[keep], "Close": bars.close[keep],
         "Volume": bars.volume[keep]},
        index=index,
    )  # fmt: skip

    class SmaReference(Strategy):  # type: ignore[misc]
        def init(self) -> None:
            self.fast = self.I(lambda c: pd.Series(c).rolling(FAST).mean().to_numpy(), self.data.Close)
            self.slow = self.I(lambda c: pd.Series(c).rolling(SLOW).mean().to_numpy(), self.data.Close)

        def next(self) -> None:
            fast, slow = self.fast[-1], self.slow[-1]
            tol = TOL * abs(slow)
            if fast - slow > tol and not self.position.is_long:
                self.position.close()
                self.buy(size=1)
            elif slow - fast > tol and not self.position.is_short:
                self.position.close()
                self.sell(size=1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = Backtest(df, SmaReference, cash=CASH, commission=FEE, finalize_trades=False)
        start = time.perf_counter()
        stats = bt.run()
        elapsed = time.perf_counter() - start
    ms = 1_000_000
    trades = [
        (int(row.EntryTime.value // ms), int(row.ExitTime.value // ms), 1 if row.Size > 0 else -1,
         float(abs(row.Size)), float(row.EntryPrice), float(row.ExitPrice))
        for row in stats["_trades"].itertuples()
    ]  # fmt: skip
    for trade in bt._results._strategy.trades:  # the open one, kept open by finalize_trades=False
        trades.append(
            (int(trade.entry_time.value // ms), -1, 1 if trade.size > 0 else -1, float(abs(trade.size)),
             float(trade.entry_price), float("nan"))
        )  # fmt: skip
    return trades, elapsed


# ------------------------------------------------------------------ vectorbt
def vectorbt_run(frame: MarketFrame, symbols: list[str]) -> object:
    import pandas as pd
    import vectorbt as vbt

    close = pd.DataFrame({s: frame.bars[s].close for s in symbols})
    open_ = pd.DataFrame({s: frame.bars[s].open for s in symbols})
    state = np.column_stack([reference_state_nan(frame.bars[s].close) for s in symbols])
    previous = np.vstack([np.zeros((1, len(symbols))), state[:-1]])
    change = (state != previous) & (state != 0)
    # A signal at bar t's close fills at bar t+1's open.
    entries = np.vstack([np.zeros((1, len(symbols)), bool), (change & (state > 0))[:-1]])
    shorts = np.vstack([np.zeros((1, len(symbols)), bool), (change & (state < 0))[:-1]])
    return vbt.Portfolio.from_signals(
        close, entries=entries, short_entries=shorts, price=open_, size=1.0, fees=FEE, init_cash=CASH,
        upon_opposite_entry="reverse", cash_sharing=False, freq="5min",
    )  # fmt: skip


def reference_state_nan(close: np.ndarray) -> np.ndarray:
    out = np.zeros(len(close))
    valid = np.flatnonzero(~np.isnan(close))
    if len(valid):
        out[valid[0] : valid[-1] + 1] = reference_state(close[valid[0] : valid[-1] + 1])
    return out


def vectorbt_trades(portfolio: object, frame: MarketFrame, column: int) -> list[Trade]:
    records = portfolio.trades.values  # type: ignore[attr-defined]
    mine = records[records["col"] == column]
    out = []
    for r in mine:
        is_open = r["status"] == 0
        out.append(
            (int(frame.ts[r["entry_idx"]]), -1 if is_open else int(frame.ts[r["exit_idx"]]),
             1 if r["direction"] == 0 else -1, float(r["size"]), float(r["entry_price"]),
             float("nan") if is_open else float(r["exit_price"]))
        )  # fmt: skip
    return out


def same(a: list[Trade], b: list[Trade]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x[:3] != y[:3] or abs(x[3] - y[3]) > 1e-9 or abs(x[4] - y[4]) > 1e-6 * x[4]:
            return False
        if not (np.isnan(x[5]) and np.isnan(y[5])) and abs(x[5] - y[5]) > 1e-6 * x[5]:
            return False
    return True


def cold_start(symbol: str, timeframe: str) -> float:
    code = (
        "import time; t=time.perf_counter();"
        "from alphaloop.backtest.runner import BacktestConfig, run_backtest;"
        "from alphaloop.data import load_frame; from alphaloop.decision.rules import SmaCross;"
        "from alphaloop.engine.sizing import SizingPolicy; from pathlib import Path;"
        f"f=load_frame([{symbol!r}], {timeframe!r}, data_dir=Path({str(DATA)!r}),"
        f" store_dir=Path({str(NO_STORE)!r}));"
        "t1=time.perf_counter();"
        "run_backtest(f, SmaCross(), BacktestConfig(initial_equity=1e6, leverage=20,"
        " sizing=SizingPolicy(mode='units'), risk_gate=False, depth_share=None));"
        "t2=time.perf_counter(); print(t1-t, t2-t1)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    # Imports plus the first run; CSV loading is excluded, as for the other libraries.
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import alphaloop"], check=True)
    interpreter = time.perf_counter() - start
    return float(out[0]) + float(out[1]) + interpreter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--series", default="BTCUSDT-1h,BTCUSDT-5m,ALL-5m")
    parser.add_argument("--no-others", action="store_true", help="alphaloop only")
    args = parser.parse_args()
    rows = []
    for spec in args.series.split(","):
        pair, timeframe = spec.split("-")
        symbols = list(COMPETITION_SYMBOLS) if pair == "ALL" else [pair.replace("USDT", "/USDT:USDT")]
        start = 1672531200000 if timeframe == "1h" else None  # the reference's 1h check starts 2023-01-01
        frame = load_frame(symbols, timeframe, start_ms=start, data_dir=DATA, store_dir=NO_STORE)
        bars = sum(int((~np.isnan(frame.bars[s].close)).sum()) for s in symbols)
        t_ref, run_ref = timed(
            lambda f=frame: run_backtest(f, SmaCross(), alphaloop_config(False)), args.repeat
        )
        t_perp, run_perp = timed(
            lambda f=frame: run_backtest(f, SmaCross(), alphaloop_config(True, gate=True)), args.repeat
        )
        result = run_ref.result  # type: ignore[attr-defined]
        closed = sum(not t.is_open for t in result.trades)
        print(f"\n== {spec}: {bars:,} bars, {len(symbols)} symbol(s)")
        print(f"alphaloop: {closed} closed + {len(result.trades) - closed} open trades, final equity "
              f"{result.final_equity:,.2f} (reference accounting: no funding)")  # fmt: skip
        print(f"alphaloop+perp+gate: {len(run_perp.result.trades)} trades, "  # type: ignore[attr-defined]
              f"risk {run_perp.risk}")  # type: ignore[attr-defined]  # fmt: skip
        row = {"series": spec, "bars": bars, "alphaloop": bars / t_ref, "alphaloop_perp": bars / t_perp}
        if not args.no_others:
            t_vbt, portfolio = timed(lambda f=frame, s=symbols: vectorbt_run(f, s), args.repeat)
            row["vectorbt"] = bars / t_vbt
            equal_vbt = all(
                same(alphaloop_trades(result, s), vectorbt_trades(portfolio, frame, k))
                for k, s in enumerate(symbols)
            )
            bt_times, equal_bt = [], True
            for s in symbols:
                times = []
                for _ in range(max(1, min(args.repeat, 3))):
                    trades, elapsed = backtesting_run(frame, s)
                    times.append(elapsed)
                bt_times.append(statistics.median(times))
                equal_bt &= same(alphaloop_trades(result, s), trades)
            row["backtesting.py"] = bars / sum(bt_times)
            print(f"trade lists equal: backtesting.py {equal_bt}, vectorbt {equal_vbt}")
        rows.append(row)
    print("\nbars/second (median; data loading excluded)")
    columns = [("series", "<12"), ("bars", ">10"), ("alphaloop", ">14"), ("alphaloop+perp+gate", ">21")]
    columns += [("backtesting.py", ">16"), ("vectorbt", ">12")]
    header = "".join(f"{name:{fmt}}" for name, fmt in columns)
    print(header)
    for r in rows:
        print(
            f"{r['series']:<12}{r['bars']:>10,}{r['alphaloop']:>14,.0f}{r['alphaloop_perp']:>21,.0f}"
            f"{r.get('backtesting.py', float('nan')):>16,.0f}{r.get('vectorbt', float('nan')):>12,.0f}"
        )
        if "vectorbt" in r:
            print(
                f"{'':<12}alphaloop+perp+gate / backtesting.py = "
                f"{r['alphaloop_perp'] / r['backtesting.py']:.1f}x "
                f"(target >= 10x); / vectorbt = {r['alphaloop_perp'] / r['vectorbt']:.2f}x (target >= 0.5x)"
            )
    seconds = cold_start("BTC/USDT:USDT", "5m")
    print(f"\nalphaloop cold start (interpreter + imports + first BTCUSDT-5m run): {seconds:.2f} s")


if __name__ == "__main__":
    main()
