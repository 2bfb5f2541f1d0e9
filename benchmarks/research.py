"""Research targets for the shipped default strategy, and sweep timing (a benchmark, not a test).

    .venv/bin/python benchmarks/research.py                    # walk-forward 2023-07..2024-12
    .venv/bin/python benchmarks/research.py --lockbox          # + the lockbox 2025-01..2025-09
    .venv/bin/python benchmarks/research.py --sweep-trials 4 --workers 1,2   # sweep timing

The "shipped default strategy" is the default `TrialConfig`: the shipped model's recipe
(LightGBM classifier on the 40 features, 8-bar forward-return labels, default parameters, 5% of
bars signalled, stop 3 ATR / take 5 ATR, risk sizing at 1x), walked forward with retraining every
90 days on the trailing 180 days. Targets from issue 14: Sharpe >= 1.0, max drawdown <= 15%,
positive return, >= 100 trades, both sides used, Sharpe above buy-and-hold and the trend rule,
p < 0.05 against the random null. The lockbox run is the shipped default's, not a search's: it
tunes nothing and is not recorded in any study.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import optuna

from alphaloop.model.market import TIMEFRAME_MS
from alphaloop.research.lockbox import LOCKBOX_END_MS, LOCKBOX_START_MS, load_lockbox_frame
from alphaloop.research.search import completed, load_spec, prepared, run_search
from alphaloop.research.spec import Study, TrialConfig, load_study_file, parse_study
from alphaloop.research.summary import aggregate, null_aggregates, null_comparison
from alphaloop.research.trial import TrialResult, lead_start, prepare, run_trial

STUDY_FILE = Path(__file__).resolve().parents[1] / "src/alphaloop/research/studies/ls_1h.toml"


def _targets(name: str, result: TrialResult) -> None:
    agg = aggregate(result.folds)
    nulls = null_comparison(agg, null_aggregates(result.folds))
    print(f"\n== {name}: {agg.folds} folds, net of fees and funding ==")
    print(
        f"return {agg.total_return:+.2%}  Sharpe {agg.sharpe:.2f}  max DD {agg.max_drawdown:.2%}  "
        f"trades {agg.trades} ({agg.longs} long / {agg.shorts} short)  median fold Sharpe "
        f"{agg.median_fold_sharpe:.2f}"
    )
    for kind, null in nulls.items():
        print(
            f"  {kind:<13} Sharpe {null['sharpe']:6.2f}  return {null['total_return']:+.2%}  "
            f"max DD {null['max_drawdown']:.2%}  p(null >= strategy) {null['p_value']:.3f}"
        )
    checks = [
        ("Sharpe >= 1.0", agg.sharpe >= 1.0),
        ("max drawdown <= 15%", agg.max_drawdown <= 0.15),
        ("positive return", agg.total_return > 0),
        (">= 100 trades", agg.trades >= 100),
        ("long and short used", agg.longs > 0 and agg.shorts > 0),
        (
            "Sharpe > buy-and-hold (1x; exposure-matched: issue 13)",
            agg.sharpe > nulls["buy_and_hold"]["sharpe"],
        ),
        ("Sharpe > trend rule (SMA 20/50 stand-in)", agg.sharpe > nulls["sma_trend"]["sharpe"]),
        ("p < 0.05 vs random null", "random" in nulls and nulls["random"]["p_value"] < 0.05),
    ]
    for label, ok in checks:
        print(f"  [{'PASS' if ok else 'FAIL'}] {label}")
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in result.extra.items())
    print(f"  time by stage: {stages}")


def _default_study() -> Study:
    return parse_study({"study": {"name": "default"}})


def walk_forward(null_seeds: int) -> None:
    study = _default_study()
    started = time.perf_counter()
    data = prepared(study, None)
    result = run_trial(data, study.study, TrialConfig(), null_seeds=null_seeds)
    _targets("shipped default, walk-forward 2023-07-01..2024-12-31", result)
    print(f"  wall time {time.perf_counter() - started:.1f}s")


def lockbox(null_seeds: int) -> None:
    study, config = _default_study(), TrialConfig()
    step = TIMEFRAME_MS[study.study.timeframe]
    warmup = LOCKBOX_START_MS - lead_start(LOCKBOX_START_MS, config.train_days, config.horizon_bars, step)
    frame = load_lockbox_frame(study.study.symbols, study.study.timeframe, warmup_ms=warmup)
    result = run_trial(
        prepare(frame, lockbox=True), study.study, config, span=(LOCKBOX_START_MS, LOCKBOX_END_MS),
        null_seeds=null_seeds,
    )  # fmt: skip
    _targets("shipped default, lockbox 2025-01-01..2025-09-30", result)


def sweep(trials: int, workers: list[int]) -> None:
    study = load_study_file(STUDY_FILE)
    print(f"\n== sweep: {STUDY_FILE.name}, {trials} trials per run ==")
    wall: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for n in workers:
            url = f"sqlite:///{Path(folder) / f'sweep-{n}.db'}"
            started = time.perf_counter()
            run_search(study, url, n_trials=trials, workers=n)
            wall[n] = time.perf_counter() - started
            handle, _ = load_spec(url, study.study.name)
            done = completed(handle)
            states = [t.state.name for t in handle.get_trials()]
            seconds = [float(t.user_attrs["seconds"]) for t in done]
            folds = [len(t.user_attrs["folds"]) for t in done]
            stages: dict[str, list[float]] = {}
            for t in done:
                for k, v in t.user_attrs.get("seconds_by_stage", {}).items():
                    stages.setdefault(k, []).append(v)
            per_trial = wall[n] / trials
            print(
                f"workers {n}: wall {wall[n]:.1f}s = {per_trial:.1f}s/trial; trial compute median "
                f"{statistics.median(seconds) if seconds else float('nan'):.1f}s over "
                f"{statistics.median(folds) if folds else 0:.0f} folds; states {sorted(set(states))}"
            )
            if stages:
                print("  median seconds by stage: " + ", ".join(
                    f"{k} {statistics.median(v):.2f}" for k, v in stages.items()))  # fmt: skip
            print(f"  100 trials at this rate: {100 * per_trial / 60:.1f} min (target <= 30 min)")
    if 1 in wall and 2 in wall:
        print(f"speed-up 1 -> 2 workers: {wall[1] / wall[2]:.2f}x (includes each worker's start-up)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--lockbox", action="store_true", help="also evaluate the shipped default on the lockbox"
    )
    parser.add_argument("--null-seeds", type=int, default=20, help="random-entry null seeds per fold")
    parser.add_argument("--sweep-trials", type=int, default=0, help="time a sweep of this many trials")
    parser.add_argument("--workers", default="1,2", help="worker counts to time, comma-separated")
    parser.add_argument("--skip-default", action="store_true", help="only the sweep timing")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    if not args.skip_default:
        walk_forward(args.null_seeds)
        if args.lockbox:
            lockbox(args.null_seeds)
    if args.sweep_trials:
        sweep(args.sweep_trials, [int(w) for w in args.workers.split(",")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
