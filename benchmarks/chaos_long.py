"""The long chaos drill: `alphaloop paper` against the simulator with faults and SIGKILLs over many
bars; prints what happened and the invariants (all must be 0 / equal / exit 0).

    .venv/bin/python benchmarks/chaos_long.py --bars 200 --kills 8
    .venv/bin/python benchmarks/chaos_long.py --dialect weex-v3 --bars 60 --kills 3   # contract API v3
    .venv/bin/python benchmarks/chaos_long.py --dialect woox --bars 60 --kills 3      # WOO X

The short version runs in `make test` (tests/integration/chaos/test_chaos.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.kit.chaos import FAULTS_BY_DIALECT, ChaosConfig, run_chaos


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bars", type=int, default=200)
    parser.add_argument("--kills", type=int, default=8, help="SIGKILLs spread evenly over the run")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--dialect",
        choices=sorted(FAULTS_BY_DIALECT),
        default="weex",
        help="WEEX v2 (weex), v3 (weex-v3) or WOO X (woox)",
    )
    parser.add_argument("--keep", type=Path, default=None, help="keep the journal and trader log here")
    args = parser.parse_args()
    step = max(1, args.bars // (args.kills + 1))
    kills = tuple(step * (i + 1) for i in range(args.kills) if step * (i + 1) < args.bars)
    config = ChaosConfig(
        bars=args.bars,
        kill_after=kills,
        skew_flip_at=args.bars // 2,
        seed=args.seed,
        dialect=args.dialect,
        faults=FAULTS_BY_DIALECT[args.dialect],
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        result = run_chaos(folder, config)
    figures = {
        "dialect": args.dialect,
        "bars": args.bars,
        "bars_decided": result.bars_decided,
        "sigkills": result.kills,
        "orders_at_venue": result.sim_orders,
        "trigger_orders_at_venue": result.sim_trigger_orders,
        "orders_with_unknown_outcome": result.unknown_outcomes,
        "faults_fired": result.faults_fired,
        "duplicate_orders": len(result.duplicate_client_oids),
        "venue_orders_not_in_journal": len(result.venue_orders_without_journal),
        "orders_without_ai_log": len(result.orders_without_ai_log),
        "ai_logs_not_uploaded": len(result.ai_logs_not_uploaded),
        "ai_logs_missing_at_venue": len(result.ai_logs_missing_at_venue),
        "position_mismatches": result.position_mismatches,
        "audit_exit_code": result.audit_exit,
        "elapsed_s": round(result.elapsed, 1),
    }
    print(json.dumps(figures, indent=2))
    failed = (
        figures["duplicate_orders"]
        or figures["venue_orders_not_in_journal"]
        or figures["orders_without_ai_log"]
        or figures["ai_logs_not_uploaded"]
        or figures["ai_logs_missing_at_venue"]
        or result.position_mismatches
        or result.audit_exit != 0
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
