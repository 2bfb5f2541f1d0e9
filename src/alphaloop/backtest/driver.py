"""The backtest clock: replays bars through a ledger, doing work only where something happens.

Every bar b is, in this order (the same order for every ledger, so results compare exactly):

1. open: each symbol's open price is a price point at ts_b (TP/SL, liquidation);
2. funding: settlements due at ts_b, at the marks just set;
3. orders: the signals decided at the close of bar b-1 are executed at b's open (closes first,
   then entries, symbols in order), sized at that moment's equity;
4. path: the rest of each symbol's bar, open -> low -> high -> close for a rising bar and
   open -> high -> low -> close for a falling one, at ts_b + step - 1.

With `skip_idle_bars` (the fast path) only "event bars" run those steps: bars with orders or
funding, plus bars where a stop/target level is reached or where a liquidation is possible by a
conservative bound (every open position at its worst price of the bar at once). Before an event
bar the marks are set to the previous bar's closes, which is exactly where a full replay would
have left them, because nothing could fire in between. The exact path (`skip_idle_bars=False`,
any ledger including the simulator core) runs every bar; the parity test compares the two.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from alphaloop.backtest.driver_output import build_result
from alphaloop.backtest.gate import BacktestGate
from alphaloop.backtest.gated import execute_gated
from alphaloop.backtest.result import BacktestResult
from alphaloop.decision.base import SymbolPlan
from alphaloop.engine.ledger import FillLog, SymbolSpec
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.model import Instrument, Position
from alphaloop.model.frame import MarketFrame

_NAN = math.nan
#: Bars searched at once for a stop/target hit before widening the window (most trades are short).
_FIRST_WINDOW = 512


class Ledger(Protocol):
    """What the driver needs from an account: the float `PerpLedger` or the simulator core."""

    wallet: float
    direction: list[int]
    size: list[float]
    open_value: list[float]
    stop: list[float]
    target: list[float]
    last: list[float]
    position_funding: list[float]
    fills: FillLog
    wallet_events: list[tuple[int, float]]
    shortfalls: list[tuple[int, float]]
    open_symbols: list[int]
    liquidations: int
    fees_paid: float
    funding_paid: float
    leverage: list[int]

    def equity(self) -> float: ...
    def available(self) -> float: ...
    def taker_price(self, i: int, side: int, last: float, size: float = ...) -> float: ...
    def set_volume(self, i: int, volume: float) -> None: ...
    def set_mark(self, i: int, price: float) -> None: ...
    def price_point(self, i: int, price: float, now_ms: int, gap: bool = False) -> None: ...
    def settle_funding(self, i: int, rate: float, now_ms: int) -> float: ...
    def settle_funding_batch(self, i: int, times: list[int], paid: list[float]) -> None: ...
    def open(
        self, i: int, direction: int, size: float, price: float, now_ms: int, stop: float, target: float
    ) -> None: ...
    def close(self, i: int, now_ms: int, reason: str = ...) -> None: ...


@dataclass(frozen=True, slots=True)
class DriverOptions:
    initial_equity: float = 10_000.0
    sizing: SizingPolicy = field(default_factory=SizingPolicy)
    maintenance_margin_rate: float = 0.005
    skip_idle_bars: bool = True
    #: The trader's stop when a model gives none (`TraderConfig.fallback_stop_fraction`).
    fallback_stop_fraction: float = 0.03


@dataclass(slots=True)
class DriverStats:
    bars: int = 0
    event_bars: int = 0
    skipped_entries: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped_entries += 1
        self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + 1


class _Series:
    """One symbol's arrays plus what the search needs, computed once."""

    __slots__ = (
        "close",
        "ffill_close",
        "global_high",
        "global_low",
        "high",
        "low",
        "open",
        "previous_volume",
        "valid",
    )

    def __init__(self, frame: MarketFrame, symbol: str) -> None:
        bars = frame.bars[symbol]
        self.open, self.high, self.low, self.close = bars.open, bars.high, bars.low, bars.close
        #: The volume of the bar before each bar: the depth a fill in that bar meets.
        self.previous_volume = np.concatenate(([np.nan], bars.volume[:-1])).tolist()
        valid = ~np.isnan(bars.close)
        self.valid = valid
        if valid.all():
            self.ffill_close = bars.close
        else:
            index = np.where(valid, np.arange(len(valid)), 0)
            np.maximum.accumulate(index, out=index)
            self.ffill_close = np.where(valid[index], bars.close[index], np.nan)
        any_valid = bool(valid.any())
        self.global_low = float(np.nanmin(bars.low)) if any_valid else _NAN
        self.global_high = float(np.nanmax(bars.high)) if any_valid else _NAN


class _FundingRun:
    """Settlements of one open position over a stretch of bars: bars, times and amounts paid."""

    __slots__ = ("bars", "paid", "symbol", "times")

    def __init__(self, symbol: int, bars: list[int], times: list[int], paid: list[float]) -> None:
        self.symbol, self.bars, self.times, self.paid = symbol, bars, times, paid


def batch_floor(wallet: float, runs: Sequence[_FundingRun]) -> float:
    """The lowest wallet the settlements reach, in time order."""
    if not runs:
        return wallet
    if len(runs) == 1:
        events: list[tuple[int, float]] = list(zip(runs[0].bars, runs[0].paid, strict=True))
    else:
        events = sorted((bar, paid) for run in runs for bar, paid in zip(run.bars, run.paid, strict=True))
    lowest = current = wallet
    for _, paid in events:
        current -= paid
        lowest = min(lowest, current)
    return lowest


def _path_after_open(o: float, h: float, low: float, c: float) -> list[float]:
    points = [o, low, h, c] if c >= o else [o, h, low, c]
    path: list[float] = []
    previous = o
    for p in points[1:]:
        if p != previous:
            path.append(p)
            previous = p
    return path


class BacktestDriver:
    def __init__(
        self,
        frame: MarketFrame,
        plans: Mapping[str, SymbolPlan],
        specs: Sequence[SymbolSpec],
        ledger: Ledger,
        options: DriverOptions,
        *,
        strategy: str = "",
        gate: BacktestGate | None = None,
        instruments: Sequence[Instrument] = (),
    ) -> None:
        """With a `gate`, orders are planned by the trader's `plan_orders` (needs `instruments`)
        and each goes through the trader's risk gate; without one, the plans are executed as
        given (the reference accounting mode)."""
        if gate is not None and len(instruments) != len(frame.bars):
            raise ValueError("a gated backtest needs the instruments of the frame's symbols")
        self.gate = gate
        self.instruments = {i.symbol: i for i in instruments}
        #: (fill count, positions) for the gate: positions change only at fills.
        self.positions_cache: tuple[int, list[Position]] | None = None
        self._observed = 0
        self.frame = frame
        self.symbols = list(frame.bars)
        if [s.symbol for s in specs] != self.symbols:
            raise ValueError("specs must follow the frame's symbols, in order")
        self.plans = [plans[s] for s in self.symbols]
        self.specs = list(specs)
        self.ledger = ledger
        self.options = options
        self.strategy = strategy
        self.series = [_Series(frame, s) for s in self.symbols]
        self.n = len(frame.ts)
        self.step = frame.step_ms
        self.stats = DriverStats(bars=self.n)
        self._hit_bar = [self.n] * len(self.symbols)
        # Funding settlements per symbol as plain lists (bar, time, rate, the bar's open):
        # `bisect` and a short loop beat numpy calls on the few settlements between two events.
        self._fund_list: list[list[int]] = [[] for _ in self.symbols]
        self._fund_ts: list[list[int]] = [[] for _ in self.symbols]
        self._fund_rates: list[list[float]] = [[] for _ in self.symbols]
        self._fund_open: list[list[float]] = [[] for _ in self.symbols]
        #: (wallet, fill count) for which "no liquidation at any price of the run" was shown.
        self._safe_state: tuple[float, int] | None = None

    # ---------------------------------------------------------------- schedule
    def _static_events(self) -> tuple[np.ndarray, dict[int, list[tuple[int, float]]], dict[int, list[int]]]:
        """Bars with orders (sorted), funding by bar, order symbols by bar."""
        n = self.n
        funding_at: dict[int, list[tuple[int, float]]] = {}
        orders_at: dict[int, list[int]] = {}
        parts = []
        for i, symbol in enumerate(self.symbols):
            plan = self.plans[i]
            decided = np.flatnonzero((plan.entry != 0) | plan.exit)
            execute = decided + 1
            execute = execute[execute < n]
            parts.append(execute)
            for b in execute.tolist():
                orders_at.setdefault(b, []).append(i)
            funding = self.frame.funding.get(symbol)
            if funding is not None and len(funding.ts):
                bars = np.searchsorted(self.frame.ts, funding.ts, side="left")
                inside = bars < n
                fb, rates = bars[inside], funding.rate[inside]
                self._fund_list[i] = fb.tolist()
                self._fund_ts[i] = self.frame.ts[fb].tolist()
                self._fund_rates[i] = rates.tolist()
                self._fund_open[i] = self.series[i].open[fb].tolist()
                for b, rate in zip(fb.tolist(), rates.tolist(), strict=True):
                    funding_at.setdefault(b, []).append((i, rate))
        events = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
        return events, funding_at, orders_at

    # ---------------------------------------------------------------- run
    def run(self, on_close: Callable[[int], Sequence[int]] | None = None) -> BacktestResult:
        """Replay the frame. `on_close(b)`, for models that decide bar by bar, is called after
        each bar with the ledger in its end-of-bar state; it writes its signals into the plans at
        index b and returns the symbols that have one (executed at bar b + 1)."""
        events, funding_at, orders_at = self._static_events()
        if on_close is not None or not self.options.skip_idle_bars:
            for b in range(self.n):
                self._process_every_symbol(b, funding_at.get(b, ()), orders_at.get(b, ()))
                if on_close is not None and b + 1 < self.n:
                    symbols = on_close(b)
                    if symbols:
                        orders_at[b + 1] = sorted(set(orders_at.get(b + 1, [])) | set(symbols))
            return self._result()
        position = -1  # the last processed bar
        for nxt in [*events.tolist(), self.n]:
            while True:
                computed = self._funding_batch(position + 1, nxt)
                batch: list[_FundingRun] = []
                if computed is None:
                    # Funding could matter for a liquidation (or lacks a price): settle it bar by bar.
                    stop = self._next_funding_bar(position + 1, nxt)
                    floor = self.ledger.wallet
                else:
                    batch, floor = computed
                    stop = nxt
                risk = self._next_risk_bar(position + 1, stop, floor)
                if risk < stop:
                    self._settle_batch(batch, risk)
                    self._process_bar(risk, funding_at.get(risk, ()), ())
                    position = risk
                    continue
                self._settle_batch(batch, stop)
                if stop < nxt:
                    self._process_bar(stop, funding_at.get(stop, ()), ())
                    position = stop
                    continue
                break
            if nxt < self.n:
                self._process_bar(nxt, funding_at.get(nxt, ()), orders_at.get(nxt, ()))
                position = nxt
        return self._result()

    # ---------------------------------------------------------------- funding between events
    def _funding_batch(self, start: int, end: int) -> tuple[list[_FundingRun], float] | None:
        """The funding every open position pays in [start, end), and the lowest wallet it leaves,
        computed at once (the position is constant there and each settlement's mark is its bar's
        open). None when batching is not exact: a settlement without a price, or one that could
        exhaust the wallet. Plain Python: a stretch holds a handful of settlements at most."""
        ledger = self.ledger
        runs: list[_FundingRun] = []
        for i in ledger.open_symbols:
            listed = self._fund_list[i]
            lo, hi = bisect_left(listed, start), bisect_left(listed, end)
            if lo == hi:
                continue
            size, direction = ledger.size[i], ledger.direction[i]
            paid = []
            for mark, rate in zip(self._fund_open[i][lo:hi], self._fund_rates[i][lo:hi], strict=True):
                if mark != mark:
                    return None
                due = size * mark * rate
                paid.append(due if direction > 0 else -due)
            runs.append(_FundingRun(i, listed[lo:hi], self._fund_ts[i][lo:hi], paid))
        floor = batch_floor(ledger.wallet, runs)
        return (runs, floor) if floor >= 0 else None

    def _next_funding_bar(self, start: int, end: int) -> int:
        first = end
        for i in self.ledger.open_symbols:
            listed = self._fund_list[i]
            k = bisect_left(listed, start)
            if k < len(listed) and listed[k] < first:
                first = listed[k]
        return first

    def _settle_batch(self, runs: Sequence[_FundingRun], stop: int) -> None:
        for run in runs:
            k = bisect_left(run.bars, stop)
            if k:
                self.ledger.settle_funding_batch(run.symbol, run.times[:k], run.paid[:k])

    # ---------------------------------------------------------------- one bar
    def _process_every_symbol(
        self, b: int, funding: Sequence[tuple[int, float]], orders: Sequence[int]
    ) -> None:
        """The reference replay: every symbol, every price point (no skipping, no resync)."""
        ledger = self.ledger
        ts = int(self.frame.ts[b])
        self.stats.event_bars += 1
        if self.gate is not None:
            self._observe_until(b)
        live = [i for i, s in enumerate(self.series) if s.valid[b]]
        for i in live:
            ledger.set_volume(i, self.series[i].previous_volume[b])
            ledger.price_point(i, float(self.series[i].open[b]), ts, gap=True)
        for i, rate in funding:
            if ledger.direction[i] and ledger.last[i] == ledger.last[i]:
                ledger.settle_funding(i, rate, ts)
        if orders:
            self._execute(b - 1, b, ts, orders)
        inside = ts + self.step - 1
        for i in live:
            self._path(i, b, inside)

    def _path(self, i: int, b: int, now_ms: int) -> None:
        s = self.series[i]
        for point in _path_after_open(float(s.open[b]), float(s.high[b]), float(s.low[b]), float(s.close[b])):
            self.ledger.price_point(i, point, now_ms)

    def _process_bar(self, b: int, funding: Sequence[tuple[int, float]], orders: Sequence[int]) -> None:
        """One event bar of the fast path: exact price points only where something can fire.

        A symbol's points are replayed when its stop/target is reached in this bar or when a
        liquidation is possible; otherwise its mark is simply moved (open, then close), which
        is all a full replay would have done to it.
        """
        ledger = self.ledger
        series = self.series
        ts = int(self.frame.ts[b])
        self.stats.event_bars += 1
        if self.gate is not None:
            self._observe_until(b)
        for i in {*ledger.open_symbols, *orders}:
            ledger.set_volume(i, series[i].previous_volume[b])
        liquidation = self._liquidation_possible(b)
        exact = [i for i in ledger.open_symbols if liquidation or self._hit_bar[i] == b]
        for i in exact:
            previous = series[i].ffill_close[b - 1] if b else math.nan
            if previous == previous:
                ledger.set_mark(i, float(previous))
        for i in exact:
            if series[i].valid[b]:
                ledger.price_point(i, float(series[i].open[b]), ts, gap=True)
        # Other marks are only read for funding, orders and sizing: moved there, on demand.
        for i, rate in funding:
            if ledger.direction[i]:
                if i not in exact and series[i].valid[b]:
                    ledger.set_mark(i, float(series[i].open[b]))
                if ledger.last[i] == ledger.last[i]:
                    ledger.settle_funding(i, rate, ts)
        if orders:
            for i in orders:
                if i not in exact and series[i].valid[b]:
                    ledger.set_mark(i, float(series[i].open[b]))
            self._execute(b - 1, b, ts, orders, exact)
            if not liquidation:
                liquidation = self._liquidation_possible(b)
        inside = ts + self.step - 1
        if liquidation:
            # Every open position's points are replayed; each starts from this bar's open.
            for i in ledger.open_symbols:
                if i not in exact:
                    self._mark_at_open(i, b)
        for i in list(ledger.open_symbols):
            if (liquidation or self._hit_bar[i] == b) and series[i].valid[b]:
                self._path(i, b, inside)

    def _mark_at_open(self, i: int, b: int) -> None:
        s = self.series[i]
        if s.valid[b]:
            self.ledger.set_mark(i, float(s.open[b]))
        elif b and s.ffill_close[b - 1] == s.ffill_close[b - 1]:
            self.ledger.set_mark(i, float(s.ffill_close[b - 1]))

    def _liquidation_possible(self, b: int) -> bool:
        return bool(self.ledger.open_symbols) and self._liquidation_bar(b, b + 1) == b

    def _observe_until(self, b: int) -> None:
        """Kill-switch readings at the closes of bars [observed, b): positions have not changed
        since the last processed bar, so equity is the wallet plus their PnL at each close."""
        start = self._observed
        if b <= start or self.gate is None:
            return
        ledger = self.ledger
        equity = np.full(b - start, ledger.wallet)
        for i in ledger.open_symbols:
            close = self.series[i].ffill_close[start:b]
            equity += ledger.direction[i] * (ledger.size[i] * close - ledger.open_value[i])
        if np.isnan(equity).any():  # a symbol without a price yet: its mark stands
            equity = np.full(b - start, ledger.wallet)
            for i in ledger.open_symbols:
                close = self.series[i].ffill_close[start:b]
                mark = np.where(np.isnan(close), ledger.last[i], close)
                equity += ledger.direction[i] * (ledger.size[i] * mark - ledger.open_value[i])
        self.gate.kill_switch.observe(self.frame.ts[start:b] + self.step, equity)
        self._observed = b

    def _execute(self, d: int, b: int, ts: int, symbols: Sequence[int], exact: Sequence[int] = ()) -> None:
        if self.gate is not None:
            execute_gated(self, self.gate, d, b, ts, symbols, exact)
            return
        ledger = self.ledger
        entries: list[tuple[int, int]] = []
        for i in symbols:
            plan = self.plans[i]
            entry = int(plan.entry[d])
            direction = ledger.direction[i]
            if plan.exit[d] and direction and entry != direction:
                ledger.close(i, ts)
                direction = 0
            if entry and entry != direction:
                if direction:
                    ledger.close(i, ts)
                entries.append((i, entry))
        if entries and self.options.skip_idle_bars:
            # Sizing reads equity: every open position marked at this bar's open, as a replay has it.
            for i in ledger.open_symbols:
                if i not in exact:
                    self._mark_at_open(i, b)
        for i, entry in entries:
            self._open(i, entry, d, b, ts)

    def fill_entry(
        self, i: int, direction: int, size: float, b: int, ts: int, stop: float, target: float
    ) -> None:
        """A planned, approved entry filled at the bar's open (taker price)."""
        ledger = self.ledger
        if ledger.last[i] != ledger.last[i]:
            self.stats.skip("no price")
            return
        price = ledger.taker_price(i, direction, ledger.last[i], size)
        # The venue refuses a preset stop or target on the wrong side of the fill (a gap jumped it).
        if stop == stop and (stop >= price if direction > 0 else stop <= price):
            self.stats.skip("stop beyond fill price")
            return
        if target == target and (target <= price if direction > 0 else target >= price):
            self.stats.skip("target beyond fill price")
            return
        ledger.open(i, direction, size, price, ts, stop, target)
        self._hit_bar[i] = self._find_hit(i, b) if (stop == stop or target == target) else self.n

    def _open(self, i: int, direction: int, d: int, b: int, ts: int) -> None:
        ledger = self.ledger
        spec = self.specs[i]
        if ledger.last[i] != ledger.last[i]:
            self.stats.skip("no price")
            return
        price = ledger.taker_price(i, direction, ledger.last[i])
        plan = self.plans[i]
        stop = float(plan.stop_loss[d])
        target = float(plan.take_profit[d])
        if stop == stop:
            stop = spec.round_price(stop)
            # The venue refuses a preset stop on the wrong side of the fill (a gap jumped it).
            if stop >= price if direction > 0 else stop <= price:
                self.stats.skip("stop beyond fill price")
                return
        if target == target:
            target = spec.round_price(target)
            if target <= price if direction > 0 else target >= price:
                self.stats.skip("target beyond fill price")
                return
        size = self.options.sizing.size(
            spec,
            price=price,
            equity=ledger.equity(),
            available=ledger.available(),
            leverage=ledger.leverage[i],
            stop=stop,
        )
        if size <= 0:
            self.stats.skip("size below minimum or no margin")
            return
        # Sized at the touch; filled through the book's depth (no-op without a depth model).
        price = ledger.taker_price(i, direction, ledger.last[i], size)
        ledger.open(i, direction, size, price, ts, stop, target)
        self._hit_bar[i] = self._find_hit(i, b) if (stop == stop or target == target) else self.n

    # ---------------------------------------------------------------- search
    def _find_hit(self, i: int, start: int) -> int:
        """First bar >= start where symbol i's stop or target level is reached (n if never)."""
        ledger = self.ledger
        s = self.series[i]
        d = ledger.direction[i]
        stop, target = ledger.stop[i], ledger.target[i]
        lo = start
        width = _FIRST_WINDOW
        while lo < self.n:
            hi = min(self.n, lo + width)
            low, high = s.low[lo:hi], s.high[lo:hi]
            hit = np.zeros(hi - lo, dtype=bool)
            if stop == stop:
                hit |= (low <= stop) if d > 0 else (high >= stop)
            if target == target:
                hit |= (high >= target) if d > 0 else (low <= target)
            first = int(np.argmax(hit))
            if hit[first]:
                return lo + first
            lo, width = hi, width * 8
        return self.n

    def _next_risk_bar(self, start: int, end: int, wallet_floor: float | None = None) -> int:
        """First bar in [start, end) where a stop/target or a liquidation may fire; `end` if none."""
        ledger = self.ledger
        if start >= end or not ledger.open_symbols:
            return end
        risk = end
        for i in ledger.open_symbols:
            hit = self._hit_bar[i]
            if hit < start:
                hit = self._find_hit(i, start)
                self._hit_bar[i] = hit
            if hit < risk:
                risk = hit
        return min(risk, self._liquidation_bar(start, risk, wallet_floor))

    def _liquidation_bar(self, start: int, end: int, wallet_floor: float | None = None) -> int:
        """First bar in [start, end) where a liquidation cannot be ruled out, by a bound that
        puts every position at its worst price at once and the wallet at `wallet_floor` (the
        lowest it gets from funding in the range)."""
        ledger = self.ledger
        wallet = ledger.wallet if wallet_floor is None else min(ledger.wallet, wallet_floor)
        # Shown safe for these positions with a wallet at least this low: still safe.
        if (
            self._safe_state is not None
            and self._safe_state[1] == len(ledger.fills)
            and wallet >= self._safe_state[0]
        ):
            return end
        state = (wallet, len(ledger.fills))
        rate = self.options.maintenance_margin_rate
        # Tier 1: every position at its worst price of the whole run, marks at their highest.
        equity = wallet
        maintenance = 0.0
        for i in ledger.open_symbols:
            s = self.series[i]
            d = ledger.direction[i]
            worst_price = s.global_low if d > 0 else s.global_high
            equity += d * (ledger.size[i] * worst_price - ledger.open_value[i])
            maintenance += s.global_high * ledger.size[i] * rate
        if equity > maintenance:
            self._safe_state = state
            return end
        # Tier 2: bar by bar over [start, end), still every position at its worst at once.
        worst_equity = np.full(end - start, wallet)
        worst_maintenance = np.zeros(end - start)
        for i in ledger.open_symbols:
            s = self.series[i]
            d = ledger.direction[i]
            low = np.nan_to_num(s.low[start:end], nan=ledger.last[i])
            high = np.nan_to_num(s.high[start:end], nan=ledger.last[i])
            if start > 0:
                # A bar's first point is checked while the other marks still sit at their
                # previous closes, so those closes belong to the bar's range too.
                previous = np.nan_to_num(s.ffill_close[start - 1 : end - 1], nan=ledger.last[i])
                low = np.minimum(low, previous)
                high = np.maximum(high, previous)
            worst = low if d > 0 else high
            worst_equity += d * (ledger.size[i] * worst - ledger.open_value[i])
            worst_maintenance += high * (ledger.size[i] * rate)
        danger = worst_equity <= worst_maintenance
        first = int(np.argmax(danger)) if len(danger) else 0
        if len(danger) and danger[first]:
            return start + first
        return end

    # ---------------------------------------------------------------- output
    def _result(self) -> BacktestResult:
        if self.gate is not None:
            self._observe_until(self.n)
        return build_result(self)
