"""Serving the dashboard: in the foreground (`alphaloop dashboard`) or beside a trader
(`paper|live|run --dashboard`), in a thread with its own event loop so a slow page never
delays the trading loop."""

from __future__ import annotations

import errno
import socket
import threading
import time

import uvicorn

from alphaloop.model import ConfigurationError
from alphaloop.web.app import create_app


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound here rather than by uvicorn: a port in use (or a host that
    does not resolve) is one clear error before anything is announced, not uvicorn's log line
    and exit code 3."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as exc:
        raise ConfigurationError(f"cannot serve the dashboard on {host}:{port}: {exc}") from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        reason = "the port is in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        raise ConfigurationError(f"cannot serve the dashboard on {host}:{port}: {reason}") from exc
    sock.set_inheritable(True)
    return sock


def _server(journal_url: str, token: str, host: str, port: int) -> uvicorn.Server:
    servers: list[uvicorn.Server] = []
    app = create_app(journal_url, token, stopping=lambda: any(s.should_exit for s in servers))
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=2
    )
    servers.append(uvicorn.Server(config))
    return servers[0]


def serve(journal_url: str, token: str, *, host: str, port: int, sock: socket.socket | None = None) -> None:
    """Serve until interrupted (on `sock` when given, bound by `listen`)."""
    sock = sock if sock is not None else listen(host, port)
    _server(journal_url, token, host, port).run(sockets=[sock])


class DashboardThread:
    """The dashboard served from a background thread; `stop()` ends it."""

    def __init__(self, journal_url: str, token: str, *, host: str, port: int) -> None:
        self.sock = listen(host, port)
        try:
            self.server = _server(journal_url, token, host, port)
        except BaseException:
            self.sock.close()
            raise
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, name="alphaloop-dashboard", daemon=True
        )

    def start(self, timeout: float = 10.0) -> DashboardThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.sock.close()
                raise ConfigurationError("the dashboard did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


__all__ = ["DashboardThread", "listen", "serve"]
