"""Fit one model on one slice of series and forecast its test period.

This is the unit of work of both strategies: COMBINED calls it once with every selected SKU,
INDIVIDUAL once per SKU (in worker processes). The test frame it receives carries no target, so
no forecast can see an actual after its origin.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from benchlab.data.validation import describe_rows
from benchlab.errors import InputError
from benchlab.forecast.features import FeatureSpec, build_features
from benchlab.forecast.model_types import create_model
from benchlab.forecast.models.base import ForecastModel
from benchlab.forecast.schema import DATE, TARGET, Y_PRED, quantile_columns


@dataclass(frozen=True)
class ForecastTask:
    """Everything a worker needs, apart from the data slice, to fit and forecast."""

    model_type: str
    id_columns: tuple[str, ...]
    season_length: int
    horizon: int
    quantile_alphas: tuple[float, ...] = ()
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    random_state: int = 0
    n_jobs: int = 1
    feature_columns: tuple[str, ...] = ()  # precomputed inputs (seed 000 files)
    feature_spec: FeatureSpec | None = None  # or features benchlab builds (long panels)

    def build_model(self) -> ForecastModel:
        return create_model(
            self.model_type,
            quantile_alphas=self.quantile_alphas or None,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            **self.hyperparameters,
        )

    @property
    def input_names(self) -> list[str]:
        if self.feature_spec is not None:
            return self.feature_spec.names()
        return list(self.feature_columns)


@dataclass
class GroupForecast:
    """Predictions (ids, date, ``y_pred``, ``q_*``) of one fitted model, with timings."""

    predictions: pl.DataFrame
    model: ForecastModel | None
    fit_seconds: float
    predict_seconds: float


def fit_and_forecast(
    task: ForecastTask, train: pl.DataFrame, test: pl.DataFrame, *, keep_model: bool = True
) -> GroupForecast:
    """Fit ``task.model_type`` on ``train`` and forecast every row of ``test``.

    ``train`` holds ids, ``date``, ``target`` and inputs; ``test`` the same without ``target``.
    """
    if TARGET in test.columns:
        raise ValueError("the test frame given to a model must not carry the target")
    model = task.build_model()
    if model.info.input_kind == "series":
        result = _series_forecast(model, task, train, test)
    elif task.feature_spec is None:
        result = _direct_forecast(model, task, train, test)
    else:
        result = _recursive_forecast(model, task, train, test)
    if not keep_model:
        result.model = None
    return result


def _prediction_frame(
    keys: pl.DataFrame, point: np.ndarray, quantiles: np.ndarray | None, task: ForecastTask
) -> pl.DataFrame:
    columns = {Y_PRED: point.astype(np.float64)}
    if quantiles is not None and task.quantile_alphas:
        for j, name in enumerate(quantile_columns(task.quantile_alphas)):
            columns[name] = quantiles[:, j].astype(np.float64)
    return keys.with_columns(**{name: pl.Series(values) for name, values in columns.items()})


def _predict(model: ForecastModel, X: np.ndarray, task: ForecastTask):
    point = model.predict(X)
    quantiles = model.predict_quantiles(X) if task.quantile_alphas else None
    return point, quantiles


def _matrix(frame: pl.DataFrame, names: list[str]) -> np.ndarray:
    return frame.select(names).to_numpy().astype(np.float32, copy=False)


def _in_time_order(frame: pl.DataFrame, task: ForecastTask) -> pl.DataFrame:
    """Rows oldest first (then by SKU): a model may hold out the last rows as a temporal
    validation slice."""
    return frame.sort([DATE, *task.id_columns])


def _direct_forecast(
    model: ForecastModel, task: ForecastTask, train: pl.DataFrame, test: pl.DataFrame
) -> GroupForecast:
    names = task.input_names
    train = _in_time_order(train, task)
    start = time.perf_counter()
    model.fit(_matrix(train, names), train.get_column(TARGET).to_numpy())
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    point, quantiles = _predict(model, _matrix(test, names), task)
    predictions = _prediction_frame(test.select(*task.id_columns, DATE), point, quantiles, task)
    return GroupForecast(predictions, model, fit_seconds, time.perf_counter() - start)


def _recursive_forecast(
    model: ForecastModel, task: ForecastTask, train: pl.DataFrame, test: pl.DataFrame
) -> GroupForecast:
    spec = task.feature_spec
    assert spec is not None
    ids, names = list(task.id_columns), spec.names()
    row = pl.int_range(pl.len()).over(ids)
    featured = build_features(train, spec, ids)
    usable = featured.filter(row >= spec.lookback)
    if usable.height == 0:
        usable = featured
    usable = _in_time_order(usable, task)
    start = time.perf_counter()
    model.fit(_matrix(usable, names), usable.get_column(TARGET).to_numpy())
    fit_seconds = time.perf_counter() - start

    start = time.perf_counter()
    tail = train.filter(row >= pl.len().over(ids) - spec.lookback)
    future = test.with_columns(pl.lit(None, dtype=pl.Float64).alias(TARGET))
    work = pl.concat([tail.select(future.columns), future]).sort([*ids, DATE])
    steps = test.get_column(DATE).unique().sort()
    if spec.is_direct(task.horizon):
        steps = steps.head(0)  # one pass: no feature reads a prediction
        step_frames = [build_features(work, spec, ids).filter(pl.col(TARGET).is_null())]
    else:
        step_frames = []
    for date in steps:
        rows = build_features(work, spec, ids).filter(pl.col(DATE) == date)
        point, _ = _predict(model, _matrix(rows, names), task)
        filled = rows.select(*ids, DATE).with_columns(pl.Series("_pred", point, pl.Float64))
        work = (
            work.join(filled, on=[*ids, DATE], how="left")
            .with_columns(pl.coalesce(TARGET, "_pred").alias(TARGET))
            .drop("_pred")
        )
        step_frames.append(rows)
    # Quantiles and the point forecast come from the same feature rows as the recursion used.
    rows = pl.concat(step_frames).sort([*ids, DATE])
    point, quantiles = _predict(model, _matrix(rows, names), task)
    predictions = _prediction_frame(rows.select(*ids, DATE), point, quantiles, task)
    return GroupForecast(predictions, model, fit_seconds, time.perf_counter() - start)


def _series_forecast(
    model: ForecastModel, task: ForecastTask, train: pl.DataFrame, test: pl.DataFrame
) -> GroupForecast:
    ids = list(task.id_columns)
    train = train.sort([*ids, DATE])
    sizes = train.group_by(ids, maintain_order=True).len()
    lengths = sizes.get_column("len").to_numpy().astype(np.int64)
    indptr = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(lengths)])
    start = time.perf_counter()
    model.fit_series(
        train.get_column(TARGET).to_numpy().astype(np.float64),
        indptr,
        season_length=task.season_length,
    )
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    horizon = int(test.group_by(ids).len().get_column("len").max() or 0)
    point, quantiles = model.forecast(horizon)
    series_index = sizes.select(ids).with_row_index("_series")
    keyed = (
        test.select(*ids, DATE)
        .sort([*ids, DATE])
        .with_columns(pl.int_range(pl.len()).over(ids).alias("_step"))
        .join(series_index, on=ids, how="left")
    )
    if keyed.get_column("_series").null_count():
        missing = keyed.filter(pl.col("_series").is_null()).select(ids).unique()
        raise InputError(f"series without training history: {describe_rows(missing, ids)}")
    s = keyed.get_column("_series").to_numpy()
    h = keyed.get_column("_step").to_numpy()
    q = quantiles[s, h, :] if quantiles is not None else None
    predictions = _prediction_frame(keyed.select(*ids, DATE), point[s, h], q, task)
    return GroupForecast(predictions, model, fit_seconds, time.perf_counter() - start)


def model_runs_in_parallel(task: ForecastTask) -> bool:
    """Whether INDIVIDUAL fans this task's model out over processes (CPU-bound models do; a
    model on a GPU runs its SKUs one after another)."""
    return task.build_model().runs_in_parallel()
