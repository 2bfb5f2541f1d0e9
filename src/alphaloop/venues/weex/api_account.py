"""Private account endpoints, `/capi/v2/account/*` (spec 7.14-7.24)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from alphaloop.model.instruments import format_decimal
from alphaloop.venues.weex.schemas import (
    AccountInfo,
    Ack,
    Asset,
    BillsPage,
    LeverageSetting,
    PositionWire,
)
from alphaloop.venues.weex.transport import WeexTransport

#: Prices, sizes and leverages go on the wire as decimal strings.
Numeric = Decimal | int | str

_ACCOUNT = TypeAdapter(AccountInfo)
_ASSETS = TypeAdapter(list[Asset])
_BILLS = TypeAdapter(BillsPage)
_SETTINGS = TypeAdapter(dict[str, LeverageSetting])
_ACK = TypeAdapter(Ack)
_POSITIONS = TypeAdapter(list[PositionWire])


def wire_number(value: Numeric) -> str:
    """`Decimal("1E+1")` -> `"10"`; ints and strings as given."""
    return format_decimal(value) if isinstance(value, Decimal) else str(value)


def compact(**fields: Any) -> dict[str, Any]:
    """A request body without the optional fields left as None."""
    return {key: value for key, value in fields.items() if value is not None}


class AccountApi(WeexTransport):
    """Balances, leverage, margin and positions."""

    async def get_account_get_accounts(self) -> AccountInfo:
        """GET /capi/v2/account/getAccounts -- account configuration and collateral."""
        return await self._call("getAccounts", _ACCOUNT)

    async def get_account_get_account(self, coin: str = "USDT") -> AccountInfo:
        """GET /capi/v2/account/getAccount -- the same for one collateral coin."""
        return await self._call("getAccount", _ACCOUNT, params={"coin": coin})

    async def get_account_assets(self) -> list[Asset]:
        """GET /capi/v2/account/assets -- balances per coin."""
        return await self._call("assets", _ASSETS)

    async def post_account_bills(
        self,
        coin: str | None = None,
        symbol: str | None = None,
        business_type: str | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
    ) -> BillsPage:
        """POST /capi/v2/account/bills -- ledger entries (a query sent as a signed JSON body)."""
        body = compact(
            coin=coin,
            symbol=symbol,
            businessType=business_type,
            startTime=start_time,
            endTime=end_time,
            limit=limit,
        )
        return await self._call("bills", _BILLS, body=body)

    async def get_account_settings(self, symbol: str | None = None) -> dict[str, LeverageSetting]:
        """GET /capi/v2/account/settings -- leverage settings keyed by symbol."""
        return await self._call("settings", _SETTINGS, params={"symbol": symbol})

    async def post_account_leverage(
        self, symbol: str, margin_mode: int, long_leverage: Numeric, short_leverage: Numeric
    ) -> Ack:
        """POST /capi/v2/account/leverage -- set leverage; `margin_mode` 1 cross, 3 isolated."""
        body = {
            "symbol": symbol,
            "marginMode": int(margin_mode),
            "longLeverage": wire_number(long_leverage),
            "shortLeverage": wire_number(short_leverage),
        }
        return await self._call("leverage", _ACK, body=body, envelope=True)

    async def post_account_adjust_margin(
        self, isolated_position_id: int | str, collateral_amount: Numeric, coin_id: int | None = None
    ) -> Ack:
        """POST /capi/v2/account/adjustMargin -- add (positive) or remove (negative) isolated margin."""
        body = compact(
            coinId=coin_id,
            isolatedPositionId=int(isolated_position_id),
            collateralAmount=wire_number(collateral_amount),
        )
        return await self._call("adjustMargin", _ACK, body=body, envelope=True)

    async def post_account_modify_auto_append_margin(
        self, position_id: int | str, auto_append_margin: bool
    ) -> Ack:
        """POST /capi/v2/account/modifyAutoAppendMargin -- automatic isolated-margin top-up on/off."""
        body = {"positionId": int(position_id), "autoAppendMargin": auto_append_margin}
        return await self._call("modifyAutoAppendMargin", _ACK, body=body, envelope=True)

    async def get_account_position_all_position(self) -> list[PositionWire]:
        """GET /capi/v2/account/position/allPosition -- every open position."""
        return await self._call("allPosition", _POSITIONS)

    async def get_account_position_single_position(self, symbol: str) -> list[PositionWire]:
        """GET /capi/v2/account/position/singlePosition -- the (up to two, hedge mode) rows of a symbol."""
        return await self._call("singlePosition", _POSITIONS, params={"symbol": symbol})

    async def post_account_position_change_hold_model(
        self, symbol: str, margin_mode: int, separated_mode: int | None = None
    ) -> Ack:
        """POST /capi/v2/account/position/changeHoldModel -- switch cross (1) / isolated (3)."""
        body = compact(symbol=symbol, marginMode=int(margin_mode), separatedMode=separated_mode)
        return await self._call("changeHoldModel", _ACK, body=body, envelope=True)
