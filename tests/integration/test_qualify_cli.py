"""`alphaloop qualify` against `alphaloop sim serve`, both as real processes over loopback."""

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

KEY, SECRET, PASSPHRASE = (
    "weex_0123456789abcdef0123456789abcdef",
    "qualify-secret-3141592653",
    "qualify-pass-271",
)
URL = re.compile(r"http://127\.0\.0\.1:\d+")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEEX_", "ALPHALOOP_", "WOOX_"))}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def sim_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("sim") / "sim.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "alphaloop.cli.main", "sim", "serve",
                "--port", "0", "--data", str(data_dir()),
                "--api-key", KEY, "--secret-key", SECRET, "--passphrase", PASSPHRASE,
            ],
            stdout=subprocess.PIPE, stderr=sink, text=True, env=_clean_env(),
        )  # fmt: skip
        try:
            assert process.stdout is not None
            url = None
            for line in process.stdout:
                found = URL.search(line)
                if found:
                    url = found.group(0)
                    break
            if url is None:
                pytest.fail(f"sim serve printed no URL; log:\n{log.read_text()}")
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()


def _qualify(
    url: str, env: dict[str, str], *args: str, verbose: bool = False
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alphaloop.cli.main", *(["-vv"] if verbose else []),
         "qualify", "--base-url", url, *args],
        capture_output=True, text=True, env=env, timeout=120, cwd=Path(__file__).parent,
    )  # fmt: skip


def test_qualify_passes_every_step_against_the_simulator(sim_url: str) -> None:
    result = _qualify(
        sim_url,
        _clean_env(WEEX_API_KEY=KEY, WEEX_SECRET_KEY=SECRET, WEEX_PASSPHRASE=PASSPHRASE),
        "--json",
        verbose=True,
    )
    assert "DEBUG" in result.stderr  # debug logging really was on while we looked for secrets
    report = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert report["passed"] is True
    names = [step["name"] for step in report["steps"]]
    assert names[:7] == [
        "server time", "account assets", "ticker", "set leverage",
        "contract info", "place limit order", "order fills",
    ]  # fmt: skip
    assert all(step["outcome"] == "passed" and step["http_status"] == 200 for step in report["steps"])
    assert [step["request"] for step in report["steps"]][:7] == [
        "GET /capi/v2/market/time", "GET /capi/v2/account/assets", "GET /capi/v2/market/ticker",
        "POST /capi/v2/account/leverage", "GET /capi/v2/market/contracts",
        "POST /capi/v2/order/placeOrder", "GET /capi/v2/order/fills",
    ]  # fmt: skip
    assert "1 fill(s)" in report["steps"][6]["detail"]
    for secret in (KEY, SECRET, PASSPHRASE):
        assert secret not in result.stdout + result.stderr


def test_without_credentials_public_steps_run_and_private_ones_say_why(sim_url: str) -> None:
    result = _qualify(sim_url, _clean_env(), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    outcomes = {step["name"]: step["outcome"] for step in report["steps"]}
    assert outcomes["server time"] == outcomes["ticker"] == outcomes["contract info"] == "passed"
    assert outcomes["account assets"] == outcomes["place limit order"] == "skipped"
    skipped = [s for s in report["steps"] if s["outcome"] == "skipped"]
    assert all("WEEX_API_KEY" in s["detail"] for s in skipped)


def test_a_wrong_passphrase_fails_the_private_steps_with_the_venue_error(sim_url: str) -> None:
    env = _clean_env(WEEX_API_KEY=KEY, WEEX_SECRET_KEY=SECRET, WEEX_PASSPHRASE="not-the-passphrase")
    result = _qualify(sim_url, env, "--json", "--no-cleanup")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assets = next(s for s in report["steps"] if s["name"] == "account assets")
    assert assets["outcome"] == "failed"
    assert "40012" in assets["detail"]
    assert "not-the-passphrase" not in result.stdout + result.stderr


def test_the_table_output_is_readable(sim_url: str) -> None:
    env = _clean_env(WEEX_API_KEY=KEY, WEEX_SECRET_KEY=SECRET, WEEX_PASSPHRASE=PASSPHRASE, COLUMNS="200")
    result = _qualify(sim_url, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASSED" in result.stdout
    assert "order/placeOrder" in result.stdout
    assert "order/fills" in result.stdout
