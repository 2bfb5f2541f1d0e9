"""`alphaloop run` (the embedded default) end to end as a subprocess, offline.

The rules strategy (`--strategy sma`) keeps it fast: the ML path needs a trained model (the chaos
drill and the manual runs cover it). The replay goes through the real trading path on the
in-process simulator, so its journal must pass `alphaloop audit` and show every AI log uploaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.kit.data import data_dir
from tests.kit.paper import clean_env, query, run_cli


def _offline_env(tmp_path: Path, data: Path) -> dict[str, str]:
    return clean_env(
        ALPHALOOP_DATA_DIR=str(data),
        ALPHALOOP_STORE_DIR=str(tmp_path / "store"),
        ALPHALOOP_MODELS_DIR=str(tmp_path / "models"),
        ALPHALOOP_JOURNAL_URL=str(tmp_path / "default-journal.sqlite"),
        # nothing listens on the discard port: any download attempt fails at once, on this machine
        ALPHALOOP_WEEX__BASE_URL="http://127.0.0.1:9",
    )


@pytest.mark.timeout(60)
def test_run_replays_three_days_and_leaves_an_auditable_journal(tmp_path: Path) -> None:
    env = _offline_env(tmp_path, data_dir())
    out = tmp_path / "report"

    result = run_cli(["run", "--strategy", "sma", "--days", "3", "--out", str(out)], env, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    assert lines[0].startswith("alphaloop run: sma-"), result.stdout
    assert "traded 8 pairs (1h)" in lines[0]
    assert "decision cycles" in lines[1]
    assert "AI logs uploaded" in lines[1]
    assert lines[2].startswith("equity 1,000.00 -> ")
    assert any(line.startswith("journal: ") for line in lines)
    assert any(line.startswith("report: ") for line in lines)
    assert lines[-2].startswith("audit: PASSED"), result.stdout
    assert lines[-1].startswith("next: open "), result.stdout
    # the suggested backtest covers the run's own period, after the model's training range
    start = lines[0].split(" from ")[1].split(" to ")[0]
    assert f"`alphaloop backtest --strategy ml --start {start}`" in lines[-1], result.stdout
    journal = out / "journal.sqlite"
    assert (out / "report.html").stat().st_size > 0
    assert journal.is_file()
    sent = query(journal, "select count(*) from orders where status not in ('pending', 'not_sent')")[0][0]
    assert sent > 0, "three days of SMA crossings on 8 pairs trade at least once"
    assert f"{sent} orders sent" in lines[1]

    audit = run_cli(["audit", "--db", str(journal)], env, cwd=tmp_path)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "PASSED" in audit.stdout

    status = run_cli(["ailog", "status", "--db", str(journal)], env, cwd=tmp_path)
    assert status.returncode == 0, status.stdout + status.stderr
    uploaded_row = next(line for line in status.stdout.splitlines() if "with an uploaded AI log" in line)
    assert f"{sent} (100.0%)" in uploaded_row, status.stdout


@pytest.mark.timeout(60)
def test_run_json_summary_matches_its_journal(tmp_path: Path) -> None:
    env = _offline_env(tmp_path, data_dir())
    out = tmp_path / "report"

    two_pairs = "BTC/USDT:USDT,ETH/USDT:USDT"  # a shorter replay: the 8-pair one is above

    result = run_cli(
        ["run", "--strategy", "sma", "--days", "3", "--symbols", two_pairs, "--out", str(out), "--json"],
        env,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    journal = Path(summary["journal"])
    assert journal == out / "journal.sqlite"
    assert Path(summary["report"]) == out / "report.html"
    assert summary["audit_passed"] is True
    assert summary["model"].startswith("sma-")
    assert summary["cycles"] == 72  # 3 days of 1h bars
    symbols = {row[0] for row in query(journal, "select symbol from orders")}
    assert symbols <= {"BTC/USDT:USDT", "ETH/USDT:USDT"}
    sent = query(journal, "select count(*) from orders where status not in ('pending', 'not_sent')")[0][0]
    uploaded = query(journal, "select count(*) from ai_logs where status = 'uploaded'")[0][0]
    assert summary["orders_sent"] == sent > 0
    assert summary["ai_logs_uploaded"] == uploaded >= sent
    assert summary["initial_equity"] == 1000.0
    last_equity = query(journal, "select equity from equity order by at_ms desc limit 1")[0][0]
    assert summary["final_equity"] == pytest.approx(last_equity)


@pytest.mark.timeout(60)
def test_run_without_data_or_network_exits_2_with_one_line_on_how_to_get_data(tmp_path: Path) -> None:
    empty = tmp_path / "no-data"
    empty.mkdir()
    env = _offline_env(tmp_path, empty)
    out = tmp_path / "report"

    result = run_cli(["run", "--strategy", "sma", "--days", "3", "--out", str(out)], env, cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("alphaloop:")]
    assert len(errors) == 1, result.stderr
    assert "ALPHALOOP_DATA_DIR" in errors[0]
    assert "alphaloop data download" in errors[0]
    assert "Traceback" not in result.stderr
    assert not (out / "journal.sqlite").exists()
