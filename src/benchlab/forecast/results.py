"""What one experiment (a model under a strategy) produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import polars as pl

from benchlab.evaluation.leaderboard import ExperimentRecord
from benchlab.forecast.models.base import ForecastModel


class ModelingStrategy(StrEnum):
    """COMBINED: one model for all selected SKUs. INDIVIDUAL: one model per SKU."""

    COMBINED = "combined"
    INDIVIDUAL = "individual"


@dataclass(frozen=True)
class SkuFailure:
    """A SKU whose fit or forecast failed, and why; the other SKUs go on."""

    sku: tuple
    reason: str


@dataclass
class ExperimentResult:
    """Predictions, metrics and timings of model ``model`` trained under ``strategy``.

    ``model`` is the name the config gives the model (``lightgbm_quantile2`` for the second
    ``lightgbm_quantile`` of a config); ``model_type`` is its registered type.

    ``predictions`` has the id columns, ``date``, ``y_true``, ``y_pred``, one ``q_<alpha>``
    column per quantile and, with an oracle, ``oracle_mean``/``oracle_dispersion``.
    ``per_sku_metrics`` has the id columns and one column per metric. ``revenue_weights`` says
    how ``wrmsse``/``wspl`` weighted the series: by revenue share (True), by unit-sales share
    (False, the data has no prices) or unknown (None).
    """

    model: str
    model_type: str
    strategy: ModelingStrategy
    id_columns: tuple[str, ...]
    quantile_alphas: tuple[float, ...]
    predictions: pl.DataFrame
    metrics: dict[str, float]
    per_sku_metrics: pl.DataFrame
    fit_seconds: float  # model fitting time, summed over the SKUs' models under INDIVIDUAL
    predict_seconds: float
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    wall_seconds: float = 0.0
    n_workers: int = 1
    failures: list[SkuFailure] = field(default_factory=list)
    models: dict[str, ForecastModel] = field(default_factory=dict)
    revenue_weights: bool | None = None
    level_metrics: pl.DataFrame | None = None  # M5 levels: level, name, n_series, wrmsse, wspl
    clipped_at_zero: bool = False  # forecasts of a non-negative target were clipped at 0

    @property
    def label(self) -> str:
        return f"{self.model} [{self.strategy.value}]"

    @property
    def n_skus(self) -> int:
        """SKU tuples with a forecast."""
        columns = [c for c in self.id_columns if c in self.predictions.columns]
        if not columns or self.predictions.is_empty():
            return 0
        return self.predictions.select(columns).n_unique()

    def record(self) -> ExperimentRecord:
        """This experiment as the engine's leaderboard and tracking see it."""
        return ExperimentRecord(
            model=self.model,
            keys={"strategy": ModelingStrategy(self.strategy).value},
            metrics=dict(self.metrics),
            info={
                "wall_seconds": float(self.wall_seconds),
                "fit_seconds": float(self.fit_seconds),
                "predict_seconds": float(self.predict_seconds),
                "n_skus": self.n_skus,
                "n_failed": len(self.failures),
            },
            params={"quantile_alphas": list(self.quantile_alphas), **self.hyperparameters},
        )
