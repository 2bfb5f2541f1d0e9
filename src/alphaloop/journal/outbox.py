"""The AI-log outbox: uploads stored logs, oldest first, and never drops one.

A log is uploaded once its order's outcome is known (the journal marks it `pending`). A failed
upload is retried after an exponential backoff per log (base x 2^attempts, capped), with the
error kept in `last_error`. A rate limit ends the batch: the rest stay due for the next flush.
An upload whose outcome is unknown (timeout, lost answer) is retried too: a duplicate upload is
harmless, a lost one is not.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from alphaloop.journal.journal import Journal
from alphaloop.journal.records import StoredAiLog
from alphaloop.model.ailog import AiLog
from alphaloop.model.errors import AlphaloopError, RateLimitedError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FlushReport:
    """One flush: logs uploaded, uploads that failed (retried later), logs still to upload."""

    uploaded: int
    failed: int
    remaining: int


class AiLogOutbox:
    """Uploads the journal's pending AI logs through `upload` (a venue's `upload_ai_log`)."""

    def __init__(
        self,
        journal: Journal,
        upload: Callable[[AiLog], Awaitable[None]],
        *,
        clock: Callable[[], int],
        base_delay_ms: int = 2_000,
        max_delay_ms: int = 300_000,
    ) -> None:
        if base_delay_ms <= 0 or max_delay_ms < base_delay_ms:
            raise ValueError(f"need 0 < base_delay_ms <= max_delay_ms, got {base_delay_ms}, {max_delay_ms}")
        self._journal = journal
        self._upload = upload
        self._clock = clock
        self._base_delay_ms = base_delay_ms
        self._max_delay_ms = max_delay_ms

    def retry_delay_ms(self, attempts: int) -> int:
        """The wait after a log's (attempts + 1)-th failed upload."""
        # Cap the exponent first: 2**attempts of a long-failing log would grow without bound.
        if attempts >= self._max_delay_ms.bit_length():
            return self._max_delay_ms
        return min(self._max_delay_ms, self._base_delay_ms * (1 << attempts))

    async def flush(self, *, limit: int = 100) -> FlushReport:
        """Upload the logs that are due now (at most `limit`), oldest first."""
        uploaded = failed = 0
        for stored in self._journal.due_ai_logs(self._clock(), limit=limit):
            try:
                await self._upload(stored.log)
            except RateLimitedError as exc:
                self._failed(stored, exc, at_least_ms=_retry_after_ms(exc))
                failed += 1
                break
            except (AlphaloopError, httpx.HTTPError) as exc:
                self._failed(stored, exc)
                failed += 1
                continue
            except Exception as exc:
                # A bug, not a venue failure: keep the log (with the error and a backoff) and surface it.
                self._failed(stored, exc)
                raise
            self._journal.mark_ai_log_uploaded(stored.id, now_ms=self._clock())
            uploaded += 1
        return FlushReport(uploaded=uploaded, failed=failed, remaining=self._journal.ai_log_counts().pending)

    def _failed(self, stored: StoredAiLog, exc: Exception, *, at_least_ms: int = 0) -> None:
        delay = max(self.retry_delay_ms(stored.attempts), at_least_ms)
        error = f"{type(exc).__name__}: {exc}"
        logger.warning(
            "AI log %s (order %s) upload failed, attempt %d, retry in %d ms: %s",
            stored.id,
            stored.order_id,
            stored.attempts + 1,
            delay,
            error,
        )
        self._journal.mark_ai_log_failed(stored.id, error=error, next_attempt_ms=self._clock() + delay)


def _retry_after_ms(exc: RateLimitedError) -> int:
    return 0 if exc.retry_after is None else int(exc.retry_after * 1000)
