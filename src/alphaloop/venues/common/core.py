"""`VenueCore`: what every dialect's domain client shares under the `Venue` port.

Competition guards (allowed symbols, leverage cap), precision (prices rounded never worse than
asked, sizes on step), the instrument cache, and the bounded resolution of a placement whose answer
was lost: the order is looked up by its client order id a few times, never re-sent. A dialect's
`venue_core.py` subclasses it with its client, its instrument listing and its lookups.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypedDict, TypeVar, Unpack

from alphaloop.model import (
    COMPETITION_MAX_LEVERAGE,
    COMPETITION_SYMBOLS,
    AlphaloopError,
    ConfigurationError,
    Instrument,
    InvalidOrderError,
    LeverageLimitError,
    MarginMode,
    Order,
    Side,
    SymbolNotAllowedError,
    UnknownOrderOutcomeError,
)
from alphaloop.model.instruments import to_unified_symbol
from alphaloop.venues.http.transport import HttpTransport

__all__ = ["CoreOptions", "VenueCore"]

ClientT = TypeVar("ClientT", bound=HttpTransport[Any, Any, Any])


class CoreOptions(TypedDict, total=False):
    """Keyword options every domain client accepts (defaults in `VenueCore.__init__`)."""

    #: symbols that may be traded (competition set by default); others are refused before any request
    allowed_symbols: Iterable[str]
    #: leverage cap, 1..COMPETITION_MAX_LEVERAGE
    max_leverage: int
    margin_mode: MarginMode
    #: lookups by client order id after a lost answer, `outcome_check_interval` seconds apart
    outcome_checks: int
    outcome_check_interval: float


class VenueCore(Generic[ClientT]):
    """Guards and helpers under a dialect's `Venue`; the dialect sets `name` and `label`."""

    name: str
    #: the venue as messages name it ("WEEX")
    label: ClassVar[str]
    #: why a symbol missing from the instrument listing cannot be traded
    unlisted: ClassVar[str] = "is not listed"

    def __init__(self, client: ClientT, **options: Unpack[CoreOptions]) -> None:
        unknown = set(options) - CoreOptions.__optional_keys__
        if unknown:  # what a plain keyword signature would refuse, for untyped callers
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments {sorted(unknown)}")
        max_leverage = options.get("max_leverage", COMPETITION_MAX_LEVERAGE)
        outcome_checks = options.get("outcome_checks", 3)
        if not 1 <= max_leverage <= COMPETITION_MAX_LEVERAGE:
            raise ConfigurationError(
                f"max_leverage {max_leverage} must be between 1 and {COMPETITION_MAX_LEVERAGE}"
            )
        if outcome_checks < 1:
            raise ConfigurationError("outcome_checks must be at least 1")
        self.client = client
        allowed = options.get("allowed_symbols", COMPETITION_SYMBOLS)
        self.allowed_symbols = frozenset(to_unified_symbol(s) for s in allowed)
        self.max_leverage = max_leverage
        self.margin_mode = options.get("margin_mode", MarginMode.CROSS)
        self.outcome_checks = outcome_checks
        self.outcome_check_interval = options.get("outcome_check_interval", 1.0)
        self._instruments: dict[str, Instrument] | None = None
        self._log = logging.getLogger(f"alphaloop.venues.{self.name}")

    async def close(self) -> None:
        await self.client.aclose()

    # ------------------------------------------------------------ guards

    def _tradable(self, symbol: str) -> str:
        """Unified symbol if it may be traded, else `SymbolNotAllowedError` (no request is made)."""
        unified = to_unified_symbol(symbol)
        if unified not in self.allowed_symbols:
            allowed = ", ".join(sorted(self.allowed_symbols))
            raise SymbolNotAllowedError(
                f"{unified} is not in the allowed symbol set ({allowed}); refusing to trade it",
                venue=self.name,
            )
        return unified

    def _check_leverage(self, leverage: int) -> None:
        if leverage < 1 or leverage > self.max_leverage:
            raise LeverageLimitError(
                f"leverage {leverage} is outside 1..{self.max_leverage} (competition cap)", venue=self.name
            )

    def _leverage_allowed(self, symbol: str, leverage: int) -> str:
        """The unified symbol if `leverage` may be set on it: a tradable symbol, within the cap and,
        once the instruments are loaded, within the venue's own maximum (no request is made)."""
        unified = self._tradable(symbol)
        self._check_leverage(leverage)
        if self._instruments is not None and unified in self._instruments:
            venue_max = self._instruments[unified].max_leverage
            if leverage > venue_max:
                raise LeverageLimitError(
                    f"{unified}: leverage {leverage} above the venue maximum {venue_max}", venue=self.name
                )
        return unified

    # ------------------------------------------------------------ instruments and precision

    async def load_instruments(self, *, reload: bool = False) -> dict[str, Instrument]:
        """Contract specifications keyed by unified symbol, cached after the first call."""
        if self._instruments is None or reload:
            self._instruments = await self._list_instruments()
        return dict(self._instruments)

    async def _list_instruments(self) -> dict[str, Instrument]:
        """The dialect's hook: read the venue's tradable instruments."""
        raise NotImplementedError

    async def instrument(self, symbol: str) -> Instrument:
        unified = to_unified_symbol(symbol)
        instruments = await self.load_instruments()
        if unified not in instruments:
            raise SymbolNotAllowedError(f"{unified} {self.unlisted}", venue=self.name)
        return instruments[unified]

    @staticmethod
    def _round_price(instrument: Instrument, price: Decimal, side: Side) -> Decimal:
        """Buys round down and sells round up: never a worse price than asked."""
        rounded = instrument.round_price(price, up=side is Side.SELL)
        instrument.check_price(rounded)
        return rounded

    def _round_size(self, instrument: Instrument, amount: Decimal, *, market_open: bool = False) -> Decimal:
        size = instrument.round_size(amount)
        if size <= 0:
            raise InvalidOrderError(
                f"{instrument.symbol}: size {amount} rounds down to 0 "
                f"with the size step {instrument.size_step}",
                venue=self.name,
            )
        instrument.check_size(size, market_open=market_open)
        return size

    # ------------------------------------------------------------ lost answers

    async def _await_outcome(
        self,
        venue_symbol: str,
        client_order_id: str,
        cause: UnknownOrderOutcomeError,
        lookup: Callable[[], Awaitable[Order | None]],
    ) -> Order:
        """Look the order up by its client order id at most `outcome_checks` times; never re-send.

        `lookup` returns the order, None, or raises (not found yet, or a failed read): either way
        the next check follows; after the last one the outcome stays unknown."""
        last_error: AlphaloopError = cause
        for check in range(self.outcome_checks):
            if check:
                await self.client.clock.sleep(self.outcome_check_interval)
            try:
                found = await lookup()
            except AlphaloopError as exc:
                last_error = exc
                self._log.warning(
                    "outcome check %d for client id %s failed: %s", check + 1, client_order_id, exc
                )
                continue
            if found is not None:
                self._log.info(
                    "order with client id %s found after a lost answer: %s", client_order_id, found.id
                )
                return found
        raise UnknownOrderOutcomeError(
            f"{venue_symbol}: order with client id {client_order_id} not found after {self.outcome_checks} "
            f"checks; it may still exist -- reconcile before trading",
            client_order_id=client_order_id,
            venue=self.name,
            code=cause.code,
            http_status=cause.http_status,
        ) from last_error
