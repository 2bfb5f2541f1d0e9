"""Throughput of the WEEX simulator server: signed requests per second over loopback.

Starts `alphaloop sim serve` (uvicorn + httptools, one process) in a subprocess on a free port,
then drives it from several client processes, each running concurrent keep-alive connections,
for a bounded time and request count per scenario:

* `ticker`     GET  /capi/v2/market/ticker?symbol=cmt_btcusdt              (target >= 2000/s)
* `placeOrder` POST /capi/v2/order/placeOrder, market open of 0.0001 BTC    (target >= 500/s)
               (`--order limit`: resting limit orders instead; they accumulate in the book)

Every request is signed per request with WEEX auth headers (the public ticker ignores them, as
the live venue does). The default limits of spec section 3 (1000 weight / 10 s per IP and key,
10 order calls / s per key) would refuse most of this load, so the server is started with
generous limits (--ip-limit/--uid-limit/--order-limit 10^8): the limiter still runs on every
request, it just never refuses. The account gets 10^8 USDT so no order fails for margin.

Two client kinds (`--client`):
* `httpx` (default): one `httpx.AsyncClient` per connection. httpx costs more CPU per request
  than the server does, so on a small machine this measures the clients as much as the server.
* `raw`: a minimal asyncio HTTP/1.1 client (same signed requests, one in flight per
  connection, no pipelining), to show the server's own capacity.

Run:  .venv/bin/python benchmarks/sim_throughput.py [--client httpx|raw] [--duration 5]
      [--clients 2] [--concurrency 8] [--order market|limit]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

KEY, SECRET, PASSPHRASE = "weex_bench0000000000000000000000000000", "bench-secret", "bench-pass"
REPO = Path(__file__).resolve().parents[1]
TARGETS = {"ticker": 2000.0, "placeOrder": 500.0}
TICKER_PATH, TICKER_QUERY = "/capi/v2/market/ticker", "symbol=cmt_btcusdt"
ORDER_PATH = "/capi/v2/order/placeOrder"

Request = tuple[str, str, str, dict[str, str]]  # method, path with query, body, headers


def _sign(ts: str, method: str, path: str, query: str, body: str) -> str:
    message = ts + method + path + (f"?{query}" if query else "") + body
    return base64.b64encode(hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).digest()).decode()


def _headers(method: str, path: str, query: str = "", body: str = "") -> dict[str, str]:
    ts = str(int(time.time() * 1000))
    return {
        "ACCESS-KEY": KEY,
        "ACCESS-SIGN": _sign(ts, method, path, query, body),
        "ACCESS-TIMESTAMP": ts,
        "ACCESS-PASSPHRASE": PASSPHRASE,
        "Content-Type": "application/json",
    }


def make_request(scenario: str, order: str, client_oid: str) -> Request:
    if scenario == "ticker":
        return "GET", f"{TICKER_PATH}?{TICKER_QUERY}", "", _headers("GET", TICKER_PATH, TICKER_QUERY)
    fields = {
        "symbol": "cmt_btcusdt",
        "client_oid": client_oid,
        "size": "0.0001",
        "type": "1",
        "order_type": "0",
    }
    if order == "limit":
        fields.update(match_price="0", price="100000.0")
    else:
        fields.update(match_price="1")
    body = json.dumps(fields)
    return "POST", ORDER_PATH, body, _headers("POST", ORDER_PATH, "", body)


async def _httpx_connection(
    base_url: str,
) -> tuple[Callable[[Request], Awaitable[int]], Callable[[], Awaitable[None]]]:
    client = httpx.AsyncClient(base_url=base_url, timeout=10.0)

    async def call(request: Request) -> int:
        method, url, body, headers = request
        response = await client.request(method, url, content=body or None, headers=headers)
        return response.status_code

    return call, client.aclose


async def _raw_connection(
    base_url: str,
) -> tuple[Callable[[Request], Awaitable[int]], Callable[[], Awaitable[None]]]:
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))

    async def call(request: Request) -> int:
        method, url, body, headers = request
        head = f"{method} {url} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write((head + "\r\n" + body).encode())
        status_line = await reader.readuntil(b"\r\n")
        length = 0
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        return int(status_line.split()[1])

    async def close() -> None:
        writer.close()
        await writer.wait_closed()

    return call, close


async def _drive(
    base_url: str,
    kind: str,
    scenario: str,
    order: str,
    seconds: float,
    budget: int,
    concurrency: int,
    tag: str,
) -> tuple[float, float, dict[str, int]]:
    connect = _raw_connection if kind == "raw" else _httpx_connection
    connections = [await connect(base_url) for _ in range(concurrency)]
    for call, _ in connections:  # warm up: connect and load code paths before the clock starts
        await call(make_request("ticker", order, ""))
    counts: dict[str, int] = {}
    remaining = [budget]
    started = time.time()
    deadline = time.monotonic() + seconds

    async def worker(call: Callable[[Request], Awaitable[int]], worker_id: int) -> None:
        n = 0
        while time.monotonic() < deadline and remaining[0] > 0:
            remaining[0] -= 1
            n += 1
            status = await call(make_request(scenario, order, f"{tag}-{worker_id}-{n}"))
            counts[str(status)] = counts.get(str(status), 0) + 1

    await asyncio.gather(*(worker(call, i) for i, (call, _) in enumerate(connections)))
    finished = time.time()
    for _, close in connections:
        await close()
    return started, finished, counts


def _client_process(
    args: tuple[str, str, str, str, float, int, int, str],
) -> tuple[float, float, dict[str, int]]:
    return asyncio.run(_drive(*args))


def start_server(timeframe: str) -> tuple[subprocess.Popen[str], str]:
    command = [
        sys.executable, "-m", "alphaloop.cli.main", "sim", "serve", "--port", "0",
        "--api-key", KEY, "--secret-key", SECRET, "--passphrase", PASSPHRASE, "--balance", "100000000",
        "--ip-limit", "100000000", "--uid-limit", "100000000", "--order-limit", "100000000",
        "--timeframe", timeframe, "--log-level", "error",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"http://[\d.]+:\d+", line)
    if not match:
        process.kill()
        process.wait()
        raise SystemExit(f"server did not start: {line!r}")
    return process, match.group(0)


def run_scenario(base_url: str, scenario: str, args: argparse.Namespace) -> float:
    per_client = max(1, args.max_requests // args.clients)
    jobs = [
        (
            base_url,
            args.client,
            scenario,
            args.order,
            args.duration,
            per_client,
            args.concurrency,
            f"{scenario}{c}",
        )
        for c in range(args.clients)
    ]
    with multiprocessing.get_context("spawn").Pool(args.clients) as pool:
        results = pool.map(_client_process, jobs)
    # From the first client's start to the last client's end, after connection warm-up.
    elapsed = max(r[1] for r in results) - min(r[0] for r in results)
    totals: dict[str, int] = {}
    for _, _, counts in results:
        for status, count in counts.items():
            totals[status] = totals.get(status, 0) + count
    done = sum(totals.values())
    rate = done / elapsed
    errors = done - totals.get("200", 0)
    verdict = "ERRORS" if errors else "OK" if rate >= TARGETS[scenario] else "BELOW TARGET"
    label = f"{scenario}({args.order})" if scenario == "placeOrder" else scenario
    print(
        f"{label:>18}: {done:6d} requests in {elapsed:5.2f} s = {rate:7.0f} req/s "
        f"(target {TARGETS[scenario]:.0f}/s) statuses {totals} -> {verdict}"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--client", choices=["httpx", "raw"], default="httpx")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per scenario (upper bound)")
    parser.add_argument(
        "--max-requests", type=int, default=30_000, help="requests per scenario (upper bound)"
    )
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--concurrency", type=int, default=8, help="connections per client process")
    parser.add_argument("--order", choices=["market", "limit"], default="market")
    parser.add_argument("--timeframe", default="1h")
    parser.add_argument("--scenario", choices=[*TARGETS, "all"], default="all")
    args = parser.parse_args()
    process, base_url = start_server(args.timeframe)
    try:
        print(
            f"server {base_url} (uvicorn+httptools, 1 process); {args.clients} client processes x "
            f"{args.concurrency} {args.client} connections; limits raised (limiter active); "
            f"{os.cpu_count()} CPUs shared by server and clients"
        )
        for scenario in TARGETS if args.scenario == "all" else [args.scenario]:
            run_scenario(base_url, scenario, args)
    finally:
        process.terminate()
        process.wait(10)
    print("reproduce: .venv/bin/python benchmarks/sim_throughput.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
