"""The mutable state of the simulated exchange and the lookups every operation needs.

`CoreState` is private to the core; the public `Exchange` hands out only frozen snapshots.
Orders, fills and trigger orders live in insertion-ordered dicts keyed by id, and ids come
from one increasing counter, so every listing is deterministic.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from alphaloop.model import Instrument, MarginMode, PositionSide
from alphaloop.venues.sim.core.accounts import (
    AccountState,
    MarginSummary,
    PositionState,
    liquidation_price,
    snapshot_position,
    summarize,
)
from alphaloop.venues.sim.core.book import synthetic_book
from alphaloop.venues.sim.core.types import (
    ExchangeConfig,
    FundingRecord,
    MarketState,
    RejectReason,
    SimFill,
    SimOrder,
    SimPosition,
    SimRejection,
    SimTriggerOrder,
)
from alphaloop.venues.sim.core.validation import Quote, check_symbol

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class StatPoint:
    """One contribution to the rolling 24-hour statistics."""

    timestamp: int
    open: Decimal
    high: Decimal
    low: Decimal
    volume: Decimal
    quote_volume: Decimal


@dataclass(slots=True)
class MarketData:
    """Prices of one symbol, its rolling 24-hour window and its funding history."""

    symbol: str
    last: Decimal
    mark: Decimal
    bid: Decimal
    ask: Decimal
    timestamp: int
    funding_rate: Decimal
    window: deque[StatPoint] = field(default_factory=deque)
    funding: list[FundingRecord] = field(default_factory=list)
    #: The last completed bar's volume (base units), for the depth model; None: unknown.
    bar_volume: Decimal | None = None

    def record(self, point: StatPoint) -> None:
        self.window.append(point)
        horizon = point.timestamp - DAY_MS
        # Keep the newest point even when the clock went backwards, so stats never go empty.
        while len(self.window) > 1 and self.window[0].timestamp <= horizon:
            self.window.popleft()

    def snapshot(self) -> MarketState:
        points = self.window or deque([StatPoint(self.timestamp, self.last, self.last, self.last, *_ZERO2)])
        return MarketState(
            symbol=self.symbol,
            last=self.last,
            mark=self.mark,
            index=self.mark,
            bid=self.bid,
            ask=self.ask,
            timestamp=self.timestamp,
            high_24h=max(p.high for p in points),
            low_24h=min(p.low for p in points),
            volume_24h=sum((p.volume for p in points), Decimal(0)),
            quote_volume_24h=sum((p.quote_volume for p in points), Decimal(0)),
            open_24h=points[0].open,
            funding_rate=self.funding_rate,
            last_funding_ms=self.funding[-1].timestamp if self.funding else None,
            bar_volume=self.bar_volume,
        )


_ZERO2 = (Decimal(0), Decimal(0))


@dataclass(slots=True)
class CoreState:
    """Everything the exchange knows; mutated only by the core's operations."""

    instruments: Mapping[str, Instrument]
    config: ExchangeConfig
    next_id: int
    accounts: dict[str, AccountState] = field(default_factory=dict)
    orders: dict[str, SimOrder] = field(default_factory=dict)
    fills: dict[str, SimFill] = field(default_factory=dict)
    triggers: dict[str, SimTriggerOrder] = field(default_factory=dict)
    markets: dict[str, MarketData] = field(default_factory=dict)
    #: symbol -> ids of open normal orders / untriggered trigger orders (insertion-ordered sets).
    open_orders: dict[str, dict[str, None]] = field(default_factory=dict)
    open_triggers: dict[str, dict[str, None]] = field(default_factory=dict)
    #: Fills produced since the current public call started (returned by price updates).
    journal: list[SimFill] = field(default_factory=list)

    def new_id(self) -> str:
        value = self.next_id
        self.next_id += 1
        return str(value)

    # ----------------------------------------------------------- lookups
    def instrument(self, symbol: str) -> Instrument:
        return check_symbol(symbol, self.instruments, self.config)

    def known_instrument(self, symbol: str) -> Instrument:
        """Instrument of a known symbol, ignoring the allow-list (queries, closing out)."""
        instrument = self.instruments.get(symbol)
        if instrument is None:
            raise SimRejection(
                RejectReason.UNKNOWN_SYMBOL, f"Parameter symbol is invalid: '{symbol}'", param="symbol"
            )
        return instrument

    def account(self, account_id: str) -> AccountState:
        account = self.accounts.get(account_id)
        if account is None:
            raise SimRejection(RejectReason.UNKNOWN_ACCOUNT, f"unknown account '{account_id}'")
        return account

    def quote(self, symbol: str) -> Quote | None:
        market = self.markets.get(symbol)
        return None if market is None else Quote(market.last, market.bid, market.ask, market.bar_volume)

    def marks(self) -> dict[str, Decimal]:
        return {symbol: market.mark for symbol, market in self.markets.items()}

    def mark(self, symbol: str) -> Decimal | None:
        market = self.markets.get(symbol)
        return None if market is None else market.mark

    def set_last(self, symbol: str, last: Decimal, now_ms: int) -> None:
        """Move the last trade price (and the synthetic book with it); mark is left alone."""
        market = self.markets[symbol]
        market.last = last
        market.bid, market.ask = synthetic_book(last, self.instruments[symbol], self.config.spread_ticks)
        market.timestamp = now_ms

    def ensure_market(self, symbol: str, last: Decimal, now_ms: int) -> MarketData:
        market = self.markets.get(symbol)
        if market is None:
            bid, ask = synthetic_book(last, self.instruments[symbol], self.config.spread_ticks)
            market = MarketData(symbol, last, last, bid, ask, now_ms, self.config.default_funding_rate)
            self.markets[symbol] = market
        return market

    # ---------------------------------------------------------- account math
    def default_leverage(self, symbol: str) -> int:
        return min(self.config.default_leverage, self.leverage_cap(symbol))

    def leverage_cap(self, symbol: str) -> int:
        instrument = self.instruments[symbol]
        cap = self.config.leverage_cap
        return instrument.max_leverage if cap is None else min(cap, instrument.max_leverage)

    def leverage_for(self, account: AccountState, symbol: str, side: PositionSide) -> int:
        default = self.default_leverage(symbol)
        long_lev, short_lev = account.leverage.get(symbol, (default, default))
        return long_lev if side is PositionSide.LONG else short_lev

    def margin_mode(self, account: AccountState, symbol: str) -> MarginMode:
        return account.margin_mode(symbol)

    def account_open_orders(self, account: AccountState, symbol: str | None = None) -> Iterator[SimOrder]:
        for order_id in account.open_order_ids:
            order = self.orders[order_id]
            if symbol is None or order.symbol == symbol:
                yield order

    def summary(self, account: AccountState) -> MarginSummary:
        frozen = (order.frozen_margin for order in self.account_open_orders(account))
        return summarize(account, self.marks(), frozen)

    def reserved_close(self, account: AccountState, symbol: str, side: PositionSide) -> Decimal:
        """Size that open close orders already claim from a position."""
        total = Decimal(0)
        for order in self.account_open_orders(account, symbol):
            if order.intent.reduce_only and order.intent.position_side is side:
                total += order.remaining
        return total

    def position(self, account: AccountState, symbol: str, side: PositionSide) -> PositionState | None:
        return account.positions.get((symbol, side))

    def snapshot(self, account: AccountState, position: PositionState) -> SimPosition:
        """Frozen view of a position at the current marks, liquidation price rounded adversely."""
        marks = self.marks()
        estimate = liquidation_price(account, position, marks, self.config.maintenance_margin_rate)
        if estimate is not None:
            instrument = self.instruments[position.symbol]
            # Round toward the current price: the estimate must not promise more room than there is.
            estimate = instrument.round_price(estimate, up=position.side is PositionSide.LONG)
            if estimate <= 0:
                estimate = None
        return snapshot_position(account, position, marks, self.config.maintenance_margin_rate, estimate)

    # ------------------------------------------------------------- indexing
    def store_order(self, order: SimOrder, account: AccountState, *, new: bool) -> None:
        self.orders[order.id] = order
        if new:
            account.order_ids.append(order.id)
        book = self.open_orders.setdefault(order.symbol, {})
        if order.is_open:
            book[order.id] = None
            account.open_order_ids[order.id] = None
        else:
            book.pop(order.id, None)
            account.open_order_ids.pop(order.id, None)

    def store_trigger(self, trigger: SimTriggerOrder, account: AccountState, *, new: bool) -> None:
        self.triggers[trigger.id] = trigger
        if new:
            account.trigger_ids.append(trigger.id)
        armed = self.open_triggers.setdefault(trigger.symbol, {})
        if trigger.is_open:
            armed[trigger.id] = None
        else:
            armed.pop(trigger.id, None)
