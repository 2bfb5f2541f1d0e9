"""The operator console's tables (issue 15), on the journal's `schema.metadata`.

Kept out of `schema.py` so the console's additions stay in one place: migration `0002_console`
creates exactly these two tables and changes nothing else.

* `approvals`: an order planned in semi-automatic mode that passed the risk gate and waits for a
  human. The order and its prepared AI log are kept here as JSON; the order reaches `orders` (with
  its AI log, in one transaction) only once approved and re-gated, so an order that is never
  approved is never in `orders` and never sent.
* `operator_requests`: work only the trading process can do (it holds the venue connection and
  the account lock), asked for by the CLI or the dashboard: `flatten`.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Integer, String, Table, Text

from alphaloop.journal.schema import metadata

#: pending -> approved -> sending -> sent | denied (re-gated and refused) | failed (not accepted);
#: pending -> vetoed | expired. A crash while `sending` leaves the order (if stored) to reconciliation.
APPROVAL_STATUSES = frozenset(
    {"pending", "approved", "sending", "vetoed", "expired", "sent", "denied", "failed"}
)
REQUEST_STATUSES = frozenset({"pending", "done", "failed"})

approvals = Table(
    "approvals",
    metadata,
    Column("client_oid", String(40), primary_key=True),
    Column("decision_id", String(40), nullable=False, index=True),
    Column("run_id", String(40), nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("intent", String(16), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("summary", Text, nullable=False),  # one line for the operator: side, size, price, reason
    Column("plan", JSON, nullable=False),  # the planned order (decimals as text)
    Column("ai_log", JSON, nullable=False),  # the prepared AI log
    Column("status", String(16), nullable=False, index=True),
    Column("created_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),  # on the trader's (market) clock
    # the same deadline on the wall clock, for the operator: against `sim serve` the trader runs on
    # simulated time, a human approves on wall time (NULL: the two clocks are one)
    Column("expires_wall_ms", BigInteger),
    Column("decided_ms", BigInteger),
    Column("decided_by", String(64)),
    Column("reason", Text),
    Column("done_ms", BigInteger),
    Column("outcome", Text),
)

operator_requests = Table(
    "operator_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # flatten
    Column("requested_ms", BigInteger, nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("done_ms", BigInteger),
    Column("outcome", Text),
)

__all__ = ["APPROVAL_STATUSES", "REQUEST_STATUSES", "approvals", "operator_requests"]
