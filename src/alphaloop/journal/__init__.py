"""The trading journal: what was decided, ordered, filled and uploaded, in SQLite or PostgreSQL.

`Journal.open(url)` gives the repository (migrated to the newest schema); `AiLogOutbox` uploads
the stored AI logs; `InstanceLock` keeps one trading process per account.
"""

from alphaloop.journal import console_tables  # noqa: F401  (registers the console's tables on schema.metadata)
from alphaloop.journal.db import redact_url
from alphaloop.journal.errors import DuplicateClientOidError, JournalError
from alphaloop.journal.journal import Journal
from alphaloop.journal.lock import InstanceLock, account_lock_path, runtime_dir
from alphaloop.journal.outbox import AiLogOutbox, FlushReport
from alphaloop.journal.records import (
    AI_LOG_STATUSES,
    API_CALL_KINDS,
    EVENT_KINDS,
    FINAL_ORDER_STATUSES,
    IN_DOUBT_ORDER_STATUSES,
    ORDER_PURPOSES,
    ORDER_STATUSES,
    TRADING_STATES,
    AiLogCounts,
    NewOrder,
    OrderRow,
    StateRow,
    StoredAiLog,
)

__all__ = [
    "AI_LOG_STATUSES",
    "API_CALL_KINDS",
    "EVENT_KINDS",
    "FINAL_ORDER_STATUSES",
    "IN_DOUBT_ORDER_STATUSES",
    "ORDER_PURPOSES",
    "ORDER_STATUSES",
    "TRADING_STATES",
    "AiLogCounts",
    "AiLogOutbox",
    "DuplicateClientOidError",
    "FlushReport",
    "InstanceLock",
    "Journal",
    "JournalError",
    "NewOrder",
    "OrderRow",
    "StateRow",
    "StoredAiLog",
    "account_lock_path",
    "redact_url",
    "runtime_dir",
]
