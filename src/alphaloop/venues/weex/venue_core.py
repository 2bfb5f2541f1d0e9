"""Shared machinery of `WeexVenue`: competition guards, precision, instrument cache, and the
resolution of placements whose answer was lost (by client id, bounded, never re-sending)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Unpack

from alphaloop.model import (
    CancelResult,
    ConfigurationError,
    Instrument,
    InvalidOrderError,
    MarginMode,
    Order,
    OrderNotFoundError,
    SymbolNotAllowedError,
    TransientError,
    UnknownOrderOutcomeError,
)
from alphaloop.model.instruments import to_unified_symbol, to_weex_symbol
from alphaloop.venues.common.core import CoreOptions, VenueCore
from alphaloop.venues.weex.constants import (
    MAX_CLIENT_OID_LENGTH,
    VENUE_NAME,
)
from alphaloop.venues.weex.http import WeexHttpClient
from alphaloop.venues.weex.parse import (
    parse_instrument,
    parse_order,
    parse_plan_order,
)
from alphaloop.venues.weex.schemas import CancelOrderResult
from alphaloop.venues.weex.v3.client import WeexV3Client

#: The raw client under `WeexVenue`: contract API v2, or v3 seen through the same methods.
WeexClient = WeexHttpClient | WeexV3Client
API_VERSIONS = ("v2", "v3")


def make_client(api: str, base_url: str, credentials: WeexCredentials | None, **options: Any) -> WeexClient:
    """The raw client of contract API `api` ("v2" or "v3"); `options` are the transport's keyword
    arguments (transport, timeout, locale, ai_log_path, clock, ...)."""
    if api == "v2":
        return WeexHttpClient(base_url, credentials, **options)
    if api == "v3":
        return WeexV3Client(base_url, credentials, **options)
    raise ConfigurationError(
        f"WEEX api must be one of {', '.join(API_VERSIONS)}, not {api!r}", venue=VENUE_NAME
    )


if TYPE_CHECKING:
    # alphaloop.config imports this package's constants: a runtime import would be circular
    from alphaloop.config import WeexCredentials

logger = logging.getLogger("alphaloop.venues.weex")

_CLIENT_OID = re.compile(rf"[A-Za-z0-9_]{{1,{MAX_CLIENT_OID_LENGTH}}}")
MARGIN_MODE_CODES = {MarginMode.CROSS: 1, MarginMode.ISOLATED: 3}
#: how getAccounts `modeSetting` spells each mode (spec 5.4)
MARGIN_MODE_WIRE_NAMES = {MarginMode.CROSS: "SHARED", MarginMode.ISOLATED: "ISOLATED"}
PAGE_SIZE = 100
MAX_PAGES = 10


def new_client_oid() -> str:
    """34 alphanumeric characters: unique, and inside the venue's 40-character limit."""
    return "al" + uuid.uuid4().hex


class WeexVenueCore(VenueCore[WeexClient]):
    """Guards and helpers under `WeexVenue`; see `venue.py` for the port."""

    name = VENUE_NAME
    label = "WEEX"
    unlisted = "is not listed by WEEX"

    def __init__(
        self,
        client: WeexClient,
        *,
        client_oid_factory: Callable[[], str] = new_client_oid,
        **options: Unpack[CoreOptions],
    ) -> None:
        super().__init__(client, **options)
        self._new_client_oid = client_oid_factory

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client={self.client!r}, max_leverage={self.max_leverage})"

    # ------------------------------------------------------------ guards and helpers

    def _venue_symbol(self, symbol: str) -> str:
        return to_weex_symbol(to_unified_symbol(symbol))

    def _client_oid(self, given: str | None) -> str:
        client_oid = given if given is not None else self._new_client_oid()
        if not _CLIENT_OID.fullmatch(client_oid):
            raise InvalidOrderError(
                f"client order id {client_oid!r} must be 1-{MAX_CLIENT_OID_LENGTH} letters, digits or '_'",
                venue=VENUE_NAME,
            )
        return client_oid

    async def _list_instruments(self) -> dict[str, Instrument]:
        instruments: dict[str, Instrument] = {}
        for contract in await self.client.get_market_contracts():
            try:
                instrument = parse_instrument(contract)
            except SymbolNotAllowedError:
                logger.debug("skipping contract %r: not a cmt_<base>usdt symbol", contract.symbol)
                continue
            instruments[instrument.symbol] = instrument
        return instruments

    async def _detail_or(self, order_id: str, fallback: Order) -> Order:
        """The venue's view of a just-placed order; the order exists, so a failed lookup is not fatal."""
        try:
            return parse_order(await self.client.get_order_detail(order_id))
        except (TransientError, OrderNotFoundError) as exc:
            logger.warning("order %s placed but its detail is not readable yet (%s)", order_id, exc)
            return fallback

    async def _resolve_outcome(
        self, venue_symbol: str, client_oid: str, cause: UnknownOrderOutcomeError, *, plan: bool
    ) -> Order:
        async def lookup() -> Order | None:
            return await self._find_by_client_oid(venue_symbol, client_oid, plan=plan)

        return await self._await_outcome(venue_symbol, client_oid, cause, lookup)

    async def _find_by_client_oid(self, venue_symbol: str, client_oid: str, *, plan: bool) -> Order | None:
        for order in await self.client.get_order_current(venue_symbol, limit=PAGE_SIZE):
            if order.client_oid == client_oid:
                return parse_order(order)
        for order in await self.client.get_order_history(venue_symbol, page_size=PAGE_SIZE):
            if order.client_oid == client_oid:
                return parse_order(order)
        if plan:
            for plan_order in await self.client.get_order_current_plan(venue_symbol, limit=PAGE_SIZE):
                if plan_order.client_oid == client_oid:
                    return parse_plan_order(plan_order)
            history = await self.client.get_order_history_plan(venue_symbol, page_size=PAGE_SIZE)
            for plan_order in history.orders:
                if plan_order.client_oid == client_oid:
                    return parse_plan_order(plan_order)
        return None


def cancel_result(
    result: CancelOrderResult, order_id: str | None, client_order_id: str | None
) -> CancelResult:
    return CancelResult(
        order_id=result.order_id or order_id,
        client_order_id=result.client_oid or client_order_id,
        success=result.result,
        message=result.err_msg or "",
    )
