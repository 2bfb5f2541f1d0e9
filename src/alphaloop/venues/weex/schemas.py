"""WEEX contract API v2 wire shapes, with the venue's own field names (spec section 7).

Tolerant by design: numerics arrive as strings or numbers (`Num`), ids as 18-19-digit numbers or
strings (`Id`, kept as text so they never pass through a float), empty strings mean "absent",
unknown keys are kept (`extra="allow"`), and keys the docs spell two ways accept both
(`AliasChoices`). Everything documented as optional has a default.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from alphaloop.venues.common.wire import sane


def _num(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        return sane(Decimal(repr(value)))
    if isinstance(value, str):
        text = value.strip()
        try:
            return sane(Decimal(text))
        except InvalidOperation:
            raise ValueError(f"not a decimal number: {text[:40]!r}") from None
    if isinstance(value, Decimal):
        return sane(value)
    return value


def _opt_num(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip() in ("", "null")):
        return None
    return _num(value)


def _id(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not an id")
    if isinstance(value, int):
        return str(value)
    return value


def _opt_id(value: Any) -> Any:
    if value is None or value == "":
        return None
    return _id(value)


def _int(value: Any) -> Any:
    if isinstance(value, str | Decimal):
        # through _num: text that is no number is a ValueError, and 1e999999 never reaches int()
        return int(_num(value))
    return value


def _opt_int(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    return _int(value)


Num = Annotated[Decimal, BeforeValidator(_num)]
OptNum = Annotated[Decimal | None, BeforeValidator(_opt_num)]
Id = Annotated[str, BeforeValidator(_id)]
OptId = Annotated[str | None, BeforeValidator(_opt_id)]
Int = Annotated[int, BeforeValidator(_int)]
OptInt = Annotated[int | None, BeforeValidator(_opt_int)]
Text = Annotated[str, BeforeValidator(_id)]


class Wire(BaseModel):
    """Base of every wire shape: frozen, keeps unknown keys, accepts field names or aliases."""

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)


# ---------------------------------------------------------------- envelopes


class Ack(Wire):
    """`{"code":"200"|"00000","msg":"success","requestTime":...,"data":...}` (leverage, uploadAiLog...)."""

    code: Text
    msg: str = ""
    requestTime: OptInt = None
    data: Any = None


# ---------------------------------------------------------------- market


class ServerTime(Wire):
    epoch: str | None = None
    iso: str | None = None
    timestamp: Int


class Contract(Wire):
    """One row of `/market/contracts` (spec section 6)."""

    symbol: str
    underlying_index: str = ""
    quote_currency: str = "USDT"
    coin: str = "USDT"
    contract_val: OptNum = None
    delivery: list[str] = Field(default_factory=list)
    size_increment: Int
    tick_size: Int
    forwardContractFlag: bool | None = None
    priceEndStep: OptNum = None
    minLeverage: OptInt = None
    maxLeverage: OptInt = None
    buyLimitPriceRatio: OptNum = None
    sellLimitPriceRatio: OptNum = None
    makerFeeRate: OptNum = None
    takerFeeRate: OptNum = None
    minOrderSize: OptNum = None
    maxOrderSize: OptNum = None
    maxPositionSize: OptNum = None
    marketOpenLimitSize: OptNum = None


class BookLevel(Wire):
    price: Num
    size: Num

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: Any) -> Any:
        # REST sends [price, size]; the WebSocket sends {price, size}: accept both.
        if isinstance(value, list | tuple) and len(value) >= 2:
            return {"price": value[0], "size": value[1]}
        return value


class Depth(Wire):
    asks: list[BookLevel] | None = None
    bids: list[BookLevel] | None = None
    timestamp: OptInt = None


class TickerWire(Wire):
    symbol: str
    last: Num
    best_ask: OptNum = None
    best_bid: OptNum = None
    high_24h: OptNum = None
    low_24h: OptNum = None
    volume_24h: OptNum = None
    base_volume: OptNum = None
    priceChangePercent: OptNum = None
    timestamp: OptInt = None
    markPrice: OptNum = None
    indexPrice: OptNum = None


class PublicTrade(Wire):
    ticketId: Text = ""
    time: OptInt = None
    price: Num
    size: Num
    value: OptNum = None
    symbol: str = ""
    isBestMatch: bool | None = None
    isBuyerMaker: bool | None = None
    contractVal: OptNum = None


class Kline(Wire):
    """A candle row `[openTime, open, high, low, close, baseVolume, quoteVolume]`."""

    ts: Int
    open: Num
    high: Num
    low: Num
    close: Num
    base_volume: Num
    quote_volume: OptNum = None

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            if len(value) < 6:
                raise ValueError(f"a candle row needs at least 6 columns, got {len(value)}")
            keys = ("ts", "open", "high", "low", "close", "base_volume", "quote_volume")
            return dict(zip(keys, value, strict=False))
        if isinstance(value, dict) and "klineTime" in value:
            # WebSocket spelling, seen by participants on REST too
            return {
                "ts": value["klineTime"],
                "open": value.get("open"),
                "high": value.get("high"),
                "low": value.get("low"),
                "close": value.get("close"),
                "base_volume": value.get("size"),
                "quote_volume": value.get("value"),
            }
        return value


class IndexPrice(Wire):
    symbol: str
    index: Num
    timestamp: OptInt = None


class OpenInterest(Wire):
    symbol: str
    base_volume: OptNum = None
    target_volume: OptNum = None
    timestamp: OptInt = None


class FundingTime(Wire):
    symbol: str
    fundingTime: Int


class HistoryFundRate(Wire):
    symbol: str
    fundingRate: Num
    fundingTime: OptInt = None


class CurrentFundRate(Wire):
    symbol: str
    fundingRate: Num
    collectCycle: OptInt = None
    timestamp: OptInt = None


# ---------------------------------------------------------------- account


class FeeSetting(Wire):
    symbol: str | None = None
    taker_fee_rate: OptNum = None
    maker_fee_rate: OptNum = None


class ModeSetting(Wire):
    symbol: str
    marginMode: str | None = Field(default=None, validation_alias=AliasChoices("marginMode", "margin_mode"))
    separatedMode: str | None = Field(
        default=None, validation_alias=AliasChoices("separatedMode", "separated_mode", "separatedModeEnum")
    )
    positionMode: str | None = Field(
        default=None, validation_alias=AliasChoices("positionMode", "position_mode", "positionModeEnum")
    )


class LeverageSetting(Wire):
    symbol: str | None = None
    isolated_long_leverage: OptNum = None
    isolated_short_leverage: OptNum = None
    cross_leverage: OptNum = None


class AccountConfig(Wire):
    defaultFeeSetting: FeeSetting | None = None
    feeSetting: list[FeeSetting] = Field(default_factory=list)
    modeSetting: list[ModeSetting] = Field(default_factory=list)
    leverageSetting: list[LeverageSetting] = Field(default_factory=list)
    createOrderRateLimitPerMinute: OptInt = None
    createOrderDelayMilliseconds: OptInt = None
    createdTime: OptInt = None
    updatedTime: OptInt = None


class Collateral(Wire):
    coin: str
    marginMode: str | None = Field(default=None, validation_alias=AliasChoices("marginMode", "margin_mode"))
    crossSymbol: str | None = None
    isolatedPositionId: OptId = Field(
        default=None, validation_alias=AliasChoices("isolatedPositionId", "isolated_position_id")
    )
    amount: Num
    legacy_amount: OptNum = None
    is_liquidating: bool | None = None
    created_time: OptInt = None
    updated_time: OptInt = None


class AccountInfo(Wire):
    """`/account/getAccounts` and `/account/getAccount`."""

    account: AccountConfig
    collateral: list[Collateral] = Field(default_factory=list)
    version: str | None = None


class Asset(Wire):
    coinName: str
    available: Num
    frozen: OptNum = None
    equity: Num
    unrealizePnl: OptNum = None


class Bill(Wire):
    billId: Id
    coin: str = ""
    symbol: str | None = None
    amount: Num
    businessType: str = ""
    balance: OptNum = None
    fillFee: OptNum = None
    transferReason: str | None = None
    ctime: OptInt = Field(default=None, validation_alias=AliasChoices("ctime", "cTime"))


class BillsPage(Wire):
    hasNextPage: bool = False
    items: list[Bill] = Field(default_factory=list)


class PositionWire(Wire):
    id: Id
    symbol: str
    side: str
    margin_mode: str | None = None
    separated_mode: str | None = None
    leverage: Num
    size: Num
    open_value: Num
    open_fee: OptNum = None
    funding_fee: OptNum = None
    marginSize: OptNum = None
    isolated_margin: OptNum = None
    is_auto_append_isolated_margin: bool | None = None
    created_time: OptInt = None
    updated_time: OptInt = None
    contractVal: OptNum = None
    unrealizePnl: OptNum = None
    liquidatePrice: OptNum = None


# ---------------------------------------------------------------- orders


class OrderWire(Wire):
    """An order from `detail`, `current` and `history` (spec 7.29)."""

    symbol: str = Field(validation_alias=AliasChoices("symbol", "Symbol"))
    size: Num
    client_oid: OptId = None
    createTime: OptInt = None
    filled_qty: OptNum = None
    fee: OptNum = None
    order_id: Id
    price: OptNum = None
    price_avg: OptNum = None
    status: str
    type: str
    order_type: str = "normal"
    totalProfits: OptNum = None
    contracts: OptInt = None
    filledQtyContracts: OptInt = None
    presetTakeProfitPrice: OptNum = None
    presetStopLossPrice: OptNum = None


class PlanOrderWire(Wire):
    """A trigger order from `currentPlan` / `historyPlan` (spec 7.35): numeric-code vocabulary."""

    symbol: str
    size: Num
    client_oid: OptId = None
    createTime: OptInt = None
    filled_qty: OptNum = None
    fee: OptNum = None
    order_id: Id
    price: OptNum = None
    price_avg: OptNum = None
    status: Text
    type: Text
    order_type: Text = "0"
    totalProfits: OptNum = None
    triggerPrice: OptNum = None
    triggerPriceType: str | None = None
    triggerTime: OptInt = None
    presetTakeProfitPrice: OptNum = None
    presetStopLossPrice: OptNum = None


class HistoryPlanPage(Wire):
    orders: list[PlanOrderWire] = Field(default_factory=list, validation_alias=AliasChoices("list", "orders"))
    nextPage: bool = False


class PlaceOrderResult(Wire):
    client_oid: OptId = None
    order_id: Id


class BatchOrderItem(Wire):
    order_id: OptId = None
    client_oid: OptId = None
    result: bool
    error_code: str | None = None
    error_message: str | None = None


class BatchOrdersResult(Wire):
    order_info: list[BatchOrderItem] = Field(default_factory=list)
    result: bool = True


class CancelOrderResult(Wire):
    order_id: OptId = None
    client_oid: OptId = None
    result: bool
    err_msg: str | None = None
    err_code: str | None = None


class CancelBatchItem(Wire):
    order_id: OptId = None
    client_oid: OptId = None
    result: bool
    err_msg: str | None = None


class CancelBatchResult(Wire):
    result: bool = True
    orderIds: list[Id] = Field(default_factory=list)
    clientOids: list[Id] = Field(default_factory=list)
    cancelOrderResultList: list[CancelBatchItem] = Field(default_factory=list)
    failInfos: list[Any] = Field(default_factory=list)


class Fill(Wire):
    tradeId: Id
    orderId: Id
    symbol: str
    marginMode: str | None = None
    separatedMode: str | None = None
    positionSide: str
    orderSide: str
    fillSize: Num
    fillValue: Num
    fillFee: OptNum = None
    # the doc example carries "MAKER" here (a doc mix-up), so it is kept as text
    liquidateFee: str | None = None
    realizePnl: OptNum = None
    direction: str | None = None
    liquidateType: str | None = None
    legacyOrdeDirection: str | None = None
    createdTime: OptInt = None


class FillsPage(Wire):
    fills: list[Fill] = Field(default_factory=list, validation_alias=AliasChoices("list", "fills"))
    nextFlag: bool = False
    totals: OptInt = None


class ClosePositionResult(Wire):
    positionId: Id
    successOrderId: OptId = None
    errorMessage: str | None = None
    success: bool


class OrderIdResult(Wire):
    """Rows of `cancelAllOrders` and `placeTpSlOrder`: `{"orderId": 696..., "success": true}`."""

    orderId: OptId = None
    success: bool
