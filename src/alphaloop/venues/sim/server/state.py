"""The mutable world behind the HTTP server: core exchange, replay, clocks, logs, counters, limits.

One `Simulator` per app. The ASGI app is single-threaded (one event loop) and the core is pure and
synchronous, so no locking is needed; `sync()` catches market time up before each request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from alphaloop.model import TIMEFRAME_MS, ConfigurationError, Instrument
from alphaloop.venues.sim.core import Exchange, ExchangeConfig
from alphaloop.venues.sim.feed import MarketData, MarketReplay, SimClock
from alphaloop.venues.sim.server.auth import Authenticator
from alphaloop.venues.sim.server.config import ApiAccount, ServerConfig
from alphaloop.venues.sim.server.contracts import ContractInfo, contract_infos, default_instruments
from alphaloop.venues.sim.server.faults import FaultInjector, parse_fault_spec
from alphaloop.venues.sim.server.ratelimit import ServerRateLimiter
from alphaloop.venues.weex.constants import ENDPOINTS, TIMESTAMP_WINDOW_MS
from alphaloop.venues.woox.constants import ENDPOINTS as WOOX_ENDPOINTS

#: Numeric WEEX account ids are derived from the account's position in the config.
ACCOUNT_ID_BASE = 590_105_411_156_181_178


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%MZ")


class SimExtension(Protocol):
    """State a dialect keeps beside the core (WOO X: position modes, algo orders...)."""

    name: str

    def reset(self) -> None:
        """Forget everything; called after the simulator rebuilt its exchange."""
        ...

    def state(self) -> dict[str, Any]: ...

    def observe(self, now_ms: int) -> None:
        """The market may have moved (time advanced, a price was fed): catch up."""
        ...


def dialect_endpoint_names(dialect: str) -> tuple[str, ...]:
    """The endpoint names of a dialect: what fault rules target and request counters count."""
    if dialect == "weex-v3":
        from alphaloop.venues.weex.v3.constants import ENDPOINTS as V3_ENDPOINTS

        return tuple(e.name for e in V3_ENDPOINTS)
    return tuple(e.name for e in (WOOX_ENDPOINTS if dialect == "woox" else ENDPOINTS))


@dataclass(frozen=True, slots=True)
class StoredAiLog:
    """One uploadAiLog call, kept verbatim (raw body text) with its receive times."""

    received_ms: int
    sim_ms: int
    api_key: str
    body: str
    parsed: dict[str, Any]


class Simulator:
    """Holds everything a request handler may read or change."""

    def __init__(
        self,
        config: ServerConfig,
        *,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        data: MarketData | None = None,
    ) -> None:
        self.config = config
        self._wall = wall
        self.monotonic = monotonic
        self.extensions: list[SimExtension] = []
        self.endpoint_names = dialect_endpoint_names(config.dialect)
        if config.dialect == "woox":
            # imported here: the WOO X dialect package imports this module
            from alphaloop.venues.sim.server.woox.instruments import woox_instruments

            instruments = woox_instruments(config.symbols)
        else:
            instruments = default_instruments(config.symbols)
        self.data = data or MarketData(config.data_dir, list(instruments), config.timeframe)
        # Serve only symbols that have data: a contract without prices could never be traded.
        self.instruments: dict[str, Instrument] = {
            s: i for s, i in instruments.items() if s in self.data.series
        }
        self.contracts: dict[str, ContractInfo] = contract_infos(self.instruments.values())
        self.by_unified: dict[str, ContractInfo] = {c.instrument.symbol: c for c in self.contracts.values()}
        self.accounts: dict[str, ApiAccount] = {a.api_key: a for a in config.accounts}
        self.account_numbers: dict[str, int] = {
            a.core_id: ACCOUNT_ID_BASE + n for n, a in enumerate(config.accounts)
        }
        self.auth = Authenticator(
            config.accounts,
            window_ms=config.timestamp_window_ms or TIMESTAMP_WINDOW_MS,
            ip_reject=config.ip_reject,
            lenient=config.lenient_signatures,
        )
        self.limiter = ServerRateLimiter(config.rate_limits, clock=monotonic)
        self.faults = FaultInjector(parse_fault_spec(config.faults, self.endpoint_names), seed=config.seed)
        self.start_ms = config.start_ms if config.start_ms is not None else self.data.default_start_ms()
        first_close = self.data.start_ms + TIMEFRAME_MS[config.timeframe]
        if not first_close <= self.start_ms < self.data.end_ms:
            # Outside the data the core has no price (every order would fail) or nothing to replay.
            raise ConfigurationError(
                f"start {_iso(self.start_ms)} is outside the data: choose between {_iso(first_close)} "
                f"and {_iso(self.data.end_ms)}"
            )
        self.created_wall_ms = self.wall_ms()
        self._build_world()

    def _build_world(self) -> None:
        exchange_config = ExchangeConfig(tpsl_registration_delay_ms=self.config.tpsl_lag_ms)
        self.exchange = Exchange(self.instruments, exchange_config)
        self.clock = SimClock(self.start_ms, self.config.speed, wall=self._wall)
        for account in self.config.accounts:
            self.exchange.open_account(account.core_id, account.balance, now_ms=self.start_ms)
        self.replay = MarketReplay(self.data, self.exchange, self.start_ms)
        self.ai_logs: list[StoredAiLog] = []
        self.counters: dict[str, dict[str, int]] = {name: {} for name in self.endpoint_names}
        self.requests_total = 0

    def reset(self) -> None:
        """Fresh accounts, orders and market at the start time; faults and limits cleared too."""
        self.faults.set_rules(())
        self.limiter.reset()
        self._build_world()
        for extension in self.extensions:
            extension.reset()

    # ------------------------------------------------------------------ time
    def wall_ms(self) -> int:
        """The server's wall clock in ms, shifted by any injected clock skew."""
        return int(self._wall() * 1000) + self.faults.skew_ms

    def reported_ms(self) -> int:
        """The time the simulator reports (`/market/time`, `requestTime`, the WOO X envelope
        `timestamp`, error bodies): its one simulated clock, shifted by any injected skew."""
        return self.clock.now_ms() + self.faults.skew_ms

    def sync(self) -> int:
        """Advance the replay to the current simulated time and return it."""
        now = self.clock.now_ms()
        if now > self.replay.now_ms:
            self.replay.advance_to(now)
        self.observe(now)
        return now

    def observe(self, now_ms: int) -> None:
        """Let the dialect's extensions catch up with the market (no-op without extensions)."""
        for extension in self.extensions:
            extension.observe(now_ms)

    def advance(self, ms: int) -> int:
        self.clock.advance(ms)
        return self.sync()

    # ------------------------------------------------------------ bookkeeping
    def count(self, endpoint: str, status: int) -> None:
        self.requests_total += 1
        per = self.counters.setdefault(endpoint, {})
        key = str(status)
        per[key] = per.get(key, 0) + 1

    def state(self) -> dict[str, Any]:
        """Everything tests may assert on: core state, AI logs, request counters, clocks, faults."""
        return {
            "sim_time_ms": self.clock.now_ms(),
            "wall_time_ms": self.wall_ms(),
            "start_ms": self.start_ms,
            "data_end_ms": self.data.end_ms,
            "speed": self.clock.speed,
            "replay": {
                "applied_candles": self.replay.applied_candles,
                "settled_fundings": self.replay.settled_fundings,
            },
            "accounts": {a.api_key: a.core_id for a in self.config.accounts},
            "core": self.exchange.state(),
            "ai_logs": [
                {
                    "received_ms": log.received_ms,
                    "sim_ms": log.sim_ms,
                    "api_key": log.api_key,
                    "body": log.body,
                    "parsed": log.parsed,
                }
                for log in self.ai_logs
            ],
            "requests": {
                "total": self.requests_total,
                "by_endpoint": {k: dict(v) for k, v in self.counters.items() if v},
                "rate_limited": self.limiter.refused,
                "rate_usage": self.limiter.usage(),
            },
            "faults": {
                "spec": self.faults.spec,
                "fired": dict(self.faults.fired),
                "skew_ms": self.faults.skew_ms,
            },
            **({"dialect": {e.name: e.state() for e in self.extensions}} if self.extensions else {}),
        }
