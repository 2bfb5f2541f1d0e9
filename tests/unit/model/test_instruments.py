from decimal import Decimal

import pytest

from alphaloop.model import (
    COMPETITION_SYMBOLS,
    Instrument,
    InvalidOrderError,
    SymbolNotAllowedError,
    format_decimal,
    from_weex_symbol,
    from_woox_symbol,
    to_unified_symbol,
    to_weex_symbol,
    to_woox_symbol,
)


def btc() -> Instrument:
    return Instrument(
        symbol="BTC/USDT:USDT",
        venue_symbol="cmt_btcusdt",
        base="BTC",
        quote="USDT",
        settle="USDT",
        price_tick=Decimal("0.1"),
        size_step=Decimal("0.0001"),
        min_size=Decimal("0.0001"),
        max_size=Decimal("1200"),
        max_market_open_size=Decimal("100"),
    )


@pytest.mark.parametrize("unified", COMPETITION_SYMBOLS)
def test_every_competition_symbol_round_trips_through_both_venue_spellings(unified: str) -> None:
    assert from_weex_symbol(to_weex_symbol(unified)) == unified
    assert from_woox_symbol(to_woox_symbol(unified)) == unified
    assert to_unified_symbol(to_weex_symbol(unified)) == unified
    assert to_unified_symbol(to_woox_symbol(unified)) == unified


def test_a_bare_pair_like_the_data_file_names_is_accepted() -> None:
    assert to_unified_symbol("BTCUSDT") == "BTC/USDT:USDT"
    assert to_unified_symbol("dogeusdt") == "DOGE/USDT:USDT"


def test_weex_and_woox_spellings_of_btc() -> None:
    assert to_weex_symbol("BTC/USDT:USDT") == "cmt_btcusdt"
    assert to_woox_symbol("BTC/USDT:USDT") == "PERP_BTC_USDT"
    assert from_weex_symbol("CMT_DOGEUSDT") == "DOGE/USDT:USDT"


@pytest.mark.parametrize("bad", ["BTC", "cmt_", "cmt_usdt", "BTC/USDT", "SPOT_BTC_USDT", "btc/usdt:"])
def test_malformed_symbols_are_refused_with_a_typed_error(bad: str) -> None:
    with pytest.raises(SymbolNotAllowedError):
        to_unified_symbol(bad)


def test_sizes_are_floored_to_the_step_never_rounded_up() -> None:
    assert btc().round_size(Decimal("0.00019")) == Decimal("0.0001")
    assert btc().round_size(Decimal("1.23456")) == Decimal("1.2345")


def test_prices_round_down_by_default_and_up_on_request() -> None:
    assert btc().round_price(Decimal("90755.37")) == Decimal("90755.3")
    assert btc().round_price(Decimal("90755.31"), up=True) == Decimal("90755.4")
    assert btc().round_price(Decimal("90755.3"), up=True) == Decimal("90755.3")


def test_size_limits_name_the_limit_that_was_violated() -> None:
    with pytest.raises(InvalidOrderError, match=r"minimum order size 0\.0001"):
        btc().check_size(Decimal("0.00001"))
    with pytest.raises(InvalidOrderError, match="maximum order size 1200"):
        btc().check_size(Decimal("1300"))
    with pytest.raises(InvalidOrderError, match="market-open limit 100"):
        btc().check_size(Decimal("150"), market_open=True)
    with pytest.raises(InvalidOrderError, match="size step"):
        btc().check_size(Decimal("0.00015"))
    btc().check_size(Decimal("150"))  # a limit order may exceed the market-open limit


def test_price_must_sit_on_the_tick() -> None:
    with pytest.raises(InvalidOrderError, match=r"tick 0\.1"):
        btc().check_price(Decimal("100.05"))
    btc().check_price(Decimal("100.1"))


def test_decimals_are_formatted_without_exponent() -> None:
    assert format_decimal(Decimal("1E+1")) == "10"
    assert format_decimal(Decimal("0.00010")) == "0.0001"
    assert format_decimal(Decimal("100000.0")) == "100000"
