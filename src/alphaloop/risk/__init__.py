"""The risk gate: trading state, limits, pre-trade rules and the drawdown kill switch. Pure."""

from alphaloop.risk.killswitch import (
    DAILY_DRAWDOWN_REASON,
    Baseline,
    Transition,
    evaluate,
    update_baseline,
    utc_day_start,
)
from alphaloop.risk.limits import RiskLimits
from alphaloop.risk.projection import project
from alphaloop.risk.rules import (
    Denial,
    OrderProposal,
    RiskView,
    Rule,
    check_order,
    order_call_wait_ms,
)
from alphaloop.risk.state import TradingState

__all__ = [
    "DAILY_DRAWDOWN_REASON",
    "Baseline",
    "Denial",
    "OrderProposal",
    "RiskLimits",
    "RiskView",
    "Rule",
    "TradingState",
    "Transition",
    "check_order",
    "evaluate",
    "order_call_wait_ms",
    "project",
    "update_baseline",
    "utc_day_start",
]
