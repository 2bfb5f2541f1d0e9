"""Alert delivery off the trading path: a bounded queue and one worker thread sending through
apprise (Telegram, Discord, Slack, email, plain webhooks...), with dedup, a rate limit and retries.

`submit()` never blocks and never raises: a full queue drops the oldest alert, a dead channel
only costs the worker thread its timeouts. Notification URLs may hold bot tokens: they are never
logged or printed (apprise's own logging is silenced below warnings).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

logger = logging.getLogger("alphaloop.alerts")
logging.getLogger("apprise").setLevel(logging.ERROR)


@dataclass(frozen=True, slots=True)
class Alert:
    """One notification. `kind` names the event; (kind, key) identifies it for deduplication."""

    kind: str
    key: str
    title: str
    body: str
    at_ms: int = 0


Sender = Callable[[Alert], bool]


def apprise_sender(urls: Sequence[str], *, timeout_s: float = 5.0) -> Sender:
    """A sender over apprise; True when every channel accepted the alert."""
    # apprise loads its plugins lazily, and some of them import deprecated modules (imghdr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise

        notifier = apprise.Apprise()
        for url in urls:
            if not notifier.add(url):
                # the URL itself may carry a secret: name only its scheme, and only when it is one
                raise ValueError(_refusal(url))

    def send(alert: Alert) -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            result = notifier.notify(body=alert.body, title=alert.title, timeout=timeout_s)
        return bool(result)

    return send


def _refusal(url: str) -> str:
    scheme, sep, _ = url.partition("://")
    if sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,31}", scheme):
        return f"alert URL {scheme}://... refused (unsupported scheme or malformed; the rest not shown)"
    return "an alert URL is malformed (expected scheme://...; not shown, it may hold a secret)"


@dataclass
class DeliveryStats:
    sent: int = 0
    failed: int = 0
    deduplicated: int = 0
    rate_limited: int = 0
    dropped: int = 0
    retries: int = 0
    kinds: list[str] = field(default_factory=list)


class Dispatcher:
    """Deduplicates, rate-limits and delivers alerts from a worker thread."""

    def __init__(
        self,
        sender: Sender,
        *,
        dedup_seconds: float = 3600.0,
        max_per_minute: int = 20,
        attempts: int = 3,
        backoff_s: float = 0.5,
        capacity: int = 500,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sender = sender
        self.dedup_seconds = dedup_seconds
        self.max_per_minute = max_per_minute
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.clock = clock
        self.stats = DeliveryStats()
        self._queue: queue.Queue[Alert | None] = queue.Queue(maxsize=capacity)
        self._seen: dict[tuple[str, str], float] = {}
        self._sent_times: deque[float] = deque()
        self._suppressed: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="alphaloop-alerts", daemon=True)
        self._stopping = threading.Event()

    def start(self) -> Dispatcher:
        self._thread.start()
        return self

    def submit(self, alert: Alert) -> bool:
        """Queue an alert (False: a duplicate, or dropped). Returns at once, whatever the channels do."""
        now = self.clock()
        with self._lock:
            last = self._seen.get((alert.kind, alert.key))
            if last is not None and now - last < self.dedup_seconds:
                self.stats.deduplicated += 1
                return False
            self._seen[(alert.kind, alert.key)] = now
        while True:
            try:
                self._queue.put_nowait(alert)
                return True
            except queue.Full:
                try:
                    self._queue.get_nowait()  # the oldest goes: a fresh alert matters more
                    self.stats.dropped += 1
                except queue.Empty:
                    pass

    def stop(self, timeout: float = 5.0) -> None:
        """Deliver what is queued (within `timeout`), then end the worker."""
        self._stopping.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        self._thread.join(timeout)

    def _allowed(self) -> bool:
        now = self.clock()
        while self._sent_times and now - self._sent_times[0] >= 60.0:
            self._sent_times.popleft()
        if len(self._sent_times) >= self.max_per_minute:
            return False
        self._sent_times.append(now)
        return True

    def _work(self) -> None:
        while True:
            try:
                alert = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._stopping.is_set():
                    alert = None
                else:
                    continue
            if alert is None:
                if self._suppressed:
                    self._flush_suppressed()
                return
            if not self._allowed():
                self.stats.rate_limited += 1
                self._suppressed.append(alert.kind)
                continue
            if self._suppressed:
                self._flush_suppressed()
            self._deliver(alert)

    def _flush_suppressed(self) -> None:
        kinds = sorted(set(self._suppressed))
        count = len(self._suppressed)
        self._suppressed.clear()
        self._deliver(
            Alert(
                "rate_limited",
                str(time.time()),
                "alphaloop: alerts held back",
                f"{count} alerts were held back by the rate limit ({', '.join(kinds)}); see the dashboard",
            )
        )

    def _deliver(self, alert: Alert) -> None:
        for attempt in range(self.attempts):
            try:
                if self.sender(alert):
                    self.stats.sent += 1
                    self.stats.kinds.append(alert.kind)
                    return
            except Exception as exc:  # a broken channel must never take the worker down
                logger.warning("alert channel error (%s)", type(exc).__name__)
            if attempt < self.attempts - 1:
                self.stats.retries += 1
                if self._stopping.wait(self.backoff_s * 2**attempt) and self._queue.qsize() > 50:
                    break
        self.stats.failed += 1
        logger.warning("alert %s not delivered after %d attempts", alert.kind, self.attempts)


__all__ = ["Alert", "DeliveryStats", "Dispatcher", "Sender", "apprise_sender"]
