"""The dashboard in a real Chromium, served by a real `alphaloop paper --approval entries
--dashboard` process trading the WEEX simulator over loopback, with its real SQLite journal.

One drill for the module: the trader decides bar 0 (two entries, parked for approval); in the
page a human approves one and vetoes the other; the simulator then holds exactly one order of
those two; the overview shows the journal's equity, positions and state; halt from the page
stops new entries; pages need the token and show no secret. Screenshots of every page are saved.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from tests.kit.browser import SCREENSHOTS, chromium, free_port
from tests.kit.data import data_dir
from tests.kit.paper import (
    CHURN_LIMITS,
    HOUR_MS,
    CliProcess,
    clean_env,
    decided,
    paper_args,
    query,
    wait_for,
)
from tests.kit.sim_server import (
    API_KEY,
    PASSPHRASE,
    SECRET,
    START_MS,
    RunningServer,
    account,
    live_sim,
    sim_config,
)

pytestmark = pytest.mark.integration

TOKEN = "dashboard-test-token-0123456789"
#: the random strategy with seed 4 opens a BTC short at bar 0, more entries in the next bars
SEED = 4
PAGES = ("overview", "decisions", "orders", "events", "runs", "approvals")


@dataclass
class Drill:
    db: Path
    base: str
    trader: CliProcess
    server: RunningServer
    page: Page
    shots: Path


def pending(db: Path) -> list[tuple[str, str]]:
    return [
        (str(oid), str(sym))
        for oid, sym in query(
            db, "select client_oid, symbol from approvals where status = 'pending' order by symbol"
        )
    ]


def sim_client_oids(server: RunningServer) -> list[str]:
    exchange = server.sim.exchange
    orders: list[Any] = [*exchange.orders(API_KEY), *exchange.trigger_orders(API_KEY, open_only=False)]
    return [o.client_order_id for o in orders if o.client_order_id]


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drill]:
    tmp = tmp_path_factory.mktemp("dashboard")
    db = tmp / "journal.sqlite"
    port = free_port()
    env = clean_env(
        WEEX_API_KEY=API_KEY,
        WEEX_SECRET_KEY=SECRET,
        WEEX_PASSPHRASE=PASSPHRASE,
        ALPHALOOP_DATA_DIR=str(data_dir()),
        ALPHALOOP_STORE_DIR=str(tmp / "store"),
        ALPHALOOP_DASHBOARD_TOKEN=TOKEN,
        **CHURN_LIMITS,
    )
    shots = SCREENSHOTS.resolve()
    shots.mkdir(parents=True, exist_ok=True)
    with live_sim(sim_config(accounts=(account(),))) as server:
        args = [
            *paper_args(server.base_url, db, seed=SEED, maintain=0.3),
            "--approval",
            "entries",
            "--dashboard",
            "--dashboard-port",
            str(port),
        ]
        trader = CliProcess(args, env, tmp / "paper.log")
        try:
            trader.start()
            wait_for(decided(db, START_MS), "the first decision", trader)
            wait_for(lambda: len(pending(db)) == 1, "the entry waiting for approval", trader)
            with chromium() as browser:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                yield Drill(db, f"http://127.0.0.1:{port}", trader, server, page, shots)
                page.close()
            # the dashboard thread ends with the trader: a clean exit, no traceback
            assert trader.stop(signal.SIGINT) == 0, trader.output()[-3000:]
            assert "Traceback" not in trader.output()
        finally:
            trader.kill()


def open_page(drill: Drill, path: str) -> None:
    drill.page.goto(f"{drill.base}{path}")


def test_the_token_opens_the_pages_and_a_wrong_or_missing_one_gets_401(drill: Drill) -> None:
    with httpx.Client(base_url=drill.base, timeout=10) as client:
        for path in ("/", "/approvals", "/decisions", "/api/status", "/static/plotly.min.js"):
            assert client.get(path).status_code == 401, path
            assert client.get(path, params={"token": "wrong-token-wrong-token"}).status_code == 401
            assert (
                client.get(path, headers={"Authorization": "Bearer nope-nope-nope-nope"}).status_code == 401
            )
        assert client.post("/actions/halt", data={"reason": "x"}).status_code == 401
        ok = client.get("/api/status", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
        assert ok.json()["state"] == "active"
        # with the token but without the CSRF value, an action is refused and changes nothing
        refused = client.post(
            "/actions/halt", data={"reason": "x"}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert refused.status_code == 403
    assert query(drill.db, "select state from trading_state") == [("active",)]


def test_an_approval_in_the_page_sends_exactly_one_order(drill: Drill) -> None:
    ((first, first_symbol),) = pending(drill.db)
    assert first not in sim_client_oids(drill.server)  # parked: not sent before a human decides
    open_page(drill, f"/approvals?token={TOKEN}")
    assert "token=" not in drill.page.url  # swapped for a cookie
    drill.page.screenshot(path=str(drill.shots / "approvals-pending.png"), full_page=True)
    drill.page.locator(f'tr[data-oid="{first}"] button.approve').click()
    drill.page.wait_for_selector("#flash")
    assert "approved" in drill.page.inner_text("#flash")
    wait_for(
        lambda: query(drill.db, "select status from approvals where client_oid = ?", (first,)) == [("sent",)],
        "the approval marked sent",
        drill.trader,
    )
    assert sim_client_oids(drill.server).count(first) == 1
    # its AI log says a human approved it, and when
    (explanation,) = query(drill.db, "select explanation from ai_logs where client_oid = ?", (first,))[0]
    assert re.search(
        r"A human operator \(dashboard@127\.0\.0\.1\) approved this AI-planned order at \d{4}-", explanation
    )
    assert query(drill.db, "select symbol, status from orders where client_oid = ?", (first,)) == [
        (first_symbol, "filled")
    ]
    # a second click on a decided order changes nothing (the buttons are gone; the POST is refused)
    with httpx.Client(
        base_url=drill.base, timeout=10, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as client:
        page = client.get("/").text
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
        assert csrf is not None
        again = client.post(f"/approvals/{first}/approve", data={"csrf_token": csrf.group(1)})
        assert again.status_code == 303
    assert sim_client_oids(drill.server).count(first) == 1


def test_the_overview_shows_the_journals_equity_positions_and_state(drill: Drill) -> None:
    wait_for(
        lambda: query(drill.db, "select count(*) from position_snapshots")[0][0] > 0,
        "a position snapshot",
        drill.trader,
    )
    open_page(drill, f"/?token={TOKEN}")
    (equity,) = query(drill.db, "select equity from equity order by at_ms desc limit 1")[0]
    drill.page.wait_for_function(
        "expected => document.querySelector('#equity').textContent.trim() === expected",
        arg=f"{float(equity):,.2f}",
        timeout=10_000,
    )
    assert drill.page.inner_text("#state").strip() == "ACTIVE"
    latest = query(drill.db, "select max(at_ms) from equity")[0][0]
    # the simulator's clock stands between advances, so several upkeep passes share one time
    held = query(
        drill.db, "select distinct symbol, side, size from position_snapshots where at_ms = ?", (latest,)
    )
    rows = drill.page.locator("#positions tr").all_inner_texts()[1:]
    assert len(rows) == len(held) >= 1, rows
    for symbol, side, size in held:
        assert any(symbol in row and side in row and str(float(size)) in row for row in rows), (held, rows)
    assert drill.page.locator("#chart .plotly-graph-div").count() == 1  # plotly.js loaded locally
    drill.page.screenshot(path=str(drill.shots / "overview.png"), full_page=True)


def test_a_veto_in_the_page_means_never_sent(drill: Drill) -> None:
    with httpx.Client(base_url=drill.server.base_url, timeout=5) as admin:
        for bar in (1, 2, 3, 4):
            admin.post("/__admin/advance", json={"ms": HOUR_MS}).raise_for_status()
            wait_for(decided(drill.db, START_MS + bar * HOUR_MS), f"the decision of bar {bar}", drill.trader)
            if pending(drill.db):
                break
    ((second, _),) = pending(drill.db)
    open_page(drill, f"/approvals?token={TOKEN}")
    drill.page.locator(f'tr[data-oid="{second}"] input[name="reason"]').fill("not this one")
    drill.page.locator(f'tr[data-oid="{second}"] button.veto').click()
    drill.page.wait_for_selector("#flash")
    assert query(
        drill.db, "select status, decided_by, reason from approvals where client_oid = ?", (second,)
    ) == [("vetoed", "dashboard@127.0.0.1", "not this one")]
    # three upkeep passes (where the desk acts) on three simulated minutes: the trader runs on the
    # simulator's clock, which stands between advances, and one equity point is kept per moment
    with httpx.Client(base_url=drill.server.base_url, timeout=5) as admin:
        for _ in range(3):
            passes = query(drill.db, "select count(*) from equity")[0][0]
            admin.post("/__admin/advance", json={"ms": 60_000}).raise_for_status()
            wait_for(
                lambda passes=passes: query(drill.db, "select count(*) from equity")[0][0] > passes,
                "an upkeep pass",
                drill.trader,
            )
    assert second not in sim_client_oids(drill.server)
    assert query(drill.db, "select count(*) from orders where client_oid = ?", (second,)) == [(0,)]
    drill.page.reload()
    drill.page.screenshot(path=str(drill.shots / "approvals-decided.png"), full_page=True)


def test_halt_from_the_page_stops_new_entries(drill: Drill) -> None:
    open_page(drill, f"/?token={TOKEN}")
    drill.page.fill('#halt-form input[name="reason"]', "browser test halt")
    drill.page.click("#halt")
    drill.page.wait_for_selector("#flash")
    assert query(drill.db, "select state, reason from trading_state") == [("halted", "browser test halt")]
    assert "halt by dashboard@127.0.0.1" in str(
        query(drill.db, "select message from events where kind = 'operator'")
    )
    parked_before = query(drill.db, "select count(*) from approvals")[0][0]
    entries_before = query(drill.db, "select count(*) from orders where purpose = 'entry'")[0][0]
    with httpx.Client(base_url=drill.server.base_url, timeout=5) as admin:
        for bar in (1, 2):
            admin.post("/__admin/advance", json={"ms": HOUR_MS}).raise_for_status()
            wait_for(decided(drill.db, START_MS + bar * HOUR_MS), f"the decision of bar {bar}", drill.trader)
    assert query(drill.db, "select count(*) from approvals")[0][0] == parked_before
    assert query(drill.db, "select count(*) from orders where purpose = 'entry'")[0][0] == entries_before
    drill.page.wait_for_function(
        "document.querySelector('#live-state').textContent === 'HALTED'", timeout=10_000
    )
    drill.page.reload()
    assert drill.page.inner_text("#state").strip() == "HALTED"


def test_every_page_renders_without_any_secret(drill: Drill) -> None:
    for name in PAGES:
        open_page(drill, f"/{'' if name == 'overview' else name}?token={TOKEN}")
        assert drill.page.locator("nav .brand").count() == 1
        html = drill.page.content()
        for secret in (TOKEN, SECRET, PASSPHRASE, API_KEY):
            assert secret not in html, (name, secret[:4])
        drill.page.screenshot(path=str(drill.shots / f"page-{name}.png"), full_page=True)
