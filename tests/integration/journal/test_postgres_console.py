"""The operator console on a PostgreSQL journal: the facade's reads and decisions, and the
dashboard's pages, exactly as on SQLite."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from alphaloop.journal import Journal
from alphaloop.journal import console_repo as repo
from alphaloop.ops import console
from alphaloop.web import create_app
from tests.unit.journal.builders import DECISION_ID, T0, ready

pytestmark = pytest.mark.integration

TOKEN = "postgres-dashboard-token-12345"


def park(journal: Journal, oid: str) -> None:
    repo.park_approval(
        journal,
        {
            "client_oid": oid,
            "decision_id": DECISION_ID,
            "run_id": "run-1",
            "symbol": "BTC/USDT:USDT",
            "intent": "open_long",
            "purpose": "entry",
            "summary": f"open_long ({oid})",
            "plan": {"a": "1"},
            "ai_log": {"explanation": "why"},
            "created_ms": T0,
            "expires_ms": T0 + 60_000,
        },
    )


def test_the_console_facade_and_dashboard_on_postgres(pg_url: str) -> None:
    with Journal.open(pg_url) as journal:
        ready(journal)
        park(journal, "alpg1")
        park(journal, "alpg2")
        journal.record_equity(at_ms=T0, equity=1000.0, available=900.0, unrealized_pnl=0.0, open_positions=0)
        status = console.status(journal, now_ms=T0 + 1)
        assert status.pending_approvals == 2
        assert status.equity == 1000.0
        console.approve(journal, "alpg1", by="alice", now_ms=T0 + 2)
        with pytest.raises(console.ConsoleError, match="not pending"):
            console.veto(journal, "alpg1", by="bob", reason="late", now_ms=T0 + 3)
        console.veto(journal, "alpg2", by="bob", reason="no", now_ms=T0 + 3)
        assert {a.client_oid: a.status for a in console.approvals(journal)} == {
            "alpg1": "approved",
            "alpg2": "vetoed",
        }
        number = console.flatten(journal, reason="test", by="carol", now_ms=T0 + 4)
        assert console.request(journal, number) is not None
        assert console.runs(journal)[0]["id"] == "run-1"
        assert console.decisions(journal)[0]["id"] == DECISION_ID
    with TestClient(create_app(pg_url, TOKEN, clock=lambda: T0 + 5)) as client:
        client.get(f"/?token={TOKEN}")
        for path in ("/", "/decisions", "/orders", "/events", "/runs", "/approvals"):
            assert client.get(path).status_code == 200, path
        assert "HALTED" in client.get("/").text
