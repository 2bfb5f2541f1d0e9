"""Alert delivery: dedup, rate limit, retries, and a channel that hangs or fails never blocks."""

from __future__ import annotations

import threading
import time

import pytest

from alphaloop.alerts import Alert, Dispatcher, alert_urls, apprise_sender


def alert(kind: str = "entry", key: str = "a") -> Alert:
    return Alert(kind, key, f"title {kind} {key}", "body")


def wait(cond: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


def test_the_same_alert_is_sent_once_and_different_ones_each_once() -> None:
    sent: list[Alert] = []
    dispatcher = Dispatcher(lambda a: sent.append(a) or True).start()
    assert dispatcher.submit(alert(key="a"))
    assert not dispatcher.submit(alert(key="a"))
    assert dispatcher.submit(alert(key="b"))
    assert dispatcher.submit(alert(kind="exit", key="a"))
    dispatcher.stop()
    assert [(a.kind, a.key) for a in sent] == [("entry", "a"), ("entry", "b"), ("exit", "a")]
    assert dispatcher.stats.deduplicated == 1


def test_dedup_forgets_after_its_window() -> None:
    now = [0.0]
    sent: list[Alert] = []
    dispatcher = Dispatcher(lambda a: sent.append(a) or True, dedup_seconds=10, clock=lambda: now[0]).start()
    dispatcher.submit(alert())
    now[0] = 11.0
    dispatcher.submit(alert())
    dispatcher.stop()
    assert len(sent) == 2


def test_the_rate_limit_holds_back_the_excess_and_says_so_in_one_line() -> None:
    sent: list[Alert] = []
    dispatcher = Dispatcher(lambda a: sent.append(a) or True, max_per_minute=3).start()
    for n in range(10):
        dispatcher.submit(alert(key=str(n)))
    dispatcher.stop()
    kinds = [a.kind for a in sent]
    assert kinds.count("entry") == 3
    assert kinds.count("rate_limited") <= 1
    assert dispatcher.stats.rate_limited == 7


def test_a_failing_channel_is_retried_then_given_up_without_raising() -> None:
    calls: list[int] = []

    def flaky(a: Alert) -> bool:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("down")
        return True

    dispatcher = Dispatcher(flaky, backoff_s=0.01).start()
    dispatcher.submit(alert())
    dispatcher.stop()
    assert len(calls) == 3
    assert dispatcher.stats.sent == 1
    assert dispatcher.stats.retries == 2

    dead = Dispatcher(lambda a: False, attempts=2, backoff_s=0.01).start()
    dead.submit(alert())
    dead.stop()
    assert dead.stats.failed == 1


def test_submit_returns_at_once_while_the_channel_hangs() -> None:
    release = threading.Event()
    dispatcher = Dispatcher(lambda a: release.wait(5) or True, capacity=5).start()
    started = time.perf_counter()
    for n in range(50):  # far more than the queue holds: the oldest are dropped, nothing blocks
        dispatcher.submit(alert(key=str(n)))
    elapsed = time.perf_counter() - started
    release.set()
    dispatcher.stop()
    assert elapsed < 0.05, elapsed
    assert dispatcher.stats.dropped > 0


def test_alert_urls_come_from_the_environment_first() -> None:
    assert alert_urls(("json://a",), {"ALPHALOOP_ALERT_URLS": "json://b, json://c"}) == (
        "json://b",
        "json://c",
    )
    assert alert_urls(("json://a",), {}) == ("json://a",)


def test_an_unsupported_url_is_refused_without_showing_it() -> None:
    with pytest.raises(ValueError, match="nosuchscheme") as raised:
        apprise_sender(["nosuchscheme://bot-token-SECRET@host"])
    assert "SECRET" not in str(raised.value)


@pytest.mark.parametrize(
    "url", ["hooks.example.com/services/SECRET", "tgram//123456:SECRET/chat", "json//user:SECRET@host"]
)
def test_a_url_without_a_scheme_is_refused_without_showing_any_of_it(url: str) -> None:
    """A garbage URL in config (a missing ':') must not be echoed: the whole of it may be a secret."""
    with pytest.raises(ValueError, match="alert URL") as raised:
        apprise_sender([url])
    assert "SECRET" not in str(raised.value)
    assert "123456" not in str(raised.value)
    assert "user" not in str(raised.value)
