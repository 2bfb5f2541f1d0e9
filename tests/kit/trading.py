"""A trader over the in-process replay of real bars, for engine tests: scripted models, a rig that
steps bar closes, venue wrappers with scripted faults, and readers of the journal's tables.

The rig is the embedded `alphaloop run` wiring (FrameReplay + Trader + a real SQLite journal)
with a fake wall clock, so order pacing never sleeps for real.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select

from alphaloop.engine import ids
from alphaloop.engine.replay import REPLAY_ACCOUNT, FrameReplay
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.engine.trader import CycleReport, Trader, TraderConfig
from alphaloop.journal import Journal
from alphaloop.journal import schema as tables
from alphaloop.model import (
    COMPETITION_SYMBOLS,
    CancelResult,
    ExchangeUnavailableError,
    InvalidOrderError,
    ModelError,
    Order,
    OrderIntent,
    OrderRequest,
    OrderType,
    PositionSide,
    RateLimitedError,
    UnknownOrderOutcomeError,
)
from alphaloop.model.decision import Action, Decision, ModelInfo, SymbolDecision
from alphaloop.model.frame import MarketFrame
from alphaloop.model.snapshot import Snapshot
from alphaloop.ops.backtest import parse_day
from alphaloop.risk import RiskLimits
from alphaloop.venues.base import Venue
from alphaloop.venues.sim.core import SimOrder
from alphaloop.venues.sim.venue import SimVenue
from tests.kit.backtest import real_frame

SYMBOLS = COMPETITION_SYMBOLS
BTC, ETH, SOL = SYMBOLS[0], SYMBOLS[1], SYMBOLS[2]
HOUR_MS = 3_600_000
#: The replay starts here; the day before gives every model its lookback.
START_MS = parse_day("2025-06-02")
ACCOUNT = ids.account_key("sim", REPLAY_ACCOUNT)


def trading_frame() -> MarketFrame:
    """A few days of the eight pairs at 1h (cached by the loader kit)."""
    return real_frame(SYMBOLS, "1h", "2025-06-01", "2025-06-06")


# ---------------------------------------------------------------------- decisions and models


def open_long(symbol: str, **extra: Any) -> SymbolDecision:
    return SymbolDecision(symbol, Action.OPEN_LONG, confidence=0.7, reason=f"{symbol} trends up", **extra)


def open_short(symbol: str, **extra: Any) -> SymbolDecision:
    return SymbolDecision(symbol, Action.OPEN_SHORT, confidence=0.7, reason=f"{symbol} trends down", **extra)


def close(symbol: str) -> SymbolDecision:
    return SymbolDecision(symbol, Action.CLOSE, confidence=0.6, reason=f"{symbol}: take the exit")


#: What a scripted model does at its n-th call (0-based): decisions, or an exception to raise.
Step = Sequence[SymbolDecision] | Exception
Script = Callable[[int, Snapshot], Step]


def steps(*plan: Step) -> Script:
    """The n-th call gets the n-th step; HOLD after the last."""
    return lambda n, _snapshot: plan[n] if n < len(plan) else ()


class ScriptedModel:
    """A deterministic `DecisionModel`: its script says what to decide at each call."""

    lookback = 5
    default_info = ModelInfo("scripted", "1")

    def __init__(
        self,
        script: Script,
        *,
        info: ModelInfo | None = None,
        models: tuple[ModelInfo, ...] = (),
        explanation: str = "Scripted test decision.",
    ) -> None:
        self.info = info or self.default_info
        self.script = script
        self.models = models
        self.explanation = explanation
        self.snapshots: list[Snapshot] = []

    def decide(self, snapshot: Snapshot) -> Decision:
        step = self.script(len(self.snapshots), snapshot)
        self.snapshots.append(snapshot)
        if isinstance(step, Exception):
            raise step
        return Decision(
            timestamp=snapshot.timestamp,
            decisions=tuple(step),
            model=self.info,
            explanation=self.explanation,
            models=self.models,
            input={"closes": {s: v.candles.close for s, v in snapshot.symbols.items()}},
            output={"actions": [d.action for d in step]},
        )


def failing(message: str = "the model answered nonsense") -> ModelError:
    return ModelError(message)


# ---------------------------------------------------------------------- venues with faults


class FaultyVenue:
    """The replay's venue with scripted faults on `create_order`, one per call in order:
    "refuse" raises RateLimitedError before anything executes; "accept_then_refuse" executes the
    order and answers 429 all the same (a gateway that throttled the answer); "lose_answer" lets the order
    execute and then raises UnknownOrderOutcomeError (the answer was lost); "lose_request" raises
    it without executing (the request was lost); "reject" raises InvalidOrderError (a definitive
    refusal); None passes. `fetch_order_failures` calls of
    `fetch_order` fail with ExchangeUnavailableError (the venue cannot say yet)."""

    def __init__(self, inner: SimVenue, faults: Sequence[str | None] = ()) -> None:
        self.inner = inner
        self.faults: deque[str | None] = deque(faults)
        self.create_calls: list[OrderRequest] = []
        self.fetch_order_failures = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def create_order(self, request: OrderRequest) -> Order:
        self.create_calls.append(request)
        fault = self.faults.popleft() if self.faults else None
        if fault == "refuse":
            raise RateLimitedError("too many requests", venue="sim", http_status=429, retry_after=1.0)
        if fault == "reject":
            raise InvalidOrderError("Parameter size is invalid", venue="sim", code="40017")
        if fault == "lose_request":
            raise UnknownOrderOutcomeError("timed out sending the order", venue="sim")
        order = await self.inner.create_order(request)
        if fault == "accept_then_refuse":
            raise RateLimitedError("too many requests", venue="sim", http_status=429, retry_after=0.5)
        if fault == "lose_answer":
            raise UnknownOrderOutcomeError("connection dropped after the order was sent", venue="sim")
        return order

    async def fetch_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        if self.fetch_order_failures > 0:
            self.fetch_order_failures -= 1
            raise ExchangeUnavailableError("maintenance", venue="sim", http_status=503)
        return await self.inner.fetch_order(symbol, order_id=order_id, client_order_id=client_order_id)


class LeftoverStopVenue:
    """A venue that keeps listing a stop-loss after its position is gone (live venues may leave
    one behind; the simulator core cancels it with the position), until it is cancelled."""

    def __init__(self, inner: SimVenue) -> None:
        self.inner = inner
        self.leftovers: dict[str, Order] = {}
        self.cancelled: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def leave_behind(self, stop: Order) -> None:
        self.leftovers[stop.id] = stop

    async def fetch_trigger_orders(self, symbol: str | None = None) -> list[Order]:
        listed = await self.inner.fetch_trigger_orders(symbol)
        known = {order.id for order in listed}
        extra = [o for o in self.leftovers.values() if o.id not in known and symbol in (None, o.symbol)]
        return [*listed, *extra]

    async def cancel_trigger_order(self, symbol: str, order_id: str) -> CancelResult:
        self.cancelled.append(order_id)
        if order_id in self.leftovers:
            stop = self.leftovers.pop(order_id)
            return CancelResult(stop.id, stop.client_order_id, success=True)
        return await self.inner.cancel_trigger_order(symbol, order_id)


# ---------------------------------------------------------------------- the rig


class WallClock:
    """Wall time that only moves when the trader sleeps (order pacing without real waits)."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.001)


def trader_config(
    *,
    limits: RiskLimits | None = None,
    leverage: int = 5,
    symbols: tuple[str, ...] = SYMBOLS,
    lookback: int = ScriptedModel.lookback,
) -> TraderConfig:
    return TraderConfig(
        symbols=symbols,
        timeframe="1h",
        leverage=leverage,
        sizing=SizingPolicy(mode="risk", risk_fraction=0.01, leverage=leverage, slots=len(symbols)),
        limits=limits or RiskLimits(),
        lookback=lookback,
    )


@dataclass
class Rig:
    """One replayed market, one journal, one trader; `step()` runs the next bar close."""

    replay: FrameReplay
    journal: Journal
    venue: Any
    trader: Trader
    closes: list[int]
    wall: WallClock
    reports: list[CycleReport] = field(default_factory=list)
    position: int = 0

    @property
    def now(self) -> int:
        return self.replay.now_ms

    async def step(self, bars: int = 1) -> list[CycleReport]:
        """Advance the market to the next bar close(s) and run one cycle per close."""
        done = []
        for _ in range(bars):
            close_ms = self.closes[self.position]
            self.position += 1
            self.replay.advance_to(close_ms)
            report = await self.trader.cycle(close_ms)
            self.reports.append(report)
            done.append(report)
        return done

    def new_trader(self, model: Any, *, run_id: str, config: TraderConfig | None = None) -> Trader:
        """Another process on the same journal and account (a restart)."""
        start_run(self.journal, run_id, self.now, model.info.label)
        return Trader(
            cast(Venue, self.venue),
            model,
            self.journal,
            config or self.trader.config,
            account=ACCOUNT,
            run_id=run_id,
            clock=lambda: self.replay.now_ms,
            wall=self.wall,
            sleep=self.wall.sleep,
        )

    # ------------------------------------------------------------ the venue's side
    def exchange_orders(self) -> list[SimOrder]:
        return self.replay.exchange.orders(REPLAY_ACCOUNT)

    def orders_with_client_oid(self, client_oid: str) -> list[SimOrder]:
        return [o for o in self.exchange_orders() if o.client_order_id == client_oid]

    def open_directly(self, symbol: str, side: PositionSide, amount: str) -> SimOrder:
        """A position opened behind the trader's back (manually, or by an earlier tool): no stop."""
        request = OrderRequest(
            symbol=symbol,
            intent=OrderIntent.opening(side),
            amount=Decimal(amount),
            order_type=OrderType.MARKET,
        )
        return self.replay.exchange.place_order(REPLAY_ACCOUNT, request, now_ms=self.now)

    async def venue_positions(self) -> dict[tuple[str, str], Decimal]:
        positions = await self.replay.venue.fetch_positions()
        return {(p.symbol, p.side.value): p.size for p in positions}


def start_run(journal: Journal, run_id: str, started_ms: int, model: str) -> None:
    journal.start_run(
        run_id=run_id,
        started_ms=started_ms,
        mode="replay",
        venue="sim",
        account=ACCOUNT,
        model=model,
        timeframe="1h",
        config={"risk": RiskLimits().model_dump(mode="json")},
        version="test",
    )


async def start_rig(
    tmp_path: Path,
    model: Any,
    *,
    limits: RiskLimits | None = None,
    config: TraderConfig | None = None,
    wrap: Callable[[SimVenue], Any] | None = None,
    start_ms: int = START_MS,
    balance: Decimal = Decimal(10_000),
    run_id: str = "run-a",
    journal: Journal | None = None,
    started: bool = True,
) -> Rig:
    """A replay from `start_ms`, a journal file in `tmp_path`, and a started trader."""
    replay = FrameReplay(trading_frame(), balance=balance, start_ms=start_ms)
    journal = journal or Journal.open(tmp_path / "j.sqlite")
    venue = wrap(replay.venue) if wrap else replay.venue
    wall = WallClock()
    start_run(journal, run_id, replay.now_ms, model.info.label)
    trader = Trader(
        cast(Venue, venue),
        model,
        journal,
        config or trader_config(limits=limits),
        account=ACCOUNT,
        run_id=run_id,
        clock=lambda: replay.now_ms,
        wall=wall,
        sleep=wall.sleep,
    )
    rig = Rig(replay, journal, venue, trader, replay.bar_closes(), wall)
    if started:
        await trader.start()
    return rig


# ---------------------------------------------------------------------- reading the journal


def table_rows(journal: Journal, name: str) -> list[dict[str, Any]]:
    """Every row of one journal table, in insertion (primary key) order."""
    table = tables.metadata.tables[name]
    with journal.engine.connect() as conn:
        query = select(table).order_by(*table.primary_key.columns)
        return [dict(row) for row in conn.execute(query).mappings()]


def events(journal: Journal, kind: str) -> list[dict[str, Any]]:
    return [row for row in table_rows(journal, "events") if row["kind"] == kind]


def last_position_snapshot(journal: Journal) -> dict[tuple[str, str], Mapping[str, Any]]:
    rows = table_rows(journal, "position_snapshots")
    if not rows:
        return {}
    newest = max(row["at_ms"] for row in rows)
    return {(row["symbol"], row["side"]): row for row in rows if row["at_ms"] == newest}
