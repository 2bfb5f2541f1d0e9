"""The chaos drill of issue 6, short enough for `make test` (the long one: benchmarks/chaos_long.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kit.chaos import ChaosConfig, run_chaos


@pytest.mark.timeout(600)
def test_paper_trading_survives_faults_and_sigkill(tmp_path: Path) -> None:
    result = run_chaos(tmp_path, ChaosConfig())
    context = f"trader log tail:\n{result.trader_log[-3000:]}"
    assert result.kills == 2
    assert result.restarts == 2
    # the drill must actually have exercised the dangerous paths: orders, lost answers, faults
    assert result.sim_orders >= 10, context
    assert result.unknown_outcomes >= 1, context
    assert sum(n for rule, n in result.faults_fired.items() if rule.startswith("placeOrder")) >= 3
    assert result.duplicate_client_oids == [], context
    assert result.venue_orders_without_journal == [], context
    assert result.orders_without_ai_log == [], context
    assert result.ai_logs_not_uploaded == [], context
    assert result.ai_logs_missing_at_venue == [], context
    assert result.position_mismatches == [], context
    assert result.audit_exit == 0, result.audit_output
