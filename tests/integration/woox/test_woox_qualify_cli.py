"""`alphaloop qualify --venue woox` against `alphaloop sim serve --dialect woox`, both as real
processes over loopback: the issue's done criterion."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kit.data import data_dir

pytestmark = pytest.mark.integration

KEY, SECRET = "woox_qualify_key_0123", "woox-qualify-secret-3141592653"
URL = re.compile(r"http://127\.0\.0\.1:\d+")
STEPS = [
    "server time", "account assets", "ticker", "set leverage", "contract info", "place limit order",
    "order fills", "clean up",
]  # fmt: skip


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEEX_", "ALPHALOOP_", "WOOX_"))}
    env.update(extra)
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "alphaloop.cli.main", *args]


@pytest.fixture(scope="module")
def sim_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("woox-sim") / "sim.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            _cli("sim", "serve", "--dialect", "woox", "--port", "0", "--data", str(data_dir()),
                 "--api-key", KEY, "--secret-key", SECRET),
            stdout=subprocess.PIPE, stderr=sink, text=True, env=_clean_env(),
        )  # fmt: skip
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            found = URL.search(line)
            if found is None:
                pytest.fail(f"sim serve printed no URL ({line!r}); log:\n{log.read_text()}")
            assert line.startswith("alphaloop sim: serving WOO X API on")
            yield found.group(0)
        finally:
            process.terminate()
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()


def _qualify(url: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _cli("qualify", "--venue", "woox", "--base-url", url, *args),
        capture_output=True, text=True, env=env, timeout=120, cwd=Path(__file__).parent,
    )  # fmt: skip


def test_qualify_passes_every_step_against_the_woox_simulator(sim_url: str) -> None:
    result = _qualify(sim_url, _clean_env(WOOX_API_KEY=KEY, WOOX_API_SECRET=SECRET), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is True
    assert report["symbol"] == "BTC/USDT:USDT"
    assert [s["name"] for s in report["steps"]] == STEPS
    assert all(s["outcome"] == "passed" and s["http_status"] == 200 for s in report["steps"])
    assert [s["request"] for s in report["steps"]] == [
        "GET /v3/public/systemInfo", "GET /v3/asset/balances", "GET /v3/public/futures",
        "PUT /v3/futures/leverage", "GET /v3/public/instruments", "POST /v3/trade/order",
        "GET /v3/trade/transactionHistory", "POST /v3/trade/order",
    ]  # fmt: skip
    assert "1 fill(s)" in report["steps"][6]["detail"]
    assert "closed 0.0001 long" in report["steps"][7]["detail"]
    assert SECRET not in result.stdout + result.stderr


def test_the_table_output_and_a_wrong_secret(sim_url: str) -> None:
    table = _qualify(sim_url, _clean_env(WOOX_API_KEY=KEY, WOOX_API_SECRET=SECRET, COLUMNS="200"))
    assert table.returncode == 0, table.stdout + table.stderr
    assert "PASSED: 8/8 steps passed" in table.stdout
    assert "trade/order" in table.stdout
    wrong = _qualify(
        sim_url, _clean_env(WOOX_API_KEY=KEY, WOOX_API_SECRET="not-the-secret"), "--json", "--no-cleanup"
    )
    assert wrong.returncode == 1
    assets = next(s for s in json.loads(wrong.stdout)["steps"] if s["name"] == "account assets")
    assert assets["outcome"] == "failed"
    assert "-1001" in assets["detail"]
    assert "not-the-secret" not in wrong.stdout + wrong.stderr


def test_without_credentials_public_steps_run_and_private_ones_say_why(sim_url: str) -> None:
    result = _qualify(sim_url, _clean_env(), "--json")
    assert result.returncode == 1
    outcomes = {s["name"]: (s["outcome"], s["detail"]) for s in json.loads(result.stdout)["steps"]}
    assert outcomes["server time"][0] == outcomes["ticker"][0] == outcomes["contract info"][0] == "passed"
    assert outcomes["place limit order"][0] == "skipped"
    assert "WOOX_API_KEY" in outcomes["place limit order"][1]


def test_sim_serve_refuses_an_unknown_dialect_and_weex_fault_names() -> None:
    base = ["sim", "serve", "--port", "0", "--data", str(data_dir()), "--api-key", "k", "--secret-key", "s"]
    bogus = subprocess.run(_cli(*base, "--dialect", "bogus"), capture_output=True, text=True, timeout=60)
    weex_name = subprocess.run(
        _cli(*base, "--dialect", "woox", "--faults", "placeOrder:5xx; ticker:500"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bogus.returncode == 2
    assert "--dialect must be weex, weex-v3 or woox" in bogus.stderr
    # `ticker` is a WEEX endpoint name; the WOO X dialect knows `futures` instead
    assert weex_name.returncode == 2
    assert "unknown endpoint 'ticker'" in weex_name.stderr.replace("\n", " ")
