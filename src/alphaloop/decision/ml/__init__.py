"""The offline model: LightGBM over engineered features, trained walk-forward, calibrated,
explained by its own per-feature contributions."""

from alphaloop.decision.ml.artifact import (
    METADATA_FILE,
    MODEL_FILE,
    MODEL_NAME,
    MODELS_DIR_ENV,
    MlArtifact,
    latest_artifact,
    models_dir,
)
from alphaloop.decision.ml.calibration import Calibrator, fit_calibrator
from alphaloop.decision.ml.dataset import (
    TAKER_FEE,
    TrainingRows,
    direction_labels,
    forward_returns,
    training_rows,
)
from alphaloop.decision.ml.model import MlModel, load_model
from alphaloop.decision.ml.train import (
    DEFAULT_ENTRY_THRESHOLD,
    DEFAULT_HORIZON_BARS,
    DEFAULT_PARAMS,
    FoldReport,
    TrainReport,
    TrainSettings,
    train,
    train_with_report,
)

__all__ = [
    "DEFAULT_ENTRY_THRESHOLD",
    "DEFAULT_HORIZON_BARS",
    "DEFAULT_PARAMS",
    "METADATA_FILE",
    "MODELS_DIR_ENV",
    "MODEL_FILE",
    "MODEL_NAME",
    "TAKER_FEE",
    "Calibrator",
    "FoldReport",
    "MlArtifact",
    "MlModel",
    "TrainReport",
    "TrainSettings",
    "TrainingRows",
    "direction_labels",
    "fit_calibrator",
    "forward_returns",
    "latest_artifact",
    "load_model",
    "models_dir",
    "train",
    "train_with_report",
    "training_rows",
]
