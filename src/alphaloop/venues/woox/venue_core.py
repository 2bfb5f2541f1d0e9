"""Shared machinery of `WooxVenue`: competition guards, precision, the instrument cache, client order
ids, the account's position mode, the local AI-log file, and the resolution of placements whose
answer was lost (by client order id, bounded, never re-sending)."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Unpack

from alphaloop.model import (
    AiLog,
    Instrument,
    InvalidOrderError,
    MarginMode,
    Order,
    OrderNotFoundError,
    TransientError,
    UnknownOrderOutcomeError,
)
from alphaloop.model.instruments import to_unified_symbol, to_woox_symbol
from alphaloop.venues.common.core import CoreOptions, VenueCore
from alphaloop.venues.woox.constants import VENUE_NAME
from alphaloop.venues.woox.http import WooxHttpClient
from alphaloop.venues.woox.parse import (
    MARGIN_MODE_WIRE,
    PositionMode,
    parse_instrument,
    parse_order,
    wire_client_id,
)

logger = logging.getLogger("alphaloop.venues.woox")

PAGE_SIZE = 500
MAX_PAGES = 20
#: Client ids remembered to show callers their own text again (the venue only knows the number).
CLIENT_ID_MEMORY = 10_000


def new_client_order_id() -> str:
    """A random id in WOO X's range (62 bits: unique in practice, never 0)."""
    return str(secrets.randbits(62) | 1)


class WooxVenueCore(VenueCore[WooxHttpClient]):
    """Guards and helpers under `WooxVenue`; see `venue.py` for the port."""

    name = VENUE_NAME
    label = "WOO X"
    unlisted = "is not a tradable WOO X perpetual"

    def __init__(
        self,
        client: WooxHttpClient,
        *,
        position_mode: PositionMode = "HEDGE_MODE",
        manage_position_mode: bool = True,
        ai_log_file: Path | None = None,
        client_order_id_factory: Callable[[], str] = new_client_order_id,
        **options: Unpack[CoreOptions],
    ) -> None:
        super().__init__(client, **options)
        self.position_mode: PositionMode = position_mode
        self.manage_position_mode = manage_position_mode
        self.ai_log_file = ai_log_file
        self._new_client_order_id = client_order_id_factory
        self._margin_modes: dict[str, MarginMode] = {}
        self._mode_checked = False
        self._mode_lock = asyncio.Lock()
        self._client_texts: OrderedDict[str, str] = OrderedDict()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client={self.client!r}, position_mode={self.position_mode})"

    # ------------------------------------------------------------ guards and helpers

    def _venue_symbol(self, symbol: str) -> str:
        return to_woox_symbol(to_unified_symbol(symbol))

    def _margin_wire(self, unified: str) -> str:
        return MARGIN_MODE_WIRE[self._margin_modes.get(unified, self.margin_mode)]

    async def _list_instruments(self) -> dict[str, Instrument]:
        """Perpetuals whose status is TRADING, keyed by unified symbol (spot rows are skipped)."""
        instruments: dict[str, Instrument] = {}
        for row in (await self.client.get_public_instruments()).rows:
            if not row.symbol.upper().startswith("PERP_"):
                continue
            if row.status.upper() != "TRADING":
                logger.debug("skipping %s: status %s", row.symbol, row.status)
                continue
            instrument = parse_instrument(row)
            instruments[instrument.symbol] = instrument
        return instruments

    # ------------------------------------------------------------ client order ids

    def _client_id(self, given: str | None) -> int:
        """The wire id for a caller's client order id (a new random one when None)."""
        text = given if given is not None else self._new_client_order_id()
        if not text.strip():
            raise InvalidOrderError("a client order id cannot be blank", venue=VENUE_NAME)
        number = wire_client_id(text)
        self._client_texts[str(number)] = text
        self._client_texts.move_to_end(str(number))
        while len(self._client_texts) > CLIENT_ID_MEMORY:
            self._client_texts.popitem(last=False)
        return number

    def _restore(self, order: Order) -> Order:
        """The order with the caller's own client order id text, when this process sent it."""
        text = self._client_texts.get(order.client_order_id or "")
        if text is None or text == order.client_order_id:
            return order
        return replace(order, client_order_id=text)

    # ------------------------------------------------------------ position mode

    def _needs_mode_check(self) -> bool:
        return self.manage_position_mode and not self._mode_checked

    async def ensure_position_mode(self) -> None:
        """Once per venue object: read the account's position mode and switch it to the configured
        one when it differs (the venue refuses while positions or orders are open)."""
        if not self._needs_mode_check():
            return
        async with self._mode_lock:
            if not self._needs_mode_check():  # another task checked it while we waited
                return
            info = await self.client.get_account_info()
            if info.accountMode and info.accountMode.upper() != "FUTURES":
                # the docs' own example shows MARGIN, so this warns instead of refusing (spec 4.2)
                logger.warning("WOO X account mode is %s; perpetuals need FUTURES", info.accountMode)
            current = (info.positionMode or "").upper()
            if current != self.position_mode:
                logger.info("switching WOO X position mode %s -> %s", current or "?", self.position_mode)
                await self.client.put_futures_position_mode(self.position_mode)
            self._mode_checked = True

    # ------------------------------------------------------------ lost answers

    async def _detail_or(self, order_id: str, fallback: Order) -> Order:
        """The venue's view of a just-placed order; it exists, so a failed lookup is not fatal."""
        try:
            wire = await self.client.get_trade_order(order_id=order_id, with_realized_pnl=True)
            return self._restore(parse_order(wire))
        except (TransientError, OrderNotFoundError) as exc:
            logger.warning("order %s placed but not readable yet (%s)", order_id, exc)
            return fallback

    async def _resolve_outcome(
        self,
        venue_symbol: str,
        client_id: int,
        cause: UnknownOrderOutcomeError,
        find: Callable[[int], Awaitable[Order]],
    ) -> Order:
        """Look the order up by its client id a bounded number of times; never re-send it."""

        async def lookup() -> Order | None:
            return await find(client_id)

        text = self._client_texts.get(str(client_id), str(client_id))
        return await self._await_outcome(venue_symbol, text, cause, lookup)

    # ------------------------------------------------------------ AI logs

    async def _append_ai_log(self, log: AiLog) -> None:
        if self.ai_log_file is None:
            logger.info("WOO X has no AI-log endpoint and no ai_log_file is set: log not stored")
            return
        record: dict[str, Any] = {
            "venue": VENUE_NAME,
            "stored_ms": int(time.time() * 1000),
            "order_id": log.order_id,
            "stage": log.stage,
            "model": log.model,
            "input": dict(log.input),
            "output": dict(log.output),
            "explanation": log.explanation,
            "extra": dict(log.extra),
        }
        line = json.dumps(record, ensure_ascii=False, default=str, separators=(",", ":")) + "\n"
        await asyncio.to_thread(_append_line, self.ai_log_file, line)


def _append_line(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as sink:
        sink.write(line)
