"""The forecasting model registry (seed 000's ``model_types.model_registry``).

>>> from benchlab.model_types import model_registry
>>> "statquant" in model_registry.list_available_types()
True
"""

from __future__ import annotations

from typing import Any

from benchlab.forecast.models.base import ForecastModel
from benchlab.registry import Registry

model_registry: Registry[ForecastModel] = Registry(
    "forecast model",
    discover=(
        "benchlab.forecast.models.statquant",
        "benchlab.forecast.models.xgboost",
        "benchlab.forecast.models.lightgbm",
        "benchlab.forecast.models.classical",
    ),
)


def create_model(name: str, **params: Any) -> ForecastModel:
    """Build a registered model by name.

    >>> create_model("xgboost_quantile", quantile_alphas=[0.5])  # doctest: +SKIP
    """
    return model_registry.create(name, **params)
