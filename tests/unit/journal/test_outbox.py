"""The AI-log outbox: uploads oldest first, backs off per log, stops on a rate limit, drops nothing."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from alphaloop.journal import AiLogOutbox, FlushReport, Journal
from alphaloop.model import (
    AiLog,
    AuthenticationError,
    ExchangeUnavailableError,
    RateLimitedError,
    UnknownOrderOutcomeError,
)
from tests.unit.journal.builders import DECISION_ID, T0, ai_log, new_order


class Clock:
    def __init__(self, now_ms: int = T0) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


class FakeVenue:
    """Records uploads; the scripted `outcomes` apply one per call (None: success), then all succeed."""

    def __init__(self, *outcomes: Exception | None) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[AiLog] = []
        self.uploaded: list[AiLog] = []

    async def upload_ai_log(self, log: AiLog) -> None:
        self.calls.append(log)
        error = self.outcomes.pop(0) if self.outcomes else None
        if error is not None:
            raise error
        self.uploaded.append(log)


def store(journal: Journal, *explanations: str) -> list[int]:
    return [
        journal.store_ai_log(ai_log(text), decision_id=DECISION_ID, now_ms=T0 + index)
        for index, text in enumerate(explanations)
    ]


@pytest.mark.asyncio
async def test_due_logs_are_uploaded_oldest_first_and_marked(journal: Journal) -> None:
    store(journal, "first", "second")
    venue, clock = FakeVenue(), Clock(T0 + 100)
    outbox = AiLogOutbox(journal, venue.upload_ai_log, clock=clock)

    report = await outbox.flush()

    assert report == FlushReport(uploaded=2, failed=0, remaining=0)
    assert [log.explanation for log in venue.uploaded] == ["first", "second"]
    assert [(log.status, log.uploaded_ms) for log in journal.ai_logs()] == [("uploaded", T0 + 100)] * 2
    assert await outbox.flush() == FlushReport(0, 0, 0)
    assert len(venue.calls) == 2


@pytest.mark.asyncio
async def test_a_log_is_uploaded_with_its_bound_order_id(journal: Journal) -> None:
    journal.store_order_with_ai_log(new_order("al1"), ai_log("entry"), now_ms=T0)
    venue = FakeVenue()
    outbox = AiLogOutbox(journal, venue.upload_ai_log, clock=Clock(T0 + 1))
    assert await outbox.flush() == FlushReport(0, 0, 0)  # its order's outcome is not known yet

    journal.update_order("al1", status="open", now_ms=T0 + 2, venue_order_id="700001")
    assert await outbox.flush() == FlushReport(1, 0, 0)

    assert [log.order_id for log in venue.uploaded] == ["700001"]


@pytest.mark.asyncio
async def test_a_transient_failure_is_retried_after_an_exponential_backoff(journal: Journal) -> None:
    [log_id] = store(journal, "only")
    venue = FakeVenue(ExchangeUnavailableError("HTTP 503"), httpx.ReadTimeout("read timed out"))
    clock = Clock(T0 + 10)
    outbox = AiLogOutbox(journal, venue.upload_ai_log, clock=clock, base_delay_ms=1_000, max_delay_ms=60_000)

    assert await outbox.flush() == FlushReport(uploaded=0, failed=1, remaining=1)
    [stored] = journal.ai_logs()
    assert (stored.attempts, stored.last_error) == (1, "ExchangeUnavailableError: HTTP 503")

    clock.now_ms = T0 + 10 + 999  # base delay not over yet
    assert await outbox.flush() == FlushReport(0, 0, 1)
    clock.now_ms = T0 + 10 + 1_000
    assert await outbox.flush() == FlushReport(0, 1, 1)  # the timeout: outcome unknown, retried
    assert journal.ai_logs()[0].attempts == 2
    assert journal.ai_logs()[0].last_error == "ReadTimeout: read timed out"

    clock.now_ms = T0 + 1_010 + 1_999  # now 2 x base
    assert await outbox.flush() == FlushReport(0, 0, 1)
    clock.now_ms = T0 + 1_010 + 2_000
    assert await outbox.flush() == FlushReport(1, 0, 0)

    assert len(venue.calls) == 3
    [done] = journal.ai_logs()
    assert (done.id, done.status, done.attempts, done.uploaded_ms) == (log_id, "uploaded", 2, T0 + 3_010)


@pytest.mark.asyncio
async def test_backoff_doubles_per_attempt_up_to_the_cap(journal: Journal) -> None:
    outbox = AiLogOutbox(
        journal, FakeVenue().upload_ai_log, clock=Clock(), base_delay_ms=2_000, max_delay_ms=300_000
    )

    delays = [outbox.retry_delay_ms(attempts) for attempts in (0, 1, 2, 3, 7, 8, 50, 10_000)]

    assert delays == [2_000, 4_000, 8_000, 16_000, 256_000, 300_000, 300_000, 300_000]


@pytest.mark.asyncio
async def test_every_alphaloop_or_http_error_keeps_the_log_for_later(journal: Journal) -> None:
    store(journal, "a", "b", "c", "d")
    venue = FakeVenue(
        AuthenticationError("bad signature"),
        UnknownOrderOutcomeError("lost answer"),
        httpx.ConnectError("refused"),
    )
    outbox = AiLogOutbox(journal, venue.upload_ai_log, clock=Clock(T0 + 10))

    report = await outbox.flush()

    assert report == FlushReport(uploaded=1, failed=3, remaining=3)
    assert [log.explanation for log in venue.uploaded] == ["d"]
    assert [log.status for log in journal.ai_logs()] == ["pending", "pending", "pending", "uploaded"]


@pytest.mark.asyncio
async def test_a_rate_limit_stops_the_batch_and_the_rest_stay_due(journal: Journal) -> None:
    store(journal, "a", "b", "c")
    venue = FakeVenue(None, RateLimitedError("HTTP 429"))
    clock = Clock(T0 + 10)
    outbox = AiLogOutbox(journal, venue.upload_ai_log, clock=clock, base_delay_ms=1_000)

    report = await outbox.flush()

    assert report == FlushReport(uploaded=1, failed=1, remaining=2)
    assert [log.explanation for log in venue.calls] == ["a", "b"]
    logs = {log.log.explanation: log for log in journal.ai_logs()}
    assert (logs["b"].attempts, logs["b"].last_error) == (1, "RateLimitedError: HTTP 429")
    assert (logs["c"].attempts, logs["c"].last_error) == (0, None)
    assert [log.log.explanation for log in journal.due_ai_logs(T0 + 10)] == ["c"]

    assert await outbox.flush() == FlushReport(1, 0, 1)  # c goes, b waits for its backoff
    clock.now_ms = T0 + 1_010
    assert await outbox.flush() == FlushReport(1, 0, 0)
    assert [log.explanation for log in venue.uploaded] == ["a", "c", "b"]


@pytest.mark.asyncio
async def test_a_rate_limit_waits_at_least_its_retry_after(journal: Journal) -> None:
    store(journal, "a")
    venue = FakeVenue(RateLimitedError("slow down", retry_after=30.0))
    clock = Clock(T0)
    outbox = AiLogOutbox(journal, venue.upload_ai_log, clock=clock, base_delay_ms=1_000)

    await outbox.flush()

    assert journal.due_ai_logs(T0 + 29_999) == []
    assert len(journal.due_ai_logs(T0 + 30_000)) == 1


@pytest.mark.asyncio
async def test_a_bug_in_the_uploader_surfaces_but_the_log_is_kept(journal: Journal) -> None:
    store(journal, "a")
    venue = FakeVenue(TypeError("unexpected keyword"))
    outbox = AiLogOutbox(journal, venue.upload_ai_log, clock=Clock(T0))

    with pytest.raises(TypeError):
        await outbox.flush()

    [stored] = journal.ai_logs()
    assert (stored.status, stored.attempts, stored.last_error) == (
        "pending",
        1,
        "TypeError: unexpected keyword",
    )


@pytest.mark.asyncio
async def test_logs_survive_a_restart_and_are_uploaded_by_the_next_process(
    journal: Journal, journal_path: Path
) -> None:
    store(journal, "before the crash")
    journal.store_order_with_ai_log(new_order("al1"), ai_log("entry"), now_ms=T0 + 5)
    journal.update_order("al1", status="rejected", now_ms=T0 + 6, error="price band")
    failing = FakeVenue(ExchangeUnavailableError("down"), ExchangeUnavailableError("down"))
    await AiLogOutbox(journal, failing.upload_ai_log, clock=Clock(T0 + 10), base_delay_ms=1_000).flush()
    journal.close()

    with Journal.open(journal_path) as reopened:
        venue = FakeVenue()
        outbox = AiLogOutbox(reopened, venue.upload_ai_log, clock=Clock(T0 + 10 + 1_000))
        assert await outbox.flush() == FlushReport(uploaded=2, failed=0, remaining=0)

    assert [(log.explanation, log.order_id) for log in venue.uploaded] == [
        ("before the crash", None),
        ("entry", None),
    ]


def test_the_delays_must_make_sense(journal: Journal) -> None:
    with pytest.raises(ValueError, match="base_delay_ms"):
        AiLogOutbox(journal, FakeVenue().upload_ai_log, clock=Clock(), base_delay_ms=10, max_delay_ms=5)
