"""Core rejections -> WEEX codes (spec 4.3, 10.5) and wire parameter parsing."""

from __future__ import annotations

import pytest

from alphaloop.venues.sim.core import RejectReason, SimRejection
from alphaloop.venues.sim.server.dialect import choice, decimal, integer, rejection_to_error
from alphaloop.venues.sim.server.wire import WeexError
from tests.kit.sim_server import asgi_client, make_app, private_post


@pytest.mark.parametrize(
    ("reason", "param", "code", "msg"),
    [
        (RejectReason.UNKNOWN_SYMBOL, "symbol", "40020", "Parameter symbol is invalid"),
        (RejectReason.INVALID_PARAMETER, "client_oid", "40020", "Parameter client_oid is invalid"),
        (RejectReason.PRECISION, "price", "40020", "Parameter price is invalid"),
        (RejectReason.SIZE_LIMIT, "size", "40020", "Parameter size is invalid"),
        (RejectReason.PRICE_BAND, "price", "40020", "Parameter price is invalid"),
        (RejectReason.CLOSE_EXCEEDS_POSITION, "size", "40020", "Parameter size is invalid"),
        (RejectReason.INSUFFICIENT_MARGIN, "size", "40020", "Parameter size is invalid"),
        (RejectReason.SYMBOL_NOT_ALLOWED, "symbol", "50003", "Not have permission to trade this pair."),
        (RejectReason.MISSING_PARAMETER, "price", "40019", "Parameter price cannot be empty"),
        (RejectReason.ORDER_NOT_FOUND, None, "50005", "Order does not exist"),
        (RejectReason.LEVERAGE_LIMIT, None, "50007", "Leverage cannot exceed the limit"),
        (RejectReason.DUPLICATE_CLIENT_ORDER_ID, "client_oid", "40020", "Parameter client_oid is invalid"),
    ],
)
def test_reason_to_code(reason: RejectReason, param: str | None, code: str, msg: str) -> None:
    error = rejection_to_error(SimRejection(reason, "core text", param=param))
    assert (error.code, error.msg, error.status) == (code, msg, 400)


def test_insufficient_margin_code_is_configurable() -> None:
    rejection = SimRejection(RejectReason.INSUFFICIENT_MARGIN, "needs more", param="size")
    assert rejection_to_error(rejection, insufficient_margin_code="40015").msg == "System error"


@pytest.mark.asyncio
async def test_the_app_uses_the_configured_margin_code() -> None:
    order = {"symbol": "cmt_btcusdt", "client_oid": "big", "size": "1", "type": "1", "order_type": "0"}
    async with asgi_client(make_app(insufficient_margin_code="40015")) as client:
        body = (await private_post(client, "/capi/v2/order/placeOrder", {**order, "match_price": "1"})).json()
    assert (body["code"], body["msg"]) == ("40015", "System error")


def test_numbers_are_accepted_as_strings_or_json_numbers() -> None:
    assert decimal({"size": "0.0001"}, "size") == decimal({"size": 0.0001}, "size")
    assert integer({"marginMode": "3"}, "marginMode") == integer({"marginMode": 3}, "marginMode") == 3
    assert choice({"type": 1}, "type", {"1": "open"}) == choice({"type": "1"}, "type", {"1": "open"})
    with pytest.raises(WeexError) as caught:
        decimal({"size": "1e"}, "size")
    assert caught.value.code == "40020"
    with pytest.raises(WeexError) as caught:
        decimal({"size": True}, "size")
    assert caught.value.code == "40020"
    with pytest.raises(WeexError) as caught:
        integer({"limit": ""}, "limit", required=True)
    assert caught.value.code == "40019"
