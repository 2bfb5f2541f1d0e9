"""`make_client` picks the raw client of the configured WEEX API version; both sit on the shared
transport (`venues/http`), and an unknown version is a configuration error, not a silent v2."""

from __future__ import annotations

import pytest

from alphaloop.model import ConfigurationError
from alphaloop.venues.http import HttpTransport
from alphaloop.venues.weex import WeexHttpClient
from alphaloop.venues.weex.v3.api import WeexV3Api
from alphaloop.venues.weex.v3.client import WeexV3Client, v2, v3
from alphaloop.venues.weex.venue_core import make_client


@pytest.mark.asyncio
async def test_each_version_gets_its_own_hooks_on_the_one_transport() -> None:
    old, new = make_client("v2", "http://127.0.0.1:1", None), make_client("v3", "http://127.0.0.1:1", None)
    try:
        assert isinstance(old, WeexHttpClient)
        assert isinstance(new, WeexV3Client)
        assert isinstance(new.raw, WeexV3Api)
        assert new.raw.transport is new
        assert isinstance(old, HttpTransport)
        assert isinstance(new, HttpTransport)
        assert new.endpoints["v3_cancelOrder"].method == "DELETE"
    finally:
        await old.aclose()
        await new.aclose()


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="v2, v3"):
        make_client("v4", "http://127.0.0.1:1", None)


@pytest.mark.parametrize(("old", "new"), [("cmt_btcusdt", "BTCUSDT"), ("cmt_dogeusdt", "DOGEUSDT")])
def test_symbols_translate_both_ways(old: str, new: str) -> None:
    assert v3(old) == new
    assert v2(new) == old
