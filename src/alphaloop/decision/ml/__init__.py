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
from alphaloop.decision.ml.provenance import (
    IN_SAMPLE_LABEL,
    InSampleError,
    TrainingRange,
    check_out_of_sample,
    training_range_of,
)
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
    "IN_SAMPLE_LABEL",
    "METADATA_FILE",
    "MODELS_DIR_ENV",
    "MODEL_FILE",
    "MODEL_NAME",
    "TAKER_FEE",
    "Calibrator",
    "FoldReport",
    "InSampleError",
    "MlArtifact",
    "MlModel",
    "TrainReport",
    "TrainSettings",
    "TrainingRange",
    "TrainingRows",
    "check_out_of_sample",
    "direction_labels",
    "fit_calibrator",
    "forward_returns",
    "latest_artifact",
    "load_model",
    "models_dir",
    "train",
    "train_with_report",
    "training_range_of",
    "training_rows",
]
