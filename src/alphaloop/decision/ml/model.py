"""The offline model as a decision model: `plan(frame)` for backtests, `decide(snapshot)` live.

Both run the same steps on the same finite-window features, so for the bars a snapshot's
windows cover they compute the same probabilities and signals:

features (`features.matrix`) -> calibrated p(up) -> state / entry edges / time exits
(`signals`) -> stop-loss and take-profit at `stop_atr` / `take_atr` ATR(14) from the close of
the signal bar.

To find edges and time exits, `decide` also needs the probabilities of the last
`hold_bars + 1` bars. A live snapshot carries each symbol's funding history (the trader fetches
it), so re-scoring those bars uses the rate known at each bar's own close, as training did; a
snapshot with only the current rate would differ there. `decide` also remembers the probability
it computed for each (symbol, bar) while that bar was the last one, and prefers it: called bar
after bar (paper, live, stepwise backtests) it reproduces `plan` exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from alphaloop.decision.base import SymbolPlan
from alphaloop.decision.ml.artifact import MODEL_NAME, MlArtifact, latest_artifact
from alphaloop.decision.ml.artifact import models_dir as default_models_dir
from alphaloop.decision.ml.explain import clip_words, hold_summary, symbol_sentence, top_drivers
from alphaloop.decision.ml.signals import entry_edges, signal_state, time_exits
from alphaloop.decision.ml.train import DEFAULT_ENTRY_THRESHOLD
from alphaloop.features.matrix import FEATURE_LOOKBACK, FEATURE_NAMES, feature_panel, warm_rows
from alphaloop.features.panel import Panel
from alphaloop.features.rolling import FloatArray
from alphaloop.model.decision import Action, Decision, ModelInfo, SymbolDecision
from alphaloop.model.errors import ConfigurationError, ModelError
from alphaloop.model.frame import MarketFrame
from alphaloop.model.snapshot import Snapshot

#: Bars scored per block in `plan`: small blocks stay in cache (measured ~2x faster than one
#: pass over a year of 5m bars); each block re-reads FEATURE_LOOKBACK - 1 bars before it.
PLAN_BLOCK_BARS = 4096

_ATR_COLUMN = FEATURE_NAMES.index("atr_14")


class MlModel:
    """LightGBM direction model with calibrated probabilities (implements `VectorizedModel`).

    entry_threshold: p(up) at or above it opens long, at or below 1 - it short (default: the
    long and short thresholds learnt out-of-fold in training); stop_atr / take_atr: stop-loss and
    take-profit distances in ATR(14) from the signal bar's close (0: none); hold_bars: bars after
    an entry signal at which to close (default: the label horizon; 0: hold until stopped or
    reversed). The defaults did
    best of the few tried on 2025-H1 with a model trained to 2024-12-31 (holding without a time
    exit was the worst).
    """

    def __init__(
        self,
        artifact: MlArtifact,
        *,
        entry_threshold: float | None = None,
        stop_atr: float = 3.0,
        take_atr: float = 5.0,
        hold_bars: int | None = None,
        top_drivers: int = 3,
    ) -> None:
        if entry_threshold is not None and not 0.5 < entry_threshold < 1.0:
            raise ConfigurationError(f"entry threshold must be in (0.5, 1), got {entry_threshold}")
        if stop_atr < 0 or take_atr < 0:
            raise ConfigurationError("stop_atr and take_atr must be >= 0 (0: no stop / target)")
        missing = [name for name in artifact.feature_names if name not in FEATURE_NAMES]
        if missing:
            raise ConfigurationError(
                f"model {artifact.label} uses features this alphaloop does not compute "
                f"({', '.join(missing)}): retrain it with `alphaloop model train`"
            )
        self.artifact = artifact
        self.info = ModelInfo(name=MODEL_NAME, version=artifact.version)
        learnt = artifact.thresholds
        if entry_threshold is None and learnt is not None:
            self.long_threshold, self.short_threshold = learnt
        else:
            self.long_threshold = entry_threshold or DEFAULT_ENTRY_THRESHOLD
            self.short_threshold = 1.0 - self.long_threshold
        self.stop_atr = stop_atr
        self.take_atr = take_atr
        self.hold_bars = artifact.horizon_bars if hold_bars is None else max(0, hold_bars)
        self.top_drivers = top_drivers
        self._columns = np.asarray([FEATURE_NAMES.index(name) for name in artifact.feature_names])
        #: Bars re-scored by `decide`: the entry `hold_bars` ago and the bar before it.
        self._recent = self.hold_bars + 2
        self.lookback = FEATURE_LOOKBACK + self._recent - 1
        #: symbol -> bar open ms -> (p(up), close) as scored when that bar was the last one.
        self._memory: dict[str, dict[int, tuple[float, float]]] = {}

    def params(self) -> dict[str, Any]:
        return {
            "model": self.artifact.label,
            "long_threshold": self.long_threshold,
            "short_threshold": self.short_threshold,
            "stop_atr": self.stop_atr,
            "take_atr": self.take_atr,
            "hold_bars": self.hold_bars,
            "horizon_bars": self.artifact.horizon_bars,
        }

    def _check_timeframe(self, timeframe: str) -> None:
        if timeframe != self.artifact.timeframe:
            raise ConfigurationError(
                f"model {self.artifact.label} was trained on {self.artifact.timeframe} bars, "
                f"the data is {timeframe}: train one with `alphaloop model train --timeframe {timeframe}`"
            )

    # -- scoring ---------------------------------------------------------------------------

    def _score(self, features: FloatArray) -> FloatArray:
        """p(up) per row of features [rows, all features]; NaN where the symbol is not warm."""
        X = np.ascontiguousarray(features[:, self._columns])
        warm = warm_rows(features)
        p = np.full(len(X), np.nan)
        if warm.any():
            p[warm] = self.artifact.probability(X[warm])
        return p

    def probabilities(self, frame: MarketFrame) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
        """Per symbol: p(up) and ATR(14) at every bar of the frame (NaN during warm-up)."""
        self._check_timeframe(frame.timeframe)
        panel = Panel.from_frame(frame)
        n_symbols, n = len(panel.symbols), len(panel)
        p = np.full((n_symbols, n), np.nan)
        atr = np.full((n_symbols, n), np.nan)
        for start in range(0, n, PLAN_BLOCK_BARS):
            stop = min(n, start + PLAN_BLOCK_BARS)
            lead = min(start, FEATURE_LOOKBACK - 1)
            block = feature_panel(panel.slice(start - lead, stop))[:, lead:, :]
            rows = block.reshape(-1, block.shape[-1])
            p[:, start:stop] = self._score(rows).reshape(n_symbols, stop - start)
            atr[:, start:stop] = block[:, :, _ATR_COLUMN] * panel.close[:, start:stop]
        return (
            {s: p[i] for i, s in enumerate(panel.symbols)},
            {s: atr[i] for i, s in enumerate(panel.symbols)},
        )

    def _exits(self, entry: np.ndarray, close: FloatArray, atr: FloatArray) -> tuple[FloatArray, FloatArray]:
        direction = entry.astype(np.float64)
        has = entry != 0
        stop = np.where(has & (self.stop_atr > 0), close - direction * self.stop_atr * atr, np.nan)
        take = np.where(has & (self.take_atr > 0), close + direction * self.take_atr * atr, np.nan)
        return stop, take

    # -- VectorizedModel -------------------------------------------------------------------

    def plan(self, frame: MarketFrame) -> Mapping[str, SymbolPlan]:
        probability, atr = self.probabilities(frame)
        plans: dict[str, SymbolPlan] = {}
        for symbol, p in probability.items():
            entry = entry_edges(signal_state(p, self.long_threshold, self.short_threshold))
            stop, take = self._exits(entry, frame.bars[symbol].close, atr[symbol])
            exit_ = time_exits(entry, self.hold_bars) & (entry == 0)
            plans[symbol] = SymbolPlan(entry, exit_, stop, take, np.fmax(p, 1.0 - p))
        return plans

    # -- DecisionModel ---------------------------------------------------------------------

    def _recall(self, panel: Panel, p: FloatArray) -> None:
        """Swap in the remembered probabilities of earlier bars and remember the last ones."""
        recent = p.shape[1]
        times = panel.ts[-recent:].tolist()
        closes = panel.close[:, -recent:]
        for row, symbol in enumerate(panel.symbols):
            memory = self._memory.setdefault(symbol, {})
            for k in range(recent - 1):
                seen = memory.get(times[k])
                if seen is not None and seen[1] == closes[row, k]:
                    p[row, k] = seen[0]
            memory[times[-1]] = (float(p[row, -1]), float(closes[row, -1]))
            for stale in [t for t in memory if t < times[0]]:
                del memory[stale]

    def _action(self, p: FloatArray, has_position: bool) -> Action:
        """The action at the last of the re-scored bars `p` (oldest first)."""
        entry = entry_edges(signal_state(p, self.long_threshold, self.short_threshold))
        if entry[-1]:
            return Action.OPEN_LONG if entry[-1] > 0 else Action.OPEN_SHORT
        if has_position and time_exits(entry, self.hold_bars)[-1]:
            return Action.CLOSE
        return Action.HOLD

    def _symbol_decision(
        self,
        symbol: str,
        action: Action,
        prob: float,
        features: FloatArray,
        close: float,
        contributions: FloatArray,
    ) -> SymbolDecision:
        """One acting symbol's decision, explained by its strongest contributions."""
        drivers = top_drivers(
            self.artifact.feature_names,
            features[self._columns],
            contributions,
            direction=action.direction or (1 if prob >= 0.5 else -1),
            count=self.top_drivers,
        )
        note = f"held {self.hold_bars} bars" if action is Action.CLOSE else ""
        reason = symbol_sentence(symbol, action, prob, self.artifact.horizon_bars, drivers, note=note)
        stop = take = None
        if action.direction:
            atr = float(features[_ATR_COLUMN]) * close
            stop = close - action.direction * self.stop_atr * atr if self.stop_atr > 0 else None
            take = close + action.direction * self.take_atr * atr if self.take_atr > 0 else None
        return SymbolDecision(
            symbol=symbol,
            action=action,
            confidence=max(prob, 1.0 - prob) if np.isfinite(prob) else None,
            stop_loss=_finite_or_none(stop),
            take_profit=_finite_or_none(take),
            reason=reason,
        )

    def decide(self, snapshot: Snapshot) -> Decision:
        self._check_timeframe(snapshot.timeframe)
        panel = Panel.from_snapshot(snapshot, length=self.lookback)
        if len(panel.symbols) == 0 or len(panel) == 0:
            return Decision.hold(snapshot.timestamp, self.info, "no candles in the snapshot")
        recent = min(self._recent, len(panel))
        values = feature_panel(panel)[:, -recent:, :]
        n_symbols = len(panel.symbols)
        p = self._score(values.reshape(-1, values.shape[-1])).reshape(n_symbols, recent)
        self._recall(panel, p)
        if not np.isfinite(p[:, -1]).any() and len(panel) >= self.lookback:
            raise ModelError("the model produced no probability for any symbol at the last bar")

        actions = {
            symbol: self._action(p[row], symbol in snapshot.positions)
            for row, symbol in enumerate(panel.symbols)
        }
        acting = [row for row, s in enumerate(panel.symbols) if actions[s] is not Action.HOLD]
        last = values[:, -1, :]
        contributions = (
            self.artifact.contributions(np.ascontiguousarray(last[acting][:, self._columns]))
            if acting
            else None
        )
        decisions = [
            self._symbol_decision(
                panel.symbols[row], actions[panel.symbols[row]], float(p[row, -1]), last[row],
                float(panel.close[row, -1]), contributions[k],
            )
            for k, row in enumerate(acting)
            if contributions is not None
        ]  # fmt: skip
        sentences = [d.reason for d in decisions]
        holding = {s: float(p[r, -1]) for r, s in enumerate(panel.symbols) if actions[s] is Action.HOLD}
        bounds = f"long at p >= {self.long_threshold:.3f}, short at <= {self.short_threshold:.3f}"
        lead = "No entry signal for the others" if acting else f"No entry signal ({bounds})"
        summary = hold_summary(holding, lead=lead)
        explanation = clip_words(" ".join([*sentences, summary]).strip())
        return Decision(
            timestamp=snapshot.timestamp,
            decisions=tuple(decisions),
            model=self.info,
            explanation=explanation,
            input={
                "bar_open_ms": int(panel.ts[-1]),
                "features": {s: _named(last[r]) for r, s in enumerate(panel.symbols)},
            },
            output={
                "p_up": {s: _json_float(p[r, -1]) for r, s in enumerate(panel.symbols)},
                "actions": {s: a.value for s, a in actions.items()},
                "long_threshold": self.long_threshold,
                "short_threshold": self.short_threshold,
                "horizon_bars": self.artifact.horizon_bars,
            },
        )


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and np.isfinite(value) else None


def _named(values: FloatArray) -> dict[str, float | None]:
    """A feature row by name, NaN as None (JSON has no NaN)."""
    return {name: (None if v != v else v) for name, v in zip(FEATURE_NAMES, values.tolist(), strict=True)}


def _json_float(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def load_model(path: Path | None = None, *, models_dir: Path | None = None, **options: Any) -> MlModel:
    """The model at `path` (an artifact folder), or the latest one in `models_dir` (default:
    $ALPHALOOP_MODELS_DIR, else ./models); `options` go to `MlModel`."""
    folder = models_dir if models_dir is not None else default_models_dir()
    location = path if path is not None else latest_artifact(folder)
    if location is None:
        raise ConfigurationError(
            f"no trained model in {folder}: run `alphaloop model train --start ... --end ...` "
            "(or set ALPHALOOP_MODELS_DIR, or pass --model PATH)"
        )
    return MlModel(MlArtifact.load(location), **options)
