"""The `weex-v3` simulator dialect in process (httpx ASGI transport): the spec's signature vectors
authenticate, v3 error shapes (404 without `msg`, -1150 for a wrong method, 429 without `msg`),
DELETE parameters from the query, and the CLI serving it."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from alphaloop.venues.sim.server import ApiAccount, RateLimitConfig, Simulator
from alphaloop.venues.sim.server.app import create_app
from alphaloop.venues.weex.signing import sign
from tests.kit.data import data_dir
from tests.kit.sim_server import shared_market_data
from tests.kit.weex_v3_sim import v3_config

pytestmark = pytest.mark.integration

#: spec 2.3: secret, timestamp and the signatures WEEX (and ccxt) compute for them
KEY, SECRET, PASSPHRASE = "weex_vector_key", "weex_test_secret_0123456789", "vector-pass"
T0 = 1765423487896
VECTORS = [
    ("GET", "/capi/v3/account/balance", "", "", "2elb4cIiesgM2sLRHLm4MCijPHbTIlryQwWBoOkl4fE="),
    (
        "GET",
        "/capi/v3/account/position/singlePosition",
        "symbol=BTCUSDT",
        "",
        "CrgydOGUQh8Ou87gZmytdlhK5ShVFyFZ9FwzwRv32n8=",
    ),
    (
        "POST",
        "/capi/v3/order",
        "",
        '{"symbol":"BTCUSDT","side":"BUY","quantity":"0.001","type":"LIMIT","price":"60000",'
        '"positionSide":"LONG","timeInForce":"GTC","newClientOrderId":"sim-0001"}',
        "sCvkt2KnDHrq3D5OCR+427wicMErfuSNNbbGGwWhuag=",
    ),
    ("POST", "/capi/v3/closePositions", "", "{}", "qRhnhRaQcgWt1i2jFSouGliUZuTInM3BYbcZI1VZwEI="),
    (
        "POST",
        "/capi/v3/account/leverage",
        "",
        '{"symbol":"BTCUSDT","crossLeverage":10}',
        "n56mFA0B5t0tfrPnY5ATtHWPeGaCfhb0Bdh52Jnlrgo=",
    ),
]


def _client(**overrides: Any) -> httpx.AsyncClient:
    account = ApiAccount(api_key=KEY, secret_key=SecretStr(SECRET), passphrase=SecretStr(PASSPHRASE))
    config = v3_config(accounts=(account,), **overrides)
    sim = Simulator(config, wall=lambda: T0 / 1000, data=shared_market_data(config.timeframe))
    app = create_app(config, sim=sim)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim.test")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("method", "path", "query", "body", "signature"), VECTORS, ids=[v[1] for v in VECTORS]
)
async def test_the_spec_vectors_authenticate(
    method: str, path: str, query: str, body: str, signature: str
) -> None:
    assert sign(SECRET, str(T0), method, path, query, body) == signature  # the vector itself
    headers = {
        "ACCESS-KEY": KEY,
        "ACCESS-SIGN": signature,
        "ACCESS-TIMESTAMP": str(T0),
        "ACCESS-PASSPHRASE": PASSPHRASE,
        "Content-Type": "application/json",
    }
    url = f"{path}?{query}" if query else path
    async with _client() as client:
        answer = await client.request(method, url, content=body.encode(), headers=headers)
        tampered = await client.request(
            method, url, content=body.encode(), headers={**headers, "ACCESS-SIGN": signature[:-2] + "A="}
        )
    assert answer.status_code == 200, answer.text
    assert "msg" not in answer.json() or answer.json().get("code") == "200"
    assert tampered.json() == {"code": -1047, "msg": "API signature verification failed"}


@pytest.mark.asyncio
async def test_error_shapes_of_unknown_paths_wrong_methods_and_rate_limits() -> None:
    limits = RateLimitConfig(ip_weight_limit=3)
    async with _client(rate_limits=limits) as client:
        missing = await client.get("/capi/v3/market/contracts")
        wrong = await client.post("/capi/v3/market/time")
        answers = [await client.get("/capi/v3/market/time") for _ in range(4)]
    assert missing.status_code == 404
    assert "msg" not in missing.json()  # ccxt: ExchangeNotAvailable, not a venue message
    assert (wrong.status_code, wrong.json()["code"]) == (405, -1150)
    assert [a.status_code for a in answers] == [200, 200, 200, 429]  # weight 1 each, 3 per window
    assert "msg" not in answers[-1].json()  # ccxt: RateLimitExceeded only without `msg`


@pytest.mark.asyncio
async def test_bad_parameters_answer_v3_codes() -> None:
    async with _client() as client:
        symbol = await client.get("/capi/v3/market/depth", params={"symbol": "NOPEUSDT"})
        limit = await client.get("/capi/v3/market/depth", params={"symbol": "BTCUSDT", "limit": "7"})
        empty = await client.get("/capi/v3/market/depth")
    assert symbol.json()["code"] == -1121
    assert limit.json()["code"] == -1142
    assert empty.json()["code"] == -1141


def test_sim_serve_knows_the_v3_dialect_and_its_endpoint_names() -> None:
    base = [
        sys.executable,
        "-m",
        "alphaloop.cli.main",
        "sim",
        "serve",
        "--port",
        "0",
        "--data",
        str(data_dir()),
    ]
    creds = ["--api-key", "k", "--secret-key", "s", "--passphrase", "p"]
    v2_name = subprocess.run(
        [*base, *creds, "--dialect", "weex-v3", "--faults", "placeOrder:500"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert v2_name.returncode == 2
    assert "unknown endpoint 'placeOrder'" in v2_name.stderr.replace("\n", " ")
