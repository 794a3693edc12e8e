"""LightGBM regressors over a feature matrix: ``lightgbm_standard`` and ``lightgbm_quantile``.

LightGBM fits one quantile per booster, so ``lightgbm_quantile`` trains one booster per alpha
(plus 0.5 for the point forecast) on ONE binned ``lgb.Dataset``, constructed once and reused:
a benchmark trains tens of thousands of these small models, so the per-model overhead is kept
low (native ``lgb.train`` that keeps its booster instead of re-parsing it from text,
``verbose=-1``, ``force_row_wise=True``, no Python callbacks).
Outputs are sorted along alpha so quantiles never cross. LightGBM is imported on first fit.

>>> model = LightGBMQuantile(quantile_alphas=[0.1, 0.9], max_depth=6)  # doctest: +SKIP
>>> model.fit(X, y).predict_quantiles(X).shape  # doctest: +SKIP
(1500, 2)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from benchlab.errors import FitError
from benchlab.forecast.model_types import model_registry
from benchlab.forecast.models.base import (
    ForecastModel,
    ModelInfo,
    QuantileOutputs,
    check_features,
    require_files,
)
from benchlab.parallel import resolve_n_jobs


class LightGBMParams(BaseModel):
    """Hyperparameters shared by both LightGBM models (LightGBM's own names and defaults)."""

    model_config = ConfigDict(extra="forbid")

    n_estimators: int = Field(100, gt=0, description="boosting rounds")
    num_leaves: int = Field(31, ge=2, le=131072)
    max_depth: int = Field(-1, ge=-1, description="-1: no limit")
    learning_rate: float = Field(0.1, gt=0.0)
    min_data_in_leaf: int = Field(20, ge=0)
    feature_fraction: float = Field(1.0, gt=0.0, le=1.0)
    bagging_fraction: float = Field(1.0, gt=0.0, le=1.0)
    bagging_freq: int = Field(0, ge=0, description="0: no bagging")
    lambda_l1: float = Field(0.0, ge=0.0)
    lambda_l2: float = Field(0.0, ge=0.0)
    max_bin: int = Field(255, ge=2)


class LightGBMStandardParams(LightGBMParams):
    """Hyperparameters of ``lightgbm_standard``: the shared ones plus the loss."""

    objective: Literal["l2", "l1", "tweedie", "poisson"] = "l2"
    tweedie_variance_power: float = Field(1.5, gt=1.0, lt=2.0)


def _lgb() -> Any:
    import lightgbm

    return lightgbm


class _LightGBMModel(ForecastModel):
    """Fitting, prediction and persistence shared by the LightGBM models."""

    Params = LightGBMParams

    def _objectives(self) -> dict[float | None, dict[str, Any]]:  # pragma: no cover
        """One entry per booster: its key (an alpha, or None) and its objective params."""
        raise NotImplementedError

    def _train_params(self) -> dict[str, Any]:
        """Every booster's params bar its objective; the Dataset is binned with the same ones."""
        p = self.params_
        return {
            "num_leaves": p.num_leaves,
            "max_depth": p.max_depth,
            "learning_rate": p.learning_rate,
            "min_data_in_leaf": p.min_data_in_leaf,
            "feature_fraction": p.feature_fraction,
            "bagging_fraction": p.bagging_fraction,
            "bagging_freq": p.bagging_freq,
            "lambda_l1": p.lambda_l1,
            "lambda_l2": p.lambda_l2,
            "max_bin": p.max_bin,
            "verbose": -1,
            "num_threads": resolve_n_jobs(self.n_jobs),
            "seed": self.random_state,
            "deterministic": True,
            "force_row_wise": True,  # faster than col-wise on few features (benchmarks/)
        }

    def fit(self, X: np.ndarray, y: np.ndarray) -> _LightGBMModel:
        """Bin ``X`` once, then train one booster per objective on it; returns ``self``."""
        lgb = _lgb()
        X, y = check_features(X, y, model=self.info.name)
        self._check_target(y)
        base = self._train_params()
        try:
            data = lgb.Dataset(X, y, params=base).construct()
            self.boosters_ = {
                key: lgb.train(
                    {**base, **objective},
                    data,
                    num_boost_round=self.params_.n_estimators,
                    keep_training_booster=True,  # skips a text round trip per booster
                )
                for key, objective in self._objectives().items()
            }
        except lgb.basic.LightGBMError as exc:
            raise FitError(f"{self.info.name}: {exc}") from exc
        self.n_features_in_ = X.shape[1]
        return self

    def _booster_predict(self, key: float | None, X: np.ndarray) -> np.ndarray:
        return np.asarray(
            self.boosters_[key].predict(X, num_threads=resolve_n_jobs(self.n_jobs)), np.float64
        )

    def _check_X(self, X: np.ndarray) -> np.ndarray:
        self._check_fitted("boosters_")
        X, _ = check_features(X, model=self.info.name, n_features=self.n_features_in_)
        return X

    def _booster_path(self, directory: Path, key: float | None) -> Path:
        suffix = "" if key is None else f".alpha{key:g}"
        return Path(directory) / f"{self.info.name}{suffix}.txt"

    def save(self, directory: Path) -> list[Path]:
        """Write the parameters and each booster as LightGBM text (``<name>[.alpha<a>].txt``)."""
        self._check_fitted("boosters_")
        files = super().save(directory)
        for key, booster in self.boosters_.items():
            path = self._booster_path(directory, key)
            booster.save_model(path)
            files.append(path)
        return files

    def _load_fitted(self, directory: Path) -> None:
        lgb = _lgb()
        paths = {key: self._booster_path(directory, key) for key in self._objectives()}
        require_files(self.info.name, list(paths.values()))
        self.boosters_ = {key: lgb.Booster(model_file=path) for key, path in paths.items()}
        self.n_features_in_ = next(iter(self.boosters_.values())).num_feature()


@model_registry.register
class LightGBMStandard(_LightGBMModel):
    """Gradient-boosted trees for the conditional mean (or median, Tweedie, Poisson)."""

    info = ModelInfo(
        name="lightgbm_standard",
        input_kind="features",
        supports_quantiles=False,
        description="LightGBM regressor (l2, l1, Tweedie or Poisson)",
    )
    Params = LightGBMStandardParams
    non_negative_objectives = frozenset({"tweedie", "poisson"})

    def _objectives(self) -> dict[float | None, dict[str, Any]]:
        objective: dict[str, Any] = {"objective": self.params_.objective}
        if self.params_.objective == "tweedie":
            objective["tweedie_variance_power"] = self.params_.tweedie_variance_power
        return {None: objective}

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Point forecast, one value per row of ``X``."""
        return self._booster_predict(None, self._check_X(X))


@model_registry.register
class LightGBMQuantile(QuantileOutputs, _LightGBMModel):
    """One pinball-loss booster per alpha (and the median), all on one shared Dataset."""

    info = ModelInfo(
        name="lightgbm_quantile",
        input_kind="features",
        supports_quantiles=True,
        description="LightGBM quantile regressor (one booster per alpha, shared Dataset)",
    )

    def _objectives(self) -> dict[float | None, dict[str, Any]]:
        return {a: {"objective": "quantile", "alpha": a} for a in self.fit_alphas_}

    def _quantile_outputs(self, X: np.ndarray) -> np.ndarray:
        X = self._check_X(X)
        return np.column_stack([self._booster_predict(a, X) for a in self.fit_alphas_])
