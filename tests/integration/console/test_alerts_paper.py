"""Alerts from a real `alphaloop paper --approval entries` run on the WEEX simulator with faults:
each event kind reaches a loopback webhook (through apprise's json:// channel) exactly once, while
a second channel that never answers does not slow the trader."""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from alphaloop.journal import Journal
from alphaloop.ops import console
from tests.kit.data import data_dir
from tests.kit.paper import (
    CHURN_LIMITS,
    HOUR_MS,
    CliProcess,
    clean_env,
    decided,
    paper_args,
    query,
    run_cli,
    wait_for,
)
from tests.kit.sim_server import API_KEY, PASSPHRASE, SECRET, START_MS, account, live_sim, sim_config
from tests.kit.webhook import blackhole, webhook_receiver

pytestmark = pytest.mark.integration

SEED = 4
#: at bar 2 the next order call is answered 502 (nothing executes; journaled as a failed call);
#: the bars after it enter (approved) and exit (one bar later) without faults
FAULTS = "placeOrder:502@n=1"
EXPECTED_KINDS = {"approval_waiting", "entry", "exit", "risk_state", "venue_errors", "stop_hit"}


@dataclass
class Outcome:
    posts: list[dict[str, Any]]
    decision_lag_s: list[float]
    log: str
    db: Path


def approve_all(db: Path) -> None:
    with Journal.open(db) as journal:
        for row in console.approvals(journal, status="pending"):
            console.approve(journal, row.client_oid, by="alert-test", now_ms=int(time.time() * 1000))


def in_flight(db: Path) -> bool:
    return bool(query(db, "select 1 from approvals where status in ('approved', 'sending')"))


def holds(db: Path, symbol: str) -> bool:
    latest = query(db, "select max(at_ms) from equity")[0][0]
    return bool(
        query(db, "select 1 from position_snapshots where at_ms = ? and symbol = ?", (latest, symbol))
    )


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    tmp = tmp_path_factory.mktemp("alerts")
    db = tmp / "journal.sqlite"
    with (
        webhook_receiver() as receiver,
        blackhole() as dead,
        live_sim(sim_config(accounts=(account(),))) as server,
    ):
        env = clean_env(
            WEEX_API_KEY=API_KEY,
            WEEX_SECRET_KEY=SECRET,
            WEEX_PASSPHRASE=PASSPHRASE,
            ALPHALOOP_DATA_DIR=str(data_dir()),
            ALPHALOOP_STORE_DIR=str(tmp / "store"),
            ALPHALOOP_ALERT_URLS=f"{receiver.url},{dead}",
            ALPHALOOP_ALERTS__VENUE_ERROR_BURST="1",
            **CHURN_LIMITS,
        )
        trader = CliProcess(
            [*paper_args(server.base_url, db, seed=SEED, maintain=0.3, hold_bars=1), "--approval", "entries"],
            env,
            tmp / "paper.log",
        )
        lags: list[float] = []
        try:
            with httpx.Client(base_url=server.base_url, timeout=5) as admin:
                trader.start()
                wait_for(decided(db, START_MS), "the first decision", trader)
                for bar in range(1, 6):
                    if bar in (2, 3):  # the fault fires once, on the first order call from bar 2 on
                        spec = FAULTS if bar == 2 else ""
                        admin.post("/__admin/faults", json={"spec": spec}).raise_for_status()
                    approve_all(db)
                    wait_for(lambda: not in_flight(db), "approved orders sent", trader)
                    if bar == 1:
                        wait_for(lambda: holds(db, "BTC/USDT:USDT"), "the approved BTC short held", trader)
                        # BTC far above the short's stop: the venue closes the position on its own
                        # (its preset stop arms 1.5 s of market time after the entry)
                        admin.post("/__admin/advance", json={"ms": 2000}).raise_for_status()
                        admin.post(
                            "/__admin/price", json={"symbol": "cmt_btcusdt", "price": "150000"}
                        ).raise_for_status()
                        wait_for(lambda: not holds(db, "BTC/USDT:USDT"), "the stop fired", trader)
                    started = time.monotonic()
                    admin.post("/__admin/advance", json={"ms": HOUR_MS}).raise_for_status()
                    wait_for(decided(db, START_MS + bar * HOUR_MS), f"the decision of bar {bar}", trader)
                    lags.append(time.monotonic() - started)
                for action in ("halt", "resume"):
                    result = run_cli(
                        [action, "--reason", f"alert test {action}", "--db", str(db)], env, cwd=tmp
                    )
                    assert result.returncode == 0, result.stderr
                deadline = time.monotonic() + 20
                while (
                    time.monotonic() < deadline
                    and not {kind_of(p) for p in receiver.received()} >= EXPECTED_KINDS
                ):
                    time.sleep(0.1)  # the test below names what is missing
            trader.stop(signal.SIGINT)
        finally:
            trader.kill()
        yield Outcome(receiver.received(), lags, trader.output(), db)


def kind_of(post: dict[str, Any]) -> str:
    """The alert kind from its title (the body is the message)."""
    title = str(post.get("title", ""))
    table = {
        "an order waits for your approval": "approval_waiting",
        "alphaloop entry": "entry",
        "alphaloop exit": "exit",
        "trading state": "risk_state",
        "repeated venue errors": "venue_errors",
        "hit on": "stop_hit",
    }
    return next((kind for marker, kind in table.items() if marker in title), "other")


def test_every_event_kind_arrives_at_the_webhook(outcome: Outcome) -> None:
    kinds = Counter(kind_of(p) for p in outcome.posts)
    assert set(kinds) >= EXPECTED_KINDS, (kinds, [p.get("title") for p in outcome.posts])


def test_no_alert_arrives_twice(outcome: Outcome) -> None:
    bodies = Counter((p.get("title"), p.get("message")) for p in outcome.posts)
    assert all(n == 1 for n in bodies.values()), [b for b, n in bodies.items() if n > 1]


def test_entries_and_exits_carry_size_price_and_reason(outcome: Outcome) -> None:
    entries = [p for p in outcome.posts if kind_of(p) == "entry"]
    assert entries
    assert all("random entry" in str(p["message"]) and " at " in str(p["message"]) for p in entries)


def test_a_dead_alert_channel_does_not_slow_the_trader(outcome: Outcome) -> None:
    # each bar decided within a few seconds of the market moving, although one channel hangs
    assert max(outcome.decision_lag_s) < 5.0, outcome.decision_lag_s
