"""``xgboost_standard`` / ``xgboost_quantile``: what the conformance suite does not cover."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from benchlab import parallel
from benchlab.errors import InputError
from benchlab.forecast.models.xgboost import XGBoostQuantile, XGBoostStandard


def _skewed(n: int = 1500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Right-skewed target (gamma noise around a level set by the first feature)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = 5.0 + 2.0 * X[:, 0] + rng.gamma(1.5, 2.0, n)
    X[rng.random(X.shape) < 0.05] = np.nan
    return X, y


def test_quantiles_are_ordered_and_cover_the_training_data() -> None:
    X, y = _skewed()
    alphas = [0.1, 0.5, 0.9]
    model = XGBoostQuantile(quantile_alphas=alphas, n_estimators=100, max_depth=3).fit(X, y)
    q = model.predict_quantiles(X)
    means = q.mean(axis=0)
    assert means[0] < means[1] < means[2]
    coverage = (y[:, None] <= q).mean(axis=0)
    np.testing.assert_allclose(coverage, alphas, atol=0.08)
    # The point forecast is the median column.
    np.testing.assert_array_equal(model.predict(X), q[:, 1])


def test_one_booster_fits_every_alpha_plus_the_median() -> None:
    X, y = _skewed(300)
    model = XGBoostQuantile(quantile_alphas=[0.2, 0.8], n_estimators=10).fit(X, y)
    assert model.fit_alphas_ == (0.2, 0.5, 0.8)
    assert model.booster_.inplace_predict(X).shape == (300, 3)
    assert model.predict_quantiles(X).shape == (300, 2)


def test_native_reload_gives_the_same_predictions(tmp_path: Path) -> None:
    X, y = _skewed(400)
    model = XGBoostQuantile(quantile_alphas=[0.1, 0.9], n_estimators=20).fit(X, y)
    (booster_file,) = [p for p in model.save(tmp_path) if p.suffix == ".ubj"]
    raw = xgb.Booster(model_file=booster_file).inplace_predict(X)
    np.testing.assert_array_equal(np.sort(raw, axis=1)[:, [0, 2]], model.predict_quantiles(X))

    standard = XGBoostStandard(n_estimators=20).fit(X, y)
    (booster_file,) = [p for p in standard.save(tmp_path / "std") if p.suffix == ".ubj"]
    np.testing.assert_array_equal(
        xgb.Booster(model_file=booster_file).inplace_predict(X), standard.predict(X)
    )


def test_hyperparameters_reach_the_booster() -> None:
    X, y = _skewed(300)
    model = XGBoostStandard(n_estimators=7, max_depth=2).fit(X, y)
    assert model.booster_.num_boosted_rounds() == 7
    lines = [line for tree in model.booster_.get_dump() for line in tree.splitlines()]
    assert max(line.count("\t") for line in lines) == 2  # a node's depth is its indent


def test_subsampling_is_seeded() -> None:
    X, y = _skewed(500)

    def fit(seed: int) -> np.ndarray:
        return XGBoostStandard(subsample=0.6, random_state=seed).fit(X, y).predict(X)

    np.testing.assert_array_equal(fit(1), fit(1))
    assert not np.array_equal(fit(1), fit(2))


@pytest.mark.parametrize("objective", ["reg:tweedie", "count:poisson"])
def test_count_objectives(objective: str) -> None:
    X, y = _skewed(400)
    model = XGBoostStandard(objective=objective, n_estimators=30).fit(X, np.round(y))
    assert (model.predict(X) > 0).all()
    with pytest.raises(InputError, match="non-negative"):
        XGBoostStandard(objective=objective).fit(X, y - 100.0)


def test_other_tree_methods_and_all_cores() -> None:
    X, y = _skewed(300)
    for tree_method in ("approx", "exact"):
        model = XGBoostStandard(tree_method=tree_method, n_estimators=5, n_jobs=-1).fit(X, y)
        assert np.isfinite(model.predict(X)).all()


def test_all_cores_means_the_cores_this_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "available_cores", lambda: 3)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)  # the host's count, seen from a container
    assert XGBoostStandard(n_jobs=-1)._train_params()["nthread"] == 3
    assert XGBoostStandard(n_jobs=-2)._train_params()["nthread"] == 2
