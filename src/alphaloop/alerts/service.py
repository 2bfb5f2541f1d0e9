"""The alert service of a trading process (or the dashboard): a thread that watches the journal
and hands alerts to the dispatcher. Neither thread ever holds up the trading loop."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence

from alphaloop.alerts.delivery import Dispatcher, Sender, apprise_sender
from alphaloop.alerts.watch import JournalWatcher
from alphaloop.journal import Journal

logger = logging.getLogger("alphaloop.alerts")
URLS_ENV = "ALPHALOOP_ALERT_URLS"


def alert_urls(configured: Sequence[str], environ: dict[str, str] | None = None) -> tuple[str, ...]:
    """`ALPHALOOP_ALERT_URLS` (comma- or space-separated) wins over `[alerts] urls`."""
    env = os.environ if environ is None else environ
    raw = env.get(URLS_ENV, "")
    found = [part for part in raw.replace(",", " ").split() if part]
    return tuple(found) if found else tuple(configured)


class AlertService:
    """Watches the journal; one dispatcher (worker thread) per channel, so a dead channel delays
    neither the trader nor the other channels."""

    def __init__(
        self,
        journal_url: str,
        senders: Sequence[Sender],
        *,
        poll_seconds: float = 1.0,
        dedup_seconds: float = 3600.0,
        max_per_minute: int = 20,
        venue_error_burst: int = 3,
    ) -> None:
        self.journal = Journal.open(journal_url)
        self.watcher = JournalWatcher(self.journal, venue_error_burst=venue_error_burst)
        self.dispatchers = [
            Dispatcher(sender, dedup_seconds=dedup_seconds, max_per_minute=max_per_minute)
            for sender in senders
        ]
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alphaloop-alert-watch", daemon=True)

    @classmethod
    def from_urls(cls, journal_url: str, urls: Sequence[str], **kwargs: float) -> AlertService:
        return cls(journal_url, [apprise_sender([url]) for url in urls], **kwargs)  # type: ignore[arg-type]

    def start(self) -> AlertService:
        for dispatcher in self.dispatchers:
            dispatcher.start()
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self.poll_seconds)
        self.check()  # what the last moments journaled

    def check(self) -> None:
        try:
            for alert in self.watcher.poll():
                for dispatcher in self.dispatchers:
                    dispatcher.submit(alert)
        except Exception as exc:  # a journal hiccup must not end alerting for the rest of the run
            logger.warning("alert watch failed this round (%s: %s)", type(exc).__name__, exc)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        for dispatcher in self.dispatchers:
            dispatcher.stop()
        self.journal.close()


__all__ = ["URLS_ENV", "AlertService", "alert_urls"]
