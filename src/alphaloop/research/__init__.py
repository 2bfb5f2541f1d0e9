"""Research studies: walk-forward trials with periodic retraining, searched by Optuna (database
storage, local processes or Ray), overfitting statistics, and the lockbox no search may read."""

from alphaloop.research.lockbox import (
    LOCKBOX_END_MS,
    LOCKBOX_START_MS,
    LockboxError,
    check_search_range,
    load_search_frame,
)
from alphaloop.research.spec import Study, StudyError, TrialConfig, load_study_file, parse_study
from alphaloop.research.stats import deflated_sharpe, probability_of_overfitting

__all__ = [
    "LOCKBOX_END_MS",
    "LOCKBOX_START_MS",
    "LockboxError",
    "Study",
    "StudyError",
    "TrialConfig",
    "check_search_range",
    "deflated_sharpe",
    "load_search_frame",
    "load_study_file",
    "parse_study",
    "probability_of_overfitting",
]
