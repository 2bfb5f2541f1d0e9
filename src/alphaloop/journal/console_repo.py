"""Reads and writes of the console's tables (`approvals`, `operator_requests`).

Every decision is a conditional update (`... WHERE status = 'pending'`): two operators (CLI and
dashboard) approving and vetoing the same order at once, or an approval racing its expiry,
leave exactly one outcome, and the caller learns whether its write won.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from alphaloop.journal.console_tables import approvals, operator_requests
from alphaloop.journal.db import writer
from alphaloop.journal.errors import JournalError
from alphaloop.journal.journal import Journal


@dataclass(frozen=True, slots=True)
class ApprovalRow:
    client_oid: str
    decision_id: str
    run_id: str
    symbol: str
    intent: str
    purpose: str
    summary: str
    plan: Mapping[str, Any]
    ai_log: Mapping[str, Any]
    status: str
    created_ms: int
    expires_ms: int
    expires_wall_ms: int | None
    decided_ms: int | None
    decided_by: str | None
    reason: str | None
    done_ms: int | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: int
    kind: str
    requested_ms: int
    requested_by: str
    reason: str
    status: str
    done_ms: int | None
    outcome: str | None


def _write(journal: Journal, statement: Any) -> int:
    try:
        with writer(journal.engine).begin() as conn:
            return int(conn.execute(statement).rowcount)
    except SQLAlchemyError as exc:
        raise JournalError(f"cannot write the console tables: {exc}") from exc


def _rows(journal: Journal, statement: Any) -> list[Any]:
    try:
        with journal.engine.connect() as conn:
            return list(conn.execute(statement).mappings().all())
    except SQLAlchemyError as exc:
        raise JournalError(f"cannot read the console tables: {exc}") from exc


def park_approval(journal: Journal, values: Mapping[str, Any]) -> bool:
    """Store an order waiting for a human (status pending). False when it was parked before."""
    if _rows(journal, select(approvals.c.client_oid).where(approvals.c.client_oid == values["client_oid"])):
        return False
    _write(journal, approvals.insert().values({**values, "status": "pending"}))
    return True


def approval_rows(journal: Journal, *, status: str | None = None, limit: int = 200) -> list[ApprovalRow]:
    query = select(approvals).order_by(approvals.c.created_ms.desc()).limit(limit)
    if status is not None:
        query = query.where(approvals.c.status == status)
    return [ApprovalRow(**dict(row)) for row in _rows(journal, query)]


def approval(journal: Journal, client_oid: str) -> ApprovalRow | None:
    rows = _rows(journal, select(approvals).where(approvals.c.client_oid == client_oid))
    return ApprovalRow(**dict(rows[0])) if rows else None


def transition(
    journal: Journal,
    client_oid: str,
    *,
    from_status: str,
    to_status: str,
    now_ms: int,
    not_expired: bool = False,
    **values: Any,
) -> bool:
    """Move one approval from `from_status` to `to_status`; False when another writer was first
    (or, with `not_expired`, when it has expired)."""
    condition = and_(approvals.c.client_oid == client_oid, approvals.c.status == from_status)
    if not_expired:  # the operator's deadline: wall time (`now_ms` is the operator's wall clock)
        deadline = func.coalesce(approvals.c.expires_wall_ms, approvals.c.expires_ms)
        condition = and_(condition, deadline > now_ms)
    return _write(journal, update(approvals).where(condition).values(status=to_status, **values)) == 1


def add_request(journal: Journal, *, kind: str, by: str, reason: str, now_ms: int) -> int:
    try:
        with writer(journal.engine).begin() as conn:
            result = conn.execute(
                operator_requests.insert().values(
                    kind=kind, requested_ms=now_ms, requested_by=by, reason=reason, status="pending"
                )
            )
            key = result.inserted_primary_key
    except SQLAlchemyError as exc:
        raise JournalError(f"cannot store the {kind} request: {exc}") from exc
    assert key is not None
    return int(key[0])


def request_rows(journal: Journal, *, status: str | None = None, limit: int = 50) -> list[RequestRow]:
    query = select(operator_requests).order_by(operator_requests.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(operator_requests.c.status == status)
    return [RequestRow(**dict(row)) for row in _rows(journal, query)]


def finish_request(journal: Journal, request_id: int, *, status: str, outcome: str, now_ms: int) -> bool:
    statement = (
        update(operator_requests)
        .where(and_(operator_requests.c.id == request_id, operator_requests.c.status == "pending"))
        .values(status=status, outcome=outcome, done_ms=now_ms)
    )
    return _write(journal, statement) == 1


__all__ = [
    "ApprovalRow",
    "RequestRow",
    "add_request",
    "approval",
    "approval_rows",
    "finish_request",
    "park_approval",
    "request_rows",
    "transition",
]
