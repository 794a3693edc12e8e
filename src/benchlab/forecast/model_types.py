"""The forecasting model registry (seed 000's ``model_types.model_registry``).

>>> from benchlab.forecast.model_types import model_registry
>>> "statquant" in model_registry.list_available_types()
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchlab.errors import InputError
from benchlab.forecast.models.base import ForecastModel
from benchlab.registry import Registry

model_registry: Registry[ForecastModel] = Registry(
    "forecast model",
    discover=(
        "benchlab.forecast.models.statquant",
        "benchlab.forecast.models.xgboost",
        "benchlab.forecast.models.lightgbm",
        "benchlab.forecast.models.classical",
        "benchlab.forecast.models.lightning_mlp",
        "benchlab.forecast.models.lstm",
    ),
)


def create_model(name: str, **params: Any) -> ForecastModel:
    """Build a registered model by name.

    >>> create_model("xgboost_quantile", quantile_alphas=[0.5])  # doctest: +SKIP
    """
    return model_registry.create(name, **params)


def saved_model_type(directory: Path) -> str:
    """The registered name of the model ``ForecastModel.save`` wrote into ``directory``.

    >>> saved_model_type(Path("no/such/folder"))
    Traceback (most recent call last):
    ...
    benchlab.errors.InputError: no/such/folder: not a folder
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: not a folder")
    found = sorted(directory.glob("*.params.json"))
    if not found:
        raise InputError(f"{directory}: no saved model here (no *.params.json file)")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise InputError(f"{directory}: holds several saved models ({names})")
    name = found[0].name.removesuffix(".params.json")
    model_registry.get(name)  # an unknown name: a clear error listing the registry
    return name


def load_saved_model(directory: Path) -> ForecastModel:
    """Rebuild the model saved in ``directory`` from its libraries' own files (no pickle)."""
    return model_registry.get(saved_model_type(directory)).load(Path(directory))
