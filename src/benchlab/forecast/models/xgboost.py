"""XGBoost regressors over a feature matrix: ``xgboost_standard`` and ``xgboost_quantile``.

Both use the native API (``xgb.train`` on a ``QuantileDMatrix``, ``inplace_predict``), which
skips the scikit-learn wrapper's overhead on the many small models of the INDIVIDUAL strategy.
The quantile model fits every alpha (plus 0.5 for the point forecast) in ONE booster with
``objective="reg:quantileerror"``; its outputs are sorted so they never cross. XGBoost is
imported on first fit, so discovering the registry stays cheap.

>>> model = XGBoostQuantile(quantile_alphas=[0.1, 0.9], n_estimators=50)  # doctest: +SKIP
>>> model.fit(X, y).predict_quantiles(X).shape  # doctest: +SKIP
(1500, 2)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

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

if TYPE_CHECKING:
    import xgboost as xgb


class XGBoostParams(BaseModel):
    """Hyperparameters shared by both XGBoost models (XGBoost's own names and defaults)."""

    model_config = ConfigDict(extra="forbid")

    n_estimators: int = Field(100, gt=0, description="boosting rounds")
    max_depth: int = Field(6, ge=1)
    learning_rate: float = Field(0.1, gt=0.0, le=1.0)
    subsample: float = Field(1.0, gt=0.0, le=1.0)
    colsample_bytree: float = Field(1.0, gt=0.0, le=1.0)
    min_child_weight: float = Field(1.0, ge=0.0)
    reg_lambda: float = Field(1.0, ge=0.0)
    reg_alpha: float = Field(0.0, ge=0.0)
    max_bin: int = Field(256, ge=2)
    tree_method: Literal["hist", "approx", "exact"] = "hist"


class XGBoostStandardParams(XGBoostParams):
    """Hyperparameters of ``xgboost_standard``: the shared ones plus the loss."""

    objective: Literal["reg:squarederror", "reg:tweedie", "count:poisson"] = "reg:squarederror"
    tweedie_variance_power: float = Field(1.5, gt=1.0, lt=2.0)


def _xgb() -> Any:
    import xgboost

    return xgboost


class _XGBoostModel(ForecastModel):
    """Fitting, prediction and persistence shared by the XGBoost models."""

    Params = XGBoostParams

    def _objective(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _train_params(self) -> dict[str, Any]:
        p = self.params_
        return {
            "max_depth": p.max_depth,
            "eta": p.learning_rate,
            "subsample": p.subsample,
            "colsample_bytree": p.colsample_bytree,
            "min_child_weight": p.min_child_weight,
            "lambda": p.reg_lambda,
            "alpha": p.reg_alpha,
            "max_bin": p.max_bin,
            "tree_method": p.tree_method,
            "nthread": resolve_n_jobs(self.n_jobs),
            "seed": self.random_state,
            "verbosity": 0,
            **self._objective(),
        }

    def fit(self, X: np.ndarray, y: np.ndarray) -> _XGBoostModel:
        """Train one booster on ``X`` (float32, NaN = missing) and ``y``; returns ``self``."""
        xgb = _xgb()
        X, y = check_features(X, y, model=self.info.name)
        self._check_target(y)
        p = self.params_
        nthread = resolve_n_jobs(self.n_jobs)
        if p.tree_method == "hist":
            data = xgb.QuantileDMatrix(X, y, max_bin=p.max_bin, nthread=nthread)
        else:
            data = xgb.DMatrix(X, y, nthread=nthread)
        try:
            self.booster_ = xgb.train(self._train_params(), data, num_boost_round=p.n_estimators)
        except xgb.core.XGBoostError as exc:
            raise FitError(f"{self.info.name}: {str(exc).splitlines()[0]}") from exc
        self.n_features_in_ = X.shape[1]
        return self

    def _raw_predict(self, X: np.ndarray) -> np.ndarray:
        self._check_fitted("booster_")
        X, _ = check_features(X, model=self.info.name, n_features=self.n_features_in_)
        return np.asarray(self.booster_.inplace_predict(X), dtype=np.float64)

    def save(self, directory: Path) -> list[Path]:
        """Write the parameters and the booster as UBJSON (``<name>.ubj``)."""
        self._check_fitted("booster_")
        files = super().save(directory)
        path = Path(directory) / f"{self.info.name}.ubj"
        self.booster_.save_model(path)
        return [*files, path]

    def _load_fitted(self, directory: Path) -> None:
        path = Path(directory) / f"{self.info.name}.ubj"
        require_files(self.info.name, [path])
        self.booster_: xgb.Booster = _xgb().Booster(model_file=path)
        self.n_features_in_ = self.booster_.num_features()


@model_registry.register
class XGBoostStandard(_XGBoostModel):
    """Gradient-boosted trees for the conditional mean (or a Tweedie/Poisson mean)."""

    info = ModelInfo(
        name="xgboost_standard",
        input_kind="features",
        supports_quantiles=False,
        description="XGBoost regressor (squared error, Tweedie or Poisson)",
    )
    Params = XGBoostStandardParams
    non_negative_objectives = frozenset({"reg:tweedie", "count:poisson"})

    def _objective(self) -> dict[str, Any]:
        objective = {"objective": self.params_.objective}
        if self.params_.objective == "reg:tweedie":
            objective["tweedie_variance_power"] = self.params_.tweedie_variance_power
        return objective

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Point forecast, one value per row of ``X``."""
        return self._raw_predict(X)


@model_registry.register
class XGBoostQuantile(QuantileOutputs, _XGBoostModel):
    """One booster fitting every quantile (and the median) with the pinball loss."""

    info = ModelInfo(
        name="xgboost_quantile",
        input_kind="features",
        supports_quantiles=True,
        description="XGBoost multi-quantile regressor (one booster, reg:quantileerror)",
    )

    def _objective(self) -> dict[str, Any]:
        return {"objective": "reg:quantileerror", "quantile_alpha": np.array(self.fit_alphas_)}

    def _quantile_outputs(self, X: np.ndarray) -> np.ndarray:
        raw = self._raw_predict(X)
        return raw.reshape(raw.shape[0], len(self.fit_alphas_))
