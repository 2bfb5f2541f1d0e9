"""WOO X V3 wire shapes, with the venue's own field names (spec sections 2 and 4).

Tolerant by design, because captures of one endpoint disagree over time (spec 2.2): decimals arrive
as JSON numbers or strings (`Num`), ids as int64 numbers or strings (`Id`, kept as text so they never
pass through a float), times as ms numbers, ms strings or seconds-with-fraction strings (`Ms`),
`clientOrderId` 0 means "none" (`ClientId`), booleans as true/false or 0/1. Unknown keys are kept
(`extra="allow"`) and keys spelled two ways accept both (`AliasChoices`).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

from alphaloop.venues.common.wire import sane


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, Decimal):
        return sane(value)
    if isinstance(value, float):
        return sane(Decimal(repr(value)))
    if isinstance(value, int):
        return sane(Decimal(value))
    if isinstance(value, str):
        try:
            return sane(Decimal(value.strip()))
        except InvalidOperation:
            raise ValueError(f"not a decimal number: {value[:40]!r}") from None
    raise ValueError(f"not a number: {type(value).__name__}")


def _num(value: Any) -> Any:
    return _decimal(value)


def _opt_num(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip() in ("", "null")):
        return None
    return _decimal(value)


def _id(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not an id")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(sane(value)))
    return value


def _opt_id(value: Any) -> Any:
    if value is None or value == "":
        return None
    return _id(value)


def _client_id(value: Any) -> Any:
    """clientOrderId / clientAlgoOrderId: 0, "0" and null all mean "none"."""
    value = _opt_id(value)
    return None if value in (None, "0") else value


#: Below this a time can only be seconds (1e11 ms is 1973; 1e11 s is the year 5138).
_SECONDS_BELOW = Decimal(100_000_000_000)


def to_ms(value: Any) -> int | None:
    """A venue time -> epoch ms. Captures mix ms numbers, ms strings and seconds with a fraction
    (`"1752049062.496"`, spec 2.2); telling them apart by magnitude covers every form, including
    seconds written without a fraction. 0 (an unset `triggerTime`) stays 0."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    number = _decimal(value)
    if 0 < abs(number) < _SECONDS_BELOW:
        return int(number * 1000)
    return int(number)


def _ms(value: Any) -> Any:
    result = to_ms(value)
    if result is None:
        raise ValueError("a timestamp is required")
    return result


def _int(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not an integer")
    if isinstance(value, str | Decimal | float):
        return int(_decimal(value))
    return value


def _opt_int(value: Any) -> Any:
    if value is None or value == "":
        return None
    return _int(value)


def _flag(value: Any) -> Any:
    """true/false, 0/1 (`isMaker`), or their string spellings."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    if isinstance(value, int | Decimal):
        return value != 0
    return value


Num = Annotated[Decimal, BeforeValidator(_num)]
OptNum = Annotated[Decimal | None, BeforeValidator(_opt_num)]
Id = Annotated[str, BeforeValidator(_id)]
OptId = Annotated[str | None, BeforeValidator(_opt_id)]
ClientId = Annotated[str | None, BeforeValidator(_client_id)]
Ms = Annotated[int, BeforeValidator(_ms)]
OptMs = Annotated[int | None, BeforeValidator(to_ms)]
Int = Annotated[int, BeforeValidator(_int)]
OptInt = Annotated[int | None, BeforeValidator(_opt_int)]
Flag = Annotated[bool, BeforeValidator(_flag)]


class Wire(BaseModel):
    """Base of every wire shape: frozen, keeps unknown keys, accepts field names or aliases."""

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)


class Meta(Wire):
    total: OptInt = None
    recordsPerPage: OptInt = None
    currentPage: OptInt = None


RowT = TypeVar("RowT", bound=Wire)


class Page(Wire, Generic[RowT]):
    """`data` of every list answer: `rows`, plus `meta` on paginated ones (spec 2.1)."""

    rows: list[RowT] = Field(default_factory=list)
    meta: Meta | None = None


# ---------------------------------------------------------------- public


class SystemInfo(Wire):
    """`data` of systemInfo; the server time is the envelope's `timestamp`, not a field here."""

    status: Int = 0
    msg: str = ""
    estimatedEndTime: OptMs = None


class InstrumentWire(Wire):
    symbol: str
    status: str = "TRADING"
    baseAsset: str = ""
    quoteAsset: str = "USDT"
    baseAssetMultiplier: OptNum = None
    quoteMin: OptNum = None
    quoteMax: OptNum = None
    quoteTick: Num
    baseMin: OptNum = None
    baseMax: OptNum = None
    baseTick: Num
    minNotional: OptNum = None
    bidCapRatio: OptNum = None
    bidFloorRatio: OptNum = None
    askCapRatio: OptNum = None
    askFloorRatio: OptNum = None
    orderMode: str | None = None
    # perp-only fields seen in third-party code (spec 4.1, GO): optional
    fundingIntervalHours: OptInt = None
    baseIMR: OptNum = None
    baseMMR: OptNum = None


class KlineWire(Wire):
    symbol: str = ""
    open: Num
    close: Num
    high: Num
    low: Num
    volume: Num
    amount: OptNum = None
    type: str = ""
    startTimestamp: Ms
    endTimestamp: OptMs = None


class BookLevel(Wire):
    price: Num
    quantity: Num


class OrderbookWire(Wire):
    asks: list[BookLevel] = Field(default_factory=list)
    bids: list[BookLevel] = Field(default_factory=list)
    #: the envelope `timestamp`, copied in by the client: the snapshot id of WS book sync (spec 6.4)
    timestamp: OptMs = None


class MarketTradeWire(Wire):
    symbol: str
    side: str
    source: OptInt = None
    executedPrice: Num
    executedQuantity: Num
    executedTimestamp: Ms


class FuturesWire(Wire):
    """A row of `/v3/public/futures`: the perp ticker (24-hour fields start with a digit)."""

    symbol: str
    indexPrice: OptNum = None
    markPrice: OptNum = None
    estFundingRate: OptNum = None
    lastFundingRate: OptNum = None
    openInterest: OptNum = None
    open_24h: OptNum = Field(default=None, alias="24hOpen")
    close_24h: Num = Field(alias="24hClose")
    high_24h: OptNum = Field(default=None, alias="24hHigh")
    low_24h: OptNum = Field(default=None, alias="24hLow")
    volume_24h: OptNum = Field(default=None, alias="24hVolume")
    amount_24h: OptNum = Field(default=None, alias="24hAmount")
    nextFundingTime: OptMs = None


class FundingRateWire(Wire):
    symbol: str
    estFundingRate: OptNum = None
    estFundingRateTimestamp: OptMs = None
    lastFundingRate: OptNum = None
    lastFundingRateTimestamp: OptMs = None
    nextFundingTime: OptMs = None
    lastFundingIntervalHours: OptInt = None
    estFundingIntervalHours: OptInt = None


class FundingRateHistoryWire(Wire):
    symbol: str
    fundingRate: Num
    fundingRateTimestamp: Ms
    nextFundingTime: OptMs = None
    markPrice: OptNum = None


# ---------------------------------------------------------------- account


class AccountInfoWire(Wire):
    applicationId: str | None = None
    account: str | None = None
    accountMode: str | None = None
    positionMode: str | None = None
    leverage: OptNum = None
    makerFeeRate: OptNum = None
    takerFeeRate: OptNum = None
    totalCollateral: OptNum = None
    freeCollateral: OptNum = None
    totalAccountValue: OptNum = None
    maintenanceMarginRatio: OptNum = None


class BalanceWire(Wire):
    token: str
    holding: Num
    frozen: OptNum = None
    availableBalance: OptNum = None
    averageOpenPrice: OptNum = None
    markPrice: OptNum = None
    pnl24H: OptNum = None
    fee24H: OptNum = None
    timestamp: OptMs = None


class BalancesWire(Wire):
    holding: list[BalanceWire] = Field(default_factory=list)


class PositionWire(Wire):
    symbol: str
    holding: Num
    pendingLongQty: OptNum = None
    pendingShortQty: OptNum = None
    settlePrice: OptNum = None
    averageOpenPrice: OptNum = None
    pnl24H: OptNum = None
    fee24H: OptNum = None
    markPrice: OptNum = None
    estLiqPrice: OptNum = None
    timestamp: OptMs = None
    adlQuantile: OptInt = None
    positionSide: str = "BOTH"
    marginMode: str = "CROSS"
    isolatedMarginToken: str | None = None
    isolatedMarginAmount: OptNum = None
    leverage: OptNum = None


class PositionsWire(Wire):
    positions: list[PositionWire] = Field(default_factory=list)


class LeverageDetail(Wire):
    positionSide: str = "BOTH"
    leverage: Int


class LeverageWire(Wire):
    symbol: str
    marginMode: str = "CROSS"
    positionMode: str = "ONE_WAY"
    details: list[LeverageDetail] = Field(default_factory=list)


class MarginModeWire(Wire):
    symbol: str | None = None
    marginMode: str = "CROSS"


class FundingFeeWire(Wire):
    id: Id
    symbol: str
    fundingRate: OptNum = None
    markPrice: OptNum = None
    fundingFee: Num
    fundingIntervalHours: OptInt = None
    paymentType: str = "Pay"
    status: str = ""
    createdTime: OptMs = None
    updatedTime: OptMs = None


class TradingFeeWire(Wire):
    symbol: str
    takerFee: Num
    makerFee: Num


# ---------------------------------------------------------------- orders


class PlaceOrderResult(Wire):
    orderId: Id
    clientOrderId: ClientId = None
    type: str | None = None
    price: OptNum = None
    quantity: OptNum = None
    amount: OptNum = None


class StatusAck(Wire):
    """`{"status": "CANCEL_SENT" | "CANCEL_ALL_SENT" | "EDIT_SENT"}` (or nothing at all)."""

    status: str = ""


class CancelAllAfterResult(Wire):
    expectedTriggerTime: OptMs = None


class OrderWire(Wire):
    """An ordinary order of `GET /v3/trade/order(s)` (spec 4.4)."""

    orderId: Id
    clientOrderId: ClientId = None
    symbol: str
    orderTag: str | None = None
    side: str
    quantity: OptNum = None
    amount: OptNum = None
    type: str
    status: str
    price: OptNum = None
    executed: OptNum = None
    visible: OptNum = None
    averageExecutedPrice: OptNum = None
    totalFee: OptNum = None
    feeAsset: str | None = None
    totalRebate: OptNum = None
    rebateAsset: str | None = Field(
        default=None, validation_alias=AliasChoices("rebateAsset", "rebateCurrency")
    )
    reduceOnly: Flag = False
    createdTime: OptMs = None
    updatedTime: OptMs = None
    realizedPnl: OptNum = None
    positionSide: str = "BOTH"
    marginMode: str | None = None
    leverage: OptNum = None


class TransactionWire(Wire):
    """A fill of `transactionHistory` / `transaction` (spec 4.4)."""

    id: Id
    symbol: str
    orderId: Id
    orderTag: str | None = None
    executedPrice: Num
    executedQuantity: Num
    isMaker: Flag = False
    side: str
    positionSide: str | None = None
    fee: OptNum = None
    feeAsset: str | None = None
    realizedPnl: OptNum = None
    executedTimestamp: Ms


class AlgoPlaceRow(Wire):
    algoOrderId: Id
    clientAlgoOrderId: ClientId = None
    algoType: str = ""
    quantity: OptNum = None


class AlgoPlaceResult(Wire):
    rows: list[AlgoPlaceRow] = Field(default_factory=list)


class AlgoOrderWire(Wire):
    """An algo order of `GET /v3/trade/algoOrder(s)` (spec 4.5); legs nest in `childOrders`."""

    algoOrderId: Id
    clientAlgoOrderId: ClientId = None
    rootAlgoOrderId: OptId = None
    parentAlgoOrderId: OptId = None
    symbol: str
    algoOrderTag: str | None = Field(default=None, validation_alias=AliasChoices("algoOrderTag", "orderTag"))
    algoType: str
    side: str | None = None
    positionSide: str = "BOTH"
    quantity: OptNum = None
    isTriggered: Flag = False
    triggerStatus: str | None = None
    type: str | None = None
    rootAlgoStatus: str | None = None
    algoStatus: str = "NEW"
    triggerPriceType: str | None = None
    triggerPrice: OptNum = None
    price: OptNum = None
    triggerTime: OptMs = None
    totalExecutedQuantity: OptNum = None
    averageExecutedPrice: OptNum = None
    totalFee: OptNum = None
    feeAsset: str | None = None
    reduceOnly: Flag = False
    createdTime: OptMs = None
    updatedTime: OptMs = None
    isActivated: Flag | None = None
    callbackRate: OptNum = None
    callbackValue: OptNum = None
    activatedPrice: OptNum = None
    realizedPnl: OptNum = None
    childOrders: list[AlgoOrderWire] = Field(default_factory=list)
