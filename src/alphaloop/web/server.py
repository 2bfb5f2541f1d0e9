"""Serving the dashboard: in the foreground (`alphaloop dashboard`) or beside a trader
(`paper|live|run --dashboard`), in a thread with its own event loop so a slow page never
delays the trading loop."""

from __future__ import annotations

import threading
import time

import uvicorn

from alphaloop.model import ConfigurationError
from alphaloop.web.app import create_app


def _server(journal_url: str, token: str, host: str, port: int) -> uvicorn.Server:
    app = create_app(journal_url, token)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=2
    )
    return uvicorn.Server(config)


def serve(journal_url: str, token: str, *, host: str, port: int) -> None:
    """Serve until interrupted."""
    _server(journal_url, token, host, port).run()


class DashboardThread:
    """The dashboard served from a background thread; `stop()` ends it."""

    def __init__(self, journal_url: str, token: str, *, host: str, port: int) -> None:
        self.server = _server(journal_url, token, host, port)
        self.thread = threading.Thread(target=self.server.run, name="alphaloop-dashboard", daemon=True)

    def start(self, timeout: float = 10.0) -> DashboardThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise ConfigurationError("the dashboard did not start (is the port in use?)")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


__all__ = ["DashboardThread", "serve"]
