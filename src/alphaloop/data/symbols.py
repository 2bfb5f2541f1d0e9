"""Symbol spellings the data layer accepts, and the file stem it stores them under.

Market-data files and the store name a pair like Binance does (`BTCUSDT`); the rest of alphaloop
speaks unified symbols (`BTC/USDT:USDT`). Users type any of the spellings below.
"""

from __future__ import annotations

from alphaloop.model import ConfigurationError, SymbolNotAllowedError
from alphaloop.model.instruments import split_symbol, to_unified_symbol

#: Quote coins recognised in a bare pair like `BTCUSDT` (longest first, so `USDC` is not read as `USD`).
_BARE_QUOTES = ("USDT", "USDC")


def unified_symbol(symbol: str) -> str:
    """Any known spelling -> `BTC/USDT:USDT`.

    Accepted: unified (`BTC/USDT:USDT`), without settle coin (`BTC/USDT`), WEEX (`cmt_btcusdt`),
    WOO X (`PERP_BTC_USDT`) and bare pairs (`BTCUSDT`, `btcusdt`), as in the data file names.
    """
    text = symbol.strip()
    try:
        if "/" in text and ":" not in text:
            base, quote = text.split("/")
            return to_unified_symbol(f"{base}/{quote}:{quote}")
        if "/" in text or text.lower().startswith("cmt_") or text.upper().startswith("PERP_"):
            return to_unified_symbol(text)
    except (
        SymbolNotAllowedError,
        ValueError,
    ) as exc:  # here a bad spelling is bad input, not a venue refusal
        raise ConfigurationError(f"'{symbol}' is not a symbol alphaloop understands: {exc}") from None
    upper = text.upper()
    for quote in _BARE_QUOTES:
        if upper.endswith(quote) and len(upper) > len(quote) and upper.isalnum():
            return f"{upper[: -len(quote)]}/{quote}:{quote}"
    raise ConfigurationError(
        f"'{symbol}' is not a symbol alphaloop understands "
        "(use BTC/USDT:USDT, BTCUSDT, cmt_btcusdt or PERP_BTC_USDT)"
    )


def file_stem(symbol: str) -> str:
    """`BTC/USDT:USDT` (or any spelling) -> `BTCUSDT`, the naming of data files and the store."""
    base, quote, _ = split_symbol(unified_symbol(symbol))
    return f"{base}{quote}"
