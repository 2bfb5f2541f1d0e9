"""`alphaloop approvals|approve|veto|flatten|dashboard` as subprocesses on a real journal file:
decisions journaled with who and when, bad input one line and exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from alphaloop.journal import Journal
from alphaloop.journal import console_repo as repo
from tests.kit.paper import clean_env, query, run_cli

pytestmark = pytest.mark.integration

T0 = 1_700_000_000_000


def journal_with_a_parked_order(path: Path, *, expires_ms: int) -> None:
    with Journal.open(path) as journal:
        journal.start_run(
            run_id="run-1",
            started_ms=T0,
            mode="paper",
            venue="weex",
            account="acct",
            model="m",
            timeframe="1h",
            config={},
            version="0",
        )
        journal.record_decision(
            decision_id="d1",
            run_id="run-1",
            bar_close_ms=T0,
            created_ms=T0,
            model="m",
            actions=[],
            explanation="x",
        )
        for oid in ("alaaaa", "albbbb"):
            repo.park_approval(
                journal,
                {
                    "client_oid": oid,
                    "decision_id": "d1",
                    "run_id": "run-1",
                    "symbol": "BTC/USDT:USDT",
                    "intent": "open_long",
                    "purpose": "entry",
                    "summary": f"open_long 0.001 BTC ({oid})",
                    "plan": {},
                    "ai_log": {},
                    "created_ms": T0,
                    "expires_ms": expires_ms,
                },
            )


def test_approve_and_veto_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "j.sqlite"
    journal_with_a_parked_order(db, expires_ms=4_000_000_000_000)
    env = clean_env()
    listed = run_cli(["approvals", "--db", str(db)], env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "alaaaa" in listed.stdout
    assert "albbbb" in listed.stdout
    approved = run_cli(["approve", "alaaaa", "--db", str(db), "--by", "alice"], env, cwd=tmp_path)
    assert approved.returncode == 0, approved.stderr
    vetoed = run_cli(["veto", "albbbb", "--reason", "no", "--db", str(db)], env, cwd=tmp_path)
    assert vetoed.returncode == 0, vetoed.stderr
    assert query(db, "select client_oid, status, decided_by from approvals order by client_oid") == [
        ("alaaaa", "approved", "alice"),
        ("albbbb", "vetoed", "cli"),
    ]
    assert len(query(db, "select 1 from events where kind in ('approval', 'veto')")) == 2
    again = run_cli(["approve", "albbbb", "--db", str(db)], env, cwd=tmp_path)
    assert again.returncode == 2
    assert "is vetoed, not pending" in again.stderr
    assert "Traceback" not in again.stderr


def test_flatten_halts_and_waits_for_a_trader(tmp_path: Path) -> None:
    db = tmp_path / "j.sqlite"
    journal_with_a_parked_order(db, expires_ms=T0 + 1)
    result = run_cli(
        ["flatten", "--db", str(db), "--wait", "0.5", "--reason", "bedtime"], clean_env(), cwd=tmp_path
    )
    assert result.returncode == 1  # nobody carried it out
    assert "HALTED" in result.stdout
    assert query(db, "select state from trading_state") == [("halted",)]
    assert query(db, "select kind, requested_by, reason, status from operator_requests") == [
        ("flatten", "cli", "bedtime", "pending")
    ]


def test_the_dashboard_refuses_a_public_host_without_a_token_and_a_missing_journal(tmp_path: Path) -> None:
    db = tmp_path / "j.sqlite"
    journal_with_a_parked_order(db, expires_ms=T0 + 1)
    public = run_cli(["dashboard", "--host", "0.0.0.0", "--db", str(db)], clean_env(), cwd=tmp_path)
    assert public.returncode == 2
    assert "not a loopback address" in public.stderr
    missing = run_cli(["dashboard", "--db", str(tmp_path / "none.sqlite")], clean_env(), cwd=tmp_path)
    assert missing.returncode == 2
    assert "no journal" in missing.stderr
    assert "Traceback" not in public.stderr + missing.stderr


def test_the_dashboard_on_a_port_in_use_says_so_in_one_line_and_exits_2(tmp_path: Path) -> None:
    import socket

    db = tmp_path / "j.sqlite"
    journal_with_a_parked_order(db, expires_ms=T0 + 1)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(["dashboard", "--db", str(db), "--port", str(port)], clean_env(), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"127.0.0.1:{port}" in result.stderr
    assert "in use" in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    # nothing announced (a token printed for a server that never ran), no uvicorn noise
    assert "token" not in result.stdout
    assert "ERROR" not in result.stdout + result.stderr
