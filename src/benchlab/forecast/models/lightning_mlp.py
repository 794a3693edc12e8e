"""PyTorch Lightning MLPs over a feature matrix: ``lightning_standard`` and ``lightning_quantile``.

Features are filled (training median) and standardised, and the target standardised, with
statistics of the training rows only; predictions are put back on the target's scale. The last
``val_fraction`` of the training rows (the latest periods: the engine passes rows oldest first)
is held out for early stopping, and the best epoch's weights are kept. ``lightning_quantile``
has one output per fitted alpha, trained with pinball loss and monotone by construction (the
first output plus softplus increments); its point forecast is the 0.5 output.

>>> model = LightningQuantile(quantile_alphas=[0.1, 0.9], max_epochs=20)  # doctest: +SKIP
>>> model.fit(X, y).predict_quantiles(X).shape  # doctest: +SKIP
(1500, 2)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field, PositiveInt

from benchlab.forecast.model_types import model_registry
from benchlab.forecast.models.base import ModelInfo, QuantileOutputs, check_features
from benchlab.forecast.models.neural import (
    FeatureScaler,
    NeuralModel,
    NeuralParams,
    TargetScaler,
    validation_size,
)

if TYPE_CHECKING:
    import torch


class MLPParams(NeuralParams):
    """Hyperparameters of the Lightning MLPs: the layer widths plus the shared training ones."""

    hidden_sizes: list[PositiveInt] = Field([64, 64], min_length=1)


class _LightningMLP(NeuralModel):
    """Scaling, training and persistence shared by both MLPs."""

    Params = MLPParams

    @property
    def _alphas(self) -> tuple[float, ...]:
        """Alphas of the output columns; none for a point model."""
        return ()

    def fit(self, X: np.ndarray, y: np.ndarray) -> _LightningMLP:
        """Scale with training statistics, train with early stopping; returns ``self``."""
        from torch import from_numpy
        from torch.utils.data import TensorDataset

        X, y = check_features(X, y, model=self.info.name)
        self.feature_scaler_ = FeatureScaler.fit(X)
        self.target_scaler_ = TargetScaler.fit(y)
        self.n_features_in_ = X.shape[1]
        Xs = from_numpy(self.feature_scaler_.transform(X))
        ys = from_numpy(self.target_scaler_.transform(y))
        split = X.shape[0] - validation_size(X.shape[0], self.params_.val_fraction)
        train = TensorDataset(Xs[:split], ys[:split])
        val = TensorDataset(Xs[split:], ys[split:]) if split < X.shape[0] else None
        self._train(train, val, self._alphas)
        return self

    def _build_net(self) -> torch.nn.Module:
        from benchlab.forecast.models._nets import MLPNet

        p = self.params_
        return MLPNet(self.n_features_in_, p.hidden_sizes, p.dropout, len(self._alphas))

    def _outputs(self, X: np.ndarray) -> np.ndarray:
        """Network outputs for ``X`` on the target's scale."""
        self._check_fitted("net_")
        X, _ = check_features(X, model=self.info.name, n_features=self.n_features_in_)
        return self.target_scaler_.inverse(self._run(self.feature_scaler_.transform(X)))

    def _scaling(self) -> dict[str, Any]:
        return {
            "n_features": self.n_features_in_,
            "features": self.feature_scaler_.to_dict(),
            "target": {"mean": self.target_scaler_.mean, "std": self.target_scaler_.std},
        }

    def _restore_scaling(self, data: dict[str, Any]) -> None:
        self.n_features_in_ = int(data["n_features"])
        self.feature_scaler_ = FeatureScaler.from_dict(data["features"])
        self.target_scaler_ = TargetScaler(**data["target"])


@model_registry.register
class LightningStandard(_LightningMLP):
    """An MLP for the conditional mean (MSE loss)."""

    info = ModelInfo(
        name="lightning_standard",
        input_kind="features",
        supports_quantiles=False,
        description="PyTorch Lightning MLP, MSE loss, early stopping on the latest rows",
    )

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Point forecast, one value per row of ``X``."""
        return self._outputs(X)


@model_registry.register
class LightningQuantile(QuantileOutputs, _LightningMLP):
    """An MLP with one monotone pinball-loss output per alpha (and the median)."""

    info = ModelInfo(
        name="lightning_quantile",
        input_kind="features",
        supports_quantiles=True,
        description="PyTorch Lightning MLP, monotone quantile head with pinball loss",
    )

    @property
    def _alphas(self) -> tuple[float, ...]:
        return self.fit_alphas_

    def _quantile_outputs(self, X: np.ndarray) -> np.ndarray:
        return self._outputs(X)
