"""The simulator's WEEX contract API v2 HTTP server (`alphaloop sim serve`).

Programmatic use::

    from alphaloop.venues.sim.server import ApiAccount, ServerConfig, run_in_thread

    config = ServerConfig(accounts=(ApiAccount(api_key="k", secret_key="s", passphrase="p"),))
    with run_in_thread(config) as server:      # free loopback port, background thread
        print(server.base_url)                 # http://127.0.0.1:PORT
"""

from alphaloop.venues.sim.server.app import SimulatorApp, create_app
from alphaloop.venues.sim.server.config import (
    ApiAccount,
    RateLimitConfig,
    ServerConfig,
    default_data_dir,
    load_accounts,
)
from alphaloop.venues.sim.server.faults import FaultSpecError, parse_fault_spec
from alphaloop.venues.sim.server.runner import RunningServer, run_in_thread, serve
from alphaloop.venues.sim.server.state import Simulator

__all__ = [
    "ApiAccount",
    "FaultSpecError",
    "RateLimitConfig",
    "RunningServer",
    "ServerConfig",
    "Simulator",
    "SimulatorApp",
    "create_app",
    "default_data_dir",
    "load_accounts",
    "parse_fault_spec",
    "run_in_thread",
    "serve",
]
