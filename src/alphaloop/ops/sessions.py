"""Building wall-clock sessions (`alphaloop paper`, `alphaloop live`) and the live pre-flight."""

from __future__ import annotations

import time
from decimal import Decimal

from alphaloop.config import Settings
from alphaloop.decision.base import DecisionModel
from alphaloop.engine import ids
from alphaloop.engine.paper import PAPER_ACCOUNT, PaperVenue
from alphaloop.model import AiLog, ConfigurationError
from alphaloop.ops.trading import SessionPlan, TradingOptions, build_model
from alphaloop.venues.base import Venue

#: how far the venue clock may be from ours before live trading refuses to start (WEEX: 30 s window)
MAX_CLOCK_OFFSET_MS = 20_000


def _weex(settings: Settings, base_url: str | None, *, private: bool) -> tuple[Venue, str]:
    from alphaloop.venues.weex.venue import WeexVenue

    credentials = settings.weex_credentials() if private else None
    if private and credentials is None:
        raise ConfigurationError(
            "WEEX_API_KEY, WEEX_SECRET_KEY and WEEX_PASSPHRASE must be set (environment or .env)"
        )
    venue = WeexVenue.create(
        base_url or settings.weex.base_url,
        credentials,
        timeout=settings.weex.timeout_seconds,
        locale=settings.weex.locale,
        max_leverage=settings.competition.max_leverage,
        allowed_symbols=settings.competition.symbols,
        api=settings.weex.api,
    )
    account = ids.account_key("weex", credentials.api_key.get_secret_value()) if credentials else "public"
    return venue, account


def _woox(settings: Settings, base_url: str | None, *, private: bool) -> tuple[Venue, str]:
    from alphaloop.venues.woox.venue import WooxVenue

    credentials = settings.woox_credentials() if private else None
    if private and credentials is None:
        raise ConfigurationError("WOOX_API_KEY and WOOX_API_SECRET must be set (environment or .env)")
    venue = WooxVenue.from_settings(
        settings.woox,
        credentials,
        base_url=base_url,
        allowed_symbols=settings.competition.symbols,
        max_leverage=settings.competition.max_leverage,
    )
    account = ids.account_key("woox", credentials.api_key.get_secret_value()) if credentials else "public"
    return venue, account


def _venue(settings: Settings, name: str, base_url: str | None, *, private: bool) -> tuple[Venue, str]:
    if name == "weex":
        return _weex(settings, base_url, private=private)
    if name == "woox":
        return _woox(settings, base_url, private=private)
    raise ConfigurationError(f"unknown venue {name!r}: weex or woox")


def account_venue(settings: Settings, name: str, base_url: str | None) -> tuple[Venue, str]:
    """The private client of an account of venue `name` (credentials from the settings) and its
    account key: what `audit --venue` reads the venue's side with."""
    return _venue(settings, name, base_url, private=True)


def build_session(
    settings: Settings,
    options: TradingOptions,
    *,
    mode: str,
    venue_name: str,
    base_url: str | None,
    journal_url: str,
    balance: Decimal = Decimal(1000),
    poll_seconds: float = 5.0,
    maintain_seconds: float = 60.0,
    health_seconds: float = 60.0,
    max_cycles: int | None = None,
    model: DecisionModel | None = None,
) -> SessionPlan:
    """`paper` with a base URL and `live` trade an account of that venue (credentials from the
    environment); `paper` without one trades in-process on the venue's live public prices."""
    model = model or build_model(options)
    if mode == "paper" and base_url is None:
        public, _ = _venue(settings, venue_name, None, private=False)
        venue: Venue = PaperVenue(public, options.symbols, balance=balance)
        account = ids.account_key(f"paper-{venue_name}", PAPER_ACCOUNT)
        name = f"paper-{venue_name}"
    else:
        venue, account = _venue(settings, venue_name, base_url, private=True)
        name = venue_name
    return SessionPlan(
        venue=venue,
        venue_name=name,
        account=account,
        model=model,
        options=options,
        journal_url=journal_url,
        mode=mode,
        poll_seconds=poll_seconds,
        maintain_seconds=maintain_seconds,
        health_seconds=health_seconds,
        max_cycles=max_cycles,
    )


async def preflight(plan: SessionPlan) -> list[str]:
    """Qualify's public and account steps, then an AI-log upload probe. Leverage and reconciliation
    follow in the trader's own start-up, before its first order."""
    venue = plan.venue
    checks: list[str] = []
    server = await venue.fetch_time()
    offset = server - int(time.time() * 1000)
    if abs(offset) > MAX_CLOCK_OFFSET_MS:
        raise ConfigurationError(f"the venue clock is {offset / 1000:+.1f} s from ours: fix the system clock")
    checks.append(f"server time ok (offset {offset / 1000:+.2f} s)")
    instruments = await venue.load_instruments()
    missing = [s for s in plan.options.symbols if s not in instruments]
    if missing:
        raise ConfigurationError(f"{venue.name} does not list {', '.join(missing)}")
    checks.append(f"{len(plan.options.symbols)} contracts listed")
    ticker = await venue.fetch_ticker(plan.options.symbols[0])
    checks.append(f"ticker ok ({plan.options.symbols[0]} last {ticker.last})")
    balance = await venue.fetch_balance()
    checks.append(f"account ok (equity {balance.total} {balance.currency}, available {balance.free})")
    positions = await venue.fetch_positions(list(plan.options.symbols))
    orders = await venue.fetch_open_orders()
    checks.append(f"{len([p for p in positions if p.size > 0])} open positions, {len(orders)} open orders")
    await venue.upload_ai_log(
        AiLog(
            stage="Pre-flight",
            model=plan.model.info.label,
            input={"check": "AI-log upload probe at start-up"},
            output={"result": "ready"},
            explanation=(
                f"alphaloop start-up check: {plan.model.info.label} will make the trading decisions of this "
                "session; this record only proves the AI-log upload works before the first order."
            ),
        )
    )
    checks.append("AI-log upload probe accepted")
    return checks
