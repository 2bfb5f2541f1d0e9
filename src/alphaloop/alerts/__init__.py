"""Notifications: journal events become alerts, deduplicated, rate-limited and delivered through
apprise from background threads (never on the trading path)."""

from alphaloop.alerts.delivery import Alert, DeliveryStats, Dispatcher, apprise_sender
from alphaloop.alerts.service import URLS_ENV, AlertService, alert_urls
from alphaloop.alerts.watch import JournalWatcher

__all__ = [
    "URLS_ENV",
    "Alert",
    "AlertService",
    "DeliveryStats",
    "Dispatcher",
    "JournalWatcher",
    "alert_urls",
    "apprise_sender",
]
