"""The package's public surface is exactly `__all__`, and every name in it exists."""

from __future__ import annotations

import alphaloop.venues.weex as weex


def test_all_names_exist_and_are_unique() -> None:
    assert len(weex.__all__) == len(set(weex.__all__))
    for name in weex.__all__:
        assert hasattr(weex, name), name


def test_the_two_clients_are_exported() -> None:
    assert {"WeexHttpClient", "WeexVenue"} <= set(weex.__all__)
