"""ONNX export of the Lightning MLPs (``lightning_standard``/``lightning_quantile``), torch.onnx.

The exported graph is the whole model, not just the network: missing values are filled with
the training medians, features standardised with the training statistics, the network run and
its outputs put back on the target's scale, so an ONNX runtime needs nothing but the file. One
file per output (``point``, or one per fitted alpha), like the tree models; each is the raw
output before benchlab sorts quantiles (the quantile head is monotone by construction anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchlab.forecast.models.base import ForecastModel
from benchlab.forecast.models.lightning_mlp import LightningQuantile, LightningStandard

MLP_MODELS = (LightningStandard, LightningQuantile)
MLP_NAMES = tuple(cls.info.name for cls in MLP_MODELS)


def output_keys(model: ForecastModel, key_of: Callable[[float | None], str]) -> list[str]:
    """The artifact keys of the network's output columns, in order."""
    if isinstance(model, LightningQuantile):
        return [key_of(a) for a in model.fit_alphas_]
    return [key_of(None)]


def _wrapped(model: Any, column: int) -> Any:
    """A ``torch.nn.Module``: raw float32 features → one output column on the target's scale."""
    import torch

    scaler, target = model.feature_scaler_, model.target_scaler_

    class Exported(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = model.net_
            self.register_buffer("medians", torch.tensor(scaler.medians, dtype=torch.float32))
            self.register_buffer("means", torch.tensor(scaler.means, dtype=torch.float32))
            self.register_buffer("stds", torch.tensor(scaler.stds, dtype=torch.float32))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = torch.where(torch.isnan(x), self.medians, x)
            out = self.net((x - self.means) / self.stds)
            out = out.reshape(x.shape[0], -1)[:, column : column + 1]
            return out * target.std + target.mean

    return Exported().eval()


def convert_mlp(model: Any, key_of: Callable[[float | None], str], input_name: str) -> dict:
    """Every output of a fitted MLP as an ONNX model, by key (torch.onnx's dynamo exporter)."""
    import torch

    rows = torch.export.Dim("rows", min=1)
    example = (torch.zeros(2, model.n_features_in_, dtype=torch.float32),)
    models = {}
    for column, key in enumerate(output_keys(model, key_of)):
        program = torch.onnx.export(
            _wrapped(model, column),
            example,
            dynamo=True,
            input_names=[input_name],
            output_names=["variable"],
            dynamic_shapes=({0: rows},),
            verbose=False,
        )
        models[key] = program.model_proto
    return models


def native_mlp(
    model: Any, key_of: Callable[[float | None], str]
) -> tuple[list[str], Callable[[np.ndarray], dict[str, np.ndarray]]]:
    """Output keys and a function giving the model's own raw outputs (one thread) by key."""
    keys = output_keys(model, key_of)
    model.n_jobs = 1

    def predict(X: np.ndarray) -> dict[str, np.ndarray]:
        outputs = np.asarray(model._outputs(X)).reshape(X.shape[0], len(keys))
        return {key: np.asarray(outputs[:, j], np.float64) for j, key in enumerate(keys)}

    return keys, predict
