"""Value types of the simulator core: immutable snapshots, the rejection error and the config.

Everything here is venue-neutral: symbols are unified (`BTC/USDT:USDT`), money is `Decimal` in USDT,
timestamps are integer milliseconds. A venue dialect (the WEEX HTTP server, the in-process `SimVenue`)
translates these into its own vocabulary; `RejectReason` is what it maps onto venue error codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from alphaloop.model import MarginMode, OrderIntent, OrderStatus, OrderType, PositionSide, Side, TimeInForce


class RejectReason(StrEnum):
    """Why the core refused a request; listed in the order validation checks them (spec §10.5)."""

    UNKNOWN_SYMBOL = "unknown_symbol"
    SYMBOL_NOT_ALLOWED = "symbol_not_allowed"
    MISSING_PARAMETER = "missing_parameter"
    INVALID_PARAMETER = "invalid_parameter"
    PRECISION = "precision"
    SIZE_LIMIT = "size_limit"
    PRICE_BAND = "price_band"
    CLOSE_EXCEEDS_POSITION = "close_exceeds_position"
    INSUFFICIENT_MARGIN = "insufficient_margin"
    LEVERAGE_LIMIT = "leverage_limit"
    ORDER_NOT_FOUND = "order_not_found"
    DUPLICATE_CLIENT_ORDER_ID = "duplicate_client_order_id"
    POSITION_NOT_FOUND = "position_not_found"
    MARGIN_MODE_LOCKED = "margin_mode_locked"
    NO_PRICE = "no_price"
    #: Not in the brief's list: an unknown account id (a dialect maps it to an auth/permission error).
    UNKNOWN_ACCOUNT = "unknown_account"


class SimRejection(Exception):
    """A definitive refusal by the simulated exchange; nothing changed in its state."""

    def __init__(self, reason: RejectReason, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.param = param
        self.message = message

    def __str__(self) -> str:
        return f"{self.reason.value}: {self.message}"

    def __repr__(self) -> str:
        return f"SimRejection({self.reason.value!r}, {self.message!r}, param={self.param!r})"


class TriggerKind(StrEnum):
    """A free-standing plan order, or a take-profit / stop-loss attached to a position."""

    PLAN = "plan"
    TAKE_PROFIT = "take_profit"
    STOP_LOSS = "stop_loss"


class BillType(StrEnum):
    """Ledger entry types; values are WEEX `businessType` spellings (spec §7.17)."""

    DEPOSIT = "deposit"
    POSITION_OPEN_LONG = "position_open_long"
    POSITION_OPEN_SHORT = "position_open_short"
    POSITION_CLOSE_LONG = "position_close_long"
    POSITION_CLOSE_SHORT = "position_close_short"
    POSITION_FUNDING = "position_funding"
    FEE = "fee"
    START_LIQUIDATE = "start_liquidate"
    FINISH_LIQUIDATE = "finish_liquidate"
    MARGIN_MOVE_IN = "margin_move_in"
    MARGIN_MOVE_OUT = "margin_move_out"


TriggerStatus = Literal["untriggered", "triggered", "canceled", "failed"]


@dataclass(frozen=True, slots=True)
class DepthModel:
    """The order book behind the touch, from traded volume: `share` of the last bar's volume
    rests on each side within `band` (a price fraction) of the touch, spread evenly over the
    ticks. A market order of size q walks it: the last unit fills q / depth beyond the touch and
    the average q / (2 * depth), depth = share * volume / band (base units per unit fraction).
    The backtest ledger prices its fills with the same arithmetic (`engine.ledger`)."""

    share: Decimal = Decimal("0.05")
    band: Decimal = Decimal("0.01")

    def depth(self, volume: Decimal) -> Decimal:
        """Base units resting per unit of price fraction on one side (0: no volume known)."""
        return self.share * volume / self.band if volume > 0 else Decimal(0)

    def impact(self, size: Decimal, volume: Decimal | None) -> Decimal:
        """The average adverse fraction a market order of `size` pays beyond the touch."""
        if volume is None or volume <= 0 or size <= 0:
            return Decimal(0)
        return size / (2 * self.depth(volume))


@dataclass(frozen=True, slots=True)
class ExchangeConfig:
    """Every behaviour knob of the simulated exchange (spec §10: keep every rule configurable)."""

    maintenance_margin_rate: Decimal = Decimal("0.005")
    liquidation_fee_rate: Decimal = Decimal("0.01")
    #: Adverse fraction applied to market (taker) fill prices: buys pay ask*(1+s), sells get bid*(1-s).
    market_slippage: Decimal = Decimal(0)
    #: Synthetic book: bid/ask = last -/+ spread_ticks*tick/2, rounded outward to the tick, never crossing.
    spread_ticks: int = 1
    #: Depth behind the touch from the last bar's volume: market orders pay a size-dependent
    #: impact and the depth endpoint shows it. None: unlimited depth at the touch.
    depth: DepthModel | None = None
    default_leverage: int = 20
    #: Competition cap; None = the instrument's own maximum.
    leverage_cap: int | None = 20
    #: None = every instrument may be traded.
    allowed_symbols: frozenset[str] | None = None
    #: Preset TP/SL become visible (and armed) this long after the fill that created them (FIELD: ~1-2 s).
    tpsl_registration_delay_ms: int = 1500
    enforce_price_band: bool = True
    funding_interval_ms: int = 8 * 3600 * 1000
    default_funding_rate: Decimal = Decimal("0.0001")
    id_start: int = 700000000000000000


@dataclass(frozen=True, slots=True)
class SimOrder:
    """A normal order as the exchange stores it. `price` is None for market orders."""

    id: str
    client_order_id: str | None
    account_id: str
    symbol: str
    intent: OrderIntent
    order_type: OrderType
    time_in_force: TimeInForce
    price: Decimal | None
    amount: Decimal
    filled: Decimal
    average_price: Decimal | None
    fee: Decimal
    realized_pnl: Decimal
    status: OrderStatus
    created_ms: int
    updated_ms: int
    margin_mode: MarginMode
    take_profit_price: Decimal | None = None
    stop_loss_price: Decimal | None = None
    is_liquidation: bool = False
    trigger_order_id: str | None = None
    #: Margin (plus the taker fee estimate) held while the order rests; 0 for closes and final orders.
    frozen_margin: Decimal = Decimal(0)

    @property
    def side(self) -> Side:
        return self.intent.side

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.filled

    @property
    def is_open(self) -> bool:
        return self.status is OrderStatus.OPEN


@dataclass(frozen=True, slots=True)
class SimFill:
    """One execution of one order. `value` = price * amount; `fee` is positive, paid in USDT."""

    id: str
    order_id: str
    account_id: str
    symbol: str
    intent: OrderIntent
    side: Side
    position_side: PositionSide
    amount: Decimal
    price: Decimal
    value: Decimal
    fee: Decimal
    realized_pnl: Decimal
    is_maker: bool
    is_liquidation: bool
    timestamp: int
    margin_mode: MarginMode


@dataclass(frozen=True, slots=True)
class SimPosition:
    """One side of a hedge-mode position; entry price = open_value / size."""

    id: str
    account_id: str
    symbol: str
    side: PositionSide
    size: Decimal
    open_value: Decimal
    open_fee: Decimal
    funding_fee: Decimal
    leverage: int
    margin_mode: MarginMode
    #: Isolated: the margin assigned to the position; cross: open_value / leverage.
    margin: Decimal
    unrealized_pnl: Decimal
    liquidation_price: Decimal | None
    auto_append_margin: bool
    created_ms: int
    updated_ms: int
    cum_open_size: Decimal
    cum_open_value: Decimal
    cum_close_size: Decimal
    cum_close_value: Decimal
    cum_fee: Decimal
    cum_funding: Decimal
    #: Mark price the unrealised PnL was computed at (None before the first price).
    mark_price: Decimal | None = None

    @property
    def entry_price(self) -> Decimal:
        return self.open_value / self.size if self.size else Decimal(0)


@dataclass(frozen=True, slots=True)
class SimTriggerOrder:
    """A conditional order: when the trigger price is reached it places a normal order."""

    id: str
    client_order_id: str | None
    account_id: str
    symbol: str
    kind: TriggerKind
    intent: OrderIntent
    size: Decimal
    trigger_price: Decimal
    #: None = the triggered order is a market order.
    execute_price: Decimal | None
    trigger_on_mark: bool
    status: TriggerStatus
    created_ms: int
    #: Preset TP/SL are not registered (neither listed nor armed) before this time.
    visible_from_ms: int
    triggered_order_id: str | None
    position_side: PositionSide
    #: True: fires when the price rises to >= trigger_price; False: when it falls to <= trigger_price.
    trigger_above: bool = True
    position_id: str | None = None
    margin_mode: MarginMode = MarginMode.CROSS
    updated_ms: int = 0
    triggered_ms: int | None = None
    #: Why a triggered order could not be placed (status "failed").
    fail_reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "untriggered"


@dataclass(frozen=True, slots=True)
class Bill:
    """One ledger entry. `amount` is the signed change of the wallet balance, net of `fee`,
    except for MARGIN_MOVE_IN/OUT, which move collateral between the account and an isolated
    position and leave the wallet unchanged (see `wallet_delta`)."""

    id: str
    account_id: str
    symbol: str | None
    type: BillType
    amount: Decimal
    balance_after: Decimal
    fee: Decimal
    timestamp: int

    @property
    def wallet_delta(self) -> Decimal:
        if self.type in (BillType.MARGIN_MOVE_IN, BillType.MARGIN_MOVE_OUT):
            return Decimal(0)
        return self.amount


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """Collateral of one account.

    equity = wallet + unrealised PnL; available = wallet + cross unrealised PnL - used - frozen,
    floored at 0 (isolated unrealised PnL backs only its own position, so it is left out).
    """

    account_id: str
    wallet_balance: Decimal
    equity: Decimal
    available: Decimal
    frozen: Decimal
    used_margin: Decimal
    unrealized_pnl: Decimal
    currency: str = "USDT"


@dataclass(frozen=True, slots=True)
class LeverageSetting:
    """Per account and symbol: margin mode and the leverage used for new long / short exposure."""

    symbol: str
    margin_mode: MarginMode
    long_leverage: int
    short_leverage: int


@dataclass(frozen=True, slots=True)
class MarketState:
    """Prices and 24-hour statistics of one symbol as the core last saw them."""

    symbol: str
    last: Decimal
    mark: Decimal
    index: Decimal
    bid: Decimal
    ask: Decimal
    timestamp: int
    high_24h: Decimal
    low_24h: Decimal
    volume_24h: Decimal
    quote_volume_24h: Decimal
    #: Price 24 h ago (the oldest price in the window), for a change percentage.
    open_24h: Decimal | None = None
    funding_rate: Decimal = Decimal("0.0001")
    #: Timestamp of the last funding settlement, None before the first.
    last_funding_ms: int | None = None
    #: The last completed bar's volume (base units), the depth model's scale; None: unknown.
    bar_volume: Decimal | None = None


@dataclass(frozen=True, slots=True)
class FundingRecord:
    """One funding settlement of one symbol (for funding-rate history endpoints)."""

    symbol: str
    rate: Decimal
    timestamp: int
