"""The soak: the real `alphaloop paper` loop against the WEEX simulator on simulated time, for
`--days` days of hourly bars replayed in minutes, without faults. Prints the figures the README
quotes and exits 1 if any guarantee broke:

    .venv/bin/python benchmarks/soak.py --days 20             # default risk limits
    .venv/bin/python benchmarks/soak.py --days 20 --churny    # fast entries, loose caps

Figures: missed cycles (bars without a decision), duplicate `client_oid`s at the venue, AI-log
coverage, journal fills vs venue fills, journal vs venue positions, `alphaloop audit` exit code
(and `audit --venue`), order calls in the busiest second, trader RSS growth.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.kit.data import data_dir
from tests.kit.paper import (
    CHURN_LIMITS,
    HOUR_MS,
    CliProcess,
    clean_env,
    decided,
    journal_positions,
    paper_args,
    query,
    run_cli,
    settled,
    wait_for,
)
from tests.kit.sim_server import API_KEY, PASSPHRASE, SECRET, START_MS, account

from alphaloop.model import COMPETITION_SYMBOLS
from alphaloop.venues.sim.server import ServerConfig, run_in_thread


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def soak(folder: Path, days: int, *, churny: bool, seed: int) -> dict[str, Any]:
    db = folder / "journal.sqlite"
    env = clean_env(
        WEEX_API_KEY=API_KEY,
        WEEX_SECRET_KEY=SECRET,
        WEEX_PASSPHRASE=PASSPHRASE,
        ALPHALOOP_DATA_DIR=str(data_dir()),
        ALPHALOOP_STORE_DIR=str(folder / "store"),
        **(CHURN_LIMITS if churny else {}),
    )
    config = ServerConfig(
        accounts=(account(),), data_dir=data_dir(), start_ms=START_MS, speed=0.0, admin=True
    )
    bars = days * 24
    started = time.monotonic()
    with run_in_thread(config) as server, httpx.Client(base_url=server.base_url, timeout=10) as admin:
        args = paper_args(
            server.base_url,
            db,
            symbols=COMPETITION_SYMBOLS,
            seed=seed,
            entry_rate=0.3 if churny else 0.05,
            hold_bars=2 if churny else 12,
        )
        trader = CliProcess(args, env, folder / "trader.log")
        trader.start()
        try:
            wait_for(decided(db, START_MS), "the first decision", trader, timeout=60)
            assert trader.proc is not None
            rss_start = rss_kb(trader.proc.pid)
            rss_peak = rss_start
            for bar in range(1, bars + 1):
                admin.post("/__admin/advance", json={"ms": HOUR_MS}).raise_for_status()
                wait_for(decided(db, START_MS + bar * HOUR_MS), f"bar {bar}", trader, timeout=60)
                if bar % 24 == 0:
                    rss_peak = max(rss_peak, rss_kb(trader.proc.pid))
            wait_for(settled(db), "orders settled and AI logs uploaded", trader, timeout=60)
            time.sleep(1.5)  # one more upkeep: the last fills and positions
            rss_end = rss_kb(trader.proc.pid)
            audit_venue = run_cli(
                ["audit", "--db", str(db), "--venue", "weex", "--base-url", server.base_url, "--json"],
                env,
                cwd=folder,
                timeout=120,
            )
            exit_code = trader.stop()
        finally:
            trader.kill()
        exchange = server.sim.exchange
        venue_orders = [o.client_order_id for o in exchange.orders(API_KEY) if o.client_order_id]
        venue_orders += [
            o.client_order_id for o in exchange.trigger_orders(API_KEY, open_only=False) if o.client_order_id
        ]
        venue_fills = {str(f.id) for f in exchange.fills(API_KEY)}
        venue_positions = {
            (p.symbol, p.side.value): p.size for p in exchange.positions(API_KEY) if p.size > 0
        }
    elapsed = time.monotonic() - started
    audit = run_cli(["audit", "--db", str(db), "--json"], env, cwd=folder, timeout=120)
    decided_bars = {row[0] for row in query(db, "select bar_close_ms from decisions where id like 'd%'")}
    expected = {START_MS + i * HOUR_MS for i in range(bars + 1)}
    orders = query(db, "select client_oid, status from orders where status not in ('pending', 'not_sent')")
    logs = dict(query(db, "select client_oid, status from ai_logs where client_oid is not null"))
    journal_fills = {str(row[0]) for row in query(db, "select trade_id from fills")}
    calls = sorted(
        row[0] for row in query(db, "select at_ms from api_calls where kind in ('order', 'cancel')")
    )
    busiest = max((sum(1 for u in calls[i:] if u < t + 1000) for i, t in enumerate(calls)), default=0)
    duplicates = [oid for oid, n in Counter(venue_orders).items() if n > 1]
    covered = sum(1 for oid, _ in orders if logs.get(oid) == "uploaded")
    return {
        "days": days,
        "settings": "churny" if churny else "default limits",
        "bars": bars + 1,
        "missed_cycles": len(expected - decided_bars),
        "orders_sent": len(orders),
        "duplicate_client_oids": len(duplicates),
        "ai_log_coverage_pct": round(100 * covered / len(orders), 2) if orders else 100.0,
        "journal_fills": len(journal_fills),
        "venue_fills": len(venue_fills),
        "fills_equal": journal_fills == venue_fills,
        "positions_equal": journal_positions(db) == venue_positions,
        "audit_exit": audit.returncode,
        "audit_venue_exit": audit_venue.returncode,
        "busiest_second_calls": busiest,
        "trader_exit": exit_code,
        "rss_start_mb": round(rss_start / 1024, 1),
        "rss_peak_mb": round(rss_peak / 1024, 1),
        "rss_end_mb": round(rss_end / 1024, 1),
        "rss_growth_pct": round(100 * (rss_end - rss_start) / rss_start, 1) if rss_start else None,
        "elapsed_s": round(elapsed, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--churny", action="store_true", help="fast entries and loose caps (CHURN_LIMITS)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="keep the journal and trader log here")
    args = parser.parse_args()
    if args.days < 1:
        print("soak: --days must be >= 1", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        figures = soak(folder, args.days, churny=args.churny, seed=args.seed)
    print(json.dumps(figures, indent=2))
    broken = (
        figures["missed_cycles"]
        or figures["duplicate_client_oids"]
        or figures["ai_log_coverage_pct"] < 100
        or not figures["fills_equal"]
        or not figures["positions_equal"]
        or figures["audit_exit"]
        or figures["audit_venue_exit"]
        or figures["busiest_second_calls"] > 8
    )
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
