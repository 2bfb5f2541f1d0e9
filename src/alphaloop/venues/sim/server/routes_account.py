"""Private account and position endpoints (spec 7.14-7.24)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from alphaloop.model import MarginMode
from alphaloop.venues.sim.core import SimRejection
from alphaloop.venues.sim.server.dialect import (
    MARGIN_MODE_NAME,
    Call,
    boolean,
    contract,
    decimal,
    integer,
    margin_mode,
    order_id,
    require_contract,
    require_decimal,
    text,
)
from alphaloop.venues.sim.server.shapes import assets_json, bill_json, position_json
from alphaloop.venues.sim.server.wire import (
    WeexError,
    dec,
    dec_places,
    param_empty,
    param_invalid,
    success_200,
)

Handler = Callable[[Call], Any]

BUSINESS_TYPES = frozenset(
    {
        "deposit", "withdraw", "transfer_in", "transfer_out", "margin_move_in", "margin_move_out",
        "position_open_long", "position_open_short", "position_close_long", "position_close_short",
        "position_funding", "order_fill_fee_income", "order_liquidate_fee_income", "start_liquidate",
        "finish_liquidate", "order_fix_margin_amount", "tracking_follow_pay", "tracking_system_pre_receive",
        "tracking_follow_back", "tracking_trader_income", "tracking_third_party_share",
    }
)  # fmt: skip


def _fee_setting(call: Call, taker: Decimal, maker: Decimal) -> dict[str, Any]:
    return {
        "is_set_fee_rate": False,
        "taker_fee_rate": dec_places(taker, 8),
        "maker_fee_rate": dec_places(maker, 8),
        "is_set_fee_discount": False,
        "fee_discount": "0",
        "is_set_taker_maker_fee_discount": False,
        "taker_fee_discount": "0",
        "maker_fee_discount": "0",
    }


def _accounts_json(call: Call) -> dict[str, Any]:
    sim, account_id = call.sim, call.account_id
    snapshot = sim.exchange.account(account_id)
    fee_settings, mode_settings, leverage_settings = [], [], []
    first = next(iter(sim.contracts.values()))
    for info in sim.contracts.values():
        inst = info.instrument
        setting = sim.exchange.leverage_setting(account_id, inst.symbol)
        fee_settings.append(
            {"symbol": inst.venue_symbol, **_fee_setting(call, inst.taker_fee, inst.maker_fee)}
        )
        mode_settings.append(
            {
                "symbol": inst.venue_symbol,
                "marginMode": MARGIN_MODE_NAME[setting.margin_mode],
                "separatedMode": "COMBINED",
                "positionMode": "HEDGE",
            }
        )
        leverage_settings.append(
            _leverage_json(setting.long_leverage, setting.short_leverage, inst.venue_symbol)
        )
    positions = sim.exchange.positions(account_id)
    created = sim.start_ms
    collateral = {
        "coin": "USDT",
        "marginMode": "SHARED",
        "crossSymbol": None,
        "isolatedPositionId": 0,
        "amount": dec_places(snapshot.wallet_balance, 8),
        "pending_deposit_amount": "0",
        "pending_withdraw_amount": "0",
        "pending_transfer_in_amount": "0",
        "pending_transfer_out_amount": "0",
        "is_liquidating": False,
        "legacy_amount": dec_places(snapshot.equity, 8),
        "cum_deposit_amount": dec(call.account.balance if call.account else Decimal(0)),
        "cum_withdraw_amount": "0",
        "cum_transfer_in_amount": "0",
        "cum_transfer_out_amount": "0",
        "cum_margin_move_in_amount": "0",
        "cum_margin_move_out_amount": "0",
        "cum_position_open_long_amount": dec(
            sum((p.cum_open_value for p in positions if p.side == "long"), Decimal(0))
        ),
        "cum_position_open_short_amount": dec(
            sum((p.cum_open_value for p in positions if p.side == "short"), Decimal(0))
        ),
        "cum_position_close_long_amount": dec(
            sum((p.cum_close_value for p in positions if p.side == "long"), Decimal(0))
        ),
        "cum_position_close_short_amount": dec(
            sum((p.cum_close_value for p in positions if p.side == "short"), Decimal(0))
        ),
        "cum_position_fill_fee_amount": dec(sum((p.cum_fee for p in positions), Decimal(0))),
        "cum_position_liquidate_fee_amount": "0",
        "cum_position_funding_amount": dec(sum((p.cum_funding for p in positions), Decimal(0))),
        "cum_order_fill_fee_income_amount": "0",
        "cum_order_liquidate_fee_income_amount": "0",
        "created_time": created,
        "updated_time": call.sim_ms,
    }
    return {
        "account": {
            "defaultFeeSetting": _fee_setting(call, first.instrument.taker_fee, first.instrument.maker_fee),
            "feeSetting": fee_settings,
            "modeSetting": mode_settings,
            "leverageSetting": leverage_settings,
            "createOrderRateLimitPerMinute": 0,
            "createOrderDelayMilliseconds": 0,
            "createdTime": created,
            "updatedTime": call.sim_ms,
        },
        "collateral": [collateral],
        "version": None,
    }


def _leverage_json(long: int, short: int, symbol: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"symbol": symbol} if symbol else {}
    row.update(
        {
            "isolated_long_leverage": dec_places(Decimal(long), 2),
            "isolated_short_leverage": dec_places(Decimal(short), 2),
            "cross_leverage": dec_places(Decimal(long), 2),
        }
    )
    return row


def get_accounts(call: Call) -> Any:
    return _accounts_json(call)


def get_account(call: Call) -> Any:
    coin = text(call.params, "coin")
    if coin is None or coin.upper() != "USDT":
        raise param_invalid("coin")
    return _accounts_json(call)


def assets(call: Call) -> Any:
    return [assets_json(call.sim.exchange.account(call.account_id))]


def bills(call: Call) -> Any:
    params = call.params
    coin = text(params, "coin", required=False)
    if coin is not None and coin.upper() != "USDT":
        raise param_invalid("coin")
    info = contract(call.sim, params, required=False)
    business = text(params, "businessType", required=False)
    if business is not None and business not in BUSINESS_TYPES:
        raise param_invalid("businessType")
    since = integer(params, "startTime", low=0)
    until = integer(params, "endTime", low=0)
    limit = integer(params, "limit", default=20, low=1, high=100)
    assert limit is not None
    symbol = info.instrument.symbol if info else None
    rows = call.sim.exchange.bills(call.account_id, symbol=symbol, since_ms=since, until_ms=until)
    items = []
    for bill in reversed(rows):  # newest first
        venue_symbol = call.sim.by_unified[bill.symbol].instrument.venue_symbol if bill.symbol else None
        item = bill_json(bill, venue_symbol)
        if business is None or item["businessType"] == business:
            items.append(item)
    return {"hasNextPage": len(items) > limit, "items": items[:limit]}


def settings(call: Call) -> Any:
    info = contract(call.sim, call.params, required=False)
    infos = [info] if info is not None else list(call.sim.contracts.values())
    out = {}
    for i in infos:
        setting = call.sim.exchange.leverage_setting(call.account_id, i.instrument.symbol)
        out[i.instrument.venue_symbol] = _leverage_json(setting.long_leverage, setting.short_leverage)
    return out


def _leverage_value(call: Call, name: str) -> int | None:
    value = decimal(call.params, name, required=False)
    if value is None:
        return None
    if value != value.to_integral_value() or value < 1:
        raise param_invalid(name)
    return int(value)


def leverage(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    mode = margin_mode(call.params, required=True)
    assert mode is not None
    long = _leverage_value(call, "longLeverage")
    if long is None:
        raise param_empty("longLeverage")
    short = _leverage_value(call, "shortLeverage")
    if short is None:
        # The doc's curl omits shortLeverage in cross mode (spec 2.4 row 10): copy longLeverage.
        if mode is not MarginMode.CROSS:
            raise param_empty("shortLeverage")
        short = long
    call.sim.exchange.set_leverage(
        call.account_id,
        info.instrument.symbol,
        long_leverage=long,
        short_leverage=short,
        margin_mode=mode,
        now_ms=call.sim_ms,
    )
    return success_200(call.wall_ms)


def adjust_margin(call: Call) -> Any:
    position_id = order_id(call.params, "isolatedPositionId")
    assert position_id is not None
    amount = require_decimal(call.params, "collateralAmount")
    if amount == 0:
        raise param_invalid("collateralAmount")
    try:
        call.sim.exchange.adjust_isolated_margin(call.account_id, position_id, amount, now_ms=call.sim_ms)
    except SimRejection as rejection:
        raise _position_error(rejection, "isolatedPositionId") from rejection
    return success_200(call.wall_ms)


def modify_auto_append_margin(call: Call) -> Any:
    position_id = order_id(call.params, "positionId")
    assert position_id is not None
    enabled = boolean(call.params, "autoAppendMargin")
    try:
        call.sim.exchange.set_auto_append_margin(call.account_id, position_id, enabled, now_ms=call.sim_ms)
    except SimRejection as rejection:
        raise _position_error(rejection, "positionId") from rejection
    return success_200(call.wall_ms)


def _position_error(rejection: SimRejection, param: str) -> WeexError:
    from alphaloop.venues.sim.server.dialect import rejection_to_error

    return rejection_to_error(rejection, rename={"position_id": param, "positionId": param, "amount": param})


def _positions(call: Call, symbol: str | None) -> list[dict[str, Any]]:
    number = call.sim.account_numbers[call.account_id]
    return [
        position_json(p, call.sim.by_unified[p.symbol], number)
        for p in call.sim.exchange.positions(call.account_id, symbol=symbol)
    ]


def all_position(call: Call) -> Any:
    return _positions(call, None)


def single_position(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    return _positions(call, info.instrument.symbol)


def change_hold_model(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    mode = margin_mode(call.params, required=True)
    assert mode is not None
    separated = integer(call.params, "separatedMode", default=1)
    if separated != 1:
        raise param_invalid("separatedMode")
    call.sim.exchange.set_margin_mode(call.account_id, info.instrument.symbol, mode, now_ms=call.sim_ms)
    return success_200(call.wall_ms)


ROUTES: dict[str, Handler] = {
    "getAccounts": get_accounts,
    "getAccount": get_account,
    "assets": assets,
    "bills": bills,
    "settings": settings,
    "leverage": leverage,
    "adjustMargin": adjust_margin,
    "modifyAutoAppendMargin": modify_auto_append_margin,
    "allPosition": all_position,
    "singlePosition": single_position,
    "changeHoldModel": change_hold_model,
}
