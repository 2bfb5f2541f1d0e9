"""The trader's risk gate inside a backtest: the same `risk/` rules, kill switches and states.

The trader, at each bar close, reads its equity, folds it into the kill-switch baseline
(`risk.update_baseline` then `risk.evaluate`: REDUCING on the daily drawdown, HALTED on the
total drawdown), plans the decision with `engine.planning.plan_orders` and sends each planned
order only if `risk.check_order` allows it against the account as it stands after the orders
already sent in that cycle. The backtest does the same, with two differences that do not change
what is decided:

* the kill switch reads the equity at every bar close, but in bulk (`KillSwitchTrack.observe`
  finds the first reading that changes the state with numpy, then calls `risk.evaluate` on it),
  so idle bars cost nothing; the readings between two processed bars use the wallet as it
  stands at the later one (funding settled in between moves it by a few basis points at most);
* the projected account after an order in the same bar is the backtest ledger itself, which has
  already filled it.

Order pacing (calls per second) is the trader's own wait, never a denial, so the gate sees no
recent calls; `orders_last_hour` and `last_entry_ms` count the orders this gate let through.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from alphaloop.backtest.summary import iso_time
from alphaloop.model import OrderIntent, Position, PositionSide
from alphaloop.risk import (
    DAILY_DRAWDOWN_REASON,
    Baseline,
    Denial,
    OrderProposal,
    RiskLimits,
    RiskView,
    TradingState,
    check_order,
    evaluate,
    update_baseline,
)
from alphaloop.risk.killswitch import DAY_MS

HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class StateChange:
    at_ms: int
    state: TradingState
    rule: str
    reason: str


class KillSwitchTrack:
    """The trader's kill-switch state over a run of equity readings (one per bar close)."""

    def __init__(self, limits: RiskLimits) -> None:
        self.limits = limits
        self.state = TradingState.ACTIVE
        self.reason = "started"
        self.since_ms = 0
        self.baseline: Baseline | None = None
        self.changes: list[StateChange] = []

    def observe(self, times_ms: Sequence[int] | np.ndarray, equity: Sequence[float] | np.ndarray) -> None:
        """Fold readings in, in time order; stops changing once HALTED (only a human resumes)."""
        t = np.asarray(times_ms, dtype=np.int64)
        e = np.asarray(equity, dtype=np.float64)
        if self._cannot_change(t, e):
            self._fold(t, e)
            return
        start = 0
        while start < len(t) and self.state is not TradingState.HALTED:
            if self.baseline is None:
                self._step(int(t[start]), float(e[start]))
                start += 1
                continue
            first = self._first_change(t[start:], e[start:])
            if first is None:
                self._fold(t[start:], e[start:])
                return
            if first:
                self._fold(t[start : start + first], e[start : start + first])
            self._step(int(t[start + first]), float(e[start + first]))
            start += first + 1

    # The exact rule, one reading: what the trader runs every cycle.
    def _step(self, now_ms: int, equity: float) -> None:
        self.baseline = update_baseline(self.baseline, equity, now_ms)
        change = evaluate(
            self.state, self.baseline, equity, now_ms, self.limits, reason=self.reason, since_ms=self.since_ms
        )
        if change is not None:
            self.state, self.reason, self.since_ms = change.state, change.reason, now_ms
            self.changes.append(StateChange(now_ms, change.state, change.rule, change.reason))

    def _cannot_change(self, t: np.ndarray, e: np.ndarray) -> bool:
        """A cheap bound (most stretches): every drawdown in the readings is at most
        (highest reference - lowest equity) / highest reference, below both limits; and a
        daily REDUCING state does not reach a new UTC day."""
        b = self.baseline
        if b is None or self.state is TradingState.HALTED or not len(e):
            return b is not None and len(e) == 0
        low, high = float(e.min()), float(e.max())
        if not (math.isfinite(low) and math.isfinite(high)) or low <= 0:
            return False
        if self.state is TradingState.REDUCING and int(t[-1]) // DAY_MS > self.since_ms // DAY_MS:
            return False
        reference = max(b.peak_equity, b.day_start_equity, high)
        return (reference - low) / reference < min(self.limits.daily_drawdown, self.limits.total_drawdown)

    def _fold(self, t: np.ndarray, e: np.ndarray) -> None:
        """Readings that change no state: only the baseline moves (peak, day's first equity)."""
        assert self.baseline is not None
        finite = np.isfinite(e)
        if not finite.any():
            return
        t, e = t[finite], e[finite]
        peak = max(self.baseline.peak_equity, float(e.max()))
        day = t // DAY_MS * DAY_MS
        last_day = int(day[-1])
        if last_day > self.baseline.day_start_ms:
            first_of_day = int(np.searchsorted(day, last_day, side="left"))
            self.baseline = Baseline(last_day, float(e[first_of_day]), peak, self.baseline.initial_equity)
        else:
            self.baseline = Baseline(
                self.baseline.day_start_ms, self.baseline.day_start_equity, peak, self.baseline.initial_equity
            )

    def _first_change(self, t: np.ndarray, e: np.ndarray) -> int | None:
        """Index of the first reading at which `evaluate` could change the state (a superset
        test is fine: `_step` then decides exactly), None if no reading can."""
        assert self.baseline is not None
        b = self.baseline
        finite = np.isfinite(e)
        values = np.where(finite, e, -np.inf)
        peak = np.maximum(np.maximum.accumulate(values), b.peak_equity)
        with np.errstate(divide="ignore", invalid="ignore"):
            total = np.where(peak > 0, (peak - e) / peak, 0.0)
        candidates = finite & (total >= self.limits.total_drawdown - 1e-12)
        day = t // DAY_MS * DAY_MS
        new_day = day > np.concatenate(([b.day_start_ms], day[:-1]))
        if self.state is TradingState.REDUCING:
            # The daily switch's REDUCING ends at the first reading of a later UTC day.
            if self.reason.startswith(DAILY_DRAWDOWN_REASON):
                candidates |= day > self.since_ms // DAY_MS * DAY_MS
        else:
            # Day's start equity: the baseline's until the first reading of a new day, then that one.
            marker = np.where(new_day, np.arange(len(t)), -1)
            np.maximum.accumulate(marker, out=marker)
            start_equity = np.where(marker >= 0, e[np.maximum(marker, 0)], b.day_start_equity)
            with np.errstate(divide="ignore", invalid="ignore"):
                daily = np.where(start_equity > 0, (start_equity - e) / start_equity, 0.0)
            candidates |= finite & (daily >= self.limits.daily_drawdown - 1e-12)
        hits = np.flatnonzero(candidates)
        return int(hits[0]) if len(hits) else None


class BacktestGate:
    """`risk.check_order` for the backtest's orders, with the counts the summary reports."""

    def __init__(self, symbols: Sequence[str], limits: RiskLimits) -> None:
        self.symbols = list(symbols)
        self.limits = limits
        self.kill_switch = KillSwitchTrack(limits)
        self.denials: Counter[str] = Counter()
        self.approved = 0
        self._last_entry_ms: dict[str, int] = {}
        self._order_times: deque[int] = deque()
        #: Every order let through, (ms, symbol, intent, amount), and every denial, (ms, symbol,
        #: rule): what the parity test holds against the trader's journal.
        self.sent: list[tuple[int, str, str, Decimal]] = []
        self.denied: list[tuple[int, str, str]] = []

    @property
    def state(self) -> TradingState:
        return self.kill_switch.state

    def check(
        self,
        *,
        symbol: str,
        intent: OrderIntent,
        amount: Decimal,
        price: Decimal,
        leverage: int,
        stop_loss: Decimal | None,
        take_profit: Decimal | None,
        now_ms: int,
        equity: float,
        available: float,
        positions: Sequence[Position],
    ) -> Denial | None:
        """The trader's verdict on one order; an approved order is counted as sent at `now_ms`."""
        while self._order_times and self._order_times[0] < now_ms - HOUR_MS:
            self._order_times.popleft()
        proposal = OrderProposal(
            symbol=symbol,
            intent=intent,
            amount=amount,
            price=price,
            leverage=leverage,
            client_oid="backtest",
            ai_log_stored=True,
            stop_loss=stop_loss,
            take_profit=take_profit,
        )
        view = RiskView(
            now_ms=now_ms,
            state=self.state,
            equity=_dec(equity),
            available=_dec(available),
            positions=positions,
            resting_orders=(),
            order_calls_ms=(),
            last_entry_ms=self._last_entry_ms,
            orders_last_hour=len(self._order_times),
        )
        denial = check_order(proposal, view, self.limits)
        if denial is not None:
            self.denials[denial.rule.value] += 1
            self.denied.append((now_ms, symbol, denial.rule.value))
            return denial
        self.approved += 1
        self.sent.append((now_ms, symbol, intent.value, amount))
        self._order_times.append(now_ms)
        if not intent.reduce_only:
            self._last_entry_ms[symbol] = now_ms
        return None

    def summary(self) -> dict[str, object]:
        """The summary's `risk` object."""
        halted = next((c for c in self.kill_switch.changes if c.state is TradingState.HALTED), None)
        reducing = sum(1 for c in self.kill_switch.changes if c.state is TradingState.REDUCING)
        return {
            "enabled": True,
            "denials": dict(sorted(self.denials.items())),
            "halted_at": None if halted is None else _iso(halted.at_ms),
            "halt_reason": None if halted is None else halted.reason,
            "reducing_days": reducing,
            "orders_approved": self.approved,
        }


def position_of(symbol: str, direction: int, size: float, open_value: float, leverage: int) -> Position:
    """A ledger position as the gate reads it (entry price = open value / size)."""
    entry = open_value / size if size else 0.0
    return Position(
        symbol=symbol,
        side=PositionSide.LONG if direction > 0 else PositionSide.SHORT,
        size=_dec(size),
        entry_price=_dec(entry),
        leverage=Decimal(leverage),
    )


def _dec(value: float) -> Decimal:
    return Decimal(repr(value)) if math.isfinite(value) else Decimal(0)


def _iso(ms: int) -> str:
    return iso_time(ms)
