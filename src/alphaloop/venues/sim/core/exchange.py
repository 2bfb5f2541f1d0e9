"""The simulated exchange: a pure, deterministic state machine over accounts, orders and prices.

No I/O, no clock, no randomness: every mutating call takes `now_ms`, and the same sequence of
calls always yields the same `state()`. Behaviour follows spec §10 with conservative defaults:

* hedge mode, cross margin by default, per-symbol long/short leverage up to the cap;
* a synthetic one-level book around the last price (`ExchangeConfig.spread_ticks`);
* market orders and marketable limits fill at once as taker at the book (plus slippage);
  resting limits fill completely, as maker at their own price, only when a later price
  trades strictly through them;
* at every price point: resting fills first, then triggers, then liquidations at mark;
* a failed request raises `SimRejection` and leaves the state untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from alphaloop.model import Candle, Instrument, MarginMode, OrderIntent, OrderRequest, OrderType, PositionSide
from alphaloop.venues.sim.core import matching, settings, triggers
from alphaloop.venues.sim.core.accounts import AccountState, post
from alphaloop.venues.sim.core.book import ZERO, candle_path, money
from alphaloop.venues.sim.core.serialize import render_state
from alphaloop.venues.sim.core.state import CoreState, StatPoint
from alphaloop.venues.sim.core.types import (
    AccountSnapshot,
    Bill,
    BillType,
    ExchangeConfig,
    FundingRecord,
    LeverageSetting,
    MarketState,
    RejectReason,
    SimFill,
    SimOrder,
    SimPosition,
    SimRejection,
    SimTriggerOrder,
    TriggerKind,
)

DEFAULT_CONFIG = ExchangeConfig()


def _in_range(timestamp: int, since_ms: int | None, until_ms: int | None) -> bool:
    return (since_ms is None or timestamp >= since_ms) and (until_ms is None or timestamp <= until_ms)


class Exchange:
    """One simulated venue holding many accounts; instruments keyed by unified symbol."""

    def __init__(
        self, instruments: Mapping[str, Instrument], config: ExchangeConfig = DEFAULT_CONFIG
    ) -> None:
        for symbol, instrument in instruments.items():
            if symbol != instrument.symbol:
                raise ValueError(f"instrument {instrument.symbol} is keyed as {symbol}")
        self._core = CoreState(
            instruments=MappingProxyType(dict(sorted(instruments.items()))),
            config=config,
            next_id=config.id_start,
        )

    @property
    def config(self) -> ExchangeConfig:
        return self._core.config

    # ----------------------------------------------------------------- accounts
    def open_account(self, account_id: str, balance: Decimal, *, now_ms: int = 0) -> None:
        """Create an account funded with `balance` USDT (a DEPOSIT bill). Re-opening adds a deposit."""
        if balance < 0:
            raise SimRejection(
                RejectReason.INVALID_PARAMETER, "a deposit cannot be negative", param="balance"
            )
        account = self._core.accounts.setdefault(account_id, AccountState(account_id))
        post(
            account,
            self._core.new_id(),
            symbol=None,
            bill_type=BillType.DEPOSIT,
            amount=balance,
            now_ms=now_ms,
        )

    def has_account(self, account_id: str) -> bool:
        """Whether `open_account` was called for this id."""
        return account_id in self._core.accounts

    # ------------------------------------------------------------------- market
    def update_price(
        self, symbol: str, last: Decimal, *, now_ms: int, mark: Decimal | None = None, gap: bool = False
    ) -> list[SimFill]:
        """Feed one trade price (mark defaults to last): fills resting limits traded through,
        fires armed triggers, then liquidates; returns the fills this caused, in order.

        `gap`: nothing traded between the previous price and this one (a bar's open after the
        previous close), so a trigger whose level lies in between executes at this price, the
        first one beyond its level, not at its level."""
        self._core.journal = []
        self._price_point(symbol, last, now_ms=now_ms, mark=mark, record=True, gap=gap)
        return self._core.journal

    def _price_point(
        self,
        symbol: str,
        last: Decimal,
        *,
        now_ms: int,
        mark: Decimal | None,
        record: bool,
        gap: bool = False,
    ) -> None:
        core = self._core
        core.known_instrument(symbol)
        if last <= 0 or (mark is not None and mark <= 0):
            raise SimRejection(RejectReason.INVALID_PARAMETER, "prices must be positive", param="price")
        previous = core.markets[symbol].last if symbol in core.markets else None
        market = core.ensure_market(symbol, last, now_ms)
        core.set_last(symbol, last, now_ms)
        market.mark = last if mark is None else mark
        if record:
            market.record(StatPoint(now_ms, last, last, last, ZERO, ZERO))
        matching.fill_resting(core, symbol, last, now_ms)
        # Across a gap no price in between traded: triggers fire at this price ("late").
        triggers.fire_triggers(
            core, symbol, None if gap else previous, now_ms, mark_follows_last=mark is None
        )
        matching.check_liquidations(core, now_ms)

    def apply_candle(self, symbol: str, candle: Candle, *, now_ms: int | None = None) -> list[SimFill]:
        """Replay a candle as open -> low -> high -> close when close >= open, else
        open -> high -> low -> close, all at `now_ms` (default: the candle's open time).

        The path visits both extremes, so every limit, trigger and liquidation level inside the
        candle's range is tested; the volume counts once toward the 24-hour statistics. The open
        is a gap from the previous close: a stop it jumps fills at the open, not at its level.
        """
        now = candle.timestamp if now_ms is None else now_ms
        self._core.journal = []
        for k, point in enumerate(candle_path(candle)):
            self._price_point(symbol, point, now_ms=now, mark=None, record=False, gap=k == 0)
        quote_volume = (
            candle.quote_volume if candle.quote_volume is not None else candle.volume * candle.close
        )
        market = self._core.markets[symbol]
        market.record(StatPoint(now, candle.open, candle.high, candle.low, candle.volume, quote_volume))
        # Orders after this candle meet the depth its volume implies.
        market.bar_volume = candle.volume
        return self._core.journal

    def set_bar_volume(self, symbol: str, volume: Decimal | None) -> None:
        """The last completed bar's volume, for the depth model (feeds that apply prices one by
        one, such as the backtest's exact ledger, set it per bar)."""
        self._core.known_instrument(symbol)
        market = self._core.markets.get(symbol)
        if market is None:
            raise SimRejection(RejectReason.NO_PRICE, f"no price for {symbol} yet", param="symbol")
        market.bar_volume = volume

    def settle_funding(self, symbol: str, rate: Decimal, *, now_ms: int) -> list[Bill]:
        """Settle funding at the current mark: longs pay size*mark*rate when rate > 0, shorts receive.

        Amounts are quantized to 8 decimals; a payment never exceeds the payer's wallet balance
        (so funding alone cannot push a balance negative). Liquidations are checked afterwards.
        """
        core = self._core
        core.known_instrument(symbol)
        market = core.markets.get(symbol)
        if market is None:
            raise SimRejection(RejectReason.NO_PRICE, f"no price for {symbol} yet", param="symbol")
        bills: list[Bill] = []
        for account_id in sorted(core.accounts):
            account = core.accounts[account_id]
            for position in account.sorted_positions(symbol):
                due = money(position.size * market.mark * rate)
                amount = -due if position.side is PositionSide.LONG else due
                if amount < 0:
                    amount = -min(-amount, max(account.wallet, ZERO))
                position.funding_fee += amount
                position.cum_funding += amount
                position.updated_ms = now_ms
                bills.append(
                    post(
                        account,
                        core.new_id(),
                        symbol=symbol,
                        bill_type=BillType.POSITION_FUNDING,
                        amount=amount,
                        now_ms=now_ms,
                    )
                )
        market.funding_rate = rate
        market.funding.append(FundingRecord(symbol, rate, now_ms))
        core.journal = []
        matching.check_liquidations(core, now_ms)
        return bills

    def market(self, symbol: str) -> MarketState:
        """Prices of a symbol; SimRejection(NO_PRICE) before its first price, UNKNOWN_SYMBOL if unknown."""
        self._core.known_instrument(symbol)
        market = self._core.markets.get(symbol)
        if market is None:
            raise SimRejection(RejectReason.NO_PRICE, f"no price for {symbol} yet", param="symbol")
        return market.snapshot()

    def funding_history(self, symbol: str) -> list[FundingRecord]:
        """Funding settlements of a symbol, oldest first."""
        self._core.known_instrument(symbol)
        market = self._core.markets.get(symbol)
        return [] if market is None else list(market.funding)

    # ------------------------------------------------------------------ trading
    def place_order(
        self,
        account_id: str,
        request: OrderRequest,
        *,
        now_ms: int,
        margin_mode: MarginMode | None = None,
    ) -> SimOrder:
        """Validate (spec §10.5 order) and place an order; raises SimRejection with nothing changed.

        Post-only orders that would cross, and FOK/IOC orders that cannot fill at once, are
        accepted and recorded as CANCELED with no fill. Preset TP/SL need an opening order and
        must lie on the right side of the expected fill price (else INVALID_PARAMETER).
        """
        core = self._core
        account = core.account(account_id)
        core.journal = []
        order = matching.place_order(core, account, request, now_ms=now_ms, margin_mode=margin_mode)
        if core.journal:
            # A taker fill moves no price, but it changes the account's collateral.
            matching.check_liquidations(core, now_ms)
        return core.orders[order.id]

    def _find_order(
        self, account: AccountState, order_id: str | None, client_order_id: str | None, *, open_only: bool
    ) -> SimOrder:
        core = self._core
        if order_id is None and client_order_id is None:
            raise SimRejection(
                RejectReason.MISSING_PARAMETER,
                "Either orderId or clientOid must be provided",
                param="orderId",
            )
        found: SimOrder | None = None
        if order_id is not None:
            candidate = core.orders.get(order_id)
            if candidate is not None and candidate.account_id == account.id:
                found = candidate
        else:
            ids = account.open_order_ids if open_only else reversed(account.order_ids)
            for candidate_id in ids:
                candidate = core.orders[candidate_id]
                if candidate.client_order_id == client_order_id:
                    found = candidate
                    break
        if found is None or (open_only and not found.is_open):
            raise SimRejection(
                RejectReason.ORDER_NOT_FOUND,
                f"Order does not exist: {order_id or client_order_id}",
                param="orderId" if order_id is not None else "clientOid",
            )
        return found

    def cancel_order(
        self,
        account_id: str,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        now_ms: int,
    ) -> SimOrder:
        """Cancel an open order (ORDER_NOT_FOUND if unknown or no longer open)."""
        account = self._core.account(account_id)
        order = self._find_order(account, order_id, client_order_id, open_only=True)
        return matching.cancel(self._core, account, order, now_ms)

    def cancel_all_orders(self, account_id: str, *, symbol: str | None = None, now_ms: int) -> list[SimOrder]:
        """Cancel every open normal order (of one symbol); returns the canceled orders."""
        core = self._core
        account = core.account(account_id)
        if symbol is not None:
            core.known_instrument(symbol)
        return [
            matching.cancel(core, account, o, now_ms) for o in list(core.account_open_orders(account, symbol))
        ]

    def close_positions(
        self, account_id: str, *, symbol: str | None = None, now_ms: int
    ) -> list[tuple[SimPosition, SimOrder | SimRejection]]:
        """Close whole positions at market (cancelling their resting close orders first).

        Returns each position as it was before closing, with the close order or the rejection.
        """
        core = self._core
        account = core.account(account_id)
        if symbol is not None:
            core.known_instrument(symbol)
        core.journal = []
        results: list[tuple[SimPosition, SimOrder | SimRejection]] = []
        for position in account.sorted_positions(symbol):
            before = core.snapshot(account, position)
            for order in list(core.account_open_orders(account, position.symbol)):
                if order.intent.reduce_only and order.intent.position_side is position.side:
                    matching.cancel(core, account, order, now_ms)
            request = OrderRequest(
                symbol=position.symbol,
                intent=OrderIntent.closing(position.side),
                amount=position.size,
                order_type=OrderType.MARKET,
            )
            try:
                results.append((before, matching.place_order(core, account, request, now_ms=now_ms)))
            except SimRejection as rejection:
                results.append((before, rejection))
        if core.journal:
            matching.check_liquidations(core, now_ms)
        return results

    def place_trigger_order(
        self,
        account_id: str,
        *,
        symbol: str,
        intent: OrderIntent,
        size: Decimal,
        trigger_price: Decimal,
        execute_price: Decimal | None,
        kind: TriggerKind = TriggerKind.PLAN,
        client_order_id: str | None = None,
        trigger_on_mark: bool = False,
        now_ms: int,
    ) -> SimTriggerOrder:
        """Store a trigger order. PLAN: direction inferred from the current price (fires on a rise
        when trigger >= current, else on a fall). TAKE_PROFIT / STOP_LOSS: need a closing intent
        and an open position (POSITION_NOT_FOUND), trigger on the profitable / losing side of the
        current price (INVALID_PARAMETER), size <= position (CLOSE_EXCEEDS_POSITION)."""
        core = self._core
        return triggers.place_trigger(
            core,
            core.account(account_id),
            symbol=symbol,
            intent=intent,
            size=size,
            trigger_price=trigger_price,
            execute_price=execute_price,
            kind=kind,
            client_order_id=client_order_id,
            trigger_on_mark=trigger_on_mark,
            now_ms=now_ms,
        )

    def cancel_trigger_order(self, account_id: str, order_id: str, *, now_ms: int) -> SimTriggerOrder:
        """Cancel an untriggered trigger order (ORDER_NOT_FOUND otherwise)."""
        core = self._core
        account = core.account(account_id)
        return triggers.cancel_trigger(
            core, account, triggers.find_open_trigger(core, account, order_id), now_ms
        )

    def cancel_all_trigger_orders(
        self, account_id: str, *, symbol: str | None = None, now_ms: int
    ) -> list[SimTriggerOrder]:
        """Cancel every untriggered trigger order (of one symbol), registering ones included."""
        core = self._core
        account = core.account(account_id)
        if symbol is not None:
            core.known_instrument(symbol)
        canceled = []
        for trigger_id in list(account.trigger_ids):
            trigger = core.triggers[trigger_id]
            if trigger.is_open and (symbol is None or trigger.symbol == symbol):
                canceled.append(triggers.cancel_trigger(core, account, trigger, now_ms))
        return canceled

    def modify_trigger_order(
        self,
        account_id: str,
        order_id: str,
        *,
        trigger_price: Decimal,
        execute_price: Decimal | None,
        trigger_on_mark: bool | None = None,
        now_ms: int,
    ) -> SimTriggerOrder:
        """Change the trigger / execute price of an untriggered trigger order."""
        core = self._core
        account = core.account(account_id)
        return triggers.modify_trigger(
            core,
            account,
            triggers.find_open_trigger(core, account, order_id),
            trigger_price=trigger_price,
            execute_price=execute_price,
            trigger_on_mark=trigger_on_mark,
            now_ms=now_ms,
        )

    def set_leverage(
        self,
        account_id: str,
        symbol: str,
        *,
        long_leverage: int,
        short_leverage: int,
        margin_mode: MarginMode,
        now_ms: int,
    ) -> LeverageSetting:
        """Set leverage; `margin_mode` must equal the current one, cross needs long == short,
        below 1 (or the instrument minimum) -> INVALID_PARAMETER, above the cap -> LEVERAGE_LIMIT.
        Open positions are re-margined at the new leverage (INSUFFICIENT_MARGIN if that leaves
        negative available margin, nothing changed)."""
        core = self._core
        account = core.account(account_id)
        settings.check_leverage(core, account, symbol, long_leverage, short_leverage, margin_mode)
        settings.apply_leverage(core, account, symbol, long_leverage, short_leverage, now_ms)
        return self.leverage_setting(account_id, symbol)

    def set_margin_mode(self, account_id: str, symbol: str, margin_mode: MarginMode, *, now_ms: int) -> None:
        """Switch cross/isolated for a symbol; MARGIN_MODE_LOCKED with open positions or orders."""
        del now_ms  # nothing time-stamped changes; kept for a uniform mutating-call signature
        core = self._core
        account = core.account(account_id)
        core.instrument(symbol)
        if account.margin_mode(symbol) is margin_mode:
            return
        if account.sorted_positions(symbol) or any(True for _ in core.account_open_orders(account, symbol)):
            raise SimRejection(
                RejectReason.MARGIN_MODE_LOCKED,
                f"cannot change the margin mode of {symbol} with open positions or orders",
                param="marginMode",
            )
        account.margin_modes[symbol] = margin_mode

    def _position_snapshot(self, account: AccountState, position_id: str) -> tuple[SimPosition, str]:
        position = account.find_position(position_id)
        if position is None:
            raise SimRejection(
                RejectReason.POSITION_NOT_FOUND, f"position {position_id} does not exist", param="positionId"
            )
        return self._core.snapshot(account, position), position.symbol

    def adjust_isolated_margin(
        self, account_id: str, position_id: str, amount: Decimal, *, now_ms: int
    ) -> SimPosition:
        """Add (amount > 0, up to the available margin) or remove (amount < 0, down to the initial
        margin open_value / leverage) margin of an isolated position; a MARGIN_MOVE bill records it."""
        core = self._core
        account = core.account(account_id)
        settings.adjust_isolated_margin(core, account, position_id, amount, now_ms)
        return self.position(account_id, position_id)

    def set_auto_append_margin(
        self, account_id: str, position_id: str, enabled: bool, *, now_ms: int
    ) -> SimPosition:
        """Flag a position for automatic margin top-up (stored and reported; the top-up itself
        is not simulated)."""
        core = self._core
        account = core.account(account_id)
        position = account.find_position(position_id)
        if position is None:
            raise SimRejection(
                RejectReason.POSITION_NOT_FOUND, f"position {position_id} does not exist", param="positionId"
            )
        position.auto_append_margin = enabled
        position.updated_ms = now_ms
        return core.snapshot(account, position)

    # ------------------------------------------------------------------ queries
    def account(self, account_id: str) -> AccountSnapshot:
        summary = self._core.summary(self._core.account(account_id))
        return AccountSnapshot(
            account_id=account_id,
            wallet_balance=summary.wallet,
            equity=summary.equity,
            available=summary.available,
            frozen=summary.frozen,
            used_margin=summary.used_margin,
            unrealized_pnl=summary.unrealized_pnl,
        )

    def accounts(self) -> list[str]:
        """Ids of all accounts, sorted."""
        return sorted(self._core.accounts)

    def positions(self, account_id: str, *, symbol: str | None = None) -> list[SimPosition]:
        """Open positions (size > 0), sorted by symbol then long before short."""
        account = self._core.account(account_id)
        return [self._core.snapshot(account, p) for p in account.sorted_positions(symbol)]

    def position(self, account_id: str, position_id: str) -> SimPosition:
        """One open position by id (POSITION_NOT_FOUND otherwise)."""
        return self._position_snapshot(self._core.account(account_id), position_id)[0]

    def orders(
        self, account_id: str, *, symbol: str | None = None, open_only: bool = False
    ) -> list[SimOrder]:
        """Normal orders, oldest first."""
        core = self._core
        account = core.account(account_id)
        ids = account.open_order_ids if open_only else account.order_ids
        return [core.orders[i] for i in ids if symbol is None or core.orders[i].symbol == symbol]

    def order(
        self, account_id: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> SimOrder:
        """One order by id or client id (the newest with that client id); ORDER_NOT_FOUND otherwise."""
        return self._find_order(self._core.account(account_id), order_id, client_order_id, open_only=False)

    def trigger_orders(
        self,
        account_id: str,
        *,
        symbol: str | None = None,
        open_only: bool = True,
        now_ms: int | None = None,
    ) -> list[SimTriggerOrder]:
        """Trigger orders, oldest first; with `now_ms`, preset TP/SL still registering are hidden."""
        core = self._core
        result = []
        for trigger_id in core.account(account_id).trigger_ids:
            trigger = core.triggers[trigger_id]
            if symbol is not None and trigger.symbol != symbol:
                continue
            if open_only and not trigger.is_open:
                continue
            if now_ms is not None and now_ms < trigger.visible_from_ms:
                continue
            result.append(trigger)
        return result

    def trigger_order(self, account_id: str, order_id: str) -> SimTriggerOrder:
        """One trigger order by id, in any status (ORDER_NOT_FOUND otherwise)."""
        trigger = self._core.triggers.get(order_id)
        if trigger is None or trigger.account_id != self._core.account(account_id).id:
            raise SimRejection(
                RejectReason.ORDER_NOT_FOUND, f"Order does not exist: {order_id}", param="orderId"
            )
        return trigger

    def fills(
        self,
        account_id: str,
        *,
        symbol: str | None = None,
        order_id: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
    ) -> list[SimFill]:
        """Fills, oldest first; since/until are inclusive bounds."""
        core = self._core
        result = []
        for fill_id in core.account(account_id).fill_ids:
            fill = core.fills[fill_id]
            if (
                (symbol is None or fill.symbol == symbol)
                and (order_id is None or fill.order_id == order_id)
                and _in_range(fill.timestamp, since_ms, until_ms)
            ):
                result.append(fill)
        return result

    def bills(
        self,
        account_id: str,
        *,
        symbol: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
    ) -> list[Bill]:
        """Ledger entries, oldest first; since/until are inclusive bounds."""
        return [
            bill
            for bill in self._core.account(account_id).bills
            if (symbol is None or bill.symbol == symbol) and _in_range(bill.timestamp, since_ms, until_ms)
        ]

    def leverage_setting(self, account_id: str, symbol: str) -> LeverageSetting:
        core = self._core
        account = core.account(account_id)
        core.known_instrument(symbol)
        return LeverageSetting(
            symbol=symbol,
            margin_mode=account.margin_mode(symbol),
            long_leverage=core.leverage_for(account, symbol, PositionSide.LONG),
            short_leverage=core.leverage_for(account, symbol, PositionSide.SHORT),
        )

    def instruments(self) -> Mapping[str, Instrument]:
        return self._core.instruments

    def state(self) -> dict[str, object]:
        """The full state as JSON-able data (Decimals as plain strings), stable key order."""
        return render_state(self._core)


__all__ = ["DEFAULT_CONFIG", "Exchange", "SimRejection"]
