"""The simulator core behind the backtest driver's ledger interface: the exact (Decimal) reference.

`backtest --exact` and the parity tests run every bar through this adapter; the float
`PerpLedger` must reproduce its fills, fees, funding and liquidations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from alphaloop.engine.ledger import CLOSE, LIQUIDATION, OPEN, STOP_LOSS, TAKE_PROFIT, FillLog, SymbolSpec
from alphaloop.model.account import MarginMode
from alphaloop.model.instruments import Instrument
from alphaloop.model.orders import OrderIntent, OrderRequest, OrderType
from alphaloop.venues.sim.core import BillType, Exchange, ExchangeConfig, SimFill, TriggerKind

ACCOUNT = "backtest"


def _dec(value: float) -> Decimal:
    # repr gives the shortest decimal that round-trips: the CSV's own digits for prices.
    return Decimal(repr(value))


class CoreLedger:
    def __init__(
        self, instruments: Sequence[Instrument], balance: float, leverage: int, config: ExchangeConfig
    ) -> None:
        self.exchange = Exchange({i.symbol: i for i in instruments}, config)
        self.exchange.open_account(ACCOUNT, _dec(balance))
        self.names = [i.symbol for i in instruments]
        self.index = {s: k for k, s in enumerate(self.names)}
        self.specs = [SymbolSpec.from_instrument(i) for i in instruments]
        self.slippage = float(config.market_slippage)
        for symbol in self.names:
            self.exchange.set_leverage(
                ACCOUNT,
                symbol,
                long_leverage=leverage,
                short_leverage=leverage,
                margin_mode=MarginMode.CROSS,
                now_ms=0,
            )
        n = len(instruments)
        self.leverage = [leverage] * n
        self.wallet = balance
        self.direction = [0] * n
        self.size = [0.0] * n
        self.open_value = [0.0] * n
        self.stop = [math.nan] * n
        self.target = [math.nan] * n
        self.last = [math.nan] * n
        self.volume = [math.nan] * n
        self.position_funding = [0.0] * n
        self.fills = FillLog()
        self.wallet_events: list[tuple[int, float]] = []
        #: Losses beyond the collateral the venue absorbed at a liquidation: (ts, amount > 0).
        self.shortfalls: list[tuple[int, float]] = []
        self.open_symbols: list[int] = []
        self.liquidations = 0
        self.fees_paid = 0.0
        self.funding_paid = 0.0

    # ---------------------------------------------------------------- queries
    def equity(self) -> float:
        return float(self.exchange.account(ACCOUNT).equity)

    def available(self) -> float:
        return float(self.exchange.account(ACCOUNT).available)

    def taker_price(self, i: int, side: int, last: float, size: float = 0.0) -> float:
        depth = self.exchange.config.depth
        impact = 0.0
        if depth is not None and size > 0 and self.volume[i] > 0:
            impact = float(depth.impact(_dec(size), _dec(self.volume[i])))
        return self.specs[i].taker_price(side, last, self.slippage + impact)

    def set_volume(self, i: int, volume: float) -> None:
        self.volume[i] = volume
        if volume == volume and self.last[i] == self.last[i]:
            self.exchange.set_bar_volume(self.names[i], _dec(volume))

    # ---------------------------------------------------------------- market
    def set_mark(self, i: int, price: float) -> None:
        raise NotImplementedError("the exact ledger replays every price point; it never skips bars")

    def price_point(self, i: int, price: float, now_ms: int, gap: bool = False) -> None:
        self.last[i] = price
        fills = self.exchange.update_price(self.names[i], _dec(price), now_ms=now_ms, gap=gap)
        self._book(fills, now_ms)

    def settle_funding(self, i: int, rate: float, now_ms: int) -> float:
        bills = self.exchange.settle_funding(self.names[i], _dec(rate), now_ms=now_ms)
        paid = 0.0
        for bill in bills:
            if bill.account_id != ACCOUNT:
                continue
            amount = float(bill.amount)
            paid -= amount
            self.wallet_events.append((now_ms, amount))
        self.position_funding[i] += paid
        self.funding_paid += paid
        self._refresh()
        return paid

    def settle_funding_batch(self, i: int, times: list[int], paid: list[float]) -> None:
        raise NotImplementedError("the exact ledger settles every funding through the core")

    # ---------------------------------------------------------------- trading
    def open(
        self, i: int, direction: int, size: float, price: float, now_ms: int, stop: float, target: float
    ) -> None:
        request = OrderRequest(
            symbol=self.names[i],
            intent=OrderIntent.OPEN_LONG if direction > 0 else OrderIntent.OPEN_SHORT,
            amount=_dec(size),
            order_type=OrderType.MARKET,
            stop_loss_price=None if stop != stop else _dec(stop),
            take_profit_price=None if target != target else _dec(target),
        )
        self.exchange.place_order(ACCOUNT, request, now_ms=now_ms)
        self.stop[i], self.target[i] = stop, target
        self._book(self.exchange.fills(ACCOUNT, since_ms=now_ms)[-1:], now_ms)

    def close(self, i: int, now_ms: int, reason: str = CLOSE) -> None:
        d = self.direction[i]
        if not d:
            return
        request = OrderRequest(
            symbol=self.names[i],
            intent=OrderIntent.CLOSE_LONG if d > 0 else OrderIntent.CLOSE_SHORT,
            amount=_dec(self.size[i]),
            order_type=OrderType.MARKET,
        )
        self.exchange.place_order(ACCOUNT, request, now_ms=now_ms)
        self._book(self.exchange.fills(ACCOUNT, since_ms=now_ms)[-1:], now_ms)

    # ---------------------------------------------------------------- bookkeeping
    def _reason(self, fill: SimFill) -> str:
        if fill.is_liquidation:
            return LIQUIDATION
        if not fill.intent.reduce_only:
            return OPEN
        order = self.exchange.order(ACCOUNT, order_id=fill.order_id)
        if order.trigger_order_id is None:
            return CLOSE
        kind = self.exchange.trigger_order(ACCOUNT, order.trigger_order_id).kind
        return STOP_LOSS if kind is TriggerKind.STOP_LOSS else TAKE_PROFIT

    def _book(self, fills: Sequence[SimFill], now_ms: int) -> None:
        liquidated = False
        for fill in fills:
            if fill.account_id != ACCOUNT:
                continue
            i = self.index[fill.symbol]
            reason = self._reason(fill)
            side = 1 if fill.side.value == "buy" else -1
            fee = float(fill.fee)
            pnl = float(fill.realized_pnl)
            self.fees_paid += fee
            if reason == OPEN:
                d = side
                self.size[i] += float(fill.amount)
                self.open_value[i] += float(fill.value)
                self.fills.add(
                    fill.timestamp, i, side, float(fill.amount), float(fill.price), fee, pnl, reason,
                    0.0, d * self.size[i], d * self.open_value[i],
                )  # fmt: skip
                self.direction[i] = d
            else:
                self.fills.add(
                    fill.timestamp, i, side, float(fill.amount), float(fill.price), fee, pnl, reason,
                    self.position_funding[i], 0.0, 0.0,
                )  # fmt: skip
                self.size[i] = self.open_value[i] = 0.0
                self.direction[i] = 0
                self.position_funding[i] = 0.0
                self.stop[i] = self.target[i] = math.nan
                if reason == LIQUIDATION:
                    self.liquidations += 1
                    liquidated = True
        if liquidated:
            for bill in self.exchange.bills(ACCOUNT, since_ms=now_ms):
                if bill.type is BillType.FINISH_LIQUIDATE and bill.amount:
                    self.wallet_events.append((now_ms, float(bill.amount)))
                    self.shortfalls.append((now_ms, float(bill.amount)))
        self._refresh()

    def _refresh(self) -> None:
        self.wallet = float(self.exchange.account(ACCOUNT).wallet_balance)
        self.open_symbols = sorted(i for i in range(len(self.names)) if self.direction[i])
