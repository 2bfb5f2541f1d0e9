"""Instruments (perpetual contracts), symbol mapping between venues, and contract precision."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from alphaloop.model.errors import InvalidOrderError, SymbolNotAllowedError

#: The eight pairs the WEEX "AI Wars" competition allows, as unified symbols.
COMPETITION_SYMBOLS: tuple[str, ...] = (
    "BTC/USDT:USDT",
    "ETH/USDT:USDT",
    "SOL/USDT:USDT",
    "DOGE/USDT:USDT",
    "XRP/USDT:USDT",
    "ADA/USDT:USDT",
    "BNB/USDT:USDT",
    "LTC/USDT:USDT",
)

#: Hard ceiling of the competition; configuration may lower it, never raise it.
COMPETITION_MAX_LEVERAGE = 20


def split_symbol(symbol: str) -> tuple[str, str, str]:
    """`BTC/USDT:USDT` -> (`BTC`, `USDT`, `USDT`); raises on anything else."""
    try:
        pair, settle = symbol.split(":")
        base, quote = pair.split("/")
    except ValueError:
        raise SymbolNotAllowedError(
            f"'{symbol}' is not a unified perpetual symbol like 'BTC/USDT:USDT'"
        ) from None
    if not (base and quote and settle) or not (base.isalnum() and quote.isalnum()):
        raise SymbolNotAllowedError(f"'{symbol}' is not a unified perpetual symbol")
    return base.upper(), quote.upper(), settle.upper()


def to_weex_symbol(symbol: str) -> str:
    """`BTC/USDT:USDT` -> `cmt_btcusdt`."""
    base, quote, _ = split_symbol(symbol)
    return f"cmt_{base}{quote}".lower()


def from_weex_symbol(venue_symbol: str, *, quote: str = "USDT") -> str:
    """`cmt_btcusdt` -> `BTC/USDT:USDT` (WEEX contracts are USDT-margined)."""
    body = venue_symbol.lower()
    if not body.startswith("cmt_") or not body.endswith(quote.lower()) or len(body) <= 4 + len(quote):
        raise SymbolNotAllowedError(f"'{venue_symbol}' is not a WEEX contract symbol like 'cmt_btcusdt'")
    base = body[4 : -len(quote)]
    return f"{base.upper()}/{quote}:{quote}"


def to_woox_symbol(symbol: str) -> str:
    """`BTC/USDT:USDT` -> `PERP_BTC_USDT`."""
    base, quote, _ = split_symbol(symbol)
    return f"PERP_{base}_{quote}"


def from_woox_symbol(venue_symbol: str) -> str:
    """`PERP_BTC_USDT` -> `BTC/USDT:USDT`."""
    parts = venue_symbol.upper().split("_")
    if len(parts) != 3 or parts[0] != "PERP":
        raise SymbolNotAllowedError(f"'{venue_symbol}' is not a WOO X perpetual symbol like 'PERP_BTC_USDT'")
    return f"{parts[1]}/{parts[2]}:{parts[2]}"


def to_unified_symbol(symbol: str) -> str:
    """Accept any known spelling (unified, WEEX, WOO X) and return the unified one."""
    if "/" in symbol:
        base, quote, settle = split_symbol(symbol)
        return f"{base}/{quote}:{settle}"
    if symbol.lower().startswith("cmt_"):
        return from_weex_symbol(symbol)
    if symbol.upper().startswith("PERP_"):
        return from_woox_symbol(symbol)
    upper = symbol.strip().upper()
    for quote in ("USDT", "USDC"):  # a bare pair, as in the data file names (BTCUSDT)
        if upper.endswith(quote) and len(upper) > len(quote) and upper.isalnum():
            return f"{upper[: -len(quote)]}/{quote}:{quote}"
    raise SymbolNotAllowedError(
        f"unknown symbol spelling '{symbol}': use BTC/USDT:USDT, BTCUSDT, cmt_btcusdt or PERP_BTC_USDT"
    )


def decimal_step(places: int) -> Decimal:
    """Number of decimal places -> step, e.g. 4 -> 0.0001, 0 -> 1."""
    return Decimal(1).scaleb(-places)


def format_decimal(value: Decimal) -> str:
    """Plain decimal text without exponent, as venues want it (`1E+1` -> `10`)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True, slots=True)
class Instrument:
    """A linear perpetual contract and its trading limits, with sizes in base coin."""

    symbol: str
    venue_symbol: str
    base: str
    quote: str
    settle: str
    price_tick: Decimal
    size_step: Decimal
    min_size: Decimal
    max_size: Decimal
    max_market_open_size: Decimal | None = None
    max_position_size: Decimal | None = None
    min_leverage: int = 1
    max_leverage: int = 20
    maker_fee: Decimal = Decimal("0.0002")
    taker_fee: Decimal = Decimal("0.0008")
    contract_value: Decimal = Decimal(0)
    buy_limit_price_ratio: Decimal | None = None
    sell_limit_price_ratio: Decimal | None = None
    funding_times_utc: tuple[str, ...] = ("00:00:00", "08:00:00", "16:00:00")

    def round_size(self, size: Decimal) -> Decimal:
        """Floor a size to the contract's step (never rounds up into more risk)."""
        step = self.size_step
        return (size / step).to_integral_value(rounding=ROUND_FLOOR) * step

    def round_price(self, price: Decimal, *, up: bool = False) -> Decimal:
        """Round a price to the tick: down by default, up when `up` (e.g. a passive sell)."""
        tick = self.price_tick
        rounding = ROUND_CEILING if up else ROUND_FLOOR
        return (price / tick).to_integral_value(rounding=rounding) * tick

    def is_price_on_tick(self, price: Decimal) -> bool:
        return (price / self.price_tick) == (price / self.price_tick).to_integral_value()

    def is_size_on_step(self, size: Decimal) -> bool:
        return (size / self.size_step) == (size / self.size_step).to_integral_value()

    def check_size(self, size: Decimal, *, market_open: bool = False) -> None:
        """Raise `InvalidOrderError` naming the violated limit; a size must already be on step."""
        if size <= 0:
            raise InvalidOrderError(f"{self.symbol}: size {format_decimal(size)} must be positive")
        if size < self.min_size:
            raise InvalidOrderError(
                f"{self.symbol}: size {format_decimal(size)} is below the minimum order size "
                f"{format_decimal(self.min_size)}"
            )
        if size > self.max_size:
            raise InvalidOrderError(
                f"{self.symbol}: size {format_decimal(size)} is above the maximum order size "
                f"{format_decimal(self.max_size)}"
            )
        if not self.is_size_on_step(size):
            raise InvalidOrderError(
                f"{self.symbol}: size {format_decimal(size)} is not a multiple of the size step "
                f"{format_decimal(self.size_step)}"
            )
        if market_open and self.max_market_open_size is not None and size > self.max_market_open_size:
            raise InvalidOrderError(
                f"{self.symbol}: market open size {format_decimal(size)} is above the market-open limit "
                f"{format_decimal(self.max_market_open_size)}"
            )

    def check_price(self, price: Decimal) -> None:
        if price <= 0:
            raise InvalidOrderError(f"{self.symbol}: price {format_decimal(price)} must be positive")
        if not self.is_price_on_tick(price):
            raise InvalidOrderError(
                f"{self.symbol}: price {format_decimal(price)} is not a multiple of the tick "
                f"{format_decimal(self.price_tick)}"
            )
