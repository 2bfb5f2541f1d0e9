"""`alphaloop ailog`: AI-log coverage and backlog of a journal, and a manual flush of the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import httpx
from sqlalchemy import func, select

from alphaloop.config import Settings
from alphaloop.journal import schema
from alphaloop.journal.journal import Journal
from alphaloop.journal.outbox import AiLogOutbox, FlushReport
from alphaloop.journal.records import AiLogCounts
from alphaloop.model.errors import ConfigurationError
from alphaloop.ops.control import wall_clock_ms
from alphaloop.venues.base import Venue
from alphaloop.venues.weex.venue import WeexVenue
from alphaloop.venues.weex.venue_core import make_client
from alphaloop.venues.woox.http import WooxHttpClient
from alphaloop.venues.woox.venue import WooxVenue

BACKLOG_STATUSES = ("waiting", "pending")


@dataclass(frozen=True, slots=True)
class AiLogStatus:
    counts: AiLogCounts
    #: created_ms of the oldest log not uploaded yet (waiting or pending)
    oldest_backlog_ms: int | None
    now_ms: int
    last_error: str | None
    last_error_log_id: int | None

    @property
    def backlog(self) -> int:
        return self.counts.waiting + self.counts.pending

    @property
    def oldest_backlog_age_s(self) -> float | None:
        if self.oldest_backlog_ms is None:
            return None
        return max(0, self.now_ms - self.oldest_backlog_ms) / 1000

    @property
    def complete(self) -> bool:
        return self.counts.coverage_uploaded >= 1.0 and self.backlog == 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self.counts) | {
            "coverage_stored": self.counts.coverage_stored,
            "coverage_uploaded": self.counts.coverage_uploaded,
            "backlog": self.backlog,
            "oldest_backlog_ms": self.oldest_backlog_ms,
            "oldest_backlog_age_s": self.oldest_backlog_age_s,
            "last_error": self.last_error,
            "last_error_log_id": self.last_error_log_id,
        }


def ailog_status(journal: Journal, *, now_ms: int) -> AiLogStatus:
    """Coverage and backlog; the last error is the one of the most recently failed log that is
    still not uploaded (a log uploaded after a retry no longer counts as a problem)."""
    table = schema.ai_logs
    with journal.engine.connect() as conn:
        oldest = conn.execute(
            select(func.min(table.c.created_ms)).where(table.c.status.in_(BACKLOG_STATUSES))
        ).scalar_one_or_none()
        failed = conn.execute(
            select(table.c.id, table.c.last_error)
            .where(table.c.status != "uploaded", table.c.last_error.is_not(None))
            # next_attempt_ms is set at failure time plus the back-off: newest failure first
            .order_by(table.c.next_attempt_ms.desc(), table.c.id.desc())
            .limit(1)
        ).first()
    return AiLogStatus(
        counts=journal.ai_log_counts(),
        oldest_backlog_ms=oldest,
        now_ms=now_ms,
        last_error=None if failed is None else failed.last_error,
        last_error_log_id=None if failed is None else failed.id,
    )


def build_venue(
    settings: Settings,
    venue: str | None = None,
    *,
    base_url: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Venue:
    """The venue whose AI-log upload the outbox uses, from settings and credentials in the
    environment. WEEX needs credentials to upload; WOO X appends to its AI-log file."""
    chosen = (venue or settings.venue).lower()
    if chosen == "weex":
        credentials = settings.weex_credentials()
        if credentials is None:
            raise ConfigurationError(
                "no WEEX credentials: set WEEX_API_KEY, WEEX_SECRET_KEY and WEEX_PASSPHRASE to upload AI logs"
            )
        client = make_client(
            settings.weex.api,
            (base_url or settings.weex.base_url).rstrip("/"),
            credentials,
            transport=transport,
            timeout=settings.weex.timeout_seconds,
            locale=settings.weex.locale,
            ai_log_path=settings.weex.ai_log_path,
        )
        return WeexVenue(
            client,
            allowed_symbols=settings.competition.symbols,
            max_leverage=settings.competition.max_leverage,
        )
    if chosen == "woox":
        woox_client = WooxHttpClient(
            (base_url or settings.woox.base_url).rstrip("/"),
            settings.woox_credentials(),
            transport=transport,
            timeout=settings.woox.timeout_seconds,
        )
        return WooxVenue(
            woox_client,
            allowed_symbols=settings.competition.symbols,
            max_leverage=settings.competition.max_leverage,
            position_mode=settings.woox.position_mode,
            ai_log_file=settings.woox.ai_log_file,
        )
    raise ConfigurationError(f"--venue must be weex or woox, not {venue!r}")


async def flush_ai_logs(
    journal: Journal, venue: Venue, *, limit: int = 100, clock: Callable[[], int] = wall_clock_ms
) -> FlushReport:
    """Upload what is due in the outbox once (failures stay queued with back-off); closes `venue`."""
    try:
        return await AiLogOutbox(journal, venue.upload_ai_log, clock=clock).flush(limit=limit)
    finally:
        await venue.close()
