"""A trained offline model on disk: the LightGBM model text plus JSON metadata, in one folder.

```
models/alphaloop-lgbm-1h-3f2a9c1b7d0e/
├── model.txt        LightGBM's own text format
└── metadata.json    version, features, data range, horizon, params, calibration, metrics
```

The version is a short sha256 of what determines the model: timeframe, symbols, data range,
horizon, feature names, LightGBM parameters, training settings and the trainer's revision.
Training is deterministic, so the same inputs give the same version and the same model.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from alphaloop.decision.ml.calibration import Calibrator
from alphaloop.decision.ml.provenance import TrainingRange
from alphaloop.features.rolling import FloatArray
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.market import TIMEFRAME_MS

MODEL_NAME = "alphaloop-lgbm"
ARTIFACT_FORMAT = 1
#: Bump when the training procedure changes what a model learns from the same inputs: it is part
#: of the version, so a retrained model never reuses an old version string.
TRAINER_REVISION = 3
MODEL_FILE = "model.txt"
METADATA_FILE = "metadata.json"
MODELS_DIR_ENV = "ALPHALOOP_MODELS_DIR"

#: Below this many rows, predict on one thread: waking a thread pool costs more than the trees
#: (a live decision scores a few dozen rows).
SMALL_BATCH_ROWS = 2_000


def models_dir() -> Path:
    """Where artifacts live by default: $ALPHALOOP_MODELS_DIR, else ./models."""
    configured = os.environ.get(MODELS_DIR_ENV)
    return Path(configured) if configured else Path("models")


def model_version(
    *,
    timeframe: str,
    symbols: tuple[str, ...],
    start_ms: int,
    end_ms: int,
    horizon_bars: int,
    feature_names: tuple[str, ...],
    params: Mapping[str, Any],
    settings: Mapping[str, Any],
) -> str:
    identity = {
        "format": ARTIFACT_FORMAT,
        "trainer": TRAINER_REVISION,
        "timeframe": timeframe,
        "symbols": list(symbols),
        "start_ms": start_ms,
        "end_ms": end_ms,
        "horizon_bars": horizon_bars,
        "features": list(feature_names),
        "params": dict(params),
        "settings": dict(settings),
    }
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True, eq=False)
class MlArtifact:
    booster: lgb.Booster
    version: str
    timeframe: str
    symbols: tuple[str, ...]
    start_ms: int
    end_ms: int
    horizon_bars: int
    feature_names: tuple[str, ...]
    params: Mapping[str, Any]
    settings: Mapping[str, Any]
    calibration: Calibrator
    metrics: Mapping[str, float] = field(default_factory=dict)
    created_ms: int = 0
    #: The gap after `end_ms` whose bars the last training labels looked at (horizon x bar);
    #: None: derived from the horizon and the timeframe (artifacts written before it was stored).
    purge_ms: int | None = None

    @property
    def training_range(self) -> TrainingRange:
        """The bars this model learnt from, for the provenance guard."""
        purge = self.purge_ms
        if purge is None:
            purge = self.horizon_bars * TIMEFRAME_MS.get(self.timeframe, 0)
        return TrainingRange(self.version, self.start_ms, self.end_ms, purge)

    @property
    def name(self) -> str:
        return MODEL_NAME

    @property
    def label(self) -> str:
        return f"{MODEL_NAME}@{self.version}"

    @property
    def num_trees(self) -> int:
        return int(self.booster.num_trees())

    @property
    def thresholds(self) -> tuple[float, float] | None:
        """(long at or above, short at or below) learnt in training, if the artifact has them."""
        long_at, short_at = self.metrics.get("long_threshold"), self.metrics.get("short_threshold")
        if long_at is None or short_at is None or not 0.0 < short_at < 0.5 < long_at < 1.0:
            return None
        return float(long_at), float(short_at)

    def default_dirname(self) -> str:
        return f"{MODEL_NAME}-{self.timeframe}-{self.version}"

    def raw_score(self, X: FloatArray) -> FloatArray:
        """The booster's log-odds of "up" per row of X (columns in `feature_names` order)."""
        if len(X) == 0:
            return np.zeros(0)
        return np.asarray(
            self.booster.predict(X, raw_score=True, num_threads=_threads(len(X))), dtype=np.float64
        )

    def probability(self, X: FloatArray) -> FloatArray:
        """Calibrated probability that the next `horizon_bars` move is up (given it beats fees)."""
        return self.calibration.apply(self.raw_score(X))

    def contributions(self, X: FloatArray) -> FloatArray:
        """Per-row log-odds contribution of each feature, then the bias; a row sums to its raw score."""
        return np.asarray(
            self.booster.predict(X, pred_contrib=True, num_threads=_threads(len(X))), dtype=np.float64
        )

    def metadata(self) -> dict[str, Any]:
        return {
            "format": ARTIFACT_FORMAT,
            "name": MODEL_NAME,
            "version": self.version,
            "timeframe": self.timeframe,
            "symbols": list(self.symbols),
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "purge_ms": self.training_range.purge_ms,
            "horizon_bars": self.horizon_bars,
            "feature_names": list(self.feature_names),
            "params": dict(self.params),
            "settings": dict(self.settings),
            "calibration": self.calibration.to_json(),
            "metrics": dict(self.metrics),
            "created_ms": self.created_ms,
            "num_trees": self.num_trees,
        }

    def save(self, directory: Path) -> Path:
        """Write the artifact into `directory` (created if needed); returns it."""
        directory.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(directory / MODEL_FILE))
        text = json.dumps(self.metadata(), indent=2, sort_keys=True)
        (directory / METADATA_FILE).write_text(text + "\n", encoding="utf-8")
        return directory

    @staticmethod
    def load(path: Path) -> MlArtifact:
        """Read an artifact folder (or its metadata.json / model.txt)."""
        directory = path.parent if path.is_file() else path
        metadata_path, model_path = directory / METADATA_FILE, directory / MODEL_FILE
        if not metadata_path.is_file() or not model_path.is_file():
            raise ConfigurationError(
                f"{directory} is not a model artifact (needs {METADATA_FILE} and {MODEL_FILE})"
            )
        try:
            meta = json.loads(metadata_path.read_text(encoding="utf-8"))
            if meta.get("format") != ARTIFACT_FORMAT:
                raise ConfigurationError(
                    f"{metadata_path}: artifact format {meta.get('format')!r}, this alphaloop reads "
                    f"{ARTIFACT_FORMAT}: retrain with `alphaloop model train`"
                )
            check_model_text(model_path)
            booster = lgb.Booster(model_file=str(model_path))
            return MlArtifact(
                booster=booster,
                version=str(meta["version"]),
                timeframe=str(meta["timeframe"]),
                symbols=tuple(meta["symbols"]),
                start_ms=int(meta["start_ms"]),
                end_ms=int(meta["end_ms"]),
                horizon_bars=int(meta["horizon_bars"]),
                feature_names=tuple(meta["feature_names"]),
                params=dict(meta["params"]),
                settings=dict(meta["settings"]),
                calibration=Calibrator.from_json(meta["calibration"]),
                metrics={k: float(v) for k, v in meta.get("metrics", {}).items()},
                created_ms=int(meta.get("created_ms", 0)),
                purge_ms=int(meta["purge_ms"]) if meta.get("purge_ms") is not None else None,
            )
        except (KeyError, TypeError, ValueError, lgb.basic.LightGBMError) as exc:
            raise ConfigurationError(f"{directory}: unreadable model artifact: {exc}") from exc


def check_model_text(path: Path) -> None:
    """Refuse a damaged `model.txt` before LightGBM reads it: LightGBM aborts the whole process
    (SIGABRT, no Python exception) on a truncated file, so this must be checked first."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path}: unreadable model file ({exc})") from None
    sizes = next((line for line in text.splitlines() if line.startswith("tree_sizes=")), None)
    trees = text.count("\nTree=")
    complete = (
        text.startswith("tree\n")
        and "\nend of trees\n" in text
        and sizes is not None
        and len(sizes.removeprefix("tree_sizes=").split()) == trees
        and trees > 0
    )
    if not complete:
        raise ConfigurationError(
            f"{path} is truncated or not a LightGBM model: retrain with `alphaloop model train` "
            "or pass --model PATH to a complete artifact"
        )


def _threads(rows: int) -> int:
    """LightGBM's num_threads for a batch: 1 for small ones, else its default (0: all cores)."""
    return 1 if rows < SMALL_BATCH_ROWS else 0


def latest_artifact(directory: Path | None = None) -> Path | None:
    """The most recently trained artifact folder under `directory` (default: `models_dir()`)."""
    root = directory if directory is not None else models_dir()
    if not root.is_dir():
        return None
    best: tuple[int, float, str] | None = None
    best_path: Path | None = None
    for metadata_path in root.glob(f"*/{METADATA_FILE}"):
        if not (metadata_path.parent / MODEL_FILE).is_file():
            continue
        try:
            created = int(json.loads(metadata_path.read_text(encoding="utf-8")).get("created_ms", 0))
        except (OSError, ValueError, TypeError, AttributeError):
            continue
        key = (created, metadata_path.stat().st_mtime, metadata_path.parent.name)
        if best is None or key > best:
            best, best_path = key, metadata_path.parent
    return best_path
