"""Speed of the offline model: live scoring (decide, 8 symbols), backtest scoring (plan) and training.

* `decide`: one snapshot of the 8 pairs per call, as the paper/live runner sends it, bar after
  bar (the model's normal use) and with a fresh model per call (no memory of earlier bars).
  Target: well under 10 ms per call.
* `plan`: every bar of the 8 pairs' whole 5m span (~530k symbol-bars): features, probabilities,
  signals. Must leave the 5m backtest of the ML model inside its 10 s budget.
* `train`: 1h, 2023-01-01 .. 2025-06-30, 8 pairs (target < 1 min); skipped with --no-train
  (then a short range trains the model the other measurements use).

Run:  .venv/bin/python benchmarks/ml_scoring.py [--no-train] [--calls 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from alphaloop.backtest.runner import BacktestConfig, build_ledger
from alphaloop.backtest.stepwise import build_snapshot
from alphaloop.data import load_frame
from alphaloop.decision.ml import MlModel, TrainSettings, train_with_report
from alphaloop.model.frame import MarketFrame
from alphaloop.model.instruments import COMPETITION_SYMBOLS
from alphaloop.ops.backtest import parse_day

NO_STORE = Path(__file__).resolve().parent / "__no_store__"


def data_dir() -> Path:
    configured = os.environ.get("ALPHALOOP_DATA_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[1].parent / "shared" / "data"


def load(timeframe: str, start: str | None = None, end: str | None = None) -> MarketFrame:
    return load_frame(
        COMPETITION_SYMBOLS,
        timeframe,
        start_ms=parse_day(start) if start else None,
        end_ms=parse_day(end) if end else None,
        data_dir=data_dir(),
        store_dir=NO_STORE,
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-train", action="store_true", help="skip the full 1h training measurement")
    parser.add_argument("--calls", type=int, default=300, help="decide calls to time")
    args = parser.parse_args()

    hourly = load("1h")
    if args.no_train:
        start, end = "2024-01-01", "2025-01-01"
    else:
        start, end = "2023-01-01", "2025-06-30"
    began = time.perf_counter()
    report = train_with_report(hourly, start_ms=parse_day(start), end_ms=parse_day(end))
    seconds = time.perf_counter() - began
    artifact = report.artifact
    print(
        f"train   1h {start}..{end}, 8 pairs: {seconds:.1f} s "
        f"({artifact.metrics['train_rows']:.0f} rows, {artifact.num_trees} trees, "
        f"AUC {artifact.metrics['oof_auc']:.4f})"
    )

    model = MlModel(artifact)
    frame = hourly.slice(parse_day("2025-06-01"), parse_day("2025-10-01"))
    ledger = build_ledger(frame, BacktestConfig())
    symbols = list(frame.bars)
    bars = range(len(frame) - args.calls, len(frame))
    snapshots = [build_snapshot(frame, b, ledger, symbols, model.lookback, [0] * len(symbols)) for b in bars]
    # "busy": a threshold just above 0.5 makes several symbols act on most bars, so the
    # per-feature contributions (TreeSHAP) of the explanation are computed too.
    busy = MlModel(artifact, entry_threshold=0.5001)
    for label, fresh, base in (
        ("sequential", False, model),
        ("fresh model", True, model),
        ("busy", False, busy),
    ):
        timings = []
        acted = 0
        for snapshot in snapshots:
            scorer = MlModel(artifact) if fresh else base
            t0 = time.perf_counter()
            decision = scorer.decide(snapshot)
            timings.append((time.perf_counter() - t0) * 1000)
            acted += len(decision.actionable)
        print(
            f"decide  8 symbols, {label:<11}: median {statistics.median(timings):.2f} ms, "
            f"p95 {percentile(timings, 0.95):.2f} ms, max {max(timings):.2f} ms "
            f"over {len(timings)} calls ({acted} actions)"
        )

    five = load("5m")
    began = time.perf_counter()
    five_report = train_with_report(
        five,
        start_ms=parse_day("2025-01-01"),
        end_ms=parse_day("2025-04-01"),
        horizon_bars=12,
        settings=TrainSettings(folds=2),
    )
    trees = five_report.artifact.num_trees
    print(f"train   5m 2025-01-01..2025-04-01: {time.perf_counter() - began:.1f} s ({trees} trees)")
    five_model = MlModel(five_report.artifact)
    rows = sum(int(np.isfinite(five.bars[s].close).sum()) for s in five.bars)
    timings = []
    for _ in range(3):
        t0 = time.perf_counter()
        plans = five_model.plan(five)
        timings.append(time.perf_counter() - t0)
    entries = sum(int((p.entry != 0).sum()) for p in plans.values())
    print(
        f"plan    5m whole span, 8 pairs: best {min(timings):.2f} s, {rows:,} symbol-bars, {entries} entries"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
