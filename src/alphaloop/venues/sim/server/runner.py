"""Running the simulator server: in the foreground (`serve`, for the CLI) or in a background thread
(`run_in_thread`, for tests, `alphaloop qualify` and demos).

The listening socket is bound before uvicorn starts so `port=0` yields a known free port and the
base URL can be printed or returned before the first request.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

import uvicorn

from alphaloop.venues.sim.server.app import SimulatorApp, create_app
from alphaloop.venues.sim.server.config import ServerConfig
from alphaloop.venues.sim.server.protocol import REQUEST_TIMEOUT_S, guarded_protocol
from alphaloop.venues.sim.server.state import Simulator

DEFAULT_HOST = "127.0.0.1"


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _uvicorn_config(
    app: SimulatorApp, log_level: str, access_log: bool, request_timeout_s: float = REQUEST_TIMEOUT_S
) -> uvicorn.Config:
    # httptools + uvloop ("auto") are the fast path; lifespan handled by the app itself. The
    # protocol closes connections that do not deliver a complete request in time (slowloris).
    return uvicorn.Config(
        app,
        http=guarded_protocol(request_timeout_s),
        timeout_keep_alive=5,
        loop="auto",
        lifespan="on",
        log_level=log_level,
        access_log=access_log,
        timeout_graceful_shutdown=2,
    )


class RunningServer:
    """A simulator served by uvicorn on a background thread; `stop()` (or `with`) shuts it down."""

    def __init__(
        self, app: SimulatorApp, server: uvicorn.Server, thread: threading.Thread, sock: socket.socket
    ):
        self.app = app
        self._server = server
        self._thread = thread
        self._socket = sock
        self.base_url = base_url_of(sock)

    @property
    def sim(self) -> Simulator:
        """The live simulator state (read it from tests; mutate only through HTTP while serving)."""
        return self.app.sim

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit, wait for the thread, close the socket. Idempotent."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._thread.is_alive():
            # Open keep-alive connections can delay a graceful exit; force it.
            self._server.force_exit = True
            self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def run_in_thread(
    config: ServerConfig,
    *,
    host: str = DEFAULT_HOST,
    port: int = 0,
    log_level: str = "warning",
    startup_timeout: float = 30.0,
    request_timeout_s: float = REQUEST_TIMEOUT_S,
) -> RunningServer:
    """Start the simulator on `host:port` (0 = a free port) in a daemon thread; returns once serving."""
    app = create_app(config)
    sock = bind_socket(host, port)
    server = uvicorn.Server(
        _uvicorn_config(app, log_level, access_log=False, request_timeout_s=request_timeout_s)
    )
    errors: list[BaseException] = []

    def target() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the caller below
            errors.append(exc)

    thread = threading.Thread(target=target, name=f"alphaloop-sim-{sock.getsockname()[1]}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if errors or not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(5)
            sock.close()
            raise RuntimeError(f"simulator server did not start: {errors[0] if errors else 'timeout'}")
        time.sleep(0.01)
    return RunningServer(app, server, thread, sock)


def serve(
    config: ServerConfig,
    *,
    host: str = DEFAULT_HOST,
    port: int = 0,
    log_level: str = "info",
    access_log: bool = False,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve in the foreground until interrupted; `on_ready(base_url)` runs once the port is bound."""
    app = create_app(config)
    sock = bind_socket(host, port)
    try:
        if on_ready is not None:
            on_ready(base_url_of(sock))
        uvicorn.Server(_uvicorn_config(app, log_level, access_log)).run(sockets=[sock])
    finally:
        sock.close()
