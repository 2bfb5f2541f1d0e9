"""The dashboard served by uvicorn from a thread, as `paper --dashboard` does: stopping it while
a browser tab holds the live-update stream open."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from alphaloop.web import DashboardThread
from tests.integration.console.test_console_cli import T0, journal_with_a_parked_order
from tests.kit.browser import free_port

pytestmark = pytest.mark.integration

TOKEN = "threaded-dashboard-token-0123"


def test_an_open_live_stream_ends_at_once_when_the_dashboard_stops(tmp_path: Path) -> None:
    """Without it uvicorn waits out its graceful-shutdown timeout, then cancels the stream with
    'Exception in ASGI application' and tracebacks on the trader's console."""
    db = tmp_path / "j.sqlite"
    journal_with_a_parked_order(db, expires_ms=T0 + 1)
    port = free_port()
    dashboard = DashboardThread(str(db), TOKEN, host="127.0.0.1", port=port).start()
    ended = threading.Event()
    events: list[str] = []

    def listen() -> None:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with (
            httpx.Client(timeout=10) as client,
            client.stream("GET", f"http://127.0.0.1:{port}/stream", headers=headers) as stream,
        ):
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    events.append(line)
        ended.set()

    reader = threading.Thread(target=listen, daemon=True)
    reader.start()
    deadline = time.monotonic() + 10
    while not events and time.monotonic() < deadline:
        time.sleep(0.05)
    assert events, "no live update arrived"
    started = time.monotonic()
    dashboard.stop()
    took = time.monotonic() - started
    assert ended.wait(5), "the stream was not ended by the server"
    reader.join(5)
    assert took < 1.5, f"stopping took {took:.1f} s: the stream held the server until its timeout"
