"""`alphaloop sim serve` as a real process: prints its URL, serves, refuses bad options."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request

import pytest

from tests.kit.data import data_dir

pytestmark = pytest.mark.integration

URL = re.compile(r"http://127\.0\.0\.1:\d+")


def sim_command(*extra: str) -> list[str]:
    return [
        sys.executable, "-m", "alphaloop.cli.main", "sim", "serve", "--port", "0", "--data", str(data_dir()),
        "--api-key", "k", "--secret-key", "s", "--passphrase", "p", *extra,
    ]  # fmt: skip


def test_serve_prints_the_url_and_answers() -> None:
    process = subprocess.Popen(
        sim_command("--admin", "--faults", "contracts:503@n=1", "--start", "2025-09-10T08:00:00Z"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("alphaloop sim: serving WEEX API on http://127.0.0.1:"), line
        match = URL.search(line)
        assert match is not None
        base = match.group(0)
        with urllib.request.urlopen(base + "/capi/v2/market/funding_time?symbol=cmt_btcusdt", timeout=5) as r:
            assert json.loads(r.read())["fundingTime"] == 1_757_520_000_000  # 2025-09-10T16:00Z
        with urllib.request.urlopen(base + "/__admin/faults", timeout=5) as r:
            assert json.loads(r.read())["spec"] == "contracts:503@n=1"
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--faults", "ticker:boom"), "unknown action 'boom'"),
        (("--start", "2019-01-01"), "outside the data"),
        (("--timeframe", "2h"), "--timeframe must be one of"),
    ],
)
def test_bad_options_exit_2_with_a_clear_message(extra: tuple[str, ...], message: str) -> None:
    result = subprocess.run(sim_command(*extra), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr.replace("\n", " ")
