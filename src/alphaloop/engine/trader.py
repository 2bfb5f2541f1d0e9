"""The trading cycle of DESIGN.md, for paper and live (and the offline replay of `alphaloop run`).

One `cycle(bar_close_ms)` per closed bar:

    reconcile (the venue is the truth) -> account and positions -> kill switches and the persisted
    trading state -> snapshot -> model -> planned orders -> for each: risk gate -> journal (order
    + AI log, one transaction) -> paced order call -> outcome -> venue-side stops verified ->
    fills, positions, equity -> AI-log outbox upload

Crash safety comes from three things: the decision id and every `client_oid` are derived from the
bar, so a restarted process recognises a bar it already decided and never sends an order twice;
an order is journaled (with its AI log) before it is sent, so every order the venue may have is
known; and orders whose outcome is in doubt are resolved by `client_oid` before anything new.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from alphaloop.decision.base import DecisionModel
from alphaloop.engine import ids
from alphaloop.engine.ailogs import model_label, order_ai_log, stop_loss_ai_log
from alphaloop.engine.approval import ApprovalPolicy, OperatorDesk
from alphaloop.engine.jsonsafe import json_safe
from alphaloop.engine.market import build_live_snapshot, fetch_closed_candles, fetch_funding_histories
from alphaloop.engine.pacing import MoneyCallLimiter
from alphaloop.engine.planning import PlannedOrder, plan_orders, positions_by_symbol
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.journal import AiLogOutbox, Journal, NewOrder, OrderRow, StateRow
from alphaloop.model import (
    AlphaloopError,
    Balance,
    ConfigurationError,
    ExchangeRejectedError,
    Instrument,
    Order,
    OrderIntent,
    OrderNotFoundError,
    OrderRequest,
    OrderStatus,
    OrderType,
    PermissionDeniedError,
    Position,
    PositionSide,
    RateLimitedError,
    TransientError,
    TriggerKind,
    UnknownOrderOutcomeError,
    format_decimal,
)
from alphaloop.model.decision import Decision, ModelInfo
from alphaloop.model.market import TIMEFRAME_MS
from alphaloop.risk import (
    Baseline,
    OrderProposal,
    RiskLimits,
    RiskView,
    TradingState,
    check_order,
    evaluate,
    update_baseline,
)
from alphaloop.risk.projection import project
from alphaloop.venues.base import Venue

logger = logging.getLogger("alphaloop.engine")

_STATUS_NAMES = {
    OrderStatus.PENDING: "open",
    OrderStatus.OPEN: "open",
    OrderStatus.CANCELING: "open",
    OrderStatus.FILLED: "filled",
    OrderStatus.CANCELED: "canceled",
    OrderStatus.REJECTED: "rejected",
    OrderStatus.UNTRIGGERED: "untriggered",
    OrderStatus.UNKNOWN: "unknown",
}
#: entry statuses whose order may have opened the position (an unknown outcome may well have)
_ENTRY_MAY_HOLD = frozenset({"filled", "unknown", "sent", "open"})
RISK_MODEL = ModelInfo("alphaloop-risk", "1", "local")
#: sends of one order that a 429 may cost before it is given up for this bar
RATE_LIMIT_ATTEMPTS = 3


#: start-up `set_leverage` attempts: the backoff (0.25 s doubling, capped at 8 s) then spans ~70 s
LEVERAGE_ATTEMPTS = 14


@dataclass(frozen=True, slots=True)
class TraderConfig:
    symbols: tuple[str, ...]
    timeframe: str
    leverage: int
    sizing: SizingPolicy
    limits: RiskLimits
    #: closed bars each snapshot holds (the model's lookback, at least)
    lookback: int
    fallback_stop_fraction: float = 0.03
    #: the competition's later rounds capped explanations at 1000 characters
    explanation_max_chars: int | None = 1000
    #: how far back the first fill synchronisation looks
    fills_lookback_ms: int = 86_400_000
    #: how long (market time) a stop preset on a fresh entry may take to appear at the venue
    preset_stop_grace_ms: int = 60_000


@dataclass(slots=True)
class CycleReport:
    bar_close_ms: int
    decision_id: str
    already_decided: bool = False
    actions: int = 0
    sent: int = 0
    denied: int = 0
    rejected: int = 0
    unknown: int = 0
    stops_placed: int = 0
    orphans_cancelled: int = 0
    notes: list[str] = field(default_factory=list)


def stop_levels(triggers: Sequence[Order]) -> dict[tuple[str, PositionSide], Decimal]:
    """The venue-side stop-loss level of each (symbol, position side) among trigger orders."""
    return {
        (t.symbol, t.intent.position_side): t.trigger_price
        for t in triggers
        if t.trigger_kind is TriggerKind.STOP_LOSS and t.trigger_price is not None
    }


class Trader:
    """One account, one model, one journal. `clock` gives market time in ms (wall time in paper and
    live, simulated time in a replay); `wall` paces order calls in real seconds."""

    def __init__(
        self,
        venue: Venue,
        model: DecisionModel,
        journal: Journal,
        config: TraderConfig,
        *,
        account: str,
        run_id: str,
        clock: Callable[[], int],
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        approval: ApprovalPolicy | None = None,
    ) -> None:
        self.venue = venue
        self.model = model
        self.journal = journal
        self.config = config
        self.account = account
        self.run_id = run_id
        self.clock = clock
        self.wall = wall
        self.sleep = sleep
        self.instruments: dict[str, Instrument] = {}
        self.outbox = AiLogOutbox(journal, venue.upload_ai_log, clock=lambda: int(self.wall() * 1000))
        self.pacer = MoneyCallLimiter(config.limits.max_order_calls_per_second, wall=wall, sleep=sleep)
        self._fills_since: int | None = None
        self.state = TradingState.ACTIVE
        self.state_reason = "started"
        self.last_equity: float | None = None
        #: semi-automatic approvals and operator requests (flatten): engine/approval.py
        self.desk = OperatorDesk(self, approval or ApprovalPolicy(), TIMEFRAME_MS.get(config.timeframe, 0))

    # ------------------------------------------------------------------ start-up
    async def sync_clock(self) -> None:
        """Refresh a clock that reads its time from the venue (`engine.clock.VenueClock`)."""
        sync = getattr(self.clock, "sync", None)
        if sync is not None:
            await self._retrying(sync)

    async def start(self) -> None:
        """Contract terms, leverage, the persisted state, then reconciliation before any order."""
        await self.sync_clock()
        instruments = await self.venue.load_instruments()
        missing = [s for s in self.config.symbols if s not in instruments]
        if missing:
            raise ConfigurationError(f"{self.venue.name} does not list {', '.join(missing)}")
        self.instruments = {s: instruments[s] for s in self.config.symbols}
        for symbol in self.config.symbols:
            # a restart soon after the last start may find the leverage budget spent (WOO X: 10 per
            # 60 s, one call per symbol): 14 attempts back off for ~70 s, past one such window
            await self._retrying(
                lambda s=symbol: self.venue.set_leverage(s, self.config.leverage),  # type: ignore[misc]
                attempts=LEVERAGE_ATTEMPTS,
            )
        self._load_state()
        # a process killed a moment ago may have sent calls still inside the venue's window
        self.pacer.seed(self.journal.api_call_times_since(self.pacer.now_ms() - 1_000))
        now = self.clock()
        self.journal.record_event(
            at_ms=now,
            kind="startup",
            message=f"{self.venue.name}: {len(self.config.symbols)} symbols at {self.config.leverage}x, "
            f"state {self.state.value}",
            detail={"run_id": self.run_id},
        )
        await self.reconcile()
        await self.protect()

    async def _retrying(self, call: Callable[[], Awaitable[Any]], attempts: int = 5) -> Any:
        """Idempotent calls only (set leverage, reads): transient failures are retried with backoff."""
        for attempt in range(attempts):
            try:
                return await call()
            except TransientError as exc:
                if attempt == attempts - 1:
                    raise
                delay = min(8.0, 0.25 * 2**attempt)
                if getattr(exc, "retry_after", None):
                    delay = max(delay, float(exc.retry_after))  # type: ignore[attr-defined]
                logger.warning("transient venue error (%s); retrying in %.2f s", exc, delay)
                await self.sleep(delay)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ state
    def _load_state(self) -> None:
        row = self.journal.load_state(self.account)
        if row is None:
            row = StateRow(self.account, TradingState.ACTIVE.value, "started", self.clock())
            self.journal.save_state(row)
        self.state = TradingState(row.state)
        self.state_reason = row.reason

    def _apply_kill_switches(self, equity: float, now: int) -> None:
        row = self.journal.load_state(self.account) or StateRow(
            self.account, TradingState.ACTIVE.value, "started", now
        )
        # `alphaloop halt|resume` write the same row: re-read it every cycle
        self.state, self.state_reason = TradingState(row.state), row.reason
        baseline = None
        if row.day_start_ms is not None and row.day_start_equity is not None:
            baseline = Baseline(
                row.day_start_ms,
                row.day_start_equity,
                row.peak_equity if row.peak_equity is not None else equity,
                row.initial_equity if row.initial_equity is not None else equity,
            )
        baseline = update_baseline(baseline, equity, now)
        transition = evaluate(
            self.state, baseline, equity, now, self.config.limits, reason=row.reason, since_ms=row.since_ms
        )
        since = row.since_ms
        if transition is not None:
            self.state, self.state_reason, since = transition.state, transition.reason, now
            self.journal.record_event(
                at_ms=now,
                kind="kill_switch" if transition.rule != "new_day" else "state_change",
                message=f"{transition.state.value}: {transition.reason}",
                detail={"rule": transition.rule, "equity": equity},
            )
            logger.warning("trading state -> %s: %s", transition.state.value, transition.reason)
        self.journal.save_state(
            StateRow(
                self.account,
                self.state.value,
                self.state_reason,
                since,
                baseline.day_start_ms,
                baseline.day_start_equity,
                baseline.peak_equity,
                baseline.initial_equity,
            )
        )

    # ------------------------------------------------------------------ reconciliation
    async def reconcile(self) -> int:
        """Resolve every order in doubt by its client_oid (the venue is the truth). Returns how many
        are still unresolved (their rows stay in doubt; no new order is sent for their symbol)."""
        unresolved = 0
        triggers: list[Order] | None = None
        for row in self.journal.orders_in_doubt():
            now = self.clock()
            try:
                if row.purpose == "stop_loss":
                    if triggers is None:
                        triggers = await self.venue.fetch_trigger_orders()
                    self._reconcile_trigger(row, triggers, now)
                else:
                    order = await self.venue.fetch_order(row.symbol, client_order_id=row.client_oid)
                    self._record_outcome(row.client_oid, order, now, source="reconcile")
            except OrderNotFoundError:
                never_accepted = row.status in ("pending", "sent", "unknown") and row.venue_order_id is None
                status = "not_sent" if never_accepted else "canceled"
                self.journal.update_order(
                    row.client_oid,
                    status=status,
                    now_ms=now,
                    error="not found at the venue by client_oid",
                    detail={"source": "reconcile", "previous": row.status},
                )
                self.journal.record_event(
                    at_ms=now,
                    kind="reconcile",
                    message=f"{row.client_oid} ({row.status}) is not at the venue: {status}",
                    detail={"client_oid": row.client_oid},
                )
            except (TransientError, UnknownOrderOutcomeError) as exc:
                unresolved += 1
                logger.warning("could not reconcile %s yet: %s", row.client_oid, exc)
        return unresolved

    def _reconcile_trigger(self, row: OrderRow, triggers: Sequence[Order], now: int) -> None:
        match = next(
            (
                t
                for t in triggers
                if t.client_order_id == row.client_oid
                or (row.venue_order_id is not None and t.id == row.venue_order_id)
            ),
            None,
        )
        if match is not None:
            if row.status != "untriggered" or row.venue_order_id != match.id:
                self.journal.update_order(
                    row.client_oid,
                    status="untriggered",
                    now_ms=now,
                    venue_order_id=match.id,
                    detail={"source": "reconcile"},
                )
            return
        if row.venue_order_id is None and row.status in ("pending", "sent", "unknown"):
            raise OrderNotFoundError(f"stop-loss {row.client_oid} is not resting at the venue")
        # accepted earlier and no longer resting: it fired, or the venue removed it with its position
        self.journal.update_order(
            row.client_oid,
            status="canceled",
            now_ms=now,
            detail={"source": "reconcile", "reason": "no longer resting"},
        )

    def _record_outcome(self, client_oid: str, order: Order, now: int, *, source: str) -> None:
        status = _STATUS_NAMES[order.status]
        current = self.journal.order(client_oid)
        if (
            current is not None
            and current.status == status
            and current.venue_order_id == order.id
            and current.filled == order.filled
        ):
            return
        self.journal.update_order(
            client_oid,
            status=status,
            now_ms=now,
            venue_order_id=order.id,
            filled=order.filled,
            average_price=order.average_price,
            fee=order.fee,
            detail={"source": source},
        )

    # ------------------------------------------------------------------ the cycle
    async def cycle(self, bar_close_ms: int) -> CycleReport:
        decision_id = ids.decision_id(self.account, self.config.timeframe, bar_close_ms)
        report = CycleReport(bar_close_ms, decision_id)
        await self.sync_clock()
        unresolved = await self.reconcile()
        now = self.clock()
        balance, positions = await self._account()
        self._apply_kill_switches(float(balance.total), now)
        if self.journal.has_decision(decision_id):
            # decided before a restart: never decide (or send) twice for one bar
            report.already_decided = True
        elif unresolved:
            report.notes.append(f"{unresolved} orders in doubt: no new orders this bar")
            self._record_hold(decision_id, bar_close_ms, now, f"{unresolved} orders could not be reconciled")
        else:
            await self._decide_and_trade(decision_id, bar_close_ms, balance, positions, report)
        await self.maintain(report)
        return report

    async def _account(self) -> tuple[Balance, list[Position]]:
        balance = await self._retrying(self.venue.fetch_balance)
        positions = await self._retrying(lambda: self.venue.fetch_positions(list(self.config.symbols)))
        return balance, [p for p in positions if p.size > 0]

    def _record_hold(self, decision_id: str, bar_close_ms: int, now: int, reason: str) -> None:
        self.journal.record_decision(
            decision_id=decision_id,
            run_id=self.run_id,
            bar_close_ms=bar_close_ms,
            created_ms=now,
            model=RISK_MODEL.label,
            actions=[],
            explanation=reason,
            error=reason,
        )

    async def _decide_and_trade(
        self,
        decision_id: str,
        bar_close_ms: int,
        balance: Balance,
        positions: list[Position],
        report: CycleReport,
    ) -> None:
        now = self.clock()
        candles = {
            symbol: await self._retrying(
                lambda s=symbol: fetch_closed_candles(  # type: ignore[misc]
                    self.venue, s, self.config.timeframe, self.config.lookback, bar_close_ms
                )
            )
            for symbol in self.config.symbols
        }
        stops = await self._stops_by_position()
        # The funding history the features were trained on (not only the current rate).
        funding = await self._retrying(
            lambda: fetch_funding_histories(self.venue, self.config.symbols, bar_close_ms)
        )
        snapshot = build_live_snapshot(
            bar_close_ms,
            self.config.timeframe,
            candles,
            balance,
            positions,
            stops,
            self.journal.last_entry_ms(),
            funding=funding,
        )
        error = None
        try:
            decision = self.model.decide(snapshot)
        except Exception as exc:
            # a failing model (bad output or a bug in it) is a logged HOLD, never an order
            error = f"{type(exc).__name__}: {exc}"
            decision = Decision.hold(bar_close_ms, self.model.info, f"model failed, holding: {error}")
            self.journal.record_event(at_ms=now, kind="model_error", message=error)
        prices = {s: Decimal(repr(float(c[-1].close))) for s, c in candles.items() if c and c[-1].close > 0}
        held = positions_by_symbol(positions)
        plans, skipped = plan_orders(
            decision,
            positions=held,
            instruments=self.instruments,
            prices=prices,
            account=snapshot.account,
            sizing=self.config.sizing,
            leverage=self.config.leverage,
            fallback_stop_fraction=self.config.fallback_stop_fraction,
        )
        recorded = self.journal.record_decision(
            decision_id=decision_id,
            run_id=self.run_id,
            bar_close_ms=bar_close_ms,
            created_ms=now,
            model=model_label(decision),
            actions=[
                json_safe(
                    {
                        "symbol": d.symbol,
                        "action": d.action.value,
                        "confidence": d.confidence,
                        "stop_loss": d.stop_loss,
                        "take_profit": d.take_profit,
                        "reason": d.reason,
                    }
                )
                for d in decision.decisions
            ],
            explanation=decision.explanation,
            error=error,
        )
        if not recorded:
            report.already_decided = True
            return
        report.actions = len(decision.actionable)
        for skip in skipped:
            self.journal.record_event(
                at_ms=now,
                kind="skip",
                message=f"{skip.symbol}: {skip.reason}",
                detail={"decision": decision_id},
            )
        if not plans:
            return
        resting = await self._retrying(self.venue.fetch_open_orders)
        # one view for the whole cycle, projected by every order sent (or in doubt) so far: the
        # fifth entry is gated against four new positions, not against the cycle's first read
        view = self._risk_view(now, balance, positions, resting)
        for plan in plans:
            view = await self._execute(decision_id, decision, plan, snapshot, view, report)

    async def _stops_by_position(self) -> dict[tuple[str, PositionSide], Decimal]:
        return stop_levels(await self._retrying(self.venue.fetch_trigger_orders))

    async def _execute(
        self,
        decision_id: str,
        decision: Decision,
        plan: PlannedOrder,
        snapshot: Any,
        view: RiskView,
        report: CycleReport,
    ) -> RiskView:
        """Gate one planned order against `view`, send it if allowed; returns the view projected
        by its outcome (unchanged when it was denied or certainly not executed)."""
        index = self.config.symbols.index(plan.symbol)
        client_oid = ids.client_oid(decision_id, index, plan.leg)
        proposal = OrderProposal(
            symbol=plan.symbol,
            intent=plan.intent,
            amount=plan.amount,
            price=plan.price,
            leverage=plan.leverage,
            client_oid=client_oid,
            ai_log_stored=True,  # checked for real below, once the log is in the journal
            stop_loss=plan.stop_loss,
            take_profit=plan.take_profit,
        )
        if self.journal.order(client_oid) is not None:
            # journaled before a restart: reconciliation owns it, but it counts as sent
            return project(view, proposal, filled=None, reached_venue=True)
        await self._wait_for_call_slot()  # pacing is ours to do: the gate only refuses a burst
        now = self.clock()
        view = self._refresh_view(view, now)
        denial = check_order(proposal, view, self.config.limits)
        if denial is not None:
            report.denied += 1
            self.journal.record_denial(
                at_ms=now,
                decision_id=decision_id,
                symbol=plan.symbol,
                rule=denial.rule.value,
                message=denial.message,
                proposal=proposal.to_json(),
            )
            logger.info("denied %s: %s", client_oid, denial.message)
            return view
        log = order_ai_log(
            decision,
            plan,
            client_oid=client_oid,
            snapshot=snapshot,
            max_chars=self.config.explanation_max_chars,
        )
        if self.desk.holds(plan.purpose):  # semi-automatic: a human decides, then the desk sends
            self.desk.park(plan=plan, client_oid=client_oid, decision_id=decision_id, log=log, now_ms=now)
            return view  # nothing sent: the approved order is re-gated against the state of then
        self.journal.store_order_with_ai_log(
            NewOrder(
                client_oid=client_oid,
                decision_id=decision_id,
                run_id=self.run_id,
                symbol=plan.symbol,
                intent=plan.intent,
                purpose=plan.purpose,
                order_type=OrderType.MARKET,
                amount=plan.amount,
                price=plan.price,
                leverage=plan.leverage,
                stop_loss=plan.stop_loss,
                take_profit=plan.take_profit,
            ),
            log,
            now_ms=now,
        )
        request = OrderRequest(
            symbol=plan.symbol,
            intent=plan.intent,
            amount=plan.amount,
            order_type=OrderType.MARKET,
            client_order_id=client_oid,
            stop_loss_price=plan.stop_loss,
            take_profit_price=plan.take_profit,
        )
        order = await self._send(request, purpose=plan.purpose, report=report)
        if order is not None:
            return project(view, proposal, filled=order.filled, reached_venue=True)
        row = self.journal.order(client_oid)
        status = row.status if row is not None else "not_sent"
        if status == "unknown":
            return project(view, proposal, filled=None, reached_venue=True)
        return project(view, proposal, filled=Decimal(0), reached_venue=status != "not_sent")

    def _refresh_view(self, view: RiskView, now: int) -> RiskView:
        """The projected view with the clock and the order-call times of this moment."""
        wall_now = int(self.wall() * 1000)
        return replace(
            view,
            now_ms=now,
            state=self.state,
            order_calls_ms=[now - (wall_now - call) for call in self._calls],
        )

    def _risk_view(
        self, now: int, balance: Balance, positions: Sequence[Position], resting: Sequence[Order]
    ) -> RiskView:
        wall_now = int(self.wall() * 1000)
        return RiskView(
            now_ms=now,
            state=self.state,
            equity=balance.total,
            available=balance.free,
            positions=positions,
            resting_orders=resting,
            # the gate measures call ages on the market clock; the calls were timed on the wall clock
            order_calls_ms=[now - (wall_now - call) for call in self._calls],
            last_entry_ms=self.journal.last_entry_ms(),
            orders_last_hour=len(self.journal.order_times_since(now - 3_600_000)),
        )

    async def _wait_for_call_slot(self) -> None:
        """Until one more money call fits the limiter (without taking the slot)."""
        await self.pacer.wait_for_slot()

    async def _pace(self) -> int:
        """Take a money-call slot; returns the send time (wall ms). Send right after."""
        return await self.pacer.acquire()

    @property
    def _calls(self) -> list[int]:
        return self.pacer.sent_ms

    async def _send(self, request: OrderRequest, *, purpose: str, report: CycleReport) -> Order | None:
        client_oid = request.client_order_id
        assert client_oid is not None
        order = await self._money_call(
            client_oid,
            "placeOrder",
            lambda: self.venue.create_order(request),
            report,
            resolve=lambda: self.venue.fetch_order(request.symbol, client_order_id=client_oid),
        )
        if order is not None:
            report.sent += 1
            self._record_outcome(client_oid, order, self.clock(), source=purpose)
        return order

    async def _money_call(
        self,
        client_oid: str,
        endpoint: str,
        call: Callable[[], Awaitable[Order]],
        report: CycleReport,
        *,
        resolve: Callable[[], Awaitable[Order]],
    ) -> Order | None:
        """Send one journaled order (entry, exit or stop): marked sent, paced at send time, its
        outcome journaled whatever happens. A 429 is resolved by `client_oid` (`resolve`) and the
        order sent again within the bar when the venue does not have it; nothing else is retried
        here. None when it did not go through."""
        if self.journal.order(client_oid) is None:  # the gate's last rule, checked in the journal
            raise AssertionError(f"{client_oid}: refusing to send an order without its stored AI log")
        for attempt in range(1, RATE_LIMIT_ATTEMPTS + 1):
            self.journal.update_order(client_oid, status="sent", now_ms=self.clock())
            sent_at = await self._pace()
            ok = False
            try:
                order = await call()
                ok = True
                self.journal.record_api_call(
                    at_ms=sent_at, kind="order", endpoint=endpoint, client_oid=client_oid, ok=True
                )
                return order
            except RateLimitedError as exc:
                self.journal.record_api_call(
                    at_ms=sent_at, kind="order", endpoint=endpoint, client_oid=client_oid, ok=False
                )
                try:
                    found = await self._after_rate_limit(client_oid, exc, resolve, attempt)
                except (TransientError, UnknownOrderOutcomeError) as unresolved:
                    # the venue cannot say yet: reconciliation resolves it before the next order
                    self._mark_unknown(client_oid, unresolved, report)
                    return None
                if found is not None:
                    return found
                if attempt == RATE_LIMIT_ATTEMPTS:
                    report.rejected += 1
                    self.journal.update_order(
                        client_oid, status="not_sent", now_ms=self.clock(), error=str(exc)
                    )
                    return None
                continue
            except UnknownOrderOutcomeError as exc:
                self._mark_unknown(client_oid, exc, report)
            except ExchangeRejectedError as exc:
                report.rejected += 1
                self.journal.update_order(client_oid, status="rejected", now_ms=self.clock(), error=str(exc))
            except PermissionDeniedError as exc:
                # refused at the edge (WEEX 521 / IP allow-list): nothing executed. Reads that keep
                # failing the same way stop the loop; one refused order does not
                report.rejected += 1
                self.journal.update_order(client_oid, status="not_sent", now_ms=self.clock(), error=str(exc))
                self.journal.record_event(at_ms=self.clock(), kind="permission_denied", message=str(exc))
            except TransientError as exc:
                # definitely not executed (5xx answered before matching, connection refused):
                # not retried blindly; the next decision decides again
                report.rejected += 1
                self.journal.update_order(client_oid, status="not_sent", now_ms=self.clock(), error=str(exc))
            # the send time, not the answer's: the audit's rate check measures what the venue saw
            self.journal.record_api_call(
                at_ms=sent_at, kind="order", endpoint=endpoint, client_oid=client_oid, ok=ok
            )
            return None
        raise AssertionError("unreachable")

    def _mark_unknown(self, client_oid: str, exc: Exception, report: CycleReport) -> None:
        report.unknown += 1
        self.journal.update_order(client_oid, status="unknown", now_ms=self.clock(), error=str(exc))
        self.journal.record_event(
            at_ms=self.clock(),
            kind="unknown_outcome",
            message=f"{client_oid}: outcome unknown, reconciling before the next order",
            detail={"error": str(exc)},
        )

    async def _find_trigger(self, client_oid: str) -> Order:
        """A stop-loss of ours among the venue's trigger orders, by `client_oid`."""
        for trigger in await self.venue.fetch_trigger_orders():
            if trigger.client_order_id == client_oid:
                return trigger
        raise OrderNotFoundError(f"stop-loss {client_oid} is not resting at the venue")

    async def _after_rate_limit(
        self,
        client_oid: str,
        exc: RateLimitedError,
        resolve: Callable[[], Awaitable[Order]],
        attempt: int,
    ) -> Order | None:
        """After a 429: wait as told, then ask the venue for the order by `client_oid`. The order
        when the venue has it after all; None when it certainly does not (send again)."""
        delay = max(float(exc.retry_after or 0), 0.2 * attempt)
        self.journal.record_event(
            at_ms=self.clock(),
            kind="rate_limited",
            message=f"{client_oid}: 429 from the venue (attempt {attempt}); resolving by client_oid",
            detail={"error": str(exc), "retry_in_s": delay},
        )
        await self.sleep(delay)
        try:
            found: Order = await self._retrying(resolve)
            return found
        except OrderNotFoundError:
            return None

    # ------------------------------------------------------------------ maintenance
    async def maintain(self, report: CycleReport | None = None) -> None:
        """Between and after cycles: stops verified, fills, positions and equity recorded, AI logs
        uploaded. Safe to call at any time."""
        report = report or CycleReport(0, "")
        await self.desk.process(report)
        positions, stops = await self.protect(report)
        await self.sync_fills()
        balance = await self._retrying(self.venue.fetch_balance)
        now = self.clock()
        self.journal.record_positions(
            at_ms=now,
            positions=positions,
            stops={(s, side.value): price for (s, side), price in stops.items()},
        )
        self.last_equity = float(balance.total)
        self.journal.record_equity(
            at_ms=now,
            equity=float(balance.total),
            available=float(balance.free),
            unrealized_pnl=float(balance.unrealized_pnl),
            open_positions=len(positions),
        )
        await self.outbox.flush()

    async def protect(
        self, report: CycleReport | None = None
    ) -> tuple[list[Position], dict[tuple[str, PositionSide], Decimal]]:
        """Every open position has a venue-side stop-loss; stops without a position are cancelled.
        Returns the open positions and the stop level now protecting each."""
        report = report or CycleReport(0, "")
        positions = [
            p
            for p in await self._retrying(lambda: self.venue.fetch_positions(list(self.config.symbols)))
            if p.size > 0
        ]
        triggers = await self._retrying(self.venue.fetch_trigger_orders)
        stops = stop_levels(triggers)
        open_sides = {(p.symbol, p.side) for p in positions}
        for trigger in triggers:
            if trigger.trigger_kind not in (TriggerKind.STOP_LOSS, TriggerKind.TAKE_PROFIT):
                continue
            if trigger.symbol not in self.config.symbols:
                continue  # another symbol's stop: not ours to judge (we do not list its positions)
            if (trigger.symbol, trigger.intent.position_side) in open_sides:
                continue
            if await self._cancel_trigger(trigger):
                report.orphans_cancelled += 1
        for position in positions:
            covered = sum(
                (
                    t.amount
                    for t in triggers
                    if t.trigger_kind is TriggerKind.STOP_LOSS
                    and t.symbol == position.symbol
                    and t.intent.position_side is position.side
                ),
                Decimal(0),
            )
            if covered >= position.size or self._preset_stop_registering(position):
                continue
            placed = await self._place_stop(position, position.size - covered)
            if placed is not None:
                report.stops_placed += 1
                stops.setdefault((position.symbol, position.side), placed)
        return positions, stops

    async def _cancel_trigger(self, trigger: Order) -> bool:
        sent_at = await self._pace()
        ok = False
        try:
            result = await self.venue.cancel_trigger_order(trigger.symbol, trigger.id)
            ok = result.success
        except OrderNotFoundError:
            ok = True  # already gone
        except AlphaloopError as exc:
            logger.warning("could not cancel orphaned trigger %s: %s", trigger.id, exc)
        finally:
            self.journal.record_api_call(
                at_ms=sent_at,
                kind="cancel",
                endpoint="cancel_plan",
                client_oid=trigger.client_order_id,
                ok=ok,
            )
        if ok:
            self.journal.record_event(
                at_ms=self.clock(),
                kind="orphan_cancelled",
                message=f"{trigger.symbol}: {trigger.trigger_kind} {trigger.id} had no position",
                detail={
                    "order_id": trigger.id,
                    "trigger_price": format_decimal(trigger.trigger_price or Decimal(0)),
                },
            )
        return ok

    def _preset_stop_registering(self, position: Position) -> bool:
        """A stop preset on an entry filled moments ago may not be listed yet (venues register
        preset TP/SL shortly after the fill): it gets until the next cycle before we add one."""
        intent = OrderIntent.opening(position.side)
        horizon = self.clock() - self.config.preset_stop_grace_ms
        return any(
            row.intent is intent
            and row.purpose == "entry"
            and row.stop_loss is not None
            and row.status in _ENTRY_MAY_HOLD
            and row.updated_ms >= horizon
            for row in self.journal.orders(symbol=position.symbol, since_ms=horizon)
        )

    def _planned_stop(self, position: Position) -> tuple[Decimal | None, str | None]:
        """The stop of the newest entry that opened this side, and its decision."""
        intent = OrderIntent.opening(position.side)
        for row in reversed(self.journal.orders(symbol=position.symbol)):
            if row.intent is intent and row.purpose == "entry" and row.status in _ENTRY_MAY_HOLD:
                return row.stop_loss, row.decision_id
        return None, None

    async def _place_stop(self, position: Position, amount: Decimal) -> Decimal | None:
        instrument = self.instruments.get(position.symbol)
        if instrument is None:
            return None
        now = self.clock()
        long = position.side is PositionSide.LONG
        stop, origin = self._planned_stop(position)
        ticker = await self._retrying(lambda: self.venue.fetch_ticker(position.symbol))
        last = ticker.last
        if stop is None or (stop >= last if long else stop <= last):
            fraction = Decimal(repr(self.config.fallback_stop_fraction))
            stop = instrument.round_price(last * (1 - fraction if long else 1 + fraction), up=not long)
        # a protective stop's own decision is not a bar's: its id says so, and the loop's
        # `last_decision_bar()` ignores it (stamped mid-bar, it must not hide the next bar)
        decision_id = origin or ids.protect_decision_id(self.account, now)
        if origin is None:
            self.journal.record_decision(
                decision_id=decision_id,
                run_id=self.run_id,
                bar_close_ms=now,
                created_ms=now,
                model=RISK_MODEL.label,
                actions=[],
                explanation=f"{position.symbol}: protect an open position that has no venue-side stop",
            )
        index = self.config.symbols.index(position.symbol) if position.symbol in self.config.symbols else 99
        repeat = 0
        client_oid = ids.client_oid(decision_id, index, "s")
        while self.journal.order(client_oid) is not None:
            repeat += 1
            client_oid = ids.client_oid(decision_id, index, "s", repeat)
        amount = instrument.round_size(amount)
        if amount <= 0:
            return None
        log = stop_loss_ai_log(
            symbol=position.symbol,
            side=position.side,
            amount=amount,
            trigger_price=stop,
            client_oid=client_oid,
            model=RISK_MODEL.label,
            origin_decision=origin,
            max_chars=self.config.explanation_max_chars,
        )
        self.journal.store_order_with_ai_log(
            NewOrder(
                client_oid=client_oid,
                decision_id=decision_id,
                run_id=self.run_id,
                symbol=position.symbol,
                intent=OrderIntent.closing(position.side),
                purpose="stop_loss",
                order_type=OrderType.MARKET,
                amount=amount,
                price=None,
                leverage=int(position.leverage) or self.config.leverage,
                trigger_price=stop,
            ),
            log,
            now_ms=now,
        )
        order = await self._money_call(
            client_oid,
            "placeTpSlOrder",
            lambda: self.venue.create_stop_loss(
                position.symbol, position.side, trigger_price=stop, amount=amount, client_order_id=client_oid
            ),
            CycleReport(0, ""),
            resolve=lambda: self._find_trigger(client_oid),
        )
        if order is None:
            return None
        self.journal.update_order(
            client_oid, status="untriggered", now_ms=self.clock(), venue_order_id=order.id
        )
        self.journal.record_event(
            at_ms=self.clock(),
            kind="stop_replaced",
            message=f"{position.symbol} {position.side.value}: venue-side stop at {format_decimal(stop)}",
            detail={"client_oid": client_oid, "order_id": order.id},
        )
        return stop

    async def sync_fills(self) -> int:
        since = self._fills_since
        if since is None:
            since = self.clock() - self.config.fills_lookback_ms
        newest = since
        added = 0
        for symbol in self.config.symbols:
            trades = await self._retrying(
                lambda s=symbol: self.venue.fetch_my_trades(s, since=since, limit=100)  # type: ignore[misc]
            )
            added += self.journal.record_fills(trades)
            for trade in trades:
                if trade.timestamp is not None:
                    newest = max(newest, trade.timestamp)
        # a small overlap: fills are de-duplicated by trade id
        self._fills_since = max(since, newest - 60_000)
        return added

    async def shutdown(self, reason: str) -> None:
        """A last reconciliation, stop check and snapshot, so the journal ends in step with the
        venue, then the AI-log backlog; failures are logged (the next start reconciles anyway)."""
        try:
            await self.reconcile()
            await self.maintain()
        except AlphaloopError as exc:
            logger.warning("final reconciliation incomplete: %s", exc)
        try:
            await self.outbox.flush()
        finally:
            now = self.clock()
            self.journal.record_event(at_ms=now, kind="shutdown", message=reason)
            self.journal.end_run(self.run_id, ended_ms=now, reason=reason)
