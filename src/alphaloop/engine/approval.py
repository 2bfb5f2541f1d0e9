"""Semi-automatic trading and operator requests, run inside the trading process.

`--approval auto` sends every order the gate allows (the default). With `entries` (entries only)
or `manual` (entries and exits), a planned order that passed the risk gate gets its AI log
prepared and is *parked* in the journal's `approvals` table instead of being sent. A human
approves or vetoes it (`alphaloop approve|veto ID`, or the dashboard); the trader, between
cycles, re-gates an approved order against the state of that moment and sends it with an AI log
that says a human approved it and when. An order not approved before it expires (default: a
quarter of the bar) is journaled as expired and never sent.

Stops the engine places to protect an open position never wait for a human: a position must not
sit unprotected while nobody is watching (the stop preset on an entry travels with the entry).

Operator requests (`flatten`) are carried out here too, since this process holds the venue
connection and the account lock: close every position and cancel every resting order, each
close with its own AI log stored before the call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from alphaloop.engine import ids
from alphaloop.journal import NewOrder
from alphaloop.journal import console_repo as repo
from alphaloop.model import (
    AlphaloopError,
    OrderIntent,
    OrderRequest,
    OrderType,
    format_decimal,
)
from alphaloop.model.ailog import AiLog, fit_explanation
from alphaloop.risk import OrderProposal, check_order

if TYPE_CHECKING:
    from alphaloop.engine.planning import PlannedOrder
    from alphaloop.engine.trader import CycleReport, Trader

logger = logging.getLogger("alphaloop.engine.approval")

ApprovalMode = Literal["auto", "entries", "manual"]
APPROVAL_MODES: tuple[str, ...] = ("auto", "entries", "manual")
OPERATOR_MODEL = "alphaloop-operator"


@dataclass(frozen=True, slots=True)
class ApprovalPolicy:
    """Which planned orders wait for a human, and for how long (None: a quarter of the bar)."""

    mode: ApprovalMode = "auto"
    expiry_ms: int | None = None

    def holds(self, purpose: str) -> bool:
        if self.mode == "manual":
            return purpose in ("entry", "exit")
        if self.mode == "entries":
            return purpose == "entry"
        return False


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _plan_json(plan: PlannedOrder) -> dict[str, Any]:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else format_decimal(value)

    return {
        "symbol": plan.symbol,
        "intent": plan.intent.value,
        "amount": text(plan.amount),
        "price": text(plan.price),
        "leverage": plan.leverage,
        "purpose": plan.purpose,
        "leg": plan.leg,
        "stop_loss": text(plan.stop_loss),
        "take_profit": text(plan.take_profit),
        "reason": plan.decision.reason,
    }


def _log_json(log: AiLog) -> dict[str, Any]:
    return {
        "stage": log.stage,
        "model": log.model,
        "input": dict(log.input),
        "output": dict(log.output),
        "explanation": log.explanation,
        "extra": dict(log.extra),
    }


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class OperatorDesk:
    """The trader's side of the console: parks orders for approval, carries out decisions and
    operator requests. One per trader; all state lives in the journal."""

    def __init__(self, trader: Trader, policy: ApprovalPolicy, bar_ms: int) -> None:
        self.trader = trader
        self.policy = policy
        self.expiry_ms = policy.expiry_ms if policy.expiry_ms is not None else max(bar_ms // 4, 1000)

    def holds(self, purpose: str) -> bool:
        return self.policy.holds(purpose)

    def park(self, *, plan: PlannedOrder, client_oid: str, decision_id: str, log: AiLog, now_ms: int) -> None:
        """Keep a gated order and its prepared AI log until a human decides (or it expires)."""
        base = plan.symbol.split("/")[0]
        reason = plan.decision.reason.strip()
        summary = (
            f"{plan.intent.value} {format_decimal(plan.amount)} {base} at market "
            f"(about {format_decimal(plan.price)})" + (f": {reason}" if reason else "")
        )
        journal = self.trader.journal
        for older in repo.approval_rows(journal, status="pending"):
            # a newer plan for the symbol replaces an undecided older one: approving both would
            # enter twice for what the model meant once
            if older.symbol == plan.symbol and older.client_oid != client_oid:
                repo.transition(
                    journal,
                    older.client_oid,
                    from_status="pending",
                    to_status="expired",
                    now_ms=now_ms,
                    done_ms=now_ms,
                    outcome=f"superseded by {client_oid}",
                )
        parked = repo.park_approval(
            self.trader.journal,
            {
                "client_oid": client_oid,
                "decision_id": decision_id,
                "run_id": self.trader.run_id,
                "symbol": plan.symbol,
                "intent": plan.intent.value,
                "purpose": plan.purpose,
                "summary": summary[:500],
                "plan": _plan_json(plan),
                "ai_log": _log_json(log),
                "created_ms": now_ms,
                "expires_ms": now_ms + self.expiry_ms,
                "expires_wall_ms": int(self.trader.wall() * 1000) + self.expiry_ms,
            },
        )
        if parked:
            self.trader.journal.record_event(
                at_ms=now_ms,
                kind="approval_waiting",
                message=f"{client_oid} waits for approval until {iso(now_ms + self.expiry_ms)}: {summary}",
                detail={"client_oid": client_oid, "expires_ms": now_ms + self.expiry_ms},
            )

    async def process(self, report: CycleReport) -> None:
        """Expire what nobody decided in time, send what was approved, carry out requests."""
        journal = self.trader.journal
        now = self.trader.clock()
        for row in repo.approval_rows(journal, status="pending"):
            if row.expires_ms <= now and repo.transition(
                journal, row.client_oid, from_status="pending", to_status="expired", now_ms=now, done_ms=now
            ):
                journal.record_event(
                    at_ms=now,
                    kind="approval_expired",
                    message=f"{row.client_oid} expired without a decision: never sent",
                    detail={"client_oid": row.client_oid},
                )
        approved = repo.approval_rows(journal, status="approved")
        for row in reversed(approved):  # oldest first
            await self._send_approved(row, report)
        for request in reversed(repo.request_rows(journal, status="pending")):
            if request.kind == "flatten":
                await self._flatten(request)

    async def _send_approved(self, row: repo.ApprovalRow, report: CycleReport) -> None:
        trader, journal = self.trader, self.trader.journal
        now = trader.clock()
        # claim it first: whatever happens next, this approval is sent at most once
        if not repo.transition(
            journal, row.client_oid, from_status="approved", to_status="sending", now_ms=now
        ):
            return
        plan = row.plan
        intent = OrderIntent(str(plan["intent"]))
        amount = _dec(plan["amount"]) or Decimal(0)
        price = _dec(plan["price"]) or Decimal(0)
        stop_loss, take_profit = _dec(plan.get("stop_loss")), _dec(plan.get("take_profit"))
        leverage = int(plan["leverage"])
        if now > row.expires_ms + self.expiry_ms:
            # approved in time, but the trader could not act on it soon after (down, stuck):
            # the market it was planned for is gone
            self._finish(row.client_oid, "expired", "approved, but not sent in time", now)
            return
        trader._load_state()  # halted since the approval? the gate must see it
        try:
            balance, positions = await trader._account()
            resting = await trader._retrying(trader.venue.fetch_open_orders)
        except AlphaloopError as exc:
            self._finish(row.client_oid, "failed", f"could not re-gate it: {exc}", now)
            return
        proposal = OrderProposal(
            symbol=row.symbol,
            intent=intent,
            amount=amount,
            price=price,
            leverage=leverage,
            client_oid=row.client_oid,
            ai_log_stored=True,
            stop_loss=stop_loss,
            take_profit=take_profit,
        )
        denial = check_order(
            proposal, trader._risk_view(now, balance, positions, resting), trader.config.limits
        )
        if denial is not None:
            journal.record_denial(
                at_ms=now,
                decision_id=row.decision_id,
                symbol=row.symbol,
                rule=denial.rule.value,
                message=f"approved by {row.decided_by}, re-gated: {denial.message}",
                proposal=proposal.to_json(),
            )
            self._finish(row.client_oid, "denied", f"re-gated and denied: {denial.message}", now)
            return
        decided = iso(row.decided_ms or now)
        log_data = row.ai_log
        note = f"A human operator ({row.decided_by}) approved this AI-planned order at {decided}."
        log = AiLog(
            stage=str(log_data["stage"]),
            model=str(log_data["model"]),
            input=dict(log_data["input"]),
            output={**dict(log_data["output"]), "approved_by": row.decided_by, "approved_at": decided},
            explanation=fit_explanation(
                f"{note} {log_data['explanation']}", max_chars=trader.config.explanation_max_chars
            ),
            extra={
                **dict(log_data.get("extra") or {}),
                "approved_by": row.decided_by,
                "approved_at": decided,
            },
        )
        journal.store_order_with_ai_log(
            NewOrder(
                client_oid=row.client_oid,
                decision_id=row.decision_id,
                run_id=trader.run_id,
                symbol=row.symbol,
                intent=intent,
                purpose=row.purpose,
                order_type=OrderType.MARKET,
                amount=amount,
                price=price,
                leverage=leverage,
                stop_loss=stop_loss,
                take_profit=take_profit,
            ),
            log,
            now_ms=now,
        )
        request = OrderRequest(
            symbol=row.symbol,
            intent=intent,
            amount=amount,
            order_type=OrderType.MARKET,
            client_order_id=row.client_oid,
            stop_loss_price=stop_loss,
            take_profit_price=take_profit,
        )
        order = await trader._send(request, purpose=row.purpose, report=report)
        outcome = "sent" if order is not None else "not sent (see the order's state)"
        journal.record_event(
            at_ms=trader.clock(),
            kind="approval_sent",
            message=f"{row.client_oid} approved by {row.decided_by}: {outcome}",
            detail={"client_oid": row.client_oid},
        )
        self._finish(row.client_oid, "sent" if order is not None else "failed", outcome, trader.clock())

    def _finish(self, client_oid: str, status: str, outcome: str, now: int) -> None:
        # 'sending' was the claim; the final word (denied/failed/sent) is set once, here
        repo.transition(
            self.trader.journal,
            client_oid,
            from_status="sending",
            to_status=status,
            now_ms=now,
            done_ms=now,
            outcome=outcome,
        )

    async def _flatten(self, request: repo.RequestRow) -> None:
        """Close every position and cancel every resting order (ours or not) of our symbols."""
        trader, journal = self.trader, self.trader.journal
        now = trader.clock()
        done: list[str] = []
        problems: list[str] = []
        decision_id = ids.decision_id(trader.account, f"flatten{request.id}", now)
        journal.record_decision(
            decision_id=decision_id,
            run_id=trader.run_id,
            bar_close_ms=now,
            created_ms=now,
            model=OPERATOR_MODEL,
            actions=[],
            explanation=f"operator flatten requested by {request.requested_by}: {request.reason}",
        )
        try:
            for order in await trader._retrying(trader.venue.fetch_open_orders):
                if order.symbol not in trader.config.symbols:
                    continue
                await trader._pace()
                result = await trader.venue.cancel_order(order.symbol, order_id=order.id)
                journal.record_api_call(
                    at_ms=int(trader.wall() * 1000),
                    kind="cancel",
                    endpoint="cancel_order",
                    client_oid=order.client_order_id,
                    ok=result.success,
                )
                if result.success:
                    done.append(f"cancelled order {order.id}")
                else:
                    problems.append(f"could not cancel order {order.id}: {result.message}".rstrip(": "))
            for trigger in await trader._retrying(trader.venue.fetch_trigger_orders):
                if trigger.symbol in trader.config.symbols and await trader._cancel_trigger(trigger):
                    done.append(f"cancelled trigger {trigger.id}")
            balance, positions = await trader._account()
            del balance
            from alphaloop.engine.trader import CycleReport  # the trader imports this module

            report = CycleReport(now, decision_id)
            for number, position in enumerate(positions):
                what = f"{position.symbol} {position.side.value} {format_decimal(position.size)}"
                if await self._close(position, decision_id, number, request, report):
                    done.append(f"closed {what}")
                else:  # refused or unknown outcome: the position may still be open
                    problems.append(f"could not close {what} (see its order)")
        except AlphaloopError as exc:
            problems.append(f"{type(exc).__name__}: {exc}")
        outcome = "; ".join(done + problems) or "nothing to close or cancel"
        status = "failed" if problems else "done"
        repo.finish_request(journal, request.id, status=status, outcome=outcome, now_ms=trader.clock())
        journal.record_event(
            at_ms=trader.clock(),
            kind="flatten",
            message=f"flatten by {request.requested_by} {status}: {outcome}",
            detail={"request": request.id},
        )

    async def _close(
        self, position: Any, decision_id: str, number: int, request: repo.RequestRow, report: CycleReport
    ) -> bool:
        """Send one close; False when the venue did not take it (the position may still be open)."""
        trader, journal = self.trader, self.trader.journal
        now = trader.clock()
        client_oid = ids.client_oid(decision_id, number, "x")
        intent = OrderIntent.closing(position.side)
        base = position.symbol.split("/")[0]
        explanation = (
            f"Close {format_decimal(position.size)} {base} {position.side.value} at market: a human operator "
            f"({request.requested_by}) asked to flatten the account at {iso(request.requested_ms)}: "
            f"{request.reason}"
        )
        log = AiLog(
            stage="operator flatten",
            model=OPERATOR_MODEL,
            input={
                "position": {
                    "symbol": position.symbol,
                    "side": position.side.value,
                    "size": format_decimal(position.size),
                }
            },
            output={
                "client_oid": client_oid,
                "intent": intent.value,
                "size": format_decimal(position.size),
                "requested_by": request.requested_by,
            },
            explanation=fit_explanation(explanation, max_chars=trader.config.explanation_max_chars),
        )
        journal.store_order_with_ai_log(
            NewOrder(
                client_oid=client_oid,
                decision_id=decision_id,
                run_id=trader.run_id,
                symbol=position.symbol,
                intent=intent,
                purpose="exit",
                order_type=OrderType.MARKET,
                amount=position.size,
                price=None,
                leverage=int(position.leverage) or trader.config.leverage,
            ),
            log,
            now_ms=now,
        )
        request_ = OrderRequest(
            symbol=position.symbol,
            intent=intent,
            amount=position.size,
            order_type=OrderType.MARKET,
            client_order_id=client_oid,
        )
        return await trader._send(request_, purpose="exit", report=report) is not None


__all__ = ["APPROVAL_MODES", "ApprovalMode", "ApprovalPolicy", "OperatorDesk"]
