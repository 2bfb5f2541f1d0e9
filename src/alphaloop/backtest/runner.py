"""Run a strategy over a `MarketFrame`: plan -> driver -> ledger -> `BacktestResult`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from alphaloop.backtest.driver import BacktestDriver, DriverOptions, DriverStats, Ledger
from alphaloop.backtest.gate import BacktestGate
from alphaloop.backtest.result import BacktestResult
from alphaloop.decision.base import SymbolPlan, VectorizedModel
from alphaloop.engine.ledger import LedgerConfig, PerpLedger, SymbolSpec
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.model.decision import Decision
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.frame import FundingSeries, MarketFrame
from alphaloop.model.instruments import COMPETITION_MAX_LEVERAGE, Instrument
from alphaloop.risk import RiskLimits
from alphaloop.venues.sim.core import DepthModel, ExchangeConfig
from alphaloop.venues.sim.server.contracts import default_instruments


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    initial_equity: float = 10_000.0
    leverage: int = 1
    sizing: SizingPolicy = field(default_factory=SizingPolicy)
    #: Adverse fraction on every taker fill (0.0005 = 5 bps); the spread is zero.
    slippage: float = 0.0
    #: None: each instrument's own taker fee (WEEX 0.08%).
    taker_fee: float | None = None
    funding: bool = True
    #: Run every bar through the simulator core (Decimal, slow) instead of the float ledger.
    exact: bool = False
    #: Contract terms by unified symbol (tick, size step, minimum, fees); None = WEEX defaults.
    contracts: Mapping[str, Instrument] | None = None
    #: Plan and gate orders like the trader (risk/ limits, kill switches); off only for research
    #: and the reference accounting mode (labelled NO RISK GATE).
    risk_gate: bool = True
    #: Market orders walk a book whose depth is `depth_share` of the last bar's volume within 1%
    #: of the touch (the simulator's `DepthModel`); None: unlimited depth at the touch (the
    #: reference accounting mode).
    depth_share: float | None = 0.05
    #: The trader's limits the gate applies (`risk` in the run configuration).
    limits: RiskLimits = field(default_factory=RiskLimits)

    def __post_init__(self) -> None:
        if not 1 <= self.leverage <= COMPETITION_MAX_LEVERAGE:
            raise ConfigurationError(f"leverage must be between 1 and {COMPETITION_MAX_LEVERAGE}")
        if self.initial_equity <= 0:
            raise ConfigurationError("initial equity must be positive")
        if not 0 <= self.slippage < 0.1:
            raise ConfigurationError("slippage must be a fraction in [0, 0.1)")
        if self.risk_gate and self.leverage > self.limits.max_leverage:
            raise ConfigurationError(
                f"leverage {self.leverage} is above the risk limit max_leverage={self.limits.max_leverage} "
                "(the trader would refuse it; --no-risk for research without the risk gate)"
            )


def instruments_for(
    symbols: Sequence[str], taker_fee: float | None = None, contracts: Mapping[str, Instrument] | None = None
) -> list[Instrument]:
    """The simulator's contract terms for each symbol (WEEX defaults), optionally another fee."""
    known = dict(contracts) if contracts is not None else default_instruments()
    out = []
    for symbol in symbols:
        if symbol not in known:
            raise ConfigurationError(f"no contract terms for {symbol}")
        instrument = known[symbol]
        if taker_fee is not None:
            instrument = replace(instrument, taker_fee=Decimal(repr(taker_fee)))
        out.append(instrument)
    return out


def exchange_config(config: BacktestConfig) -> ExchangeConfig:
    """The simulator-core settings a backtest implies (shared by both ledgers)."""
    return ExchangeConfig(
        market_slippage=Decimal(repr(config.slippage)),
        spread_ticks=0,
        default_leverage=config.leverage,
        enforce_price_band=False,
        depth=None if config.depth_share is None else DepthModel(share=Decimal(repr(config.depth_share))),
    )


@dataclass(frozen=True, slots=True)
class BacktestRun:
    result: BacktestResult
    plans: Mapping[str, SymbolPlan]
    stats: DriverStats
    #: Stepwise runs only: every Decision the model returned, in bar order.
    decisions: tuple[Decision, ...] = ()
    #: The summary's `risk` object: denials by rule, halted_at... ({"enabled": False} without gate).
    risk: Mapping[str, object] = field(default_factory=lambda: {"enabled": False})


def specs_for(frame: MarketFrame, config: BacktestConfig) -> list[SymbolSpec]:
    return [
        SymbolSpec.from_instrument(i)
        for i in instruments_for(list(frame.bars), config.taker_fee, config.contracts)
    ]


def build_ledger(frame: MarketFrame, config: BacktestConfig) -> Ledger:
    """The float ledger, or the simulator core itself with `config.exact`."""
    symbols = list(frame.bars)
    instruments = instruments_for(symbols, config.taker_fee, config.contracts)
    core_config = exchange_config(config)
    if config.exact:
        from alphaloop.engine.core_ledger import CoreLedger

        return CoreLedger(instruments, config.initial_equity, config.leverage, core_config)
    return PerpLedger(
        [SymbolSpec.from_instrument(i) for i in instruments],
        config.initial_equity,
        [config.leverage] * len(symbols),
        LedgerConfig(
            maintenance_margin_rate=float(core_config.maintenance_margin_rate),
            liquidation_fee_rate=float(core_config.liquidation_fee_rate),
            slippage=config.slippage,
            tpsl_delay_ms=core_config.tpsl_registration_delay_ms,
            depth_share=config.depth_share,
            depth_band=float(core_config.depth.band) if core_config.depth is not None else 0.01,
        ),
    )


def driver_options(frame: MarketFrame, config: BacktestConfig) -> DriverOptions:
    slots = config.sizing.slots if config.sizing.slots > 1 else len(frame.bars)
    return DriverOptions(
        initial_equity=config.initial_equity,
        sizing=replace(config.sizing, leverage=config.leverage, slots=slots),
        maintenance_margin_rate=float(exchange_config(config).maintenance_margin_rate),
        skip_idle_bars=not config.exact,
    )


def without_funding(frame: MarketFrame) -> MarketFrame:
    empty = {s: FundingSeries.empty() for s in frame.bars}
    return MarketFrame(frame.timeframe, frame.ts, frame.bars, empty)


def build_driver(
    frame: MarketFrame, plans: Mapping[str, SymbolPlan], config: BacktestConfig, *, strategy: str
) -> BacktestDriver:
    """The driver over a fresh ledger, gated like the trader unless `config.risk_gate` is off."""
    symbols = list(frame.bars)
    gate = BacktestGate(symbols, config.limits) if config.risk_gate else None
    return BacktestDriver(
        frame, plans, specs_for(frame, config), build_ledger(frame, config), driver_options(frame, config),
        strategy=strategy, gate=gate,
        instruments=instruments_for(symbols, config.taker_fee, config.contracts) if gate else (),
    )  # fmt: skip


def risk_summary(driver: BacktestDriver) -> dict[str, object]:
    return driver.gate.summary() if driver.gate is not None else {"enabled": False}


def run_plans(
    frame: MarketFrame,
    plans: Mapping[str, SymbolPlan],
    config: BacktestConfig,
    *,
    strategy: str,
) -> BacktestRun:
    if not config.funding:
        frame = without_funding(frame)
    driver = build_driver(frame, plans, config, strategy=strategy)
    result = replace(driver.run(), params=run_params(config))
    return BacktestRun(result, plans, driver.stats, risk=risk_summary(driver))


def run_params(config: BacktestConfig) -> dict[str, object]:
    return {
        "leverage": config.leverage,
        "sizing": config.sizing.mode,
        "slippage": config.slippage,
        "funding": config.funding,
        "exact": config.exact,
        "risk_gate": config.risk_gate,
        "depth_share": config.depth_share,
    }


def run_backtest(
    frame: MarketFrame, model: VectorizedModel, config: BacktestConfig | None = None
) -> BacktestRun:
    config = config or BacktestConfig()
    return run_plans(frame, model.plan(frame), config, strategy=model.info.name)
