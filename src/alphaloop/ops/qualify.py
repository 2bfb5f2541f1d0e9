"""The competition's API-test checklist (spec section 9.1), run against any WEEX-compatible host,
or the equivalent checklist against a WOO X host (`run_woox_qualify`).

Steps: server time, account assets, ticker, set leverage, contract info, a small limit order
sized from contract info, its fills, then (optionally) clean-up so no position is left behind.
The steps go through the venue port, so both venues run the same code; only the request each
step reports differs (`weex_requests`, `woox_requests`). Private steps are skipped, with the
reason, when no credentials are configured.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Literal

import httpx

from alphaloop.config import Settings, WeexCredentials, WooxCredentials
from alphaloop.model import (
    AlphaloopError,
    Instrument,
    Order,
    OrderIntent,
    OrderRequest,
    OrderStatus,
    OrderType,
    Ticker,
    format_decimal,
    to_weex_symbol,
    to_woox_symbol,
)
from alphaloop.ops.recording import RecordingTransport
from alphaloop.venues.base import Venue
from alphaloop.venues.weex.venue import WeexVenue
from alphaloop.venues.weex.venue_core import make_client
from alphaloop.venues.woox.http import WooxHttpClient
from alphaloop.venues.woox.venue import WooxVenue

StepOutcome = Literal["passed", "failed", "skipped"]

NO_CREDENTIALS = "no credentials: set WEEX_API_KEY, WEEX_SECRET_KEY and WEEX_PASSPHRASE (environment or .env)"
NO_WOOX_CREDENTIALS = "no credentials: set WOOX_API_KEY and WOOX_API_SECRET (environment or .env)"


@dataclass(frozen=True, slots=True)
class StepRequests:
    """The venue call each checklist step reports ("METHOD /path[?query]")."""

    server_time: str
    assets: str
    ticker: str
    leverage: str
    contracts: str
    place_order: str
    fills: str
    cleanup: str


def weex_requests(symbol: str) -> StepRequests:
    venue_symbol = to_weex_symbol(symbol)
    return StepRequests(
        "GET /capi/v2/market/time",
        "GET /capi/v2/account/assets",
        f"GET /capi/v2/market/ticker?symbol={venue_symbol}",
        "POST /capi/v2/account/leverage",
        f"GET /capi/v2/market/contracts?symbol={venue_symbol}",
        "POST /capi/v2/order/placeOrder",
        f"GET /capi/v2/order/fills?symbol={venue_symbol}&orderId=…",
        "POST /capi/v2/order/placeOrder | cancel_order",
    )


def woox_requests(symbol: str) -> StepRequests:
    venue_symbol = to_woox_symbol(symbol)
    return StepRequests(
        "GET /v3/public/systemInfo",
        "GET /v3/asset/balances",
        f"GET /v3/public/futures?symbol={venue_symbol}",
        "PUT /v3/futures/leverage",
        "GET /v3/public/instruments",
        "POST /v3/trade/order",
        f"GET /v3/trade/transactionHistory?symbol={venue_symbol}",
        "POST /v3/trade/order | DELETE /v3/trade/order",
    )


@dataclass(frozen=True, slots=True)
class StepResult:
    number: int
    name: str
    request: str
    outcome: StepOutcome
    detail: str
    http_status: int | None = None
    latency_ms: float | None = None

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


@dataclass(frozen=True, slots=True)
class QualifyReport:
    base_url: str
    symbol: str
    steps: tuple[StepResult, ...]

    @property
    def passed(self) -> bool:
        return bool(self.steps) and all(step.passed for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "base_url": self.base_url,
            "symbol": self.symbol,
            "steps": [asdict(step) for step in self.steps],
        }


class _StepFailed(Exception):
    pass


@dataclass
class _Context:
    """What earlier steps learned that later steps need."""

    ticker: Ticker | None = None
    instrument: Instrument | None = None
    order: Order | None = None
    filled: Decimal = Decimal(0)
    notes: list[str] = field(default_factory=list)


@dataclass
class QualifyRun:
    venue: Venue
    recorder: RecordingTransport
    base_url: str
    symbol: str = "BTC/USDT:USDT"
    leverage: int = 1
    private: bool = True
    cleanup: bool = True
    fills_timeout: float = 5.0
    requests: StepRequests | None = None
    no_credentials: str = NO_CREDENTIALS
    _ctx: _Context = field(default_factory=_Context)
    _steps: list[StepResult] = field(default_factory=list)

    async def run(self) -> QualifyReport:
        requests = self.requests or weex_requests(self.symbol)
        plan: list[tuple[str, str, bool, Callable[[], Awaitable[str]]]] = [
            ("server time", requests.server_time, False, self._server_time),
            ("account assets", requests.assets, True, self._assets),
            ("ticker", requests.ticker, False, self._ticker),
            ("set leverage", requests.leverage, True, self._leverage),
            ("contract info", requests.contracts, False, self._contracts),
            ("place limit order", requests.place_order, True, self._place_order),
            ("order fills", requests.fills, True, self._fills),
        ]
        if self.cleanup:
            plan.append(("clean up", requests.cleanup, True, self._cleanup))
        for number, (name, request, private, action) in enumerate(plan):
            if private and not self.private:
                self._steps.append(StepResult(number, name, request, "skipped", self.no_credentials))
                continue
            self._steps.append(await self._run_step(number, name, request, action))
        return QualifyReport(self.base_url, self.symbol, tuple(self._steps))

    async def _run_step(
        self, number: int, name: str, request: str, action: Callable[[], Awaitable[str]]
    ) -> StepResult:
        mark = self.recorder.mark()
        started = time.perf_counter()
        try:
            detail = await action()
            outcome: StepOutcome = "passed"
        except (_StepFailed, AlphaloopError) as exc:
            detail = str(exc)
            outcome = "failed"
        elapsed = (time.perf_counter() - started) * 1000
        exchanges = self.recorder.since(mark)
        # Report the checklist's own call; time syncs and look-ups around it are follow-ups.
        expected_method, expected_target = request.split()[:2]
        expected_path = expected_target.split("?")[0]
        main = next(
            (x for x in exchanges if x.method == expected_method and x.path == expected_path),
            exchanges[0] if exchanges else None,
        )
        if main is not None:
            request = f"{main.method} {main.path}"
        status = main.status if main is not None else None
        latency = main.latency_ms if main is not None and main.status is not None else elapsed
        return StepResult(number, name, request, outcome, detail, status, round(latency, 1))

    async def _server_time(self) -> str:
        before = int(time.time() * 1000)
        server_ms = await self.venue.fetch_time()
        after = int(time.time() * 1000)
        skew = server_ms - (before + after) // 2
        return f"server time {server_ms} ms, local clock offset {skew:+d} ms"

    async def _assets(self) -> str:
        balance = await self.venue.fetch_balance()
        return (
            f"{balance.currency}: equity {format_decimal(balance.total)}, "
            f"available {format_decimal(balance.free)}"
        )

    async def _ticker(self) -> str:
        ticker = await self.venue.fetch_ticker(self.symbol)
        self._ctx.ticker = ticker
        ask = f", ask {format_decimal(ticker.ask)}" if ticker.ask is not None else ""
        return f"last {format_decimal(ticker.last)}{ask}"

    async def _leverage(self) -> str:
        await self.venue.set_leverage(self.symbol, self.leverage)
        return f"cross leverage set to {self.leverage}x"

    async def _contracts(self) -> str:
        instruments = await self.venue.load_instruments(reload=True)
        instrument = instruments.get(self.symbol)
        if instrument is None:
            raise _StepFailed(f"{self.symbol} missing from contract info")
        self._ctx.instrument = instrument
        return (
            f"tick {format_decimal(instrument.price_tick)}, step {format_decimal(instrument.size_step)}, "
            f"min size {format_decimal(instrument.min_size)}, max leverage {instrument.max_leverage}"
        )

    async def _place_order(self) -> str:
        ticker, instrument = self._ctx.ticker, self._ctx.instrument
        if ticker is None or instrument is None:
            raise _StepFailed("needs the ticker and contract info steps to have passed")
        reference = ticker.ask if ticker.ask is not None else ticker.last
        # A marketable limit a little above the ask fills at once, so the fills step has something
        # to show, yet stays well inside the venue's 1% limit-price band.
        price = instrument.round_price(reference * Decimal("1.002"), up=True)
        size = max(instrument.min_size, instrument.size_step)
        request = OrderRequest(
            symbol=self.symbol,
            intent=OrderIntent.OPEN_LONG,
            amount=size,
            order_type=OrderType.LIMIT,
            price=price,
            client_order_id=f"qualify{int(time.time() * 1000)}",
        )
        order = await self.venue.create_order(request)
        self._ctx.order = order
        return (
            f"order {order.id}: open long {format_decimal(size)} @ {format_decimal(price)} limit, "
            f"status {order.status}"
        )

    async def _fills(self) -> str:
        order = self._ctx.order
        if order is None:
            raise _StepFailed("needs the place-order step to have passed")
        deadline = time.monotonic() + self.fills_timeout
        while True:
            trades = await self.venue.fetch_my_trades(self.symbol, order_id=order.id)
            if trades or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.25)
        if not trades:
            current = await self.venue.fetch_order(self.symbol, order_id=order.id)
            return f"fills call succeeded; no fills yet (order {current.status})"
        self._ctx.filled = sum((t.amount for t in trades), Decimal(0))
        cost = sum((t.cost for t in trades), Decimal(0))
        fee = sum((t.fee for t in trades), Decimal(0))
        average = cost / self._ctx.filled
        return (
            f"{len(trades)} fill(s): {format_decimal(self._ctx.filled)} @ "
            f"{format_decimal(average.quantize(Decimal('0.00001')).normalize())}, fee {format_decimal(fee)}"
        )

    async def _cleanup(self) -> str:
        order = self._ctx.order
        if order is None:
            return "nothing to clean up"
        current = await self.venue.fetch_order(self.symbol, order_id=order.id)
        actions = []
        if not current.status.is_final and current.status is not OrderStatus.UNKNOWN:
            await self.venue.cancel_order(self.symbol, order_id=order.id)
            actions.append(f"cancelled the rest of order {order.id}")
        if current.filled > 0:
            close = await self.venue.create_order(
                OrderRequest(
                    symbol=self.symbol,
                    intent=OrderIntent.CLOSE_LONG,
                    amount=current.filled,
                    order_type=OrderType.MARKET,
                    client_order_id=f"qualifyclose{int(time.time() * 1000)}",
                )
            )
            actions.append(f"closed {format_decimal(current.filled)} long with market order {close.id}")
        return "; ".join(actions) or "order left nothing open"


async def run_weex_qualify(
    settings: Settings,
    credentials: WeexCredentials | None,
    *,
    base_url: str | None = None,
    symbol: str = "BTC/USDT:USDT",
    leverage: int = 1,
    cleanup: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> QualifyReport:
    """Run the checklist against `base_url` (default: the configured WEEX host)."""
    url = (base_url or settings.weex.base_url).rstrip("/")
    recorder = RecordingTransport(transport)
    client = make_client(
        settings.weex.api,
        url,
        credentials,
        transport=recorder,
        timeout=settings.weex.timeout_seconds,
        locale=settings.weex.locale,
        ai_log_path=settings.weex.ai_log_path,
    )
    venue = WeexVenue(
        client,
        allowed_symbols=settings.competition.symbols,
        max_leverage=settings.competition.max_leverage,
    )
    try:
        run = QualifyRun(
            venue,
            recorder,
            url,
            symbol=symbol,
            leverage=leverage,
            private=credentials is not None,
            cleanup=cleanup,
        )
        return await run.run()
    finally:
        await venue.close()


async def run_woox_qualify(
    settings: Settings,
    credentials: WooxCredentials | None,
    *,
    base_url: str | None = None,
    symbol: str = "BTC/USDT:USDT",
    leverage: int = 1,
    cleanup: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> QualifyReport:
    """The same checklist through `WooxVenue` against `base_url` (default: the configured WOO X host)."""
    url = (base_url or settings.woox.base_url).rstrip("/")
    recorder = RecordingTransport(transport)
    client = WooxHttpClient(url, credentials, transport=recorder, timeout=settings.woox.timeout_seconds)
    venue = WooxVenue(
        client,
        allowed_symbols=settings.competition.symbols,
        max_leverage=settings.competition.max_leverage,
        position_mode=settings.woox.position_mode,
        ai_log_file=settings.woox.ai_log_file,
    )
    try:
        run = QualifyRun(
            venue,
            recorder,
            url,
            symbol=symbol,
            leverage=leverage,
            private=credentials is not None,
            cleanup=cleanup,
            requests=woox_requests(symbol),
            no_credentials=NO_WOOX_CREDENTIALS,
        )
        return await run.run()
    finally:
        await venue.close()
