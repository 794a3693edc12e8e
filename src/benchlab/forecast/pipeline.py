"""``BenchmarkPipeline``: load → split → train under a strategy → forecast → evaluate.

>>> pipeline = BenchmarkPipeline(data_config, training_config)       # doctest: +SKIP
>>> pipeline.load_and_prepare_data()                                  # doctest: +SKIP
>>> result = pipeline.run_experiment([(80558, 2), (80651, 2)],       # doctest: +SKIP
...                                  ModelingStrategy.INDIVIDUAL, "xgboost_quantile")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from benchlab.errors import InputError
from benchlab.forecast.config import DataConfig, TrainingConfig
from benchlab.forecast.data.dataset import ForecastData
from benchlab.forecast.data.skus import check_sku_tuples, normalise_sku_tuples
from benchlab.forecast.data.splits import TemporalSplit, temporal_split
from benchlab.forecast.engine import ForecastTask
from benchlab.forecast.features import FeatureSpec
from benchlab.forecast.levels import evaluate_levels, series_hierarchy
from benchlab.forecast.metrics import clip_at_zero, evaluate_forecasts, uses_revenue_weights
from benchlab.forecast.model_types import model_registry
from benchlab.forecast.results import ExperimentResult, ModelingStrategy
from benchlab.forecast.schema import (
    DATE,
    ORACLE_DISPERSION,
    ORACLE_MEAN,
    PRICE,
    TARGET,
    Y_PRED,
    Y_TRUE,
)
from benchlab.forecast.strategies import run_strategy

_TRUTH_COLUMNS = (TARGET, ORACLE_MEAN, ORACLE_DISPERSION)


def load_forecast_data(config: DataConfig) -> ForecastData:
    """Read either input shape of ``config``, filtered to its ``sku_tuples``."""
    if config.is_panel:
        from benchlab.forecast.data.panel import load_panel

        return load_panel(
            config.panel_path,
            id_columns=config.id_columns,
            date_column=config.date_column,
            target_column=config.target_column,
            freq=config.freq,
            sku_tuples=config.sku_tuples,
            exogenous_columns=config.exogenous_columns,
            price_column=config.price_column,
        )
    from benchlab.forecast.data.seed_files import load_seed_files

    return load_seed_files(
        config.features_path,
        config.target_path,
        config.mapping_path,
        sku_tuples=config.sku_tuples,
        oracle_path=config.oracle_path,
        freq=config.freq,
    )


@dataclass(frozen=True)
class ScoredForecasts:
    """What :meth:`BenchmarkPipeline.score` returns: the (clipped) predictions, the metrics
    (M5 levels included), per-SKU metrics, the level table and how the scoring went."""

    predictions: pl.DataFrame
    metrics: dict[str, float]
    per_sku: pl.DataFrame
    levels: pl.DataFrame
    clipped_at_zero: bool
    revenue_weights: bool


class BenchmarkPipeline:
    """Orchestrates one dataset's experiments (seed 000's main entry point)."""

    def __init__(self, data_config: DataConfig, training_config: TrainingConfig) -> None:
        self.data_config = data_config
        self.training_config = training_config
        self.data: ForecastData | None = None
        self.split: TemporalSplit | None = None
        self.feature_spec: FeatureSpec | None = None
        self._hierarchy: pl.DataFrame | None = None

    @classmethod
    def from_split(
        cls,
        data_config: DataConfig,
        training_config: TrainingConfig,
        data: ForecastData,
        split: TemporalSplit,
        feature_spec: FeatureSpec | None,
    ) -> BenchmarkPipeline:
        """A pipeline on data already loaded and split (e.g. one fold of a tuning search)."""
        pipeline = cls(data_config, training_config)
        pipeline.data, pipeline.split, pipeline.feature_spec = data, split, feature_spec
        return pipeline

    def hierarchy(self) -> pl.DataFrame:
        """The M5 hierarchy of every loaded series (see :mod:`benchlab.forecast.levels`)."""
        if self._hierarchy is None:
            data, _ = self._require_split()
            self._hierarchy = series_hierarchy(data, self.data_config.hierarchy)
        return self._hierarchy

    def load_and_prepare_data(self) -> ForecastData:
        """Load, validate and split the data; build the feature spec for a long panel."""
        config = self.data_config
        self.data = load_forecast_data(config)
        self.split = temporal_split(self.data, split_date=config.split_date, horizon=config.horizon)
        if not self.data.feature_columns:
            self.feature_spec = FeatureSpec.for_horizon(
                config.horizon,
                season_length=self.data.season_length,
                mode=config.forecast_mode,
                exogenous=self.data.exogenous_columns,
            )
        return self.data

    def _require_split(self) -> tuple[ForecastData, TemporalSplit]:
        if self.data is None or self.split is None:
            self.load_and_prepare_data()
        assert self.data is not None and self.split is not None
        return self.data, self.split

    def select(
        self, sku_tuples: Sequence[Sequence[Any]] | None
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Train and test rows of the requested SKUs (all loaded SKUs when ``None``)."""
        data, split = self._require_split()
        ids = list(data.id_columns)
        if sku_tuples is None:
            return split.train, split.test
        source = Path(data.source).name or "data"
        keys = normalise_sku_tuples(sku_tuples, ids, data.frame.schema, source=source)
        check_sku_tuples(data.frame.select(ids), keys, source=source)
        train = split.train.join(keys, on=ids, how="semi")
        test = split.test.join(keys, on=ids, how="semi")
        return train, test

    def make_task(
        self,
        model_type: str,
        *,
        quantile_alphas: Sequence[float] | None = None,
        hyperparameters: dict[str, Any] | None = None,
    ) -> ForecastTask:
        """The task description sent to workers; the model is built once here to validate it."""
        data, split = self._require_split()
        params = dict(hyperparameters or {})
        configured_alphas = params.pop("quantile_alphas", None)
        alphas = configured_alphas if quantile_alphas is None else quantile_alphas
        model_registry.get(model_type)  # unknown type: clear error before any work
        task = ForecastTask(
            model_type=model_type,
            id_columns=data.id_columns,
            season_length=data.season_length,
            horizon=split.horizon,
            quantile_alphas=tuple(alphas or ()),
            hyperparameters=params,
            random_state=self.training_config.random_state,
            feature_columns=data.feature_columns,
            feature_spec=self.feature_spec,
        )
        task.build_model()  # bad hyperparameters or quantiles fail here, once, clearly
        return task

    def run_experiment(
        self,
        sku_tuples: Sequence[Sequence[Any]] | None = None,
        modeling_strategy: ModelingStrategy | str = ModelingStrategy.COMBINED,
        model_type: str | None = None,
        *,
        quantile_alphas: Sequence[float] | None = None,
        hyperparameters: dict[str, Any] | None = None,
        n_workers: int | None = None,
        progress: bool = True,
        keep_models: bool = True,
    ) -> ExperimentResult:
        """Train ``model_type`` under ``modeling_strategy`` on ``sku_tuples`` and evaluate it.

        Without ``model_type`` the single model set in the ``TrainingConfig`` is used; its
        configured hyperparameters apply unless ``hyperparameters`` are given.
        """
        strategy = ModelingStrategy(modeling_strategy)
        label, model_type, params = self._resolve_model(model_type, hyperparameters)
        data, split = self._require_split()
        task = self.make_task(model_type, quantile_alphas=quantile_alphas, hyperparameters=params)
        train, test = self.select(sku_tuples)
        inputs = test.drop([c for c in _TRUTH_COLUMNS if c in test.columns])
        outcome = run_strategy(
            task,
            train,
            inputs,
            strategy,
            n_workers=n_workers,
            progress=progress,
            keep_models=keep_models,
        )
        if outcome.predictions.height == 0:
            reasons = "; ".join(f"{f.sku}: {f.reason}" for f in outcome.failures[:3])
            raise InputError(f"{label} [{strategy.value}] produced no forecasts: {reasons}")
        ids = list(data.id_columns)
        truth = test.select(
            *ids,
            DATE,
            pl.col(TARGET).alias(Y_TRUE),
            *[c for c in (ORACLE_MEAN, ORACLE_DISPERSION) if c in test.columns],
        )
        predictions = truth.join(outcome.predictions, on=[*ids, DATE], how="inner").select(
            *ids,
            DATE,
            Y_TRUE,
            Y_PRED,
            *[c for c in outcome.predictions.columns if c.startswith("q_")],
            *[c for c in (ORACLE_MEAN, ORACLE_DISPERSION) if c in truth.columns],
        )
        scored = self.score(predictions, train, task.quantile_alphas)
        return ExperimentResult(
            model=label,
            model_type=task.model_type,
            strategy=strategy,
            id_columns=data.id_columns,
            quantile_alphas=task.quantile_alphas,
            predictions=scored.predictions,
            metrics=scored.metrics,
            per_sku_metrics=scored.per_sku,
            fit_seconds=outcome.fit_seconds,
            predict_seconds=outcome.predict_seconds,
            hyperparameters=task.hyperparameters,
            wall_seconds=outcome.wall_seconds,
            n_workers=outcome.n_workers,
            failures=outcome.failures,
            models=outcome.models,
            revenue_weights=scored.revenue_weights,
            level_metrics=scored.levels,
            clipped_at_zero=scored.clipped_at_zero,
        )

    def score(
        self, predictions: pl.DataFrame, train: pl.DataFrame, quantile_alphas: Sequence[float]
    ) -> ScoredForecasts:
        """Score forecasts of the test period against ``train`` (the training rows of their
        series): clipped at 0 when the target is never negative (or ``data.non_negative``),
        then :func:`evaluate_forecasts` and the M5 levels."""
        data, _ = self._require_split()
        ids = list(data.id_columns)
        history = train.select(*ids, DATE, TARGET, *([PRICE] if data.has_price else []))
        non_negative = self.data_config.non_negative
        if non_negative is None:
            non_negative = bool(history[TARGET].min() >= 0)
        if non_negative:
            predictions = clip_at_zero(predictions, quantile_alphas)
        metrics, per_sku = evaluate_forecasts(
            predictions,
            history,
            id_columns=ids,
            quantile_alphas=quantile_alphas,
            season_length=data.season_length,
        )
        level_metrics, levels = evaluate_levels(
            predictions, history, self.hierarchy(), id_columns=ids, quantile_alphas=quantile_alphas
        )
        return ScoredForecasts(
            predictions=predictions,
            metrics={**metrics, **level_metrics},
            per_sku=per_sku,
            levels=levels,
            clipped_at_zero=non_negative,
            revenue_weights=uses_revenue_weights(history),
        )

    def _resolve_model(
        self, model_type: str | None, hyperparameters: dict[str, Any] | None
    ) -> tuple[str, str, dict[str, Any]]:
        configured = self.training_config.models
        if model_type is None:
            if len(configured) != 1:
                raise InputError(
                    "run_experiment needs model_type when the TrainingConfig holds "
                    f"{len(configured)} models ({', '.join(configured) or 'none'})"
                )
            model_type = next(iter(configured))
        if model_type in configured:
            spec = configured[model_type]
            params = dict(spec.params) if hyperparameters is None else dict(hyperparameters)
            return model_type, spec.type, params
        return model_type, model_type, dict(hyperparameters or {})
