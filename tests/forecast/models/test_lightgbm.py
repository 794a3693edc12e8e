"""``lightgbm_standard`` / ``lightgbm_quantile``: what the conformance suite does not cover."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from benchlab.errors import InputError
from benchlab.forecast.models.lightgbm import LightGBMQuantile, LightGBMStandard


def _skewed(n: int = 1500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Right-skewed target (gamma noise around a level set by the first feature)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = 5.0 + 2.0 * X[:, 0] + rng.gamma(1.5, 2.0, n)
    X[rng.random(X.shape) < 0.05] = np.nan
    return X, y


def test_one_dataset_is_built_and_shared_by_every_alpha(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[lgb.Dataset] = []
    real = lgb.Dataset

    def counting(*args: object, **kwargs: object) -> lgb.Dataset:
        built.append(real(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(lgb, "Dataset", counting)
    X, y = _skewed(400)
    model = LightGBMQuantile(quantile_alphas=[0.1, 0.3, 0.7, 0.9], n_estimators=10).fit(X, y)
    assert len(built) == 1
    assert sorted(model.boosters_) == [0.1, 0.3, 0.5, 0.7, 0.9]


def test_quantiles_are_ordered_and_cover_the_training_data() -> None:
    X, y = _skewed()
    alphas = [0.1, 0.5, 0.9]
    model = LightGBMQuantile(quantile_alphas=alphas, max_depth=6).fit(X, y)
    q = model.predict_quantiles(X)
    means = q.mean(axis=0)
    assert means[0] < means[1] < means[2]
    coverage = (y[:, None] <= q).mean(axis=0)
    np.testing.assert_allclose(coverage, alphas, atol=0.08)
    np.testing.assert_array_equal(model.predict(X), q[:, 1])


def test_native_reload_gives_the_same_predictions(tmp_path: Path) -> None:
    X, y = _skewed(400)
    model = LightGBMQuantile(quantile_alphas=[0.1, 0.9], n_estimators=20).fit(X, y)
    files = {p.name: p for p in model.save(tmp_path)}
    raw = np.column_stack(
        [
            lgb.Booster(model_file=files[f"lightgbm_quantile.alpha{a}.txt"]).predict(X)
            for a in (0.1, 0.5, 0.9)
        ]
    )
    np.testing.assert_array_equal(np.sort(raw, axis=1)[:, [0, 2]], model.predict_quantiles(X))

    standard = LightGBMStandard(n_estimators=20).fit(X, y)
    (path,) = [p for p in standard.save(tmp_path / "std") if p.suffix == ".txt"]
    np.testing.assert_array_equal(lgb.Booster(model_file=path).predict(X), standard.predict(X))


def test_hyperparameters_reach_the_booster() -> None:
    X, y = _skewed(600)
    model = LightGBMStandard(n_estimators=7, max_depth=2, num_leaves=31).fit(X, y)
    booster = model.boosters_[None]
    assert booster.num_trees() == 7
    assert booster.params["max_depth"] == 2 and booster.params["deterministic"] is True
    leaves = [tree["num_leaves"] for tree in booster.dump_model()["tree_info"]]
    assert max(leaves) <= 4  # depth 2 caps a tree at 4 leaves


def test_bagging_is_seeded() -> None:
    X, y = _skewed(500)

    def fit(seed: int) -> np.ndarray:
        model = LightGBMStandard(bagging_fraction=0.6, bagging_freq=1, random_state=seed)
        return model.fit(X, y).predict(X)

    np.testing.assert_array_equal(fit(1), fit(1))
    assert not np.array_equal(fit(1), fit(2))


@pytest.mark.parametrize("objective", ["tweedie", "poisson", "l1"])
def test_other_objectives(objective: str) -> None:
    X, y = _skewed(400)
    model = LightGBMStandard(objective=objective, n_estimators=30).fit(X, np.round(y))
    assert np.isfinite(model.predict(X)).all()
    if objective != "l1":
        with pytest.raises(InputError, match="non-negative"):
            LightGBMStandard(objective=objective).fit(X, y - 100.0)


def test_integer_features_and_all_cores() -> None:
    X, y = _skewed(300)
    X_int = np.nan_to_num(X * 10).astype(np.int32)
    model = LightGBMStandard(n_estimators=5, n_jobs=-1).fit(X_int, y)
    assert model.predict(X_int).shape == (300,)
