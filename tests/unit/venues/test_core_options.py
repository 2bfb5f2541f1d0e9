"""`VenueCore` options: typed once for every dialect, and a misspelt one is refused, not ignored."""

from __future__ import annotations

import pytest

from alphaloop.model import ConfigurationError
from alphaloop.venues.weex import WeexHttpClient, WeexVenue
from alphaloop.venues.woox import WooxHttpClient, WooxVenue


@pytest.mark.asyncio
async def test_each_domain_client_takes_the_shared_options_and_refuses_unknown_ones() -> None:
    async with (
        WeexHttpClient("http://127.0.0.1:9", None) as weex,
        WooxHttpClient("http://127.0.0.1:9", None) as woox,
    ):
        venue = WooxVenue(woox, max_leverage=5, outcome_checks=2, allowed_symbols=["BTC/USDT:USDT"])
        assert (venue.max_leverage, venue.outcome_checks, venue.allowed_symbols) == (
            5,
            2,
            frozenset({"BTC/USDT:USDT"}),
        )
        with pytest.raises(TypeError, match="max_lev"):
            WeexVenue(weex, max_lev=3)  # type: ignore[call-arg]
        with pytest.raises(ConfigurationError, match="max_leverage 21"):
            WeexVenue(weex, max_leverage=21)
