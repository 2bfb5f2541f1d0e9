"""A study, as written in TOML: where the folds lie, how trials are scored, and the search space.

```toml
[study]
name = "ls-1h"
folds_start = "2023-07-01"      # first test bar
folds_end = "2025-01-01"        # exclusive; never past the lockbox start
drawdown_penalty = 2.0          # objective = median fold Sharpe - penalty * worst fold drawdown

[space]                         # each key: a value (fixed), a list (choice) or a {low, high} range
family = ["classifier", "regressor"]
horizon_bars = { low = 4, high = 24, step = 4 }
learning_rate = { low = 0.01, high = 0.1, log = true }
```

Every key of `[space]` is a field of `TrialConfig`; an unknown key or a wrong value is one line
naming it (`StudyError`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from alphaloop.features.matrix import FEATURE_NAMES
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.instruments import COMPETITION_SYMBOLS
from alphaloop.model.market import TIMEFRAME_MS
from alphaloop.research.lockbox import LOCKBOX_START_MS, check_search_range


class StudyError(ConfigurationError):
    """A study file that cannot be used, in one line."""


#: Named feature sets (search-space option `feature_set`). Cross-sectional features (relative
#: strength, BTC beta, dispersion/breadth) and carry (funding) are candidates the search may pick.
_PRICE = tuple(
    n
    for n in FEATURE_NAMES
    if not n.startswith(
        ("btc_", "beta_", "corr_", "resid_", "mkt_", "excess_", "rank_", "breadth_", "funding")
    )
)
_CROSS = (
    "btc_ret_1", "btc_ret_6", "btc_ret_24", "btc_vol_24", "beta_btc_72", "corr_btc_72",
    "resid_ret_24", "mkt_ret_24", "excess_ret_24", "rank_ret_6", "rank_ret_24", "breadth_6",
)  # fmt: skip
FEATURE_SETS: Mapping[str, tuple[str, ...]] = {
    "all": FEATURE_NAMES,
    "price": _PRICE,
    "price_cross": _PRICE + _CROSS,
    "price_carry": (*_PRICE, "funding_rate"),
    "cross_carry": (*_CROSS, "funding_rate", "vol_24", "vol_ratio_12_72", "ret_24", "trend_72"),
}

Family = Literal["classifier", "regressor"]
LabelKind = Literal["forward", "triple_barrier"]
#: "excess": the label is the move over the equal-weight market of the 8 pairs (market neutral:
#: as many shorts as longs in a trending market); "absolute": the pair's own move.
Target = Literal["absolute", "excess"]
Sides = Literal["both", "long", "short"]
SizingMode = Literal["risk", "slot"]
Regime = Literal["none", "with_trend", "calm"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TrialConfig(_Frozen):
    """One point of the search space: everything a walk-forward trial needs."""

    family: Family = "classifier"
    label: LabelKind = "forward"
    target: Target = "absolute"
    horizon_bars: Annotated[int, Field(ge=1, le=96)] = 8
    #: Triple barrier: take-profit and stop at this many ATR(14) from the entry, time-out at the horizon.
    barrier_atr: Annotated[float, Field(gt=0, le=10)] = 2.0
    feature_set: str = "all"
    learning_rate: Annotated[float, Field(gt=0, le=1)] = 0.03
    num_leaves: Annotated[int, Field(ge=2, le=255)] = 15
    min_data_in_leaf: Annotated[int, Field(ge=1, le=100_000)] = 400
    feature_fraction: Annotated[float, Field(gt=0, le=1)] = 0.7
    lambda_l2: Annotated[float, Field(ge=0)] = 10.0
    max_rounds: Annotated[int, Field(ge=1, le=5000)] = 300
    #: Share of validation bars with a signal (half long, half short with sides = "both").
    signal_share: Annotated[float, Field(gt=0, lt=1)] = 0.05
    sides: Sides = "both"
    #: Entries allowed only in a regime (see `trial._regime_filter`).
    regime: Regime = "none"
    stop_atr: Annotated[float, Field(ge=0, le=20)] = 3.0
    take_atr: Annotated[float, Field(ge=0, le=40)] = 5.0
    sizing: SizingMode = "risk"
    risk_fraction: Annotated[float, Field(gt=0, le=1)] = 0.01
    leverage: Annotated[int, Field(ge=1, le=20)] = 1
    #: Risk limit: positions are sized for at most this many at once (sizing slots).
    max_open_positions: Annotated[int, Field(ge=1, le=64)] = 8
    retrain_days: Annotated[int, Field(ge=1, le=365)] = 90
    train_days: Annotated[int, Field(ge=7, le=1500)] = 180
    #: Share of the training window (its end) held out for early stopping and thresholds.
    validation_share: Annotated[float, Field(gt=0, lt=0.9)] = 0.25

    @field_validator("feature_set")
    @classmethod
    def _known_set(cls, value: str) -> str:
        if value not in FEATURE_SETS:
            raise ValueError(f"unknown feature set {value!r}: one of {', '.join(FEATURE_SETS)}")
        return value


class IntRange(_Frozen):
    low: int
    high: int
    step: Annotated[int, Field(ge=1)] = 1
    log: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> IntRange:
        if self.high < self.low:
            raise ValueError(f"high {self.high} < low {self.low}")
        return self


class FloatRange(_Frozen):
    low: float
    high: float
    log: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> FloatRange:
        if self.high < self.low:
            raise ValueError(f"high {self.high} < low {self.low}")
        if self.log and self.low <= 0:
            raise ValueError("a log range needs low > 0")
        return self


Choice = list[str] | list[int] | list[float]
Dimension = IntRange | FloatRange | Choice | str | int | float


class StudySettings(_Frozen):
    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")]
    timeframe: str = "1h"
    symbols: tuple[str, ...] = COMPETITION_SYMBOLS
    folds_start: str = "2023-07-01"
    folds_end: str = "2025-01-01"
    drawdown_penalty: Annotated[float, Field(ge=0)] = 2.0
    sampler: Literal["tpe", "nsga2", "random"] = "tpe"
    seed: int = 7
    pruning: bool = True
    initial_equity: Annotated[float, Field(gt=0)] = 10_000.0

    @field_validator("timeframe")
    @classmethod
    def _timeframe(cls, value: str) -> str:
        if value not in TIMEFRAME_MS:
            raise ValueError(f"unknown timeframe {value!r}")
        return value

    @property
    def folds_start_ms(self) -> int:
        return _day_ms(self.folds_start)

    @property
    def folds_end_ms(self) -> int:
        return _day_ms(self.folds_end)

    @model_validator(mode="after")
    def _outside_lockbox(self) -> StudySettings:
        start, end = self.folds_start_ms, self.folds_end_ms
        if end > LOCKBOX_START_MS:
            raise ValueError(f"folds_end {self.folds_end} is after the lockbox start 2025-01-01")
        try:
            check_search_range(start, end)
        except ConfigurationError as error:
            raise ValueError(str(error)) from None
        return self


def _day_ms(text: str) -> int:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"not a date: {text!r} (YYYY-MM-DD)") from error
    return int(moment.replace(tzinfo=moment.tzinfo or UTC).timestamp() * 1000)


class Study(_Frozen):
    study: StudySettings
    space: dict[str, Dimension] = Field(default_factory=dict)

    @field_validator("space")
    @classmethod
    def _known_dimensions(cls, value: dict[str, Dimension]) -> dict[str, Dimension]:
        unknown = sorted(set(value) - set(TrialConfig.model_fields))
        if unknown:
            raise ValueError(
                f"unknown parameter {unknown[0]!r}: one of {', '.join(TrialConfig.model_fields)}"
            )
        for key, dim in value.items():
            if isinstance(dim, list) and not dim:
                raise ValueError(f"{key}: an empty list of choices")
        return value

    @model_validator(mode="after")
    def _every_value_valid(self) -> Study:
        # Each fixed value, each choice and each range end must make a valid TrialConfig.
        for key, dim in self.space.items():
            for value in _corners(dim):
                try:
                    TrialConfig.model_validate({key: value})
                except ValidationError as error:
                    raise ValueError(f"{key} = {value!r}: {_first_message(error)}") from None
        return self

    def fixed(self) -> dict[str, Any]:
        return {k: v for k, v in self.space.items() if not isinstance(v, IntRange | FloatRange | list)}


def _corners(dim: Dimension) -> list[Any]:
    if isinstance(dim, IntRange | FloatRange):
        return [dim.low, dim.high]
    if isinstance(dim, list):
        return list(dim)
    return [dim]


def _first_message(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def parse_study(data: Mapping[str, Any]) -> Study:
    try:
        return Study.model_validate(data)
    except ValidationError as error:
        raise StudyError(f"study: {_first_message(error)}") from None


def load_study_file(path: Path) -> Study:
    try:
        text = path.read_text()
    except OSError as error:
        raise StudyError(f"cannot read study file {path}: {error.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise StudyError(f"{path}: not valid TOML: {error}") from None
    return parse_study(data)


class Suggester(Protocol):
    """The part of `optuna.Trial` a space needs (so sampling is testable without optuna)."""

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int: ...
    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float: ...
    def suggest_categorical(self, name: str, choices: Any) -> Any: ...


def sample_config(study: Study, trial: Suggester) -> TrialConfig:
    """The trial's point of the space: ranges and lists suggested, fixed values as written."""
    values: dict[str, Any] = {}
    for key, dim in study.space.items():
        if isinstance(dim, IntRange):
            values[key] = trial.suggest_int(key, dim.low, dim.high, step=dim.step, log=dim.log)
        elif isinstance(dim, FloatRange):
            values[key] = trial.suggest_float(key, dim.low, dim.high, log=dim.log)
        elif isinstance(dim, list):
            values[key] = trial.suggest_categorical(key, list(dim))
        else:
            values[key] = dim
    try:
        return TrialConfig.model_validate(values)
    except ValidationError as error:
        raise StudyError(f"trial config: {_first_message(error)}") from None
