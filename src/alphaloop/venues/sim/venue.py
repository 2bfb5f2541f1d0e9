"""`SimVenue`: the `Venue` port over an in-process simulator core, for backtests (no HTTP).

Time comes from the injected clock, so the backtest runner decides what "now" is; prices come
from whoever drives the `Exchange` (`apply_candle` / `update_price`). Core rejections are mapped
onto the error hierarchy of `alphaloop.model.errors` exactly as a live adapter maps venue codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

from alphaloop.model import (
    AiLog,
    Balance,
    CancelResult,
    Candle,
    ConfigurationError,
    ExchangeRejectedError,
    ExchangeUnavailableError,
    FundingRate,
    Instrument,
    InsufficientFundsError,
    InvalidOrderError,
    LeverageLimitError,
    MarginMode,
    Order,
    OrderBook,
    OrderIntent,
    OrderNotFoundError,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Side,
    SymbolNotAllowedError,
    Ticker,
    Trade,
    TriggerKind,
    to_unified_symbol,
)
from alphaloop.venues.sim.core import (
    Exchange,
    RejectReason,
    SimFill,
    SimOrder,
    SimPosition,
    SimRejection,
    SimTriggerOrder,
)
from alphaloop.venues.sim.core import TriggerKind as CoreTriggerKind

#: (symbol, timeframe, since, until, limit) -> candles, oldest first.
CandleSource = Callable[[str, str, int | None, int | None, int | None], list[Candle]]
#: (symbol, limit) -> funding history, oldest first.
FundingSource = Callable[[str, int | None], list[FundingRate]]

VENUE_NAME = "sim"

_ERRORS: dict[
    RejectReason, type[ExchangeRejectedError] | type[ConfigurationError] | type[ExchangeUnavailableError]
] = {
    RejectReason.UNKNOWN_SYMBOL: SymbolNotAllowedError,
    RejectReason.SYMBOL_NOT_ALLOWED: SymbolNotAllowedError,
    RejectReason.LEVERAGE_LIMIT: LeverageLimitError,
    RejectReason.INSUFFICIENT_MARGIN: InsufficientFundsError,
    RejectReason.ORDER_NOT_FOUND: OrderNotFoundError,
    RejectReason.UNKNOWN_ACCOUNT: ConfigurationError,
    # No price yet is a feed-ordering problem, not a property of the request: retry later.
    RejectReason.NO_PRICE: ExchangeUnavailableError,
}


def map_rejection(rejection: SimRejection) -> Exception:
    """The `alphaloop.model.errors` exception for a core rejection (InvalidOrderError by default)."""
    error_type = _ERRORS.get(rejection.reason, InvalidOrderError)
    return error_type(rejection.message, venue=VENUE_NAME, code=rejection.reason.value)


@contextmanager
def _mapped() -> Iterator[None]:
    try:
        yield
    except SimRejection as rejection:
        raise map_rejection(rejection) from rejection


def to_order(order: SimOrder) -> Order:
    return Order(
        id=order.id,
        symbol=order.symbol,
        intent=order.intent,
        order_type=order.order_type,
        status=order.status,
        amount=order.amount,
        filled=order.filled,
        price=order.price,
        average_price=order.average_price,
        fee=order.fee,
        realized_pnl=order.realized_pnl,
        client_order_id=order.client_order_id,
        time_in_force=order.time_in_force,
        timestamp=order.created_ms,
        take_profit_price=order.take_profit_price,
        stop_loss_price=order.stop_loss_price,
        raw={"is_liquidation": order.is_liquidation, "trigger_order_id": order.trigger_order_id},
    )


def to_trigger_order(trigger: SimTriggerOrder) -> Order:
    """A core trigger order as the port's trigger `Order` (status UNTRIGGERED while it rests)."""
    status = {
        "untriggered": OrderStatus.UNTRIGGERED,
        "triggered": OrderStatus.FILLED,
        "canceled": OrderStatus.CANCELED,
        "failed": OrderStatus.REJECTED,
    }[trigger.status]
    return Order(
        id=trigger.id,
        symbol=trigger.symbol,
        intent=trigger.intent,
        order_type=OrderType.MARKET if trigger.execute_price is None else OrderType.LIMIT,
        status=status,
        amount=trigger.size,
        price=trigger.execute_price,
        client_order_id=trigger.client_order_id,
        timestamp=trigger.created_ms,
        trigger_price=trigger.trigger_price,
        trigger_kind=TriggerKind(trigger.kind.value),
        raw={
            "position_id": trigger.position_id,
            "trigger_on_mark": trigger.trigger_on_mark,
            "triggered_order_id": trigger.triggered_order_id,
        },
    )


def to_trade(fill: SimFill) -> Trade:
    return Trade(
        id=fill.id,
        order_id=fill.order_id,
        symbol=fill.symbol,
        side=fill.side,
        position_side=fill.position_side,
        amount=fill.amount,
        price=fill.price,
        cost=fill.value,
        fee=fill.fee,
        realized_pnl=fill.realized_pnl,
        timestamp=fill.timestamp,
        is_maker=fill.is_maker,
        raw={"is_liquidation": fill.is_liquidation},
    )


def to_position(position: SimPosition) -> Position:
    return Position(
        symbol=position.symbol,
        side=position.side,
        size=position.size,
        entry_price=position.entry_price,
        leverage=Decimal(position.leverage),
        margin_mode=position.margin_mode,
        margin=position.margin,
        unrealized_pnl=position.unrealized_pnl,
        liquidation_price=position.liquidation_price,
        id=position.id,
        timestamp=position.updated_ms,
    )


class SimVenue:
    """One account of an in-process `Exchange`, behind the async `Venue` port."""

    name = VENUE_NAME

    def __init__(
        self,
        exchange: Exchange,
        account_id: str,
        *,
        clock: Callable[[], int],
        candles: CandleSource | None = None,
        funding_history: FundingSource | None = None,
    ) -> None:
        self.exchange = exchange
        self.account_id = account_id
        self._clock = clock
        self._candles = candles
        self._funding_history = funding_history
        #: Every uploaded AI log, in upload order, with the clock time it was received.
        self.ai_logs: list[AiLog] = []
        self.ai_log_times: list[int] = []
        self.closed = False

    # ------------------------------------------------------------ market data
    async def fetch_time(self) -> int:
        return self._clock()

    async def load_instruments(self, *, reload: bool = False) -> dict[str, Instrument]:
        return dict(self.exchange.instruments())

    async def fetch_ohlcv(
        self,
        symbol: str,
        timeframe: str = "1h",
        *,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        if self._candles is None:
            raise ConfigurationError(
                "SimVenue was created without a candle source; pass candles=... to serve fetch_ohlcv",
                venue=VENUE_NAME,
            )
        return self._candles(to_unified_symbol(symbol), timeframe, since, until, limit)

    async def fetch_ticker(self, symbol: str) -> Ticker:
        with _mapped():
            state = self.exchange.market(to_unified_symbol(symbol))
        percentage = None
        if state.open_24h:
            percentage = (state.last - state.open_24h) / state.open_24h * 100
        return Ticker(
            symbol=state.symbol,
            last=state.last,
            bid=state.bid,
            ask=state.ask,
            high=state.high_24h,
            low=state.low_24h,
            base_volume=state.volume_24h,
            quote_volume=state.quote_volume_24h,
            percentage=percentage,
            mark_price=state.mark,
            index_price=state.index,
            timestamp=state.timestamp,
        )

    async def fetch_order_book(self, symbol: str, *, limit: int | None = None) -> OrderBook:
        """One synthetic level per side; its size is the instrument's maximum order size, since
        the simulator fills any valid order completely."""
        unified = to_unified_symbol(symbol)
        with _mapped():
            state = self.exchange.market(unified)
        depth = self.exchange.instruments()[unified].max_size
        return OrderBook(unified, ((state.bid, depth),), ((state.ask, depth),), state.timestamp)

    async def fetch_funding_rate(self, symbol: str) -> FundingRate:
        unified = to_unified_symbol(symbol)
        with _mapped():
            state = self.exchange.market(unified)
        interval = self.exchange.config.funding_interval_ms
        now = self._clock()
        return FundingRate(
            symbol=unified,
            rate=state.funding_rate,
            timestamp=now,
            next_funding_time=(now // interval + 1) * interval,
            interval_minutes=interval // 60_000,
        )

    async def fetch_funding_rate_history(self, symbol: str, *, limit: int | None = None) -> list[FundingRate]:
        unified = to_unified_symbol(symbol)
        if self._funding_history is not None:
            return self._funding_history(unified, limit)
        with _mapped():
            records = self.exchange.funding_history(unified)
        rates = [FundingRate(r.symbol, r.rate, r.timestamp) for r in records]
        return rates[-limit:] if limit else rates

    # ---------------------------------------------------------------- account
    async def fetch_balance(self) -> Balance:
        with _mapped():
            snapshot = self.exchange.account(self.account_id)
        return Balance(
            currency=snapshot.currency,
            total=snapshot.equity,
            free=snapshot.available,
            used=snapshot.used_margin + snapshot.frozen,
            unrealized_pnl=snapshot.unrealized_pnl,
        )

    async def fetch_positions(self, symbols: Sequence[str] | None = None) -> list[Position]:
        wanted = None if symbols is None else {to_unified_symbol(s) for s in symbols}
        with _mapped():
            positions = self.exchange.positions(self.account_id)
        return [to_position(p) for p in positions if wanted is None or p.symbol in wanted]

    async def set_leverage(
        self, symbol: str, leverage: int, *, margin_mode: MarginMode = MarginMode.CROSS
    ) -> None:
        """Set both sides' leverage, switching the symbol's margin mode first when it differs."""
        unified = to_unified_symbol(symbol)
        now = self._clock()
        with _mapped():
            if self.exchange.leverage_setting(self.account_id, unified).margin_mode is not margin_mode:
                self.exchange.set_margin_mode(self.account_id, unified, margin_mode, now_ms=now)
            self.exchange.set_leverage(
                self.account_id,
                unified,
                long_leverage=leverage,
                short_leverage=leverage,
                margin_mode=margin_mode,
                now_ms=now,
            )

    # ----------------------------------------------------------------- orders
    async def create_order(self, request: OrderRequest) -> Order:
        with _mapped():
            order = self.exchange.place_order(self.account_id, request, now_ms=self._clock())
        return to_order(order)

    async def cancel_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> CancelResult:
        with _mapped():
            order = self.exchange.cancel_order(
                self.account_id, order_id=order_id, client_order_id=client_order_id, now_ms=self._clock()
            )
        return CancelResult(order.id, order.client_order_id, success=True)

    async def fetch_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        with _mapped():
            order = self.exchange.order(self.account_id, order_id=order_id, client_order_id=client_order_id)
        return to_order(order)

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        unified = None if symbol is None else to_unified_symbol(symbol)
        with _mapped():
            orders = self.exchange.orders(self.account_id, symbol=unified, open_only=True)
        return [to_order(o) for o in orders]

    async def fetch_my_trades(
        self,
        symbol: str,
        *,
        order_id: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[Trade]:
        """Own fills oldest first: the first `limit` from `since`, or the latest `limit`."""
        with _mapped():
            fills = self.exchange.fills(
                self.account_id, symbol=to_unified_symbol(symbol), order_id=order_id, since_ms=since
            )
        if limit:
            fills = fills[:limit] if since is not None else fills[-limit:]
        return [to_trade(f) for f in fills]

    # ------------------------------------------------------------ venue-side exits
    async def create_stop_loss(
        self,
        symbol: str,
        position_side: PositionSide,
        *,
        trigger_price: Decimal,
        amount: Decimal,
        client_order_id: str | None = None,
    ) -> Order:
        """A STOP_LOSS trigger on the position (the core cancels it when the position closes).

        Like the live adapters, the trigger is rounded to the tick on the exit side (a long's stop
        rounds up, a short's down: never further from the price than asked) and the size is floored
        to the step, so the engine meets the same prices in backtests as live."""
        unified = to_unified_symbol(symbol)
        instrument = self.exchange.instruments().get(unified)
        if instrument is None:
            raise SymbolNotAllowedError(f"unknown symbol {unified}", venue=VENUE_NAME)
        intent = OrderIntent.closing(position_side)
        size = instrument.round_size(amount)
        if size <= 0:
            raise InvalidOrderError(
                f"{unified}: stop-loss size {amount} rounds down to 0 with the step {instrument.size_step}",
                venue=VENUE_NAME,
            )
        trigger = instrument.round_price(trigger_price, up=intent.side is Side.SELL)
        with _mapped():
            placed = self.exchange.place_trigger_order(
                self.account_id,
                symbol=unified,
                intent=intent,
                size=size,
                trigger_price=trigger,
                execute_price=None,
                kind=CoreTriggerKind.STOP_LOSS,
                client_order_id=client_order_id,
                now_ms=self._clock(),
            )
        return to_trigger_order(placed)

    async def fetch_trigger_orders(self, symbol: str | None = None) -> list[Order]:
        """Untriggered trigger orders, oldest first; preset TP/SL appear once registered (the
        core's registration lag, as on WEEX)."""
        unified = None if symbol is None else to_unified_symbol(symbol)
        with _mapped():
            triggers = self.exchange.trigger_orders(self.account_id, symbol=unified, now_ms=self._clock())
        return [to_trigger_order(t) for t in triggers]

    async def cancel_trigger_order(self, symbol: str, order_id: str) -> CancelResult:
        with _mapped():
            canceled = self.exchange.cancel_trigger_order(self.account_id, order_id, now_ms=self._clock())
        return CancelResult(canceled.id, canceled.client_order_id, success=True)

    async def upload_ai_log(self, log: AiLog) -> None:
        self.ai_logs.append(log)
        self.ai_log_times.append(self._clock())

    async def close(self) -> None:
        self.closed = True
