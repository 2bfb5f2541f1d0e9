"""What the WOO X dialect adds to the shared `Simulator`: per-account position mode, margin modes and
leverage per margin mode, the algo-order book, edited-order ids, the dead-man switch, and its own
authenticator and rate limiter. Registered on the simulator as an extension, so admin reset and
state cover it, and it observes the market whenever the simulator syncs.

The core is a hedge-mode exchange. HEDGE_MODE maps onto it one to one (`side` + `positionSide`).
ONE_WAY is emulated by netting against the current position: a buy while short closes the short, a
reduce-only buy needs a short; an order that would close and reopen on the other side in one go is
refused (the core cannot flip a position in one order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from alphaloop.model import MarginMode, OrderIntent, PositionSide
from alphaloop.venues.sim.core import RejectReason, SimOrder, SimRejection
from alphaloop.venues.sim.server.state import Simulator
from alphaloop.venues.sim.server.woox.algo import AlgoBook
from alphaloop.venues.sim.server.woox.auth import WooxAuthenticator
from alphaloop.venues.sim.server.woox.ratelimit import WooxServerRateLimiter
from alphaloop.venues.sim.server.woox.wire import NOT_FOUND, WooxError
from alphaloop.venues.woox.constants import TIMESTAMP_WINDOW_MS

#: A fresh WOO X account trades one-way (GUESS: the venue's default); clients switch explicitly.
DEFAULT_POSITION_MODE = "ONE_WAY"


@dataclass
class AccountSettings:
    position_mode: str = DEFAULT_POSITION_MODE
    default_margin_mode: dict[str, MarginMode] = field(default_factory=dict)
    #: (unified symbol, margin mode) -> (long, short) leverage set while the core used another mode
    leverage: dict[tuple[str, MarginMode], tuple[int, int]] = field(default_factory=dict)
    cancel_all_at_ms: int | None = None


class WooxWorld:
    """The WOO X dialect's state over one `Simulator`."""

    name = "woox"

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        window = sim.config.timestamp_window_ms or TIMESTAMP_WINDOW_MS
        self.auth = WooxAuthenticator(sim.config.accounts, window_ms=window)
        self.limiter = WooxServerRateLimiter(sim.config.rate_limits, clock=sim.monotonic)
        self.reset()

    def reset(self) -> None:
        """Called after the simulator rebuilt its exchange (admin reset)."""
        self.accounts: dict[str, AccountSettings] = {}
        self.algos = AlgoBook(self.sim.exchange, self.resolve_intent)
        self.limiter.reset()
        #: public order id -> core order currently behind it (an edit replaces the core order)
        self.core_ids: dict[str, str] = {}
        #: core order id -> public order id
        self.public_ids: dict[str, str] = {}
        self.replaced: set[str] = set()

    def state(self) -> dict[str, Any]:
        return {
            "position_modes": {k: v.position_mode for k, v in self.accounts.items()},
            "algo_orders": len(self.algos.records),
            "rate_limited": self.limiter.refused,
            "rate_usage": self.limiter.usage(),
        }

    def observe(self, now_ms: int) -> None:
        self.algos.observe(now_ms)
        wall = self.sim.reported_ms()
        for account_id, settings in self.accounts.items():
            if settings.cancel_all_at_ms is not None and wall >= settings.cancel_all_at_ms:
                settings.cancel_all_at_ms = None
                self.cancel_everything(account_id, None, now_ms)

    def settings(self, account_id: str) -> AccountSettings:
        return self.accounts.setdefault(account_id, AccountSettings())

    # ------------------------------------------------------------------ intents

    def resolve_intent(
        self,
        account_id: str,
        symbol: str,
        side: str,
        position_side: str,
        reduce_only: bool,
        quantity: Decimal | None,
    ) -> OrderIntent:
        """The core intent of a WOO X order in the account's position mode (module docstring)."""
        buy = side == "BUY"
        if self.settings(account_id).position_mode == "HEDGE_MODE":
            if position_side == "LONG":
                return OrderIntent.OPEN_LONG if buy else OrderIntent.CLOSE_LONG
            if position_side == "SHORT":
                return OrderIntent.CLOSE_SHORT if buy else OrderIntent.OPEN_SHORT
            raise WooxError(302186, "positionSide must be LONG or SHORT in HEDGE_MODE")
        if position_side not in ("BOTH", ""):
            raise WooxError(302186, "positionSide must be BOTH in ONE_WAY mode")
        held = {p.side: p.size for p in self.sim.exchange.positions(account_id, symbol=symbol)}
        opposite = held.get(PositionSide.SHORT if buy else PositionSide.LONG, Decimal(0))
        closing = OrderIntent.CLOSE_SHORT if buy else OrderIntent.CLOSE_LONG
        if reduce_only:
            if opposite == 0:
                raise WooxError(302138, "Insufficient position for reduce-only order.")
            return closing
        if opposite > 0:
            if quantity is not None and quantity > opposite:
                raise WooxError(
                    -1005, "the simulator cannot flip a one-way position in one order: close it first"
                )
            return closing
        return OrderIntent.OPEN_LONG if buy else OrderIntent.OPEN_SHORT

    def position_side_word(self, account_id: str, intent: OrderIntent) -> str:
        if self.settings(account_id).position_mode == "HEDGE_MODE":
            return intent.position_side.value.upper()
        return "BOTH"

    # ------------------------------------------------------------------ margin and leverage

    def leverage_cap(self, symbol: str) -> int:
        instrument = self.sim.exchange.instruments()[symbol]
        cap = self.sim.exchange.config.leverage_cap
        return min(instrument.max_leverage, cap) if cap is not None else instrument.max_leverage

    def leverage(self, account_id: str, symbol: str, mode: MarginMode) -> tuple[int, int]:
        setting = self.sim.exchange.leverage_setting(account_id, symbol)
        if setting.margin_mode is mode:
            return setting.long_leverage, setting.short_leverage
        stored = self.settings(account_id).leverage.get((symbol, mode))
        default = self.sim.exchange.config.default_leverage
        return stored if stored is not None else (default, default)

    def set_leverage(
        self,
        account_id: str,
        symbol: str,
        leverage: int,
        mode: MarginMode,
        position_side: str | None,
        now_ms: int,
    ) -> None:
        long, short = self.leverage(account_id, symbol, mode)
        if mode is MarginMode.ISOLATED and position_side == "LONG":
            long = leverage
        elif mode is MarginMode.ISOLATED and position_side == "SHORT":
            short = leverage
        else:
            long = short = leverage
        current = self.sim.exchange.leverage_setting(account_id, symbol).margin_mode
        if current is mode:
            self.sim.exchange.set_leverage(
                account_id, symbol, long_leverage=long, short_leverage=short, margin_mode=mode, now_ms=now_ms
            )
            return
        if max(long, short) > self.leverage_cap(symbol):
            raise SimRejection(RejectReason.LEVERAGE_LIMIT, "leverage exceeds the limit", param="leverage")
        self.settings(account_id).leverage[(symbol, mode)] = (long, short)

    def order_margin_mode(
        self, account_id: str, symbol: str, requested: MarginMode | None, now_ms: int
    ) -> MarginMode:
        """The margin mode an order trades in; the core holds one mode per symbol, so switching
        needs the symbol flat and without orders (else 302189, the venue's nearest refusal)."""
        mode = requested or self.settings(account_id).default_margin_mode.get(symbol, MarginMode.CROSS)
        exchange = self.sim.exchange
        if exchange.leverage_setting(account_id, symbol).margin_mode is mode:
            return mode
        stored = self.settings(account_id).leverage.pop((symbol, mode), None)
        try:
            exchange.set_margin_mode(account_id, symbol, mode, now_ms=now_ms)
        except SimRejection:
            raise WooxError(
                302189,
                f"cannot switch {symbol} to {mode.value} margin with open positions or orders "
                "(the simulator holds one margin mode per contract)",
            ) from None
        if stored is not None:
            long, short = stored
            exchange.set_leverage(
                account_id, symbol, long_leverage=long, short_leverage=short, margin_mode=mode, now_ms=now_ms
            )
        return mode

    # ------------------------------------------------------------------ ordinary orders

    def public_id(self, core_id: str) -> str:
        return self.public_ids.get(core_id, core_id)

    def core_order(self, account_id: str, order_id: str | None, client_id: str | None) -> SimOrder:
        """An order by public id or client id; unknown -> -1006."""
        try:
            if order_id is not None:
                return self.sim.exchange.order(account_id, order_id=self.core_ids.get(order_id, order_id))
            return self.sim.exchange.order(account_id, client_order_id=client_id)
        except SimRejection:
            raise WooxError.of(NOT_FOUND) from None

    def orders(self, account_id: str, symbol: str | None, *, open_only: bool) -> list[SimOrder]:
        return [
            o
            for o in self.sim.exchange.orders(account_id, symbol=symbol, open_only=open_only)
            if o.id not in self.replaced
        ]

    def record_edit(self, old: SimOrder, new: SimOrder) -> None:
        public = self.public_id(old.id)
        self.replaced.add(old.id)
        self.core_ids[public] = new.id
        self.public_ids[new.id] = public

    def cancel_everything(self, account_id: str, symbol: str | None, now_ms: int) -> None:
        self.sim.exchange.cancel_all_orders(account_id, symbol=symbol, now_ms=now_ms)
        for record in list(self.algos.roots(account_id, symbol)):
            self.algos.cancel(record, now_ms)
