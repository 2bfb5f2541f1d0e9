"""The journal watcher: each row becomes at most one alert; clock-based alerts on the trader's clock."""

from __future__ import annotations

from pathlib import Path

from alphaloop.alerts import JournalWatcher
from alphaloop.journal import Journal

DAY = 86_400_000
HOUR = 3_600_000
T0 = 1_750_000_000_000 - 1_750_000_000_000 % DAY + 20 * HOUR  # 20:00 UTC


def journal(tmp_path: Path) -> Journal:
    j = Journal.open(tmp_path / "j.sqlite")
    j.start_run(
        run_id="r",
        started_ms=T0,
        mode="paper",
        venue="weex",
        account="a",
        model="m",
        timeframe="1h",
        config={},
        version="0",
    )
    return j


def equity(j: Journal, at: int, value: float) -> None:
    j.record_positions(at_ms=at, positions=[], stops={})
    j.record_equity(at_ms=at, equity=value, available=value, unrealized_pnl=0.0, open_positions=0)


def test_history_is_not_replayed_and_new_events_alert_once(tmp_path: Path) -> None:
    with journal(tmp_path) as j:
        j.record_event(at_ms=T0, kind="halt", message="old halt")
        watcher = JournalWatcher(j)
        assert watcher.poll() == []
        j.record_event(at_ms=T0 + 1, kind="kill_switch", message="halted: total drawdown")
        j.record_event(at_ms=T0 + 2, kind="startup", message="not worth an alert")
        alerts = watcher.poll()
        assert [(a.kind, a.body) for a in alerts] == [("risk_state", "halted: total drawdown")]
        assert watcher.poll() == []


def test_a_missed_cycle_and_the_daily_summary(tmp_path: Path) -> None:
    with journal(tmp_path) as j:
        j.record_decision(
            decision_id="d",
            run_id="r",
            bar_close_ms=T0,
            created_ms=T0,
            model="m",
            actions=[],
            explanation="x",
        )
        equity(j, T0, 1000.0)
        watcher = JournalWatcher(j)
        equity(j, T0 + HOUR, 1010.0)
        assert watcher.poll() == []
        equity(j, T0 + 5 * HOUR, 990.0)  # no decision for five hours, and a new UTC day
        kinds = {a.kind: a for a in watcher.poll()}
        assert set(kinds) == {"missed_cycle", "daily_summary"}
        assert "1,000.00 -> 1,010.00" in kinds["daily_summary"].body
