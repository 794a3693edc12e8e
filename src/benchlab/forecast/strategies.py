"""COMBINED and INDIVIDUAL strategies on top of :func:`fit_and_forecast`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import polars as pl

from benchlab.forecast.data.skus import sku_key
from benchlab.forecast.engine import ForecastTask, GroupForecast, fit_and_forecast
from benchlab.forecast.models.base import ForecastModel
from benchlab.forecast.results import ModelingStrategy, SkuFailure
from benchlab.forecast.schema import DATE
from benchlab.parallel import available_cores, parallel_map, resolve_n_workers


@dataclass
class StrategyOutcome:
    predictions: pl.DataFrame
    fit_seconds: float
    predict_seconds: float
    wall_seconds: float
    n_workers: int
    models: dict[str, ForecastModel] = field(default_factory=dict)
    failures: list[SkuFailure] = field(default_factory=list)


def run_strategy(
    task: ForecastTask,
    train: pl.DataFrame,
    test: pl.DataFrame,
    strategy: ModelingStrategy,
    *,
    n_workers: int | None = None,
    progress: bool = True,
    keep_models: bool = True,
) -> StrategyOutcome:
    """Train under ``strategy`` and forecast ``test`` (which must not carry the target)."""
    start = time.perf_counter()
    if strategy is ModelingStrategy.COMBINED:
        threads = resolve_n_workers(n_workers) if n_workers is not None else available_cores()
        combined = replace(task, n_jobs=threads)
        result = fit_and_forecast(combined, train, test, keep_model=keep_models)
        return StrategyOutcome(
            predictions=result.predictions.sort([*task.id_columns, DATE]),
            fit_seconds=result.fit_seconds,
            predict_seconds=result.predict_seconds,
            wall_seconds=time.perf_counter() - start,
            n_workers=1,
            models={"combined": result.model} if result.model is not None else {},
        )
    return _run_individual(task, train, test, n_workers, progress, keep_models, start)


def _run_individual(
    task: ForecastTask,
    train: pl.DataFrame,
    test: pl.DataFrame,
    n_workers: int | None,
    progress: bool,
    keep_models: bool,
    start: float,
) -> StrategyOutcome:
    from benchlab.forecast.engine import model_runs_in_parallel

    ids = list(task.id_columns)
    workers = resolve_n_workers(n_workers) if model_runs_in_parallel(task) else 1
    single = replace(task, n_jobs=1 if workers > 1 else task.n_jobs)
    train_parts = train.partition_by(ids, as_dict=True, maintain_order=True)
    test_parts = test.partition_by(ids, as_dict=True, maintain_order=True)
    skus = sorted(test_parts)
    items = ((single, sku, train_parts.get(sku), test_parts[sku], keep_models) for sku in skus)
    frames, models, failures = [], {}, []
    fit_seconds = predict_seconds = 0.0
    for sku, outcome in parallel_map(
        _fit_one_sku,
        items,
        total=len(skus),
        n_workers=min(workers, max(len(skus), 1)),
        description=f"{task.model_type} individual",
        progress=progress,
        unit="SKUs",
    ):
        if isinstance(outcome, SkuFailure):
            failures.append(outcome)
            continue
        frames.append(outcome.predictions)
        fit_seconds += outcome.fit_seconds
        predict_seconds += outcome.predict_seconds
        if outcome.model is not None:
            models[sku_key(sku)] = outcome.model
    predictions = pl.concat(frames) if frames else test.select(*ids, DATE).head(0)
    failures.sort(key=lambda f: f.sku)
    return StrategyOutcome(
        predictions=predictions.sort([*ids, DATE]),
        fit_seconds=fit_seconds,
        predict_seconds=predict_seconds,
        wall_seconds=time.perf_counter() - start,
        n_workers=workers,
        models=dict(sorted(models.items())),
        failures=failures,
    )


def _fit_one_sku(
    task: ForecastTask,
    sku: tuple,
    train: pl.DataFrame | None,
    test: pl.DataFrame,
    keep_model: bool,
) -> tuple[tuple, GroupForecast | SkuFailure]:
    """One SKU in a worker: a failure is reported with its reason, never raised."""
    if train is None or train.height == 0:
        return sku, SkuFailure(sku, "no training rows before the split date")
    try:
        return sku, fit_and_forecast(task, train, test, keep_model=keep_model)
    except Exception as exc:  # noqa: BLE001 - one SKU's failure must not stop the others
        return sku, SkuFailure(sku, f"{type(exc).__name__}: {exc}")
