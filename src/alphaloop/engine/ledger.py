"""Float perp accounting for backtests: the simulator core's rules, at the speed a backtest needs.

Why not call the core (`venues.sim.core.Exchange`) directly: it is exact (Decimal), general (many
accounts, resting orders, isolated margin) and costs tens of microseconds per call, which would
make a 5m backtest with thousands of trades slower than the tools we replace. This ledger
implements the subset a backtest uses (one account, cross margin, market orders, preset TP/SL,
funding, liquidation) with the same rules, in the same order, in floats:

* taker fee = value * taker rate; bid = ask = last on the tick grid (spread 0), then slippage;
* preset TP/SL armed `tpsl_delay_ms` after the fill, fired at their level when the path crosses
  it (at the current point when it is already beyond, or when a bar opens beyond it: a gap),
  liquidations checked at the level first;
* funding: longs pay size * mark * rate (shorts receive), never more than the wallet holds;
* cross liquidation when wallet + unrealised PnL <= maintenance margin at the marks, every
  position closed at its mark with the liquidation fee, the wallet floored at zero.

`tests/integration/engine/test_parity.py` runs the same backtests through this ledger and through
the core (every bar) and requires identical fills and equity to 1e-6.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from alphaloop.model.instruments import Instrument

NAN = math.nan

# Fill reasons, as recorded in FillRecord.reason.
OPEN, CLOSE, STOP_LOSS, TAKE_PROFIT, LIQUIDATION = "open", "close", "stop_loss", "take_profit", "liquidation"


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """The contract terms the ledger needs, as floats."""

    symbol: str
    taker_fee: float
    price_tick: float
    size_step: float
    min_size: float
    max_order_size: float
    price_decimals: int
    size_decimals: int

    @staticmethod
    def from_instrument(instrument: Instrument) -> SymbolSpec:
        return SymbolSpec(
            symbol=instrument.symbol,
            taker_fee=float(instrument.taker_fee),
            price_tick=float(instrument.price_tick),
            size_step=float(instrument.size_step),
            min_size=float(instrument.min_size),
            max_order_size=float(instrument.max_market_open_size or instrument.max_size),
            price_decimals=max(0, -instrument.price_tick.normalize().as_tuple().exponent),  # type: ignore[operator]
            size_decimals=max(0, -instrument.size_step.normalize().as_tuple().exponent),  # type: ignore[operator]
        )

    def floor_price(self, price: float) -> float:
        return round(math.floor(price / self.price_tick + 1e-9) * self.price_tick, self.price_decimals)

    def ceil_price(self, price: float) -> float:
        return round(math.ceil(price / self.price_tick - 1e-9) * self.price_tick, self.price_decimals)

    def round_price(self, price: float) -> float:
        return round(round(price / self.price_tick) * self.price_tick, self.price_decimals)

    def taker_price(self, side: int, last: float, slippage: float) -> float:
        """What a taker gets at `last` with a zero spread: the core's `taker_price` on the tick
        grid, moved adversely by `slippage`, never below one tick."""
        if side > 0:
            ask = self.ceil_price(last)
            return self.ceil_price(ask * (1 + slippage)) if slippage else ask
        bid = self.floor_price(last)
        price = self.floor_price(bid * (1 - slippage)) if slippage else bid
        return price if price > 0 else self.price_tick

    def floor_size(self, size: float) -> float:
        return round(math.floor(size / self.size_step + 1e-9) * self.size_step, self.size_decimals)


@dataclass(frozen=True, slots=True)
class LedgerConfig:
    maintenance_margin_rate: float = 0.005
    liquidation_fee_rate: float = 0.01
    slippage: float = 0.0
    tpsl_delay_ms: int = 1500
    #: The simulator's `DepthModel` (share of the last bar's volume within `depth_band` of the
    #: touch): market fills pay size / (2 * depth) beyond it. None: unlimited depth.
    depth_share: float | None = None
    depth_band: float = 0.01


class FillLog:
    """Fills as columns: a backtest appends thousands and reads them back as numpy arrays."""

    __slots__ = (
        "fee",
        "funding",
        "price",
        "realized_pnl",
        "reason",
        "side",
        "signed_size_after",
        "signed_value_after",
        "size",
        "symbol",
        "timestamp",
    )

    def __init__(self) -> None:
        self.timestamp: list[int] = []
        self.symbol: list[int] = []
        self.side: list[int] = []  # +1 buy, -1 sell
        self.size: list[float] = []
        self.price: list[float] = []
        self.fee: list[float] = []
        self.realized_pnl: list[float] = []
        self.reason: list[str] = []
        #: For closing fills: funding the position paid (+) or received (-) while open.
        self.funding: list[float] = []
        #: The symbol's position after the fill: signed size and signed open value.
        self.signed_size_after: list[float] = []
        self.signed_value_after: list[float] = []

    def __len__(self) -> int:
        return len(self.timestamp)

    def add(
        self,
        timestamp: int,
        symbol: int,
        side: int,
        size: float,
        price: float,
        fee: float,
        realized_pnl: float,
        reason: str,
        funding: float,
        signed_size_after: float,
        signed_value_after: float,
    ) -> None:
        self.timestamp.append(timestamp)
        self.symbol.append(symbol)
        self.side.append(side)
        self.size.append(size)
        self.price.append(price)
        self.fee.append(fee)
        self.realized_pnl.append(realized_pnl)
        self.reason.append(reason)
        self.funding.append(funding)
        self.signed_size_after.append(signed_size_after)
        self.signed_value_after.append(signed_value_after)


class PerpLedger:
    """One cross-margin account over symbols indexed 0..n-1; at most one side per symbol."""

    def __init__(self, specs: list[SymbolSpec], balance: float, leverage: list[int], config: LedgerConfig):
        n = len(specs)
        self.specs = specs
        self.config = config
        self.wallet = balance
        self.leverage = list(leverage)
        self.last = [NAN] * n
        #: The last completed bar's volume per symbol (base units), for the depth model.
        self.volume = [NAN] * n
        self.direction = [0] * n
        self.size = [0.0] * n
        self.open_value = [0.0] * n
        self.stop = [NAN] * n
        self.target = [NAN] * n
        self.armed_ms = [0] * n
        #: Funding paid (+) / received (-) by the open position, for its trade record.
        self.position_funding = [0.0] * n
        self.fills = FillLog()
        #: Wallet changes that are not fills: (ts, amount), funding and liquidation shortfalls.
        self.wallet_events: list[tuple[int, float]] = []
        self.open_symbols: list[int] = []
        #: Losses beyond the collateral that the venue absorbed at a liquidation: (ts, amount > 0).
        self.shortfalls: list[tuple[int, float]] = []
        self.liquidations = 0
        self.fees_paid = 0.0
        self.funding_paid = 0.0

    # ----------------------------------------------------------------- queries
    def unrealized(self, i: int, mark: float) -> float:
        d = self.direction[i]
        return d * (self.size[i] * mark - self.open_value[i]) if d else 0.0

    def equity(self) -> float:
        return self.wallet + sum(self.unrealized(i, self.last[i]) for i in self.open_symbols)

    def used_margin(self) -> float:
        return sum(self.open_value[i] / self.leverage[i] for i in self.open_symbols)

    def available(self) -> float:
        return max(0.0, self.equity() - self.used_margin())

    def taker_price(self, i: int, side: int, last: float, size: float = 0.0) -> float:
        return self.specs[i].taker_price(side, last, self.config.slippage + self.impact(i, size))

    def impact(self, i: int, size: float) -> float:
        """The depth model's average adverse fraction for a market order of `size` on symbol i."""
        share, volume = self.config.depth_share, self.volume[i]
        if share is None or size <= 0 or not volume > 0:
            return 0.0
        return size / (2 * (share * volume / self.config.depth_band))

    def set_volume(self, i: int, volume: float) -> None:
        self.volume[i] = volume

    # ----------------------------------------------------------------- market
    def set_mark(self, i: int, price: float) -> None:
        """Move the mark without any check: used to resync after bars that provably changed nothing."""
        self.last[i] = price

    def price_point(self, i: int, price: float, now_ms: int, gap: bool = False) -> None:
        """One trade price on symbol i: TP/SL that the move crossed, then liquidation, then TP/SL
        already beyond their level (the core's `fire_triggers` order). `gap`: nothing traded
        since the previous price (a bar's open), so a level in between fills at this price."""
        previous = self.last[i]
        self.last[i] = price
        d = self.direction[i]
        if (
            d
            and now_ms >= self.armed_ms[i]
            and (self.stop[i] == self.stop[i] or self.target[i] == self.target[i])
        ):
            stop, target = self.stop[i], self.target[i]
            # For a long the stop fires at or below its level and the target at or above.
            stop_hit = stop == stop and (price <= stop if d > 0 else price >= stop)
            target_hit = target == target and (price >= target if d > 0 else price <= target)
            if stop_hit or target_hit:
                level = stop if stop_hit else target
                was_reached = gap or (
                    previous == previous
                    and (
                        (previous <= level if d > 0 else previous >= level)
                        if stop_hit
                        else (previous >= level if d > 0 else previous <= level)
                    )
                )
                reason = STOP_LOSS if stop_hit else TAKE_PROFIT
                if not was_reached:
                    self.last[i] = level
                    self._check_liquidation(now_ms)
                    if self.direction[i]:
                        self._close(i, self.taker_price(i, -d, level, self.size[i]), now_ms, reason)
                    self.last[i] = price
                    self._check_liquidation(now_ms)
                    return
                self._check_liquidation(now_ms)
                if self.direction[i]:
                    self._close(i, self.taker_price(i, -d, price, self.size[i]), now_ms, reason)
                return
        if self.open_symbols:
            self._check_liquidation(now_ms)

    def settle_funding(self, i: int, rate: float, now_ms: int) -> float:
        """Settle funding at the mark; returns the amount the account paid (+) or received (-)."""
        d = self.direction[i]
        if not d:
            return 0.0
        due = self.size[i] * self.last[i] * rate
        paid = due if d > 0 else -due
        if paid > 0:
            paid = min(paid, max(self.wallet, 0.0))
        self.wallet -= paid
        self.wallet_events.append((now_ms, -paid))
        self.position_funding[i] += paid
        self.funding_paid += paid
        self._check_liquidation(now_ms)
        return paid

    def settle_funding_batch(self, i: int, times: list[int], paid: list[float]) -> None:
        """Settlements computed by the caller (amounts paid, same rule as `settle_funding`) for a
        stretch where the wallet provably covers them and no liquidation is possible."""
        for now_ms, amount in zip(times, paid, strict=True):
            self.wallet -= amount
            self.wallet_events.append((now_ms, -amount))
            self.position_funding[i] += amount
            self.funding_paid += amount

    # ----------------------------------------------------------------- trading
    def open(
        self, i: int, direction: int, size: float, price: float, now_ms: int, stop: float, target: float
    ) -> None:
        """Open (or add to) the `direction` side at `price` (already the taker price)."""
        spec = self.specs[i]
        value = price * size
        fee = value * spec.taker_fee
        self.wallet -= fee
        self.fees_paid += fee
        if not self.direction[i]:
            self.direction[i] = direction
            self.open_symbols.append(i)
            self.open_symbols.sort()
            self.position_funding[i] = 0.0
        self.size[i] += size
        self.open_value[i] += value
        # A preset TP/SL on a later fill would add a second pair of triggers on the core; the
        # engine never adds to a position, so one pair per position is all we model.
        self.stop[i], self.target[i] = stop, target
        self.armed_ms[i] = now_ms + self.config.tpsl_delay_ms
        d = self.direction[i]
        self.fills.add(
            now_ms, i, direction, size, price, fee, 0.0, OPEN, 0.0, d * self.size[i], d * self.open_value[i]
        )

    def close(self, i: int, now_ms: int, reason: str = CLOSE) -> None:
        d = self.direction[i]
        if d:
            self._close(i, self.taker_price(i, -d, self.last[i], self.size[i]), now_ms, reason)

    def _close(self, i: int, price: float, now_ms: int, reason: str, fee_rate: float | None = None) -> None:
        d = self.direction[i]
        size = self.size[i]
        value = price * size
        fee = value * (self.specs[i].taker_fee if fee_rate is None else fee_rate)
        pnl = d * (value - self.open_value[i])
        self.wallet += pnl - fee
        self.fees_paid += fee
        self.direction[i] = 0
        self.size[i] = 0.0
        self.open_value[i] = 0.0
        self.stop[i] = self.target[i] = NAN
        self.open_symbols.remove(i)
        self.fills.add(now_ms, i, -d, size, price, fee, pnl, reason, self.position_funding[i], 0.0, 0.0)

    def _check_liquidation(self, now_ms: int) -> None:
        if not self.open_symbols:
            return
        rate = self.config.maintenance_margin_rate
        equity = self.wallet
        maintenance = 0.0
        for i in self.open_symbols:
            mark = self.last[i]
            equity += self.direction[i] * (self.size[i] * mark - self.open_value[i])
            maintenance += mark * self.size[i] * rate
        if equity > maintenance:
            return
        self.liquidations += len(self.open_symbols)
        for i in list(self.open_symbols):
            self._close(i, self.last[i], now_ms, LIQUIDATION, fee_rate=self.config.liquidation_fee_rate)
        # Losses beyond the collateral are absorbed by the venue: a balance never ends negative.
        if self.wallet < 0:
            self.wallet_events.append((now_ms, -self.wallet))
            self.shortfalls.append((now_ms, -self.wallet))
            self.wallet = 0.0
