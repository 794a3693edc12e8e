"""``lightning_standard`` / ``lightning_quantile``: what the conformance suite does not cover."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from benchlab.errors import InputError
from benchlab.forecast.models.lightning_mlp import LightningQuantile, LightningStandard
from benchlab.forecast.models.neural import FeatureScaler

from .conftest import Panel

FAST = {"hidden_sizes": [16], "max_epochs": 5, "batch_size": 64}


def _skewed(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Right-skewed target (gamma noise around a level set by the first feature)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = 5.0 + 2.0 * X[:, 0] + rng.gamma(1.5, 2.0, n)
    X[rng.random(X.shape) < 0.05] = np.nan
    return X, y


@pytest.mark.slow  # default hyperparameters: up to 50 epochs
@pytest.mark.parametrize("cls", [LightningStandard, LightningQuantile])
def test_beats_predicting_the_training_mean(cls: type, panel: Panel) -> None:
    model = cls(quantile_alphas=[0.1, 0.9] if cls is LightningQuantile else None)
    point = model.fit(panel.X_train, panel.y_train).predict(panel.X_test)
    mae = np.mean(np.abs(point - panel.y_test))
    baseline = np.mean(np.abs(panel.y_train.mean() - panel.y_test))
    assert mae < 0.5 * baseline, f"MAE {mae:.2f} against {baseline:.2f} for the training mean"


def test_scaling_comes_from_the_training_rows_only(panel: Panel) -> None:
    model = LightningStandard(**FAST).fit(panel.X_train, panel.y_train)
    X = panel.X_train.astype(np.float64)
    medians = np.nanmedian(X, axis=0)
    filled = np.where(np.isnan(X), medians, X)
    np.testing.assert_allclose(model.feature_scaler_.medians, medians)
    np.testing.assert_allclose(model.feature_scaler_.means, filled.mean(axis=0))
    np.testing.assert_allclose(model.feature_scaler_.stds, filled.std(axis=0))
    assert model.target_scaler_.mean == pytest.approx(panel.y_train.mean())
    assert model.target_scaler_.std == pytest.approx(panel.y_train.std())
    # the test rows would move the statistics had they been used
    both = FeatureScaler.fit(np.vstack([panel.X_train, panel.X_test * 3.0]))
    assert not np.allclose(both.means, model.feature_scaler_.means)
    before = model.feature_scaler_.to_dict()
    model.predict(panel.X_test * 3.0)
    assert model.feature_scaler_.to_dict() == before


@pytest.mark.slow  # 30 epochs on 2000 rows
def test_quantiles_are_ordered_and_cover_the_training_data() -> None:
    X, y = _skewed()
    alphas = [0.1, 0.5, 0.9]
    model = LightningQuantile(quantile_alphas=alphas, max_epochs=30).fit(X, y)
    q = model.predict_quantiles(X)
    assert (np.diff(q, axis=1) >= 0).all()
    coverage = (y[:, None] <= q).mean(axis=0)
    np.testing.assert_allclose(coverage, alphas, atol=0.08)
    np.testing.assert_array_equal(model.predict(X), q[:, 1])
    assert model.net_.layers[-1].out_features == 3  # one output per fitted alpha


def test_early_stopping_stops_and_restores_the_best_epoch(tmp_path: Path) -> None:
    """A target of pure noise: the validation loss stops improving within a few epochs."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5)).astype(np.float32)
    y = rng.normal(size=600)
    model = LightningStandard(
        hidden_sizes=[64], max_epochs=200, patience=3, batch_size=32, log_dir=str(tmp_path)
    ).fit(X, y)
    assert model.best_epoch_ is not None
    assert model.epochs_trained_ == model.best_epoch_ + 1 + 3 < 200
    (checkpoint,) = model.log_path_.glob("checkpoints/*.ckpt")
    best = torch.load(checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    for key, value in model.net_.state_dict().items():
        torch.testing.assert_close(value, best[f"net.{key}"], rtol=0, atol=0)


def test_without_validation_every_epoch_runs(panel: Panel) -> None:
    model = LightningStandard(**{**FAST, "val_fraction": 0.0}).fit(panel.X_train, panel.y_train)
    assert model.epochs_trained_ == FAST["max_epochs"] and model.best_epoch_ is None


def test_seed_decides_the_predictions(panel: Panel) -> None:
    def fit(seed: int) -> np.ndarray:
        model = LightningQuantile(quantile_alphas=[0.2, 0.8], random_state=seed, **FAST)
        return model.fit(panel.X_train, panel.y_train).predict_quantiles(panel.X_test)

    first = fit(1)
    np.testing.assert_array_equal(fit(1), first)
    assert not np.allclose(fit(2), first)


@pytest.mark.parametrize("cls", [LightningStandard, LightningQuantile])
def test_saved_weights_reload_with_weights_only(cls: type, panel: Panel, tmp_path: Path) -> None:
    model = cls(quantile_alphas=[0.1, 0.9] if cls is LightningQuantile else None, **FAST)
    model.fit(panel.X_train, panel.y_train)
    files = {p.suffix: p for p in model.save(tmp_path)}
    assert sorted(files) == [".json", ".pt"]  # params and scaling are both .json
    state = torch.load(files[".pt"], weights_only=True)
    assert set(state) == set(model.net_.state_dict())
    scaling = json.loads((tmp_path / f"{cls.info.name}.scaling.json").read_text())
    assert scaling["features"]["means"] == model.feature_scaler_.means.tolist()

    loaded = cls.load(tmp_path)
    np.testing.assert_array_equal(loaded.predict(panel.X_test), model.predict(panel.X_test))
    if cls is LightningQuantile:
        np.testing.assert_array_equal(
            loaded.predict_quantiles(panel.X_test), model.predict_quantiles(panel.X_test)
        )


def test_hidden_sizes_shape_the_network(panel: Panel) -> None:
    model = LightningStandard(hidden_sizes=[7, 5], max_epochs=1).fit(panel.X_train, panel.y_train)
    widths = [layer.out_features for layer in model.net_.layers if hasattr(layer, "out_features")]
    assert widths == [7, 5, 1]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"hidden_sizes": []}, "hidden_sizes"),
        ({"hidden_sizes": [32, 0]}, "hidden_sizes"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"max_epochs": 0}, "max_epochs"),
        ({"weight_decay": -1e-3}, "weight_decay"),
    ],
)
def test_bad_hyperparameters_are_refused_by_name(params: dict, named: str) -> None:
    with pytest.raises(InputError, match=named):
        LightningQuantile(**params)
