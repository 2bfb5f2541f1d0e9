"""Private account endpoints: `/v3/account/*`, `/v3/asset/*`, `/v3/futures/*` and the fee rate (spec 4.2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from alphaloop.model.instruments import format_decimal
from alphaloop.venues.woox.schemas import (
    AccountInfoWire,
    BalancesWire,
    FundingFeeWire,
    LeverageWire,
    MarginModeWire,
    Page,
    PositionsWire,
    StatusAck,
    TradingFeeWire,
)
from alphaloop.venues.woox.transport import WooxTransport

#: Prices and quantities go on the wire as decimal strings.
Numeric = Decimal | int | str

_ACCOUNT = TypeAdapter(AccountInfoWire)
_BALANCES = TypeAdapter(BalancesWire)
_POSITIONS = TypeAdapter(PositionsWire)
_LEVERAGE = TypeAdapter(LeverageWire)
_ACK = TypeAdapter(StatusAck)
_MARGIN_MODE = TypeAdapter(MarginModeWire)
_FUNDING_FEES = TypeAdapter(Page[FundingFeeWire])
_TRADING_FEE = TypeAdapter(TradingFeeWire)


def wire_number(value: Numeric) -> str:
    """`Decimal("1E+1")` -> `"10"`; ints and strings as given."""
    return format_decimal(value) if isinstance(value, Decimal) else str(value)


def opt_number(value: Numeric | None) -> str | None:
    return None if value is None else wire_number(value)


def compact(**fields: Any) -> dict[str, Any]:
    """A request body without the optional fields left as None."""
    return {key: value for key, value in fields.items() if value is not None}


class AccountApi(WooxTransport):
    """Account mode, balances, positions, leverage, margin and position mode, funding fees."""

    async def get_account_info(self) -> AccountInfoWire:
        """GET /v3/account/info -- account and position mode, collateral (10 per minute: do not poll)."""
        return await self._call("accountInfo", _ACCOUNT)

    async def get_asset_balances(self, token: str | None = None) -> BalancesWire:
        """GET /v3/asset/balances -- `holding` rows per token (wallet, frozen, available)."""
        return await self._call("balances", _BALANCES, params={"token": token})

    async def get_futures_positions(self, symbol: str | None = None) -> PositionsWire:
        """GET /v3/futures/positions -- position rows (flat ones may be listed with holding 0)."""
        return await self._call("positions", _POSITIONS, params={"symbol": symbol})

    async def get_futures_leverage(
        self, symbol: str, margin_mode: str, position_mode: str | None = None
    ) -> LeverageWire:
        """GET /v3/futures/leverage -- leverage per position side for one margin mode."""
        params = {"symbol": symbol, "marginMode": margin_mode, "positionMode": position_mode}
        return await self._call("getLeverage", _LEVERAGE, params=params)

    async def put_futures_leverage(
        self,
        symbol: str,
        leverage: int,
        margin_mode: str,
        *,
        position_side: str | None = None,
        position_mode: str | None = None,
    ) -> StatusAck:
        """PUT /v3/futures/leverage -- leverage (a positive integer) of one symbol and margin mode."""
        body = compact(
            symbol=symbol,
            leverage=int(leverage),
            marginMode=margin_mode,
            positionSide=position_side,
            positionMode=position_mode,
        )
        return await self._call("setLeverage", _ACK, body=body)

    async def put_futures_position_mode(self, position_mode: str) -> StatusAck:
        """PUT /v3/futures/positionMode -- ONE_WAY or HEDGE_MODE (refused with open positions/orders)."""
        return await self._call("positionMode", _ACK, body={"positionMode": position_mode})

    async def get_futures_default_margin_mode(self, symbol: str | None = None) -> MarginModeWire:
        """GET /v3/futures/defaultMarginMode -- the margin mode orders get when they name none."""
        return await self._call("getDefaultMarginMode", _MARGIN_MODE, params={"symbol": symbol})

    async def put_futures_default_margin_mode(self, margin_mode: str, symbol: str | None = None) -> StatusAck:
        """PUT /v3/futures/defaultMarginMode -- CROSS or ISOLATED (per symbol when given)."""
        body = compact(symbol=symbol, marginMode=margin_mode)
        return await self._call("setDefaultMarginMode", _ACK, body=body)

    async def get_futures_funding_fee_history(
        self,
        symbol: str | None = None,
        *,
        start_time: int | None = None,
        end_time: int | None = None,
        page: int | None = None,
        size: int | None = None,
    ) -> Page[FundingFeeWire]:
        """GET /v3/futures/fundingFee/history -- funding paid (`Pay`) or received (`Receive`)."""
        params = {"symbol": symbol, "startTime": start_time, "endTime": end_time, "page": page, "size": size}
        return await self._call("fundingFeeHistory", _FUNDING_FEES, params=params)

    async def get_trade_trading_fee(self, symbol: str) -> TradingFeeWire:
        """GET /v3/trade/tradingFee -- maker/taker fee of a symbol (units look like basis points)."""
        return await self._call("tradingFee", _TRADING_FEE, params={"symbol": symbol})
