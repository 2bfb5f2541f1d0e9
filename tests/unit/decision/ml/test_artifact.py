"""Artifacts on disk: a lossless round trip, the latest one found, bad folders refused."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from alphaloop.decision.ml import (
    METADATA_FILE,
    MODEL_FILE,
    MlArtifact,
    latest_artifact,
    load_model,
    models_dir,
    training_rows,
)
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.frame import MarketFrame
from tests.unit.decision.ml.conftest import HORIZON, TRAIN_END, TRAIN_START


def test_save_and_load_give_the_same_predictions(
    tmp_path: Path, frame: MarketFrame, artifact: MlArtifact
) -> None:
    folder = artifact.save(tmp_path / artifact.default_dirname())
    assert (folder / MODEL_FILE).is_file()
    meta = json.loads((folder / METADATA_FILE).read_text())
    assert meta["version"] == artifact.version
    assert meta["feature_names"] == list(artifact.feature_names)
    assert meta["calibration"]["kind"] == "platt"
    loaded = MlArtifact.load(folder)
    assert loaded.metadata() == artifact.metadata()
    rows = training_rows(frame, start_ms=TRAIN_START, end_ms=TRAIN_END, horizon=HORIZON)
    np.testing.assert_array_equal(loaded.probability(rows.X), artifact.probability(rows.X))
    assert MlArtifact.load(folder / METADATA_FILE).version == artifact.version


def test_contributions_add_up_to_the_raw_score(frame: MarketFrame, artifact: MlArtifact) -> None:
    X = training_rows(frame, start_ms=TRAIN_START, end_ms=TRAIN_END, horizon=HORIZON).X[:50]
    contributions = artifact.contributions(X)
    assert contributions.shape == (50, len(artifact.feature_names) + 1)
    np.testing.assert_allclose(contributions.sum(axis=1), artifact.raw_score(X), atol=1e-9)


def test_latest_artifact_is_the_most_recently_trained(tmp_path: Path, artifact: MlArtifact) -> None:
    assert latest_artifact(tmp_path / "missing") is None
    assert latest_artifact(tmp_path) is None
    older = replace(artifact, version="aaaaaaaaaaaa", created_ms=1_000).save(tmp_path / "b-old")
    newer = replace(artifact, version="bbbbbbbbbbbb", created_ms=2_000).save(tmp_path / "a-new")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / METADATA_FILE).write_text("{not json")
    assert latest_artifact(tmp_path) == newer
    assert load_model(models_dir=tmp_path).info.version == "bbbbbbbbbbbb"
    assert load_model(older).info.version == "aaaaaaaaaaaa"


def test_models_dir_defaults_to_models_and_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALPHALOOP_MODELS_DIR", raising=False)
    assert models_dir() == Path("models")
    monkeypatch.setenv("ALPHALOOP_MODELS_DIR", str(tmp_path))
    assert models_dir() == tmp_path
    with pytest.raises(ConfigurationError, match="no trained model"):
        load_model()


def test_broken_artifacts_are_configuration_errors(tmp_path: Path, artifact: MlArtifact) -> None:
    with pytest.raises(ConfigurationError, match="not a model artifact"):
        MlArtifact.load(tmp_path)
    folder = artifact.save(tmp_path / "m")
    meta = json.loads((folder / METADATA_FILE).read_text())
    (folder / METADATA_FILE).write_text(json.dumps({**meta, "format": 99}))
    with pytest.raises(ConfigurationError, match="format"):
        MlArtifact.load(folder)
    del meta["version"]
    (folder / METADATA_FILE).write_text(json.dumps(meta))
    with pytest.raises(ConfigurationError, match="unreadable"):
        MlArtifact.load(folder)
