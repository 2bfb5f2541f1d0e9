"""Account bookkeeping: wallet, ledger, positions and the margin arithmetic over them.

The wallet balance is the ledger: it changes only through `Ledger.post`, which writes a `Bill`.
Positions keep `open_value` (sum of fill values) so that entry = open_value / size; a partial
close removes a proportional part of it (quantized to 8 decimals) and the rest stays exact, so
the realised PnL summed over a position's life equals close values minus open values exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from alphaloop.model import MarginMode, PositionSide
from alphaloop.venues.sim.core.book import ZERO, money
from alphaloop.venues.sim.core.types import Bill, BillType, SimPosition


@dataclass(slots=True)
class PositionState:
    """Mutable position record; `isolated_margin` is only meaningful in isolated mode."""

    id: str
    account_id: str
    symbol: str
    side: PositionSide
    leverage: int
    margin_mode: MarginMode
    created_ms: int
    updated_ms: int
    size: Decimal = ZERO
    open_value: Decimal = ZERO
    open_fee: Decimal = ZERO
    funding_fee: Decimal = ZERO
    isolated_margin: Decimal = ZERO
    auto_append_margin: bool = False
    cum_open_size: Decimal = ZERO
    cum_open_value: Decimal = ZERO
    cum_close_size: Decimal = ZERO
    cum_close_value: Decimal = ZERO
    cum_fee: Decimal = ZERO
    cum_funding: Decimal = ZERO

    @property
    def is_isolated(self) -> bool:
        return self.margin_mode is MarginMode.ISOLATED

    def margin(self) -> Decimal:
        """Margin the position uses: the isolated margin, or open_value / leverage when cross."""
        if self.is_isolated:
            return self.isolated_margin
        return money(self.open_value / self.leverage)

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        value = mark * self.size
        return value - self.open_value if self.side is PositionSide.LONG else self.open_value - value

    def maintenance_margin(self, mark: Decimal, rate: Decimal) -> Decimal:
        return mark * self.size * rate

    def add(self, amount: Decimal, value: Decimal, fee: Decimal, now_ms: int) -> None:
        """Apply an opening fill."""
        self.size += amount
        self.open_value += value
        self.open_fee += fee
        self.cum_open_size += amount
        self.cum_open_value += value
        self.cum_fee += fee
        if self.is_isolated:
            self.isolated_margin += money(value / self.leverage)
        self.updated_ms = now_ms

    def reduce(self, amount: Decimal, value: Decimal, fee: Decimal, now_ms: int) -> tuple[Decimal, Decimal]:
        """Apply a closing fill; returns (realised PnL, isolated margin released)."""
        if amount == self.size:
            closed_open_value = self.open_value
            released = self.isolated_margin
            open_fee_part = self.open_fee
            funding_part = self.funding_fee
        else:
            fraction = amount / self.size
            closed_open_value = money(self.open_value * fraction)
            released = money(self.isolated_margin * fraction)
            open_fee_part = money(self.open_fee * fraction)
            funding_part = money(self.funding_fee * fraction)
        pnl = value - closed_open_value if self.side is PositionSide.LONG else closed_open_value - value
        self.size -= amount
        self.open_value -= closed_open_value
        self.open_fee -= open_fee_part
        self.funding_fee -= funding_part
        self.isolated_margin -= released
        self.cum_close_size += amount
        self.cum_close_value += value
        self.cum_fee += fee
        self.updated_ms = now_ms
        return pnl, released


@dataclass(slots=True)
class AccountState:
    """One account: wallet + ledger, positions keyed by (symbol, side), per-symbol settings."""

    id: str
    wallet: Decimal = ZERO
    positions: dict[tuple[str, PositionSide], PositionState] = field(default_factory=dict)
    margin_modes: dict[str, MarginMode] = field(default_factory=dict)
    #: symbol -> (long leverage, short leverage); absent = the configured default.
    leverage: dict[str, tuple[int, int]] = field(default_factory=dict)
    bills: list[Bill] = field(default_factory=list)
    #: ids of this account's orders / fills / trigger orders, oldest first.
    order_ids: list[str] = field(default_factory=list)
    fill_ids: list[str] = field(default_factory=list)
    trigger_ids: list[str] = field(default_factory=list)
    #: ids of this account's open normal orders (insertion-ordered set).
    open_order_ids: dict[str, None] = field(default_factory=dict)

    def margin_mode(self, symbol: str) -> MarginMode:
        return self.margin_modes.get(symbol, MarginMode.CROSS)

    def sorted_positions(self, symbol: str | None = None) -> list[PositionState]:
        """Open positions sorted by symbol, long before short (deterministic)."""
        keys = sorted(
            (key for key in self.positions if symbol is None or key[0] == symbol),
            key=lambda key: (key[0], key[1] is PositionSide.SHORT),
        )
        return [self.positions[key] for key in keys]

    def find_position(self, position_id: str) -> PositionState | None:
        for position in self.positions.values():
            if position.id == position_id:
                return position
        return None

    def isolated_margin_total(self) -> Decimal:
        return sum((p.isolated_margin for p in self.positions.values() if p.is_isolated), ZERO)


def post(
    account: AccountState,
    bill_id: str,
    *,
    symbol: str | None,
    bill_type: BillType,
    amount: Decimal,
    fee: Decimal = ZERO,
    now_ms: int,
) -> Bill:
    """Change the wallet by `amount` (unless a margin move) and record the bill."""
    if bill_type not in (BillType.MARGIN_MOVE_IN, BillType.MARGIN_MOVE_OUT):
        account.wallet += amount
    bill = Bill(
        id=bill_id,
        account_id=account.id,
        symbol=symbol,
        type=bill_type,
        amount=amount,
        balance_after=account.wallet,
        fee=fee,
        timestamp=now_ms,
    )
    account.bills.append(bill)
    return bill


@dataclass(frozen=True, slots=True)
class MarginSummary:
    """Derived collateral figures of an account at the current marks."""

    wallet: Decimal
    unrealized_pnl: Decimal
    used_margin: Decimal
    frozen: Decimal
    #: Unrealised PnL of cross positions only: isolated profits cannot back other positions.
    cross_unrealized_pnl: Decimal = ZERO

    @property
    def equity(self) -> Decimal:
        return self.wallet + self.unrealized_pnl

    @property
    def available(self) -> Decimal:
        """wallet + cross upnl - used - frozen, floored at 0. Counting isolated unrealised profit
        (as equity - used - frozen would) lets isolated margins outgrow the wallet, and their
        liquidations then drive it negative."""
        return max(ZERO, self.wallet + self.cross_unrealized_pnl - self.used_margin - self.frozen)


def summarize(
    account: AccountState, marks: dict[str, Decimal], frozen_amounts: Iterable[Decimal]
) -> MarginSummary:
    upnl = ZERO
    cross_upnl = ZERO
    used = ZERO
    for position in account.positions.values():
        mark = marks.get(position.symbol)
        if mark is not None:
            pnl = position.unrealized_pnl(mark)
            upnl += pnl
            if not position.is_isolated:
                cross_upnl += pnl
        used += position.margin()
    return MarginSummary(account.wallet, upnl, used, sum(frozen_amounts, ZERO), cross_upnl)


def cross_positions(account: AccountState) -> Iterator[PositionState]:
    return (p for p in account.sorted_positions() if not p.is_isolated)


def cross_equity(account: AccountState, marks: dict[str, Decimal]) -> Decimal:
    """Collateral backing cross positions: wallet minus isolated margins plus cross unrealised PnL."""
    equity = account.wallet - account.isolated_margin_total()
    for position in cross_positions(account):
        mark = marks.get(position.symbol)
        if mark is not None:
            equity += position.unrealized_pnl(mark)
    return equity


def liquidation_price(
    account: AccountState, position: PositionState, marks: dict[str, Decimal], mm_rate: Decimal
) -> Decimal | None:
    """Estimated mark price at which the position would be liquidated, all else unchanged.

    Isolated: margin + upnl(p) = mm(p). Cross: the other cross positions are frozen at their
    current marks and their maintenance margin is set aside from the cross collateral.
    """
    if position.size == 0:
        return None
    if position.is_isolated:
        collateral = position.isolated_margin
    else:
        collateral = cross_equity(account, marks)
        own_mark = marks.get(position.symbol)
        if own_mark is not None:
            collateral -= position.unrealized_pnl(own_mark)
        for other in cross_positions(account):
            other_mark = marks.get(other.symbol)
            if other is not position and other_mark is not None:
                collateral -= other.maintenance_margin(other_mark, mm_rate)
    if position.side is PositionSide.LONG:
        price = (position.open_value - collateral) / (position.size * (1 - mm_rate))
    else:
        price = (position.open_value + collateral) / (position.size * (1 + mm_rate))
    return price if price > 0 else None


def snapshot_position(
    account: AccountState,
    position: PositionState,
    marks: dict[str, Decimal],
    mm_rate: Decimal,
    liq_price: Decimal | None,
) -> SimPosition:
    mark = marks.get(position.symbol)
    return SimPosition(
        id=position.id,
        account_id=account.id,
        symbol=position.symbol,
        side=position.side,
        size=position.size,
        open_value=position.open_value,
        open_fee=position.open_fee,
        funding_fee=position.funding_fee,
        leverage=position.leverage,
        margin_mode=position.margin_mode,
        margin=position.margin(),
        unrealized_pnl=position.unrealized_pnl(mark) if mark is not None else ZERO,
        liquidation_price=liq_price,
        auto_append_margin=position.auto_append_margin,
        created_ms=position.created_ms,
        updated_ms=position.updated_ms,
        cum_open_size=position.cum_open_size,
        cum_open_value=position.cum_open_value,
        cum_close_size=position.cum_close_size,
        cum_close_value=position.cum_close_value,
        cum_fee=position.cum_fee,
        cum_funding=position.cum_funding,
        mark_price=mark,
    )
